"""Public DTW distances: one pair, one-to-many, all pairs, and the warping path.

Semantics (UCR Suite, dtaidistance and tslearn agree on them):

* local cost is the squared difference (squared Euclidean distance for multivariate
  frames); the distance is the square root of the accumulated cost of the optimal path;
* ``stretch`` R in [0, 1] gives the Sakoe-Chiba radius ``r = floor(R * len(query))``;
  ``window`` gives r directly; path cells satisfy ``|i - j| <= r``. With unequal lengths
  the band is widened by the length difference on the side of the longer series, so the
  end cell is always reachable. Neither given means no band;
* ``znorm=True`` z-normalises every series (population standard deviation; each dimension
  separately for multivariate series). A constant series becomes all zeros.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from dtwcore import kernels

ArrayLike = np.ndarray | Sequence[float] | Sequence[Sequence[float]]

__all__ = [
    "band_radius",
    "check_stretch",
    "dtw_distance",
    "dtw_one_to_many",
    "dtw_pairwise",
    "warping_path",
    "znormalize",
    "znormalize_rows",
]


def check_stretch(stretch: object) -> float:
    """The stretch factor as a float in [0, 1], or a ``ValueError`` that says so.

    The one check of a stretch factor: the engine, the logged model, run logging, the
    command line and the audio evaluation all call it, so every entrance gives the same
    message. ``stretch`` is the Sakoe-Chiba radius as a fraction of the series' length
    (0.05 of 52 weeks: 2 weeks either way).
    """
    if isinstance(stretch, bool):
        value = math.nan
    else:
        try:
            value = float(stretch)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            value = math.nan
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"the stretch factor must be a number between 0 and 1, got {stretch!r}")
    return value


def band_radius(n: int, *, stretch: float | None = None, window: int | None = None) -> int:
    """Sakoe-Chiba radius for a query of ``n`` frames; -1 means no band.

    ``stretch`` R gives ``floor(R * n)`` (0.05 x 52 weeks -> 2); ``window`` is the radius
    itself. Giving both is an error.
    """
    if stretch is not None and window is not None:
        raise ValueError("give either stretch or window, not both")
    if window is not None:
        if isinstance(window, bool) or not isinstance(window, (int, np.integer)):
            raise ValueError(f"window must be a whole number of steps, got {window!r}")
        if window < 0:
            raise ValueError(f"window must be 0 or more, got {window}")
        return int(window)
    if stretch is not None:
        value = check_stretch(stretch)
        # The small epsilon keeps decimal inputs such as 0.29 x 100 from rounding down.
        return int(math.floor(value * n + 1e-9))
    return -1


def _as_series(x: ArrayLike, name: str) -> np.ndarray:
    """Validate one series; return a C-contiguous float64 array of shape (n, d)."""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: values must be numbers") from None
    if arr.ndim == 1:
        arr = arr[:, None]
    elif arr.ndim != 2:
        raise ValueError(
            f"{name}: expected a 1-D series (n,) or a multivariate series (n, d), "
            f"got {arr.ndim} dimensions"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name}: the series is empty")
    bad = ~np.isfinite(arr)
    if bad.any():
        pos = int(np.argwhere(bad)[0][0])
        raise ValueError(f"{name}: contains NaN or infinite values (first at position {pos})")
    return np.ascontiguousarray(arr)


def _as_batch(
    X: ArrayLike | Sequence[ArrayLike], name: str, *, check_finite: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Validate a batch; return padded (N, m_max, d) float64 data and lengths (N,).

    ``check_finite=False`` skips the NaN/inf scan, for callers that fold it into their
    own pass and then call :func:`_raise_nonfinite`.
    """
    if isinstance(X, np.ndarray) and X.dtype != object:
        data = _array_batch(X, name, check_finite=check_finite)
        return data, np.full(data.shape[0], data.shape[1], dtype=np.int64)
    series = _list_of_series(X, name)
    lengths = np.array([s.shape[0] for s in series], dtype=np.int64)
    out = np.zeros((len(series), int(lengths.max()), series[0].shape[1]))
    for i, s in enumerate(series):
        out[i, : s.shape[0]] = s
    if check_finite:
        # Padding is 0, so one scan of the padded batch finds the first bad series.
        _raise_nonfinite(out, name)
    return out, lengths


