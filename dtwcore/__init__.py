"""dtwcore: exact, vectorised dynamic time warping.

Public API (arrays in, arrays out; bad input raises ``ValueError`` with a plain message):

* :func:`dtw_distance`, :func:`dtw_one_to_many`, :func:`dtw_pairwise`
* :func:`warping_path` (path and accumulated cost matrix, for plots)
* :func:`nearest` (exact k-nearest search with lower bounds and early abandoning)
* :func:`subsequence_search`, :func:`subsequence_profile` (where a short query occurs
  inside a long series: k best non-overlapping matches with their spans and paths)
* :func:`znormalize`, :func:`band_radius`
"""

from dtwcore.distance import (
    band_radius,
    dtw_distance,
    dtw_one_to_many,
    dtw_pairwise,
    warping_path,
    znormalize,
)
from dtwcore.search import nearest, subsequence_profile, subsequence_search

__all__ = [
    "band_radius",
    "dtw_distance",
    "dtw_one_to_many",
    "dtw_pairwise",
    "nearest",
    "subsequence_profile",
    "subsequence_search",
    "warping_path",
    "znormalize",
]
