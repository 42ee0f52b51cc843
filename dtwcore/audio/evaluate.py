"""Quality on real speech: recognition accuracy and wake-word error rates over a folder.

The folder holds recordings named ``{label}_{speaker}_{index}.wav`` (the Free Spoken Digit
Dataset's scheme). Recordings with ``index < enroll`` are templates, the rest are tests.
A file that cannot be used (not audio, damaged, silent) is left out and listed under
``skipped`` with the reason, as ``wake-eval`` does.

* Speaker-dependent accuracy: each speaker's tests, classified by the nearest of that
  speaker's own templates.
* Cross-speaker accuracy: each speaker's tests, classified by the nearest template of the
  *other* speakers only.
* Per fold (leave one speaker out): for each speaker, its speaker-dependent and
  cross-speaker accuracy and its wake-word equal error rate (mean over labels). The
  settings of every feature kind were chosen on the other speakers only
  (``scripts/tune_audio.py``), so these are the figures of a speaker the settings never
  saw.
* Wake word: each label in turn is the wake word. For each speaker, that label's templates
  are enrolled (:func:`dtwcore.audio.wake.enroll`: each template's distances divided by
  a low quantile of its distances to the bundled negatives) and all of the speaker's
  tests are scored by their scaled distance to the nearest of them. Reported per label:
  the equal error rate of that score pooled over speakers, and the false-reject and
  false-accept rates at the calibrated threshold (what the app would decide).

Features of every recording are computed once; all distances come from one call of
:func:`dtwcore.dtw_pairwise` (vectorised and parallel).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dtwcore.audio.features import (
    FeatureSettings,
    default_kind,
    distance_matrix,
    prepare_files,
    settings_of,
)
from dtwcore.audio.negatives import negatives
from dtwcore.audio.wake import SCALE_QUANTILE, equal_error_rate
from dtwcore.distance import check_stretch

__all__ = ["Recording", "evaluate", "scan_folder", "speaker_figures"]

_NAME = re.compile(r"^(?P<label>[^_]+)_(?P<speaker>[^_]+)_(?P<index>\d+)\.wav$", re.IGNORECASE)


@dataclass(frozen=True)
class Recording:
    """One file of the evaluation folder."""

    path: Path
    label: str
    speaker: str
    index: int


def scan_folder(folder: str | Path) -> list[Recording]:
    """Recordings named ``{label}_{speaker}_{index}.wav`` in ``folder``, sorted by name.

    Raises
    ------
    ValueError
        The folder does not exist or holds no such file.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"{folder} is not a folder")
    found = []
    for path in sorted(root.iterdir()):
        match = _NAME.match(path.name)
        if match and path.is_file():
            found.append(Recording(path, match["label"], match["speaker"], int(match["index"])))
    if not found:
        raise ValueError(f"{folder} holds no recordings named {{label}}_{{speaker}}_{{index}}.wav")
    return found


def _check_speakers(recordings: Sequence[Recording], enroll: int, skipped: dict[str, str]) -> None:
    """Every speaker has templates (index below ``enroll``) and tests (from ``enroll`` up).

    ``skipped`` holds the files left out (name -> why); a speaker short of either is told
    which of theirs were left out and why.

    Raises
    ------
    ValueError
        A speaker without both templates and tests.
    """
    for spk in sorted({r.speaker for r in recordings}):
        mine = [r.index < enroll for r in recordings if r.speaker == spk]
        if all(mine) or not any(mine):
            lost = [why for name, why in skipped.items() if _NAME.match(name)["speaker"] == spk]
            raise ValueError(
                f"speaker {spk} needs recordings with index below {enroll} (templates) "
                f"and from {enroll} up (tests)" + (f"; left out: {' '.join(lost)}" if lost else "")
            )


def _accuracy(D: np.ndarray, test_labels: np.ndarray, template_labels: np.ndarray) -> float:
    """Share of rows whose nearest column has the row's label."""
    return float(np.mean(template_labels[np.argmin(D, axis=1)] == test_labels))


