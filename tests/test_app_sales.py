"""The Sales Trends page under streamlit's AppTest (no browser).

AppTest cannot upload files, so files are handed to the page the way the upload widget
does: as ``(name, bytes)`` in ``st.session_state["sales.file"]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dtwcore.sales import BLOG_TARGET, Catalog, demo_catalog, load_catalog, score_catalog
from pages.common.sales_views import picked_row
from pages.common.session import SalesAnalysis

from .conftest import ROOT, UCI_CSV

PAGE = str(ROOT / "pages" / "sales_trends.py")
TIMEOUT = 120


def run_page(file: tuple[str, bytes] | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    if file is not None:
        at.session_state["sales.file"] = file
    return at.run()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def detail_table(at: AppTest) -> pd.DataFrame:
    """The DTW-versus-Euclidean table (the reading previews are tables too)."""
    return next(t.value for t in at.table if "Distance" in t.value.columns)


def sidebar_captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.sidebar.caption)


@pytest.fixture(scope="module")
def uci_bytes() -> tuple[str, bytes]:
    return (UCI_CSV.name, UCI_CSV.read_bytes())


def test_demo_renders_with_its_label() -> None:
    at = run_page()
    assert not at.exception
    assert not at.error
    assert "made-up demo data" in at.info[0].value
    demo = demo_catalog()
    scores = score_catalog(demo.ids, demo.values, BLOG_TARGET)
    best = scores.sort_values("rank").iloc[0]
    m = metrics(at)
    assert m["Products analysed"] == "800"
    assert m["Median distance"] == f"{np.median(scores['distance']):.2f}"
    assert m["Best match"] == best["product"]
    analysis = at.session_state["sales.analysis"]
    assert isinstance(analysis, SalesAnalysis)
    assert isinstance(analysis.catalog, Catalog)
    assert analysis.catalog.content_hash == demo.content_hash
    np.testing.assert_array_equal(analysis.target, BLOG_TARGET)
    assert analysis.stretch == 0.05 and analysis.znorm is True
    assert len(analysis.scores) == 800
    assert "**= ±2 weeks**" in sidebar_captions(at)


def test_slider_updates_the_median(uci_bytes: tuple[str, bytes]) -> None:
    at = run_page(uci_bytes)
    assert metrics(at)["Median distance"] == "7.89"
    at.slider(key="sales.stretch").set_value(0.25).run()
    assert not at.exception
    cat = at.session_state["sales.analysis"].catalog
    wide = score_catalog(cat.ids, cat.values, BLOG_TARGET, stretch=0.25)
    expected = f"{np.median(wide['distance']):.2f}"
    assert metrics(at)["Median distance"] == expected != "7.89"
    assert at.session_state["sales.analysis"].stretch == 0.25
    assert "**= ±13 weeks**" in sidebar_captions(at)


def test_uci_file_gives_the_published_figures(uci_bytes: tuple[str, bytes]) -> None:
    at = run_page(uci_bytes)
    assert not at.exception and not at.error
    assert not at.info or "demo" not in at.info[0].value
    m = metrics(at)
    assert m["Products analysed"] == "811"
    assert m["Median distance"] == "7.89"
    assert m["Best match"] == "P675"
    assert m["Shortlist (products)"] == "8"
    text = markdown(at)
    assert "Closest to the target: **P675** (distance 5.11). Farthest: **P716** (10.67)." in text
    closest = at.dataframe[0].value
    assert closest["product"].tolist()[:3] == ["P675", "P703", "P358"]
    assert len(closest) == 10
    farthest = at.dataframe[1].value
    assert farthest["product"].iat[0] == "P716"
    # The DTW-versus-Euclidean table for the selected (best) product.
    table = detail_table(at)
    assert table["Distance"].tolist() == ["5.11", "8.59"]
    assert table["Rank"].tolist() == ["1 of 811", "32 of 811"]


def test_choosing_a_product_updates_the_detail(uci_bytes: tuple[str, bytes]) -> None:
    at = run_page(uci_bytes)
    at.selectbox(key="sales.product").set_value("P202").run()
    assert not at.exception
    assert detail_table(at)["Distance"].iat[0] == "6.86"
    assert detail_table(at)["Rank"].iat[0] == "147 of 811"
    shortlist = next(df.value for df in at.dataframe if "P781" in set(df.value["product"]))
    assert "P202" in set(shortlist["product"])


def test_table_size_and_znorm_toggle(uci_bytes: tuple[str, bytes]) -> None:
    at = run_page(uci_bytes)
    at.number_input(key="sales.top_n").set_value(5).run()
    assert len(at.dataframe[0].value) == 5
    at.toggle(key="sales.znorm").set_value(False).run()
    assert not at.exception
    assert at.session_state["sales.analysis"].znorm is False
    assert metrics(at)["Best match"] != "P675"


def test_bad_file_shows_an_error_not_a_traceback() -> None:
    at = run_page(("sales.xlsx", b"PK\x03\x04 not a csv"))
    assert not at.exception
    assert len(at.error) == 1
    assert at.error[0].value == (
        "sales.xlsx is a damaged or unsupported Excel workbook (BadZipFile). Save it again as "
        ".xlsx, or as CSV.\n\nUpload a corrected file, change how it is read (sidebar), "
        "or go back to the demo data."
    )
    assert "sales.analysis" not in at.session_state
    assert not at.metric


def test_codes_from_the_file_are_shown_as_typed() -> None:
    data = b"sku,w1,w2,w3\n$5$,1,2,3\n*A*,3,1,2\nB,1,,3\n"
    at = run_page(("[x](y).csv", data))
    assert not at.exception and not at.error
    text = markdown(at)
    assert "Closest to the target: **\\$5\\$** (distance" in text
    assert "Farthest: **\\*A\\*** (" in text
    assert at.warning[0].value == (
        "The products cover 3 weeks and the target has 52: under half of the target is "
        "matched, so the ranking says little about following the target. Use a target as "
        "long as the file, or a file with more weeks."
    )
    assert at.warning[1].value.startswith("1 row of \\[x\\](y).csv could not be used")
    assert "**Incomplete: 3 of the target's 52 weeks.** Closest" in text


def test_back_to_demo_after_a_bad_file() -> None:
    at = run_page(("bad.csv", b"only_one_column\n1\n"))
    assert at.error
    at.sidebar.button[0].click().run()
    assert not at.error
    assert metrics(at)["Products analysed"] == "800"


def test_rows_left_out_are_counted_on_screen() -> None:
    data = b"Product_Code,W0,W1,W2\nP1,1,2,3\nP2,,2,3\nP3,4,-1,3\nP4,3,2,1\n"
    at = run_page(("messy.csv", data))
    assert not at.exception and not at.error
    assert at.warning[1].value.startswith("1 row of messy.csv could not be used")
    assert metrics(at)["Products analysed"] == "3"  # a return (negative units) is kept
    left_out = at.dataframe[0].value
    assert left_out["row"].tolist() == [3]
    assert left_out["reason"].tolist() == ["W0 is blank"]


def test_unclear_layout_is_chosen_in_the_sidebar() -> None:
    """Columns c0 … c7 are not week-like: the page asks and analyses nothing until the
    planner sets the layout and the product column."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.integers(0, 20, size=(6, 8)), columns=[f"c{k}" for k in range(8)])
    at = run_page(("numbers.csv", frame.to_csv(index=False).encode()))
    assert not at.exception
    assert "the layout is not clear" in at.info[0].value
    assert not at.metric and "sales.analysis" not in at.session_state
    at.selectbox(key="sales.read.layout").set_value("wide").run()
    at.multiselect(key="sales.read.ids").set_value(["c0"]).run()
    assert not at.exception and not at.error
    assert metrics(at)["Products analysed"] == "6"
    assert at.session_state["sales.analysis"].catalog.weeks == [f"c{k}" for k in range(1, 8)]
    assert "**We read this as:** 6 products × 7 weeks, c1–c7, product = c0" in markdown(at)


