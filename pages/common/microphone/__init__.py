"""The browser's microphone, streamed to a page in numbered chunks.

A custom component with no build step: ``frontend/index.html`` with plain JavaScript
that speaks Streamlit's component messages itself. "Start listening" asks the browser for
the microphone (sound only) and captures it (an AudioWorklet, or a ScriptProcessorNode
where there is none), filters and downsamples it to :data:`SAMPLE_RATE` mono, and cuts
it into chunks of :data:`CHUNK_SECONDS`. Each chunk sets the component's value to every
chunk the page has not acknowledged yet (Streamlit keeps only a widget's latest value,
so a chunk that arrives while the page is busy would otherwise be lost): the page reads
them with :func:`received` and acknowledges them in the next :func:`microphone` call.
The sound goes from the browser to this app's server and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st
import streamlit.components.v1 as components

from dtwcore.audio.features import SAMPLE_RATE
from dtwcore.audio.listen import decode_pcm16

CHUNK_SECONDS = 0.5
"""Length of one chunk (seconds)."""
MAX_SECONDS = 30.0
"""Unacknowledged sound the browser keeps (seconds); older chunks are dropped."""

_component = components.declare_component("microphone", path=Path(__file__).parent / "frontend")


@dataclass(frozen=True)
class Chunks:
    """What the browser sent: chunks ``first`` to ``last`` of one listening session."""

    session: str
    """Changes each time Start listening is pressed."""
    first: int
    last: int
    samples: np.ndarray
    """The chunks one after another: mono float samples at ``rate`` Hz."""
    rate: int
    listening: bool
    """False once Stop listening was pressed."""


def chunks(value: object) -> Chunks:
    """The component's value, checked.

    Raises
    ------
    ValueError
        With a message for people when the value is not what the component sends.
    """
    fields = ("session", "first", "seq", "sample_rate", "pcm", "listening")
    if not isinstance(value, dict) or set(value) != set(fields):
        raise ValueError("The browser sent something other than microphone sound.")
    session, first, last, rate, pcm, listening = (value[f] for f in fields)
    labels_ok = (
        isinstance(session, str)
        and 0 < len(session) <= 64
        and all(type(n) is int for n in (first, last, rate))
        and 8_000 <= rate <= 192_000
        and isinstance(listening, bool)
        and isinstance(pcm, str)
    )
    if not labels_ok:
        raise ValueError("The browser sent the microphone's sound with wrong labels.")
    most_bytes = 2 * rate * (MAX_SECONDS + CHUNK_SECONDS)  # 16-bit samples
    if len(pcm) > 4 * (most_bytes / 3 + 1):  # base64: 4 characters per 3 bytes
        raise ValueError("The browser sent more microphone sound at once than expected.")
    try:
        samples = decode_pcm16(pcm)
    except ValueError as exc:
        raise ValueError(f"The browser's microphone sound could not be read: {exc}.") from exc
    count = last - first + 1
    if first < 1 or count < 0 or (samples.size % count if count else samples.size):
        raise ValueError("The browser sent microphone chunks that do not fit together.")
    return Chunks(session, first, last, samples, rate, listening)


def received(key: str) -> Chunks | None:
    """The latest value of the component with ``key``, if it has sent one (raises
    ValueError, see :func:`chunks`)."""
    value = st.session_state.get(key)
    return None if value is None else chunks(value)


def microphone(key: str, ack: tuple[str, int] | None) -> None:
    """Show the Start / Stop listening buttons.

    Parameters
    ----------
    key : str
        The widget key; :func:`received` reads the sound with it.
    ack : (session, number) or None
        The last chunk the page has taken, so the browser stops sending it.
    """
    _component(
        key=key,
        default=None,
        sample_rate=SAMPLE_RATE,
        chunk_seconds=CHUNK_SECONDS,
        max_seconds=MAX_SECONDS,
        ack=None if ack is None else {"session": ack[0], "seq": ack[1]},
    )
