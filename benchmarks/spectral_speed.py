"""trnfft.stft/istft against torch's, and scipy.fft through trnfft.scipy_backend, outside asv.

    python benchmarks/spectral_speed.py [--repeat 7]

Single-threaded (torch and FFTW). Each figure is the best of ``--repeat``
timeit runs, in milliseconds per call, on trnfft's default backend.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402  (after OMP_NUM_THREADS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    import scipy.fft
    import torch

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script
    from benchmarks.quick_speed import best_us

    import trnfft
    torch.set_num_threads(1)
    x = torch.randn(8, 16000)
    window = torch.hann_window(512)
    spec = torch.stft(x, 512, 128, window=window, return_complex=True)
    a = np.random.default_rng(0).uniform(-1, 1, (64, 4096))
    rows = [
        ("stft (8, 16000) n_fft=512 hop=128, float32",
         lambda: torch.stft(x, 512, 128, window=window, return_complex=True),
         lambda: trnfft.stft(x, 512, 128, window=window, return_complex=True)),
        ("istft of that",
         lambda: torch.istft(spec, 512, 128, window=window),
         lambda: trnfft.istft(spec, 512, 128, window=window)),
    ]
    print(f"{'case':48s} {'peer ms':>9s} {'trnfft ms':>10s}")
    for name, peer, ours in rows:
        print(f"{name:48s} {best_us(peer, args.repeat) / 1e3:9.3f} {best_us(ours, args.repeat) / 1e3:10.3f}")
    plain = best_us(lambda: scipy.fft.rfft(a), args.repeat) / 1e3
    with scipy.fft.set_backend(trnfft.scipy_backend):
        via = best_us(lambda: scipy.fft.rfft(a), args.repeat) / 1e3
    print(f"{'scipy.fft.rfft (64, 4096) float64 (peer: pocketfft)':48s} {plain:9.3f} {via:10.3f}")


if __name__ == "__main__":
    main()