def test_a_product_can_become_the_target(uci_bytes: tuple[str, bytes]) -> None:
    at = run_page(uci_bytes)
    at.selectbox(key="sales.target_product").set_value("P83").run()
    next(b for b in at.button if b.label == "Use as target").click().run()
    assert not at.exception
    # P83 is the target: named as such and left out of its own ranking (not first at 0).
    assert "The target is **P83**'s own sales" in at.info[0].value
    assert metrics(at)["Products analysed"] == "810"
    assert metrics(at)["Best match"] != "P83"
    assert "distance 0.00" not in at.metric[2].proto.delta
    analysis = at.session_state["sales.analysis"]
    cat = load_catalog(uci_bytes[1], name=uci_bytes[0])
    np.testing.assert_array_equal(analysis.target, cat.series("P83"))
    assert "P83" not in set(analysis.scores["product"])
    next(b for b in at.button if b.label == "Back to the published capacity").click().run()
    assert metrics(at)["Best match"] == "P675"


def test_an_empty_target_cell_is_reported() -> None:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["sales.target"] = np.array([1.0])
    at.session_state["sales.target_name"] = "a single week"
    at.run()
    assert not at.exception
    assert at.error[0].value == (
        "The target has 1 number; at least 2 weeks are needed. Fix the target in the sidebar."
    )


