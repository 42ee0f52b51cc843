"""``python -m dtwcore``: see :mod:`dtwcore.cli`."""

import sys

from dtwcore.cli import main

sys.exit(main())
