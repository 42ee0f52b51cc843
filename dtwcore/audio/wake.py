"""Wake word: enroll templates, calibrate against other speech, test clips, find every occurrence.

A clip's score is its length-normalised DTW distance (see :mod:`dtwcore.audio.features`)
to each template, divided by that template's *scale*: a low quantile
(:data:`SCALE_QUANTILE`, 20 %) of the template's distances to the bundled negatives
(:mod:`dtwcore.audio.negatives`: other words and phrases in several voices, near misses,
noise). The score is the smallest of these over the templates; a clip matches when it is
at most the threshold. A score of 1 means "as close as the closer fifth of ordinary other
speech comes to this template".

This per-template normalisation is the calibration: a template from an unusual voice or
room, far from everything, gets a large scale, and one that other speech comes close to
gets a small one, so one threshold per feature kind (``FeatureSettings.threshold``) holds whatever
the enrolment voices are. The rule (which quantile; the threshold) was chosen by
cross-validation over phrases on a several-voices protocol (``scripts/tune_wake.py``):
each half of the phrases chose it for the other half.

A wake word remembers the feature kind it was enrolled with (:attr:`WakeWord.kind`); clips
tested against it must be prepared with the same kind. It also keeps each bundled
negative's score (:attr:`WakeWord.negatives`), so the page can say which other speech
comes closest, and each template's leave-one-out score against the others, to say when
an enrolment is weak or mixes two phrases (:func:`enrolment_warnings`).

Finding the phrase in a longer recording or a stream (:func:`occurrences`, used by
:func:`find` and :mod:`dtwcore.audio.listen`) runs :func:`dtwcore.subsequence_search`
for every template on the recording's features (normalised over a sliding window as long
as the average template), keeps every candidate span whose scaled distance is below a
loose gate (:data:`STREAM_GATE`), cuts each out of the recording and scores it against
every template as a clip (a cut holding a pause of :data:`SPLIT_PAUSE_SECONDS` or more is
also scored on either side of it, and the lowest score counts). A stream gives other
speech thousands of chances an hour where a clip gives it one, so a span is held to a
stricter rule than a clip: its *coarse score*
(:func:`stream_score`) is the mean of its :data:`STREAM_TEMPLATES` smallest scaled scores
(close to several templates, not just one). With the embedding, a span whose coarse score
is under the gate is checked again on finer detail (:func:`checked_score`): the mean of its
:data:`CHECK_TEMPLATES` smallest scaled scores on 10 ms embedding frames (each template
frame weighted by how far it is from every frame of the negatives, :func:`frame_weights`,
and each template scaled by its weighted distances to the negatives), plus
:data:`CHECK_WEIGHT` times its MFCC distance to the closest template divided by its own
MFCC distance to the negatives; that is the span's *stream score*, and the span is the
wake word at or under the wake word's stream threshold (:attr:`WakeWord.stream_threshold`):
the kind's ``FeatureSettings.stream_threshold`` moved by :data:`BACKWARDS_WEIGHT` times how far the
enrolled takes played backwards score from 1 (:attr:`WakeWord.backwards`). Backwards takes
are the user's own voice saying nothing: when they come close, other things that voice
says will too, and the threshold tightens; when they are far, the takes are distinctive
and it loosens.
The rule (how many templates; the weights; the threshold) was chosen by the same
cross-validation over phrases, on streams (``scripts/tune_wake.py --streams``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from dtwcore.audio.embedding import EMBED_HOP, EMBED_WINDOW, embed
from dtwcore.audio.features import (
    FEATURES,
    SAMPLE_RATE,
    TRIM_HOP,
    AudioError,
    FeatureSettings,
    Utterance,
    centre_frames,
    distance_matrix,
    embedding_frames,
    features,
    quiet_frames,
    trim_silence,
)
from dtwcore.audio.negatives import negatives as bundled_negatives
from dtwcore.search import subsequence_profile, subsequence_search

__all__ = [
    "BACKWARDS_WEIGHT",
    "CHECK_MFCC_TEMPLATES",
    "CHECK_SHIFTS",
    "CHECK_TEMPLATES",
    "CHECK_WEIGHT",
    "MIN_TEMPLATES",
    "REFINE_SHIFTS",
    "SCALE_QUANTILE",
    "STREAM_GATE",
    "STREAM_TEMPLATES",
    "Detection",
    "Finding",
    "Occurrence",
    "WakeWord",
    "Trace",
    "backwards_shift",
    "candidate_chunks",
    "checked_score",
    "closest_negative",
    "detect",
    "enroll",
    "enroll_utterances",
    "enrolment_warnings",
    "equal_error_rate",
    "frame_weights",
    "find",
    "occurrences",
    "score_trace",
    "stream_score",
    "take_seconds",
]

MIN_TEMPLATES = 3
SCALE_QUANTILE = 0.2
"""A template's scale is this quantile of its distances to the bundled negatives."""
STREAM_GATE = 0.85
"""Candidate spans of a recording whose scaled subsequence distance (cost divided by the
sum of the lengths) is below this are cut out and scored as clips (:func:`occurrences`).
Loose, so that no occurrence is lost before the clip check: on a stream of six phrases'
takes 0.3 s apart, every enrolled phrase's own takes came under 0.71, and a quarter of
the other takes under 0.85."""
STREAM_TEMPLATES = 3
"""A span of a stream is scored by the mean of this many of its smallest scaled scores
(:func:`stream_score`): one look-alike template is not enough to wake it."""
CHECK_SHIFTS = 8
"""Embedding frames per 80 ms in the second check of a candidate span (10 ms steps)."""
CHECK_TEMPLATES = 4
"""A checked span's 10 ms score is the mean of this many of its smallest (:func:`checked_score`).
Four of five: a digit said by the same speaker as two templates comes close to those two and
a third, not to four."""
CHECK_WEIGHT = 0.125
"""Weight of the MFCC term in a checked span's stream score (:func:`checked_score`)."""
BACKWARDS_WEIGHT = 0.25
"""A wake word's stream threshold is the kind's plus this times (the mean of its takes'
backwards scores - 1) (:attr:`WakeWord.stream_threshold`). On the tune streams (8
enrolments per phrase) 0.25 with a threshold of 0.79 detected 95.9 % of the takes at 0.6
false accepts an hour."""
CHECK_MFCC_TEMPLATES = 1
"""The MFCC term of :func:`checked_score` is the mean of this many smallest MFCC scores."""
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
MIXED_RATIO = 1.6
"""An enrolment whose takes split into two groups, each group's takes this many times
closer to each other than to the other group's, looks like two different phrases."""
SHORT_SECONDS = 0.5
"""An enrolment whose takes sound for less than this on average (seconds, after trimming
silence) is one short word, and :func:`enrolment_warnings` says so. On the tune streams
(``scripts/tune_wake.py --streams``, 8 and 16 enrolments per phrase) every false accept
came from a phrase whose takes last 0.41-0.45 s (digits said by speakers whose other
digits are in the stream); none of the phrases of 0.51 s or longer made one."""
NEAR_NEGATIVE = 0.1
"""The closest bundled negative scoring at most this much over the threshold is warned
about (:func:`enrolment_warnings`): it comes close; at or under the threshold it matches."""


