"""The inputs Sales Trends and Product Mix start from: the catalogue, the target and who
the target is, read once from the sidebar and the address in the same order on both pages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from dtwcore.sales import Catalog
from dtwcore.sales.units import Unit
from pages.common import labels, session, url_state
from pages.common import sales_data as data
from pages.common.page_end import end_page


@dataclass(frozen=True)
class SalesInputs:
    """What the sidebar chose.

    ``target`` is the target (or capacity) curve, shape ``(weeks,)``, in its own unit;
    ``unit`` is what the catalogue's values are (money or units); ``target_of`` is the
    catalogue's product chosen as the target, or None when the target is not one of its
    products (even if it happens to equal one's sales).
    """

    catalog: Catalog
    target: np.ndarray
    unit: Unit
    target_of: str | None


def read_inputs(*, weeks: bool) -> SalesInputs:
    """Read the catalogue and the target from the sidebar (after the address has been
    read); with ``weeks``, also the comparison window from the address.

    Ends the page, clearing the analysis other pages share, when either is missing; the
    address's problems are shown in both cases.
    """
    catalog = data.data_sidebar()
    if catalog is None:
        url_state.show_problems()
        session.set_sales_analysis(None)
        end_page()
    url_state.read_target(catalog)
    if weeks:
        url_state.read_weeks(catalog)
    url_state.show_problems()
    target = data.target_sidebar(catalog)
    if target is None:
        session.set_sales_analysis(None)
        end_page()
    target_of = labels.target_product(catalog, target)
    if target_of is not None and st.session_state[data.TARGET_NAME] != data.product_target_name(
        target_of
    ):
        target_of = None  # another target that happens to equal a product's sales
    return SalesInputs(catalog, target, data.values_unit(catalog), target_of)
