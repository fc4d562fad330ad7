"""DistributedFFT: a 2-D or 3-D FFT of a global array split across a process group.

The local FFTs are trnfft's own public transforms (``trnfft.fftn``,
``rfftn``, ``ifftn``, ``irfftn``), so each rank runs whichever backend is
selected there and per-rank cross-checking (``TRNFFT_CROSSCHECK``) applies.
Normalisation is torch's: every local FFT gets the same ``norm``, and since
each norm's factor is a product over axes, the stages together scale exactly
as ``torch.fft.fftn`` does.
"""
from __future__ import annotations

import time
from typing import Any, Sequence

import torch
import torch.distributed as dist

import trnfft
from trnfft import InvalidArgumentError

from ._decomposition import Decomposition, choose
from ._exchange import Exchange, Profile, redistribute
from ._layout import Layout
from ._validate import MAX_DIMS, Call, check_dtype, gather_and_check, settle

KINDS = ("c2c", "r2c")
NORMS = (None, "backward", "ortho", "forward")
DECOMPOSITIONS = ("auto", "slab", "pencil")
_COMPLEX = {torch.float32: torch.complex64, torch.float64: torch.complex128}
_REAL = {torch.complex64: torch.float32, torch.complex128: torch.float64}


Step = tuple[tuple[int, ...], Exchange | None]   # local FFT axes, then the exchange after


def _exchange(src: Layout, dst: Layout, rank: int) -> Exchange | None:
    """The exchange from ``src`` to ``dst``; None when they give every rank the same block."""
    same = all(src.box(q) == dst.box(q) for q in range(src.size))
    return None if same else Exchange.between(src, dst, rank)


def _steps(axes: Sequence[tuple[int, ...]], layouts: Sequence[Layout], rank: int) -> list[Step]:
    """Stages in the order given, each stage's FFT followed by the exchange to the next
    stage's layout; stages with no exchange between them become one local call (a
    one-rank group runs a single FFT over every axis)."""
    steps: list[Step] = []
    pending: tuple[int, ...] = ()
    for i, stage_axes in enumerate(axes):
        pending += stage_axes
        ex = _exchange(layouts[i], layouts[i + 1], rank) if i + 1 < len(axes) else None
        if ex is not None or i + 1 == len(axes):
            steps.append((tuple(sorted(pending)), ex))   # sorted: the r2c axis (last) last
            pending = ()
    return steps


