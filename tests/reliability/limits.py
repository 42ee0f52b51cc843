"""A watchdog for fuzzed calls: a call that takes too long fails the test as a hang."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Hang(AssertionError):
    """A call did not finish within its time limit."""


@contextmanager
def no_hang(seconds: float, what: str = "the call") -> Iterator[None]:
    """Fail with :class:`Hang` when the body runs longer than ``seconds``.

    Uses SIGALRM, so it only guards the main thread (where pytest runs tests); elsewhere
    it does nothing. Generous limits: the machine is shared, a hang is minutes not seconds.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _alarm(signum: int, frame: object) -> None:
        raise Hang(f"{what} did not finish within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
