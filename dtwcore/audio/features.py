"""Speech clips for DTW: loading with validation, silence trimming, features, comparisons.

Every clip is decoded with libsndfile (WAV, FLAC, OGG, Opus, MP3; any sample rate and channel
count), mixed to mono and resampled to :data:`SAMPLE_RATE`. Anything a person could hand
in by mistake (not audio, a damaged or cut-off file, nothing but silence, far too long)
raises :class:`AudioError` with a sentence that names the file and says what to do.

Features come from a registry of kinds (:data:`FEATURES`), each with its own frame step,
silence trimming and padding; :func:`prepare` applies them. All share one interface:
samples in, ``(frames, d)`` array out, compared by :func:`distance_matrix`.

* ``"embedding"``: Google's speech embedding (:mod:`dtwcore.audio.embedding`), 96 numbers
  per 40 ms frame, of the sound trimmed at 40 dB and padded with 0.8 s of silence each
  side; each frame scaled to unit length, the utterance's mean frame removed and scaled
  to unit length again, so the squared frame difference is twice the cosine distance; no
  band; cost divided by the longer length. The default wherever its runtime loads
  (:func:`default_kind`). Every setting was chosen by leave-one-speaker-out on fsdd-dev
  (``scripts/tune_audio.py``: two of three folds and all three speakers together chose
  these; the third fold chose 1 frame per 80 ms and the sum of lengths).
* ``"mfcc"``: 13 MFCCs from 40 mel bands over 20 Hz - 4 kHz on 10 ms frames, normalised
  per utterance (each coefficient to mean 0, standard deviation 1), followed by their
  deltas (slopes over 9 frames of the normalised coefficients), 26 values per frame. The
  4 kHz ceiling makes 8 kHz telephone recordings and 16 kHz microphone recordings
  comparable. The fallback when the embedding's runtime is missing.
* ``"envelope"``: the raw amplitude envelope (frame RMS divided by the clip's loudest
  frame) on 10 ms frames, 1 value per frame, to show why raw waveforms compare badly.

Distances between clips are length-normalised DTW distances:
``sqrt(accumulated squared cost / (n + m))`` for clips of n and m frames, so a long clip
is not penalised for having more frames to add up.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import librosa
import numpy as np
import soundfile as sf
from scipy.ndimage import median_filter

from dtwcore.audio.containers import cut_off, mp3_walk, mp3_with_length, unread_kind
from dtwcore.audio.embedding import (
    EMBED_HOP,
    EMBED_RATE,
    EMBED_WINDOW,
    EmbeddingUnavailable,
    embed,
)
from dtwcore.distance import dtw_pairwise, warping_path
from dtwcore.sales.facts import MAX_UPLOAD_MB

__all__ = [
    "ACCEPTED",
    "AUDIO_FORMATS",
    "AUDIO_SUFFIXES",
    "FEATURES",
    "FEATURE_KINDS",
    "FeatureKind",
    "FeatureSettings",
    "HOP_SECONDS",
    "MAX_CLIP_SECONDS",
    "MAX_FILE_MB",
    "MAX_RECORDING_SECONDS",
    "SAMPLE_RATE",
    "AudioError",
    "Clip",
    "Utterance",
    "align",
    "centre_frames",
    "distance_matrix",
    "embedding_frames",
    "euclidean_matrix",
    "default_kind",
    "settings_of",
    "embedding_status",
    "feature_loudness_db",
    "features",
    "frame_envelope_db",
    "load_audio",
    "prepare",
    "prepare_files",
    "quiet_frames",
    "read_audio",
    "trim_silence",
]

SAMPLE_RATE = EMBED_RATE
"""Every clip is resampled to this rate (Hz): the speech-embedding model's rate."""
HOP = 160
"""Frame step in samples at :data:`SAMPLE_RATE` (10 ms)."""
HOP_SECONDS = HOP / SAMPLE_RATE
WIN = 400  # analysis window, 25 ms
N_FFT = 512
N_MELS = 40
N_MFCC = 13
FMIN = 20.0
FMAX = 4000.0
DELTA_WIDTH = 9
TRIM_DB = 20.0
"""Frames quieter than this many dB below the loudest frame count as silence at the ends."""
TRIM_FRAME = 512
TRIM_HOP = 128
"""Length and step (samples) of the frames whose loudness tells silence from sound
(:func:`trim_silence`, :func:`quiet_frames`)."""
KNOCK_FRAMES = 11
"""Frames of :data:`TRIM_HOP` (88 ms) over which a click or knock is told from speech: a
peak of loudness shorter than about half of them is not a word."""
KNOCK_DB = 10.0
"""How much louder than the loudest lasting sound (dB) a short peak must be to be taken
for a knock or click and not measured against (:func:`quiet_frames`). Words never peak
so: on the 1,500 fsdd-dev takes and the bundled samples the loudest frame is at most
5.8 dB over the loudest sound lasting :data:`KNOCK_FRAMES` frames; clicks of 1-20 ms
are 17-27 dB over it, a 40 ms knock 11 dB."""
MIN_SOURCE_RATE = 8_000
MAX_CLIP_SECONDS = 10.0
"""Clips to compare, enroll or test are cut to this length (seconds), from where the
sound starts (:func:`load_audio`)."""
MAX_RECORDING_SECONDS = 600.0
"""Recordings searched for the wake word are cut to this length (seconds): ten minutes,
searched in about 10 s on a two-core machine (its samples take 38 MB)."""
MAX_FILE_MB = MAX_UPLOAD_MB
"""Largest audio file taken (MB): the app's one upload limit, as for sales files."""
SILENCE_PEAK = 1e-3
"""A clip whose loudest sample is below this (-60 dBFS) is silent."""
DC_OFFSET = 0.01
"""A clip whose mean sample is further from 0 than this (-40 dBFS) has a constant offset
(a cheap microphone's DC), which is taken off: left in, it would pass for sound when
silence is trimmed. Smaller offsets are left as they are: the thresholds were chosen on
recordings that carry them (espeak-ng's speech about -47 dBFS, five fsdd-dev takes up
to -47 dBFS), and taking them off as well changed the report streams' false accepts
from 30 to 35 without a new choice of thresholds."""
CANCELLED_DB = 20.0
"""Channels whose mean is this much quieter (dB) than the loudest of them cancel out
(:func:`_mono`)."""
MIN_SOUND_SECONDS = 0.05
FeatureKind = Literal["embedding", "mfcc", "envelope"]


