"""Words and numbers of the Sales Trends page: units, money, the stretch band, the target."""

from __future__ import annotations

import numpy as np

from dtwcore.sales import demo_catalog, load_catalog
from dtwcore.sales.units import Unit, unit_of
from pages.common.labels import band_words, target_product

from .conftest import ROOT

STORE_CSV = ROOT / "assets" / "examples" / "store_weekly_sales.csv"


def test_units_and_money_with_thousands_separators() -> None:
    assert Unit().per_week(12345.678) == "12,345.7 units a week"
    assert unit_of("units") == Unit()
    assert unit_of("qty") == Unit()
    usd = unit_of("Revenue (USD)")
    assert usd.symbol == "$" and usd.word == "revenue"
    assert usd.per_week(1234567.891) == "$1,234,567.89 a week"
    assert usd.axis == "Revenue per week ($)"
    assert Unit().total(1234567.5) == "1,234,568 units" and usd.total(1234567.5) == "$1,234,568"
    assert unit_of("sales_eur").symbol == "€"
    assert unit_of("net_sales").symbol == "" and unit_of("net_sales").word == "net sales"


def test_the_planner_says_what_the_values_are() -> None:
    store = load_catalog(STORE_CSV)
    assert store.roles is not None and store.roles.units == "Weekly_Sales"
    assert store.unit() == Unit()  # "sales" alone may be units or money: units
    usd = store.unit("usd")
    assert (usd.symbol, usd.word, usd.axis) == ("$", "sales", "Sales per week ($)")
    assert store.unit("eur").per_week(1273528.676) == "€1,273,528.68 a week"
    assert demo_catalog(n=5).unit("units") == Unit()


def test_band_words_equal_and_different_lengths() -> None:
    assert band_words(52, 52, 2) == (
        "±2 weeks",
        "a week's sales may be matched with the target up to 2 weeks earlier or later.",
    )
    head, sentence = band_words(52, 143, 2)
    assert head == "2 weeks earlier to 93 weeks later"
    assert "products are 91 weeks longer" in sentence and "allows ±2 weeks" in sentence
    assert band_words(52, 40, 1)[0] == "13 weeks earlier to 1 week later"


def test_target_product_found_by_its_values_and_left_out() -> None:
    cat = demo_catalog(n=20)
    code = str(cat.ids[7])
    assert target_product(cat, cat.values[7].copy()) == code
    assert target_product(cat, cat.values[7] + 1) is None
    assert target_product(cat, np.ones(10)) is None
    rest = cat.without(code)
    assert code not in set(rest.ids.tolist()) and rest.values.shape == (19, cat.values.shape[1])


def test_clicked_points_custom_data_in_both_shapes_the_browser_sends() -> None:
    """A histogram bar's customdata came as {"0": lo, "1": hi}; a slice of it raised
    (a traceback on screen). Both shapes read the same."""
    from pages.common.selection import point_data

    assert point_data({"customdata": {"1": 7.47, "0": 7.04}}) == [7.04, 7.47]
    assert point_data({"customdata": ["P202", 5.0]}) == ["P202", 5.0]
    assert point_data({"customdata": None}) == [] and point_data({}) == []


def test_a_click_is_read_from_the_clicked_points_own_data(monkeypatch) -> None:  # noqa: ANN001
    """Demand Shapes' panels carry the shape in customdata ((W, 1) per trace): the browser
    sends {"0": shape} or [shape]; no click, or a click event without points, reads []."""
    import streamlit as st

    from pages.common.selection import clicked_data

    state = {
        "grid": {"selection": {"points": [{"curve_number": 7, "customdata": {"0": 2}}]}},
        "scatter": {"selection": {"points": [{"customdata": ["P202", 5.0]}]}},
        "empty": {"selection": {"points": []}},
    }
    monkeypatch.setattr(st, "session_state", state)
    assert clicked_data("grid") == [2]
    assert clicked_data("scatter") == ["P202", 5.0]
    assert clicked_data("empty") == [] and clicked_data("never clicked") == []
