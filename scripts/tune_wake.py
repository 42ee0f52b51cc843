"""Choose the wake word's calibration rule by cross-validation over phrases.

The rule: each template's distances are divided by a quantile q of its distances to the
bundled negatives (``assets/audio/negatives.flac``), a clip's score is the smallest over
the templates, and a clip matches at or under a threshold t. For a protocol folder (one
sub-folder of takes per phrase, as ``python -m dtwcore wake-eval`` reads it;
``scripts/make_wake_data.py --protocol DIR`` makes one), 10 random 5-take enrolments per
phrase are drawn; the phrases are split into two halves (alternate names), and each half
chooses (q, t) minimising missed takes + 5 x false accepts on its own enrolments, which
is then scored on the other half. Prints JSON: each fold's choice with its figures on
both halves, and the choice of all phrases together (what ships in
the kind's ``threshold`` in ``dtwcore.audio.FEATURES``).

With ``--streams``, the stream rule instead (what Find and Listen hold a span of a longer
recording to): as ``wake-eval DIR --max-takes 16 --enrolments 4 --stream-enrolments 4
--seed 1`` does, all takes are strung into one stream and searched for each enrolment; every
candidate span is kept with its scores against each template, and those under the gate
with their second check's scores on finer detail (:func:`dtwcore.audio.wake.candidate_chunks`,
:meth:`dtwcore.audio.wake.WakeWord.check_scores`). A rule (m, m_mfcc, w, t) scores a
checked span with :func:`dtwcore.audio.wake.checked_score` (the mean of its m smallest
scaled scores on 10 ms embedding frames, m = 2 to 5, plus w times the mean of its m_mfcc
smallest MFCC scores, m_mfcc = 1 or 3, w = 0 to 0.5, over 1 + w) and accepts it at or under
t + b x (the mean of the enrolled takes played backwards, scored the same way, - 1),
b = 0 to 0.75 (:attr:`dtwcore.audio.wake.WakeWord.stream_threshold`); for each half of the
phrases, the rule with the fewest false accepts per hour among those detecting at least
95 % of the half's takes is chosen and scored on the other half. The choice of all phrases
is ``dtwcore.audio.wake.CHECK_TEMPLATES``, ``CHECK_MFCC_TEMPLATES``, ``CHECK_WEIGHT``,
``BACKWARDS_WEIGHT`` and the kind's ``stream_threshold`` in ``dtwcore.audio.FEATURES``.
The best rule without the backwards term (b = 0), the coarse rule alone (3 templates on
40 ms frames at 0.75, what shipped before the second check) and the clip rule are scored
for comparison.

``--enrolments N`` draws N stream enrolments per phrase instead of 4 (more false accepts
to choose from, a less lucky choice); ``--cache FILE`` keeps the searches in FILE (JSON,
numbers exact) and reads them back on the next run, so other rules can be scored on the
same candidates.

Usage: ``python scripts/tune_wake.py DIR [--features embedding] [--streams [--enrolments N]
[--cache FILE]]``
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path

import numpy as np

from dtwcore.audio.features import (
    FEATURES,
    SAMPLE_RATE,
    default_kind,
    distance_matrix,
    prepare,
    read_audio,
)
from dtwcore.audio.negatives import negatives
from dtwcore.audio.wake import (
    Occurrence,
    backwards_shift,
    candidate_chunks,
    checked_score,
    enroll,
    stream_score,
)
from dtwcore.audio.wake_eval import GAP_SECONDS, overlapped, scan_phrases, takes_stream

QUANTILES = (0.05, 0.1, 0.2, 0.3, 0.5)
THRESHOLDS = np.round(np.arange(0.5, 1.1, 0.01), 2)
FALSE_ACCEPT_WEIGHT = 5.0
SEED = 0
STREAM_MEANS = (2, 3, 4, 5)
STREAM_MFCC_MEANS = (1, 3)
STREAM_WEIGHTS = (0.0, 0.125, 0.25, 0.5)
BACKWARDS_WEIGHTS = (0.0, 0.25, 0.5, 0.75)
STREAM_THRESHOLDS = np.round(np.arange(0.6, 0.9, 0.01), 2)
COARSE_RULE = (3, 0.75)
"""The stream rule before the second check: 3 templates on 40 ms frames, at 0.75."""
STREAM_DETECTED = 0.95
STREAM_TAKES, STREAM_ENROLMENTS, STREAM_SEED = 16, 4, 1


def figures(
    D: np.ndarray,
    N: np.ndarray,
    lab: np.ndarray,
    draws: Sequence[tuple[str, np.ndarray]],
    phrases: Sequence[str],
    q: float,
) -> np.ndarray:
    """Mean true and false accepts at every threshold [shape=(len(THRESHOLDS), 2)]."""
    out = []
    for p, E in draws:
        if p not in phrases:
            continue
        score = (D[:, E] / np.quantile(N[:, E], q, axis=0)[None, :]).min(axis=1)
        pos = score[np.setdiff1d(np.flatnonzero(lab == p), E)]
        neg = score[lab != p]
        out.append([[np.mean(pos <= t), np.mean(neg <= t)] for t in THRESHOLDS])
    return np.mean(out, axis=0)


def choose(table: dict[float, np.ndarray]) -> tuple[float, int]:
    """The (quantile, threshold index) with the fewest misses + weighted false accepts."""
    return min(
        ((q, i) for q in table for i in range(len(THRESHOLDS))),
        key=lambda c: (1 - table[c[0]][c[1], 0]) + FALSE_ACCEPT_WEIGHT * table[c[0]][c[1], 1],
    )


def stream_searches(
    folder: str, kind: str, enrolments: int = STREAM_ENROLMENTS
) -> list[dict[str, object]]:
    """Every enrolment's stream search: its phrase, takes, candidate spans per chunk, and
    its takes played backwards (:attr:`dtwcore.audio.wake.WakeWord.backwards_fine`,
    ``backwards_mfcc``)."""
    rng = np.random.default_rng(STREAM_SEED)  # drawn as wake-eval draws them
    utts, labels = [], []
    for phrase, files in scan_phrases(folder).items():
        picked = range(len(files))
        if len(files) > STREAM_TAKES:
            picked = sorted(rng.choice(len(files), STREAM_TAKES, replace=False))
        for i in picked:
            utts.append(prepare(read_audio(files[i]), kind))
            labels.append(phrase)
    lab = np.array(labels)
    names = list(dict.fromkeys(labels))
    draws = {
        p: [rng.choice(np.flatnonzero(lab == p), 5, replace=False) for _ in range(enrolments)]
        for p in names
    }
    samples, spans = takes_stream(utts)
    total = samples.shape[0] / SAMPLE_RATE
    out = []
    for p, es in draws.items():
        mine = np.flatnonzero(lab == p)
        own = float(np.sum(spans[mine, 1] - spans[mine, 0])) + GAP_SECONDS * mine.size
        for E in es:
            wake = enroll(
                [utts[i].features for i in E], kind=kind, sounds=[utts[i].sound for i in E]
            )
            out.append(
                {
                    "phrase": p,
                    "enrolled": E,
                    "mine": mine,
                    "rest": np.setdiff1d(mine, E),
                    "chunks": list(candidate_chunks(wake, samples)),
                    "backwards_fine": wake.backwards_fine,
                    "backwards_mfcc": wake.backwards_mfcc,
                    "hours": (total - own) / 3600,
                    "spans": spans,
                }
            )
    return out


def _plain(value: object) -> object:
    """What JSON cannot hold, as what it can: arrays as lists, occurrences as dicts."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Occurrence):
        return {f.name: getattr(value, f.name) for f in fields(Occurrence)}
    raise TypeError(f"cannot keep {type(value).__name__} in the cache")


