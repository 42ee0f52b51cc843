"""Sales Trends: where the data comes from (sidebar) and the cached computations.

Everything heavy is a cached pure function keyed by small hashable values (file bytes,
the catalogue's content hash, the target as a tuple), so moving a slider re-runs only
what changed. Session-state keys all start with ``sales.``:

* ``sales.file``: ``(file name, bytes)`` of the uploaded catalogue, or absent for the
  demo. It outlives page switches (the uploader widget does not), and tests or other pages
  may set it to load a file without the upload widget.
* ``sales.target``, ``sales.target_name``, ``sales.target_label``: the target in use,
  what the screen calls it and what run names and download names call it.
* ``sales.read.*``: how the planner asked to read the file (layout, product columns,
  week and units columns, week start, date order, clipping of returns); cleared when
  another file is uploaded.
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
    DATE_ORDERS,
    DEFAULT_STRETCH,
    LAYOUTS,
    PAGE_LIMITS,
    WEEKDAYS,
    AmbiguousColumns,
    Catalog,
    CatalogError,
    ReadOptions,
    demo_catalog,
    euclidean_distances,
    load_catalog,
    parse_target,
    peek,
    rank_distances,
    score_catalog,
    summary_line,
)
from dtwcore.sales.dialect import is_workbook, workbook_sheets
from dtwcore.sales.reading import INPUT_FORMATS, OLD_WORKBOOK_SUFFIX
from dtwcore.sales.target import PUBLISHED_NAME, TargetSpec, product_spec
from dtwcore.sales.units import VALUE_KINDS, Unit
from dtwcore.sales.window import Window, default_window
from pages.common.sales_views import md
from pages.common.session import (
    SALES_PRODUCT,
    SALES_TARGET_PRODUCT,
    SALES_WEEKS,
    STRETCH_RANGE,
)

log = logging.getLogger(__name__)

FILE = "sales.file"
TARGET = "sales.target"
TARGET_NAME = "sales.target_name"
TARGET_LABEL = "sales.target_label"
_UPLOAD_VERSION = "sales.uploader_version"
_TARGET_VERSION = "sales.target_version"
_TARGET_MESSAGE = "sales.target_message"
_READ = {
    "layout": "sales.read.layout",
    "ids": "sales.read.ids",
    "week": "sales.read.week",
    "units": "sales.read.units",
    "week_start": "sales.read.week_start",
    "date_order": "sales.read.date_order",
    "clip": "sales.read.clip",
    "values": "sales.read.values",
    "sheet": "sales.read.sheet",
}
_FILE_NOTE = "sales.file_note"
_PER_FILE = (SALES_PRODUCT, SALES_TARGET_PRODUCT, SALES_WEEKS, *_READ.values())
_LAYOUT_LABELS = {
    "auto": "Tell automatically",
    "wide": "Wide: one row per product, one column per week",
    "long": "Long: one row per product and week, or per order line",
}
_ORDER_LABELS = {
    "auto": "Tell automatically",
    **{k: v.capitalize() for k, v in DATE_ORDERS.items()},
}
_ROLE_WORDS = {
    "layout": "the layout and the columns",
    "product": "the product column(s)",
    "week": "the week or date column",
    "units": "the units column",
    "dates": "how the dates are written",
}


# --------------------------------------------------------------------------- cached


@st.cache_data(show_spinner=False, max_entries=2)
def demo() -> Catalog:
    """The built-in made-up catalogue."""
    return demo_catalog()


@st.cache_data(show_spinner=False, max_entries=8)
def load_file(
    data: bytes, name: str, id_column: str | None, reading: tuple[tuple[str, object], ...] = ()
) -> Catalog:
    """:func:`dtwcore.sales.load_catalog` on uploaded bytes (errors are not cached), within
    the page's limits (bigger catalogues are refused with a pointer to the command line).
    ``reading`` holds :class:`~dtwcore.sales.ReadOptions` fields as (name, value) pairs."""
    options = ReadOptions(**dict(reading))
    return load_catalog(data, name=name, id_column=id_column, limits=PAGE_LIMITS, options=options)


@st.cache_data(show_spinner=False, max_entries=8)
def raw_rows(
    data: bytes, name: str, sheet: str | None = None
) -> tuple[list[str], list[list[str]]] | str:
    """The header and first rows of an uploaded file (of its ``sheet`` when it is a
    workbook) as text, or why it has none."""
    try:
        return peek(data, name=name, sheet=sheet)
    except CatalogError as exc:
        return str(exc)


@st.cache_data(show_spinner=False, max_entries=8)
def sheets(data: bytes, name: str) -> list[str]:
    """The sheets of an uploaded ``.xlsx`` workbook that can hold rows, the one read by
    default first (none for other files)."""
    if not is_workbook(data):
        return []
    try:
        return workbook_sheets(data, name)
    except CatalogError:
        return []


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


def _forget_file() -> None:
    """Clear what came from the file in use (selection, product target, reading choices,
    value kind, weeks compared) before another is used; say what is kept."""
    for key in _PER_FILE:
        st.session_state.pop(key, None)
    name = st.session_state.get(TARGET_NAME)
    if name is None or name == PUBLISHED_NAME:
        st.session_state.pop(_FILE_NOTE, None)
        return
    if name.startswith(product_target_name("")):
        st.session_state[_FILE_NOTE] = (
            f"The target was the {name} in the previous file; the published capacity is "
            "the target again."
        )
        _set_target(BLOG_TARGET, PUBLISHED_NAME)
    else:
        st.session_state[_FILE_NOTE] = (
            f"Kept from before: the target ({name}). Go back to the published capacity "
            "under *Target* in the sidebar if it does not belong to this file."
        )


def _on_upload(widget_key: str) -> None:
    upload = st.session_state.get(widget_key)
    if upload is None:
        st.session_state.pop(FILE, None)
    else:
        st.session_state[FILE] = (upload.name, upload.getvalue())
    _forget_file()


def _use_demo() -> None:
    st.session_state.pop(FILE, None)
    _forget_file()
    st.session_state[_UPLOAD_VERSION] = st.session_state.get(_UPLOAD_VERSION, 0) + 1


def use_file(file: tuple[str, bytes] | None) -> None:
    """Use this file, ``(name, bytes)``, as if it had been uploaded; None for the demo."""
    if file is None:
        _use_demo()
        return
    st.session_state[FILE] = file
    _forget_file()
    st.session_state[_UPLOAD_VERSION] = st.session_state.get(_UPLOAD_VERSION, 0) + 1


def values_unit(catalog: Catalog) -> Unit:
    """What ``catalog``'s values are (units, or money in a currency) as the planner said in
    the sidebar, else as its units column's name says (:meth:`Catalog.unit`)."""
    return catalog.unit(str(reading_choices().get("values", "auto")))


