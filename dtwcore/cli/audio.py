"""``python -m dtwcore audio-eval DIR``: recognition accuracy and wake-word error rates.

Prints one JSON document (see :func:`dtwcore.audio.evaluate.evaluate`) on standard output,
and a line on standard error for each file left out.
"""

from __future__ import annotations

import argparse
import json
import sys

from dtwcore.audio.features import FEATURE_KINDS, default_kind
from dtwcore.cli.options import decoder_messages_held, note_skipped, stretch_factor


def _run(args: argparse.Namespace) -> int:
    """Evaluate the folder and print the JSON report."""
    from dtwcore.audio.evaluate import evaluate

    kind = args.features or default_kind()
    with decoder_messages_held():
        report = evaluate(args.folder, enroll=args.enroll, kind=kind, stretch=args.stretch)
    note_skipped(report["skipped"])
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``audio-eval`` command."""
    parser = subparsers.add_parser(
        "audio-eval",
        help="accuracy and wake-word error rates over a folder of labelled recordings",
        description=(
            "Evaluate DTW speech matching over a folder of {label}_{speaker}_{index}.wav "
            "files: speaker-dependent and cross-speaker accuracy (nearest template) and the "
            "equal error rate of wake-word detection. Prints JSON."
        ),
    )
    parser.add_argument(
        "folder", metavar="FOLDER", help="folder of {label}_{speaker}_{index}.wav recordings"
    )
    parser.add_argument(
        "--enroll",
        type=int,
        default=5,
        help="recordings with an index below this are templates (default 5)",
    )
    parser.add_argument(
        "--features",
        choices=list(FEATURE_KINDS),
        default=None,
        help="embedding: speech embedding (the default where its runtime loads); "
        "mfcc: MFCC + deltas (the default otherwise); envelope: raw amplitude envelope",
    )
    parser.add_argument(
        "--stretch",
        type=stretch_factor,
        default=None,
        help="Sakoe-Chiba band as a fraction of the query length (default: the feature "
        "kind's own setting)",
    )
    parser.set_defaults(func=_run)
