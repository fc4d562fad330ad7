"""numpy-reference: numpy.fft (pocketfft) as a backend that needs nothing else."""
