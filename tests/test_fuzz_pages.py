"""Fuzzing the Sales Trends page (AppTest): any file, any target, never a traceback.

The loader's own fuzzing (tests/test_fuzz_sales.py) checks every input ends in a catalogue
or a CatalogError; here whole files and targets go through the page, which must show
either the analysis or an error in words, and show product codes as typed.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from dtwcore.sales import PAGE_LIMITS, CatalogError, load_catalog
from pages.common.sales_views import md
from tests.reliability import fuzz_settings, no_hang, record
from tests.reliability.strategies import messy_tables, mutated, product_codes

from .conftest import ROOT, UCI_CSV

PAGE = str(ROOT / "pages" / "sales_trends.py")
TIMEOUT = 120
UCI_HEAD = b"".join(UCI_CSV.read_bytes().splitlines(keepends=True)[:30])

pytestmark = pytest.mark.slow


def run_page(file: tuple[str, bytes] | None = None, target: np.ndarray | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    if file is not None:
        at.session_state["sales.file"] = file
    if target is not None:
        at.session_state["sales.target"] = target
        at.session_state["sales.target_name"] = "fuzzed target"
    with no_hang(2 * TIMEOUT, "the Sales Trends page"):
        at.run()
    return at


def check_page(at: AppTest) -> None:
    """The analysis or an error in words; never an exception on screen."""
    assert not at.exception, at.exception[0].value if at.exception else ""
    if at.error:
        for e in at.error:
            assert e.value.strip() and "Traceback" not in e.value
        assert not at.metric
    elif not at.info or "not clear which column" not in at.info[0].value:
        assert at.metric, "neither the analysis nor a message"
        assert "sales.analysis" in at.session_state


@fuzz_settings(fast=4, full=80)
@given(messy_tables() | mutated(UCI_HEAD), st.sampled_from(["fuzz.csv", "[a](b).csv", "x.tsv"]))
def test_any_file_gives_the_analysis_or_a_message(data: bytes, name: str) -> None:
    record("inputs", "sales page (AppTest)")
    at = run_page((name, data))
    check_page(at)
    try:
        expected = load_catalog(data, name=name, limits=PAGE_LIMITS)
    except CatalogError:
        return
    if at.metric:
        assert at.metric[0].value == f"{len(expected.ids):,}"


@st.composite
def coded_tables(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    codes = draw(st.lists(product_codes, min_size=2, max_size=6, unique=True))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["Product_Code", *[f"W{k}" for k in range(12)]])
    for code in codes:
        writer.writerow([code, *rng.integers(0, 50, 12).tolist()])
    return buf.getvalue().encode(), codes


@fuzz_settings(fast=3, full=60)
@given(coded_tables())
def test_codes_show_as_typed(table: tuple[bytes, list[str]]) -> None:
    data, codes = table
    record("inputs", "sales page (AppTest)")
    at = run_page(("codes.csv", data))
    check_page(at)
    best = at.session_state["sales.analysis"].scores.sort_values("rank").iloc[0]["product"]
    assert best in codes
    metric = next(m for m in at.metric if m.label == "Best match")
    assert metric.value == best
    summary = "\n".join(m.value for m in at.markdown)
    assert f"Closest to the target: **{md(best)}**" in summary


@fuzz_settings(fast=3, full=60)
@given(
    st.lists(
        st.floats(min_value=-1e15, max_value=1e15, allow_nan=False, allow_subnormal=False),
        min_size=0,
        max_size=PAGE_LIMITS.weeks + 5,
    )
    | st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=6)
)
def test_any_target_gives_the_analysis_or_a_message(values: list[float]) -> None:
    record("inputs", "sales page (AppTest)")
    check_page(run_page(target=np.asarray(values, dtype=np.float64)))


def test_too_big_a_catalogue_points_to_the_command_line() -> None:
    weeks = PAGE_LIMITS.weeks + 1
    header = "Product_Code," + ",".join(f"W{k}" for k in range(weeks))
    rows = [f"P{i}," + ",".join(["1"] * weeks) for i in range(3)]
    at = run_page(("wide.csv", ("\n".join([header, *rows]) + "\n").encode()))
    assert not at.exception and not at.metric
    assert len(at.error) == 1
    assert "too big for this page" in at.error[0].value
    assert "python -m dtwcore score" in at.error[0].value


def test_a_flat_target_is_explained() -> None:
    """Found by the target fuzzing above: a flat target (a constant weekly capacity, which
    planners have) made every z-normalised distance sqrt(weeks) up to rounding, and the
    histogram raised "Too many bins for data range" instead of showing the page."""
    at = run_page(target=np.full(52, 100.0))
    check_page(at)
    assert any("The target is flat" in w.value for w in at.warning)


def test_the_histogram_takes_distances_equal_but_for_rounding() -> None:
    """The figure builder itself (dtwcore/plots/sales.py, distance_histogram): np.histogram
    with 20 bins over a range of a few ulps raises ValueError. The page rounds the
    distances first; other callers still hit it."""
    from dtwcore.plots.sales import distance_histogram

    dist = np.sqrt(52.0) + np.arange(5) * 1e-15
    fig = distance_histogram(dist, median=float(np.median(dist)))
    assert sum(fig.data[0].y) == 5
