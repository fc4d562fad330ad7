"""trnfft's built-in backend plugins (installed as ``trnfft_backends``).

Each subpackage is a plugin registered through the ``trnfft.backends`` entry
points, exactly as a third-party plugin would be, and reaches the core only
through ``trnfft.plugin``.
"""
