"""Sales Trends: where the data comes from (sidebar) and the cached computations.

Everything heavy is a cached pure function keyed by small hashable values (file bytes,
the catalogue's content hash, the target as a tuple), so moving a slider re-runs only
what changed. Session-state keys all start with ``sales.``:

* ``sales.file``: ``(file name, bytes)`` of the uploaded catalogue, or absent for the
  demo. It outlives page switches (the uploader widget does not), and tests or other pages
  may set it to load a file without the upload widget.
* ``sales.target``, ``sales.target_name``: the target in use and what to call it.
"""

from __future__ import annotations

import logging
from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from dtwcore import band_radius, warping_path
from dtwcore.sales import (
    BLOG_TARGET,
    PAGE_LIMITS,
    AmbiguousIdColumn,
    Catalog,
    CatalogError,
    demo_catalog,
    euclidean_distances,
    load_catalog,
    parse_target,
    rank_distances,
    score_catalog,
)
from pages.common.sales_views import md

log = logging.getLogger(__name__)

FILE = "sales.file"
TARGET = "sales.target"
TARGET_NAME = "sales.target_name"
PUBLISHED_NAME = "published capacity"
_UPLOAD_VERSION = "sales.uploader_version"
_TARGET_VERSION = "sales.target_version"
_TARGET_MESSAGE = "sales.target_message"
_PER_FILE = ("sales.id_column", "sales.product", "sales.target_product")


# --------------------------------------------------------------------------- cached


@st.cache_data(show_spinner=False, max_entries=2)
def demo() -> Catalog:
    """The built-in made-up catalogue."""
    return demo_catalog()


@st.cache_data(show_spinner=False, max_entries=8)
def load_file(data: bytes, name: str, id_column: str | None) -> Catalog:
    """:func:`dtwcore.sales.load_catalog` on uploaded bytes (errors are not cached), within
    the page's limits (bigger catalogues are refused with a pointer to the command line)."""
    return load_catalog(data, name=name, id_column=id_column, limits=PAGE_LIMITS)


@st.cache_data(show_spinner=False, max_entries=512)
def scores(
    key: str, _catalog: Catalog, target: tuple[float, ...], stretch: float, znorm: bool
) -> pd.DataFrame:
    """DTW scores of the catalogue whose content hash is ``key``."""
    return score_catalog(
        _catalog.ids, _catalog.values, np.array(target), stretch=stretch, znorm=znorm
    )


@st.cache_data(show_spinner=False, max_entries=64)
def euclidean(
    key: str, _catalog: Catalog, target: tuple[float, ...], znorm: bool
) -> tuple[np.ndarray, np.ndarray] | str:
    """Euclidean distances and ranks, or the reason they do not exist."""
    try:
        dist = euclidean_distances(_catalog.values, np.array(target), znorm=znorm)
    except CatalogError as exc:
        return str(exc)
    return dist, rank_distances(dist)


