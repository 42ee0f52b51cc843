"""Sales Trends: tables, downloads and the product selection shared by every section.

The selected product lives in ``st.session_state["sales.product"]`` (the product
selectbox's key). Clicking a row in any product table sets it, so every chart follows.
"""

from __future__ import annotations

import html
import re
from functools import partial

import pandas as pd
import streamlit as st

from dtwcore.sales import ZSCORE_THRESHOLD, csv_text
from pages.common.session import SALES_PRODUCT

PRODUCT = SALES_PRODUCT
_MARKDOWN = re.compile(r"([\\`*_\[\]$<>~#|])")

TABLE_COLUMNS = ["rank", "product", "distance", "zscore", "mean_units", "volume_ratio"]
COLUMN_CONFIG = {
    "rank": st.column_config.NumberColumn(
        "Rank", format="%d", help="1 = closest to the target", width=46
    ),
    "product": st.column_config.TextColumn("Product", help="Product code", width=72),
    "distance": st.column_config.NumberColumn(
        "Distance",
        format="%.2f",
        width=66,
        help="DTW distance: how far the product's weekly curve is from the target after "
        "the best allowed shifting; smaller = closer.",
    ),
    "zscore": st.column_config.NumberColumn(
        "Z-score",
        format="%.2f",
        width=66,
        help="Distance in standard deviations from the catalogue's average distance; "
        f"{ZSCORE_THRESHOLD:g} or lower is unusually close.",
    ),
    "mean_units": st.column_config.NumberColumn(
        "Units/wk", format="%.1f", width=64, help="Mean weekly units sold"
    ),
    "volume_ratio": st.column_config.NumberColumn(
        "Vol. ratio",
        format="%.2f",
        width=68,
        help="Volume ratio: mean weekly units ÷ the target's mean; 1.00 = the same volume.",
    ),
}


def md(text: object) -> str:
    """Text from a file (names, codes, messages) made safe to show inside markdown.

    Streamlit renders labels, captions and alerts as markdown; a product code such as
    ``*A*`` or ``$5$`` must show as typed, not as emphasis or maths.
    """
    return _MARKDOWN.sub(r"\\\1", str(text))


def plot_text(text: object) -> str:
    """Text from a file (product codes) made safe for plotly titles, legends and hovers.

    Plotly reads a few HTML tags (``<b>``, ``<br>``, ``<a href>``) and entities in its
    labels and ``%{…}`` in hover templates; escaped, a code such as ``<b>x</b>`` or
    ``%{y}`` shows as typed.
    """
    return html.escape(str(text), quote=False).replace("%", "&#37;")


def _pick_row(table_key: str, products: list[str]) -> None:
    selection = st.session_state[table_key]["selection"]
    rows = list(selection.get("rows") or []) + [c[0] for c in selection.get("cells") or []]
    if rows:
        st.session_state[PRODUCT] = products[rows[0]]


def product_table(rows: pd.DataFrame, *, key: str, selected: str) -> None:
    """A score table; clicking a row (any cell or its checkbox) selects that product on
    the whole page.

    The widget key includes the selected product, so a selection made elsewhere resets
    the table, which then shows the selected product's row ticked when it is listed.
    """
    products = rows["product"].tolist()
    table_key = f"{key}.{selected}"
    default = [products.index(selected)] if selected in products else []
    st.dataframe(
        rows[TABLE_COLUMNS],
        key=table_key,
        hide_index=True,
        column_config=COLUMN_CONFIG,
        on_select=partial(_pick_row, table_key, products),
        selection_mode=["single-row", "single-cell"],
        selection_default={"selection": {"rows": default}},
    )


def info_table(rows: pd.DataFrame, *, height: int | str = "auto") -> None:
    """A read-only score table with the same columns and formats."""
    st.dataframe(rows[TABLE_COLUMNS], hide_index=True, column_config=COLUMN_CONFIG, height=height)


def csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV for download: formulas neutralised, numbers exact (not rounded), CRLF line ends
    (``dtwcore.sales.csv_text``), so a cell holding a line break cannot split its row and
    start a new, unneutralised cell."""
    return csv_text(df).encode("utf-8")


def download(df: pd.DataFrame, label: str, file_name: str, *, key: str, help: str) -> None:
    """A CSV download button for ``df``."""
    st.download_button(
        label,
        csv_bytes(df),
        file_name=file_name,
        mime="text/csv",
        key=key,
        help=help,
        icon=":material/download:",
        on_click="ignore",
    )