def speaker_figures(
    D: np.ndarray,
    q_lab: np.ndarray,
    q_spk: np.ndarray,
    t_lab: np.ndarray,
    t_spk: np.ndarray,
    speaker: str,
    others: Sequence[str],
) -> dict[str, float | None]:
    """One speaker's figures from a test x template distance matrix.

    Parameters
    ----------
    D : np.ndarray [shape=(tests, templates)]
    q_lab, q_spk : np.ndarray [shape=(tests,)]
        Label and speaker of each test recording.
    t_lab, t_spk : np.ndarray [shape=(templates,)]
        Label and speaker of each template.
    speaker : str
    others : list of str
        The speakers whose templates classify this speaker's tests for the cross-speaker
        accuracy (none gives None).

    Returns
    -------
    dict with ``speaker_dependent`` and ``cross_speaker`` accuracy (0..1) and ``eer``:
    the wake-word equal error rate of this speaker, each label in turn enrolled from the
    speaker's own templates, mean over labels (0..1).
    """
    rows = q_spk == speaker
    own = t_spk == speaker
    other = np.isin(t_spk, list(others))
    Dr = D[rows]
    eers = []
    for label in np.unique(t_lab[own]):
        score = Dr[:, own & (t_lab == label)].min(axis=1)
        is_word = q_lab[rows] == label
        if is_word.any() and (~is_word).any():
            eers.append(equal_error_rate(score[is_word], score[~is_word])[0])
    return {
        "speaker_dependent": _accuracy(Dr[:, own], q_lab[rows], t_lab[own]),
        "cross_speaker": (
            _accuracy(Dr[:, other], q_lab[rows], t_lab[other]) if other.any() else None
        ),
        "eer": float(np.mean(eers)) if eers else None,
    }


def evaluate(
    folder: str | Path,
    *,
    enroll: int = 5,
    kind: str | FeatureSettings | None = None,
    stretch: float | None = None,
) -> dict[str, Any]:
    """Accuracy and wake-word error rates over a folder of labelled recordings.

    Parameters
    ----------
    folder : path
        Recordings named ``{label}_{speaker}_{index}.wav``.
    enroll : int >= 1
        Recordings with index below this are templates.
    kind : {"embedding", "mfcc", "envelope"} or FeatureSettings, optional
        Features (see :mod:`dtwcore.audio.features`); defaults to
        :func:`dtwcore.audio.default_kind`.
    stretch : float in [0, 1], optional
        Sakoe-Chiba band as a fraction of the query's frames; defaults to the feature
        kind's own setting.

    Returns
    -------
    dict, JSON-ready: counts, ``speaker_dependent`` and ``cross_speaker`` accuracy (overall
    and per speaker, 0..1; cross-speaker is None with fewer than two speakers),
    ``wake_word`` (mean and per-label equal error rate, false-reject and false-accept
    rates at the calibrated thresholds), ``per_fold`` (each speaker held out: its
    speaker-dependent and cross-speaker accuracy and wake-word EER, and their means),
    ``skipped`` (files that could not be used, left out of everything: name -> why) and
    timings in seconds. ``recordings`` counts the files used.

    Raises
    ------
    ValueError
        Bad folder or arguments, no recording that can be used, or a speaker without
        both templates and tests among the usable ones.
    """
    if isinstance(enroll, bool) or not isinstance(enroll, int) or enroll < 1:
        raise ValueError(f"--enroll must be a whole number of 1 or more, got {enroll!r}")
    settings = settings_of(default_kind() if kind is None else kind)
    if stretch is not None:
        stretch = check_stretch(stretch)
    stretch = settings.stretch if stretch is None else stretch
    found = scan_folder(folder)
    _check_speakers(found, enroll, {})  # before the slow part: the names alone tell

    t0 = time.perf_counter()
    usable, skipped = prepare_files([r.path for r in found], Path(folder), settings)
    if not usable:
        raise ValueError(
            f"no recording in {folder} can be used ({len(skipped)} left out); the first: "
            + next(iter(skipped.values()))
        )
    recordings = [r for r in found if r.path in usable]
    _check_speakers(recordings, enroll, skipped)
    feats = [usable[r.path].features for r in recordings]
    t_features = time.perf_counter() - t0

    labels = np.array([r.label for r in recordings])
    speakers = np.array([r.speaker for r in recordings])
    is_template = np.array([r.index < enroll for r in recordings])
    tmpl = np.flatnonzero(is_template)
    test = np.flatnonzero(~is_template)

    t0 = time.perf_counter()
    D = distance_matrix(
        [feats[i] for i in test],
        [feats[i] for i in tmpl],
        stretch=stretch,
        length_norm=settings.length_norm,
    )
    t_distances = time.perf_counter() - t0

    t_lab, t_spk, q_lab, q_spk = labels[tmpl], speakers[tmpl], labels[test], speakers[test]
    dependent: dict[str, float] = {}
    cross: dict[str, float] = {}
    for spk in np.unique(speakers):
        rows = q_spk == spk
        own = t_spk == spk
        dependent[str(spk)] = _accuracy(D[rows][:, own], q_lab[rows], t_lab[own])
        if (~own).any():
            cross[str(spk)] = _accuracy(D[rows][:, ~own], q_lab[rows], t_lab[~own])

    N = distance_matrix(
        list(negatives(settings.kind).features),
        [feats[i] for i in tmpl],
        stretch=stretch,
        length_norm=settings.length_norm,
    )
    wake = _wake_word(
        D / np.quantile(N, SCALE_QUANTILE, axis=0)[None, :], q_lab, q_spk, t_lab, t_spk, settings
    )
    names = [str(x) for x in np.unique(speakers)]
    folds = {
        spk: speaker_figures(D, q_lab, q_spk, t_lab, t_spk, spk, [o for o in names if o != spk])
        for spk in names
    }
    return {
        "folder": str(folder),
        "recordings": len(recordings),
        "speakers": sorted(set(speakers.tolist())),
        "labels": sorted(set(labels.tolist())),
        "enroll": enroll,
        "templates": int(tmpl.size),
        "tests": int(test.size),
        "features": settings.description,
        "feature_kind": settings.kind,
        "settings": {
            "trim_db": settings.trim_db,
            "pad_seconds": settings.pad_seconds,
            "hop_seconds": settings.hop_seconds,
            "normalise": settings.normalise,
            "length_norm": settings.length_norm,
        },
        "stretch": stretch,
        "speaker_dependent": {
            "accuracy": float(np.mean(list(dependent.values()))),
            "per_speaker": dependent,
        },
        "cross_speaker": (
            {"accuracy": float(np.mean(list(cross.values()))), "per_speaker": cross}
            if cross
            else None
        ),
        "wake_word": wake,
        "per_fold": {"folds": folds, "mean": _mean_folds(folds)},
        "skipped": skipped,
        "seconds": {"features": round(t_features, 2), "distances": round(t_distances, 2)},
    }


