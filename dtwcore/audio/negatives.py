"""The bundled negatives: other speech every wake word is calibrated against.

``assets/audio/negatives.flac`` holds everyday words and short phrases, near misses of
common wake-word shapes ("hey Martin", "a marvel", "complete her") in three voices, and
white, pink and brown noise, one after another; ``negatives.json`` says where each
segment starts and ends (seconds). ``scripts/make_wake_data.py --negatives`` makes both
with espeak-ng and sox. No spoken numbers and none of the evaluation protocol's phrases
are among them, so the protocol's figures are measured on speech the calibration never
saw.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from dtwcore.audio.features import SAMPLE_RATE, Clip, prepare, settings_of

__all__ = ["NEGATIVES", "Negatives", "negatives"]

NEGATIVES = Path(__file__).resolve().parents[2] / "assets" / "audio" / "negatives.flac"
"""The bundled negatives' audio (16 kHz mono FLAC); segments in ``negatives.json`` beside it."""


@dataclass(frozen=True)
class Negatives:
    """The bundled negatives prepared with one feature kind.

    Attributes
    ----------
    names : tuple of str
        What each segment is ("hey Martin (en-gb+f3)", "pinknoise").
    features : tuple of np.ndarray [shape=(n_i, d)]
        Each segment's feature frames (silent ends trimmed, as any clip).
    samples : np.ndarray [shape=(n,), float32]
        The whole file, mono at :data:`dtwcore.audio.SAMPLE_RATE`.
    """

    names: tuple[str, ...]
    features: tuple[np.ndarray, ...]
    samples: np.ndarray


@functools.cache
def negatives(kind: str) -> Negatives:
    """The bundled negatives with features of ``kind``, read once per process.

    Parameters
    ----------
    kind : {"embedding", "mfcc", "envelope"}

    Returns
    -------
    Negatives
    """
    settings = settings_of(kind)
    samples, rate = sf.read(NEGATIVES, dtype="float32")
    if rate != SAMPLE_RATE:
        raise ValueError(f"{NEGATIVES.name} must be at {SAMPLE_RATE} Hz, not {rate} Hz")
    segments = json.loads(NEGATIVES.with_suffix(".json").read_text())["segments"]
    names, feats = [], []
    for seg in segments:
        piece = samples[round(seg["start"] * rate) : round(seg["end"] * rate)]
        clip = Clip(seg["what"], np.ascontiguousarray(piece), rate, 1)
        feats.append(prepare(clip, settings).features)
        names.append(seg["what"])
    return Negatives(tuple(names), tuple(feats), samples)
