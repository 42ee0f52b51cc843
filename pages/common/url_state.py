"""Page settings in the address, so a reload or a shared link reopens a view.

data       key of an uploaded file kept on the server (:mod:`pages.common.uploads`)
stretch    stretch factor, e.g. ``0.1``
znorm      ``1`` compare shapes only (z-normalised), ``0`` compare units
band       volume band for the shortlist, ``low-high`` as shares of the target's mean
n          products per table
product    the selected product's code
target     ``product:<code>`` (a product of the file) or ``values:<v1>,<v2>,…``
layout     how an uploaded file is read (*How the file is read*): ``wide`` or ``long``
id         a product column; repeated when several columns name a product together
week       the week or date column (long layout)
units      the units column (long layout)
dates      how dates are written: ``ymd``, ``dmy`` or ``mdy``
weekstart  the first day of a week, ``monday`` … ``sunday``
clip       ``1`` sets negative units to 0
values     what the values are (labels only): ``units``, ``usd``, ``eur`` or ``gbp``
sheet      the sheet of an ``.xlsx`` workbook (absent: the active or first visible one)
weeks      the file's weeks compared with the target, ``FROM:TO`` counted from 1
=========  ==========================================================================

Reading choices left on "tell automatically" are not written; with the demo data there
are none. Demand Shapes uses ``data`` and the reading choices the same way, with ``k``
(``auto`` or a number of shapes), ``stretch``, ``znorm`` and ``shape`` (from 1).
=======
The parameters are :data:`PARAMS` (Sales Trends), :data:`SHAPES_PARAMS` (Demand Shapes)
and :data:`MIX_PARAMS` (Product Mix), all optional; the README's "Settings in the address"
says what each means (a test checks that it lists every one). Reading choices left on
"tell automatically" are not written.

On a session's first run (a shared link opened, a reload) and after back or forward in
the browser, the address wins: its settings are put into the widgets' session state
before the widgets are drawn. After the page has run, the address is rewritten from the
settings in use.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dtwcore.sales import (
    BLOG_TARGET,
    DATE_ORDERS,
    LAYOUTS,
    PAGE_LIMITS,
    WEEKDAYS,
    Catalog,
    CatalogError,
)
from dtwcore.sales.mix import SHARE_STEPS
from dtwcore.sales.target import (
    PUBLISHED_NAME,
    load_target,
    parse_target_spec,
    product_spec,
    values_spec,
)
from dtwcore.sales.units import VALUE_KINDS
from dtwcore.sales.window import parse_weeks
from pages.common import mix_data
from pages.common import sales_data as data
from pages.common.sales_views import PRODUCT, md
from pages.common.session import (
    BAND_RANGE,
    SALES_BAND,
    SALES_STRETCH,
    SALES_TOP_N,
    SALES_WEEKS,
    SALES_ZNORM,
    STRETCH_RANGE,
    TOP_N_RANGE,
    Range,
)
from pages.common.uploads import UploadStore, content_key

# Reading choices: address parameter -> role in sales_data.reading_choices().
READING = {"layout": "layout", "id": "ids", "week": "week", "units": "units",
           "dates": "date_order", "weekstart": "week_start", "clip": "clip",
           "values": "values", "sheet": "sheet"}  # fmt: skip
PARAMS = ("data", "stretch", "znorm", "band", "n", "product", "target", "weeks", *READING)
SHAPES_PARAMS = ("data", "k", "stretch", "znorm", "shape", *READING)
MIX_PARAMS = ("data", "stretch", "target", "max", "include", "exclude", "backlog", "share",
              "first", *READING)  # fmt: skip
_LISTS = ("id", "include", "exclude")  # parameters that may be repeated

_WRITTEN = "sales.url.written"  # the parameters this session last put in the address
_SHAPES_WRITTEN = "shapes.url.written"  # the same for Demand Shapes
_MIX_WRITTEN = "mix.url.written"  # the same for Product Mix
_PENDING_TARGET = "sales.url.target"  # a target from the address, applied once data is read
_PENDING_WEEKS = "sales.url.weeks"  # the weeks compared from the address, the same
_PROBLEMS = "sales.url.problems"  # what in the address could not be used, in words


def store() -> UploadStore:
    """The server's store of uploaded files, as the environment configures it."""
    return UploadStore.from_env()


def _number(text: str, allowed: Range) -> float | None:
    """``text`` as a number of the sidebar's range, on its steps; None when it is not."""
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or not allowed.low <= value <= allowed.high:
        return None
    return round(round(value / allowed.step) * allowed.step, 6)


