"""The error raised when the ranks' inputs do not fit together."""
from __future__ import annotations

from trnfft.errors import InvalidArgumentError


class DistributedMismatchError(InvalidArgumentError):
    """The ranks of a distributed transform disagree (global shape, dtype, options),
    or a rank's local block does not match the layout. Raised on every rank."""
