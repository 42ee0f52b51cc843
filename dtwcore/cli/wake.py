"""``python -m dtwcore wake-eval DIR``: how far a wake word can be trusted, clips and streams.

Prints one JSON document (see :func:`dtwcore.audio.wake_eval.wake_eval`) on standard output,
and a line on standard error for each file left out and each phrase with too few takes. On
a terminal, standard error also shows how far each stage has got and the time it has left
(a large folder takes minutes to hours), then the main figures in one line; ``--quiet``
turns that off.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable

from dtwcore.audio.features import ACCEPTED, FEATURE_KINDS
from dtwcore.cli.options import decoder_messages_held, note_skipped
from dtwcore.sales.results import Progress, clock, time_left

_PACE_SECONDS = 2.0
"""How long a stage runs before its pace is taken to tell the time it has left."""


class _Stages:
    """Reports each stage of the protocol on one progress line: what is being done, how
    far it has got, and, once the stage has run for :data:`_PACE_SECONDS`, the time it has
    left at its pace so far."""

    def __init__(self, progress: Progress, now: Callable[[], float] = time.monotonic) -> None:
        self.progress = progress
        self.now = now
        self.stage = ""
        self.start = now()

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = self.now()
        if stage != self.stage:
            self.stage, self.start = stage, now
        text = f"{stage}: {done:,} of {total:,}"
        if 0 < done < total and now - self.start >= _PACE_SECONDS:
            text += f", {clock(time_left(now - self.start, done / total))} left"
        self.progress.message(text)


def _run(args: argparse.Namespace) -> int:
    """Run the protocol and print the JSON report."""
    from dtwcore.audio.wake_eval import summary, wake_eval

    progress = Progress(not args.quiet and sys.stderr.isatty())
    with decoder_messages_held():
        try:
            report = wake_eval(
                args.folder,
                takes=args.enroll,
                enrolments=args.enrolments,
                stream_enrolments=args.stream_enrolments,
                seed=args.seed,
                kind=args.features,
                max_takes=args.max_takes,
                progress=_Stages(progress),
                workers=args.workers,
            )
        except BaseException:
            progress.close()
            raise
    progress.close(summary(report))
    note_skipped(report["skipped"])
    for phrase, why in report["other_speech_only"].items():
        sys.stderr.write(f"note: phrase {phrase} not enrolled: {why}\n")
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``wake-eval`` command."""
    parser = subparsers.add_parser(
        "wake-eval",
        help="wake-word true and false accepts over a folder of phrases, clips and streams",
        description=(
            "Evaluate the wake word on a folder holding one sub-folder of takes per phrase "
            f"({ACCEPTED}): random enrolments of each phrase, the phrase's other takes "
            "as positives and the other phrases' takes as negatives, as clips and as one "
            "stream. Prints JSON with mean.tar, mean.far, mean.far_at_95, mean.eer, "
            "per-phrase figures and stream.hit_rate, stream.fa_per_hour, stream.negative_hours."
        ),
    )
    parser.add_argument(
        "folder",
        metavar="DIR",
        help="one sub-folder of takes per phrase (takes may sit in folders inside it)",
    )
    parser.add_argument(
        "--enroll", type=int, default=5, help="takes enrolled per enrolment (default 5)"
    )
    parser.add_argument(
        "--enrolments", type=int, default=10, help="random enrolments per phrase (default 10)"
    )
    parser.add_argument(
        "--stream-enrolments",
        type=int,
        default=2,
        help="of those, how many also search the stream (default 2; 0 skips the stream)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--max-takes", type=int, default=None, help="at most this many takes per phrase"
    )
    parser.add_argument(
        "--features",
        choices=list(FEATURE_KINDS),
        default=None,
        help="feature kind (default: the embedding where its runtime loads, else mfcc)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes searching the stream (default: one per core; the figures are the "
        "same for any number)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    parser.set_defaults(func=_run)
