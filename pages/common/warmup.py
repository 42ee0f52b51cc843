"""Get the slow first steps over with before anyone waits for them.

numba compiles each kernel the first time it is called with a given type signature
(``cache=True`` keeps the machine code on disk, so later processes only load it), and
librosa, MLflow and plotly take seconds to import, and a new MLflow store seconds to
create. :func:`warm_up` does all of that on tiny inputs, so a server can run it in a
background thread as it starts.
"""

from __future__ import annotations

import importlib
import logging
import time

import numpy as np

log = logging.getLogger(__name__)

#: Modules the pages import lazily or that are slow to import, warmed in this order.
SLOW_IMPORTS = ("plotly.graph_objects", "dtwcore.plots", "librosa", "dtwcore.audio.features")


def warm_kernels() -> None:
    """Call every public DTW function once on tiny univariate and multivariate input."""
    from dtwcore import dtw_one_to_many, dtw_pairwise, nearest, warping_path

    x = np.arange(8.0)
    batch = np.vstack([x, x[::-1], x + 1])
    dtw_one_to_many(x, batch, window=1, znorm=True)
    dtw_one_to_many(x, batch, stretch=0.1, znorm=False)
    nearest(x, batch, 1, window=1, znorm=True)
    warping_path(x, x[::-1])
    warping_path(x, x[::-1], stretch=0.1, znorm=True)
    frames = [np.random.default_rng(0).normal(size=(n, 3)) for n in (6, 8)]
    dtw_pairwise(frames, stretch=0.5)
    warping_path(frames[0], frames[1])


def warm_audio() -> None:
    """Read, trim and featurise a short made-up recording with every feature kind the
    page offers: compiles librosa's numba code and loads the speech-embedding model."""
    import io

    import soundfile as sf

    from dtwcore.audio.features import FEATURES, SAMPLE_RATE, embedding_status, load_audio, prepare

    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    burst = np.where((t > 0.3) & (t < 0.7), 0.5 * np.sin(2 * np.pi * 440.0 * t), 0.0)
    wav = io.BytesIO()
    sf.write(wav, burst.astype(np.float32), SAMPLE_RATE, format="WAV")
    clip = load_audio(wav.getvalue(), "warm-up.wav")
    for kind in FEATURES:
        if kind != "embedding" or embedding_status() is None:
            prepare(clip, kind)


def warm_store() -> None:
    """Open the tracking store the app will use (a new SQLite store creates its tables,
    which takes seconds), when it answers."""
    from dtwcore.runs import store as run_store

    store = run_store.resolve_store()
    if run_store.check_store(store).ok:
        run_store.list_experiments(store)


def warm_up() -> dict[str, float]:
    """Import the slow modules and compile or load the kernels; seconds per step.

    Never raises: a failed step is logged and the rest still run (the pages then pay
    for it on first use, as without warming).
    """
    seconds: dict[str, float] = {}
    # The store first: every page's sidebar shows its status, so the first page drawn in
    # full waits for it (MLflow's import, then a new store's tables).
    steps = [("kernels", warm_kernels), ("tracking store", warm_store)]
    steps += [(name, lambda name=name: importlib.import_module(name)) for name in SLOW_IMPORTS]
    steps += [("audio features", warm_audio)]
    for name, step in steps:
        start = time.perf_counter()
        try:
            step()
        except Exception:  # warming is an optimisation; the page reports real errors
            log.exception("warming %s failed", name)
        seconds[name] = time.perf_counter() - start
    log.info("warmed up: %s", ", ".join(f"{k} {v:.1f} s" for k, v in seconds.items()))
    return seconds
