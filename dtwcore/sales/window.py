"""The comparison window: which of a file's weeks are compared with the target.

A file may cover more weeks than the target (three years of store sales against a 52-week
capacity) or far fewer (an order export of three weeks). The window says which weeks are
compared: by default the last ``T`` weeks of the file for a ``T``-week target (all of them
when the file is shorter), or any range the planner chooses, written ``FROM:TO`` (weeks
counted from 1, both included) on the page's link and on the command line (``--weeks``).

Products whose net units over the window are zero or negative (returns only, discount
lines, postage) are not products to rank: :func:`nonpositive` finds them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dtwcore.sales.errors import CatalogError

__all__ = [
    "SHORT_COVERAGE",
    "Window",
    "coverage_problem",
    "default_window",
    "nonpositive",
    "nonpositive_note",
    "parse_weeks",
]

SHORT_COVERAGE = 0.5
"""A window shorter than this share of the target's length is flagged, not ranked as if
complete."""


@dataclass(frozen=True)
class Window:
    """Weeks ``first`` to ``last`` of a file (counted from 1, both included)."""

    first: int
    last: int

    @property
    def size(self) -> int:
        """How many weeks the window holds."""
        return self.last - self.first + 1

    @property
    def columns(self) -> slice:
        """The window as a slice of the file's week columns (0-based)."""
        return slice(self.first - 1, self.last)

    def spec(self) -> str:
        """The window as the link and ``--weeks`` write it, ``FROM:TO``."""
        return f"{self.first}:{self.last}"


def default_window(n_weeks: int, target_weeks: int) -> Window:
    """The weeks that line up with a ``target_weeks``-week target: the file's last
    ``target_weeks`` weeks, or all ``n_weeks`` when the file is not longer."""
    return Window(max(1, n_weeks - target_weeks + 1), n_weeks)


def parse_weeks(text: str, n_weeks: int) -> Window:
    """``FROM:TO`` (weeks counted from 1, both included) of a file of ``n_weeks`` weeks.

    Raises
    ------
    CatalogError
        When ``text`` is not two whole numbers with ``1 <= FROM <= TO <= n_weeks``; the
        message says what is allowed.
    """
    first, sep, last = str(text).strip().partition(":")
    if sep and first.strip().isdigit() and last.strip().isdigit():
        window = Window(int(first), int(last))
        if 1 <= window.first <= window.last <= n_weeks:
            return window
    raise CatalogError(
        f"weeks {text!r} is not a range FROM:TO of the file's weeks (1 to {n_weeks:,}, "
        "FROM not after TO), e.g. 1:52"
    )


def coverage_problem(window_weeks: int, target_weeks: int) -> str | None:
    """Why a ranking over ``window_weeks`` weeks against a ``target_weeks``-week target
    means little (the window covers under :data:`SHORT_COVERAGE` of the target), or None."""
    if window_weeks >= SHORT_COVERAGE * target_weeks:
        return None
    return (
        f"The products cover {window_weeks:,} week{'s' if window_weeks != 1 else ''} and the "
        f"target has {target_weeks:,}: under half of the target is matched, so the ranking "
        "says little about following the target. Use a target as long as the file, or a "
        "file with more weeks."
    )


def nonpositive(values: np.ndarray) -> np.ndarray:
    """Rows [shape=(K,), int] of ``values`` [shape=(N, W)] whose net units (sum over the
    weeks) are 0 or less: returns only, discount or postage lines, nothing sold."""
    return np.flatnonzero(np.asarray(values, dtype=np.float64).sum(axis=1) <= 0)


def nonpositive_note(products: list[str], window: Window | None, shown: int = 10) -> str:
    """Products left out for selling nothing net over ``window``, in one sentence."""
    n = len(products)
    listed = ", ".join(products[:shown]) + (f" and {n - shown:,} more" if n > shown else "")
    where = f" over weeks {window.spec()}" if window is not None else ""
    return (
        f"{n:,} product{'s' if n != 1 else ''} with net units of 0 or less{where} "
        f"(returns only, discounts, postage) left out of the ranking: {listed}"
    )