@dataclass(frozen=True)
class FeatureSettings:
    """How one kind of feature is computed and compared.

    Attributes
    ----------
    kind : {"embedding", "mfcc", "envelope"}
    description : str
        One line for people (the page, the CLI report).
    trim_db : float
        Frames more than this many dB below the loudest frame are silence at the ends.
    pad_seconds : float
        Silence added before and after the trimmed sound before the features (seconds).
    shifts : int
        Embedding only: model frames per 80 ms (see :func:`dtwcore.audio.embedding.embed`).
    normalise : {"none", "unit", "centre"}
        Embedding only: "none" keeps the model's frames (squared Euclidean local cost);
        "unit" scales each frame to length 1 (local cost = 2 x cosine distance);
        "centre" does that, removes the utterance's mean frame and scales to length 1
        again (cosine after removing what all frames share: voice, room, microphone).
    stretch : float in [0, 1], optional
        Sakoe-Chiba band as a fraction of the query's frames; None means no band.
    length_norm : {"sum", "max"}
        Accumulated cost divided by the sum or by the larger of the two lengths.
    threshold : float
        A wake word's threshold on the scaled score (distance / the template's scale, see
        :mod:`dtwcore.audio.wake`); how each was chosen is said beside its value.
    stream_threshold : float
        The threshold a span of a longer recording or stream is held to, on its stream
        score: for the embedding, the second check's score on finer detail
        (:func:`dtwcore.audio.wake.checked_score`); for the others, the mean of its
        :data:`dtwcore.audio.wake.STREAM_TEMPLATES` smallest scaled scores
        (:func:`dtwcore.audio.wake.stream_score`).
    """

    kind: FeatureKind
    description: str
    trim_db: float
    pad_seconds: float = 0.0
    shifts: int = 1
    normalise: Literal["none", "unit", "centre"] = "none"
    stretch: float | None = None
    length_norm: Literal["sum", "max"] = "sum"
    threshold: float = 0.82
    stream_threshold: float = 0.82

    @property
    def hop_seconds(self) -> float:
        """Time between two frames (seconds)."""
        if self.kind == "embedding":
            return EMBED_HOP / self.shifts / EMBED_RATE
        return HOP_SECONDS


# The thresholds (on the scaled score, distance / the template's scale) were chosen with
# the scale's quantile by 2-fold cross-validation over phrases on the "tune"
# protocol (``scripts/make_wake_data.py --set tune``: 10 espeak-ng phrases x 40 voices and
# variants, the 10 fsdd-dev digits x 3 speakers x 14 takes; 10 random 5-take enrolments
# per phrase), minimising missed takes + 5 x false accepts (``scripts/tune_wake.py``). The
# halves chose (10 % quantile, 0.77) and (20 %, 0.74), held out 97.9 % / 0.39 % and
# 98.4 % / 0.30 % true / false accepts; all phrases together (20 %, 0.74). MFCC with the
# 20 % quantile, same way: 0.82 and 0.83, all 0.82 (87 % / 1.4 %: the MFCC does not reach
# the targets). The envelope (a demonstration of why loudness alone is not enough) shares
# the MFCC's value untuned.
# The embedding's stream threshold (on a checked span's score: the mean of its four
# smallest scaled scores on 10 ms embedding frames, each template frame weighted by how far
# it is from the bundled negatives, plus 0.125 x its MFCC distance to the closest template
# divided by its own distance to the negatives, all over 1.125; see
# ``dtwcore.audio.wake.checked_score`` and ``frame_weights``), moved per enrolment by 0.25 x
# (the mean score of its takes played backwards - 1)
# (``dtwcore.audio.wake.WakeWord.stream_threshold``), was chosen the same way with the
# templates averaged, the MFCC weight and the backwards weight, on streams of the tune
# protocol (16 takes per phrase, 8 enrolments each, ``scripts/tune_wake.py --streams
# --enrolments 8``): the fewest false accepts per hour among the rules that detect 95 % of
# the takes. The halves chose 5 templates, 3 MFCC templates, MFCC weight 0.125, backwards
# weight 0.25, at 0.82 (held out: 96.6 % detected, 0.7 false accepts an hour) and
# 5 templates, MFCC weight 0, backwards weight 0.25, at 0.80 (95.7 %, 1.2 an hour); all
# phrases chose 4 templates, MFCC weight 0.125, backwards weight 0.25, at 0.79 (95.9 %,
# 0.6 an hour). Without the frame weights the same search chose the same rule at 0.78
# (96.4 %, 0.6 an hour), which detected as many takes of the report protocol with a
# third more false accepts (README, "Streams").
# MFCC and envelope keep their clip threshold on the coarse score, untuned.
FEATURES: dict[str, FeatureSettings] = {
    "embedding": FeatureSettings(
        kind="embedding",
        description="speech embedding (96 numbers per 40 ms), cosine",
        trim_db=40.0,
        pad_seconds=0.8,
        shifts=2,
        normalise="centre",
        stretch=None,
        length_norm="max",
        threshold=0.74,
        stream_threshold=0.79,
    ),
    "mfcc": FeatureSettings(
        kind="mfcc",
        description="MFCC + deltas, normalised per utterance",
        trim_db=TRIM_DB,
    ),
    "envelope": FeatureSettings(
        kind="envelope",
        description="raw amplitude envelope",
        trim_db=TRIM_DB,
    ),
}
"""The registry of feature kinds: one source for how each is computed and compared."""
FEATURE_KINDS: dict[str, str] = {k: v.description for k, v in FEATURES.items()}
"""Feature kind -> description, in the order offered to people."""


