"""Wake word: enroll templates, calibrate a threshold, test clips, find it in a recording.

Scores are length-normalised DTW distances (see :mod:`dtwcore.audio.features`); a clip matches when
its distance to the nearest template is at most the threshold.

A wake word remembers the feature kind it was enrolled with (:attr:`WakeWord.kind`); clips
tested against it must be prepared with the same kind.

The threshold is calibrated from the enrollment alone: each template in turn is left out
and scored against the others (its leave-one-out distance, a stand-in for a new genuine
recording), and the threshold is a factor (:data:`THRESHOLD_FACTORS`, per feature kind)
times their median (the median shrugs off one odd recording). When every leave-one-out
distance is 0 (the same recording enrolled several times) there is nothing to calibrate
from, and enrollment says so.

Finding the phrase in a longer recording uses subsequence DTW (open begin and end): the
template may match any stretch of the recording, which is scored with the same length
normalisation. The recording's features are normalised over a sliding window as long as
the average template, so that a stretch of the recording is scaled as the templates
were. With the speech embedding (80 ms steps, each frame seeing 0.775 s) the best span
is then refined on 10 ms frames inside a window around it, and its ends are placed by
the best template's own geometry (where its sound starts and ends relative to its
frames).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from dtwcore.audio.embedding import EMBED_HOP, EMBED_WINDOW, embed
from dtwcore.audio.features import (
    FEATURES,
    SAMPLE_RATE,
    AudioError,
    FeatureSettings,
    Utterance,
    centre_frames,
    distance_matrix,
    embedding_frames,
    features,
)
from dtwcore.search import subsequence_profile

__all__ = [
    "MIN_TEMPLATES",
    "REFINE_SHIFTS",
    "THRESHOLD_FACTOR",
    "THRESHOLD_FACTORS",
    "Detection",
    "Finding",
    "WakeWord",
    "Trace",
    "calibrate_threshold",
    "detect",
    "detections",
    "enroll",
    "enroll_utterances",
    "equal_error_rate",
    "find",
    "score_trace",
]

MIN_TEMPLATES = 3
THRESHOLD_FACTOR = 1.3
"""MFCC and envelope: threshold = this x the median leave-one-out distance."""
THRESHOLD_FACTORS: dict[str, float] = {
    "embedding": 1.65,
    "mfcc": THRESHOLD_FACTOR,
    "envelope": THRESHOLD_FACTOR,
}
"""Threshold = this x the median leave-one-out distance of the enrollment, per kind.

