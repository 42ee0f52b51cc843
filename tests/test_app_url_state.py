"""Sales Trends settings in the address (AppTest, no browser): a link reopens the view."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pages.common.uploads import UploadStore

from .conftest import ROOT, UCI_CSV

PAGE = str(ROOT / "pages" / "sales_trends.py")


EXAMPLES = ROOT / "assets" / "examples"


@pytest.fixture()
def hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], str]:
    """Keeps a file in a fresh upload store, as an upload does; gives its key for data=."""
    monkeypatch.setenv("DTW_UPLOAD_DIR", str(tmp_path / "uploads"))
    return lambda path: UploadStore.from_env().put(path.name, path.read_bytes())


@pytest.fixture()
def uci_key(hold: Callable[[Path], str]) -> str:
    return hold(UCI_CSV)


def open_link(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params.update(params)
    return at.run()


def dtw_table(at: AppTest):  # noqa: ANN201
    """The DTW versus Euclidean table (other tables, e.g. the reading preview, come first)."""
    return next(t.value for t in at.table if t.value.index.name == "Method")


def table_headers(at: AppTest) -> str:
    """The column headers the score tables are drawn with (their column configuration)."""
    return " ".join(d.proto.columns for d in at.dataframe)


def selected_line(at: AppTest) -> str:
    return next(m.value for m in at.markdown if " · rank " in m.value)


def test_a_link_reopens_file_stretch_and_product(uci_key: str) -> None:
    at = open_link({"data": uci_key, "stretch": "0.1", "product": "P202"})
    assert not at.exception and not at.warning
    assert at.session_state["sales.file"][0] == UCI_CSV.name
    assert at.slider(key="sales.stretch").value == 0.1
    assert {m.label: m.value for m in at.metric}["Median distance"] == "6.87"
    # One source for the selected product: the line under the picker and the DTW table.
    assert selected_line(at) == "**P202** · rank **38 of 811** · distance 5.30"
    table = dtw_table(at)
    assert table.loc["DTW (±5 weeks)", "Rank"] == "38 of 811"
    assert table.loc["DTW (±5 weeks)", "Distance"] == "5.30"
    assert dict(at.query_params) == {
        "data": uci_key, "stretch": "0.1", "znorm": "1", "band": "0.8-1.2", "n": "10",
        "product": "P202", "weeks": "1:52",
    }  # fmt: skip

    # Moving the slider rewrites the address and every rank follows.
    at.slider(key="sales.stretch").set_value(0.25).run()
    assert at.query_params["stretch"] == "0.25"
    line = selected_line(at)
    rank = re.search(r"rank \*\*(\d+) of 811", line).group(1)
    assert rank != "38"
    assert dtw_table(at).iloc[0]["Rank"] == f"{rank} of 811"


def test_band_znorm_and_table_size_come_from_the_link(uci_key: str) -> None:
    at = open_link({"data": uci_key, "znorm": "0", "band": "0.5-2", "n": "5"})
    assert not at.exception and not at.warning
    assert at.toggle(key="sales.znorm").value is False
    assert at.slider(key="sales.band").value == (0.5, 2.0)
    assert at.number_input(key="sales.top_n").value == 5
    assert at.query_params["band"] == "0.5-2"


def test_a_link_to_a_file_no_longer_held_says_so(uci_key: str) -> None:
    at = open_link({"data": "0" * 32, "stretch": "0.1", "band": "x"})
    assert not at.exception
    words = " ".join(w.value for w in at.warning)
    assert "no longer holds" in words and "upload the file again" in words
    assert "band=x is not two numbers" in words
    assert "made-up demo data" in at.info[0].value
    assert at.slider(key="sales.stretch").value == 0.1
    assert "data" not in at.query_params


def test_a_product_of_the_file_as_target_is_named_and_left_out(uci_key: str) -> None:
    at = open_link({"data": uci_key, "target": "product:P202"})
    assert not at.exception and not at.warning
    words = " ".join(i.value for i in at.info)
    assert "The target is **P202**'s own sales, so P202 is left out of the ranking" in words
    assert "the 810 other products" in words
    m = {x.label: x.value for x in at.metric}
    assert m["Products analysed"] == "810" and m["Best match"] != "P202"
    scores = at.session_state["sales.analysis"].scores
    assert "P202" not in set(scores["product"]) and scores["rank"].max() == 810
    assert at.query_params["target"] == "product:P202"
    # Run names and download names call it "target P202".
    assert at.session_state["sales.analysis"].target_label == "target P202"


def test_a_link_carries_how_the_file_is_read(hold: Callable[[Path], str]) -> None:
    """An order-lines export needs its columns named; the link names them too."""
    key = hold(EXAMPLES / "order_lines.csv")
    reading = {"id": ["Product ID", "Category"], "week": "Order Date", "units": "Quantity",
               "weekstart": "sunday"}  # fmt: skip
    at = open_link({"data": key, **reading})
    assert not at.exception and not at.warning
    assert not any("it is not clear" in i.value for i in at.info)
    assert at.session_state["sales.read.ids"] == ["Product ID", "Category"]
    m = {x.label: x.value for x in at.metric}
    assert m["Products analysed"] == "30" and " | " in m["Best match"]
    assert {k: at.query_params[k] for k in reading} == {
        "id": ["Product ID", "Category"], "week": "Order Date", "units": "Quantity",
        "weekstart": "sunday",
    }  # fmt: skip

    # Without the reading choices the page asks; a column the file lacks is said in words.
    at = open_link({"data": key, "week": "Nope"})
    assert [w.value for w in at.warning] == [
        "week=Nope: order\\_lines.csv has no such column; that part of the link is left out "
        "and the file is read as guessed."
    ]
    assert any("it is not clear which column holds the week" in i.value for i in at.info)


def test_the_planner_can_say_the_values_are_money(hold: Callable[[Path], str]) -> None:
    """Weekly_Sales of a store export is dollars, which its name does not say. The tables
    then say dollars; the published capacity, a units curve, keeps its units."""
    key = hold(EXAMPLES / "store_weekly_sales.csv")
    at = open_link({"data": key})
    assert at.selectbox(key="sales.read.values").value == "auto"
    assert "Units/wk" in table_headers(at) and "$/wk" not in table_headers(at)
    assert "units = Weekly\\_Sales" in reading_line(at)
    at.selectbox(key="sales.read.values").set_value("usd").run()
    assert not at.exception
    assert "$/wk" in table_headers(at) and "Units/wk" not in table_headers(at)
    assert "sales in \\$ = Weekly\\_Sales" in reading_line(at)
    band = next(c.value for c in at.sidebar.caption if "(target mean" in c.value)
    assert re.fullmatch(r"= [\d,]+\.\d to [\d,]+\.\d units a week \(target mean [\d.]+\)", band)
    assert at.query_params["values"] == "usd"
    # The link keeps it.
    again = open_link(dict(at.query_params))
    assert again.selectbox(key="sales.read.values").value == "usd"
    assert "$/wk" in table_headers(again)


def reading_line(at: AppTest) -> str:
    """The page's "We read this as" line."""
    return next(m.value for m in at.markdown if m.value.startswith("**We read this as:**"))


def test_the_readme_lists_every_address_parameter() -> None:
    """The parameter names live in url_state; the README says what each means."""
    from pages.common.url_state import MIX_PARAMS, PARAMS, SHAPES_PARAMS

    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Settings in the address", 1)[1].split("\n### ", 1)[0]
    listed = set(re.findall(r"`(\w+)`", section))
    named = set(PARAMS) | set(SHAPES_PARAMS) | set(MIX_PARAMS)
    assert named <= listed, sorted(named - listed)
