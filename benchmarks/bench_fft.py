"""Speed, memory and accuracy of trnfft's backends next to the peers users would pick.

Timed regions hold only the transform call: inputs, plans and warm-up runs
happen in ``setup``. Peers run single-threaded, except in ``LargeAllCores``.
"""
from __future__ import annotations

import os

from .common import IMPLS, make_input, normwise_error, transform_fn, warm

SIZES_1D = [16, 256, 1000, 1024, 4099, 65536, 65537, 2**20]
DTYPES = ["complex64", "complex128"]


class _Transform:
    """A transform of ``self.x`` by one implementation, prepared in setup."""

    timeout = 300
    axes: tuple[int, ...] | None = None

    def prepare(self, kind, shape, dtype, impl, workers=1):
        self.kind, self.shape = kind, shape
        self.x = make_input(kind, shape, dtype)
        if kind == "c2r" and self.axes is not None:
            raise NotImplementedError("c2r rows only for full-array transforms")
        self.fn = transform_fn(impl, kind, self.x, shape, self.axes, workers)
        warm(self.fn)  # plans and first-touch memory outside the timed region

    def error(self):
        return normwise_error(self.kind, self.x, self.shape, self.fn, self.axes)


class FFT1D(_Transform):
    """1-D c2c, r2c and c2r over powers of two, odd composites and primes."""

    params = [["c2c", "r2c", "c2r"], DTYPES, SIZES_1D, IMPLS]
    param_names = ["kind", "dtype", "n", "impl"]

    def setup(self, kind, dtype, n, impl):
        self.prepare(kind, (n,), dtype, impl)

    def time_transform(self, kind, dtype, n, impl):
        self.fn()

    def track_error(self, kind, dtype, n, impl):
        return self.error()

    track_error.unit = "relative error"


class FFT2D(_Transform):
    """2-D transforms up to 1024 x 1024."""

    params = [["c2c", "r2c", "c2r"], DTYPES, ["64x64", "256x256", "1024x1024"], IMPLS]
    param_names = ["kind", "dtype", "shape", "impl"]

    def setup(self, kind, dtype, shape, impl):
        self.prepare(kind, tuple(int(s) for s in shape.split("x")), dtype, impl)

    def time_transform(self, kind, dtype, shape, impl):
        self.fn()

    def track_error(self, kind, dtype, shape, impl):
        return self.error()

    track_error.unit = "relative error"


class Batched(_Transform):
    """Many short transforms: 128 rows of 1024 points along the last axis."""

    params = [["c2c", "r2c"], DTYPES, IMPLS]
    param_names = ["kind", "dtype", "impl"]
    axes = (1,)

    def setup(self, kind, dtype, impl):
        self.prepare(kind, (128, 1024), dtype, impl)

    def time_transform(self, kind, dtype, impl):
        self.fn()

    def track_error(self, kind, dtype, impl):
        return self.error()

    track_error.unit = "relative error"


class FFT3D(_Transform):
    """n-D on a cube."""

    params = [["c2c", "r2c"], DTYPES, IMPLS]
    param_names = ["kind", "dtype", "impl"]

    def setup(self, kind, dtype, impl):
        self.prepare(kind, (64, 64, 64), dtype, impl)

    def time_transform(self, kind, dtype, impl):
        self.fn()

    def track_error(self, kind, dtype, impl):
        return self.error()

    track_error.unit = "relative error"


# complex64 problems where libraries part ways: (kind, shape, axes); batched ones run along the rows.
LARGE = {"c2c 2^24": ("c2c", (2**24,), None), "c2c 4096x4096": ("c2c", (4096, 4096), None),
         "c2c 256^3": ("c2c", (256, 256, 256), None),
         "c2c rows (64,4096)": ("c2c", (64, 4096), (1,)), "c2c rows (4096,64)": ("c2c", (4096, 64), (1,)),
         "r2c 4096x4096": ("r2c", (4096, 4096), None)}  # r2c 2^20 is FFT1D's
# CPU contenders only: the NKI simulator takes seconds per call at these sizes.
CPU_IMPLS = [i for i in IMPLS if not i.startswith("trnfft:nki")]

# `make bench-smoke` sets this: the smoke run checks that every benchmark works, and the
# large problems (seconds of planning and input set-up each) are skipped there.
SKIP_LARGE = os.environ.get("TRNFFT_BENCH_SKIP_LARGE", "") not in ("", "0")


class Large(_Transform):
    """The large sizes, single-threaded (skipped by TRNFFT_BENCH_SKIP_LARGE=1)."""

    params = [list(LARGE), CPU_IMPLS]
    param_names = ["case", "impl"]
    timeout = 600
    workers = 1

    def setup(self, case, impl):
        if SKIP_LARGE:
            raise NotImplementedError("large sizes are skipped (TRNFFT_BENCH_SKIP_LARGE)")
        kind, shape, self.axes = LARGE[case]
        self.prepare(kind, shape, "complex64", impl, self.workers)

    def time_transform(self, case, impl):
        self.fn()


class LargeAllCores(Large):
    """The large c2c sizes with every library on all cores: trnfft and scipy with
    ``workers=-1``, torch with as many intra-op threads, the FFTW object with as many threads."""

    params = [["c2c 2^24", "c2c 4096x4096", "c2c 256^3"], [i for i in CPU_IMPLS if i != "numpy"]]
    workers = -1


class CallOverhead(_Transform):
    """Tiny transforms, where what is measured is the cost of getting to the FFT."""

    params = [[8, 64], IMPLS]
    param_names = ["n", "impl"]

    def setup(self, n, impl):
        self.prepare("c2c", (n,), "complex64", impl)

    def time_call(self, n, impl):
        self.fn()


class PeakMemory:
    """Peak resident memory of a process doing one large transform."""

    params = [["2**20", "1024x1024"], IMPLS]
    param_names = ["shape", "impl"]
    timeout = 300

    def setup(self, shape, impl):
        dims = (2**20,) if shape == "2**20" else (1024, 1024)
        self.fn = transform_fn(impl, "c2c", make_input("c2c", dims, "complex64"), dims)
        warm(self.fn)  # peak memory is the process's: the transform's buffers count either way

    def peakmem_transform(self, shape, impl):
        self.fn()