def reading_choices() -> dict[str, object]:
    """The reading choices made in the sidebar for the file in use (those left on "tell
    automatically" are not listed), by role: ``layout``, ``ids`` (list), ``week``,
    ``units``, ``date_order``, ``week_start``, ``clip``, ``sheet``, ``values`` (a key of
    :data:`dtwcore.sales.units.VALUE_KINDS`; labels only, not how the file is parsed)."""
    defaults: dict[str, object] = {
        "layout": "auto",
        "date_order": "auto",
        "week_start": WEEKDAYS[0],
        "clip": False,
        "values": "auto",
    }
    chosen = {role: st.session_state.get(key) for role, key in _READ.items()}
    return {
        role: list(value) if role == "ids" else value
        for role, value in chosen.items()
        if value not in (None, "", [], ()) and value != defaults.get(role)
    }


def choose_reading(role: str, value: object) -> None:
    """Set one reading choice (a role of :func:`reading_choices`) as the sidebar would."""
    st.session_state[_READ[role]] = value


def is_demo() -> bool:
    """True when no file is in use (the demo catalogue is shown)."""
    return not st.session_state.get(FILE)


def _reading() -> tuple[tuple[str, object], ...]:
    """The reading options chosen in the sidebar, as (ReadOptions field, value) pairs."""
    state = st.session_state
    pairs: list[tuple[str, object]] = [
        ("layout", state.get(_READ["layout"]) or "auto"),
        ("id_columns", tuple(state.get(_READ["ids"]) or ())),
        ("week_column", state.get(_READ["week"])),
        ("units_column", state.get(_READ["units"])),
        ("week_start", WEEKDAYS.index(state.get(_READ["week_start"]) or WEEKDAYS[0])),
        ("date_order", state.get(_READ["date_order"]) or "auto"),
        ("clip_negative", bool(state.get(_READ["clip"]))),
        ("sheet", state.get(_READ["sheet"])),
    ]
    return tuple(pairs)


