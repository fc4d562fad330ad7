"""fftw-reference: FFTW through pyFFTW, the fast and trusted CPU reference."""