def _arrays(record: dict[str, object]) -> dict[str, object]:
    """A record read back from JSON with its lists as arrays."""
    return {k: np.asarray(v) if isinstance(v, list) else v for k, v in record.items()}


def save_searches(searches: Sequence[dict], path: str) -> None:
    """Write :func:`stream_searches` to ``path`` as JSON (floats written exactly)."""
    Path(path).write_text(json.dumps(list(searches), default=_plain))


def load_searches(path: str) -> list[dict[str, object]]:
    """Read what :func:`save_searches` wrote: the same searches, arrays and occurrences."""
    out = []
    for record in json.loads(Path(path).read_text()):
        chunks = [[Occurrence(**_arrays(o)) for o in chunk] for chunk in record.pop("chunks")]
        out.append({**_arrays(record), "chunks": chunks})
    return out


Rule = tuple[int, int, float, float]
"""A checked span's score and threshold shift: (templates, MFCC templates, MFCC weight) of
:func:`checked_score`, and the backwards weight b."""


def _found(search: dict) -> list[Occurrence]:
    """A search's candidates in stream order, its chunks one after another."""
    return [o for chunk in search["chunks"] for o in chunk]


def flat_candidates(searches: Sequence[dict]) -> list[dict[str, object]]:
    """Every search's candidates in stream order, as arrays: start, end (seconds), the
    chunk it was found in, whether it overlaps only other phrases' takes (``false``), and
    the takes it overlaps."""
    out = []
    for s in searches:
        spans, found = s["spans"], _found(s)
        chunk = [k for k, c in enumerate(s["chunks"]) for _ in c]
        over = [overlapped(spans, o.start_seconds, o.end_seconds) for o in found]
        out.append(
            {
                "start": np.array([o.start_seconds for o in found]),
                "end": np.array([o.end_seconds for o in found]),
                "chunk": np.array(chunk, dtype=int),
                "false": np.array([not np.isin(v, s["mine"]).any() for v in over], dtype=bool),
                "over": over,
            }
        )
    return out