def _reading_controls(header: list[str], read: bool, sheet_names: list[str]) -> None:
    """Sidebar controls for the sheet, the layout and the column roles (kept in session
    state); open while the file is not ``read`` or the planner is choosing."""
    chosen = any(st.session_state.get(_READ[k]) for k in ("ids", "week", "units", "sheet"))
    expanded = not read or chosen
    with st.sidebar.expander("How the file is read", expanded=expanded, icon=":material/table:"):
        if len(sheet_names) > 1:
            st.selectbox(
                "Sheet",
                sheet_names,
                index=None,
                key=_READ["sheet"],
                placeholder=f"The default ({sheet_names[0]})",
                help="The workbook's sheet that holds the sales.",
            )
        st.selectbox(
            "Layout",
            LAYOUTS,
            format_func=_LAYOUT_LABELS.__getitem__,
            key=_READ["layout"],
            help="Wide: a product column and one column per week (W0, Week 1, or dates). "
            "Long: a product column, a week or date column and a units column; rows of the "
            "same product and week are added up.",
        )
        st.multiselect(
            "Product column(s)",
            header,
            key=_READ["ids"],
            placeholder="Tell automatically",
            help="The column with the product codes; choose several when they name a "
            "product together (for example store and department).",
        )
        st.selectbox(
            "Week or date column (long layout)",
            header,
            index=None,
            key=_READ["week"],
            placeholder="Tell automatically",
            help="Week numbers or dates. Daily or per-order dates are added up into weeks.",
        )
        st.selectbox(
            "Units column (long layout)",
            header,
            index=None,
            key=_READ["units"],
            placeholder="Tell automatically",
            help="Units sold per row. Amount, profit or temperature columns are not units.",
        )
        st.selectbox(
            "Dates are written",
            ["auto", *DATE_ORDERS],
            format_func=_ORDER_LABELS.__getitem__,
            key=_READ["date_order"],
            help="Day-first (31/12/2024) or month-first (12/31/2024); asked when every "
            "date reads both ways.",
        )
        st.selectbox(
            "Weeks start on",
            WEEKDAYS,
            format_func=str.capitalize,
            key=_READ["week_start"],
            help="Used when daily or per-order dates are added up into weeks.",
        )
        st.checkbox(
            "Set negative units (returns) to 0",
            key=_READ["clip"],
            help="By default returns are kept (and reported), so a week can be negative.",
        )
        st.selectbox(
            "Values are",
            list(VALUE_KINDS),
            format_func=VALUE_KINDS.__getitem__,
            key=_READ["values"],
            help="Changes the labels only: amounts, axes and captions. Choose money when "
            "the file holds sales in a currency but neither its column name nor its values "
            "say so (a column named Revenue (EUR), or values written $1,234.00, are told "
            "automatically).",
        )


def _raw_table(raw: tuple[list[str], list[list[str]]], columns: int = 12) -> pd.DataFrame:
    """The first rows of the file as a small table (at most ``columns`` columns)."""
    header, rows = raw
    frame = pd.DataFrame([r[:columns] + [""] * (columns - len(r)) for r in rows])
    names = header[:columns]
    frame = frame.iloc[:, : len(names)]
    frame.columns = [md(f"{h} ({k + 1})" if names.count(h) > 1 else h) for k, h in enumerate(names)]
    return frame.map(md)  # st.table renders markdown: codes show as typed