def test_whole_app_navigation_and_data_summary(uci_bytes: tuple[str, bytes]) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.title[0].value == "DTW Match"
    assert "Demo data (made up) · 800 products × 52 weeks" in at.sidebar.caption[0].value
    at.session_state["sales.file"] = uci_bytes
    at.switch_page("pages/sales_trends.py").run()
    assert not at.exception
    assert metrics(at)["Best match"] == "P675"
    summary = [c.value for c in at.sidebar.caption]
    assert any(
        r"Sales\_Transactions\_Dataset\_Weekly.csv · 811 products × 52 weeks" in c for c in summary
    )


def test_a_shorter_target_works_without_euclidean(uci_bytes: tuple[str, bytes]) -> None:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.session_state["sales.file"] = uci_bytes
    at.session_state["sales.target"] = BLOG_TARGET[:30].copy()
    at.session_state["sales.target_name"] = "first 30 weeks"
    at.run()
    assert not at.exception and not at.error
    # By default the last 30 weeks are compared with the 30-week target: ±1 week.
    assert at.select_slider(key="sales.weeks").value == (23, 52)
    assert "**= ±1 week**" in sidebar_captions(at)
    # All 52 weeks, chosen by the planner.
    at.select_slider(key="sales.weeks").set_value((1, 52)).run()
    assert at.session_state["sales.analysis"].target.shape == (30,)
    assert any(
        i.value.startswith("No Euclidean comparison: Euclidean distance compares week 1")
        for i in at.info
    )
    # floor(0.05 x 30) = 1, and the 22 weeks the products have more widen the band.
    assert "**= 1 week earlier to 23 weeks later**" in sidebar_captions(at)
    assert "the stretch factor itself allows ±1 week" in sidebar_captions(at)


def test_a_clicked_cell_picks_its_row_whatever_is_ticked() -> None:
    # The table was drawn with row 2 ticked (the selected product).
    assert picked_row({"rows": [2], "cells": [[5, "distance"]]}, [2]) == 5
    assert picked_row({"rows": [4], "cells": []}, [2]) == 4  # a newly ticked box
    assert picked_row({"rows": [2, 4], "cells": []}, [2]) == 4
    assert picked_row({"rows": [], "cells": []}, [2]) is None  # the tick taken off
    assert picked_row({"rows": [2], "cells": []}, [2]) is None
