"""dtwcore against the reference libraries, its own slow paths, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from dtaidistance import dtw as dtai
from dtaidistance import dtw_ndim as dtai_ndim
from tslearn.metrics import dtw as tslearn_dtw

from dtwcore import (
    band_radius,
    dtw_distance,
    dtw_one_to_many,
    dtw_pairwise,
    kernels,
    nearest,
    warping_path,
    znormalize,
)

RNG = np.random.default_rng(20261127)


def walk(*shape: int) -> np.ndarray:
    return np.cumsum(RNG.standard_normal(shape), axis=-2 if len(shape) > 1 else -1)


def dtai_window(radius: int | None) -> int | None:
    """dtaidistance's window w allows |i - j| < w (plus the length difference)."""
    return None if radius is None else radius + 1


@pytest.mark.parametrize("radius", [None, 0, 1, 3, 7])
@pytest.mark.parametrize(("n", "m"), [(20, 20), (17, 25), (30, 12)])
def test_univariate_matches_dtaidistance(radius: int | None, n: int, m: int) -> None:
    for _ in range(5):
        a = np.cumsum(RNG.standard_normal(n))
        b = np.cumsum(RNG.standard_normal(m))
        ours = dtw_distance(a, b, window=radius)
        ref = dtai.distance(a, b, window=dtai_window(radius), use_c=False)
        assert ours == pytest.approx(ref, abs=1e-9, rel=1e-12)


@pytest.mark.parametrize("radius", [None, 0, 2, 5])
@pytest.mark.parametrize(("n", "m"), [(15, 15), (12, 19)])
def test_multivariate_matches_dtaidistance(radius: int | None, n: int, m: int) -> None:
    for _ in range(5):
        a = RNG.standard_normal((n, 3))
        b = RNG.standard_normal((m, 3))
        ours = dtw_distance(a, b, window=radius)
        ref = dtai_ndim.distance(a, b, window=dtai_window(radius), use_c=False)
        assert ours == pytest.approx(ref, abs=1e-9, rel=1e-12)


@pytest.mark.parametrize("radius", [0, 1, 4, 10])
def test_matches_tslearn_with_band(radius: int) -> None:
    for d in (1, 2):
        a = RNG.standard_normal((24, d))
        b = RNG.standard_normal((24, d))
        ref = tslearn_dtw(a, b, global_constraint="sakoe_chiba", sakoe_chiba_radius=radius)
        assert dtw_distance(a, b, window=radius) == pytest.approx(ref, abs=1e-9, rel=1e-12)


def test_matches_tslearn_unequal_lengths_no_band() -> None:
    for _ in range(5):
        a = RNG.standard_normal((13, 2))
        b = RNG.standard_normal((29, 2))
        assert dtw_distance(a, b) == pytest.approx(tslearn_dtw(a, b), abs=1e-9, rel=1e-12)


@pytest.mark.parametrize("stretch", [None, 0.0, 0.05, 0.5])
def test_one_to_many_matches_dtaidistance_fast(stretch: float | None) -> None:
    X = np.cumsum(RNG.standard_normal((300, 52)), axis=1)
    q = np.cumsum(RNG.standard_normal(52))
    radius = None if stretch is None else band_radius(52, stretch=stretch)
    ours = dtw_one_to_many(q, X, stretch=stretch)
    ref = dtai.distance_matrix_fast(
        np.vstack([q, X]), block=((0, 1), (1, 301)), window=dtai_window(radius), compact=True
    )
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize(("n", "m"), [(1, 1), (1, 4), (2, 2), (2, 9), (9, 2), (52, 52), (37, 44)])
def test_one_to_many_equal_lengths_matches_cost_matrix(n: int, m: int) -> None:
    # The lean path (univariate, one length): 70 series, so the last lane block is partial;
    # every radius from none to wider than both series, and the pair-of-rows sweep with
    # an odd and an even number of query rows.
    X = np.cumsum(RNG.standard_normal((70, m)), axis=1)
    q = np.cumsum(RNG.standard_normal(n))
    for window in (None, 0, 1, 3, n + m):
        ours = dtw_one_to_many(q, X, window=window)
        ref = [np.sqrt(warping_path(q, x, window=window)[1][-1, -1]) for x in X]
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)
    for stretch in (0.0, 1.0):
        ours = dtw_one_to_many(q, X, stretch=stretch)
        ref = [np.sqrt(warping_path(q, x, stretch=stretch)[1][-1, -1]) for x in X]
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)


