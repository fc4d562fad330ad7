"""``trnfft.stft`` / ``trnfft.istft``: torch's short-time Fourier transforms on any backend.

Same signatures, defaults, shapes and errors as ``torch.stft`` / ``torch.istft``
(torch 2.x). The framing, windowing and overlap-add are torch operations; the
frames' FFTs are one batched ``trnfft.rfft``/``fft`` (istft: ``irfft``/``ifft``)
over the last axis, so they run on whichever backend is selected, and autograd
flows through both. NumPy arrays are accepted too and come back as arrays.
Argument errors are :class:`~trnfft.errors.SpectrogramArgumentError`, a
``RuntimeError`` as torch's are.
"""
from __future__ import annotations

import contextlib
import operator
import warnings
from collections.abc import Iterator
from typing import Any

from . import torch_fft as api, arrays
from .split import SplitComplex, as_pair, combine, parts as split_parts
from ..core import memory
from ..core.errors import InvalidArgumentTypeError, SpectrogramArgumentError

PAD_MODES = ("constant", "reflect", "replicate", "circular")
NOLA_FLOOR = 1e-11  # torch's threshold on the window's overlap-add


def _torch() -> Any:
    return arrays.require_torch("trnfft.stft/istft (its framing, windowing and overlap-add are "
                                "torch operations, for NumPy arrays too)")


def _as_tensor(x: Any) -> tuple[Any, bool]:
    """(tensor, came_as_tensor); a SplitComplex pair as the complex tensor (or array) it holds."""
    if type(x) is SplitComplex:
        x = combine(*split_parts(x, tensors=True))
    if arrays.is_tensor(x):
        return x, True
    import numpy as np
    return _torch().from_numpy(np.asarray(x)), False


def _int(value: Any, what: str) -> int:
    """An integer argument; anything else (a float, a bool) is a TypeError, as in torch."""
    try:
        if isinstance(value, bool):
            raise TypeError
        return operator.index(value)
    except TypeError:
        raise InvalidArgumentTypeError(f"{what} must be an integer, got {value!r}") from None


def _lengths(fn: str, n_fft: Any, hop_length: Any, win_length: Any) -> tuple[int, int, int]:
    n_fft = _int(n_fft, "n_fft")
    if n_fft < 1:
        raise SpectrogramArgumentError(f"{fn}: expected n_fft > 0, but got n_fft={n_fft}")
    hop = n_fft // 4 if hop_length is None else _int(hop_length, "hop_length")
    win = n_fft if win_length is None else _int(win_length, "win_length")
    if not 0 < win <= n_fft:
        raise SpectrogramArgumentError(
            f"{fn}: expected 0 < win_length <= n_fft, but got win_length={win} (n_fft={n_fft})")
    if hop < 1:
        raise SpectrogramArgumentError(f"{fn}: expected hop_length > 0, but got hop_length={hop}"
                                       + (" (the default n_fft // 4 is 0: give hop_length)"
                                          if hop_length is None else ""))
    return n_fft, hop, win


def _window(fn: str, window: Any, win: int, n_fft: int, like: Any) -> tuple[Any, Any]:
    """(``like``, window zero-padded on both sides to n_fft), both in their promoted precision.

    As torch does, a float64 window makes a float32 input's result double, and
    the other way round.
    """
    torch = _torch()
    if window is None:
        with _allocating(f"{fn}'s rectangular window of win_length={win}"):
            w = torch.ones(win, dtype=like.real.dtype if like.is_complex() else like.dtype,
                           device=like.device)
    else:
        w, _ = _as_tensor(window)
        if w.ndim != 1 or w.shape[0] != win:
            raise SpectrogramArgumentError(
                f"{fn}: expected a 1-D window of size win_length={win}, got shape {tuple(w.shape)}")
        if not (w.is_floating_point() or w.is_complex()):
            w = w.to(torch.get_default_dtype())
        common = torch.promote_types(like.dtype, w.dtype)
        real = common.to_real() if common.is_complex else common
        like = like.to(common if like.is_complex() else real)
        w = w.to(common if w.is_complex() else real)
    left = (n_fft - win) // 2
    with _allocating(f"{fn}'s window padded to n_fft={n_fft}"):
        padded = torch.nn.functional.pad(w, (left, n_fft - win - left)) if win < n_fft else w
    return like, padded


