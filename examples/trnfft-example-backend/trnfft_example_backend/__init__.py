"""An example trnfft backend: see docs/writing-a-backend.md in the trnfft repository."""