def _read_data(params: Mapping[str, Any]) -> list[str]:
    """The file and how it is read (both pages' data sidebar), from the address."""
    problems: list[str] = []
    if "data" in params:
        held = store().get(params["data"])
        if held is None:
            problems.append(
                "The link names an uploaded file this server no longer holds (files are kept "
                "for a while, the oldest dropped first). Showing the demo data instead: "
                "upload the file again to see the linked view."
            )
            data.use_file(None)
        else:
            current = st.session_state.get(data.FILE)
            if current is None or content_key(current[1]) != params["data"]:
                data.use_file(held)
    elif st.session_state.get(data.FILE):
        data.use_file(None)
    file = st.session_state.get(data.FILE)
    if file:
        problems += _read_reading(params, file)
    return problems


def _read_matching(params: Mapping[str, Any], stretch_key: str, znorm_key: str) -> list[str]:
    """``stretch`` and ``znorm`` from the address into the given widget keys."""
    problems: list[str] = []
    if "stretch" in params:
        value = _number(params["stretch"], STRETCH_RANGE)
        if value is None:
            problems.append(f"stretch={md(params['stretch'])} is not a number from 0 to 0.5.")
        else:
            st.session_state[stretch_key] = value
    if "znorm" in params:
        if params["znorm"] in ("0", "1"):
            st.session_state[znorm_key] = params["znorm"] == "1"
        else:
            problems.append(f"znorm={md(params['znorm'])} is not 0 or 1.")
    return problems


def _read(params: Mapping[str, Any]) -> list[str]:
    """Put the address's Sales Trends settings into session state (``id`` is a list, the
    rest are strings); what could not be used, in words."""
    problems = _read_data(params) + _read_matching(params, SALES_STRETCH, SALES_ZNORM)
    if "band" in params:
        low, _, high = params["band"].partition("-")
        lo, hi = _number(low, BAND_RANGE), _number(high, BAND_RANGE)
        if lo is None or hi is None or lo > hi:
            problems.append(f"band={md(params['band'])} is not two numbers like 0.8-1.2.")
        else:
            st.session_state[SALES_BAND] = (lo, hi)
    if "n" in params:
        n = _number(params["n"], TOP_N_RANGE)
        if n is None:
            problems.append(f"n={md(params['n'])} is not a whole number from 3 to 50.")
        else:
            st.session_state[SALES_TOP_N] = int(n)
    if "product" in params:
        st.session_state[PRODUCT] = params["product"]
    st.session_state[_PENDING_TARGET] = params.get("target")
    if "weeks" in params:
        st.session_state[_PENDING_WEEKS] = params["weeks"]
    return problems


def _read_reading(params: Mapping[str, str | list[str]], file: tuple[str, bytes]) -> list[str]:
    """Put the address's reading choices for ``file`` into the sidebar's state."""
    sheet = params.get("sheet") if params.get("sheet") in data.sheets(file[1], file[0]) else None
    raw = data.raw_rows(file[1], file[0], sheet)
    header = set() if isinstance(raw, str) else set(raw[0])
    allowed: dict[str, Collection[str]] = {
        "layout": [x for x in LAYOUTS if x != "auto"],
        "week": header,
        "units": header,
        "dates": list(DATE_ORDERS),
        "weekstart": WEEKDAYS,
        "clip": ("0", "1"),
        "values": [x for x in VALUE_KINDS if x != "auto"],
        "sheet": data.sheets(file[1], file[0]),
    }
    problems: list[str] = []
    for name, role in READING.items():
        if name not in params:
            continue
        given = params[name]
        values = given if isinstance(given, list) else [given]
        fits = header if name == "id" else allowed[name]
        bad = [v for v in values if v not in fits]
        if bad:
            what = {"id": "column", "week": "column", "units": "column", "sheet": "sheet"}.get(
                name, "choice"
            )
            problems.append(
                f"{name}={md(bad[0])}: {md(file[0])} has no such {what}; that part of "
                "the link is left out and the file is read as guessed."
            )
        elif name == "id":
            data.choose_reading(role, values)
        elif name == "clip":
            data.choose_reading(role, values[0] == "1")
        else:
            data.choose_reading(role, values[0])
    return problems