The embedding's factor was chosen by leave-one-speaker-out on fsdd-dev (fewest false
rejects plus false accepts on the other speakers, ``scripts/tune_audio.py --threshold``):
the folds chose 1.65, 1.75 and 1.7, all three speakers 1.65; held out, 8.4 % false
rejects and 3.2 % false accepts (5 templates).
"""
_SAME = 1e-9
"""Templates closer than this are copies of one recording."""
REFINE_SHIFTS = 8
"""Embedding frames per 80 ms when refining a found span (10 ms steps)."""
REFINE_MARGIN_SECONDS = 0.3
"""The refined span is searched within the coarse span widened by this much each side."""
REFINE_PAD_SECONDS = 0.4
"""Silence padded around the template and the recording when refining. Less than the
features' own padding: a wake word inside speech has no long silence around it, and
template frames that expect silence pull the span's ends inwards (0.8 s ended spans up
to 0.2 s early on the shipped recordings; 0.4 s places both ends within 0.03 s)."""


@dataclass(frozen=True)
class WakeWord:
    """Enrolled templates and their calibration.

    Attributes
    ----------
    templates : tuple of np.ndarray [shape=(n_i, d)]
        Feature frames of each enrollment recording.
    names : tuple of str
    loo : np.ndarray [shape=(k,)]
        Leave-one-out distance of each template to the nearest other template that is
        not a copy of it.
    threshold : float
        Calibrated threshold, ``THRESHOLD_FACTORS[kind] * median(loo)``.
    kind : str
        The feature kind the templates were made with (a key of
        :data:`dtwcore.audio.FEATURES`).
    sounds : tuple of np.ndarray [shape=(n_i,)]
        Each template's trimmed samples (for placing a found span's ends); may be empty.
    """

    templates: tuple[np.ndarray, ...]
    names: tuple[str, ...]
    loo: np.ndarray
    threshold: float
    kind: str = "mfcc"
    sounds: tuple[np.ndarray, ...] = ()

    @property
    def settings(self) -> FeatureSettings:
        """How the templates' features were computed and are compared."""
        return FEATURES[self.kind]

    @property
    def seconds(self) -> float:
        """Average template length in seconds."""
        frames = float(np.mean([t.shape[0] for t in self.templates]))
        return frames * self.settings.hop_seconds


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
    start_seconds, end_seconds : float
        Where the matched span begins and ends in the recording (seconds).
    distance : float
        Its length-normalised distance to the best template.
    template : int
        Which template matched best.
    profile : np.ndarray [shape=(M,)]
        Best distance of a match ending at each frame (lower is better).
    times : np.ndarray [shape=(M,)]
        When each of those matches ends (seconds from the recording's start).
    hop_seconds : float
        Time between two frames of the profile (seconds).
    threshold : float
    is_match : bool
        ``distance <= threshold``.
    """

    start_seconds: float
    end_seconds: float
    distance: float
    template: int
    profile: np.ndarray
    times: np.ndarray
    hop_seconds: float
    threshold: float

    @property
    def is_match(self) -> bool:
        """Whether the best span is close enough to count as the wake word."""
        return self.distance <= self.threshold


def calibrate_threshold(loo: np.ndarray, kind: str = "mfcc") -> float:
    """Threshold from leave-one-out distances [shape=(k,)]: ``THRESHOLD_FACTORS[kind] * median``."""
    return THRESHOLD_FACTORS[kind] * float(np.median(loo))


def enroll(
    templates: Sequence[np.ndarray],
    names: Sequence[str] | None = None,
    *,
    kind: str,
    sounds: Sequence[np.ndarray] = (),
) -> WakeWord:
    """Make a wake word from three or more recordings' features.

    Parameters
    ----------
    templates : list of k >= 3 arrays [shape=(n_i, d)]
        Features of kind ``kind``.
    names : list of k str, optional
    kind : {"embedding", "mfcc", "envelope"}
        The feature kind the templates were made with; the wake word remembers it.
    sounds : list of k arrays [shape=(m_i,)], optional
        The templates' trimmed samples, used to place the ends of a found span.

    Returns
    -------
    WakeWord

    Raises
    ------
    AudioError
        Fewer than :data:`MIN_TEMPLATES` recordings, or a recording with no other
        recording but copies of itself to calibrate from.
    ValueError
        Unknown kind, or templates of different widths.
    """
    settings = FEATURES.get(kind)
    if settings is None:
        raise ValueError(f"unknown feature kind {kind!r}; choose one of {', '.join(FEATURES)}")
    if len(templates) < MIN_TEMPLATES:
        raise AudioError(
            f"Enrollment needs at least {MIN_TEMPLATES} recordings of the wake word; "
            f"got {len(templates)}."
        )
    if len({t.shape[1] for t in templates}) != 1:
        raise ValueError("templates must all have the same number of values per frame")
    names = (
        tuple(names)
        if names is not None
        else tuple(f"template {i + 1}" for i in range(len(templates)))
    )
    D = distance_matrix(templates, stretch=settings.stretch, length_norm=settings.length_norm)
    D[D <= _SAME] = np.inf  # a copy of the same recording says nothing about new ones
    loo = D.min(axis=1)
    if not np.isfinite(loo).all():
        raise AudioError(
            "These enrollment recordings are all the same recording, so there is nothing to "
            "set a threshold from. Record the wake word several separate times."
        )
    return WakeWord(
        tuple(templates), names, loo, calibrate_threshold(loo, kind), kind, tuple(sounds)
    )


def enroll_utterances(utterances: Sequence[Utterance]) -> WakeWord:
    """:func:`enroll` from prepared clips (their features, names, kind and sounds).

    Raises
    ------
    AudioError
        As :func:`enroll`.
    ValueError
        Clips prepared with different feature kinds.
    """
    kinds = {u.kind for u in utterances}
    if len(kinds) > 1:
        raise ValueError(f"enrollment clips must share one feature kind, got {sorted(kinds)}")
    return enroll(
        [u.features for u in utterances],
        [u.name for u in utterances],
        kind=kinds.pop() if kinds else "mfcc",
        sounds=[u.sound for u in utterances],
    )


def detect(wake: WakeWord, clip_features: np.ndarray, threshold: float | None = None) -> Detection:
    """Is this clip the wake word?

    Parameters
    ----------
    wake : WakeWord
    clip_features : np.ndarray [shape=(n, d)]
        Features of the wake word's own kind (:attr:`WakeWord.kind`).
    threshold : float, optional
        Overrides the calibrated threshold.

    Returns
    -------
    Detection

    Raises
    ------
    ValueError
        Features of another width than the templates' (another kind).
    """
    if clip_features.ndim != 2 or clip_features.shape[1] != wake.templates[0].shape[1]:
        raise ValueError(
            f"the clip's features do not match the wake word's ({wake.kind}); prepare the "
            f"clip with kind {wake.kind!r}"
        )
    s = wake.settings
    d = distance_matrix(
        [clip_features], list(wake.templates), stretch=s.stretch, length_norm=s.length_norm
    )[0]
    best = int(np.argmin(d))
    return Detection(
        float(d[best]), best, wake.threshold if threshold is None else float(threshold)
    )


def _best_span(
    templates: Sequence[np.ndarray], recording: np.ndarray, length_norm: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The best match ending at each frame of the recording, over all templates.

    Spans are chosen by ``cost / (template frames + span frames)``: a span's length is
    free here, and dividing by the longer of the two lengths alone would favour spans
    shorter than the template (fewer steps, less cost, same divisor). The distance
    reported for the chosen span uses the wake word's own ``length_norm``, so it is on
    the scale of its threshold.

    Returns
    -------
    profile : np.ndarray [shape=(M,)]
        Reported distance of the chosen span ending at each frame.
    choice : np.ndarray [shape=(M,)]
        The score the span was chosen by (lower is better).
    starts, owner : np.ndarray [shape=(M,), int]
        The chosen span's first frame and template.
    """
    M = recording.shape[0]
    profile = np.full(M, np.inf)
    choice = np.full(M, np.inf)
    starts = np.zeros(M, dtype=np.int64)
    owner = np.zeros(M, dtype=np.int64)
    for t, template in enumerate(templates):
        cost, start = subsequence_profile(template, recording)
        span = np.arange(M) - start + 1
        n = template.shape[0]
        score = cost / (n + span)
        better = score < choice
        choice[better] = score[better]
        length = n + span if length_norm == "sum" else np.maximum(n, span)
        profile[better] = np.sqrt(cost / length)[better]
        starts[better] = start[better]
        owner[better] = t
    return profile, choice, starts, owner


def find(wake: WakeWord, samples: np.ndarray, threshold: float | None = None) -> Finding:
    """Locate the wake word inside a longer recording with subsequence DTW.

    Parameters
    ----------
    wake : WakeWord
    samples : np.ndarray [shape=(n,)]
        The whole recording (not trimmed), mono at :data:`dtwcore.audio.SAMPLE_RATE`.
    threshold : float, optional
        Overrides the calibrated threshold.

    Returns
    -------
    Finding
        The best span over all templates, in seconds from the recording's start.
    """
    settings = wake.settings
    threshold = wake.threshold if threshold is None else float(threshold)
    recording = features(samples, settings, norm_window=wake.seconds)
    profile, choice, starts, owner = _best_span(wake.templates, recording, settings.length_norm)
    end = int(np.argmin(choice))
    start, best = int(starts[end]), int(owner[end])
    hop = settings.hop_seconds
    times = _end_times(wake, owner)
    if settings.kind != "embedding":
        return Finding(
            start * hop, (end + 1) * hop, float(profile[end]), best, profile, times, hop, threshold
        )
    if not wake.sounds:
        raise ValueError("an embedding wake word needs its templates' sounds to find it")
    coarse_start = start * hop
    coarse_end = (end - wake.templates[best].shape[0] + 1) * hop + _seconds(wake.sounds[best])
    start_s, end_s = _refine(wake, samples, best, coarse_start, coarse_end)
    return Finding(start_s, end_s, float(profile[end]), best, profile, times, hop, threshold)


def _end_times(wake: WakeWord, owner: np.ndarray) -> np.ndarray:
    """When the match ending at each frame ends (seconds), given each frame's template.

    For the embedding, a match whose last frame is k, by a template of n frames and L
    seconds of sound, ends at ``(k - n + 1) * hop + L`` (see :func:`_refine`); for 10 ms
    features at ``(k + 1) * hop``.
    """
    hop = wake.settings.hop_seconds
    k = np.arange(owner.shape[0])
    if wake.kind != "embedding" or not wake.sounds:
        return (k + 1) * hop
    frames = np.array([t.shape[0] for t in wake.templates])
    sounds = np.array([_seconds(x) for x in wake.sounds])
    return (k - frames[owner] + 1) * hop + sounds[owner]


def _seconds(sound: np.ndarray) -> float:
    return sound.shape[0] / SAMPLE_RATE


def _refine(
    wake: WakeWord, samples: np.ndarray, best: int, lo: float, hi: float
) -> tuple[float, float]:
    """Start and end (seconds) of the best template's match on 10 ms frames near lo..hi.

    Embedding frame k of a signal padded with ``pad`` seconds of silence sees
    ``[k * hop - pad, k * hop - pad + window)`` of the signal, and so does each of the
    template's frames of its sound. So a match whose first frame is the recording's frame
    a puts the template's sound start at ``a * hop``, and one whose last frame is b, for
    a template of n frames and L seconds of sound, puts its end at ``(b - n + 1) * hop + L``.
    """
    settings = replace(wake.settings, pad_seconds=REFINE_PAD_SECONDS)
    sound = wake.sounds[best]
    step = EMBED_HOP // REFINE_SHIFTS
    fine_hop = step / SAMPLE_RATE
    template = centre_frames(embedding_frames(sound, settings, shifts=REFINE_SHIFTS))
    n = template.shape[0]
    pad = np.zeros(round(settings.pad_seconds * SAMPLE_RATE), np.float32)
    padded = np.concatenate([pad, np.asarray(samples, np.float32), pad])
    first = max(0, int((lo - REFINE_MARGIN_SECONDS) / fine_hop))
    last = int((hi + REFINE_MARGIN_SECONDS) / fine_hop) + n
    segment = padded[first * step : last * step + EMBED_WINDOW]
    frames = centre_frames(
        embed(segment, shifts=REFINE_SHIFTS), max(3, round(wake.seconds / fine_hop))
    )
    cost, begin = subsequence_profile(template, frames)
    span = np.arange(frames.shape[0]) - begin + 1
    b = int(np.argmin(cost / (n + span)))  # chosen as in _best_span
    return (first + int(begin[b])) * fine_hop, (first + b - n + 1) * fine_hop + _seconds(sound)


@dataclass(frozen=True)
class Trace:
    """How close the wake word is at each moment of a long recording or stream.

    Attributes
    ----------
    times : np.ndarray [shape=(M,)]
        When the best match ending at each frame ends (seconds from the start).
    distances : np.ndarray [shape=(M,)]
        Its length-normalised distance to the nearest template (lower is closer).
    """

    times: np.ndarray
    distances: np.ndarray


def score_trace(wake: WakeWord, samples: np.ndarray, *, chunk_seconds: float = 30.0) -> Trace:
    """The best match ending at every frame of a recording of any length.

    The recording is scored in chunks of ``chunk_seconds`` (each with a few seconds of
    context either side, so a phrase across a chunk border is still seen whole), which
    keeps memory flat for streams of hours.

    Parameters
    ----------
    wake : WakeWord
    samples : np.ndarray [shape=(n,)]
        Mono at :data:`dtwcore.audio.SAMPLE_RATE`.
    chunk_seconds : float > 0

    Returns
    -------
    Trace
        Frames in time order; their times are where each best match ends.
    """
    if not chunk_seconds > 0:
        raise ValueError(f"chunk_seconds must be above 0, got {chunk_seconds!r}")
    settings = wake.settings
    longest = max(t.shape[0] for t in wake.templates) * settings.hop_seconds
    context = 2.0 * (longest + settings.pad_seconds) + 1.0
    total = samples.shape[0] / SAMPLE_RATE
    times, distances = [], []
    start = 0.0
    while start < total:
        lo = max(0.0, start - context)
        hi = min(total, start + chunk_seconds + context)
        piece = samples[round(lo * SAMPLE_RATE) : round(hi * SAMPLE_RATE)]
        recording = features(piece, settings, norm_window=wake.seconds)
        profile, _, _, owner = _best_span(wake.templates, recording, settings.length_norm)
        ends = lo + _end_times(wake, owner)
        keep = (ends >= start) & (ends < start + chunk_seconds) & np.isfinite(profile)
        times.append(ends[keep])
        distances.append(profile[keep])
        start += chunk_seconds
    t = np.concatenate(times) if times else np.zeros(0)
    d = np.concatenate(distances) if distances else np.zeros(0)
    order = np.argsort(t, kind="stable")
    return Trace(t[order], d[order])


def detections(
    trace: Trace, threshold: float, *, cooldown: float = 1.0
) -> list[tuple[float, float]]:
    """Moments the wake word is heard: one per dip of the trace below the threshold.

    Parameters
    ----------
    trace : Trace
    threshold : float
    cooldown : float
        Seconds after a detection in which no other fires (one utterance fires once).

    Returns
    -------
    list of (time, distance)
        The time (seconds) and distance of each dip's lowest point.
    """
    out: list[tuple[float, float]] = []
    below = trace.distances <= threshold
    k, n = 0, trace.distances.shape[0]
    while k < n:
        if not below[k]:
            k += 1
            continue
        j = k
        while j < n and (below[j] or trace.times[j] - trace.times[k] < cooldown):
            j += 1
        run = np.arange(k, j)
        run = run[below[run]]
        best = int(run[np.argmin(trace.distances[run])])
        if not out or trace.times[best] - out[-1][0] >= cooldown:
            out.append((float(trace.times[best]), float(trace.distances[best])))
        k = j
    return out


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
