"""torch autograd through any backend: every FFT is linear, so its backward is an FFT.

For y = A x the gradient is A^H g (torch's convention for complex inputs):

* c2c: the adjoint is the opposite-direction transform with the norm swapped;
* r2c: zero-fill the missing half of g, inverse c2c (norm swapped), real part;
* c2r: r2c of g (norm swapped), with the bins that stand for two conjugate
  frequencies (1 .. (n-1)//2 on the halved axis) doubled.

The backward passes are themselves differentiable, so double backward works.

Split pairs (``SplitFFT``) have their own Function over (real, imag): its
forward and backward are split transforms (``dispatch.run_split``), so a
backend taking pairs gets pairs in both directions and nothing is
interleaved on the host. With g = gr + i gi the same adjoints hold, in parts:

* c2c: the opposite-direction split transform of (gr, gi), norm swapped;
* r2c: c2r of the weighted pair (norm swapped), bins 1 .. (n-1)//2 halved:
  c2r(h) = Re(sum over the full spectrum), and each halved bin is counted twice;
* c2r: r2c of the real g (norm swapped), bins 1 .. (n-1)//2 doubled, as above.
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
_SPLIT_FN: Any = None


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


def run_split_differentiable(xr: Any, xi: Any, problem: FFTProblem, backend: Any) -> tuple[Any, Any]:
    """``dispatch.run_split`` under autograd: (yr, yi), yi None for c2r output."""
    y = _split_function().apply(xr, xi, problem, backend)
    return (y, None) if problem.kind == "c2r" else y


def _split_function() -> Any:
    """The autograd.Function over split parts, created on first use so torch stays optional."""
    global _SPLIT_FN
    if _SPLIT_FN is None:
        function_base: Any = arrays.loaded_torch().autograd.Function

        class SplitFFT(function_base):
            @staticmethod
            def forward(ctx: Any, xr: Any, xi: Any, problem: FFTProblem, backend: Any) -> Any:
                ctx.problem, ctx.backend = problem, backend
                yr, yi = dispatch.run_split(xr.detach(), None if xi is None else xi.detach(), problem.key(),
                                            backend)
                return yr if yi is None else (yr, yi)

            @staticmethod
            def backward(ctx: Any, gr: Any, gi: Any = None) -> tuple[Any, Any, None, None]:
                ar, ai = split_adjoint(gr, gi, ctx.problem, ctx.backend)
                return ar, ai, None, None

        _SPLIT_FN = SplitFFT
    return _SPLIT_FN


def split_adjoint(gr: Any, gi: Any, problem: FFTProblem, backend: Any) -> tuple[Any, Any]:
    """A^H (gr + i gi) as split parts (the imaginary part None for r2c input), by split transforms."""
    norm = SWAP_NORM[problem.norm]
    if problem.kind == "c2c":
        return run_split_differentiable(gr, gi, replace(problem, forward=not problem.forward, norm=norm), backend)
    if problem.kind == "r2c":
        w = _bin_weights(problem, gr, 0.5)
        adj = replace(problem, kind="c2r", shape=problem.output_shape, forward=False, norm=norm)
        return run_split_differentiable(gr * w, gi * w, adj, backend)[0], None
    adj = replace(problem, kind="r2c", shape=problem.output_shape, forward=True, norm=norm)
    sr, si = run_split_differentiable(gr, None, adj, backend)
    w = _bin_weights(problem, sr, 2.0)
    return sr * w, si * w


def _bin_weights(problem: FFTProblem, like: Any, value: float) -> Any:
    """``value`` on bins 1 .. (n-1)//2 of the halved axis, 1 elsewhere, shaped to broadcast along it."""
    n = problem.lengths[-1]
    w = arrays.loaded_torch().ones(n // 2 + 1, dtype=like.dtype, device=like.device)
    w[1:(n - 1) // 2 + 1] = value
    view = [1] * like.ndim
    view[problem.axes[-1]] = n // 2 + 1
    return w.reshape(view)


def adjoint(g: Any, problem: FFTProblem, backend: Any) -> Any:
    """A^H g for the transform ``problem`` describes (g a tensor shaped like its output)."""
    norm = SWAP_NORM[problem.norm]
    if problem.kind == "c2c":
        adj = replace(problem, forward=not problem.forward, norm=norm)
        return run_differentiable(g.to(arrays.torch_dtype(problem.input_dtype)), adj, backend)
    if problem.kind == "r2c":
        full = arrays.resize_axis(g, problem.axes[-1], problem.lengths[-1])
        adj = replace(problem, kind="c2c", shape=tuple(full.shape), forward=False, norm=norm)
        return run_differentiable(full, adj, backend).real
    adj = replace(problem, kind="r2c", shape=problem.output_shape, forward=True, norm=norm)
    spectrum = run_differentiable(g.to(arrays.torch_dtype(problem.output_dtype)), adj, backend)
    return spectrum * _bin_weights(problem, g, 2.0)