@dataclass(frozen=True)
class WakeWord:
    """Enrolled templates and their calibration against other speech.

    Attributes
    ----------
    templates : tuple of np.ndarray [shape=(n_i, d)]
        Feature frames of each enrollment recording.
    names : tuple of str
    scales : np.ndarray [shape=(k,)]
        Each template's :data:`SCALE_QUANTILE` quantile of its length-normalised DTW
        distances to the bundled negatives: a template's distances are divided by it.
    loo : np.ndarray [shape=(k,)]
        Each template's scaled score against the other templates (its leave-one-out
        score, copies of it left out): what a new take like it would score.
    threshold : float
        A clip matches when its scaled score is at most this (the kind's ``threshold``).
    kind : str
        The feature kind the templates were made with (a key of
        :data:`dtwcore.audio.FEATURES`).
    sounds : tuple of np.ndarray [shape=(n_i,)]
        Each template's trimmed samples (for placing a found span's ends); may be empty.
    negatives : np.ndarray [shape=(h,)]
        Each bundled negative's scaled score (the closest other speech comes).
    negative_names : tuple of str
        What each negative is.
    pair_scores : np.ndarray [shape=(k, k)]
        Scaled score of template i against template j (diagonal inf).
    fine_templates : tuple of np.ndarray [shape=(f_i, 96)]
        Embedding only (with sounds): each template's sound on 10 ms embedding frames
        (:data:`CHECK_SHIFTS`), for the second check of a stream's candidate spans; empty
        otherwise.
    fine_weights : tuple of np.ndarray [shape=(f_i,)]
        Each fine template frame's weight in the check (:func:`frame_weights`): how far
        it is from everything the bundled negatives say (empty without fine templates).
    fine_scales : np.ndarray [shape=(k,)]
        Each fine template's :data:`SCALE_QUANTILE` quantile of its weighted distances to
        the bundled negatives on the same frames (empty without fine templates).
    mfcc_templates : tuple of np.ndarray [shape=(m_i, 26)]
        Each template's sound as MFCC frames (the check's MFCC term; empty without fine
        templates).
    backwards_fine, backwards_mfcc : np.ndarray [shape=(k, k)]
        Row i: take i's sound played backwards (the user's voice saying nothing), its
        :meth:`check_scores` against every template (empty without fine templates).
    """

    templates: tuple[np.ndarray, ...]
    names: tuple[str, ...]
    scales: np.ndarray
    loo: np.ndarray
    threshold: float
    kind: str = "mfcc"
    sounds: tuple[np.ndarray, ...] = ()
    negatives: np.ndarray = field(default_factory=lambda: np.zeros(0))
    negative_names: tuple[str, ...] = ()
    pair_scores: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    fine_templates: tuple[np.ndarray, ...] = ()
    fine_weights: tuple[np.ndarray, ...] = ()
    fine_scales: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mfcc_templates: tuple[np.ndarray, ...] = ()
    backwards_fine: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    backwards_mfcc: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @property
    def settings(self) -> FeatureSettings:
        """How the templates' features were computed and are compared."""
        return FEATURES[self.kind]

    @property
    def stream_threshold(self) -> float:
        """A span of a longer recording or stream matches at or under this stream score.

        The kind's ``stream_threshold``; for a checked wake word plus
        :data:`BACKWARDS_WEIGHT` x (the mean of :attr:`backwards` - 1)."""
        if not self.fine_templates:
            return self.settings.stream_threshold
        return self.settings.stream_threshold + backwards_shift(self.backwards)

    @property
    def backwards(self) -> np.ndarray:
        """Each take played backwards, scored as a checked span [shape=(k,)]
        (:func:`checked_score`): how close the user's voice comes when it says nothing."""
        return checked_score(self.backwards_fine, self.backwards_mfcc)

    @property
    def stream_rule(self) -> str:
        """What a span of a recording is held to, in plain words (for the page)."""
        if self.fine_templates:
            return (
                f"the mean of its {CHECK_TEMPLATES} closest templates' scores on 10 ms "
                "frames (each template's sounds counted by how unlike other speech they "
                f"are) plus {CHECK_WEIGHT:g} × its MFCC distance to the closest template "
                f"over its own distance to other speech, all over {1 + CHECK_WEIGHT:g}; "
                f"its threshold is {self.settings.stream_threshold:.2f} moved by "
                f"{BACKWARDS_WEIGHT:g} × (the mean score of your takes played backwards, "
                f"{float(np.mean(self.backwards)):.2f}, − 1): your voice saying nothing in "
                "particular, and how close it comes"
            )
        return f"the mean of its {STREAM_TEMPLATES} closest templates' scores"

    @property
    def seconds(self) -> float:
        """Average template length in seconds."""
        frames = float(np.mean([t.shape[0] for t in self.templates]))
        return frames * self.settings.hop_seconds

    def scores(self, clips: Sequence[np.ndarray]) -> np.ndarray:
        """Scaled scores of clips against every template.

        Parameters
        ----------
        clips : list of N arrays [shape=(n_i, d)]

        Returns
        -------
        np.ndarray [shape=(N, k)]: distance to template j divided by ``scales[j]``.
        """
        s = self.settings
        D = distance_matrix(
            list(clips), list(self.templates), stretch=s.stretch, length_norm=s.length_norm
        )
        return D / self.scales[None, :]

    def check_scores(self, sound: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A span's scores on finer detail, for its second check (:func:`checked_score`).

        Parameters
        ----------
        sound : np.ndarray [shape=(n,)]
            The span's trimmed samples, mono at :data:`dtwcore.audio.SAMPLE_RATE`.

        Returns
        -------
        fine : np.ndarray [shape=(k,)]
            Its distance to each template on 10 ms embedding frames, each template frame
            weighted by :attr:`fine_weights`, divided by that template's
            :attr:`fine_scales`.
        mfcc : np.ndarray [shape=(k,)]
            Its MFCC distance to each template divided by the :data:`SCALE_QUANTILE`
            quantile of its own MFCC distances to the bundled negatives (1 = as close as
            the closer fifth of other speech is to the span itself).

        Raises
        ------
        ValueError
            A wake word without fine templates (not the embedding, or no sounds).
        """
        if not self.fine_templates:
            raise ValueError("only an embedding wake word enrolled with its sounds is checked")
        fine, mfcc = _check_settings(self.settings)
        opts = {"stretch": fine.stretch, "length_norm": fine.length_norm}
        f = distance_matrix(
            [features(sound, fine)], list(self.fine_templates), weights=self.fine_weights, **opts
        )[0]
        opts = {"stretch": mfcc.stretch, "length_norm": mfcc.length_norm}
        k = len(self.mfcc_templates)
        others = [*self.mfcc_templates, *bundled_negatives(mfcc.kind).features]
        m = distance_matrix([features(sound, mfcc)], others, **opts)[0]  # one call: faster
        return f / self.fine_scales, m[:k] / float(np.quantile(m[k:], SCALE_QUANTILE))


def _check_settings(settings: FeatureSettings) -> tuple[FeatureSettings, FeatureSettings]:
    """The second check's features: the embedding on 10 ms frames, and the MFCC."""
    return replace(settings, shifts=CHECK_SHIFTS), FEATURES["mfcc"]


def frame_weights(frames: np.ndarray, settings: FeatureSettings) -> np.ndarray:
    """How much each frame of a template counts in the second check.

    A frame's weight is its squared distance to the nearest frame of the bundled negatives
    (:mod:`dtwcore.audio.negatives`, on the same features): a sound that ordinary speech
    makes all the time (a final "n", a breath) counts little, one that sets the word apart
    counts much. Chosen on clips of the tune digits (``scripts/digit_separation.py``:
    other digits accepted at 95 % of the digit's own takes, seeds 0-2, 0.18 / 0.38 / 0.09 %
    unweighted, 0.10 / 0.28 / 0.02 % with these weights; their square root or square did
    worse on some seed; weighting the span's frames too, worse).

    Parameters
    ----------
    frames : np.ndarray [shape=(f, d)]
        One template's frames.
    settings : FeatureSettings
        The features they were computed with.

    Returns
    -------
    np.ndarray [shape=(f,)]
    """
    pool = _negative_frames(settings)
    own = (frames**2).sum(axis=1)
    near = np.full(frames.shape[0], np.inf)
    for start in range(0, pool.shape[0], _POOL_BLOCK):
        block = pool[start : start + _POOL_BLOCK]
        d2 = own[:, None] + (block**2).sum(axis=1)[None, :] - 2 * frames @ block.T
        near = np.minimum(near, d2.min(axis=1))
    return np.maximum(near, 0.0)


_POOL_BLOCK = 4096
"""Negative frames compared with a template's at once in :func:`frame_weights`."""


@functools.cache
def _negative_frames(settings: FeatureSettings) -> np.ndarray:
    """Every frame of the bundled negatives on ``settings`` [shape=(F, d)], read once."""
    return np.concatenate(bundled_negatives(settings).features).astype(np.float64)


@dataclass(frozen=True)
class Detection:
    """Result of testing one clip.

    Attributes
    ----------
    distance : float
        Scaled score against the nearest template (distance / its scale; 1 = as close as
        other speech usually comes).
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
class Occurrence:
    """One place a recording holds the wake word (or came close to it).

    Attributes
    ----------
    start_seconds, end_seconds : float
        The span in the recording (seconds from its start).
    distance : float
        The span's stream score: cut out and scored as a clip, its coarse score
        (:func:`stream_score`); for a checked span (coarse score under
        :data:`STREAM_GATE`, embedding) its :func:`checked_score` instead.
    template : int
        The template it is closest to.
    scores : np.ndarray [shape=(k,)]
        Its scaled score against each template.
    fine_scores, mfcc_scores : np.ndarray [shape=(k,)]
        A checked span's scores on finer detail (:meth:`WakeWord.check_scores`); empty
        when it was not checked.
    """

    start_seconds: float
    end_seconds: float
    distance: float
    template: int
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0))
    fine_scores: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mfcc_scores: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def coarse(self) -> float:
        """The span's coarse score (:func:`stream_score` of :attr:`scores`)."""
        return float(stream_score(self.scores))


@dataclass(frozen=True)
class Finding:
    """Every occurrence of the wake word inside a longer recording, and the best span.

    Attributes
    ----------
    start_seconds, end_seconds : float
        Where the best span begins and ends in the recording (seconds).
    distance : float
        Its stream score when it was a candidate (:attr:`Occurrence.distance`), else its
        scaled subsequence distance.
    template : int
        Which template matched best.
    profile : np.ndarray [shape=(M,)]
        Scaled distance of the best match ending at each frame (lower is better).
    times : np.ndarray [shape=(M,)]
        When each of those matches ends (seconds from the recording's start).
    hop_seconds : float
        Time between two frames of the profile (seconds).
    threshold : float
        The stream threshold the occurrences are held to.
    occurrences : tuple of Occurrence
        Every candidate span scored as a clip, in time order; those whose stream score is
        at or under the threshold are the wake word (:attr:`found`).
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
    occurrences: tuple[Occurrence, ...] = ()

    @property
    def is_match(self) -> bool:
        """Whether the best span is close enough to count as the wake word."""
        return self.distance <= self.threshold

    @property
    def found(self) -> list[Occurrence]:
        """The occurrences at or under the threshold, in time order."""
        return [o for o in self.occurrences if o.distance <= self.threshold]


def enroll(
    templates: Sequence[np.ndarray],
    names: Sequence[str] | None = None,
    *,
    kind: str,
    sounds: Sequence[np.ndarray] = (),
    negatives: Sequence[np.ndarray] | None = None,
    negative_names: Sequence[str] = (),
) -> WakeWord:
    """Make a wake word from three or more recordings' features, calibrated on other speech.

    Parameters
    ----------
    templates : list of k >= 3 arrays [shape=(n_i, d)]
        Features of kind ``kind``.
    names : list of k str, optional
    kind : {"embedding", "mfcc", "envelope"}
        The feature kind the templates were made with; the wake word remembers it.
    sounds : list of k arrays [shape=(m_i,)], optional
        The templates' trimmed samples, used to place the ends of a found span; with the
        embedding also for the second check of stream spans and, played backwards, for
        the stream threshold (:attr:`WakeWord.backwards`).
    negatives : list of h arrays [shape=(n_j, d)], optional
        Features of other speech to calibrate against; default the bundled negatives
        (:func:`dtwcore.audio.negatives.negatives`). The second check of stream spans
        (embedding with sounds) is always calibrated on the bundled negatives.
    negative_names : list of h str, optional

    Returns
    -------
    WakeWord

    Raises
    ------
    AudioError
        Fewer than :data:`MIN_TEMPLATES` recordings, or all of them copies of one.
    ValueError
        Unknown kind, templates of different widths, or no negatives.
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
    if negatives is None:
        found = bundled_negatives(kind)
        negatives, negative_names = found.features, found.names
    if len(negatives) == 0:
        raise ValueError("enrollment needs other speech (negatives) to calibrate against")
    names = (
        tuple(names)
        if names is not None
        else tuple(f"template {i + 1}" for i in range(len(templates)))
    )
    opts = {"stretch": settings.stretch, "length_norm": settings.length_norm}
    N = distance_matrix(list(negatives), list(templates), **opts)
    scales = np.quantile(N, SCALE_QUANTILE, axis=0)
    D = distance_matrix(list(templates), **opts)
    D[D <= _SAME] = np.inf  # a copy of the same recording says nothing about new ones
    pair = D / scales[None, :]
    loo = pair.min(axis=1)
    if not np.isfinite(loo).all():
        raise AudioError(
            "These enrollment recordings are all the same recording, so there is nothing to "
            "set a threshold from. Record the wake word several separate times."
        )
    fine_templates: tuple[np.ndarray, ...] = ()
    fine_weights: tuple[np.ndarray, ...] = ()
    fine_scales, mfcc_templates = np.zeros(0), ()
    if settings.kind == "embedding" and sounds:
        fine, mfcc = _check_settings(settings)
        fine_templates = tuple(features(x, fine) for x in sounds)
        fine_weights = tuple(frame_weights(t, fine) for t in fine_templates)
        fine_opts = {"stretch": fine.stretch, "length_norm": fine.length_norm}
        fine_N = distance_matrix(
            list(bundled_negatives(fine).features),
            list(fine_templates),
            weights=fine_weights,
            **fine_opts,
        )
        fine_scales = np.quantile(fine_N, SCALE_QUANTILE, axis=0)
        mfcc_templates = tuple(features(x, mfcc) for x in sounds)
    wake = WakeWord(
        templates=tuple(templates),
        names=names,
        scales=scales,
        loo=loo,
        threshold=FEATURES[kind].threshold,
        kind=kind,
        sounds=tuple(sounds),
        negatives=(N / scales[None, :]).min(axis=1),
        negative_names=tuple(negative_names) or tuple(f"negative {j + 1}" for j in range(len(N))),
        pair_scores=pair,
        fine_templates=fine_templates,
        fine_weights=fine_weights,
        fine_scales=fine_scales,
        mfcc_templates=mfcc_templates,
    )
    if not fine_templates:
        return wake
    backwards = [wake.check_scores(np.ascontiguousarray(x[::-1])) for x in sounds]
    fine, mfcc = zip(*backwards, strict=True)
    return replace(wake, backwards_fine=np.array(fine), backwards_mfcc=np.array(mfcc))


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


def enrolment_warnings(wake: WakeWord) -> list[str]:
    """What is weak about an enrolment, in plain words (empty when nothing is).

    * A take that no other take comes within the threshold of (it would not be accepted
      itself): a different phrase, a slip, or a very different voice or room.
    * Takes that split into two groups far apart (two phrases enrolled as one): the
      2-medoid split of the takes' scores whose groups are :data:`MIXED_RATIO` times
      closer within than between.
    * The closest bundled negative when it matches (at or under the threshold), or when it
      comes within :data:`NEAR_NEGATIVE` over it.
    * Takes that sound for less than :data:`SHORT_SECONDS` on average: one short word,
      which other short words in a longer recording are taken for.

    Parameters
    ----------
    wake : WakeWord

    Returns
    -------
    list of str
    """
    out = []
    far = [wake.names[i] for i in np.flatnonzero(wake.loo > wake.threshold)]
    if far:
        out.append(
            f"{_listing(far)} {'is' if len(far) == 1 else 'are'} not close to any other "
            "take (it would not be accepted itself): a different phrase, a slip, or a very "
            "different voice or room. Record it again or leave it out."
        )
    groups = _two_groups(wake.pair_scores)
    if groups is not None:
        a, b = ([wake.names[i] for i in g] for g in groups)
        out.append(
            f"The takes look like two different phrases: {_listing(a)} against "
            f"{_listing(b)}. Enroll one phrase only."
        )
    if wake.negatives.size:
        name, score = closest_negative(wake)
        if score <= wake.threshold:
            out.append(
                f"Other speech wakes it: “{name}” scores {standing(score, wake.threshold)}. "
                "Words that sound like it will wake it too. A longer or more distinctive "
                "phrase is safer."
            )
        elif score <= wake.threshold + NEAR_NEGATIVE:
            out.append(
                f"Other speech comes close: “{name}” scores {standing(score, wake.threshold)}, "
                "so similar words may wake it. A longer or more distinctive phrase is safer."
            )
    if wake.sounds:
        seconds = take_seconds(wake.sounds)
        if seconds < SHORT_SECONDS:
            out.append(
                f"The takes last {seconds:.2f} s on average: one short word. In a longer "
                "recording, other short words (above all in the same voice) are easily "
                f"taken for it. A phrase of {SHORT_SECONDS:.1f} s or more, two or three "
                "syllables or words, is safer."
            )
    return out


def take_seconds(sounds: Sequence[np.ndarray]) -> float:
    """The mean length of takes (seconds): under :data:`SHORT_SECONDS`, one short word.

    Parameters
    ----------
    sounds : list of k arrays [shape=(m_i,)]
        Trimmed samples at :data:`dtwcore.audio.SAMPLE_RATE` (:attr:`WakeWord.sounds`,
        :attr:`dtwcore.audio.features.Utterance.sound`).
    """
    return float(np.mean([_seconds(x) for x in sounds]))


def closest_negative(wake: WakeWord) -> tuple[str, float]:
    """The bundled negative that scores lowest against the wake word, and its score."""
    j = int(np.argmin(wake.negatives))
    return wake.negative_names[j], float(wake.negatives[j])


def standing(score: float, threshold: float) -> str:
    """Where a score stands against a threshold, in words: ``"0.43, 0.31 under the
    threshold 0.74 (it matches)"`` or ``"0.80, 0.06 over the threshold 0.74"``.

    One wording for every score of other speech on the page, so that no sign convention
    ("margin −0.31") has to be learnt: a clip matches at or under the threshold.
    """
    gap = abs(score - threshold)
    if score <= threshold:
        return f"{score:.2f}, {gap:.2f} under the threshold {threshold:.2f} (it matches)"
    return f"{score:.2f}, {gap:.2f} over the threshold {threshold:.2f}"


def _listing(names: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _two_groups(pair: np.ndarray) -> tuple[list[int], list[int]] | None:
    """The best split of the takes into two groups of 2 or more when it is clear-cut.

    ``pair`` [shape=(k, k)] holds the scaled scores between takes (diagonal inf). Every
    split into two groups of at least two is tried (k is small); the split with the
    largest ratio of the mean between-group score to the mean within-group score is kept
    when that ratio is at least :data:`MIXED_RATIO`.
    """
    k = pair.shape[0]
    if k < 4:
        return None
    S = (pair + pair.T) / 2  # symmetric; copies of one recording stay inf
    best, best_ratio = None, 0.0
    for mask in range(1, 2 ** (k - 1)):
        g = np.array([(mask >> i) & 1 for i in range(k)], dtype=bool)
        if g.sum() < 2 or (~g).sum() < 2:
            continue
        within = np.concatenate(
            [
                S[np.ix_(g, g)][~np.eye(g.sum(), dtype=bool)],
                S[np.ix_(~g, ~g)][~np.eye((~g).sum(), dtype=bool)],
            ]
        )
        between = S[np.ix_(g, ~g)].ravel()
        if not (np.isfinite(within).all() and np.isfinite(between).all()):
            continue
        ratio = float(np.mean(between) / max(float(np.mean(within)), 1e-12))
        if ratio > best_ratio:
            best, best_ratio = g, ratio
    if best is None or best_ratio < MIXED_RATIO:
        return None
    return [int(i) for i in np.flatnonzero(~best)], [int(i) for i in np.flatnonzero(best)]


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
    d = wake.scores([clip_features])[0]
    best = int(np.argmin(d))
    return Detection(
        float(d[best]), best, wake.threshold if threshold is None else float(threshold)
    )


def _best_span(
    wake: WakeWord, recording: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The best match ending at each frame of the recording, over all templates.

    Spans are chosen by ``cost / (template frames + span frames)`` divided by the
    template's scale squared: a span's length is free here, and dividing by the longer
    of the two lengths alone would favour spans shorter than the template (fewer steps,
    less cost, same divisor). The distance reported for the chosen span uses the wake
    word's own ``length_norm`` and is divided by the template's scale.

    Returns
    -------
    profile : np.ndarray [shape=(M,)]
        Scaled distance of the chosen span ending at each frame.
    choice : np.ndarray [shape=(M,)]
        The score the span was chosen by (lower is better).
    starts, owner : np.ndarray [shape=(M,), int]
        The chosen span's first frame and template.
    """
    length_norm = wake.settings.length_norm
    M = recording.shape[0]
    profile = np.full(M, np.inf)
    choice = np.full(M, np.inf)
    starts = np.zeros(M, dtype=np.int64)
    owner = np.zeros(M, dtype=np.int64)
    for t, template in enumerate(wake.templates):
        cost, start = subsequence_profile(template, recording)
        span = np.arange(M) - start + 1
        n = template.shape[0]
        score = cost / (n + span) / wake.scales[t] ** 2
        better = score < choice
        choice[better] = score[better]
        length = n + span if length_norm == "sum" else np.maximum(n, span)
        profile[better] = (np.sqrt(cost / length) / wake.scales[t])[better]
        starts[better] = start[better]
        owner[better] = t
    return profile, choice, starts, owner


def stream_score(scores: np.ndarray, templates: int = STREAM_TEMPLATES) -> np.ndarray:
    """A span's coarse score: the mean of its ``templates`` smallest scaled scores.

    Parameters
    ----------
    scores : np.ndarray [shape=(..., k)]
        Scaled scores against each of k templates (:meth:`WakeWord.scores`).
    templates : int >= 1
        How many of the smallest are averaged (all when there are fewer).

    Returns
    -------
    np.ndarray [shape=(...)]: lower is closer. Without the second check (MFCC or
    envelope wake words) a span is the wake word at or under
    :attr:`WakeWord.stream_threshold`.
    """
    scores = np.asarray(scores, dtype=np.float64)
    m = min(templates, scores.shape[-1])
    return np.mean(np.sort(scores, axis=-1)[..., :m], axis=-1)


def backwards_shift(backwards: np.ndarray, weight: float = BACKWARDS_WEIGHT) -> float:
    """How far a wake word's stream threshold moves from the kind's:
    ``weight x (mean(backwards) - 1)``.

    Parameters
    ----------
    backwards : np.ndarray [shape=(k,)]
        The enrolled takes played backwards, each scored as a checked span
        (:attr:`WakeWord.backwards`).
    weight : float >= 0

    Returns
    -------
    float: below 0 (tighter) when the backwards takes come closer than other speech
    usually does, above 0 (looser) when they stay further.
    """
    return weight * (float(np.mean(backwards)) - 1.0)


def checked_score(
    fine: np.ndarray,
    mfcc: np.ndarray,
    *,
    templates: int = CHECK_TEMPLATES,
    mfcc_templates: int = CHECK_MFCC_TEMPLATES,
    weight: float = CHECK_WEIGHT,
) -> np.ndarray:
    """A checked span's stream score: its finer-detail scores weighed together.

    ``(stream_score(fine, templates) + weight * stream_score(mfcc, mfcc_templates)) /
    (1 + weight)``: the mean of its :data:`CHECK_TEMPLATES` smallest scaled scores on
    10 ms embedding frames, and :data:`CHECK_WEIGHT` times its MFCC distance to the
    closest template divided by its own distance to other speech. On the same scale as
    the coarse score (1 = as close as other speech usually comes).

    Parameters
    ----------
    fine, mfcc : np.ndarray [shape=(..., k)]
        :meth:`WakeWord.check_scores`.
    templates, mfcc_templates : int >= 1
        How many of the smallest of each are averaged.
    weight : float >= 0
        Weight of the MFCC term.

    Returns
    -------
    np.ndarray [shape=(...)]: lower is closer; a span is the wake word at or under
    :attr:`WakeWord.stream_threshold`.
    """
    return (stream_score(fine, templates) + weight * stream_score(mfcc, mfcc_templates)) / (
        1.0 + weight
    )


def find(
    wake: WakeWord,
    samples: np.ndarray,
    threshold: float | None = None,
    *,
    progress: Callable[[float], None] | None = None,
) -> Finding:
    """Every occurrence of the wake word inside a longer recording, and the best span.

    Parameters
    ----------
    wake : WakeWord
    samples : np.ndarray [shape=(n,)]
        The whole recording (not trimmed), mono at :data:`dtwcore.audio.SAMPLE_RATE`.
    threshold : float, optional
        Overrides the calibrated stream threshold (:attr:`WakeWord.stream_threshold`).
    progress : callable, optional
        Called with the share done (0 to 1, never decreasing): after the search over the
        whole recording, then after each candidate span is checked and each occurrence
        placed on finer frames (the slow part of a long recording with many candidates).

    Returns
    -------
    Finding
        Its occurrences are every candidate span scored as a clip (:func:`occurrences`);
        with the embedding each is refined on 10 ms frames. The best span is the best
        occurrence, or the best subsequence match when there is no candidate.
    """
    settings = wake.settings
    threshold = wake.stream_threshold if threshold is None else float(threshold)
    recording = features(samples, settings, norm_window=wake.seconds)
    profile, choice, starts, owner = _best_span(wake, recording)
    hop = settings.hop_seconds
    times = _end_times(wake, owner)
    candidates = _candidates(wake, recording)
    refining = settings.kind == "embedding"
    steps = _Steps(progress, 1 + len(candidates) * (2 if refining else 1))
    steps.done()
    found = _verified(wake, samples, candidates, steps.done)
    if refining:
        if not wake.sounds:
            raise ValueError("an embedding wake word needs its templates' sounds to find it")
        steps.total = 1 + len(candidates) + len(found)
        placed = []
        for o in found:
            lo, hi = _refine(wake, samples, o.template, o.start_seconds, o.end_seconds)
            placed.append(replace(o, start_seconds=lo, end_seconds=hi))
            steps.done()
        found = placed
    steps.finish()
    if found:
        best = min(found, key=lambda o: o.distance)
        return Finding(
            best.start_seconds, best.end_seconds, best.distance, best.template,
            profile, times, hop, threshold, tuple(found),
        )  # fmt: skip
    end = int(np.argmin(choice))
    start, t = int(starts[end]), int(owner[end])
    lo, hi = start * hop, float(times[end])
    if settings.kind == "embedding":
        lo, hi = _refine(wake, samples, t, lo, hi)
    return Finding(lo, hi, float(profile[end]), t, profile, times, hop, threshold)


@dataclass
class _Steps:
    """Counts steps done out of ``total`` and tells ``report`` the share (0 to 1), which
    never decreases when ``total`` is lowered to the steps really needed."""

    report: Callable[[float], None] | None
    total: int
    count: int = 0

    def done(self) -> None:
        """One more step done."""
        self.count += 1
        if self.report is not None:
            self.report(min(1.0, self.count / max(self.total, 1)))

    def finish(self) -> None:
        """All done."""
        if self.report is not None:
            self.report(1.0)


def _span_seconds(wake: WakeWord, template: int, path: np.ndarray) -> tuple[float, float]:
    """Where a template's sound starts and ends in the recording, from its warping path.

    ``path`` [shape=(K, 2)] pairs template frames with recording frames. For the
    embedding, template frame i sees ``[i * hop - pad, i * hop - pad + window)`` of its
    sound (padded with ``pad`` seconds of silence), and so does recording frame j of the
    recording: the frame whose window starts where the template's sound starts, and the
    one whose window ends where it ends, are followed along the path. For 10 ms features
    the span runs from the path's first recording frame to the end of its last.
    """
    settings = wake.settings
    hop = settings.hop_seconds
    if wake.kind != "embedding" or not wake.sounds:
        return float(path[0, 1] * hop), float((path[-1, 1] + 1) * hop)
    n = wake.templates[template].shape[0]
    pad, window = settings.pad_seconds, EMBED_WINDOW / SAMPLE_RATE
    length = _seconds(wake.sounds[template])
    first = min(max(round(pad / hop), 0), n - 1)
    last = min(max(round((length + pad - window) / hop), 0), n - 1)
    j_first = float(np.mean(path[path[:, 0] == first, 1]))
    j_last = float(np.mean(path[path[:, 0] == last, 1]))
    start = j_first * hop - pad
    return max(0.0, start), max(start + hop, j_last * hop - pad + window)


def _candidates(
    wake: WakeWord, recording: np.ndarray, offset: float = 0.0
) -> list[tuple[float, float, float]]:
    """Candidate spans (start, end in seconds, scaled distance), non-overlapping, best first.

    Each template's matches below :data:`STREAM_GATE` (scaled, cost divided by the sum of
    the lengths, :func:`dtwcore.subsequence_search` with ``k=None``, spans reaching up
    to half the template's frames into one another); then, over all
    templates, best first, a span overlapping one already kept by half its length or
    more is dropped (takes said in quick succession keep a candidate each).
    """
    found: list[tuple[float, float, float]] = []
    for t, template in enumerate(wake.templates):
        scale = float(wake.scales[t])
        for m in subsequence_search(
            template,
            recording,
            None,
            max_distance=STREAM_GATE * scale,
            overlap=template.shape[0] // 2,
            length_norm="sum",
        ):
            lo, hi = _span_seconds(wake, t, m.path)
            found.append((offset + lo, offset + hi, m.distance / scale))
    found.sort(key=lambda c: c[2])
    kept: list[tuple[float, float, float]] = []
    for c in found:
        if all(min(c[1], k[1]) - max(c[0], k[0]) < 0.5 * (c[1] - c[0]) for k in kept):
            kept.append(c)
    return kept


VERIFY_MARGIN_SECONDS = 0.1
"""A candidate span is cut out this much wider each side before its silent ends are
trimmed; the trimmed span is then widened by as much again and trimmed again
(:func:`_verified`). The search places a span on 80 ms frames and often starts or ends
inside the phrase: a cut 0.06 s short of a take's start raised its score from 0.63 to 0.78
on the tune streams. Trimming twice reaches what one cut missed without reaching a
neighbouring phrase 0.3 s away, which one cut 0.2 s wider did (it merged takes and
missed 16 % of them on the tune streams); the coarse rule at 0.75 made 4.7 false accepts
an hour on the tune streams instead of 7.2, detecting as many takes (95.9 %, 96.0 %)."""


def _cut(samples: np.ndarray, a: int, b: int, trim_db: float) -> tuple[int, int] | None:
    """Samples a..b widened by :data:`VERIFY_MARGIN_SECONDS` each side (within the
    recording) and their silent ends trimmed: the sounding part's first and last sample,
    or None when under 50 ms of it sounds."""
    margin = round(VERIFY_MARGIN_SECONDS * SAMPLE_RATE)
    a, b = max(0, a - margin), min(samples.shape[0], b + margin)
    piece = np.asarray(samples[a:b], dtype=np.float32)
    if piece.shape[0] < SAMPLE_RATE // 20 or float(np.max(np.abs(piece))) < 1e-3:
        return None
    start, end = trim_silence(piece, trim_db)
    return (a + start, a + end) if end - start >= SAMPLE_RATE // 20 else None


def _verified(
    wake: WakeWord,
    samples: np.ndarray,
    candidates: Sequence[tuple[float, float, float]],
    checked: Callable[[], None] | None = None,
) -> list[Occurrence]:
    """Each candidate span cut out of the recording and scored as a clip, in time order
    (:func:`_occurrence`); ``checked`` is called after each candidate."""
    out = []
    for lo, hi, _ in candidates:
        occurrence = _occurrence(wake, samples, lo, hi)
        if occurrence is not None:
            out.append(occurrence)
        if checked is not None:
            checked()
    return sorted(out, key=lambda o: o.start_seconds)


def _occurrence(wake: WakeWord, samples: np.ndarray, lo: float, hi: float) -> Occurrence | None:
    """A candidate span (seconds) cut out, trimmed and scored as a clip, or None when
    too little of it sounds.

    Its distance is the span's stream score: its coarse score (:func:`stream_score`), or,
    for a wake word with fine templates and a coarse score under :data:`STREAM_GATE`, its
    :func:`checked_score`. Its template is the closest one. A span holding a pause of
    :data:`SPLIT_PAUSE_SECONDS` or more is also scored without what lies before the pause
    and without what lies after it; the lowest score counts, with its piece's span."""
    settings = wake.settings
    span = _cut(samples, round(lo * SAMPLE_RATE), round(hi * SAMPLE_RATE), settings.trim_db)
    if span is not None:  # cut and trimmed twice (VERIFY_MARGIN_SECONDS)
        span = _cut(samples, *span, settings.trim_db)
    if span is None:
        return None
    best: Occurrence | None = None
    for a, b in _pieces(samples, *span, settings.trim_db):
        sound = np.asarray(samples[a:b], dtype=np.float32)
        d = wake.scores([features(sound, settings)])[0]
        score = float(stream_score(d))
        fine = mfcc = np.zeros(0)
        if wake.fine_templates and score < STREAM_GATE:
            fine, mfcc = wake.check_scores(sound)
            score = float(checked_score(fine, mfcc))
        if best is None or score < best.distance:
            best = Occurrence(
                a / SAMPLE_RATE, b / SAMPLE_RATE, score, int(np.argmin(d)), d, fine, mfcc
            )
    return best


SPLIT_PAUSE_SECONDS = 0.25
"""A cut span with a pause this long or longer inside is also scored on either side of
its longest pause (:func:`_occurrence`). A take said faster than the
templates is matched by a span reaching back across the pause before it into the
previous words, and scored with them: 0.99 instead of 0.42 for a "Hey Marvin" 0.3 s
after another sentence. The length is shorter than the 0.3 s between takes in
``wake-eval``'s streams and longer than most pauses between the words of one phrase. On
the tune streams (16 takes per phrase, 8 enrolments each, seed 2) it detected 97.2 % of
the takes instead of 96.9 %, with the same 6 false accepts in 12 negative hours; the
search takes 7 % longer."""


def _pieces(samples: np.ndarray, a: int, b: int, trim_db: float) -> list[tuple[int, int]]:
    """The span a..b, and where it holds a pause of :data:`SPLIT_PAUSE_SECONDS` or more
    (frames ``trim_db`` below its loudest, :func:`dtwcore.audio.features.quiet_frames`,
    as silence is trimmed), the sound before and after its longest pause, each of 50 ms or more."""
    out = [(a, b)]
    quiet = quiet_frames(samples[a:b], trim_db)
    hop = TRIM_HOP
    longest, start, run = 0, 0, 0
    for k, q in enumerate(quiet):
        run = run + 1 if q else 0
        if run > longest:
            longest, start = run, k - run + 1
    if longest * hop / SAMPLE_RATE < SPLIT_PAUSE_SECONDS:
        return out
    pause = (a + start * hop, a + (start + longest - 1) * hop)  # frames centred on k * hop
    for lo, hi in ((a, pause[0]), (pause[1], b)):
        if hi - lo >= SAMPLE_RATE // 20:
            start_, end_ = trim_silence(np.asarray(samples[lo:hi], np.float32), trim_db)
            if end_ - start_ >= SAMPLE_RATE // 20:
                out.append((lo + start_, lo + end_))
    return out


def occurrences(
    wake: WakeWord,
    samples: np.ndarray,
    threshold: float | None = None,
    *,
    chunk_seconds: float = 30.0,
) -> list[Occurrence]:
    """Every occurrence of the wake word in a recording or stream of any length.

    Candidate spans (:func:`dtwcore.subsequence_search` per template, scaled distance
    under :data:`STREAM_GATE`) are cut out and scored as clips; those whose stream score
    (:attr:`Occurrence.distance`: coarse, or checked on finer detail) is at or under the
    stream threshold are kept, one per
    overlapping group. The recording is processed in chunks
    of ``chunk_seconds`` with context either side, so memory stays flat for hours.

    Parameters
    ----------
    wake : WakeWord
    samples : np.ndarray [shape=(n,)]
        Mono at :data:`dtwcore.audio.SAMPLE_RATE`.
    threshold : float, optional
        Overrides the calibrated stream threshold (:attr:`WakeWord.stream_threshold`).
    chunk_seconds : float > 0

    Returns
    -------
    list of Occurrence, in time order (spans in seconds from the start).
    """
    if not chunk_seconds > 0:
        raise ValueError(f"chunk_seconds must be above 0, got {chunk_seconds!r}")
    threshold = wake.stream_threshold if threshold is None else float(threshold)
    out: list[Occurrence] = []
    for chunk in candidate_chunks(wake, samples, chunk_seconds=chunk_seconds):
        found = [o for o in chunk if o.distance <= threshold]
        out += [o for o in found if all(o.start_seconds >= p.end_seconds for p in out[-3:])]
    return out


def candidate_chunks(
    wake: WakeWord, samples: np.ndarray, *, chunk_seconds: float = 30.0
) -> Iterator[list[Occurrence]]:
    """Every candidate span of a recording, cut out and scored as a clip, chunk by chunk.

    What :func:`occurrences` chooses from (before its threshold and its one-per-group
    rule), for choosing the stream rule (``scripts/tune_wake.py --streams``).

    Parameters
    ----------
    wake : WakeWord
    samples : np.ndarray [shape=(n,)]
        Mono at :data:`dtwcore.audio.SAMPLE_RATE`.
    chunk_seconds : float > 0

    Yields
    ------
    list of Occurrence: the candidates ending in each chunk of ``chunk_seconds``, in time
    order, with every template's scaled score.
    """
    if not chunk_seconds > 0:
        raise ValueError(f"chunk_seconds must be above 0, got {chunk_seconds!r}")
    settings = wake.settings
    context = _context_seconds(wake)
    total = samples.shape[0] / SAMPLE_RATE
    start = 0.0
    while start < total:
        lo = max(0.0, start - context)
        hi = min(total, start + chunk_seconds + context)
        piece = samples[round(lo * SAMPLE_RATE) : round(hi * SAMPLE_RATE)]
        recording = features(piece, settings, norm_window=wake.seconds)
        mine = [
            c for c in _candidates(wake, recording, lo) if start <= c[1] < start + chunk_seconds
        ]
        yield _verified(wake, samples, mine)
        start += chunk_seconds


def _context_seconds(wake: WakeWord) -> float:
    """Audio scored either side of a chunk so a phrase across its border is seen whole."""
    settings = wake.settings
    longest = max(t.shape[0] for t in wake.templates) * settings.hop_seconds
    return 2.0 * (longest + settings.pad_seconds) + 1.0


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
    ratio = cost / (n + span)  # chosen as in _best_span
    # a match may end at most the margin after the span: a phrase said again just after
    # it (0.5 s later in the browser test) is its own occurrence, not this one's
    ends = (first + np.arange(frames.shape[0]) - n + 1) * fine_hop + _seconds(sound)
    inside = ends <= hi + REFINE_MARGIN_SECONDS
    b = int(np.argmin(np.where(inside, ratio, np.inf))) if inside.any() else int(np.argmin(ratio))
    return (first + int(begin[b])) * fine_hop, float(ends[b])


@dataclass(frozen=True)
class Trace:
    """How close the wake word is at each moment of a long recording or stream.

    Attributes
    ----------
    times : np.ndarray [shape=(M,)]
        When the best match ending at each frame ends (seconds from the start).
    distances : np.ndarray [shape=(M,)]
        Its scaled distance to the nearest template (lower is closer).
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
    context = _context_seconds(wake)
    total = samples.shape[0] / SAMPLE_RATE
    times, distances = [], []
    start = 0.0
    while start < total:
        lo = max(0.0, start - context)
        hi = min(total, start + chunk_seconds + context)
        piece = samples[round(lo * SAMPLE_RATE) : round(hi * SAMPLE_RATE)]
        recording = features(piece, settings, norm_window=wake.seconds)
        profile, _, _, owner = _best_span(wake, recording)
        ends = lo + _end_times(wake, owner)
        keep = (ends >= start) & (ends < start + chunk_seconds) & np.isfinite(profile)
        times.append(ends[keep])
        distances.append(profile[keep])
        start += chunk_seconds
    t = np.concatenate(times) if times else np.zeros(0)
    d = np.concatenate(distances) if distances else np.zeros(0)
    order = np.argsort(t, kind="stable")
    return Trace(t[order], d[order])


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
