"""Accuracy over problem sets: the sweep (``trnfft.crosscheck``, ``trnfft check``),
its report and plot. Imports api and core."""
