"""The NKI backends: nki-simulator and nki-hardware, their kernels, and the NKI emulator.

``engine`` picks what runs NKI here: the real ``nki`` package (>= 0.3) when
it can be imported, otherwise the bundled emulator in ``emulator/``.
"""