def _array_batch(X: np.ndarray, name: str, *, check_finite: bool = True) -> np.ndarray:
    """Validate an array batch (N, m) or (N, m, d); return it as (N, m, d) float64, C order
    (the same memory when it already is). See :func:`_as_batch`."""
    arr = X.astype(np.float64, copy=False) if X.dtype.kind in "fiub" else None
    if arr is None:
        raise ValueError(f"{name}: values must be numbers")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    elif arr.ndim != 3:
        raise ValueError(
            f"{name}: expected a 2-D array (N, m), a 3-D array (N, m, d) or a list of "
            f"series, got {arr.ndim} dimensions"
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name}: no series given")
    if arr.shape[1] == 0 or arr.shape[2] == 0:
        raise ValueError(f"{name}: the series are empty")
    if check_finite:
        _raise_nonfinite(arr, name)
    return np.ascontiguousarray(arr)


def _list_of_series(X: Sequence[ArrayLike], name: str) -> list[np.ndarray]:
    """Validate a list of series (lengths may differ): float64 arrays of shape (n, d)."""
    series = []
    for i, s in enumerate(X):
        try:
            arr = np.asarray(s, dtype=np.float64)
        except (TypeError, ValueError):
            arr = None
        if arr is None or arr.ndim not in (1, 2) or arr.size == 0:
            _as_series(s, f"{name} row {i}")  # raises the error that names the problem
        series.append(arr[:, None] if arr.ndim == 1 else arr)
    if not series:
        raise ValueError(f"{name}: no series given")
    dims = {s.shape[1] for s in series}
    if len(dims) > 1:
        first = series[0].shape[1]
        row = next(i for i, s in enumerate(series) if s.shape[1] != first)
        raise ValueError(
            f"{name} row {row}: has {series[row].shape[1]} dimensions, row 0 has {first}"
        )
    return series


