"""torch autograd through any backend: every FFT is linear, so its backward is an FFT.

For y = A x the gradient is A^H g (torch's convention for complex inputs):

* c2c: the adjoint is the opposite-direction transform with the norm swapped;
* r2c: zero-fill the missing half of g, inverse c2c (norm swapped), real part;
* c2r: r2c of g (norm swapped), with the bins that stand for two conjugate
  frequencies (1 .. (n-1)//2 on the halved axis) doubled.

The backward passes are themselves differentiable, so double backward works.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from . import arrays
from ..core import dispatch
from ..core.problem import FFTProblem

SWAP_NORM = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def needs_autograd(x: Any) -> bool:
    torch = arrays.loaded_torch()
    return bool(x.requires_grad and torch.is_grad_enabled())


def run_differentiable(x: Any, problem: FFTProblem, backend: Any) -> Any:
    return _function().apply(x, problem, backend)


_FN: Any = None


def _function() -> Any:
    """The autograd.Function class, created on first use so torch stays optional."""
    global _FN
    if _FN is None:
        torch = arrays.loaded_torch()
        function_base: Any = torch.autograd.Function

        class LinearFFT(function_base):
            @staticmethod
            def forward(ctx: Any, x: Any, problem: FFTProblem, backend: Any) -> Any:
                ctx.problem, ctx.backend = problem, backend
                return dispatch.run(x, problem.key(), backend)

            @staticmethod
            def backward(ctx: Any, g: Any) -> tuple[Any, None, None]:
                return adjoint(g, ctx.problem, ctx.backend), None, None

        _FN = LinearFFT
    return _FN


def adjoint(g: Any, problem: FFTProblem, backend: Any) -> Any:
    """A^H g for the transform ``problem`` describes (g a tensor shaped like its output)."""
    torch = arrays.loaded_torch()
    norm = SWAP_NORM[problem.norm]
    if problem.kind == "c2c":
        adj = replace(problem, forward=not problem.forward, norm=norm)
        return run_differentiable(g.to(arrays.torch_dtype(problem.input_dtype)), adj, backend)
    last, n = problem.axes[-1], problem.lengths[-1]
    if problem.kind == "r2c":
        full = arrays.resize_axis(g, last, n)
        adj = replace(problem, kind="c2c", shape=tuple(full.shape), forward=False, norm=norm)
        return run_differentiable(full, adj, backend).real
    adj = replace(problem, kind="r2c", shape=problem.output_shape, forward=True, norm=norm)
    spectrum = run_differentiable(g.to(arrays.torch_dtype(problem.output_dtype)), adj, backend)
    weights = torch.ones(n // 2 + 1, dtype=arrays.torch_dtype(problem.output_dtype), device=spectrum.device)
    weights[1:(n - 1) // 2 + 1] = 2.0
    view = [1] * spectrum.ndim
    view[last] = n // 2 + 1
    return spectrum * weights.reshape(view)
