"""What users call: torch.fft-style functions, the numpy.fft and scipy.fft faces,
stft/istft, helpers, argument handling, array conversion and autograd. Imports core only."""