def test_one_to_many_reads_float32_and_strided_input_as_float64() -> None:
    X = np.cumsum(RNG.standard_normal((45, 60)), axis=1).astype(np.float32)
    q = np.cumsum(RNG.standard_normal(30))
    expected = dtw_one_to_many(q, X.astype(np.float64), stretch=0.1)
    np.testing.assert_array_equal(dtw_one_to_many(q, X, stretch=0.1), expected)
    every_other = X.astype(np.float64)[:, ::2]
    np.testing.assert_array_equal(
        dtw_one_to_many(q, every_other, stretch=0.1),
        dtw_one_to_many(q, every_other.copy(), stretch=0.1),
    )
    fortran = np.asfortranarray(X.astype(np.float64))
    np.testing.assert_array_equal(dtw_one_to_many(q, fortran, stretch=0.1), expected)


def test_one_to_many_names_a_bad_row_in_the_last_partial_block() -> None:
    X = np.cumsum(RNG.standard_normal((70, 20)), axis=1)
    X[68, 11] = np.nan
    with pytest.raises(
        ValueError, match=r"^X row 68: contains NaN or infinite values \(first at position 11\)$"
    ):
        dtw_one_to_many(X[0], X, stretch=0.05)
    X[68, 11] = -np.inf
    with pytest.raises(ValueError, match=r"^X row 68: .* \(first at position 11\)$"):
        dtw_one_to_many(X[0], X, stretch=0.05, znorm=True)
    # Finite values whose squares overflow give inf, not an error.
    X[68, 11] = 1e200
    assert np.isinf(dtw_one_to_many(X[0], X, window=0)[68])


def test_one_to_many_lane_buffers_are_line_aligned_at_a_fixed_phase() -> None:
    # Both on a cache line, and the band buffer 128 bytes past a multiple of 256 bytes from
    # the series buffer, so that a load of one never aliases a store to the other (4K).
    for m, slots in ((52, 9), (7, 58), (1, 5)):
        T, B = kernels._lane_buffers(m, slots)
        assert (T.size, B.size) == (m * kernels.LANES, slots * kernels.LANES)
        assert T.ctypes.data % 64 == 0 and B.ctypes.data % 64 == 0
        assert (B.ctypes.data - T.ctypes.data) % 256 == 128


def test_one_to_many_equals_dtaidistance_to_the_bit() -> None:
    # The vector kernel takes its minima on integer bit patterns: same values, same sums.
    X = walk(70, 37)
    for q in (walk(37), walk(30), walk(45)):
        for radius in (0, 2, 9, 40):
            ours = dtw_one_to_many(q, X, window=radius)
            theirs = dtai.distance_matrix_fast(
                [q, *X], block=((0, 1), (1, len(X) + 1)), window=dtai_window(radius),
                compact=True,
            )  # fmt: skip
            np.testing.assert_array_equal(ours, theirs)


def test_lists_of_clips_go_to_the_lanes_unpadded_and_bad_clips_are_named() -> None:
    clips = [RNG.standard_normal((n, 5)).cumsum(axis=0) for n in (7, 1, 2, 40, 13)]
    padded = np.zeros((5, 40, 5))
    for i, c in enumerate(clips):
        padded[i, : len(c)] = c
    q = RNG.standard_normal((9, 5)).cumsum(axis=0)
    expected = [dtai_ndim.distance(q, c, window=4, use_c=False) for c in clips]
    np.testing.assert_allclose(dtw_one_to_many(q, clips, window=3), expected, rtol=1e-12)
    # Queries on either side of the lanes, and a padded array of equal-length clips.
    np.testing.assert_allclose(dtw_pairwise([q], clips, window=3)[0], expected, rtol=1e-12)
    np.testing.assert_allclose(dtw_pairwise(clips, [q], window=3)[:, 0], [
        dtai_ndim.distance(c, q, window=4, use_c=False) for c in clips
    ], rtol=1e-12)  # fmt: skip
    same = dtw_pairwise(padded[:, :9], clips, window=3)
    np.testing.assert_allclose(same, dtw_pairwise(list(padded[:, :9]), clips, window=3))
    clips[3][17, 2] = np.inf
    message = r"^X row 3: contains NaN or infinite values \(first at position 17\)$"
    with pytest.raises(ValueError, match=message):
        dtw_one_to_many(q, clips)
    with pytest.raises(ValueError, match=message.replace("X", "Y")):
        dtw_pairwise([q], clips, window=3)


