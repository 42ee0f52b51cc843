"""Wake word: enroll templates, calibrate a threshold, test clips, find it in a recording.

Scores are length-normalised DTW distances (see :mod:`dtwcore.audio`); a clip matches when
its distance to the nearest template is at most the threshold.

The threshold is calibrated from the enrollment alone: each template in turn is left out
and scored against the others (its leave-one-out distance, a stand-in for a new genuine
recording), and the threshold is :data:`THRESHOLD_FACTOR` times their median (the median
shrugs off one odd recording). On fsdd-dev (5 templates per speaker and digit) this rule
gives about 9 % false rejects and 8 % false accepts; the page lets people move it.

Finding the phrase in a longer recording uses subsequence DTW (open begin and end): the
template may match any stretch of the recording, which is scored with the same length
normalisation, ``sqrt(cost / (template frames + span frames))``. The recording's MFCCs are
normalised over a sliding window as long as the average template, so that a stretch of
the recording is scaled as the templates were (on fsdd-dev concatenations this found the
word far more reliably than normalising over the whole recording).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit

from dtwcore.audio import HOP_SECONDS, AudioError, distance_matrix, features

__all__ = [
    "MIN_TEMPLATES",
    "THRESHOLD_FACTOR",
    "Detection",
    "Finding",
    "WakeWord",
    "calibrate_threshold",
    "detect",
    "enroll",
    "equal_error_rate",
    "find",
    "subsequence_dtw",
]

MIN_TEMPLATES = 3
THRESHOLD_FACTOR = 1.3
"""Threshold = this x the median leave-one-out distance of the enrollment."""


@njit(cache=True)
def _subsequence_kernel(q: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Accumulated cost of the best match of q ending at each frame of s, and its start.

    q: (n, d) query; s: (M, d) series. Local cost is the squared Euclidean distance. Row
    -1 is all zeros, so a match may start anywhere (open begin); the last row gives the
    open end. Steps are (1, 0), (0, 1), (1, 1) with weight 1; ties prefer the diagonal,
    then the step in the query. Returns cost (M,) and start (M,) int64.
    """
    n, d = q.shape
    m = s.shape[0]
    prev = np.zeros(m)
    prev_start = np.arange(m)
    cur = np.empty(m)
    cur_start = np.empty(m, dtype=np.int64)
    for i in range(n):
        for j in range(m):
            c = 0.0
            for k in range(d):
                diff = q[i, k] - s[j, k]
                c += diff * diff
            if i == 0:
                best = 0.0
                start = j
            else:
                best = prev[j]
                start = prev_start[j]
                if j > 0 and prev[j - 1] <= best:
                    best = prev[j - 1]
                    start = prev_start[j - 1]
            if i > 0 and j > 0 and cur[j - 1] < best:
                best = cur[j - 1]
                start = cur_start[j - 1]
            cur[j] = c + best
            cur_start[j] = start
        prev, cur = cur, prev
        prev_start, cur_start = cur_start, prev_start
    return prev.copy(), prev_start.copy()


