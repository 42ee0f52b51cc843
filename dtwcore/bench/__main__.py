"""``python -m dtwcore.bench``: see :mod:`dtwcore.bench.dtw`."""

import sys

from dtwcore.bench.dtw import main

sys.exit(main())
