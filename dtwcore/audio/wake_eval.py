"""How far a wake word can be trusted: the several-voices protocol behind ``wake-eval``.

The folder holds one sub-folder of takes per phrase (WAV, FLAC, OGG, Opus, MP3; any
names), e.g. takes of "computer" from many people in ``computer/``. For each phrase,
``enrolments`` times: ``takes`` of its takes are drawn at random and enrolled
(:func:`dtwcore.audio.wake.enroll`, calibrated on the bundled negatives, never on this
folder); the phrase's other takes are the positives and every other phrase's takes the
negatives. A folder named between underscores (Speech Commands' ``_background_noise_``)
holds other sounds: never enrolled, its files are negatives like the others.

* Clips: true accepts (share of positives at or under the calibrated threshold), false
  accepts (share of negatives under it), the equal error rate, and the false-accept rate
  at the threshold that accepts 95 % of the positives; per phrase the mean over its
  enrolments, and their mean over phrases.
* Streams: all takes one after another (0.3 s apart, phrase by phrase) form one stream;
  for the first ``stream_enrolments`` enrolments of each phrase the stream is searched as
  Find and Listen search it (:func:`dtwcore.audio.wake.occurrences`, at the enrolment's
  calibrated stream threshold, listed per phrase under ``thresholds``). A positive take is
  detected when an occurrence overlaps it; an occurrence that overlaps none of the
  phrase's takes is a false accept. The negative hours are the stream's length outside
  the phrase's takes, summed over the enrolments searched. The takes falsely accepted are
  listed per phrase with how many enrolments accepted each (``false_accept_takes``), and
  counted once each over all phrases: one odd take accepted by every enrolment of a phrase
  counts as many false accepts as there are enrolments, so this says how many different
  recordings the false accepts come from.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import chi2

from dtwcore.audio.features import (
    AUDIO_SUFFIXES,
    SAMPLE_RATE,
    Utterance,
    default_kind,
    distance_matrix,
    prepare_files,
    settings_of,
)
from dtwcore.audio.negatives import negatives
from dtwcore.audio.wake import (
    SCALE_QUANTILE,
    SHORT_SECONDS,
    enroll,
    equal_error_rate,
    occurrences,
    take_seconds,
)

__all__ = [
    "AUDIO_SUFFIXES",
    "COMPARING",
    "GAP_SECONDS",
    "OTHER_SOUNDS_NOTE",
    "READING",
    "SEARCHING",
    "overlapped",
    "scan_phrases",
    "summary",
    "takes_stream",
    "wake_eval",
]

GAP_SECONDS = 0.3
"""Silence between two takes in the evaluation stream (seconds)."""
COMPARE_BLOCKS = 50
"""The clip distances are computed in this many blocks of enrolled takes, so a progress
display moves while they are (the distances are the same either way)."""
READING = "reading takes"
COMPARING = "comparing clips"
SEARCHING = "searching the stream"
"""The stages :func:`wake_eval` reports to its ``progress`` callable."""


def scan_phrases(folder: str | Path) -> dict[str, list[Path]]:
    """Phrase name -> its audio files, one sub-folder per phrase, sorted by path.

    A phrase's takes may sit in folders of their own inside its folder (one per speaker,
    say). Hidden files and folders (names starting with ".", such as the "._" copies macOS
    leaves in archives) are passed over.

    Raises
    ------
    ValueError
        Not a folder, or fewer than two sub-folders with audio files.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"{folder} is not a folder")
    phrases = {}
    for sub in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = sorted(
            f
            for f in sub.rglob("*")
            if f.suffix.lower() in AUDIO_SUFFIXES
            and f.is_file()
            and not any(part.startswith(".") for part in f.relative_to(sub).parts)
        )
        if files:
            phrases[sub.name] = files
    if len(phrases) < 2:
        raise ValueError(
            f"{folder} needs two or more sub-folders of takes, one per phrase "
            f"({', '.join(AUDIO_SUFFIXES)})"
        )
    return phrases


