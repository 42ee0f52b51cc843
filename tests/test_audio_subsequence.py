"""dtwcore.subsequence_search and subsequence_profile: the same numbers as librosa's subsequence
DTW and dtaidistance's subsequence alignment (penalty 0), brute force with a band, k best
non-overlapping matches with an exclusion zone, univariate and multivariate."""

from __future__ import annotations

import librosa
import numpy as np
import pytest
from dtaidistance.subsequence.dtw import subsequence_alignment
from hypothesis import given, settings
from hypothesis import strategies as st

from dtwcore import dtw_distance, subsequence_profile, subsequence_search


def _dtw_cost(q: np.ndarray, s: np.ndarray, radius: int = -1) -> float:
    """Textbook DTW from (0, 0), no step along s in q's first frame, optional |j - i| <= r."""
    D = np.full((len(q) + 1, len(s) + 1), np.inf)
    D[0, 0] = 0.0
    for i in range(len(q)):
        for j in range(len(s)):
            if (radius >= 0 and abs(j - i) > radius) or (i == 0 and j > 0):
                continue
            c = float(np.sum((q[i] - s[j]) ** 2))
            D[i + 1, j + 1] = c + min(D[i, j], D[i, j + 1], D[i + 1, j])
    return float(D[-1, -1])


def _brute_force(q: np.ndarray, s: np.ndarray, radius: int = -1) -> np.ndarray:
    """Per end frame j: min over every start a of the DTW cost of q and s[a:j+1]."""
    return np.array(
        [min(_dtw_cost(q, s[a : j + 1], radius) for a in range(j + 1)) for j in range(len(s))]
    )


series = st.integers(1, 4).flatmap(
    lambda d: st.tuples(
        st.lists(st.lists(st.floats(-5, 5), min_size=d, max_size=d), min_size=1, max_size=5),
        st.lists(st.lists(st.floats(-5, 5), min_size=d, max_size=d), min_size=1, max_size=9),
    )
)


