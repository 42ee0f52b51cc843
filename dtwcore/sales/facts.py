"""The facts of the published analysis and the limits of any catalogue.

One source of truth: the target pattern (the factory's weekly production capacity), the
default stretch factor, the swept stretch factors, the outlier rules and the sizes the
page and the readers accept. Everything else imports them from here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The published "optimal sales trend": weekly production capacity, week 0 first.
BLOG_TARGET = np.array(
    [
        12.5, 13, 13.5, 14, 17, 10, 15, 16, 17, 16, 19, 14, 14, 15, 11, 20, 18, 17, 19, 21,
        19, 15, 17, 17, 16, 15, 19, 19, 20, 21, 19, 18, 17, 16, 20, 19, 19, 18, 17, 18,
        26, 25, 17, 23, 21, 19, 28, 18, 19, 16, 21, 23,
    ],
    dtype=np.float64,
)  # fmt: skip
DEFAULT_STRETCH = 0.05
PUBLISHED_STRETCHES = (0.0, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5)
ZSCORE_THRESHOLD = -2.0
QUANTILE = 0.10
ZSCORE_RULE = f"a distance z-score of {ZSCORE_THRESHOLD:g} or lower"
"""The z-score outlier rule in words (every screen and file that states it)."""
QUANTILE_RULE = f"a distance in the lowest {QUANTILE:.0%} of all distances"
"""The quantile outlier rule in words."""
HISTOGRAM_BINS = 20

SCORE_COLUMNS = ["product", "distance", "rank", "zscore", "mean_units", "volume_ratio"]
EXCLUDED_COLUMNS = ["row", "product", "reason"]

# Shortlist defaults: mean weekly units within 80-120 % of the target's mean.
VOLUME_BAND = (0.8, 1.2)

# Limits of any catalogue or target. Weekly units above MAX_UNITS are refused: squared
# differences of bigger numbers overflow and distances would come out as inf or NaN.
# A long table's weeks are filled in from the first to the last week, so a stray week
# number or date could otherwise ask for millions of columns.
MAX_UNITS = 1e15
MAX_WEEKS = 10_000
# Largest upload the app takes, sales or audio (dtwcore.audio reads it too);
# .streamlit/config.toml server.maxUploadSize must agree, and a test checks it.
MAX_UPLOAD_MB = 50
# How to score catalogues bigger than the interactive page takes.
BIG_CATALOGUES = (
    "Score bigger catalogues on the command line: python -m dtwcore score FILE "
    "--out scores.csv (add --engine spark to run on a Spark cluster)."
)


@dataclass(frozen=True)
class Limits:
    """How big a catalogue may be; :data:`PAGE_LIMITS` are those of the Sales Trends page.

    Attributes
    ----------
    products, weeks : int
        Largest number of products (rows) and weeks (columns).
    values : int
        Largest products x weeks.
    megabytes : int
        Largest file, in MB (1 MB = 2**20 bytes).
    """

    products: int
    weeks: int
    values: int
    megabytes: int

    def describe(self) -> str:
        """The limits in words."""
        return (
            f"up to {self.products:,} products, {self.weeks:,} weeks and {self.values:,} "
            f"numbers (products × weeks) in files of up to {self.megabytes:,} MB"
        )


# The page answers within seconds on two cores up to about these sizes: reading the file
# takes ~2 µs per number, scoring 20,000 x 260 weeks at the widest stretch ~3 s.
PAGE_LIMITS = Limits(products=20_000, weeks=260, values=2_000_000, megabytes=MAX_UPLOAD_MB)
