"""torch-native: torch.fft on the tensor's own device, tensors taken and returned as they are."""