def rule_scores(searches: Sequence[dict], rule: Rule | None) -> list[np.ndarray]:
    """Every candidate's stream score under a rule, minus its search's threshold shift, per
    search in stream order (as :func:`flat_candidates`).

    ``rule=None`` scores the coarse rule alone: the mean of the span's
    ``COARSE_RULE[0]`` smallest scaled scores on 40 ms frames, every span, unshifted. A rule
    scores a checked span with :func:`checked_score`; a span not checked keeps its coarse
    score (above the gate, so above every threshold tried). The shift is b x (the mean of
    the search's backwards takes under the same score - 1).
    """
    out = []
    for s in searches:
        found = _found(s)
        if rule is None:
            out.append(np.array([float(stream_score(o.scores, COARSE_RULE[0])) for o in found]))
            continue
        m, m_mfcc, w, b = rule
        opts = {"templates": m, "mfcc_templates": m_mfcc, "weight": w}
        backwards = checked_score(s["backwards_fine"], s["backwards_mfcc"], **opts)
        shift = backwards_shift(backwards, b)
        out.append(
            np.array(
                [
                    float(checked_score(o.fine_scores, o.mfcc_scores, **opts))
                    if o.fine_scores.size
                    else o.distance
                    for o in found
                ]
            )
            - shift
        )
    return out


def stream_figures(
    searches: Sequence[dict],
    flat: Sequence[dict],
    phrases: Sequence[str],
    scores: Sequence[np.ndarray],
    t: float,
) -> tuple[float, float]:
    """Share of takes detected and false accepts per hour at threshold t, as Find finds.

    ``flat`` is :func:`flat_candidates`; ``scores`` every candidate's shifted stream score
    per search (:func:`rule_scores`). As :func:`dtwcore.audio.wake.occurrences` keeps
    them: an accepted candidate is kept unless it starts before the end of one of the
    last three kept in earlier chunks."""
    hits = positives = false = 0
    hours = 0.0
    for s, f, score in zip(searches, flat, scores, strict=True):
        if s["phrase"] not in phrases:
            continue
        detected = np.zeros(s["spans"].shape[0], dtype=bool)
        ends: list[float] = []  # of the kept candidates
        before: list[float] = []  # the last three of them before this chunk
        chunk = -1
        for i in np.flatnonzero(score <= t):
            if f["chunk"][i] != chunk:
                before, chunk = ends[-3:], f["chunk"][i]
            if all(f["start"][i] >= e for e in before):
                ends.append(f["end"][i])
                detected[f["over"][i]] = True
                false += int(f["false"][i])
        hits += int(detected[s["rest"]].sum())
        positives += s["rest"].size
        hours += s["hours"]
    return hits / positives, false / hours


def _named(figures: tuple[float, float]) -> dict[str, float]:
    return {"detected": figures[0], "fa_per_hour": figures[1]}


def choose_stream(
    searches: Sequence[dict],
    flat: Sequence[dict],
    phrases: Sequence[str],
    table: dict[Rule, list[np.ndarray]],
) -> tuple[Rule, float]:
    """The rule and threshold with the fewest false accepts per hour detecting >= 95 %."""
    rows = [
        (rule, float(t), *stream_figures(searches, flat, phrases, scores, float(t)))
        for rule, scores in table.items()
        for t in STREAM_THRESHOLDS
    ]
    rule, t, _, _ = min((r for r in rows if r[2] >= STREAM_DETECTED), key=lambda r: (r[3], -r[2]))
    return rule, t


def _rule(rule: Rule, t: float) -> dict[str, float]:
    return {
        "templates": rule[0],
        "mfcc_templates": rule[1],
        "mfcc_weight": rule[2],
        "backwards_weight": rule[3],
        "t": t,
    }