@settings(max_examples=60, deadline=None)
@given(series)
def test_profile_equals_brute_force(pair):
    q, s = (np.array(x, dtype=np.float64) for x in pair)
    cost, start = subsequence_profile(q, s)
    np.testing.assert_allclose(cost, _brute_force(q, s), rtol=1e-9, atol=1e-9)
    for j in range(len(s)):
        assert 0 <= start[j] <= j
        # the reported start is a real optimum: the engine's DTW of that span agrees
        assert dtw_distance(q, s[start[j] : j + 1]) ** 2 == pytest.approx(cost[j], abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(series, st.integers(0, 3))
def test_banded_profile_equals_brute_force(pair, radius):
    q, s = (np.array(x, dtype=np.float64) for x in pair)
    cost, start = subsequence_profile(q, s, window=radius)
    np.testing.assert_allclose(cost, _brute_force(q, s, radius), rtol=1e-9, atol=1e-9)
    for j in np.flatnonzero(np.isfinite(cost)):
        assert abs((j - start[j] + 1) - len(q)) <= radius
        assert _dtw_cost(q, s[start[j] : j + 1], radius) == pytest.approx(cost[j], abs=1e-9)


@pytest.mark.parametrize("d", [1, 3])
def test_same_as_librosa_and_dtaidistance(d):
    rng = np.random.default_rng(d)
    for _ in range(5):
        q = rng.normal(size=(7, d))
        s = rng.normal(size=(60, d))
        cost, _ = subsequence_profile(q, s)
        acc, wp = librosa.sequence.dtw(q.T, s.T, subseq=True, metric="sqeuclidean")
        np.testing.assert_allclose(cost, acc[-1], rtol=1e-12)
        sa = subsequence_alignment(q[:, 0] if d == 1 else q, s[:, 0] if d == 1 else s, penalty=0)
        np.testing.assert_allclose(np.sqrt(cost), sa.matching * len(q), rtol=1e-12)

        best = subsequence_search(q, s)[0]
        theirs = sa.best_match()
        assert (best.start, best.stop - 1) == tuple(int(x) for x in theirs.segment)
        assert best.distance == pytest.approx(theirs.value * len(q), rel=1e-12)
        # librosa's path of its best end: the same pairs (its path runs end first)
        np.testing.assert_array_equal(best.path, wp[::-1])
        assert float(np.sum((q[best.path[:, 0]] - s[best.path[:, 1]]) ** 2)) == pytest.approx(
            best.distance**2, rel=1e-12
        )


def test_k_best_are_the_planted_occurrences():
    rng = np.random.default_rng(3)
    q = np.sin(np.linspace(0, 3, 20))
    noise = [rng.normal(2, 0.3, n) for n in (50, 30, 40, 25)]
    s = np.r_[noise[0], np.repeat(q, 2), noise[1], q, noise[2], q[::2], noise[3]]
    found = subsequence_search(q, s, k=5, length_norm="sum", max_distance=0.5)
    spans = sorted((m.start, m.stop) for m in found)
    # three occurrences (slow, as is, fast), nothing else under 0.5, in any order of
    # distance; the slow one may leave out one of its repeated first or last values
    assert len(spans) == 3
    assert spans[0][0] in (50, 51) and spans[0][1] in (89, 90)
    assert spans[1] == (120, 140)
    assert spans[2] == (180, 190)
    for m in found:
        assert m.path[0, 0] == 0 and m.path[-1, 0] == len(q) - 1
        assert (m.path[0, 1], m.path[-1, 1] + 1) == (m.start, m.stop)
        assert np.all(np.diff(m.path, axis=0) >= 0)


def test_exclusion_zone_and_no_overlap():
    rng = np.random.default_rng(5)
    q = rng.normal(size=(6, 2))
    s = rng.normal(size=(200, 2))
    for exclusion in (0, 4, 15):
        found = subsequence_search(q, s, k=None, exclusion=exclusion)
        spans = sorted((m.start, m.stop) for m in found)
        for (_, b0), (a1, _) in zip(spans, spans[1:], strict=False):
            assert a1 >= b0 + exclusion  # gaps of at least `exclusion` frames
        d = [m.distance for m in found]
        assert d == sorted(d)
    # the first match is always the overall best
    cost, _ = subsequence_profile(q, s)
    assert found[0].distance == pytest.approx(np.sqrt(cost.min()))
    # greedy: every end frame left out overlaps (with the zone) a match at least as good
    found = subsequence_search(q, s, k=None, exclusion=4)
    dist = np.sqrt(cost)
    _, start = subsequence_profile(q, s)
    kept_ends = {m.stop - 1 for m in found}
    for j in range(len(s)):
        if j in kept_ends:
            continue
        blockers = [m for m in found if start[j] <= m.stop - 1 + 4 and j >= m.start - 4]
        assert blockers and min(m.distance for m in blockers) <= dist[j] + 1e-12


def test_length_norms_and_arguments():
    q = np.array([0.0, 1.0, 2.0])
    s = np.array([5.0, 0.0, 1.0, 1.0, 2.0, 7.0])
    m = subsequence_search(q, s, length_norm="sum")[0]
    assert (m.start, m.stop, m.distance) == (1, 5, 0.0)
    s2 = s + 0.5
    cost, start = subsequence_profile(q, s2)
    for norm, div in [("none", 1), ("query", 3)]:
        best = subsequence_search(q, s2, length_norm=norm)[0]
        assert best.distance == pytest.approx(np.sqrt(cost.min() / div))
    with pytest.raises(ValueError, match="dimensions"):
        subsequence_search(np.zeros((3, 2)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="k must"):
        subsequence_search(q, s, k=0)
    with pytest.raises(ValueError, match="exclusion"):
        subsequence_search(q, s, exclusion=-1)
    with pytest.raises(ValueError, match="length_norm"):
        subsequence_search(q, s, length_norm="mean")  # type: ignore[arg-type]
    assert subsequence_search(q, s, max_distance=-1.0) == []
