"""Sales Trends: tables, downloads and the product selection shared by every section.

The selected product lives in ``st.session_state["sales.product"]`` (the product
selectbox's key). Clicking a row in any product table sets it, so every chart follows.
"""

from __future__ import annotations

import hashlib
import html
import re
from functools import partial

import pandas as pd
import streamlit as st

from dtwcore.sales import ZSCORE_THRESHOLD, csv_text
from dtwcore.sales.units import Unit
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
    "volume_ratio": st.column_config.NumberColumn(
        "Vol. ratio",
        format="%.2f",
        width=68,
        help="Volume ratio: mean weekly units ÷ the target's mean; 1.00 = the same volume.",
    ),
}


def column_config(unit: Unit) -> dict[str, object]:
    """The score tables' columns, with the mean weekly value in ``unit`` (units or money)."""
    return COLUMN_CONFIG | {
        "mean_units": st.column_config.NumberColumn(
            unit.per_week_short,
            format=unit.column_format,
            width=72,
            help=f"Mean weekly {unit.word}" + (f" ({unit.symbol})" if unit.symbol else " sold"),
        )
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


def picked_row(selection: dict, ticked: list[int]) -> int | None:
    """The row a table event picks: a clicked cell's row first (whatever is ticked), else
    a newly ticked row; None when nothing new was picked. ``ticked`` are the rows the
    table was drawn with ticked."""
    cells = [c[0] for c in selection.get("cells") or []]
    if cells:
        return int(cells[-1])
    rows = [r for r in selection.get("rows") or [] if r not in ticked]
    return int(rows[0]) if rows else None


def _pick_row(table_key: str, products: list[str], ticked: list[int]) -> None:
    row = picked_row(st.session_state[table_key]["selection"], ticked)
    if row is not None:
        st.session_state[PRODUCT] = products[row]


def product_table(rows: pd.DataFrame, *, key: str, selected: str, unit: Unit) -> None:
    """A score table; clicking a row (any cell or its checkbox) selects that product on
    the whole page.

    The widget key names the selected product and the products listed, so any change
    (another selection, a slider that reorders the rows) draws a fresh table whose one
    tick is the selected product's row, or none when it is not listed.
    """
    products = rows["product"].tolist()
    listed = hashlib.sha1("\x00".join(products).encode()).hexdigest()[:12]
    table_key = f"{key}.{selected}.{listed}"
    default = [products.index(selected)] if selected in products else []
    st.dataframe(
        rows[TABLE_COLUMNS],
        key=table_key,
        hide_index=True,
        column_config=column_config(unit),
        on_select=partial(_pick_row, table_key, products, default),
        selection_mode=["single-row", "single-cell"],
        selection_default={"selection": {"rows": default}},
    )


def info_table(rows: pd.DataFrame, *, unit: Unit, height: int | str = "auto") -> None:
    """A read-only score table with the same columns and formats."""
    st.dataframe(
        rows[TABLE_COLUMNS], hide_index=True, column_config=column_config(unit), height=height
    )


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