def tune_streams(
    folder: str, kind: str, enrolments: int = STREAM_ENROLMENTS, cache: str | None = None
) -> dict[str, object]:
    """The stream rule's cross-validation over phrases (see the module docstring).

    With ``cache``, the searches (the slow part) are read from that file when it exists
    and written to it otherwise, so other rules can be scored on the same candidates.
    """
    if cache is not None and Path(cache).exists():
        searches = load_searches(cache)
    else:
        searches = stream_searches(folder, kind, enrolments)
        if cache is not None:
            save_searches(searches, cache)
    names = list(dict.fromkeys(s["phrase"] for s in searches))
    halves = [names[0::2], names[1::2]]
    flat = flat_candidates(searches)
    table = {
        (m, m_mfcc, w, b): rule_scores(searches, (m, m_mfcc, w, b))
        for m in STREAM_MEANS
        for m_mfcc in STREAM_MFCC_MEANS
        for w in STREAM_WEIGHTS
        for b in BACKWARDS_WEIGHTS
    }
    report: dict[str, object] = {"kind": kind, "streams": True, "folds": []}
    for k in range(2):
        fit, test = halves[k], halves[1 - k]
        rule, t = choose_stream(searches, flat, fit, table)
        report["folds"].append(  # type: ignore[union-attr]
            {
                "chosen_on": fit,
                "rule": _rule(rule, t),
                "fit": _named(stream_figures(searches, flat, fit, table[rule], t)),
                "held_out": _named(stream_figures(searches, flat, test, table[rule], t)),
            }
        )
    rule, t = choose_stream(searches, flat, names, table)
    unshifted = {r: v for r, v in table.items() if r[3] == 0.0}
    rule0, t0 = choose_stream(searches, flat, names, unshifted)
    coarse = rule_scores(searches, None)
    clip = [np.array([o.scores.min() for o in _found(s)]) for s in searches]
    threshold = FEATURES[kind].threshold
    report["all"] = {
        "rule": _rule(rule, t),
        **_named(stream_figures(searches, flat, names, table[rule], t)),
        "without_backwards": {
            "rule": _rule(rule0, t0),
            **_named(stream_figures(searches, flat, names, table[rule0], t0)),
        },
        "coarse_rule": _named(stream_figures(searches, flat, names, coarse, COARSE_RULE[1])),
        "clip_rule": _named(stream_figures(searches, flat, names, clip, threshold)),
    }
    return report


def main(argv: list[str] | None = None) -> int:
    """Run the cross-validation and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--features", default=None)
    parser.add_argument("--streams", action="store_true", help="choose the stream rule")
    parser.add_argument(
        "--enrolments", type=int, default=STREAM_ENROLMENTS, help="stream enrolments per phrase"
    )
    parser.add_argument("--cache", default=None, help="file to keep the stream searches in")
    args = parser.parse_args(argv)
    kind = args.features or default_kind()
    if args.streams:
        report = tune_streams(args.folder, kind, args.enrolments, args.cache)
        print(json.dumps(report, indent=2, default=float))
        return 0
    phrases = scan_phrases(args.folder)
    files = [f for fs in phrases.values() for f in fs]
    lab = np.array([p for p, fs in phrases.items() for _ in fs])
    utts = [prepare(read_audio(f), kind) for f in files]
    feats = [u.features for u in utts]
    settings = FEATURES[kind]
    opts = {"stretch": settings.stretch, "length_norm": settings.length_norm}
    D = distance_matrix(feats, **opts)
    N = distance_matrix(list(negatives(kind).features), feats, **opts)
    rng = np.random.default_rng(SEED)
    names = list(phrases)
    draws = [
        (p, rng.choice(np.flatnonzero(lab == p), 5, replace=False))
        for p in names
        for _ in range(10)
    ]
    halves = [names[0::2], names[1::2]]
    report: dict[str, object] = {"kind": kind, "folds": []}
    for k in range(2):
        fit, test = halves[k], halves[1 - k]
        table = {q: figures(D, N, lab, draws, fit, q) for q in QUANTILES}
        q, i = choose(table)
        held = figures(D, N, lab, draws, test, q)[i]
        report["folds"].append(  # type: ignore[union-attr]
            {
                "chosen_on": fit,
                "quantile": q,
                "threshold": float(THRESHOLDS[i]),
                "fit": {"tar": table[q][i, 0], "far": table[q][i, 1]},
                "held_out": {"tar": held[0], "far": held[1]},
            }
        )
    table = {q: figures(D, N, lab, draws, names, q) for q in QUANTILES}
    q, i = choose(table)
    report["all"] = {
        "quantile": q,
        "threshold": float(THRESHOLDS[i]),
        "tar": table[q][i, 0],
        "far": table[q][i, 1],
    }
    print(json.dumps(report, indent=2, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