def _show_reading(catalog: Catalog, raw: tuple[list[str], list[list[str]]] | str) -> None:
    """The "We read this as" line, with the parsed table and the raw rows beside it."""
    guessed = catalog.roles.guessed if catalog.roles is not None else ()
    words = {"ids": "product", "week": "week", "units": "units", "layout": "layout"}
    chosen = [words[r] for r in reading_choices() if r in words]
    parts = [f"your choice: {', '.join(chosen)}"] if chosen else []
    if guessed:
        parts.append(
            f"guessed: {', '.join(guessed)}; change it in the sidebar, under *How the file is read*"
        )
    how = f" ({'; '.join(parts)})" if parts else ""
    st.markdown(f"**We read this as:** {md(summary_line(catalog, values_unit(catalog)))}{how}")
    with st.expander("Check the reading: the table as read, and the file's first rows"):
        left, right = st.columns(2)
        shown = min(8, len(catalog.weeks))
        parsed = pd.DataFrame(
            catalog.values[:5, :shown],
            columns=[md(w) for w in catalog.weeks[:shown]],
            index=[md(i) for i in catalog.ids[:5]],
        )
        left.caption(f"As read (first 5 products, first {shown} weeks)")
        left.table(parsed.rename_axis("product"))
        right.caption("The file's first rows")
        if isinstance(raw, str):
            right.caption(md(raw))
        else:
            right.table(_raw_table(raw))


def data_sidebar() -> Catalog | None:
    """The sidebar's data section; the catalogue in use, or None (message shown).

    An uploaded file is read with the layout and columns chosen in the sidebar (or
    guessed); the page says how it was read before any analysis. When the reading is not
    clear, the page asks and analyses nothing.
    """
    st.sidebar.subheader("Data")
    version = st.session_state.get(_UPLOAD_VERSION, 0)
    widget_key = f"sales.uploader.{version}"
    st.sidebar.file_uploader(
        "Upload weekly sales (CSV, Excel or Parquet)",
        # an old .xls is taken too, to say what to do with it
        type=[suffix.lstrip(".") for suffix in (*INPUT_FORMATS, OLD_WORKBOOK_SUFFIX)],
        key=widget_key,
        on_change=partial(_on_upload, widget_key),
        help=(
            "Wide: one row per product, one column per week (like the UCI file: "
            "Product_Code, W0 … W51). Long: one row per product and week or per order line "
            "(product, week or date, units). Without a file, made-up demo data is used. "
            f"This page takes {PAGE_LIMITS.describe()}; bigger catalogues are scored with "
            "`python -m dtwcore score`."
        ),
    )
    if _FILE_NOTE in st.session_state:
        st.info(md(st.session_state.pop(_FILE_NOTE)), icon=":material/swap_horiz:")
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
    raw = raw_rows(data, name, st.session_state.get(_READ["sheet"]))
    question: AmbiguousColumns | None = None
    catalog: Catalog | None = None
    try:
        with st.spinner(f"Reading {md(name)}…"):
            catalog = load_file(data, name, None, _reading())
    except AmbiguousColumns as exc:
        question = exc
    except CatalogError as exc:
        st.error(
            f"{md(exc)}\n\nUpload a corrected file, change how it is read (sidebar), or go "
            "back to the demo data.",
            icon=":material/error:",
        )
    except Exception as exc:  # a file we did not foresee must not show a traceback
        log.exception("unexpected error loading %s", name)
        st.error(
            f"{md(name)} could not be read ({type(exc).__name__}). Check that it is a CSV or "
            "Parquet table of weekly unit sales, or go back to the demo data (sidebar).",
            icon=":material/error:",
        )
    if not isinstance(raw, str):
        _reading_controls(raw[0], catalog is not None, sheets(data, name))
    elif len(sheets(data, name)) > 1:  # another sheet may hold the sales
        _reading_controls([], False, sheets(data, name))
    if question is not None:
        st.info(
            f"{md(question)} Choose {_ROLE_WORDS.get(question.role, 'the columns')} in the "
            "sidebar, under *How the file is read*.",
            icon=":material/help:",
        )
        if not isinstance(raw, str):
            st.caption("The file's first rows")
            st.table(_raw_table(raw))
        return None
    if catalog is not None:
        _show_reading(catalog, raw)
    return catalog


