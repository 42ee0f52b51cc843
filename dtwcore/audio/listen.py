"""Listening continuously: feed audio as it arrives, get wake-word detections as they happen.

A :class:`Listener` keeps the last few seconds of what it was fed, rescores them every
:data:`STEP_SECONDS` with :func:`dtwcore.audio.wake.score_trace`, appends the new part of
the score trace, and searches them as Find does (:func:`dtwcore.audio.wake.occurrences`:
candidate spans scored as clips against the calibrated stream threshold); each occurrence is
reported once, with a cooldown, so one utterance fires once. Times are seconds
since the first sample fed. A browser's microphone arrives as numbered chunks of
base64 16-bit PCM: :func:`decode_pcm16` reads one, :meth:`Listener.receive` takes each
chunk once.
"""

from __future__ import annotations

import base64
import binascii

import librosa
import numpy as np

from dtwcore.audio.features import SAMPLE_RATE
from dtwcore.audio.wake import Trace, WakeWord, occurrences, score_trace

__all__ = [
    "COOLDOWN_SECONDS",
    "SOUND_LEVEL",
    "STEP_SECONDS",
    "TRACE_SECONDS",
    "WINDOW_SECONDS",
    "Listener",
    "decode_pcm16",
]

STEP_SECONDS = 0.25
"""How much new audio triggers a rescoring (seconds)."""
WINDOW_SECONDS = 3.0
"""How much recent audio each rescoring sees (seconds); longer than any wake word."""
COOLDOWN_SECONDS = 1.5
"""No second detection within this many seconds of one (one utterance fires once)."""
SOUND_LEVEL = 0.03
"""A sample louder than this (about -30 dBFS) marks the first sound heard."""
TRACE_SECONDS = 60.0
"""How much of the score trace a listener keeps (seconds): it listens for as long as the
page is open, so older scores are let go (detections are all kept)."""


def decode_pcm16(text: str) -> np.ndarray:
    """Base64 text of little-endian 16-bit PCM as mono float samples in [-1, 1].

    Parameters
    ----------
    text : str
        What a browser sends: ``base64`` of the samples' bytes, two per sample.

    Returns
    -------
    np.ndarray [shape=(n,), float32]

    Raises
    ------
    ValueError
        When ``text`` is not base64 or does not hold whole 16-bit samples.
    """
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("the sound is not base64 text") from exc
    if len(raw) % 2:
        raise ValueError("the sound does not hold whole 16-bit samples")
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0


