"""How well the stream check's 10 ms score alone tells one fsdd-dev digit from another.

Takes 0-24 of ``data/fsdd-dev`` (the tune protocol's digit takes), ``--per`` of them per
speaker and digit; ``--enrolments`` random 5-take enrolments per digit. A take's score is
the mean of its ``CHECK_TEMPLATES`` smallest distances on 10 ms embedding frames to the
enrolled takes (each enrolled take's frames weighted by
:func:`dtwcore.audio.wake.frame_weights`; ``--unweighted``: all frames alike), each
divided by that take's scale (the 20 % quantile of its distances to the bundled
negatives), as :meth:`dtwcore.audio.wake.WakeWord.check_scores` computes it.
Prints the share of the other digits' takes accepted at the threshold that accepts 95 %
(and 90 %) of the digit's own other takes, and the equal error rate
(:func:`dtwcore.audio.wake.equal_error_rate`).

Usage: ``python scripts/digit_separation.py [--per 8] [--enrolments 6] [--seed 0] [--unweighted]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from dtwcore.audio.features import FEATURES, distance_matrix, features, prepare, read_audio
from dtwcore.audio.negatives import negatives
from dtwcore.audio.wake import (
    CHECK_TEMPLATES,
    SCALE_QUANTILE,
    _check_settings,
    equal_error_rate,
    frame_weights,
)

FSDD = Path(__file__).resolve().parents[1] / "data" / "fsdd-dev"
SPEAKERS = ("george", "jackson", "lucas")


def main(argv: list[str] | None = None) -> int:
    """Print the separation figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per", type=int, default=8, help="takes per speaker and digit")
    parser.add_argument("--enrolments", type=int, default=6, help="enrolments per digit")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--unweighted", action="store_true", help="all frames count alike")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    files, labels = [], []
    for digit in range(10):
        for who in SPEAKERS:
            for k in rng.choice(25, args.per, replace=False):
                files.append(FSDD / f"{digit}_{who}_{k}.wav")
                labels.append(digit)
    lab = np.array(labels)
    fine, _ = _check_settings(FEATURES["embedding"])
    frames = [features(prepare(read_audio(f), "embedding").sound, fine) for f in files]
    weights = [np.ones(len(f)) if args.unweighted else frame_weights(f, fine) for f in frames]
    opts = {"stretch": fine.stretch, "length_norm": fine.length_norm, "weights": weights}
    D = distance_matrix(frames, frames, **opts)  # D[a, b]: take a against enrolled take b
    scale = np.quantile(
        distance_matrix(list(negatives(fine).features), frames, **opts), SCALE_QUANTILE, axis=0
    )
    own, other = [], []
    for digit in range(10):
        for _ in range(args.enrolments):
            E = rng.choice(np.flatnonzero(lab == digit), 5, replace=False)
            score = np.sort(D[:, E] / scale[E], axis=1)[:, :CHECK_TEMPLATES].mean(axis=1)
            own.append(score[np.setdiff1d(np.flatnonzero(lab == digit), E)])
            other.append(score[lab != digit])
    pos, neg = np.concatenate(own), np.concatenate(other)
    eer, _ = equal_error_rate(pos, neg)
    for share in (0.95, 0.90):
        t = np.quantile(pos, share)
        print(f"other digits accepted at {share:.0%} of own: {100 * np.mean(neg <= t):.2f} %")
    print(f"equal error rate: {100 * eer:.2f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