def _news(names: tuple[str, ...], written: str) -> dict[str, str | list[str]] | None:
    """The address's parameters among ``names`` when they are news to this page, else None.

    They are news on the page's first run in the session (a link opened, a reload) and
    after back or forward in the browser. Otherwise the session's settings stand: a rerun
    may carry an address a step behind the one last written (the slider moved twice
    quickly), and another page's link to this one carries none.
    """
    params: dict[str, str | list[str]] = {
        k: st.query_params.get_all(k) if k in _LISTS else st.query_params[k]
        for k in names
        if k in st.query_params
    }
    ctx = get_script_run_ctx()
    news = written not in st.session_state or (ctx is not None and ctx.is_history_navigation)
    if not params or not news or params == st.session_state.get(written):
        return None
    st.session_state[written] = params
    return params


def _data_params() -> dict[str, str | list[str]]:
    """The address's words for the file in use and how it is read (none for the demo)."""
    file = st.session_state.get(data.FILE)
    if not file:
        return {}
    params: dict[str, str | list[str]] = {}
    key = store().put(*file)
    if key is not None:
        params["data"] = key
    chosen = data.reading_choices()
    for name, role in READING.items():
        if role in chosen:
            value = chosen[role]
            params[name] = value if role == "ids" else "1" if value is True else str(value)
    return params


def _write(params: dict[str, str | list[str]], written: str) -> None:
    if params != st.session_state.get(written):
        st.session_state[written] = params
        st.query_params.from_dict(params)


def read_address() -> None:
    """Sales Trends, before the sidebar is drawn: the settings from the address when they
    are news (see :func:`_news`)."""
    params = _news(PARAMS, _WRITTEN)
    if params is not None:
        st.session_state[_PROBLEMS] = _read(params)


def read_target(catalog: Catalog) -> None:
    """Once the catalogue is read: the target named by the address, if any is pending (in
    the one target grammar, :func:`dtwcore.sales.parse_target_spec`; a file is never read
    from a link)."""
    text = st.session_state.pop(_PENDING_TARGET, "")
    if text is None:
        data.use_target(BLOG_TARGET, PUBLISHED_NAME, PUBLISHED_NAME)
        return
    if not text:
        return
    try:
        spec = parse_target_spec(text)
    except CatalogError:
        spec = None
    if spec is not None and spec.kind == "product":
        if spec.text not in set(catalog.ids.tolist()):
            st.session_state.setdefault(_PROBLEMS, []).append(
                f"The link's target product {md(spec.text)} is not in {md(catalog.name)}."
            )
            return
        data.use_target(catalog.series(spec.text), data.product_target_name(spec.text), spec.label)
        return
    try:
        if spec is None or spec.kind != "values":  # a link never reads a file
            raise CatalogError(text)
        values = load_target(spec, max_weeks=PAGE_LIMITS.weeks)
    except CatalogError:
        st.session_state.setdefault(_PROBLEMS, []).append(
            "The link's target is not a list of numbers; the published capacity is used."
        )
        return
    data.use_target(values, "target from the link", spec.label)


def read_weeks(catalog: Catalog) -> None:
    """Once the catalogue and the target are read: the weeks compared named by the address
    (``weeks=FROM:TO``, :func:`dtwcore.sales.window.parse_weeks`), if any is pending."""
    text = st.session_state.pop(_PENDING_WEEKS, None)
    if text is None:
        return
    try:
        window = parse_weeks(text, len(catalog.weeks))
    except CatalogError as exc:
        st.session_state.setdefault(_PROBLEMS, []).append(
            f"The link's {md(exc)}; the default weeks are compared."
        )
        return
    st.session_state[SALES_WEEKS] = (window.first, window.last)


def show_problems() -> None:
    """Say in words what in the address could not be used (once)."""
    for text in st.session_state.pop(_PROBLEMS, []):
        st.warning(text, icon=":material/link_off:")


def _format(value: float) -> str:
    return f"{value:.4g}"


def target_param(target: np.ndarray, catalog: Catalog, target_product: str | None) -> str | None:
    """How the address names ``target``: None for the published capacity."""
    if target.shape == BLOG_TARGET.shape and np.array_equal(target, BLOG_TARGET):
        return None
    if target_product is not None:
        return product_spec(target_product).spec()
    return values_spec(target).spec()


def write_address(
    *,
    stretch: float,
    znorm: bool,
    band: tuple[float, float],
    top_n: int,
    product: str,
    target: str | None,
    weeks: str,
) -> None:
    """Sales Trends, after the page has run: the address names the view on screen."""
    params = _data_params() | {
        "weeks": weeks,
        "stretch": _format(stretch),
        "znorm": "1" if znorm else "0",
        "band": f"{_format(band[0])}-{_format(band[1])}",
        "n": str(top_n),
        "product": product,
    }
    if target is not None:
        params["target"] = target
    _write(params, _WRITTEN)


