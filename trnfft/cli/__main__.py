"""``python -m trnfft.cli``: the ``trnfft`` command."""
import sys

from . import main

sys.exit(main())