def test_one_to_many_ragged_list_equals_pairs() -> None:
    q = np.cumsum(RNG.standard_normal(30))
    X = [np.cumsum(RNG.standard_normal(n)) for n in RNG.integers(10, 60, size=70)]
    for window in (None, 3):
        ours = dtw_one_to_many(q, X, window=window)
        ref = [dai for dai in (dtai.distance(q, x, window=dtai_window(window)) for x in X)]
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-9)


def test_pairwise_symmetric_matches_dtaidistance() -> None:
    X = np.cumsum(RNG.standard_normal((90, 40)), axis=1)
    ours = dtw_pairwise(X, window=4)
    ref = dtai.distance_matrix_fast(X, window=5)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(ours, ours.T)
    assert np.all(np.diag(ours) == 0)


def test_pairwise_ragged_multivariate() -> None:
    X = [RNG.standard_normal((n, 4)) for n in (9, 15, 15, 22, 30)]
    Y = [RNG.standard_normal((n, 4)) for n in (11, 30, 8)]
    got = dtw_pairwise(X, Y, window=2)
    ref = np.array([[dtai_ndim.distance(x, y, window=3) for y in Y] for x in X])
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-9)
    sym = dtw_pairwise(X, window=2)
    # The shorter series of each pair is the query, so the band comes from it.
    for i, x in enumerate(X):
        for j, y in enumerate(X):
            a, b = (x, y) if (len(x), i) <= (len(y), j) else (y, x)
            assert sym[i, j] == pytest.approx(dtw_distance(a, b, window=2), abs=1e-12)


@pytest.mark.parametrize("stretch", [None, 0.1, 0.3])
def test_multivariate_batches_of_mixed_lengths_match_dtaidistance(stretch: float | None) -> None:
    # Enough series for several lane blocks, lengths mixed within each block.
    X = [RNG.standard_normal((n, 6)).cumsum(axis=0) for n in RNG.integers(5, 40, size=75)]
    Y = [RNG.standard_normal((n, 6)).cumsum(axis=0) for n in RNG.integers(5, 40, size=4)]

    def ref(a: np.ndarray, b: np.ndarray) -> float:
        radius = None if stretch is None else band_radius(len(a), stretch=stretch)
        return dtai_ndim.distance(a, b, window=dtai_window(radius), use_c=False)

    expected = np.array([[ref(x, y) for y in Y] for x in X])
    # More queries than series (the queries fill the lanes) and the other way round.
    np.testing.assert_allclose(dtw_pairwise(X, Y, stretch=stretch), expected, rtol=1e-12)
    np.testing.assert_allclose(
        dtw_pairwise(Y, X, stretch=stretch), [[ref(y, x) for x in X] for y in Y], rtol=1e-12
    )
    np.testing.assert_allclose(
        dtw_one_to_many(X[3], X, stretch=stretch), [ref(X[3], x) for x in X], rtol=1e-12
    )
    sym = dtw_pairwise(X, stretch=stretch)
    for i, j in zip(*np.triu_indices(len(X), 1), strict=True):
        a, b = (X[i], X[j]) if (len(X[i]), i) <= (len(X[j]), j) else (X[j], X[i])
        assert sym[i, j] == sym[j, i] == pytest.approx(ref(a, b), rel=1e-12)
    assert np.all(np.diag(sym) == 0)


def _weighted_reference(a: np.ndarray, b: np.ndarray, w: np.ndarray, radius: int) -> float:
    """Frame-weighted DTW, one cell at a time (the textbook recurrence)."""
    n, m = len(a), len(b)
    lo, hi = (n, m) if radius < 0 else (radius + max(0, n - m), radius + max(0, m - n))
    D = np.full((n + 1, m + 1), np.inf)
    D[0, 0] = 0.0
    for i in range(n):
        for j in range(m):
            if -lo <= j - i <= hi:
                cost = w[j] * float(((a[i] - b[j]) ** 2).sum())
                D[i + 1, j + 1] = cost + min(D[i, j], D[i, j + 1], D[i + 1, j])
    return float(np.sqrt(D[n, m]))


