"""The errors only a distributed transform raises, each on every rank of the group."""
from __future__ import annotations

from trnfft import InvalidArgumentError, TrnfftError


class DistributedMismatchError(InvalidArgumentError):
    """The ranks of a distributed transform disagree (global shape, dtype, options),
    or a rank's local block does not match the layout. Raised on every rank."""


class RankFailedError(TrnfftError, RuntimeError):
    """A local FFT failed on some rank (its backend raised). The failing rank kept
    taking part in the exchanges, so every rank raises this at the end of the call
    instead of the others waiting for it; the message names the rank and its error."""
