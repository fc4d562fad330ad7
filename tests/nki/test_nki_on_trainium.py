"""nki-hardware on a NeuronCore with device-resident split tensors (runs only where nki-hardware is available:
benchmarks/run_on_trainium.sh runs it; everywhere else each test is skipped with the backend's reason)."""
from __future__ import annotations

import numpy as np
import pytest

from trnfft.core.problem import make_problem
from trnfft.core.dispatch import get_plan
from trnfft_backends.nki import executors

from conftest import assert_close, random_array

_PROBLEM = executors.hardware_problem()
pytestmark = pytest.mark.skipif(_PROBLEM is not None, reason=f"nki-hardware is not available here: {_PROBLEM}")

@pytest.mark.parametrize("shape", [(16,), (8, 1024), (945,), (4099,), (1 << 20,), (3, 64, 64)])
def test_device_tensors_in_device_tensors_out_accurately(shape):
    import torch
    from trnfft_backends.nki import device
    axes = (1, 2) if len(shape) == 3 else None
    plan = get_plan(make_problem("c2c", shape, axes=axes), "nki-hardware")
    x = random_array(shape, np.complex64)
    where = device.default_device()
    xr, xi = (torch.from_numpy(p.copy()).to(where) for p in (x.real, x.imag))
    for _ in range(2):
        yr, yi = plan.execute_split(xr, xi)
        assert yr.device == xr.device and yr.dtype == torch.float32
    device.synchronize(where)   # the plan leaves its results lazy: one run for both parts, as a caller would
    y = yr.cpu().numpy() + 1j * yi.cpu().numpy().astype(np.float64)
    ref = np.fft.fftn(x.astype(np.complex128), axes=axes or (-1,))
    assert_close(y, ref, np.complex64, int(np.prod([shape[a] for a in (axes or (-1,))])))  # the simulator's bound
    resident, = plan._constants
    assert resident.devices() == [str(where)]       # uploaded once, to this device only