@st.cache_data(show_spinner=False, max_entries=256)
def path_and_cost(
    target: tuple[float, ...], product: tuple[float, ...], stretch: float, znorm: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Warping path and accumulated cost of one product against the target."""
    return warping_path(np.array(target), np.array(product), stretch=stretch, znorm=znorm)


def weeks_of_shift(target_len: int, stretch: float) -> int:
    """How many weeks a sale may move under this stretch factor."""
    return band_radius(target_len, stretch=stretch)


# --------------------------------------------------------------------------- catalogue


def _on_upload(widget_key: str) -> None:
    upload = st.session_state.get(widget_key)
    if upload is None:
        st.session_state.pop(FILE, None)
    else:
        st.session_state[FILE] = (upload.name, upload.getvalue())
    for key in _PER_FILE:
        st.session_state.pop(key, None)


def _use_demo() -> None:
    for key in (FILE, *_PER_FILE):
        st.session_state.pop(key, None)
    st.session_state[_UPLOAD_VERSION] = st.session_state.get(_UPLOAD_VERSION, 0) + 1


def is_demo() -> bool:
    """True when no file is in use (the demo catalogue is shown)."""
    return not st.session_state.get(FILE)


def data_sidebar() -> Catalog | None:
    """The sidebar's data section; the catalogue in use, or None (message shown)."""
    st.sidebar.subheader("Data")
    version = st.session_state.get(_UPLOAD_VERSION, 0)
    widget_key = f"sales.uploader.{version}"
    st.sidebar.file_uploader(
        "Upload weekly sales (CSV or Parquet)",
        type=["csv", "tsv", "txt", "parquet", "pq"],
        key=widget_key,
        on_change=partial(_on_upload, widget_key),
        help=(
            "One row per product with a column of product codes and one column per week "
            "(like the UCI file: Product_Code, W0 … W51), or three columns product, week, "
            "units. Without a file, made-up demo data is used. This page takes "
            f"{PAGE_LIMITS.describe()}; bigger catalogues are scored with "
            "`python -m dtwcore score`."
        ),
    )
    file = st.session_state.get(FILE)
    if not file:
        return demo()
    name, data = file
    st.sidebar.button(
        "Back to the demo data",
        on_click=_use_demo,
        icon=":material/undo:",
        help=f"Stop using {md(name)} and show the made-up demo data.",
    )
    try:
        try:
            with st.spinner(f"Reading {md(name)}…"):
                return load_file(data, name, None)
        except AmbiguousIdColumn as exc:
            choice = st.sidebar.selectbox(
                "Column with the product codes",
                exc.candidates,
                index=None,
                key="sales.id_column",
                placeholder="Choose a column",
                help="The file has several columns that could name the products.",
            )
            if choice is None:
                st.info(f"{md(exc)} Choose it in the sidebar, under Data.")
                return None
            with st.spinner(f"Reading {md(name)}…"):
                return load_file(data, name, choice)
    except CatalogError as exc:
        st.error(
            f"{md(exc)}\n\nUpload a corrected file, or go back to the demo data (sidebar).",
            icon=":material/error:",
        )
    except Exception as exc:  # a file we did not foresee must not show a traceback
        log.exception("unexpected error loading %s", name)
        st.error(
            f"{md(name)} could not be read ({type(exc).__name__}). Check that it is a CSV or "
            "Parquet table of weekly unit sales, or go back to the demo data (sidebar).",
            icon=":material/error:",
        )
    return None


# --------------------------------------------------------------------------- target


def _set_target(values: np.ndarray, name: str) -> None:
    st.session_state[TARGET] = np.asarray(values, dtype=np.float64)
    st.session_state[TARGET_NAME] = name
    st.session_state[_TARGET_VERSION] = st.session_state.get(_TARGET_VERSION, 0) + 1
    st.session_state.pop(_TARGET_MESSAGE, None)


def set_target(values: np.ndarray, name: str) -> None:
    """Make ``values`` (units a week) the Sales Trends target, called ``name`` on screen
    (for other pages: the target editor shows it the next time Sales Trends runs)."""
    _set_target(values, name)


def _on_target_upload(widget_key: str) -> None:
    upload = st.session_state.get(widget_key)
    if upload is None:
        return
    try:
        _set_target(parse_target(upload.getvalue(), max_weeks=PAGE_LIMITS.weeks), upload.name)
    except CatalogError as exc:
        st.session_state[_TARGET_MESSAGE] = md(f"{upload.name}: {exc}")
    except Exception as exc:  # a file we did not foresee must not show a traceback
        log.exception("unexpected error reading the target %s", upload.name)
        st.session_state[_TARGET_MESSAGE] = md(
            f"{upload.name} could not be read ({type(exc).__name__}). It must be one column "
            "of numbers, one week per line."
        )


def _use_product(catalog: Catalog) -> None:
    product = st.session_state.get("sales.target_product")
    if product is not None:
        _set_target(catalog.series(product), f"sales of {product}")


def target_sidebar(catalog: Catalog) -> np.ndarray | None:
    """The sidebar's target editor; the target in use, or None (message shown)."""
    if TARGET not in st.session_state:
        _set_target(BLOG_TARGET, PUBLISHED_NAME)
    base = st.session_state[TARGET]
    version = st.session_state.get(_TARGET_VERSION, 0)
    title = f"Target: {md(st.session_state[TARGET_NAME])}"
    with st.sidebar.expander(title, icon=":material/flag:"):
        st.caption(
            "The curve products are compared with: the factory's weekly production "
            "capacity in units. Edit a cell, add or delete rows, or replace it below."
        )
        edited = st.data_editor(
            pd.DataFrame({"week": [f"W{k}" for k in range(base.size)], "units": base}),
            key=f"sales.target_editor.{version}",
            num_rows="dynamic",
            hide_index=True,
            height=240,
            disabled=["week"],
            column_config={
                "week": st.column_config.TextColumn("Week", help="Week 0 is the first week."),
                "units": st.column_config.NumberColumn(
                    "Units", help="Capacity in that week, in units.", format="%.2f"
                ),
            },
        )
        values = edited["units"].to_numpy(dtype=np.float64, na_value=np.nan)
        empty = int(np.isnan(values).sum())
        if empty:
            st.warning(
                f"{empty} empty row{'s' if empty != 1 else ''} left out of the target.",
                icon=":material/warning:",
            )
        st.file_uploader(
            "Upload a target",
            type=["csv", "txt", "tsv"],
            key=f"sales.target_uploader.{version}",
            on_change=partial(_on_target_upload, f"sales.target_uploader.{version}"),
            help="One column of numbers, one week per line; a header line is allowed.",
        )
        if _TARGET_MESSAGE in st.session_state:
            st.error(st.session_state[_TARGET_MESSAGE], icon=":material/error:")
        st.selectbox(
            "Or use a product's sales as the target",
            catalog.ids,
            index=None,
            key="sales.target_product",
            placeholder="Choose a product",
            help="Find products that sell like this one.",
        )
        st.button(
            "Use as target",
            on_click=_use_product,
            args=(catalog,),
            disabled=st.session_state.get("sales.target_product") is None,
            help="Replace the target with the chosen product's weekly sales.",
        )
        st.button(
            "Back to the published capacity",
            on_click=_set_target,
            args=(BLOG_TARGET, PUBLISHED_NAME),
            help="Go back to the 52-week capacity curve of the published analysis.",
        )
    try:
        return parse_target(values[~np.isnan(values)], max_weeks=PAGE_LIMITS.weeks)
    except CatalogError as exc:
        st.error(f"{md(exc)} Fix the target in the sidebar.", icon=":material/error:")
        return None