OTHER_SOUNDS_NOTE = (
    "its name is between underscores, which marks other sounds, not a phrase (as "
    "_background_noise_ in Speech Commands); its files count as other speech only"
)
"""Why a folder named between underscores is not enrolled (``other_speech_only``)."""


def _other_sounds(name: str) -> bool:
    """A folder named between underscores (``_background_noise_``, ``_silence_``) holds
    other sounds, by the convention of the Speech Commands set: never a phrase to enroll."""
    return len(name) > 2 and name.startswith("_") and name.endswith("_")


def _cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _usable(n: int) -> str:
    """``n`` usable takes, in words ("1 usable take", "4 usable takes")."""
    return f"{n} usable take" if n == 1 else f"{n} usable takes"


def _far_at(genuine: np.ndarray, impostor: np.ndarray, rate: float) -> float:
    """False-accept rate at the smallest threshold accepting ``rate`` of the genuine scores."""
    g = np.sort(genuine)
    threshold = g[max(0, math.ceil(rate * g.size) - 1)]
    return float(np.mean(impostor <= threshold))


def _poisson_upper(count: int, hours: float) -> float:
    """One-sided 97.5 % (two-sided 95 %) upper bound of a Poisson rate (per hour)."""
    return float(chi2.ppf(0.975, 2 * (count + 1)) / 2 / hours) if hours > 0 else math.inf