def _as_frames(
    X: ArrayLike | Sequence[ArrayLike], name: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate a batch; return its frames without padding: (F, d) float64, the first
    frame of each series (N,) and their lengths (N,).

    A list is concatenated (one copy, no padding); an array is reshaped (no copy when it
    is already float64 and C-contiguous). Raises the ValueError naming the first series
    with NaN or inf, as :func:`_as_batch` does.
    """
    if isinstance(X, np.ndarray) and X.dtype != object:
        data, lengths = _as_batch(X, name)
        return (*_frames_of(data), lengths)
    series = _list_of_series(X, name)
    lengths = np.array([s.shape[0] for s in series], dtype=np.int64)
    frames = np.concatenate(series)
    starts = np.cumsum(lengths) - lengths
    bad = kernels.first_nonfinite_row(frames)
    if bad >= 0:
        row = int(np.searchsorted(starts, bad, side="right")) - 1
        _as_series(series[row], f"{name} row {row}")
    return frames, starts, lengths


def _frames_of(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Frames (N * m_max, d) and first frames (N,) of a C-contiguous padded batch."""
    starts = np.arange(data.shape[0], dtype=np.int64) * data.shape[1]
    return data.reshape(-1, data.shape[2]), starts


def _padded(frames: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The (N, m_max, d) zero-padded batch of :func:`_as_frames`' output (a view when
    every series has the same length and they are stored one after another)."""
    n_series, d = lengths.shape[0], frames.shape[1]
    m_max = int(lengths.max())
    if (lengths == m_max).all() and (starts == np.arange(n_series) * m_max).all():
        return frames.reshape(n_series, m_max, d)
    out = np.zeros((n_series, m_max, d))
    for i in range(n_series):
        out[i, : lengths[i]] = frames[starts[i] : starts[i] + lengths[i]]
    return out


def _raise_nonfinite(arr: np.ndarray, name: str) -> None:
    """Raise the ValueError naming the first row of a (N, m, d) batch with NaN or inf."""
    row = kernels.first_nonfinite_row(arr.reshape(arr.shape[0], -1))
    if row >= 0:
        _as_series(arr[row], f"{name} row {row}")


def znormalize(x: ArrayLike) -> np.ndarray:
    """Z-normalise a series: subtract the mean, divide by the population std.

    Parameters
    ----------
    x : array [shape=(n,) or (n, d)]
        The series; multivariate series are normalised per dimension.

    Returns
    -------
    np.ndarray, same shape as ``x``. A constant series (or dimension) becomes all zeros.
    """
    arr = _as_series(x, "series")
    out = np.empty_like(arr)
    for k in range(arr.shape[1]):
        col = np.ascontiguousarray(arr[:, k])
        mu, inv = kernels.row_stats(col)
        out[:, k] = (col - mu) * inv
    return out[:, 0] if np.ndim(x) == 1 else out


def znormalize_rows(X: ArrayLike) -> np.ndarray:
    """Z-normalise every row of a matrix, as :func:`znormalize` does one series.

    Parameters
    ----------
    X : array [shape=(N, W)], one series per row

    Returns
    -------
    np.ndarray [shape=(N, W), float64]; a constant row becomes all zeros.
    """
    arr = np.ascontiguousarray(X, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"expected a matrix of shape (N, W), got {arr.ndim} dimensions")
    mean = np.empty(arr.shape[0])
    inv = np.empty(arr.shape[0])
    lengths = np.full(arr.shape[0], arr.shape[1], dtype=np.int64)
    kernels.series_stats(arr[:, :, None], lengths, mean, inv)
    return (arr - mean[:, None]) * inv[:, None]


def _normalise_batch(X: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Z-normalise every series of a padded batch (per dimension), padding left at 0."""
    out = np.zeros_like(X)
    for k in range(X.shape[2]):
        col = np.ascontiguousarray(X[:, :, k : k + 1])
        mean = np.empty(X.shape[0])
        inv = np.empty(X.shape[0])
        kernels.series_stats(col, lengths, mean, inv)
        valid = np.arange(X.shape[1])[None, :] < lengths[:, None]
        out[:, :, k] = np.where(valid, (X[:, :, k] - mean[:, None]) * inv[:, None], 0.0)
    return out


_EMPTY_ROWS = np.empty(0, dtype=np.int64)
_EMPTY_F = np.empty(0, dtype=np.float64)


def _chunk_tasks(query: int, first: int, last: int, out_first: int) -> np.ndarray:
    """Tasks covering positions first..last-1 in blocks of LANES for one query."""
    starts = np.arange(first, last, kernels.LANES, dtype=np.int64)
    tasks = np.empty((starts.shape[0], 4), dtype=np.int64)
    tasks[:, 0] = query
    tasks[:, 1] = starts
    tasks[:, 2] = np.minimum(kernels.LANES, last - starts)
    tasks[:, 3] = starts - first + out_first
    return tasks


def _frames_matrix(
    qdata: np.ndarray,
    qlen: np.ndarray,
    qrad: np.ndarray,
    xframes: np.ndarray,
    xstart: np.ndarray,
    xlen: np.ndarray,
    lane_rad: np.ndarray | None = None,
    upper: bool = False,
) -> np.ndarray:
    """Multivariate DTW of every query against every series, through the lane kernel.

    qdata: (Nq, n_max, d) queries with lengths qlen and band radii qrad. xframes (F, d),
    xstart (N,), xlen (N,): the series as :func:`_as_frames` gives them, packed straight
    into lanes in order of length. lane_rad: (N,) a band radius per series that replaces
    the query's. ``upper``: the queries are the series themselves, sorted by length, and
    only entries [i, j] with j > i are wanted: blocks wholly at or below the diagonal are
    skipped (left 0); the caller keeps the upper triangle.

    Returns an (Nq, N) array of distances.
    """
    lanes = kernels.FRAME_LANES
    n_series = xlen.shape[0]
    order = np.argsort(xlen, kind="stable").astype(np.int64)
    n_blocks = -(-n_series // lanes)
    blocks = np.empty((n_blocks, xframes.shape[1], int(xlen.max()), lanes))
    blens = np.empty((n_blocks, lanes), dtype=np.int64)
    kernels.pack_lanes(xframes, xstart, xlen, order, blocks, blens)
    brad = _EMPTY_ROWS
    if lane_rad is not None:
        # Unused lanes of the last block repeat the last radius, so the band stays narrow.
        brad = lane_rad[order][np.minimum(np.arange(n_blocks * lanes), n_series - 1)]
    n_q = qlen.shape[0]
    first = (np.arange(n_q) + 1) // lanes if upper else np.zeros(n_q, dtype=np.int64)
    counts = n_blocks - first
    tasks = np.empty((int(counts.sum()), 2), dtype=np.int64)
    tasks[:, 0] = np.repeat(np.arange(n_q), counts)
    tasks[:, 1] = np.arange(tasks.shape[0]) - np.repeat(np.cumsum(counts) - counts, counts)
    tasks[:, 1] += np.repeat(first, counts)
    out = np.zeros((n_q, n_blocks * lanes))
    kernels.frames_dtw(
        np.ascontiguousarray(qdata), qlen, qrad, blocks, blens, brad, tasks, out,
        kernels.chunks_for(tasks.shape[0]),
    )  # fmt: skip
    result = np.empty((n_q, n_series))
    result[:, order] = out[:, :n_series]
    return result


def _check_dims(q: np.ndarray, X: np.ndarray, qname: str, xname: str) -> None:
    if q.shape[-1] != X.shape[-1]:
        raise ValueError(
            f"{qname} has {q.shape[-1]} dimensions but {xname} has {X.shape[-1]}; "
            "every series must have the same number of dimensions"
        )


def dtw_distance(
    a: ArrayLike,
    b: ArrayLike,
    *,
    stretch: float | None = None,
    window: int | None = None,
    znorm: bool = False,
) -> float:
    """DTW distance between two series.

    Parameters
    ----------
    a : array [shape=(n,) or (n, d)]
        The query; ``stretch`` is measured in its length.
    b : array [shape=(m,) or (m, d)]
        The other series; m may differ from n.
    stretch : float in [0, 1], optional
        Sakoe-Chiba radius as a fraction of ``len(a)``: r = floor(stretch * n).
    window : int >= 0, optional
        Sakoe-Chiba radius in steps.
    znorm : bool
        Z-normalise both series first.

    Returns
    -------
    float: square root of the accumulated squared cost of the optimal path.

    Examples
    --------
    >>> dtw_distance([0, 1, 2], [0, 0, 1, 2])
    0.0
    """
    qa = _as_series(a, "a")
    qb = _as_series(b, "b")
    _check_dims(qa, qb, "a", "b")
    radius = band_radius(qa.shape[0], stretch=stretch, window=window)
    lengths = np.array([qb.shape[0]], dtype=np.int64)
    return float(_one_to_many(qa, qb[None], lengths, radius, znorm)[0])


def dtw_one_to_many(
    query: ArrayLike,
    X: ArrayLike | Sequence[ArrayLike],
    *,
    stretch: float | None = None,
    window: int | None = None,
    znorm: bool = False,
) -> np.ndarray:
    """DTW distance from one query to every series of a batch.

    Parameters
    ----------
    query : array [shape=(n,) or (n, d)]
    X : array [shape=(N, m) or (N, m, d)] or a list of N series of any lengths
    stretch, window, znorm : see :func:`dtw_distance`.

    Returns
    -------
    np.ndarray [shape=(N,)] of distances, in the order of ``X``.
    """
    q = _as_series(query, "query")
    if isinstance(X, np.ndarray) and X.dtype != object:
        data = _array_batch(X, "X", check_finite=False)
        lengths = None
        _check_dims(q, data, "query", "X")
    else:
        frames, starts, lengths = _as_frames(X, "X")
        _check_dims(q, frames, "query", "X")
        if frames.shape[1] > 1 and not znorm:
            # A list of multivariate clips goes into the lanes as it is, never padded.
            radius = band_radius(q.shape[0], stretch=stretch, window=window)
            qlen = np.array([q.shape[0]], dtype=np.int64)
            qrad = np.array([radius], dtype=np.int64)
            return _frames_matrix(q[None], qlen, qrad, frames, starts, lengths)[0]
        data = _padded(frames, starts, lengths)
    radius = band_radius(q.shape[0], stretch=stretch, window=window)
    return _one_to_many(q, data, lengths, radius, znorm)


def _one_to_many(
    q: np.ndarray, data: np.ndarray, lengths: np.ndarray | None, radius: int, znorm: bool
) -> np.ndarray:
    """Distances from q (n, d) to every series of a padded batch (N, m, d) with lengths
    (N,), None when every series has m steps; raises ValueError naming the first series
    ("X row ...") that holds NaN or inf."""
    n_series = data.shape[0]
    # Univariate series of one length take the lean kernel: a NaN or inf in a series gives
    # it a non-finite distance, and only then are the values scanned (a finite series can
    # still reach inf when its squares overflow). Other batches are checked first.
    lean = data.shape[2] == 1 and (lengths is None or bool((lengths == data.shape[1]).all()))
    if lean:
        # One kernel does it all, z-normalisation included: one pass over the data.
        out = np.empty(n_series)
        n_chunks = kernels.chunks_for(-(-n_series // kernels.LANES))
        q1 = np.ascontiguousarray(q[:, 0])
        rows = data.reshape(n_series, -1)
        if kernels.series_dtw(q1, radius, rows, znorm, out, n_chunks):
            _raise_nonfinite(data, "X")
        return out
    if lengths is None:
        lengths = np.full(n_series, data.shape[1], dtype=np.int64)
    _raise_nonfinite(data, "X")
    mean, inv = _EMPTY_F, _EMPTY_F
    if znorm:
        q = _normalise_batch(q[None], np.array([q.shape[0]]))[0]
        if data.shape[2] == 1:
            mean = np.empty(n_series)
            inv = np.empty(n_series)
            kernels.series_stats(data, lengths, mean, inv)
        else:
            data = _normalise_batch(data, lengths)
    qlen = np.array([q.shape[0]], dtype=np.int64)
    qrad = np.array([radius], dtype=np.int64)
    if data.shape[2] > 1:
        return _frames_matrix(q[None], qlen, qrad, *_frames_of(data), lengths)[0]
    rows = np.argsort(lengths, kind="stable").astype(np.int64)
    tasks = _chunk_tasks(0, 0, n_series, 0)
    out = np.empty((1, n_series))
    kernels.batch_dtw(
        q[None],
        qlen,
        qrad,
        data,
        lengths,
        rows,
        tasks,
        mean,
        inv,
        np.inf,
        out,
        kernels.chunks_for(tasks.shape[0]),
    )
    result = np.empty(n_series)
    result[rows] = out[0]
    return result


def dtw_pairwise(
    X: ArrayLike | Sequence[ArrayLike],
    Y: ArrayLike | Sequence[ArrayLike] | None = None,
    *,
    stretch: float | None = None,
    window: int | None = None,
    znorm: bool = False,
    weights: Sequence[ArrayLike] | None = None,
) -> np.ndarray:
    """DTW distances between all series of X and all series of Y.

    Parameters
    ----------
    X : array [shape=(N, n) or (N, n, d)] or a list of N series
        The queries (``stretch`` is measured in each query's length).
    Y : same forms with M series, optional
        With ``Y=None`` the result is the symmetric N x N matrix of X against itself; each
        pair is computed once, with the shorter series of the pair as the query, and the
        diagonal is 0.
    stretch, window, znorm : see :func:`dtw_distance`.
    weights : list of M arrays [shape=(m_j,)], optional
        Needs ``Y``: frame k of ``Y[j]`` costs ``weights[j][k]`` (finite, >= 0) times its
        squared distance, so some frames of the series count more than others (all ones
        gives the unweighted distances, to rounding). Computed one pair at a time: for a
        few series, such as a wake word's templates.

    Returns
    -------
    np.ndarray [shape=(N, M)].
    """
    if weights is not None:
        if Y is None:
            raise ValueError("weights are per frame of Y; pass Y as well")
        return _weighted_pairwise(X, Y, weights, stretch=stretch, window=window, znorm=znorm)
    if Y is None:
        xdata, xlen = _as_batch(X, "X")
        if znorm:
            xdata = _normalise_batch(xdata, xlen)
        order = np.lexsort((np.arange(xlen.shape[0]), xlen)).astype(np.int64)
        sdata = np.ascontiguousarray(xdata[order])
        slen = xlen[order]
        qrad = np.array([band_radius(int(n), stretch=stretch, window=window) for n in slen])
        n_series = slen.shape[0]
        out = np.zeros((n_series, n_series))
        if sdata.shape[2] > 1:
            lanes = (*_frames_of(sdata), slen)
            out = np.triu(_frames_matrix(sdata, slen, qrad, *lanes, upper=True), 1)
        elif n_series > 1:
            tasks = np.concatenate(
                [_chunk_tasks(i, i + 1, n_series, i + 1) for i in range(n_series - 1)]
            )
            kernels.batch_dtw(
                sdata,
                slen,
                qrad,
                sdata,
                slen,
                _EMPTY_ROWS,
                tasks,
                _EMPTY_F,
                _EMPTY_F,
                np.inf,
                out,
                kernels.chunks_for(tasks.shape[0]),
            )
        out = out + out.T
        result = np.empty_like(out)
        result[np.ix_(order, order)] = out
        return result
    xframes, xstart, xlen = _as_frames(X, "X")
    yframes, ystart, ylen = _as_frames(Y, "Y")
    _check_dims(xframes, yframes, "X", "Y")
    if znorm:
        xframes, xstart = _frames_of(_normalise_batch(_padded(xframes, xstart, xlen), xlen))
        yframes, ystart = _frames_of(_normalise_batch(_padded(yframes, ystart, ylen), ylen))
    qrad = np.array([band_radius(int(n), stretch=stretch, window=window) for n in xlen])
    if xframes.shape[1] > 1:
        # The larger side fills the lanes straight from its frames (a list is never
        # padded); the other side, the queries, is padded.
        if xlen.shape[0] <= ylen.shape[0]:
            return _frames_matrix(_padded(xframes, xstart, xlen), xlen, qrad, yframes, ystart, ylen)
        # More queries than series: the queries fill the lanes instead, each keeping its
        # own band. DTW is symmetric, so the transposed problem gives the same numbers.
        queries = _padded(yframes, ystart, ylen)
        return _frames_matrix(queries, ylen, np.zeros_like(ylen), xframes, xstart, xlen, qrad).T
    xdata = _padded(xframes, xstart, xlen)
    ydata = _padded(yframes, ystart, ylen)
    rows = _EMPTY_ROWS
    if (ylen != ylen[0]).any():
        rows = np.argsort(ylen, kind="stable").astype(np.int64)
    n_y = ylen.shape[0]
    tasks = np.concatenate([_chunk_tasks(i, 0, n_y, 0) for i in range(xlen.shape[0])])
    out = np.empty((xlen.shape[0], n_y))
    kernels.batch_dtw(
        xdata,
        xlen,
        qrad,
        ydata,
        ylen,
        rows,
        tasks,
        _EMPTY_F,
        _EMPTY_F,
        np.inf,
        out,
        kernels.chunks_for(tasks.shape[0]),
    )
    if rows.shape[0]:
        result = np.empty_like(out)
        result[:, rows] = out
        return result
    return out


def _weighted_pairwise(
    X: ArrayLike | Sequence[ArrayLike],
    Y: ArrayLike | Sequence[ArrayLike],
    weights: Sequence[ArrayLike],
    *,
    stretch: float | None,
    window: int | None,
    znorm: bool,
) -> np.ndarray:
    """:func:`dtw_pairwise` with a weight per frame of Y."""
    xframes, xstart, xlen = _as_frames(X, "X")
    yframes, ystart, ylen = _as_frames(Y, "Y")
    _check_dims(xframes, yframes, "X", "Y")
    if len(weights) != ylen.shape[0]:
        raise ValueError(f"weights has {len(weights)} series but Y has {ylen.shape[0]}")
    yweight = np.zeros(yframes.shape[0])
    for j, w in enumerate(weights):
        w = np.asarray(w, dtype=np.float64)
        if w.shape != (ylen[j],):
            raise ValueError(f"weights row {j} has shape {w.shape}, Y row {j} has {ylen[j]} frames")
        if not (np.isfinite(w).all() and (w >= 0).all()):
            raise ValueError(f"weights row {j} must be finite and not negative")
        yweight[ystart[j] : ystart[j] + ylen[j]] = w
    if znorm:
        yweight = _padded(yweight[:, None], ystart, ylen).reshape(-1)
        xframes, xstart = _frames_of(_normalise_batch(_padded(xframes, xstart, xlen), xlen))
        yframes, ystart = _frames_of(_normalise_batch(_padded(yframes, ystart, ylen), ylen))
    qrad = np.array([band_radius(int(n), stretch=stretch, window=window) for n in xlen])
    out = np.empty((xlen.shape[0], ylen.shape[0]))
    kernels.weighted_frames_dtw(
        xframes, xstart, xlen, qrad, yframes, ystart, ylen, np.ascontiguousarray(yweight), out
    )
    return out


def warping_path(
    a: ArrayLike,
    b: ArrayLike,
    *,
    stretch: float | None = None,
    window: int | None = None,
    znorm: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Optimal warping path and accumulated cost matrix, for plots.

    Parameters
    ----------
    a : array [shape=(n,) or (n, d)]
    b : array [shape=(m,) or (m, d)]
    stretch, window, znorm : see :func:`dtw_distance`.

    Returns
    -------
    path : np.ndarray [shape=(K, 2), int]
        Matched index pairs (i in a, j in b) from (0, 0) to (n - 1, m - 1).
    cost : np.ndarray [shape=(n, m)]
        Accumulated squared cost; cells outside the band are inf.
        ``sqrt(cost[-1, -1])`` equals :func:`dtw_distance`.
    """
    qa = _as_series(a, "a")
    qb = _as_series(b, "b")
    _check_dims(qa, qb, "a", "b")
    if znorm:
        qa = _normalise_batch(qa[None], np.array([qa.shape[0]]))[0]
        qb = _normalise_batch(qb[None], np.array([qb.shape[0]]))[0]
    radius = band_radius(qa.shape[0], stretch=stretch, window=window)
    D = kernels.accumulated_cost(qa, qb, radius)
    return kernels.backtrack(D), D[1:, 1:].copy()
