"""What a new problem costs: building a plan, and the first call that builds it."""
from __future__ import annotations

from .common import make_input, trnfft_backends

BACKENDS = [b.split(":", 1)[1] for b in trnfft_backends()]


class Planning:
    params = [[128, 1024, 65536, 2**20], BACKENDS]
    param_names = ["n", "backend"]
    timeout = 300

    def setup(self, n, backend):
        import trnfft
        from trnfft.core.problem import make_problem
        self.trnfft = trnfft
        self.problem = make_problem("c2c", (n,), precision="single")
        self.x = make_input("c2c", (n,), "complex64")
        from .common import warm
        warm(lambda: trnfft.numpy_fft.fft(self.x, backend=backend))  # FFTW wisdom exists from here on

    def time_plan_creation(self, n, backend):
        from trnfft.core.dispatch import get_plan
        self.trnfft.plan_cache.clear()
        get_plan(self.problem, backend)

    def time_first_call(self, n, backend):
        self.trnfft.plan_cache.clear()
        self.trnfft.numpy_fft.fft(self.x, backend=backend)

    def time_cached_call(self, n, backend):
        self.trnfft.numpy_fft.fft(self.x, backend=backend)