def read_shapes_address(keys: Mapping[str, str], k_range: tuple[int, int] = (2, 12)) -> None:
    """Demand Shapes, before the sidebar is drawn: ``data`` and the reading choices,
    ``k`` (``auto`` or a whole number in ``k_range``), ``stretch``, ``znorm`` and ``shape``
    (from 1) from the address when they are news, into the widget keys named by ``keys``
    (``"k"``, ``"stretch"``, ``"znorm"``, ``"shape"``)."""
    params = _news(SHAPES_PARAMS, _SHAPES_WRITTEN)
    if params is None:
        return
    problems = _read_data(params) + _read_matching(params, keys["stretch"], keys["znorm"])
    if "k" in params:
        lo, hi = k_range
        if params["k"] == "auto":
            st.session_state[keys["k"]] = "auto"
        elif params["k"].isdigit() and lo <= int(params["k"]) <= hi:
            st.session_state[keys["k"]] = int(params["k"])
        else:
            problems.append(f"k={md(params['k'])} is not auto or a whole number from {lo} to {hi}.")
    if "shape" in params:
        if params["shape"].isdigit() and int(params["shape"]) >= 1:
            st.session_state[keys["shape"]] = int(params["shape"]) - 1
        else:
            problems.append(f"shape={md(params['shape'])} is not a shape number (1, 2, …).")
    st.session_state[_PROBLEMS] = problems


def write_shapes_address(*, k: int | str, stretch: float, znorm: bool, shape: int) -> None:
    """Demand Shapes, after the page has run: the address names the view on screen
    (``shape`` counts from 0 here, from 1 in the address)."""
    params = _data_params() | {
        "k": str(k),
        "stretch": _format(stretch),
        "znorm": "1" if znorm else "0",
        "shape": str(shape + 1),
    }
    _write(params, _SHAPES_WRITTEN)


def read_mix_address() -> None:
    """Product Mix, before the sidebar is drawn: ``data`` and the reading choices,
    ``stretch``, ``target`` (applied by :func:`read_target`), ``max``, ``include`` and
    ``exclude`` (repeated), ``backlog``, ``share`` and ``first`` from the address when they
    are news, into Sales Trends' keys and :mod:`pages.common.mix_data`'s."""
    params = _news(MIX_PARAMS, _MIX_WRITTEN)
    if params is None:
        return
    problems = _read_data(params) + _read_matching(params, SALES_STRETCH, SALES_ZNORM)
    st.session_state[_PENDING_TARGET] = params.get("target")
    # The link names the whole plan: a setting it leaves out is at its default.
    for name, key in (("include", mix_data.INCLUDE), ("exclude", mix_data.EXCLUDE)):
        st.session_state[key] = list(params.get(name, []))
    wholes = {
        "max": (mix_data.MAX_PRODUCTS, 1, mix_data.MAX_PRODUCTS_LIMIT, None),
        "backlog": (mix_data.BACKLOG, 0, mix_data.BACKLOG_MAX, 0),
        "first": (mix_data.FIRST_WEEK, 0, PAGE_LIMITS.weeks, 0),
    }
    for name, (key, low, high, default) in wholes.items():
        text = params.get(name)
        st.session_state[key] = default
        if text is None:
            continue
        if text.isdigit() and low <= int(text) <= high:
            st.session_state[key] = int(text)
        else:
            problems.append(f"{name}={md(text)} is not a whole number from {low} to {high:,}.")
    share = _number(params.get("share", "1"), Range(0.0, 1.0, 0.05))
    st.session_state[mix_data.SHARE] = share if share in SHARE_STEPS else 1.0
    if share not in SHARE_STEPS:
        problems.append(f"share={md(params['share'])} is not 1, 0.5 or 0.25.")
    st.session_state[_PROBLEMS] = problems


def write_mix_address(
    *,
    stretch: float,
    target: str | None,
    max_products: int | None,
    include: list[str],
    exclude: list[str],
    backlog: int,
    share: float,
    first: int | None,
) -> None:
    """Product Mix, after the page has run: the address names the plan on screen (the
    defaults, no limit, no pins, no backlog and whole products, are not written)."""
    params = _data_params() | {"stretch": _format(stretch)}
    optional: dict[str, str | list[str] | None] = {
        "target": target,
        "max": str(max_products) if max_products is not None else None,
        "include": include or None,
        "exclude": exclude or None,
        "backlog": str(backlog) if backlog else None,
        "share": _format(share) if share != 1 else None,
        "first": str(first) if first is not None else None,
    }
    params |= {k: v for k, v in optional.items() if v is not None}
    _write(params, _MIX_WRITTEN)