@functools.cache
def embedding_status() -> str | None:
    """None when the speech-embedding model runs here, else why not (one sentence)."""
    try:
        embed(np.zeros(EMBED_HOP * 10, dtype=np.float32))
    except EmbeddingUnavailable as exc:
        return str(exc)
    return None


def default_kind() -> FeatureKind:
    """``"embedding"`` wherever its runtime loads, ``"mfcc"`` otherwise."""
    return "embedding" if embedding_status() is None else "mfcc"


def settings_of(kind: str | FeatureSettings) -> FeatureSettings:
    """The :class:`FeatureSettings` of a kind name (or the settings themselves).

    Raises
    ------
    ValueError
        Unknown kind.
    """
    if isinstance(kind, FeatureSettings):
        return kind
    try:
        return FEATURES[kind]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown feature kind {kind!r}; choose one of {', '.join(FEATURES)}"
        ) from None


AUDIO_FORMATS: dict[str, str] = {
    ".wav": "WAV",
    ".flac": "FLAC",
    ".ogg": "OGG",
    ".opus": "Opus",
    ".mp3": "MP3",
}
"""File endings read here -> the format's name for people: what libsndfile decodes (Opus
as exported by phones and browsers and in crowd-sourced speech sets, in an Ogg file)."""
AUDIO_SUFFIXES = tuple(AUDIO_FORMATS)
"""The file endings taken as audio (the uploaders, ``wake-eval``'s folders)."""
ACCEPTED = ", ".join(list(AUDIO_FORMATS.values())[:-1]) + " or " + list(AUDIO_FORMATS.values())[-1]
"""The formats read here, in words ("WAV, FLAC, OGG, Opus or MP3")."""


class AudioError(ValueError):
    """A clip that cannot be used, with a message for people that names the file."""


@dataclass(frozen=True)
class Clip:
    """A decoded clip, mono, at :data:`SAMPLE_RATE`.

    Attributes
    ----------
    name : str
        What the person called it (file name or label); used in messages only.
    samples : np.ndarray [shape=(n,), float32]
        Amplitude in [-1, 1], n samples at :data:`SAMPLE_RATE`.
    source_rate : int
        The file's own sample rate (Hz).
    channels : int
        The file's channel count (mixed down to mono).
    notes : tuple of str
        Things the person should know, e.g. that a long file was cut.
    """

    name: str
    samples: np.ndarray
    source_rate: int
    channels: int
    notes: tuple[str, ...] = ()

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.samples.shape[0] / SAMPLE_RATE


@dataclass(frozen=True)
class Utterance:
    """A clip with its silent ends located and its feature frames.

    Attributes
    ----------
    clip : Clip
    start, end : int
        The sound lies in ``clip.samples[start:end]`` (samples).
    features : np.ndarray [shape=(frames, d)]
        One row per frame of the trimmed sound (``FEATURES[kind].hop_seconds`` apart).
    kind : str
        Which features (a key of :data:`FEATURES`).
    """

    clip: Clip
    start: int
    end: int
    features: np.ndarray
    kind: str

    @property
    def name(self) -> str:
        """The clip's name."""
        return self.clip.name

    @property
    def sound(self) -> np.ndarray:
        """The trimmed samples [shape=(end - start,)]."""
        return self.clip.samples[self.start : self.end]

    @property
    def hop_seconds(self) -> float:
        """Time between two feature frames (seconds)."""
        return FEATURES[self.kind].hop_seconds


STREAMED_SIZE = 0x7FFF0000
"""A WAV header declaring this many bytes of audio or more (sox writing to a pipe leaves
0x7FFFF000, others 0x7FFFFFFF or 0xFFFFFFFF), or none at all with samples after it, was
written by a recorder that could not go back to fill it in: its length is unknown, and
the file is read to its end."""


def _data_chunk(data: bytes) -> tuple[int, int, str] | None:
    """(offset of a RIFF/WAVE file's data chunk, the size its header declares, byte
    order), else None."""
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RIFX") or data[8:12] != b"WAVE":
        return None
    endian = "<" if data[:4] == b"RIFF" else ">"
    pos = 12
    while pos + 8 <= len(data):
        chunk = data[pos : pos + 4]
        (size,) = struct.unpack(endian + "I", data[pos + 4 : pos + 8])
        if chunk == b"data":
            return pos, size, endian
        pos += 8 + size + (size & 1)
    return None


def _wav_data_sizes(data: bytes) -> tuple[int, int] | None:
    """(bytes of audio the RIFF/WAVE header declares, bytes the file holds), else None
    (not a WAV). Read after :func:`_with_known_length`, so a streamed WAV's header
    declares what it holds."""
    found = _data_chunk(data)
    if found is None:
        return None
    pos, size, _ = found
    return size, len(data) - pos - 8


def _with_known_length(data: bytes) -> bytes:
    """A streamed WAV (its declared size a recorder's placeholder, :data:`STREAMED_SIZE`)
    with its header's sizes set to the audio the file holds (the decoder would otherwise
    read none, or call the file incomplete); any other file unchanged."""
    found = _data_chunk(data)
    if found is None:
        return data
    pos, size, endian = found
    held = len(data) - pos - 8
    if size < STREAMED_SIZE and not (size == 0 and held > 0):
        return data
    riff = struct.pack(endian + "I", min(len(data) - 8, 0xFFFFFFFF))
    sized = struct.pack(endian + "I", held)
    return data[:4] + riff + data[8 : pos + 4] + sized + data[pos + 8 :]