@pytest.mark.parametrize("window", [None, 0, 3])
def test_frame_weights_of_y_equal_the_textbook_recurrence(window: int | None) -> None:
    X = [RNG.standard_normal((n, 3)).cumsum(axis=0) for n in (6, 14, 25)]
    Y = [RNG.standard_normal((n, 3)).cumsum(axis=0) for n in (9, 20, 31, 4)]
    W = [RNG.uniform(0.0, 3.0, len(y)) for y in Y]
    radius = -1 if window is None else window
    expected = [
        [_weighted_reference(x, y, w, radius) for y, w in zip(Y, W, strict=True)] for x in X
    ]
    np.testing.assert_allclose(dtw_pairwise(X, Y, window=window, weights=W), expected, rtol=1e-12)
    # All ones is the unweighted distance (and so dtaidistance's) on every input form, to
    # rounding: the weighted kernel sums a frame's squared differences in its own order.
    ones = [np.ones(len(y)) for y in Y]
    np.testing.assert_allclose(
        dtw_pairwise(X, Y, window=window, weights=ones), dtw_pairwise(X, Y, window=window), 1e-13
    )
    np.testing.assert_allclose(
        dtw_pairwise(X, Y, znorm=True, weights=ones), dtw_pairwise(X, Y, znorm=True), 1e-13
    )
    A, B = RNG.standard_normal((4, 20)), RNG.standard_normal((3, 25))
    np.testing.assert_allclose(
        dtw_pairwise(A, B, weights=[np.ones(25)] * 3), dtw_pairwise(A, B), 1e-13
    )
    # A weight of c on every frame of a series scales its distances by sqrt(c).
    np.testing.assert_allclose(
        dtw_pairwise(X, Y, weights=[np.full(len(y), 4.0) for y in Y]), 2 * dtw_pairwise(X, Y)
    )


NOT_NEGATIVE = "weights row 0 must be finite and not negative"


@pytest.mark.parametrize(
    ("weights", "Y", "message"),
    [
        ([np.ones(3)], None, "weights are per frame of Y; pass Y as well"),
        ([np.ones(3)], [np.zeros(3), np.zeros(4)], "weights has 1 series but Y has 2"),
        ([np.ones(2)], [np.zeros(3)], "weights row 0 has shape (2,), Y row 0 has 3 frames"),
        ([np.array([1.0, -1.0, 1.0])], [np.zeros(3)], NOT_NEGATIVE),
        ([np.array([1.0, np.nan, 1.0])], [np.zeros(3)], NOT_NEGATIVE),
    ],
)  # fmt: skip
def test_frame_weights_bad_input(weights: list, Y: list | None, message: str) -> None:
    with pytest.raises(ValueError) as err:
        dtw_pairwise([np.zeros(3)], Y, weights=weights)
    assert str(err.value) == message


def test_warping_path_consistent_with_distance() -> None:
    a = np.cumsum(RNG.standard_normal(40))
    b = np.cumsum(RNG.standard_normal(33))
    path, cost = warping_path(a, b, stretch=0.2)
    dist = dtw_distance(a, b, stretch=0.2)
    assert np.sqrt(cost[-1, -1]) == pytest.approx(dist, rel=1e-12)
    assert tuple(path[0]) == (0, 0) and tuple(path[-1]) == (39, 32)
    steps = np.diff(path, axis=0)
    assert set(map(tuple, steps)) <= {(1, 1), (1, 0), (0, 1)}
    assert np.sqrt(((a[path[:, 0]] - b[path[:, 1]]) ** 2).sum()) == pytest.approx(dist, rel=1e-12)
    lo = band_radius(40, stretch=0.2)
    assert np.all(path[:, 1] - path[:, 0] <= lo) and np.all(path[:, 0] - path[:, 1] <= lo + 7)
    assert np.isinf(cost[0, -1])


def test_band_radius_follows_published_table() -> None:
    expected = {0.0: 0, 0.01: 0, 0.025: 1, 0.05: 2, 0.1: 5, 0.25: 13, 0.5: 26}
    assert {s: band_radius(52, stretch=s) for s in expected} == expected
    assert band_radius(52) == -1
    assert band_radius(52, window=3) == 3


def test_identical_series_and_shifted_copy() -> None:
    a = np.sin(np.linspace(0, 6, 50))
    assert dtw_distance(a, a) == 0.0
    assert dtw_distance(a, np.r_[a[0], a], window=0) == 0.0  # a repeated first week
    assert dtw_distance([0, 1, 2], [0, 0, 1, 2]) == 0.0


