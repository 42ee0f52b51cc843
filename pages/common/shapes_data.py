"""Demand Shapes: the cached computations of the page.

Each is a thin wrapper keyed by the catalogue's content hash and small hashable settings,
so moving a control re-runs only what changed. Session-state keys of the page start with
``shapes.``.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from dtwcore.sales import Catalog
from dtwcore.shapes import (
    Analogues,
    AnalogueSettings,
    Backtest,
    ShapeClustering,
    backtest,
    choose_settings,
    cluster_shapes,
)
from dtwcore.shapes import find_analogues as _find_analogues
from dtwcore.shapes.analogue_cv import Grid

BACKTEST_PRODUCTS = 2_000
"""Products forecast by the page's backtest (a seeded sample of bigger catalogues)."""


@st.cache_data(show_spinner=False, max_entries=8)
def clustering(
    key: str, _catalog: Catalog, k: int | None, stretch: float, znorm: bool
) -> ShapeClustering:
    """:func:`dtwcore.shapes.cluster_shapes` of the catalogue whose content hash is ``key``."""
    return cluster_shapes(_catalog.values, k=k, stretch=stretch, znorm=znorm)


@st.cache_data(show_spinner=False, max_entries=8)
def catalogue_backtest(
    key: str, _catalog: Catalog, k: int | None, stretch: float | None, znorm: bool | None
) -> Backtest:
    """:func:`dtwcore.shapes.backtest` of the catalogue, on at most BACKTEST_PRODUCTS;
    settings left None are chosen by cross-validation."""
    return backtest(
        _catalog.values, k=k, stretch=stretch, znorm=znorm, max_products=BACKTEST_PRODUCTS
    )


@st.cache_data(show_spinner=False, max_entries=32)
def analogue_settings(
    key: str,
    _catalog: Catalog,
    n_known: int,
    k: int | None,
    stretch: float | None,
    znorm: bool | None,
) -> AnalogueSettings:
    """:func:`dtwcore.shapes.choose_settings` for ``n_known`` known weeks; the settings
    given are kept, the others chosen by cross-validation on the catalogue."""
    grid = Grid.fixing(k=k, stretch=stretch, znorm=znorm)
    return choose_settings(_catalog.values, n_known, grid)


@st.cache_data(show_spinner=False, max_entries=64)
def analogues(
    key: str,
    _catalog: Catalog,
    known: tuple[float, ...],
    settings: AnalogueSettings,
) -> Analogues:
    """:func:`dtwcore.shapes.find_analogues` of the typed weeks in the catalogue."""
    return _find_analogues(np.array(known), _catalog.values, **settings.as_dict())
