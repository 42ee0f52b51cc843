"""Command line: ``python -m dtwcore COMMAND …``.

Each command lives in its own module exposing ``register(subparsers)``, which adds an
``argparse`` sub-parser whose ``func`` attribute runs the command and returns an exit code.
Errors meant for people (``ValueError`` and its subclasses, ``OSError``) end the process
with exit code 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Modules that each register one or more commands, imported in this order.
COMMAND_MODULES: tuple[str, ...] = ("dtwcore.cli_score", "dtwcore.cli_sweep", "dtwcore.cli_audio")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every registered command."""
    parser = _Parser(prog="python -m dtwcore", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, OSError) as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        sys.stderr.write(f"error: {message}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        return 130