DAMAGED_KEEP = 0.75
"""A damaged or cut-off file is decoded as far as it goes when at least this share of the
audio its header declares is there (and a note says how much was lost); below it, it is
refused."""
_BLOCK = 1024


def _read_blocks(f: sf.SoundFile, frames: int) -> tuple[np.ndarray, bool]:
    """Read up to ``frames`` frames in blocks; stop at the first decoding error.

    Returns the samples read [shape=(n, channels)] and whether an error stopped it.
    """
    blocks, got = [], 0
    while got < frames:
        try:
            block = f.read(frames=min(_BLOCK, frames - got), dtype="float32", always_2d=True)
        except RuntimeError:  # libsndfile's decoding errors
            return _stack(blocks, f.channels), True
        if block.shape[0] == 0:
            break
        blocks.append(block)
        got += block.shape[0]
    return _stack(blocks, f.channels), False


def _stack(blocks: list[np.ndarray], channels: int) -> np.ndarray:
    return np.concatenate(blocks) if blocks else np.zeros((0, channels), dtype=np.float32)


def _damaged(name: str) -> AudioError:
    """The refusal of a file that cannot be decoded, or too little of it."""
    return AudioError(
        f"{name} is damaged or incomplete and cannot be decoded. Export or record it again."
    )


def _decode(
    data: bytes, name: str, max_seconds: float, keep_seconds: float
) -> tuple[np.ndarray, int, int, bool, str | None]:
    """Decode up to ``max_seconds``, of which at most ``keep_seconds`` will be used.

    A damaged or cut-off file is refused when less than :data:`DAMAGED_KEEP` of the part
    that would be used (``keep_seconds``, or less when its header declares less) decodes.

    Returns (samples (n, channels), rate, channels, cut, damage note or None); ``cut``
    says the file holds more than ``max_seconds``.
    """
    data = _with_known_length(data)
    walk = None  # an MP3's frames (walked once: the header put in front adds one frame)
    try:
        if sf.info(io.BytesIO(data)).format == "MP3":
            walk = mp3_walk(data)
            data = mp3_with_length(data, walk.frames) or data
        with sf.SoundFile(io.BytesIO(data)) as f:
            rate, channels, declared, fmt = f.samplerate, f.channels, f.frames, f.format
            if rate < MIN_SOURCE_RATE:
                raise AudioError(
                    f"{name} has a sample rate of {rate} Hz; at least {MIN_SOURCE_RATE} Hz "
                    "is needed for speech. Record or export it at a higher rate."
                )
            limit = int(max_seconds * rate)
            samples, broken = _read_blocks(f, limit + 1)
    except AudioError:
        raise
    except RuntimeError as exc:  # libsndfile's errors are RuntimeErrors
        if "recognised" in str(exc) or "unimplemented" in str(exc):
            kind = unread_kind(data)
            if kind:
                raise AudioError(
                    f"{name} is {kind}, which cannot be read here. Convert it to "
                    f"{ACCEPTED} first (most recorder apps can share or export a "
                    "recording as WAV)."
                ) from None
            raise AudioError(
                f"{name} is not an audio file that can be read. Use {ACCEPTED}."
            ) from None
        raise _damaged(name) from None
    cut = samples.shape[0] > limit
    samples = samples[:limit]
    sizes = _wav_data_sizes(data)
    if sizes is not None and sizes[0] > sizes[1] > 0 and declared > 0:
        declared = round(declared * sizes[0] / sizes[1])  # what the header promised
    expected = min(limit, declared) if declared > 0 else 0
    kept = min(expected, int(keep_seconds * rate))
    # An MP3 whose frames are all there, whole and with nothing between them, lost nothing:
    # a Xing header counting more is stale.
    lossy = walk is None or walk.cut or walk.skipped
    short_of_header = lossy and expected > 0 and samples.shape[0] < expected * 0.95
    ends_cut = walk.cut if walk is not None else cut_off(data, fmt)
    note = None
    if walk is not None and walk.skipped and samples.shape[0] < expected:
        lost = (expected - samples.shape[0]) / rate
        if samples.shape[0] < DAMAGED_KEEP * kept:
            raise _damaged(name)
        note = (
            f"{name} is damaged: {lost:.2f} s ({100 * lost * rate / expected:.0f} % of it) "
            f"could not be decoded; the {samples.shape[0] / rate:.2f} s that could are used."
        )
    elif broken or short_of_header or (sizes is not None and sizes[0] > sizes[1]):
        if expected > 0 and samples.shape[0] >= DAMAGED_KEEP * kept:
            lost = (expected - samples.shape[0]) / rate
            share = 100 * lost * rate / expected
            note = (
                f"{name} is damaged at the end: the last "
                + (f"{lost:.2f} s" if lost >= 0.005 else "few milliseconds")
                + (f" ({share:.0f} % of it)" if share >= 0.5 else "")
                + " could not be decoded; the "
                f"{samples.shape[0] / rate:.2f} s before that are used."
            )
        elif broken:
            raise _damaged(name)
        else:
            raise AudioError(
                f"{name} is incomplete: the file ends before its audio does. Export or record "
                "it again."
            )
    if note is None and not cut and samples.shape[0] and ends_cut:
        note = (
            f"{name} was cut off: it stops part-way through its audio (saved or sent "
            f"incompletely); the {samples.shape[0] / rate:.2f} s that are there are used, "
            "and what came after is missing."
        )
    if not np.isfinite(samples).all():
        raise AudioError(f"{name} is damaged: it contains invalid sample values.")
    return samples, rate, channels, cut, note