def test_znorm_equals_prenormalised_and_constant_series_is_zero() -> None:
    a = 100 + 5 * np.cumsum(RNG.standard_normal(52))
    b = np.cumsum(RNG.standard_normal(52))
    z = znormalize(a)
    assert z.mean() == pytest.approx(0, abs=1e-12) and z.std() == pytest.approx(1, rel=1e-12)
    assert dtw_distance(a, b, znorm=True, window=3) == pytest.approx(
        dtw_distance(znormalize(a), znormalize(b), window=3), rel=1e-12
    )
    flat = np.full(52, 7.0)
    assert np.array_equal(znormalize(flat), np.zeros(52))
    # A constant series compares as the zero line: the distance is the norm of the other.
    zb = znormalize(b)
    assert dtw_distance(flat, b, znorm=True, window=0) == pytest.approx(np.sqrt((zb**2).sum()))
    out = dtw_one_to_many(b, np.vstack([flat, b]), znorm=True)
    assert np.all(np.isfinite(out)) and out[1] == 0.0
    multi = znormalize(np.c_[a, flat])
    assert np.array_equal(multi[:, 1], np.zeros(52))


def test_nearest_equals_brute_force() -> None:
    X = np.cumsum(RNG.standard_normal((5000, 52)), axis=1)
    X[100] = X[7]  # a tie
    q = X[7] + 0.01 * RNG.standard_normal(52)
    for znorm in (True, False):
        for stretch in (0.0, 0.1, None):
            full = dtw_one_to_many(q, X, stretch=stretch, znorm=znorm)
            order = np.lexsort((np.arange(len(X)), full))[:10]
            idx, dist = nearest(q, X, 10, stretch=stretch, znorm=znorm)
            np.testing.assert_array_equal(idx, order)
            np.testing.assert_array_equal(dist, full[order])
    assert list(nearest(q, X, 2, stretch=0.1)[0]) == [7, 100]


def test_nearest_small_and_multivariate() -> None:
    X = RNG.standard_normal((6, 10, 2))
    idx, dist = nearest(X[3], X, 50)
    assert idx[0] == 3 and dist[0] == 0.0 and len(idx) == 6
    full = dtw_one_to_many(X[3], X)
    np.testing.assert_array_equal(dist, np.sort(full))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: dtw_distance([1, np.nan, 3], [1, 2]),
         "a: contains NaN or infinite values (first at position 1)"),
        (lambda: dtw_one_to_many([1, 2], np.array([[1, 2], [1, np.inf]])),
         "X row 1: contains NaN or infinite values (first at position 1)"),
        (lambda: nearest([1, 2], np.array([[1, 2], [3, 4], [np.nan, 4]]), 1),
         "X row 2: contains NaN or infinite values (first at position 0)"),
        (lambda: dtw_distance([], [1, 2]), "a: the series is empty"),
        (lambda: dtw_one_to_many([1, 2], [[1, 2], []]), "X row 1: the series is empty"),
        (lambda: dtw_distance(np.zeros((2, 2, 2)), [1]),
         "a: expected a 1-D series (n,) or a multivariate series (n, d), got 3 dimensions"),
        (lambda: dtw_distance(np.zeros((4, 2)), np.zeros((4, 3))),
         "a has 2 dimensions but b has 3; every series must have the same number of dimensions"),
        (lambda: dtw_distance([1, 2], [1, 2], window=-1), "window must be 0 or more, got -1"),
        (lambda: dtw_distance([1, 2], [1, 2], stretch=1.5),
         "the stretch factor must be a number between 0 and 1, got 1.5"),
        (lambda: dtw_distance([1, 2], [1, 2], stretch=-0.1),
         "the stretch factor must be a number between 0 and 1, got -0.1"),
        (lambda: dtw_distance([1, 2], [1, 2], stretch=0.1, window=1),
         "give either stretch or window, not both"),
        (lambda: dtw_distance(["a", "b"], [1, 2]), "a: values must be numbers"),
        (lambda: nearest([1, 2], [[1, 2]], 0), "k must be a whole number of 1 or more, got 0"),
        (lambda: dtw_pairwise([[1, 2], np.zeros((2, 2))]),
         "X row 1: has 2 dimensions, row 0 has 1"),
    ],
)  # fmt: skip
def test_bad_input_messages(call, message: str) -> None:  # noqa: ANN001
    with pytest.raises(ValueError) as err:
        call()
    assert str(err.value) == message
