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
``dtwcore.audio.wake.THRESHOLDS``, scaled by the median when the folds agree on it).

Usage: ``python scripts/tune_wake.py DIR [--features embedding]``
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

import numpy as np

from dtwcore.audio.features import FEATURES, default_kind, distance_matrix, prepare, read_audio
from dtwcore.audio.negatives import negatives
from dtwcore.audio.wake_eval import scan_phrases

QUANTILES = (0.05, 0.1, 0.2, 0.3, 0.5)
THRESHOLDS = np.round(np.arange(0.5, 1.1, 0.01), 2)
FALSE_ACCEPT_WEIGHT = 5.0
SEED = 0


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


def main(argv: list[str] | None = None) -> int:
    """Run the cross-validation and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--features", default=None)
    args = parser.parse_args(argv)
    kind = args.features or default_kind()
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
