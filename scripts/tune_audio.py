"""Choose the speech-embedding settings by leave-one-speaker-out on a folder of recordings.

For each speaker in turn, every combination of the settings below is scored on the
*other* speakers only (mean over them of speaker-dependent error, cross-speaker error
among them, and wake-word equal error rate), the best is chosen, and the held-out
speaker's figures with that choice are reported. A setting is therefore never chosen on
the speaker it is tested on. Prints one JSON document: the grid, each fold's choice and
held-out figures, their means, and the choice made on all speakers together (the one
``dtwcore.audio.FEATURES["embedding"]`` ships).

The wake word's threshold is chosen by ``scripts/tune_wake.py`` (calibration against
other speech, cross-validated over phrases).

``--tests-below N`` scores only recordings with index below N (fewer tests, same
templates) to keep the search short on a small machine.

Usage: ``python scripts/tune_audio.py data/fsdd-dev [--enroll 5] [--tests-below 20]
> tuning.json``
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from dtwcore.audio.evaluate import scan_folder, speaker_figures
from dtwcore.audio.features import (
    FEATURES,
    distance_matrix,
    features,
    read_audio,
    trim_silence,
)

GRID = {
    "trim_db": [25.0, 40.0],
    "pad_seconds": [0.4, 0.8],
    "shifts": [1, 2],
    "normalise": ["none", "unit", "centre"],
    "stretch": [None, 0.25],
    "length_norm": ["sum", "max"],
}
"""Every combination is tried (local cost follows from normalise: squared Euclidean for
"none", cosine for "unit" and "centre")."""


def _error(fig: dict) -> float:
    """What is minimised: speaker-dependent error + cross-speaker error + EER."""
    return (1 - fig["speaker_dependent"]) + (1 - fig["cross_speaker"]) + fig["eer"]


def main(argv: list[str] | None = None) -> int:
    """Run the search and print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--enroll", type=int, default=5)
    parser.add_argument("--tests-below", type=int, default=None)
    args = parser.parse_args(argv)

    recs = scan_folder(args.folder)
    if args.tests_below is not None:
        recs = [r for r in recs if r.index < args.tests_below]
    clips = [read_audio(r.path).samples for r in recs]
    q = np.array([r.index >= args.enroll for r in recs])
    lab = np.array([r.label for r in recs])
    spk = np.array([r.speaker for r in recs])
    speakers = sorted(set(spk.tolist()))
    test, tmpl = np.flatnonzero(q), np.flatnonzero(~q)
    meta = (lab[test], spk[test], lab[tmpl], spk[tmpl])

    scores: list[tuple[dict, dict[str, dict]]] = []  # (setting, figures per held-in set)
    base = FEATURES["embedding"]
    for trim_db, pad, shifts in itertools.product(
        GRID["trim_db"], GRID["pad_seconds"], GRID["shifts"]
    ):
        sounds = []
        for y in clips:
            a, b = trim_silence(y, trim_db)
            sounds.append(y[a:b])
        for normalise, stretch in itertools.product(GRID["normalise"], GRID["stretch"]):
            settings = replace(
                base, trim_db=trim_db, pad_seconds=pad, shifts=shifts, normalise=normalise,
                stretch=stretch, length_norm="sum",
            )  # fmt: skip
            feats = [features(s, settings) for s in sounds]
            X, Y = [feats[i] for i in test], [feats[i] for i in tmpl]
            d_sum = distance_matrix(X, Y, stretch=stretch, length_norm="sum")
            nx = np.array([x.shape[0] for x in X], float)[:, None]
            ny = np.array([y.shape[0] for y in Y], float)[None, :]
            cost = d_sum**2 * (nx + ny)
            for length_norm in GRID["length_norm"]:
                D = d_sum if length_norm == "sum" else np.sqrt(cost / np.maximum(nx, ny))
                setting = {**asdict(replace(settings, length_norm=length_norm))}
                figs = {}
                for held in [None, *speakers]:
                    train = [s for s in speakers if s != held]
                    per = [
                        speaker_figures(D, *meta, s, [o for o in train if o != s]) for s in train
                    ]
                    figs[str(held)] = {
                        "train_error": float(np.mean([_error(f) for f in per])),
                        "held_out": (
                            speaker_figures(D, *meta, held, train) if held is not None else None
                        ),
                    }
                scores.append((setting, figs))
                print(
                    json.dumps({k: setting[k] for k in GRID}),
                    f"all-speakers error {figs['None']['train_error']:.4f}",
                    file=sys.stderr,
                    flush=True,
                )

    folds = {}
    for held in speakers:
        setting, figs = min(scores, key=lambda sf: sf[1][held]["train_error"])
        folds[held] = {
            "chosen": {k: setting[k] for k in GRID},
            "train_error": figs[held]["train_error"],
            "held_out": figs[held]["held_out"],
        }
    mean = {
        key: float(np.mean([f["held_out"][key] for f in folds.values()]))
        for key in ("speaker_dependent", "cross_speaker", "eer")
    }
    overall, _ = min(scores, key=lambda sf: sf[1]["None"]["train_error"])
    json.dump(
        {
            "folder": str(args.folder),
            "enroll": args.enroll,
            "tests_below": args.tests_below,
            "grid": GRID,
            "folds": folds,
            "mean_held_out": mean,
            "chosen_on_all_speakers": {k: overall[k] for k in GRID},
        },
        sys.stdout,
        indent=2,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
