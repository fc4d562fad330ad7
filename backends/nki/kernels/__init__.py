"""NKI kernels. Each imports ``nki``, ``nl`` and ``nisa`` from ``..engine``."""
