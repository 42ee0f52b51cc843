"""Checks shared by the fuzz tests."""

from __future__ import annotations

MAX_MESSAGE = 600


def check_message(exc: BaseException) -> None:
    """A message for people: one line, not empty, not a wall of text, no Python noise."""
    text = str(exc)
    assert text.strip(), f"{type(exc).__name__} without a message"
    assert len(text) <= MAX_MESSAGE, f"message of {len(text)} characters: {text[:200]}…"
    assert "\n" not in text and "\r" not in text, f"message over several lines: {text!r}"
    assert "Traceback" not in text and "Error:" not in text, text
    assert text.isprintable(), f"control characters in the message: {text!r}"