def _mean_folds(folds: dict[str, dict[str, float | None]]) -> dict[str, float | None]:
    """Mean of each figure over the folds that have it."""
    out: dict[str, float | None] = {}
    for key in ("speaker_dependent", "cross_speaker", "eer"):
        values = [f[key] for f in folds.values() if f[key] is not None]
        out[key] = float(np.mean(values)) if values else None
    return out


def _wake_word(
    S: np.ndarray,
    q_lab: np.ndarray,
    q_spk: np.ndarray,
    t_lab: np.ndarray,
    t_spk: np.ndarray,
    settings: FeatureSettings,
) -> dict[str, Any]:
    """Per-label equal error rate and error rates at the calibrated threshold.

    ``S`` [shape=(tests, templates)] holds scaled scores: each template's distances divided
    by a low quantile of its distances to the bundled negatives, as
    :func:`dtwcore.audio.wake.enroll` calibrates.
    """
    threshold = settings.threshold
    per_label: dict[str, dict[str, float]] = {}
    for label in np.unique(t_lab):
        genuine, impostor = [], []
        for spk in np.unique(q_spk):
            cols = np.flatnonzero((t_lab == label) & (t_spk == spk))
            rows = q_spk == spk
            score = S[rows][:, cols].min(axis=1)
            is_word = q_lab[rows] == label
            genuine.append(score[is_word])
            impostor.append(score[~is_word])
        g, i = np.concatenate(genuine), np.concatenate(impostor)
        per_label[str(label)] = {
            "eer": equal_error_rate(g, i)[0],
            "false_reject": float(np.mean(g > threshold)),
            "false_accept": float(np.mean(i <= threshold)),
        }
    summary: dict[str, Any] = {
        key: float(np.mean([v[key] for v in per_label.values()]))
        for key in ("eer", "false_reject", "false_accept")
    }
    summary["threshold"] = threshold
    summary["per_label"] = per_label
    return summary