class Listener:
    """Wake-word detection over a live stream.

    Parameters
    ----------
    wake : WakeWord
    threshold : float, optional
        Defaults to the wake word's calibrated stream threshold
        (:attr:`dtwcore.audio.wake.WakeWord.stream_threshold`).
    cooldown : float
        Seconds (see :data:`COOLDOWN_SECONDS`).
    keep_seconds : float
        The last this many seconds of the score trace are kept (see :data:`TRACE_SECONDS`).
    """

    def __init__(
        self,
        wake: WakeWord,
        threshold: float | None = None,
        cooldown: float = COOLDOWN_SECONDS,
        keep_seconds: float = TRACE_SECONDS,
    ) -> None:
        self.wake = wake
        self.threshold = wake.stream_threshold if threshold is None else float(threshold)
        self.cooldown = float(cooldown)
        self.keep_seconds = float(keep_seconds)
        self._buffer = np.zeros(0, dtype=np.float32)
        self._fed = 0  # samples at SAMPLE_RATE fed so far
        self._scored = 0  # samples fed when last scored
        self._times: list[np.ndarray] = []
        self._distances: list[np.ndarray] = []
        self._last = -np.inf
        self._heard: list[tuple[float, float]] = []
        self.first_sound: float | None = None
        """When the first sample above :data:`SOUND_LEVEL` arrived (seconds), if yet."""
        self.received = 0
        """The number of the last chunk :meth:`receive` took (0: none yet)."""

    @property
    def seconds(self) -> float:
        """Audio fed so far (seconds)."""
        return self._fed / SAMPLE_RATE

    def feed(self, samples: np.ndarray, rate: int) -> bool:
        """Add audio; rescore when :data:`STEP_SECONDS` of it have arrived.

        Parameters
        ----------
        samples : np.ndarray [shape=(n,)]
            Mono samples in [-1, 1] at ``rate`` Hz.
        rate : int

        Returns
        -------
        bool
            Whether the trace was extended (detections may have changed).
        """
        y = np.asarray(samples, dtype=np.float32).ravel()
        if rate != SAMPLE_RATE:
            y = librosa.resample(y, orig_sr=rate, target_sr=SAMPLE_RATE, res_type="soxr_hq")
        keep = round(WINDOW_SECONDS * SAMPLE_RATE)
        self._buffer = np.concatenate([self._buffer, y.astype(np.float32)])[-keep:]
        if self.first_sound is None:
            loud = np.flatnonzero(np.abs(y) > SOUND_LEVEL)
            if loud.size:
                self.first_sound = (self._fed + int(loud[0])) / SAMPLE_RATE
        self._fed += y.shape[0]
        if self._fed - self._scored < STEP_SECONDS * SAMPLE_RATE:
            return False
        self._scored = self._fed
        start = (self._fed - self._buffer.shape[0]) / SAMPLE_RATE
        trace = score_trace(self.wake, self._buffer, chunk_seconds=WINDOW_SECONDS)
        times = trace.times + start
        new = times > self._last
        if new.any():
            self._times.append(times[new])
            self._distances.append(trace.distances[new])
            self._last = float(times[new].max())
            while self._times[0][-1] < self._last - self.keep_seconds:
                del self._times[0], self._distances[0]
        for o in occurrences(self.wake, self._buffer, self.threshold, chunk_seconds=WINDOW_SECONDS):
            end = start + o.end_seconds
            if not self._heard or end - self._heard[-1][0] >= self.cooldown:
                self._heard.append((end, o.distance))
        return True

    def receive(self, first: int, last: int, samples: np.ndarray, rate: int) -> bool:
        """Add chunks ``first`` to ``last`` of a numbered stream, each chunk once.

        A sender that numbers its chunks from 1, all of one length, may send a chunk
        again until it learns (from :attr:`received`) that it arrived: chunks already
        taken are skipped. Chunks it had to drop before ``first`` are a gap: the clock
        moves on by their length (times stay those of the stream) and nothing before the
        gap is scored with what follows it. The audio is fed :data:`STEP_SECONDS` at a
        time, so a late batch is scored as often as audio that arrives on time.

        Parameters
        ----------
        first, last : int
            Numbers of the first and last chunk in ``samples`` (``1 <= first <= last``).
        samples : np.ndarray [shape=(n,)]
            The chunks one after another: mono samples in [-1, 1] at ``rate`` Hz, ``n``
            a multiple of ``last - first + 1``.
        rate : int

        Returns
        -------
        bool
            Whether anything new was fed.

        Raises
        ------
        ValueError
            When the numbers or the length do not fit together.
        """
        count = last - first + 1
        y = np.asarray(samples, dtype=np.float32).ravel()
        if first < 1 or count < 1 or y.size % count:
            raise ValueError(f"chunks {first} to {last} cannot be {y.size} samples of equal length")
        if last <= self.received:
            return False
        size = y.size // count
        missed = first - self.received - 1
        if missed > 0:
            self._buffer = np.zeros(0, dtype=np.float32)
            self._fed += round(missed * size * SAMPLE_RATE / rate)
            self._scored = self._fed
        y = y[size * max(-missed, 0) :]
        self.received = last
        step = round(STEP_SECONDS * rate)
        for k in range(0, y.size, step):
            self.feed(y[k : k + step], rate)
        return True

    @property
    def trace(self) -> Trace:
        """The score trace of the last :attr:`keep_seconds` or more (times in seconds since
        the first sample fed)."""
        if not self._times:
            return Trace(np.zeros(0), np.zeros(0))
        return Trace(np.concatenate(self._times), np.concatenate(self._distances))

    def detections(self) -> list[tuple[float, float]]:
        """(time, distance) of every detection so far: when the phrase ended (seconds)."""
        return list(self._heard)
