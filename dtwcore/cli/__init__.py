"""Command line: ``python -m dtwcore COMMAND …``.

Each command lives in its own module exposing ``register(subparsers)``, which adds an
``argparse`` sub-parser whose ``func`` attribute runs the command and returns an exit code.
Only the module of the command being run is imported, so ``score`` never pays for MLflow
or librosa; ``--help`` imports them all.
Errors meant for people (``ValueError`` and its subclasses, ``OSError``) end the process
with exit code 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# Command name -> the module that registers it.
COMMANDS: dict[str, str] = {
    "score": "dtwcore.cli.score",
    "sweep": "dtwcore.cli.sweep",
    "audio-eval": "dtwcore.cli.audio",
    "wake-eval": "dtwcore.cli.wake",
    "shapes": "dtwcore.cli.shapes",
    "analogues-backtest": "dtwcore.cli.analogues",
    "mix": "dtwcore.cli.mix",
}


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with ``command`` registered, or every command when it is not known."""
    parser = _Parser(
        prog="python -m dtwcore",
        description="Exact dynamic time warping from the command line. Each command is "
        "listed below with what it does.",
        epilog="Run 'python -m dtwcore COMMAND --help' for the options of a command.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    modules = [COMMANDS[command]] if command in COMMANDS else COMMANDS.values()
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    # Idle OpenMP workers sleep instead of spinning: between two parallel kernels a command
    # reads and ranks on one thread, and a spinning worker would take the other core from
    # Arrow's decoding (and from any other process). Read when the kernels start their
    # threads, so this must come first; an explicit setting wins.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    # Arrow's jemalloc pool returns the memory of each decoded batch steadily; its default
    # pool (mimalloc) held on to a varying share of it, so the peak of the same run moved
    # by 50 MB from one run to the next. Read when Arrow first allocates; an explicit
    # setting wins.
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv[0] if argv else None).parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, OSError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        sys.stderr.write(f"error: {message}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        return 130