def wake_eval(
    folder: str | Path,
    *,
    takes: int = 5,
    enrolments: int = 10,
    stream_enrolments: int = 2,
    seed: int = 0,
    kind: str | None = None,
    max_takes: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    workers: int | None = None,
) -> dict[str, Any]:
    """Run the protocol on a folder of phrases (see the module docstring).

    Parameters
    ----------
    folder : path
        One sub-folder of takes per phrase.
    takes : int >= 3
        Takes enrolled per enrolment.
    enrolments : int >= 1
        Random enrolments per phrase.
    stream_enrolments : int >= 0
        Of those, how many also search the stream (0: no stream figures).
    seed : int
        Random seed of the enrolments.
    kind : {"embedding", "mfcc", "envelope"}, optional
        Features; defaults to :func:`dtwcore.audio.default_kind`.
    max_takes : int, optional
        Use at most this many takes per phrase (drawn at random), for a quick run.
    progress : callable, optional
        Called with (stage, done, total) as the work goes on, for a progress display:
        :data:`READING` after each file, :data:`COMPARING` after each block of clip
        distances, :data:`SEARCHING` after each enrolment's stream search.
    workers : int, optional
        Processes searching the stream, one enrolment each at a time (the searches are
        most of the time); default: one per core this process may use. The figures are
        the same for any number.

    Returns
    -------
    dict, JSON-ready: the clip threshold and the kind's stream threshold (before each
    enrolment moves it, :attr:`dtwcore.audio.wake.WakeWord.stream_threshold`), ``mean``
    (``tar``, ``far``,
    ``far_at_95``, ``eer``, 0..1),
    ``per_phrase`` (the same per phrase, with counts, the mean length of its takes in
    seconds after trimming, ``take_seconds``, and ``short`` when that is under
    :data:`dtwcore.audio.wake.SHORT_SECONDS`, which the page warns about), ``stream`` (``hit_rate``,
    ``fa_per_hour`` with its 95 % upper bound, ``negative_hours``, counts, the takes
    falsely accepted), ``skipped``
    (files that could not be used, with the reason), ``other_speech_only`` (phrases with
    too few usable takes to enroll and test: not enrolled, their takes kept as negatives,
    with the reason) and timings in seconds.

    Raises
    ------
    ValueError
        Bad folder or arguments, or no phrase with enough usable takes.
    """
    for name, value, low in (
        ("takes", takes, 3),
        ("enrolments", enrolments, 1),
        ("workers", 1 if workers is None else workers, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"--{name} must be a whole number of {low} or more, got {value!r}")
    settings = settings_of(default_kind() if kind is None else kind)
    rng = np.random.default_rng(seed)
    report = progress or (lambda stage, done, total: None)
    phrases = scan_phrases(folder)
    phrases_root = Path(folder)
    t0 = time.perf_counter()
    utts: list[Utterance] = []
    labels: list[str] = []
    skipped: dict[str, str] = {}
    chosen = {
        phrase: (
            [files[i] for i in sorted(rng.choice(len(files), max_takes, replace=False))]
            if max_takes is not None and len(files) > max_takes
            else files
        )
        for phrase, files in phrases.items()
    }
    files_read, total_files = 0, sum(len(files) for files in chosen.values())

    def one_read() -> None:
        nonlocal files_read
        files_read += 1
        report(READING, files_read, total_files)

    for phrase, files in chosen.items():
        usable, left_out = prepare_files(files, phrases_root, settings, one_read)
        utts += usable.values()
        labels += [phrase] * len(usable)
        skipped.update(left_out)
    lab = np.array(labels)
    counts = {phrase: int(np.sum(lab == phrase)) for phrase in phrases}
    other_speech = {phrase: OTHER_SOUNDS_NOTE for phrase in phrases if _other_sounds(phrase)} | {
        phrase: f"only {_usable(counts[phrase])}, {takes + 1} needed ({takes} to enroll, "
        "the rest to test); its takes count as other speech only"
        for phrase in phrases
        if not _other_sounds(phrase) and counts[phrase] < takes + 1
    }
    enrolled = [phrase for phrase in phrases if phrase not in other_speech]
    if not enrolled:
        most = max((counts[p] for p in phrases if not _other_sounds(p)), default=0)
        raise ValueError(
            f"no phrase in {folder} has {takes + 1} or more usable takes ({takes} to enroll, "
            f"the rest to test); the most is {_usable(most)}"
        )
    t_features = time.perf_counter() - t0

    t0 = time.perf_counter()
    draws = {
        p: [rng.choice(np.flatnonzero(lab == p), takes, replace=False) for _ in range(enrolments)]
        for p in enrolled
    }
    used = np.unique(np.concatenate([e for es in draws.values() for e in es]))
    feats = [u.features for u in utts]
    opts = {"stretch": settings.stretch, "length_norm": settings.length_norm}
    # every take and every bundled negative against each take enrolled somewhere: column
    # j is the take used[j] (a folder of 20,000 takes needs 20,000 x the enrolled, not
    # 20,000 x 20,000)
    negative_feats = list(negatives(settings.kind).features)
    D = np.empty((len(utts), used.size))
    N = np.empty((len(negative_feats), used.size))
    blocks = np.array_split(np.arange(used.size), min(used.size, COMPARE_BLOCKS))
    for k, cols in enumerate(blocks, 1):
        templates = [feats[i] for i in used[cols]]
        D[:, cols] = distance_matrix(feats, templates, **opts)
        N[:, cols] = distance_matrix(negative_feats, templates, **opts)
        report(COMPARING, k, len(blocks))
    t_distances = time.perf_counter() - t0

    threshold = settings.threshold
    per_phrase: dict[str, dict[str, Any]] = {}
    for p, es in draws.items():
        rows = {"tar": [], "far": [], "far_at_95": [], "eer": []}
        for E in es:
            cols = np.searchsorted(used, E)
            scale = np.quantile(N[:, cols], SCALE_QUANTILE, axis=0)
            scores = (D[:, cols] / scale[None, :]).min(axis=1)
            pos = scores[np.setdiff1d(np.flatnonzero(lab == p), E)]
            neg = scores[lab != p]
            rows["tar"].append(float(np.mean(pos <= threshold)))
            rows["far"].append(float(np.mean(neg <= threshold)))
            rows["far_at_95"].append(_far_at(pos, neg, 0.95))
            rows["eer"].append(equal_error_rate(pos, neg)[0])
        per_phrase[p] = {k: float(np.mean(v)) for k, v in rows.items()}
        per_phrase[p]["positives"] = int(np.sum(lab == p) - takes)
        per_phrase[p]["negatives"] = int(np.sum(lab != p))
        seconds = take_seconds([utts[i].sound for i in np.flatnonzero(lab == p)])
        per_phrase[p]["take_seconds"] = seconds
        per_phrase[p]["short"] = seconds < SHORT_SECONDS
    mean = {
        k: float(np.mean([v[k] for v in per_phrase.values()]))
        for k in ("tar", "far", "far_at_95", "eer")
    }

    t0 = time.perf_counter()
    stream = (
        _stream_figures(
            utts, lab, draws, stream_enrolments, settings.kind, report, workers or _cores()
        )
        if stream_enrolments > 0
        else None
    )
    t_stream = time.perf_counter() - t0
    return {
        "folder": str(folder),
        "phrases": list(phrases),
        "takes": len(utts),
        "enroll": takes,
        "enrolments_per_phrase": enrolments,
        "seed": seed,
        "feature_kind": settings.kind,
        "threshold": threshold,
        "stream_threshold": settings.stream_threshold,
        "mean": mean,
        "per_phrase": per_phrase,
        "stream": stream,
        "skipped": skipped,
        "other_speech_only": other_speech,
        "seconds": {
            "features": round(t_features, 1),
            "distances": round(t_distances, 1),
            "stream": round(t_stream, 1),
        },
    }


def summary(report: dict[str, Any]) -> str:
    """The report's main figures in one line for people (the command's last progress line):
    ``clips: 97.0 % true accepts, 0.51 % false accepts (EER 0.68 %); streams: 94.9 %
    detected, 2.3 false accepts an hour in 7.9 negative hours``."""
    mean = report["mean"]
    text = (
        f"clips: {100 * mean['tar']:.1f} % true accepts, {100 * mean['far']:.2f} % false "
        f"accepts (EER {100 * mean['eer']:.2f} %)"
    )
    stream = report["stream"]
    if stream is not None:
        text += (
            f"; streams: {100 * stream['hit_rate']:.1f} % detected, "
            f"{stream['fa_per_hour']:.1f} false accepts an hour in "
            f"{stream['negative_hours']:.1f} negative hours"
        )
    return text


def overlapped(spans: np.ndarray, start: float, end: float) -> np.ndarray:
    """The takes a found span (start, end in seconds) overlaps: indices into ``spans``
    [shape=(n, 2)], where :func:`takes_stream` placed each take. A take is detected when a
    span overlaps it; a span overlapping none of the phrase's takes is a false accept."""
    return np.flatnonzero((spans[:, 0] < end) & (spans[:, 1] > start))


def takes_stream(utts: Sequence[Utterance]) -> tuple[np.ndarray, np.ndarray]:
    """All takes one after another, :data:`GAP_SECONDS` apart (and before the first).

    Returns
    -------
    samples : np.ndarray [shape=(n,)]
        Mono at :data:`dtwcore.audio.SAMPLE_RATE`.
    spans : np.ndarray [shape=(len(utts), 2)]
        Where each take starts and ends in it (seconds).
    """
    gap = np.zeros(round(GAP_SECONDS * SAMPLE_RATE), dtype=np.float32)
    pieces, spans, t = [gap], [], GAP_SECONDS
    for u in utts:
        sound = np.asarray(u.sound, dtype=np.float32)
        spans.append((t, t + sound.shape[0] / SAMPLE_RATE))
        pieces += [sound, gap]
        t += (sound.shape[0] + gap.shape[0]) / SAMPLE_RATE
    return np.concatenate(pieces), np.array(spans).reshape(-1, 2)


def _search(
    features: Sequence[np.ndarray], names: Sequence[str], sounds: Sequence[np.ndarray], kind: str
) -> tuple[float, list[tuple[float, float]]]:
    """One enrolment's search of the stream (:data:`_STREAM`, set in each worker): its
    stream threshold and the span (start, end in seconds) of every occurrence found."""
    wake = enroll(list(features), list(names), kind=kind, sounds=list(sounds))
    found = occurrences(wake, _STREAM["samples"])
    return wake.stream_threshold, [(o.start_seconds, o.end_seconds) for o in found]


_STREAM: dict[str, np.ndarray] = {}
"""The stream being searched, in this process (the evaluating process or a worker)."""


def _hold_stream(samples: np.ndarray) -> None:
    """Keep the stream for :func:`_search` (a worker's initializer)."""
    _STREAM["samples"] = samples


def _searches(
    jobs: Sequence[tuple[Sequence[np.ndarray], Sequence[str], Sequence[np.ndarray], str]],
    samples: np.ndarray,
    workers: int,
    report: Callable[[str, int, int], None],
) -> list[tuple[float, list[tuple[float, float]]]]:
    """:func:`_search` for each job, in the jobs' order, on ``workers`` processes (one:
    here); ``report`` is called with (:data:`SEARCHING`, done, total) as each ends."""
    if workers <= 1 or len(jobs) <= 1:
        _hold_stream(samples)
        try:
            out = []
            for k, job in enumerate(jobs, 1):
                out.append(_search(*job))
                report(SEARCHING, k, len(jobs))
            return out
        finally:
            _STREAM.clear()
    results: dict[int, tuple[float, list[tuple[float, float]]]] = {}
    context = multiprocessing.get_context("spawn")  # no inherited model sessions or threads
    with ProcessPoolExecutor(
        min(workers, len(jobs)), mp_context=context, initializer=_hold_stream, initargs=(samples,)
    ) as pool:
        pending = {pool.submit(_search, *job): k for k, job in enumerate(jobs)}
        for future in as_completed(pending):
            results[pending[future]] = future.result()
            report(SEARCHING, len(results), len(jobs))
    return [results[k] for k in range(len(jobs))]


def _stream_figures(
    utts: Sequence[Utterance],
    lab: np.ndarray,
    draws: dict[str, list[np.ndarray]],
    per_phrase: int,
    kind: str,
    report: Callable[[str, int, int], None],
    workers: int,
) -> dict[str, Any]:
    """Hit rate and false accepts per hour of the stream path (see the module docstring),
    the enrolments searched on ``workers`` processes; ``report`` is called with
    (:data:`SEARCHING`, done, total) after each enrolment's search."""
    samples, span = takes_stream(utts)
    searched = [(p, E) for p, es in draws.items() for E in es[:per_phrase]]
    found = iter(
        _searches(
            [
                (
                    [utts[i].features for i in E],
                    [utts[i].name for i in E],
                    [utts[i].sound for i in E],
                    kind,
                )
                for _, E in searched
            ],
            samples,
            workers,
            report,
        )
    )
    total = samples.shape[0] / SAMPLE_RATE
    hits = positives = false_accepts = 0
    hours = 0.0
    per: dict[str, dict[str, Any]] = {}
    odd: set[str] = set()
    for p, es in draws.items():
        mine = np.flatnonzero(lab == p)
        p_hits = p_pos = p_fa = 0
        taken: Counter[str] = Counter()
        thresholds = []
        for E in es[:per_phrase]:
            threshold, spans = next(found)
            thresholds.append(threshold)
            detected = np.zeros(len(utts), dtype=bool)
            for start, end in spans:
                over = overlapped(span, start, end)
                detected[over] = True
                if not np.isin(over, mine).any():
                    p_fa += 1
                    taken.update(f"{lab[j]}/{utts[j].name}" for j in over)
            rest = np.setdiff1d(mine, E)
            p_hits += int(detected[rest].sum())
            p_pos += rest.size
            own = float(np.sum(span[mine, 1] - span[mine, 0])) + GAP_SECONDS * mine.size
            hours += (total - own) / 3600
        per[p] = {
            "hit_rate": p_hits / p_pos,
            "false_accepts": p_fa,
            "false_accept_takes": dict(taken.most_common()),
            "thresholds": thresholds,
        }
        odd.update(taken)
        hits, positives, false_accepts = hits + p_hits, positives + p_pos, false_accepts + p_fa
    return {
        "hit_rate": hits / positives,
        "fa_per_hour": false_accepts / hours,
        "fa_per_hour_95_upper": _poisson_upper(false_accepts, hours),
        "false_accepts": false_accepts,
        "false_accept_takes": len(odd),
        "negative_hours": hours,
        "stream_hours": total / 3600,
        "enrolments": len(searched),
        "per_phrase": per,
    }