def subsequence_dtw(query: np.ndarray, series: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Subsequence DTW: the best match of ``query`` ending at every frame of ``series``.

    Parameters
    ----------
    query : np.ndarray [shape=(n,) or (n, d)]
        The short pattern (e.g. the wake word's feature frames).
    series : np.ndarray [shape=(M,) or (M, d)]
        The long recording's frames.

    Returns
    -------
    cost : np.ndarray [shape=(M,)]
        ``cost[j]`` is the smallest accumulated squared cost of DTW between ``query`` and
        any ``series[a : j + 1]``; its square root is the DTW distance of that span.
    start : np.ndarray [shape=(M,), int]
        The first frame ``a`` of that best span.

    Examples
    --------
    >>> cost, start = subsequence_dtw([1.0, 2.0], [5.0, 1.0, 2.0, 2.0, 7.0])
    >>> int(np.argmin(cost)), int(start[np.argmin(cost)]), float(cost.min())
    (2, 1, 0.0)
    """
    q = np.asarray(query, dtype=np.float64)
    s = np.asarray(series, dtype=np.float64)
    q = q[:, None] if q.ndim == 1 else q
    s = s[:, None] if s.ndim == 1 else s
    if q.ndim != 2 or s.ndim != 2 or q.shape[1] != s.shape[1]:
        raise ValueError("query and series must be (n, d) and (M, d) with the same d")
    if q.shape[0] == 0 or s.shape[0] == 0:
        raise ValueError("query and series must not be empty")
    if not (np.isfinite(q).all() and np.isfinite(s).all()):
        raise ValueError("query and series must not contain NaN or infinite values")
    return _subsequence_kernel(np.ascontiguousarray(q), np.ascontiguousarray(s))


@dataclass(frozen=True)
class WakeWord:
    """Enrolled templates and their calibration.

    Attributes
    ----------
    templates : tuple of np.ndarray [shape=(n_i, d)]
        Feature frames of each enrollment recording.
    names : tuple of str
    loo : np.ndarray [shape=(k,)]
        Leave-one-out distance of each template to the nearest other template.
    threshold : float
        Calibrated threshold, ``THRESHOLD_FACTOR * median(loo)``.
    """

    templates: tuple[np.ndarray, ...]
    names: tuple[str, ...]
    loo: np.ndarray
    threshold: float

    @property
    def seconds(self) -> float:
        """Average template length in seconds."""
        return float(np.mean([t.shape[0] for t in self.templates])) * HOP_SECONDS


@dataclass(frozen=True)
class Detection:
    """Result of testing one clip.

    Attributes
    ----------
    distance : float
        Distance to the nearest template.
    nearest : int
        Index of that template.
    threshold : float
    is_match : bool
        ``distance <= threshold``.
    margin : float
        ``threshold - distance``: positive for a match, negative otherwise.
    """

    distance: float
    nearest: int
    threshold: float

    @property
    def is_match(self) -> bool:
        """Whether the clip is the wake word."""
        return self.distance <= self.threshold

    @property
    def margin(self) -> float:
        """Threshold minus distance (positive means a match)."""
        return self.threshold - self.distance


@dataclass(frozen=True)
class Finding:
    """Best occurrence of the wake word inside a longer recording.

    Attributes
    ----------
    start, end : int
        The matched span is frames ``start`` to ``end - 1`` of the recording (10 ms each);
        :attr:`start_seconds` and :attr:`end_seconds` give it in seconds.
    distance : float
        Its length-normalised distance to the best template.
    template : int
        Which template matched best.
    profile : np.ndarray [shape=(M,)]
        Best distance of a match ending at each frame (lower is better).
    threshold : float
    is_match : bool
        ``distance <= threshold``.
    """

    start: int
    end: int
    distance: float
    template: int
    profile: np.ndarray
    threshold: float

    @property
    def is_match(self) -> bool:
        """Whether the best span is close enough to count as the wake word."""
        return self.distance <= self.threshold

    @property
    def start_seconds(self) -> float:
        """Where the matched span begins in the recording (seconds)."""
        return self.start * HOP_SECONDS

    @property
    def end_seconds(self) -> float:
        """Where the matched span ends in the recording (seconds)."""
        return self.end * HOP_SECONDS


def calibrate_threshold(loo: np.ndarray) -> float:
    """Threshold from leave-one-out distances [shape=(k,)]: ``THRESHOLD_FACTOR * median``."""
    return THRESHOLD_FACTOR * float(np.median(loo))


def enroll(templates: Sequence[np.ndarray], names: Sequence[str] | None = None) -> WakeWord:
    """Make a wake word from three or more recordings' features.

    Parameters
    ----------
    templates : list of k >= 3 arrays [shape=(n_i, d)]
    names : list of k str, optional

    Returns
    -------
    WakeWord

    Raises
    ------
    AudioError
        Fewer than :data:`MIN_TEMPLATES` recordings.
    """
    if len(templates) < MIN_TEMPLATES:
        raise AudioError(
            f"Enrollment needs at least {MIN_TEMPLATES} recordings of the wake word; "
            f"got {len(templates)}."
        )
    names = (
        tuple(names)
        if names is not None
        else tuple(f"template {i + 1}" for i in range(len(templates)))
    )
    D = distance_matrix(templates)
    np.fill_diagonal(D, np.inf)
    loo = D.min(axis=1)
    return WakeWord(tuple(templates), names, loo, calibrate_threshold(loo))


def detect(wake: WakeWord, clip_features: np.ndarray, threshold: float | None = None) -> Detection:
    """Is this clip the wake word?

    Parameters
    ----------
    wake : WakeWord
    clip_features : np.ndarray [shape=(n, d)]
    threshold : float, optional
        Overrides the calibrated threshold.

    Returns
    -------
    Detection
    """
    d = distance_matrix([clip_features], list(wake.templates))[0]
    best = int(np.argmin(d))
    return Detection(
        float(d[best]), best, wake.threshold if threshold is None else float(threshold)
    )


def find(wake: WakeWord, samples: np.ndarray, threshold: float | None = None) -> Finding:
    """Locate the wake word inside a longer recording with subsequence DTW.

    Parameters
    ----------
    wake : WakeWord
        Enrolled with MFCC features.
    samples : np.ndarray [shape=(n,)]
        The whole recording (not trimmed), mono at :data:`dtwcore.audio.SAMPLE_RATE`.
    threshold : float, optional
        Overrides the calibrated threshold.

    Returns
    -------
    Finding
        The best span over all templates; frames are 10 ms from the recording's start.
    """
    recording = features(samples, "mfcc", norm_window=wake.seconds)
    profile = np.full(recording.shape[0], np.inf)
    starts = np.zeros(recording.shape[0], dtype=np.int64)
    owner = np.zeros(recording.shape[0], dtype=np.int64)
    for t, template in enumerate(wake.templates):
        cost, start = subsequence_dtw(template, recording)
        span = np.arange(recording.shape[0]) - start + 1
        dist = np.sqrt(cost / (template.shape[0] + span))
        better = dist < profile
        profile[better] = dist[better]
        starts[better] = start[better]
        owner[better] = t
    end = int(np.argmin(profile))
    return Finding(
        start=int(starts[end]),
        end=end + 1,
        distance=float(profile[end]),
        template=int(owner[end]),
        profile=profile,
        threshold=wake.threshold if threshold is None else float(threshold),
    )


def equal_error_rate(genuine: np.ndarray, impostor: np.ndarray) -> tuple[float, float]:
    """Equal error rate of a distance score (lower means more likely genuine).

    Parameters
    ----------
    genuine : np.ndarray [shape=(g,)]
        Scores of recordings that are the wake word.
    impostor : np.ndarray [shape=(h,)]
        Scores of recordings that are not.

    Returns
    -------
    (eer, threshold) : the rate (0..1) where false rejects and false accepts are closest
    (their mean there), and the score threshold that gives it.
    """
    genuine = np.sort(np.asarray(genuine, dtype=np.float64))
    impostor = np.sort(np.asarray(impostor, dtype=np.float64))
    if genuine.size == 0 or impostor.size == 0:
        raise ValueError("equal error rate needs genuine and impostor scores")
    candidates = np.concatenate([genuine, impostor])
    frr = 1.0 - np.searchsorted(genuine, candidates, side="right") / genuine.size
    far = np.searchsorted(impostor, candidates, side="right") / impostor.size
    best = int(np.argmin(np.abs(frr - far)))
    return float((frr[best] + far[best]) / 2), float(candidates[best])