def stft(input: Any, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
         window: Any = None, center: bool = True, pad_mode: str = "reflect",
         normalized: bool = False, onesided: bool | None = None,
         return_complex: bool | None = None, align_to_window: bool | None = None, *,
         backend: Any = None, workers: int | None = None) -> Any:
    """Short-time Fourier transform, as ``torch.stft``: shape (B?, N, T) complex.

    N is n_fft // 2 + 1 when onesided (the default for real input and window),
    else n_fft; T is the number of frames. A SplitComplex input is the complex
    signal it holds, and its complex result comes back as a SplitComplex.
    """
    torch = _torch()
    x, as_tensor = _as_tensor(input)
    if x.ndim not in (1, 2):
        raise SpectrogramArgumentError(f"stft: expected a 1-D or 2-D (batched) input, got {x.ndim}-D")
    if not (x.is_floating_point() or x.is_complex()):
        raise SpectrogramArgumentError(
            f"stft: expected a tensor of floating point or complex values, got {x.dtype}")
    if center and align_to_window is not None:
        raise SpectrogramArgumentError("stft: align_to_window applies only with center=False")
    n_fft, hop, win = _lengths("stft", n_fft, hop_length, win_length)
    if window is None:
        warnings.warn("stft: no window was given, so a rectangular one is used, which causes "
                      "spectral leakage (as torch warns); pass e.g. torch.hann_window(n_fft), or "
                      "torch.ones(n_fft) to keep the rectangle", UserWarning, stacklevel=2)
    x, w = _window("stft", window, win, n_fft, x)
    cplx = x.is_complex() or w.is_complex()
    if return_complex is None:
        if not cplx:
            raise SpectrogramArgumentError(
                "stft: return_complex must be given for a real input and window (torch requires "
                "it too); pass return_complex=True")
        return_complex = True
    elif not return_complex:
        warnings.warn("stft with return_complex=False is deprecated (as in torch): the result is "
                      "torch.view_as_real of the complex one", UserWarning, stacklevel=2)
    onesided = not cplx if onesided is None else bool(onesided)
    if onesided and cplx:
        raise SpectrogramArgumentError(
            "stft: onesided output needs a real input and window, and one of them is complex; "
            "pass onesided=False")
    if center:
        x = _pad(x, n_fft // 2, pad_mode)
    elif align_to_window and win < n_fft:  # frame t's window starts at t * hop_length
        left = (n_fft - win) // 2
        x = torch.nn.functional.pad(x, (left, n_fft - win - left))
    length = x.shape[-1]
    if n_fft > length:
        raise SpectrogramArgumentError(
            f"stft: expected 0 < n_fft <= {length} (the {'padded ' if center else ''}input "
            f"length), but got n_fft={n_fft}")
    frames = x.unfold(-1, n_fft, hop) * w  # (B?, T, n_fft): a strided view, then windowed
    norm = "ortho" if normalized else "backward"
    fn = api.rfft if onesided else api.fft
    spec = fn(frames, dim=-1, norm=norm, backend=backend, workers=workers).transpose(-1, -2)
    if not return_complex:
        spec = torch.view_as_real(spec)
    spec = spec if as_tensor else spec.detach().numpy()
    return as_pair(spec) if type(input) is SplitComplex and return_complex else spec


def _out_of_memory(exc: BaseException, torch: Any) -> bool:
    """Whether ``exc`` is an allocation failing (torch's CPU allocator raises a plain RuntimeError)."""
    return (isinstance(exc, (MemoryError, torch.OutOfMemoryError))
            or "can't allocate memory" in str(exc))


@contextlib.contextmanager
def _allocating(what: str) -> Iterator[None]:
    """torch running out of memory while making ``what`` as trnfft's OutOfMemoryError; other errors pass."""
    try:
        yield
    except (MemoryError, RuntimeError) as exc:
        if _out_of_memory(exc, _torch()):
            raise memory.ran_out(exc, what) from None  # type: ignore[arg-type]
        raise


def _pad(x: Any, pad: int, mode: str) -> Any:
    torch = _torch()
    if mode not in PAD_MODES:
        raise SpectrogramArgumentError(f"stft: unknown pad_mode {mode!r}; one of {PAD_MODES}")
    if mode == "reflect" and pad >= x.shape[-1]:
        raise SpectrogramArgumentError(
            f"stft: pad_mode='reflect' needs an input longer than n_fft // 2 = {pad}, got "
            f"length {x.shape[-1]}; use a smaller n_fft, another pad_mode or center=False")
    if pad == 0:
        return x
    shape = x.shape
    try:
        with _allocating(f"stft's padding of an input of shape {tuple(shape)} by {pad} on each side"):
            padded = torch.nn.functional.pad(x.reshape((1,) * (3 - x.ndim) + tuple(shape)), (pad, pad), mode)
    except RuntimeError as exc:  # circular padding beyond the input, an empty input, ...: torch's words
        raise SpectrogramArgumentError(f"stft: cannot pad an input of length {shape[-1]} by n_fft // 2 "
                                       f"= {pad} with pad_mode={mode!r}: {exc}") from None
    return padded.reshape(tuple(shape[:-1]) + (shape[-1] + 2 * pad,))


def istft(input: Any, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
          window: Any = None, center: bool = True, normalized: bool = False,
          onesided: bool | None = None, length: int | None = None,
          return_complex: bool = False, *, backend: Any = None, workers: int | None = None) -> Any:
    """Inverse short-time Fourier transform, as ``torch.istft``: shape (B?, length).

    Raises when the window's squared overlap-add is ~0 somewhere in the output
    (the NOLA condition), where the signal cannot be recovered. A SplitComplex
    input is the spectrogram it holds; a complex result (return_complex=True)
    then comes back as a SplitComplex.
    """
    torch = _torch()
    spec, as_tensor = _as_tensor(input)
    if not spec.is_complex():
        raise SpectrogramArgumentError(
            f"istft: expected a complex input (what stft returns with return_complex=True), "
            f"got {spec.dtype}")
    if spec.ndim not in (2, 3):
        raise SpectrogramArgumentError(
            f"istft: expected a 2-D (N, T) or 3-D (B, N, T) input, got {spec.ndim}-D")
    n_fft, hop, win = _lengths("istft", n_fft, hop_length, win_length)
    if window is None:
        warnings.warn("istft: no window was given, so a rectangular one is applied (as torch "
                      "warns); pass the window stft used so that the inversion is lossless, or "
                      "torch.ones(n_fft) to keep the rectangle", UserWarning, stacklevel=2)
    if hop > win:
        raise SpectrogramArgumentError(
            f"istft: expected 0 < hop_length <= win_length, but got hop_length={hop} "
            f"(win_length={win})")
    n_freq, n_frames = spec.shape[-2], spec.shape[-1]
    if n_frames == 0:
        raise SpectrogramArgumentError("istft: input tensor cannot be empty (it has no frames)")
    onesided = n_freq != n_fft if onesided is None else bool(onesided)
    want = n_fft // 2 + 1 if onesided else n_fft
    if n_freq != want:
        raise SpectrogramArgumentError(
            f"istft: expected the frequency dimension (second to last) of the input to match "
            f"{'n_fft / 2 + 1' if onesided else 'n_fft'}={want} when onesided={onesided}, "
            f"but got {n_freq}")
    spec, w = _window("istft", window, win, n_fft, spec)
    norm = "ortho" if normalized else "backward"
    if return_complex:
        if onesided:
            raise SpectrogramArgumentError(
                "istft: return_complex=True needs a two-sided input (onesided=False, n_fft "
                "frequencies)")
        frames = api.ifft(spec.transpose(-1, -2), n=n_fft, dim=-1, norm=norm, backend=backend,
                          workers=workers)
    else:
        if w.is_complex():
            raise SpectrogramArgumentError("istft: a complex window needs return_complex=True")
        half = spec if onesided else spec.narrow(-2, 0, n_fft // 2 + 1)
        frames = api.irfft(half.transpose(-1, -2), n=n_fft, dim=-1, norm=norm, backend=backend,
                           workers=workers)
    # the frames' transforms run over the last axis: (B?, T, n_fft), the fastest layout
    batched = frames.ndim == 3
    frames = (frames if batched else frames.unsqueeze(0)) * w
    full = n_fft + hop * (n_frames - 1)
    y = _overlap_add(frames, hop, full)
    envelope = _overlap_add((w * w).expand(1, n_frames, n_fft), hop, full)  # w^2, complex too, as torch
    start = n_fft // 2 if center else 0
    if length is None:
        end = full - n_fft // 2 if center else full
    else:
        length = _int(length, "length")
        if length < 1:
            raise SpectrogramArgumentError(f"istft: expected length > 0, but got length={length}")
        end = start + length
    y, envelope = y[:, start:end], envelope[:, start:end]
    if envelope.numel() and float(envelope.detach().abs().min()) < NOLA_FLOOR:  # (no autograd: a test)
        raise SpectrogramArgumentError(
            f"istft: the window's squared overlap-add falls below {NOLA_FLOOR:g} inside the "
            f"output (window={'ones' if window is None else 'given'}, hop_length={hop}, "
            f"win_length={win}, center={center}), so the signal cannot be recovered there "
            f"(the NOLA condition fails): use a smaller hop_length or a window that does not "
            f"vanish where frames overlap")
    y = y / envelope
    if end > full:
        warnings.warn("istft: the signal is shorter than the length parameter; the result is "
                      "padded with zeros in the tail (check center and hop_length)",
                      UserWarning, stacklevel=2)
        y = torch.nn.functional.pad(y, (0, end - full))
    y = y if batched else y.squeeze(0)
    y = y if as_tensor else y.detach().numpy()
    return as_pair(y) if type(input) is SplitComplex else y


def _overlap_add(frames: Any, hop: int, length: int) -> Any:
    """Sum frames (B, T, n_fft), frame t starting at sample t * hop, into (B, length).

    The frames are cut into hop-long pieces: piece j of every frame lands in
    one contiguous run starting at j * hop, so the sum is ceil(n_fft / hop)
    shifted adds (differentiable, complex too) instead of a scatter.
    """
    torch = _torch()
    batch, n_frames, n_fft = frames.shape
    pieces = -(-n_fft // hop)
    padded = torch.nn.functional.pad(frames, (0, pieces * hop - n_fft))
    total = (n_frames + pieces - 1) * hop
    out: Any = None
    for j in range(pieces):
        run = padded[:, :, j * hop:(j + 1) * hop].reshape(batch, n_frames * hop)
        run = torch.nn.functional.pad(run, (j * hop, total - j * hop - n_frames * hop))
        out = run if out is None else out + run
    return out[:, :length]
