"""The selected product of Sales Trends: one place that sets it, one place that reads it.

Every way of choosing a product (the picker, a row of any table, a bar of the histogram,
a point of the shortlist scatter) writes ``st.session_state["sales.product"]`` through a
callback here, before the page reruns. The page then reads the product once, and its rank
and distance from the current scores, so every section shows the same numbers.

A click is read from the clicked point's own ``customdata`` (:func:`clicked_data`), never
from the order of a figure's traces; Demand Shapes reads its panels the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pandas as pd
import streamlit as st

from pages.common.sales_views import PRODUCT


@dataclass(frozen=True)
class Selected:
    """The selected product as every section shows it.

    Attributes
    ----------
    product : str
        Its code.
    index : int
        Its row in the catalogue (and in the scores, which keep file order).
    rank : int
        1 = closest to the target, among ``of`` products ranked.
    of : int
        How many products are ranked.
    distance : float
        Its DTW distance to the target.
    """

    product: str
    index: int
    rank: int
    of: int
    distance: float


def current(scores: pd.DataFrame, fallback: str) -> Selected:
    """The selected product (``fallback`` when none is, or it is not in ``scores``)."""
    products = scores["product"].astype(str).tolist()
    if st.session_state.get(PRODUCT) not in set(products):
        st.session_state[PRODUCT] = fallback
    product = st.session_state[PRODUCT]
    i = products.index(product)
    return Selected(
        product=product,
        index=i,
        rank=int(scores["rank"].iloc[i]),
        of=len(scores),
        distance=float(scores["distance"].iloc[i]),
    )


def select(product: str) -> None:
    """Make ``product`` the selected product on the whole page."""
    st.session_state[PRODUCT] = str(product)


def point_data(point: dict) -> list:
    """A clicked point's ``customdata`` as a list: the browser sends an array's values
    keyed by position ({"0": …, "1": …}) for some traces, a list for others."""
    data = point.get("customdata")
    if isinstance(data, dict):
        return [data[k] for k in sorted(data, key=int)]
    return list(data) if isinstance(data, (list, tuple)) else []


def clicked_data(chart_key: str) -> list:
    """The ``customdata`` of the point clicked on the chart ``chart_key`` ([] if none)."""
    event = st.session_state.get(chart_key) or {}
    points = (event.get("selection") or {}).get("points") or []
    return point_data(points[0]) if points else []


def _pick_bar(chart_key: str, scores: pd.DataFrame) -> None:
    custom = clicked_data(chart_key)
    if len(custom) < 3:
        return
    row = int(custom[2])  # the bar's closest product, as its hover says
    if 0 <= row < len(scores):
        select(scores["product"].iloc[row])


def _pick_point(chart_key: str, codes: dict[str, str]) -> None:
    custom = clicked_data(chart_key)
    if custom:
        shown = str(custom[0])
        select(codes.get(shown, shown))


def on_histogram_select(chart_key: str, scores: pd.DataFrame) -> Callable[[], None]:
    """Callback for the distance histogram (drawn with ``products``, in the order of
    ``scores``): a clicked bar selects the product its hover names, its closest."""
    return partial(_pick_bar, chart_key, scores)


def on_scatter_select(chart_key: str, codes: dict[str, str]) -> Callable[[], None]:
    """Callback for the scatter: a clicked point selects its product.

    ``codes`` maps the code as drawn (escaped for plotly) back to the product code.
    """
    return partial(_pick_point, chart_key, codes)
