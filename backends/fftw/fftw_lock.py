"""The one lock every call into FFTW's planner or wisdom store takes.

FFTW's planner and its wisdom are process-global and not thread-safe: only
``fftw_execute`` may run concurrently (FFTW manual, "Thread safety"). pyFFTW
0.15 guards plan construction with a private lock, released GIL and all, but
not ``export_wisdom``/``import_wisdom``: ``export_wisdom`` asks FFTW for the
wisdom's length, mallocs that many bytes, then asks FFTW to write it out. A
plan finished by another thread between the two passes makes FFTW write past
the buffer, which corrupts the heap (glibc then aborts with "malloc(): invalid
size" or "double free or corruption"). pyFFTW's own lock is not reachable from
Python, so trnfft holds this one around building every ``pyfftw.FFTW`` object
and around every wisdom import and export. Execution never takes it.
"""
from __future__ import annotations

import threading

FFTW_LOCK = threading.Lock()