def load_audio(data: bytes, name: str, *, max_seconds: float = MAX_CLIP_SECONDS) -> Clip:
    """Decode and check audio bytes; mix to mono and resample to :data:`SAMPLE_RATE`.

    Parameters
    ----------
    data : bytes
        The file's contents (an upload, a microphone recording). The name is never used
        to open anything.
    name : str
        What to call the clip in messages.
    max_seconds : float
        Longer clips are cut to this many seconds and a note says so: the seconds that
        start :data:`LEAD_SECONDS` before the sound (leading silence dropped first, measured
        in the first :data:`MAX_RECORDING_SECONDS` of the file), so a word after a long
        silence is kept.
        With ``max_seconds`` of :data:`MAX_RECORDING_SECONDS` or more (recordings to
        search) the cut keeps the first ``max_seconds``.

    Returns
    -------
    Clip

    Raises
    ------
    AudioError
        Empty, not audio, damaged or incomplete beyond :data:`DAMAGED_KEEP` of its declared
        length (less damage is decoded as far as it goes, with a note saying how much was
        lost), too large, too low a sample rate, silent, or almost no sound.

    Examples
    --------
    >>> clip = read_audio("assets/audio/hey_marvin_1.wav")  # doctest: +SKIP
    >>> clip.samples.shape, clip.duration  # doctest: +SKIP
    ((13056,), 0.816)
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"load_audio needs the file's bytes, got {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise AudioError(f"{name} is empty (0 bytes). Choose a file that contains a recording.")
    if len(data) > MAX_FILE_MB * 1024 * 1024:
        smaller = " or save it as OGG or MP3 (a tenth of a WAV's size) or FLAC (about half)"
        raise AudioError(
            f"{name} is {len(data) / 1024 / 1024:.0f} MB; files up to {MAX_FILE_MB} MB "
            f"are accepted. Use a shorter recording"
            f"{',' + smaller if data[:4] in (b'RIFF', b'RF64') else ''}."
        )
    raw, rate, channels, cut, damage = _decode(
        data, name, max(max_seconds, MAX_RECORDING_SECONDS), max_seconds
    )
    if raw.shape[0] == 0:
        raise AudioError(f"{name} contains no audio samples.")
    limit = int(max_seconds * rate)
    begin = _sound_start(raw, rate, name) if raw.shape[0] > limit else 0
    cut = cut or raw.shape[0] > limit
    mono, notes = _to_mono(raw[begin : begin + limit], rate, name)
    if float(np.max(np.abs(mono))) < SILENCE_PEAK:
        raise AudioError(f"{name} is silent: it contains no sound. Record it again, closer.")
    notes = ((damage,) if damage else ()) + notes
    if cut:
        used = (
            f"the {max_seconds:g} s from {begin / rate:.2f} s, just before the sound starts, "
            "are used"
            if begin
            else f"only the first {max_seconds:g} s are used"
        )
        notes += (f"{name} is longer than {max_seconds:g} s; {used}.",)
    start, end = trim_silence(mono)
    if end - start < MIN_SOUND_SECONDS * SAMPLE_RATE:
        raise AudioError(
            f"{name} has almost no sound (less than {MIN_SOUND_SECONDS:g} s above the "
            "background). Record it again."
        )
    return Clip(name=name, samples=mono, source_rate=rate, channels=channels, notes=notes)


def _to_mono(raw: np.ndarray, rate: int, name: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Decoded samples [shape=(n, channels), float32, at ``rate`` Hz] as one channel at
    :data:`SAMPLE_RATE` within ±1, any constant offset taken off, with notes on what was
    done (:func:`_full_scale`, :func:`_mono`)."""
    scaled, notes = _full_scale(raw.astype(np.float64), name)
    mono, mixed = _mono(scaled, name)
    if rate != SAMPLE_RATE:
        mono = librosa.resample(mono, orig_sr=rate, target_sr=SAMPLE_RATE, res_type="soxr_hq")
    mono = np.ascontiguousarray(np.clip(mono, -1.0, 1.0), dtype=np.float32)
    offset = float(np.mean(mono))
    if abs(offset) > DC_OFFSET:
        mono = np.ascontiguousarray(np.clip(mono - offset, -1.0, 1.0), dtype=np.float32)
    return mono, notes + mixed


START_DB = max(s.trim_db for s in FEATURES.values())
"""Where a long clip's sound starts is measured at this level (dB below its loudest frame):
the most sensitive of the feature kinds' silence levels, so that no kind's sound is cut."""
LEAD_SECONDS = 0.1
"""A long clip is cut from this long (seconds) before where its sound starts, so that a
word's soft start under :data:`START_DB` (a breath, a first consonant) is kept."""