# --------------------------------------------------------------------------- target


def _set_target(values: np.ndarray, name: str, label: str = PUBLISHED_NAME) -> None:
    before = st.session_state.get(TARGET)
    if before is None or before.size != np.size(values):
        st.session_state.pop(SALES_WEEKS, None)  # the default window follows the length
    st.session_state[TARGET] = np.asarray(values, dtype=np.float64)
    st.session_state[TARGET_NAME] = name
    st.session_state[TARGET_LABEL] = label
    st.session_state[_TARGET_VERSION] = st.session_state.get(_TARGET_VERSION, 0) + 1
    st.session_state.pop(_TARGET_MESSAGE, None)


def use_target(values: np.ndarray, name: str, label: str) -> None:
    """Use ``values`` [shape=(n,), units a week] as the target, called ``name`` on screen
    and ``label`` in run names and download names (:mod:`dtwcore.sales.target`)."""
    _set_target(values, name, label)


def product_target_name(product: str) -> str:
    """What to call the target when it is a product's own sales."""
    return f"sales of {product}"


def _on_target_upload(widget_key: str) -> None:
    upload = st.session_state.get(widget_key)
    if upload is None:
        return
    try:
        _set_target(
            parse_target(upload.getvalue(), max_weeks=PAGE_LIMITS.weeks),
            upload.name,
            TargetSpec("file", upload.name).label,
        )
    except CatalogError as exc:
        st.session_state[_TARGET_MESSAGE] = md(f"{upload.name}: {exc}")
    except Exception as exc:  # a file we did not foresee must not show a traceback
        log.exception("unexpected error reading the target %s", upload.name)
        st.session_state[_TARGET_MESSAGE] = md(
            f"{upload.name} could not be read ({type(exc).__name__}). It must be one column "
            "of numbers, one week per line."
        )


def _use_product(catalog: Catalog) -> None:
    product = st.session_state.get(SALES_TARGET_PRODUCT)
    if product is not None:
        _set_target(
            catalog.series(product), product_target_name(product), product_spec(product).label
        )


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
            key=SALES_TARGET_PRODUCT,
            placeholder="Choose a product",
            help="Find products that sell like this one.",
        )
        st.button(
            "Use as target",
            on_click=_use_product,
            args=(catalog,),
            disabled=st.session_state.get(SALES_TARGET_PRODUCT) is None,
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


def stretch_slider(key: str, help: str, **options: object) -> float:
    """The stretch-factor slider in the sidebar, the same range, step and format on every
    page (:data:`~pages.common.session.STRETCH_RANGE`, default :data:`DEFAULT_STRETCH`);
    ``options`` go to ``st.slider`` (e.g. ``persist_state``)."""
    return st.sidebar.slider(
        "Stretch factor",
        min_value=STRETCH_RANGE.low,
        max_value=STRETCH_RANGE.high,
        value=DEFAULT_STRETCH,
        step=STRETCH_RANGE.step,
        format="%.3f",
        key=key,
        help=help,
        **options,
    )


def weeks_slider(catalog: Catalog, target_weeks: int) -> Window:
    """The sidebar's "Weeks compared": which of the file's weeks are compared with the
    target, by default the last ``target_weeks`` (all of them when the file is shorter)."""
    n = len(catalog.weeks)
    default = default_window(n, target_weeks)
    chosen = st.session_state.get(SALES_WEEKS)
    if not (
        isinstance(chosen, (tuple, list)) and len(chosen) == 2 and 1 <= chosen[0] <= chosen[1] <= n
    ):
        st.session_state[SALES_WEEKS] = (default.first, default.last)
    if n < 2:
        return Window(1, n)
    first, last = st.sidebar.select_slider(
        "Weeks compared",
        options=list(range(1, n + 1)),
        value=(default.first, default.last),
        format_func=lambda k: str(catalog.weeks[k - 1]),
        key=SALES_WEEKS,
        help=f"Which of the file's {n:,} weeks are compared with the target's "
        f"{target_weeks:,}. By default the last {min(n, target_weeks):,}: the weeks that "
        "line up with the target.",
    )
    return Window(int(first), int(last))