class DistributedFFT:
    """A 2-D or 3-D FFT of ``global_shape`` over the ranks of ``group``.

    ``kind="c2c"``: ``forward`` is ``fftn``, ``backward`` is ``ifftn``.
    ``kind="r2c"``: ``forward`` is ``rfftn`` (real in, the last axis halved to
    ``n // 2 + 1``), ``backward`` is ``irfftn`` (c2r, real out of ``global_shape``).

    ``forward`` takes each rank's block of ``input_layout`` and returns its
    block of ``output_layout``; ``backward`` goes the other way. With
    ``transposed=True`` the output stays in the layout the last FFT stage
    left it in (one all-to-all fewer each way), as heFFTe and mpi4py-fft
    allow; ``backward`` then expects that layout. Leading batch dims (the same
    on every rank) are carried along untouched.

    Constructing a plan and every call are collective: all ranks of the group
    must take part, and bad input on any rank raises the same error on all.
    A group of one rank is allowed: the transform is then the local one.
    """

    def __init__(self, global_shape: Sequence[int], kind: str = "c2c", *, group: Any = None,
                 decomposition: str = "auto", grid: Sequence[int] | None = None,
                 transposed: bool = False, backend: Any = None, workers: int | None = None):
        self._setup(global_shape, kind, group, decomposition, grid, transposed, backend, workers)
        gather_and_check(Call(self._fields(), error=self._error), self.group, None,
                         "trnfft.distributed.DistributedFFT")

    @classmethod
    def _unchecked(cls, *args: Any) -> "DistributedFFT":
        """A plan built without the collective check (the per-call check covers it)."""
        plan = cls.__new__(cls)
        plan._setup(*args)
        return plan

    def _setup(self, global_shape: Any, kind: str, group: Any, decomposition: str,
               grid: Any, transposed: bool, backend: Any, workers: int | None) -> None:
        if not (dist.is_available() and dist.is_initialized()):
            raise InvalidArgumentError("trnfft.distributed needs torch.distributed initialised: "
                                       "call torch.distributed.init_process_group first")
        self.group = group if group is not None else dist.group.WORLD
        self.rank = dist.get_rank(self.group)
        if self.rank < 0:
            raise InvalidArgumentError("this process is not a member of the process group given")
        self.size = dist.get_world_size(self.group)
        self.kind, self.transposed = kind, bool(transposed)
        self.backend, self.workers = backend, workers
        self._error: str | None = None
        try:
            self.global_shape = self._check_shape(global_shape)
            if kind not in KINDS:
                raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
            if decomposition not in DECOMPOSITIONS:
                raise ValueError(f"decomposition must be one of {DECOMPOSITIONS}, "
                                 f"got {decomposition!r}")
            n = self.global_shape
            self.spectral_shape = n[:-1] + (n[-1] // 2 + 1,) if kind == "r2c" else n
            self.decomposition: Decomposition = choose(
                n, self.spectral_shape, self.size, decomposition,
                None if grid is None else tuple(int(g) for g in grid))
        except (ValueError, TypeError) as exc:
            self._error = str(exc)
            return
        self._build()

    @staticmethod
    def _check_shape(shape: Any) -> tuple[int, ...]:
        try:
            n = tuple(int(s) for s in shape)
        except TypeError:
            raise ValueError(f"global_shape must be a sequence of 2 or 3 sizes, got {shape!r}")
        if len(n) not in (2, 3) or min(n) < 1:
            raise ValueError(f"global_shape must be 2 or 3 positive sizes, got {n}")
        return n

    def _build(self) -> None:
        dec = self.decomposition
        real, spec = dec.layouts(self.global_shape), dec.layouts(self.spectral_shape)
        axes = dec.stage_axes()
        self.input_layout: Layout = real[0]
        self.stage_layouts: tuple[Layout, ...] = spec
        self.output_layout: Layout = spec[-1] if self.transposed else spec[0]
        self._forward_steps = _steps(axes, spec, self.rank)
        self._backward_steps = _steps(axes[::-1], spec[::-1], self.rank)
        self._to_transposed = _exchange(spec[0], spec[-1], self.rank)
        self._from_transposed = _exchange(spec[-1], spec[0], self.rank)

    def _fields(self) -> tuple[tuple[str, tuple[int, ...]], ...]:
        if self._error:
            return (("global_shape", (0, 0, 0)), ("kind", (0,)), ("decomposition", (0, 0, 0)),
                    ("transposed", (0,)))
        dec = self.decomposition
        grid = dec.grid + (1,) * (2 - len(dec.grid))
        return (("global_shape", self.global_shape + (0,) * (3 - len(self.global_shape))),
                ("kind", (KINDS.index(self.kind),)),
                ("decomposition", (("slab", "pencil").index(dec.name),) + grid),
                ("transposed", (int(self.transposed),)))

    def __repr__(self) -> str:
        if self._error:
            return f"<DistributedFFT (invalid: {self._error})>"
        return (f"<DistributedFFT {self.kind} {self.global_shape} {self.decomposition.name} "
                f"grid {self.decomposition.grid} rank {self.rank}/{self.size}"
                f"{' transposed' if self.transposed else ''}>")

    # -- calls ---------------------------------------------------------------------------

    def forward(self, x: torch.Tensor, norm: str | None = None, *,
                profile: Profile | None = None) -> torch.Tensor:
        """This rank's block of the forward FFT (``fftn`` or ``rfftn``) of the global array."""
        x = self._prepare(x, norm, "forward", self.input_layout if not self._error else None,
                          complex_input=None if self.kind == "c2c" else False, profile=profile)
        if self.kind == "c2c" and not x.is_complex():
            x = x.to(_COMPLEX[x.dtype])
        batch = tuple(x.shape[:x.dim() - len(self.global_shape)])
        failed: list[Exception] = []
        y = x
        for axes, step in self._forward_steps:
            y = self._local(y, axes, True, norm, profile, failed)
            y = self._move(y, step, batch, profile)
        if not self.transposed:
            y = self._move(y, self._from_transposed, batch, profile)
        self._settle(failed, "forward", profile)
        return y

    def backward(self, y: torch.Tensor, norm: str | None = None, *,
                 profile: Profile | None = None) -> torch.Tensor:
        """This rank's block of the inverse FFT (``ifftn`` or ``irfftn``) of the global array."""
        y = self._prepare(y, norm, "backward", self.output_layout if not self._error else None,
                          complex_input=None, profile=profile)
        if not y.is_complex():
            y = y.to(_COMPLEX[y.dtype])
        batch = tuple(y.shape[:y.dim() - len(self.global_shape)])
        if not self.transposed:
            y = self._move(y, self._to_transposed, batch, profile)
        failed: list[Exception] = []
        for axes, step in self._backward_steps:
            y = self._local(y, axes, False, norm, profile, failed)
            y = self._move(y, step, batch, profile)
        self._settle(failed, "backward", profile)
        return y

    # -- pieces --------------------------------------------------------------------------

    def _prepare(self, x: Any, norm: Any, direction: str, layout: Layout | None,
                 complex_input: bool | None, profile: Profile | None) -> torch.Tensor:
        """Local argument checks, then the collective check; the tensor to transform."""
        t0 = time.perf_counter()
        what = f"trnfft.distributed {self._name(direction)}"
        error = self._error
        if error is None and not isinstance(x, torch.Tensor):
            error = f"expects a torch.Tensor, got {type(x).__name__}"
        if error is None and x.dim() > MAX_DIMS:
            error = f"takes at most {MAX_DIMS} dims, got {x.dim()}"
        if error is None and norm not in NORMS:
            error = f"norm must be one of {NORMS}, got {norm!r}"
        if isinstance(x, torch.Tensor):
            if not (x.dtype.is_floating_point or x.dtype.is_complex):
                x = x.to(torch.get_default_dtype())   # integers and bools, as torch.fft does
            x = x.resolve_conj().resolve_neg()
        ok = isinstance(x, torch.Tensor)
        call = Call(self._fields() + (("norm", (NORMS.index(norm) if norm in NORMS else -1,)),
                                      ("direction", (int(direction == "forward"),))),
                    shape=tuple(x.shape) if ok else (), dtype=x.dtype if ok else None,
                    requires_grad=bool(ok and x.requires_grad and torch.is_grad_enabled()),
                    error=error)
        gather_and_check(call, self.group, layout, what)
        check_dtype(x.dtype, complex_input, what)
        if profile is not None:
            profile.check_s += time.perf_counter() - t0
        return x

    def _name(self, direction: str) -> str:
        names = {("c2c", "forward"): "fftn", ("c2c", "backward"): "ifftn",
                 ("r2c", "forward"): "rfftn", ("r2c", "backward"): "irfftn"}
        return names.get((self.kind, direction), direction)

    def _move(self, x: torch.Tensor, step: Exchange | None, batch: tuple[int, ...],
              profile: Profile | None) -> torch.Tensor:
        return x if step is None else redistribute(x, step, batch, self.group, profile)

    def _settle(self, failed: list[Exception], direction: str, profile: Profile | None) -> None:
        t0 = time.perf_counter()
        settle(failed[0] if failed else None, self.group,
               f"trnfft.distributed {self._name(direction)}")
        if profile is not None:
            profile.check_s += time.perf_counter() - t0

    def _local(self, x: torch.Tensor, axes: tuple[int, ...], forward: bool, norm: str | None,
               profile: Profile | None, failed: list[Exception]) -> torch.Tensor:
        """The local FFTs of one stage, through trnfft's public transforms. If they
        raise, the error is kept in ``failed`` and a placeholder of the right shape
        lets this rank finish the exchanges the other ranks are waiting for."""
        t0 = time.perf_counter()
        d = len(self.global_shape)
        dims = [a - d for a in axes]
        real_axis = self.kind == "r2c" and d - 1 in axes
        opts = dict(norm=norm, backend=self.backend, workers=self.workers)
        try:
            if x.numel() == 0 or failed:
                y = self._empty_result(x, real_axis, forward)
            elif forward:
                y = (trnfft.rfftn if real_axis else trnfft.fftn)(x, dim=dims, **opts)
            elif real_axis:
                y = trnfft.irfftn(x, s=[self.global_shape[a] for a in axes], dim=dims, **opts)
            else:
                y = trnfft.ifftn(x, dim=dims, **opts)
        except Exception as exc:   # noqa: BLE001  (re-raised on every rank by _settle)
            failed.append(exc)
            y = self._empty_result(x, real_axis, forward)
        if profile is not None:
            profile.fft_s += time.perf_counter() - t0
        return y

    def _empty_result(self, x: torch.Tensor, real_axis: bool, forward: bool) -> torch.Tensor:
        """What a stage returns for an empty block (trnfft rejects empty inputs), or in
        place of a failed one."""
        if not real_axis:
            return torch.empty(x.shape, dtype=x.dtype, device=x.device)
        if forward:
            shape = x.shape[:-1] + (self.spectral_shape[-1],)
            return torch.empty(shape, dtype=_COMPLEX[x.dtype], device=x.device)
        shape = x.shape[:-1] + (self.global_shape[-1],)
        return torch.empty(shape, dtype=_REAL[x.dtype], device=x.device)
