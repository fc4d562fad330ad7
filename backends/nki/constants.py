"""DFT matrices built accurately, once per plan.

``k*j mod n`` is reduced in integers and the angle evaluated in float64, then
rounded once to float32: fp32 angles 2*pi*k*j/n lose accuracy fast (7.9e-5
norm-wise at n=1024 against 2.6e-7 this way; design.md section 6).
"""
from __future__ import annotations

import numpy as np


def dft_matrix(n: int, forward: bool, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Re F, Im F, -Im F) as float32, F[j, k] = scale * exp(-+2 pi i j k / n)."""
    jk = np.outer(np.arange(n, dtype=np.int64), np.arange(n, dtype=np.int64)) % n
    angle = (-2.0 if forward else 2.0) * np.pi * jk / n
    re = (scale * np.cos(angle)).astype(np.float32)
    im = (scale * np.sin(angle)).astype(np.float32)
    return re, im, (-im).astype(np.float32)