def _sound_start(raw: np.ndarray, rate: int, name: str) -> int:
    """The decoded frame [of ``raw``, shape=(n, channels) at ``rate`` Hz]
    :data:`LEAD_SECONDS` before where the sound starts, measured as :func:`trim_silence`
    measures it (at :data:`START_DB`); 0 for a silent clip or one whose sound starts
    sooner."""
    mono, _ = _to_mono(raw, rate, name)
    if float(np.max(np.abs(mono))) < SILENCE_PEAK:
        return 0
    start, _ = trim_silence(mono, START_DB)
    return max(0, start * rate // SAMPLE_RATE - round(LEAD_SECONDS * rate))


def _full_scale(raw: np.ndarray, name: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Samples [shape=(n, channels)] within ±1: a float file whose samples go beyond
    (saved at integer scale, or too hot) is scaled down by its peak, not clipped into a
    square wave, and a note says so."""
    peak = float(np.max(np.abs(raw))) if raw.size else 0.0
    if peak <= 1.0:
        return raw, ()
    return raw / peak, (
        f"{name} holds samples up to {peak:,.{0 if peak >= 10 else 2}f} times full scale; "
        "it was scaled down to fit rather than clipped.",
    )


def _mono(raw: np.ndarray, name: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """One channel [shape=(n,)] from samples [shape=(n, channels)]: their mean, unless
    the channels cancel out when added (one the other upside down: the mean is more than
    :data:`CANCELLED_DB` quieter than the loudest channel), when the loudest channel is
    used and a note says so."""
    if raw.shape[1] == 1:
        return raw[:, 0], ()
    mean = raw.mean(axis=1)
    power = np.mean(raw * raw, axis=0)
    loudest = int(np.argmax(power))
    mixed = float(np.mean(mean * mean))
    if power[loudest] > 0 and mixed < power[loudest] * 10 ** (-CANCELLED_DB / 10):
        return raw[:, loudest], (
            f"{name}: its channels cancel out when mixed (one is the other upside down, a "
            f"wiring or export fault); channel {loudest + 1} of {raw.shape[1]} is used alone.",
        )
    return mean, ()


def read_audio(path: str | Path, *, max_seconds: float = MAX_CLIP_SECONDS) -> Clip:
    """:func:`load_audio` for a file on disk, named after the file.

    Parameters
    ----------
    path : str or Path
    max_seconds : float

    Returns
    -------
    Clip
    """
    path = Path(path)
    return load_audio(path.read_bytes(), path.name, max_seconds=max_seconds)


def trim_silence(samples: np.ndarray, top_db: float = TRIM_DB) -> tuple[int, int]:
    """Locate the sound between leading and trailing silence (a knock or click before or
    after it is not sound: :func:`quiet_frames`).

    Parameters
    ----------
    samples : np.ndarray [shape=(n,)]
        Mono audio at :data:`SAMPLE_RATE`.
    top_db : float
        Frames more than this many dB below the loudest frame (a knock or click aside)
        are silence (dB).

    Returns
    -------
    (start, end) : sample indices; the sound is ``samples[start:end]``.
    """
    sound = np.flatnonzero(~quiet_frames(samples, top_db))
    if sound.size == 0:  # digital silence
        return 0, 0
    return int(sound[0]) * TRIM_HOP, min(len(samples), (int(sound[-1]) + 1) * TRIM_HOP)


def quiet_frames(samples: np.ndarray, top_db: float = TRIM_DB) -> np.ndarray:
    """Which frames are silence, measured as :func:`trim_silence` measures them.

    Parameters
    ----------
    samples : np.ndarray [shape=(n,)]
        Mono audio at :data:`SAMPLE_RATE`.
    top_db : float
        Frames more than this many dB below the loudest frame (a knock or click aside)
        are silence (dB).

    Returns
    -------
    np.ndarray [shape=(1 + n // TRIM_HOP,), bool]
        Frame k is centred on sample ``k * TRIM_HOP``.
    """
    rms = librosa.feature.rms(
        y=np.asarray(samples, np.float32), frame_length=TRIM_FRAME, hop_length=TRIM_HOP
    )[0]
    rms = _without_knocks(rms, top_db)
    return librosa.amplitude_to_db(rms, ref=float(rms.max()) or 1.0) < -top_db


def _without_knocks(rms: np.ndarray, top_db: float) -> np.ndarray:
    """Frame loudness [shape=(frames,)] as sound is measured against: ``rms`` itself, or,
    when its loudest frames are a knock or click (over :data:`KNOCK_DB` louder than the
    loudest sound lasting :data:`KNOCK_FRAMES` frames, which itself stands ``top_db``
    over the background), the loudness running-median-filtered over that many frames, so
    that quieter speech after a knock is neither cut short nor called silence. Speech
    has no such peak: its loudness is what it was."""
    if rms.size < KNOCK_FRAMES:
        return rms
    steady = median_filter(rms, KNOCK_FRAMES, mode="nearest")
    loudest, background = float(steady.max()), float(np.quantile(rms, 0.1))
    if rms.max() <= loudest * 10 ** (KNOCK_DB / 20) or loudest <= background * 10 ** (top_db / 20):
        return rms
    return steady


def _normalise(F: np.ndarray, window: int | None) -> np.ndarray:
    """Mean 0, std 1 per column: over the whole utterance, or a centred window of frames."""
    if window is None or window >= F.shape[0]:
        mean = F.mean(axis=0)
        std = F.std(axis=0)
    else:
        kernel = np.ones(window) / window
        pad = ((window // 2, window - 1 - window // 2), (0, 0))
        padded = np.pad(F, pad, mode="reflect")
        mean = np.stack([np.convolve(c, kernel, mode="valid") for c in padded.T], axis=1)
        sq = np.stack([np.convolve(c * c, kernel, mode="valid") for c in padded.T], axis=1)
        std = np.sqrt(np.maximum(sq - mean * mean, 0.0))
    return (F - mean) / np.where(std > 1e-8, std, 1.0)


def _unit(F: np.ndarray) -> np.ndarray:
    """Each row [shape=(n, d)] scaled to length 1 (all-zero rows stay zero)."""
    return F / np.maximum(np.linalg.norm(F, axis=1, keepdims=True), 1e-12)


def centre_frames(F: np.ndarray, window: int | None = None) -> np.ndarray:
    """Unit rows, minus their mean (over all frames or a centred window), unit again.

    Parameters
    ----------
    F : np.ndarray [shape=(n, d)]
    window : int, optional
        Mean over this many frames centred on each frame (for long recordings searched
        for a short phrase); None means over the whole sequence.

    Returns
    -------
    np.ndarray [shape=(n, d)], rows of length 1.
    """
    U = _unit(F)
    if window is None or window >= U.shape[0]:
        mean = U.mean(axis=0)
    else:
        pad = ((window // 2, window - 1 - window // 2), (0, 0))
        csum = np.cumsum(np.pad(U, pad, mode="reflect"), axis=0)
        csum = np.vstack([np.zeros((1, U.shape[1])), csum])
        mean = (csum[window:] - csum[:-window]) / window
    return _unit(U - mean)


def embedding_frames(
    samples: np.ndarray, settings: FeatureSettings, *, shifts: int | None = None
) -> np.ndarray:
    """Raw model frames of a trimmed sound padded with ``settings.pad_seconds`` of silence.

    Parameters
    ----------
    samples : np.ndarray [shape=(n,)]
    settings : FeatureSettings
    shifts : int, optional
        Overrides ``settings.shifts`` (finer frames for locating a phrase).

    Returns
    -------
    np.ndarray [shape=(frames, 96)]
        Frame k covers padded samples ``[k * hop, k * hop + EMBED_WINDOW)``.
    """
    pad = np.zeros(round(settings.pad_seconds * SAMPLE_RATE), dtype=np.float32)
    y = np.concatenate([pad, np.asarray(samples, dtype=np.float32), pad])
    shifts = settings.shifts if shifts is None else shifts
    key = (hashlib.sha1(y.tobytes()).digest(), shifts)
    frames = _FRAMES.get(key)
    if frames is None:
        frames = embed(y, shifts=shifts)
        frames.flags.writeable = False
        if len(_FRAMES) >= _FRAMES_KEPT:
            _FRAMES.pop(next(iter(_FRAMES)))
        _FRAMES[key] = frames
    return frames


_FRAMES: dict[tuple[bytes, int], np.ndarray] = {}
"""Model frames of recently embedded signals (a stream scored against several wake words
is embedded once), oldest first."""
_FRAMES_KEPT = 128


def features(
    samples: np.ndarray,
    kind: str | FeatureSettings = "mfcc",
    *,
    norm_window: float | None = None,
) -> np.ndarray:
    """Feature frames of a (trimmed) mono signal at :data:`SAMPLE_RATE`.

    Parameters
    ----------
    samples : np.ndarray [shape=(n,)]
    kind : {"embedding", "mfcc", "envelope"} or FeatureSettings
        See the module docstring.
    norm_window : float, optional
        Normalisation over a sliding window of this many seconds instead of the whole
        utterance (for long recordings searched for a short phrase); MFCC and embedding.

    Returns
    -------
    np.ndarray [shape=(frames, d)], float64
        d = 96 for "embedding" (frames every ``hop_seconds``), 26 for "mfcc" and 1 for
        "envelope" (``1 + n // 160`` frames of 10 ms).

    Raises
    ------
    ValueError
        Unknown kind.
    EmbeddingUnavailable
        "embedding" where its model or runtime is missing.
    """
    settings = settings_of(kind)
    y = np.asarray(samples, dtype=np.float32)
    if settings.kind == "embedding":
        F = embedding_frames(y, settings)
        if settings.normalise == "none":
            return F
        if settings.normalise == "unit":
            return np.ascontiguousarray(_unit(F))
        window = None if norm_window is None else max(3, round(norm_window / settings.hop_seconds))
        return np.ascontiguousarray(centre_frames(F, window))
    if settings.kind == "envelope":
        rms = librosa.feature.rms(y=y, frame_length=N_FFT, hop_length=HOP)[0]
        return (rms / max(float(rms.max()), 1e-10)).astype(np.float64)[:, None]
    mel = librosa.feature.melspectrogram(
        y=y, sr=SAMPLE_RATE, n_fft=N_FFT, hop_length=HOP, win_length=WIN,
        n_mels=N_MELS, fmin=FMIN, fmax=FMAX,
    )  # fmt: skip
    mfcc = librosa.feature.mfcc(S=librosa.power_to_db(mel, top_db=80.0), n_mfcc=N_MFCC).T
    window = None if norm_window is None else max(3, round(norm_window / HOP_SECONDS))
    static = _normalise(mfcc.astype(np.float64), window)
    delta = librosa.feature.delta(static, width=DELTA_WIDTH, axis=0, mode="nearest")
    return np.ascontiguousarray(np.hstack([static, delta]))


def frame_envelope_db(samples: np.ndarray) -> np.ndarray:
    """Loudness per 10 ms frame in dB relative to the loudest frame.

    Parameters
    ----------
    samples : np.ndarray [shape=(n,)]

    Returns
    -------
    np.ndarray [shape=(1 + n // 160,)], values <= 0 (dB), floored at -60 dB.
    Frames line up with :func:`features`.
    """
    rms = librosa.feature.rms(
        y=np.asarray(samples, dtype=np.float32), frame_length=N_FFT, hop_length=HOP
    )[0]
    db = 20 * np.log10(np.maximum(rms, 1e-10) / max(float(rms.max()), 1e-10))
    return np.maximum(db, -60.0)


def feature_loudness_db(utt: Utterance) -> np.ndarray:
    """Loudness of the sound at each of the utterance's feature frames (dB), for plots.

    Parameters
    ----------
    utt : Utterance

    Returns
    -------
    np.ndarray [shape=(frames,)], values in [-60, 0] (dB below the loudest 10 ms frame).
    For embedding frames, the loudness at the middle of the window each frame sees
    (-60 where that lies in the padding).
    """
    env = frame_envelope_db(utt.sound)
    settings = FEATURES[utt.kind]
    if settings.kind != "embedding":
        return env
    frames = utt.features.shape[0]
    middle = np.arange(frames) * settings.hop_seconds + (
        EMBED_WINDOW / 2 / SAMPLE_RATE - settings.pad_seconds
    )
    index = np.round(middle / HOP_SECONDS).astype(np.int64)
    inside = (index >= 0) & (index < env.shape[0])
    return np.where(inside, env[np.clip(index, 0, env.shape[0] - 1)], -60.0)


def prepare(clip: Clip, kind: str | FeatureSettings | None = None) -> Utterance:
    """Trim the clip's silent ends and compute its features.

    Parameters
    ----------
    clip : Clip
    kind : {"embedding", "mfcc", "envelope"} or FeatureSettings, optional
        Defaults to :func:`default_kind`.

    Returns
    -------
    Utterance
    """
    settings = settings_of(default_kind() if kind is None else kind)
    start, end = trim_silence(clip.samples, settings.trim_db)
    sound = clip.samples[start:end]
    return Utterance(clip, start, end, features(sound, settings), settings.kind)


def prepare_files(
    paths: Sequence[Path],
    root: Path,
    kind: str | FeatureSettings,
    done: Callable[[], None] | None = None,
) -> tuple[dict[Path, Utterance], dict[str, str]]:
    """Read and prepare each file (:func:`read_audio`, :func:`prepare`), leaving out those
    that cannot be used.

    Parameters
    ----------
    paths : list of Path
        Audio files.
    root : Path
        The folder the files are named from in ``skipped``.
    kind : {"embedding", "mfcc", "envelope"} or FeatureSettings
    done : callable, optional
        Called after each file, used or not (for a progress display).

    Returns
    -------
    utterances : dict
        Path -> its :class:`Utterance`, for the files that could be used, in order.
    skipped : dict
        The path of each file left out, relative to ``root`` (POSIX) -> why (the
        :class:`AudioError` message, which names the file and says what to do).
    """
    utterances: dict[Path, Utterance] = {}
    skipped: dict[str, str] = {}
    for path in paths:
        try:
            utterances[path] = prepare(read_audio(path), kind)
        except AudioError as exc:
            skipped[path.relative_to(root).as_posix()] = str(exc)
        if done is not None:
            done()
    return utterances, skipped


def _length(n: np.ndarray, m: np.ndarray, length_norm: str) -> np.ndarray:
    """The length a DTW cost is divided by: ``n + m`` or ``max(n, m)`` (broadcast)."""
    if length_norm == "sum":
        return n + m
    if length_norm == "max":
        return np.maximum(n, m)
    raise ValueError(f"length_norm must be 'sum' or 'max', got {length_norm!r}")


def _frames(X: Sequence[np.ndarray]) -> np.ndarray:
    return np.array([x.shape[0] for x in X], dtype=np.float64)


def distance_matrix(
    X: Sequence[np.ndarray],
    Y: Sequence[np.ndarray] | None = None,
    *,
    stretch: float | None = None,
    length_norm: Literal["sum", "max"] = "sum",
    weights: Sequence[np.ndarray] | None = None,
) -> np.ndarray:
    """Length-normalised DTW distances between feature sequences.

    Parameters
    ----------
    X : list of N arrays [shape=(n_i, d)]
        Feature frames (from :func:`features`).
    Y : list of M arrays [shape=(m_j, d)], optional
        Defaults to X (a symmetric matrix with zeros on the diagonal).
    stretch : float in [0, 1], optional
        Sakoe-Chiba band as a fraction of the query's frames; None means no band.
    length_norm : {"sum", "max"}
        Divide the accumulated cost by ``n_i + m_j`` or by ``max(n_i, m_j)``.
    weights : list of M arrays [shape=(m_j,)], optional
        Needs Y: a weight per frame of each Y sequence, multiplying its squared
        differences (:func:`dtwcore.dtw_pairwise`).

    Returns
    -------
    np.ndarray [shape=(N, M)]
        ``sqrt(cost / (n_i + m_j))`` (or ``max``): root mean squared frame difference
        along the path.
    """
    raw = dtw_pairwise(list(X), None if Y is None else list(Y), stretch=stretch, weights=weights)
    nx = _frames(X)
    ny = nx if Y is None else _frames(Y)
    return raw / np.sqrt(_length(nx[:, None], ny[None, :], length_norm))


def euclidean_matrix(
    X: Sequence[np.ndarray],
    Y: Sequence[np.ndarray] | None = None,
    *,
    length_norm: Literal["sum", "max"] = "sum",
) -> np.ndarray:
    """Distances along the even stretch: no warping, each clip stretched evenly to the other.

    Each frame of the longer clip of a pair is matched with the frame at the same relative
    position in the shorter one (``round(i * (short - 1) / (long - 1))``), and the squared
    frame differences along that one path are summed and divided exactly as
    :func:`distance_matrix` divides the DTW cost. The even stretch is one of the paths DTW
    chooses from, so a DTW distance is never above it: the gap is what warping buys.

    Parameters
    ----------
    X : list of N arrays [shape=(n_i, d)]
    Y : list of M arrays [shape=(m_j, d)], optional; defaults to X.
    length_norm : {"sum", "max"}
        As in :func:`distance_matrix`.

    Returns
    -------
    np.ndarray [shape=(N, M)]
    """
    Y = X if Y is None else Y
    out = np.empty((len(X), len(Y)))
    for i, a in enumerate(X):
        for j, b in enumerate(Y):
            n, m = a.shape[0], b.shape[0]
            steps = max(n, m)
            ia = np.round(np.arange(steps) * ((n - 1) / max(steps - 1, 1))).astype(np.int64)
            ib = np.round(np.arange(steps) * ((m - 1) / max(steps - 1, 1))).astype(np.int64)
            diff = a[ia] - b[ib]
            length = float(_length(np.array(n), np.array(m), length_norm))
            out[i, j] = math.sqrt(float(np.sum(diff * diff)) / length)
    return out


def align(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Warping path between two feature sequences, for the pair view.

    Parameters
    ----------
    a : np.ndarray [shape=(n, d)]
    b : np.ndarray [shape=(m, d)]

    Returns
    -------
    path : np.ndarray [shape=(K, 2), int]
        Matched frame pairs (i in a, j in b), from (0, 0) to (n - 1, m - 1).
    cost : np.ndarray [shape=(n, m)]
        Accumulated squared cost.
    distance : float
        Length-normalised DTW distance, as in :func:`distance_matrix`.
    """
    path, cost = warping_path(a, b)
    return path, cost, math.sqrt(float(cost[-1, -1]) / (a.shape[0] + b.shape[0]))
