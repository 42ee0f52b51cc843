"""The data set in use, for the sidebar of every page."""

from __future__ import annotations

import streamlit as st

from pages.common.sales_data import FILE, demo
from pages.common.sales_views import md
from pages.common.session import sales_analysis


def dataset_summary() -> None:
    """One line: the sales data in use (demo or file name) and its size as read, with the
    weeks compared when the comparison leaves some out."""
    analysis = sales_analysis()
    file = st.session_state.get(FILE)
    if analysis is not None:
        catalog = analysis.catalog
        compared = catalog.values.shape[1]
        products, weeks = analysis.file_shape or catalog.values.shape
        label = "Demo data (made up)" if not file else md(catalog.name)
        of = f" ({compared} compared)" if compared != weeks else ""
        st.caption(f"**Sales data:** {label} · {products:,} products × {weeks} weeks{of}")
    elif file:  # read by the page in use; Sales Trends has not analysed it (yet)
        st.caption(f"**Sales data:** {md(file[0])}")
    else:
        products, weeks = demo().values.shape
        st.caption(f"**Sales data:** Demo data (made up) · {products:,} products × {weeks} weeks")
