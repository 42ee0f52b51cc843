"""Product Mix: the page's session keys and its one cached computation.

The data, the target (the capacity) and the stretch factor are Sales Trends' own keys
(:mod:`pages.common.session`, :mod:`pages.common.sales_data`); the keys here are the
mix's settings, all starting with ``mix.``.
"""

from __future__ import annotations

import logging

import numpy as np
import streamlit as st

from dtwcore.sales import Catalog
from dtwcore.sales.mix import MixPlan, plan_mix

INCLUDE = "mix.include"
"""Products that must be in the mix (list of str)."""
EXCLUDE = "mix.exclude"
"""Products left out of the mix (list of str)."""
MAX_PRODUCTS = "mix.max_products"
"""The most products in the mix (int), or None for no limit."""
BACKLOG = "mix.backlog"
"""Weeks a unit may be built after its due week (int)."""
SHARE = "mix.share"
"""Smallest share of a product's demand that may be chosen (float, 1 = whole products)."""
FIRST_WEEK = "mix.first_week"
"""The catalogue's first week planned (int), when it has more weeks than the capacity."""
BACKLOG_MAX = 8
MAX_PRODUCTS_LIMIT = 10_000

log = logging.getLogger(__name__)


@st.cache_data(show_spinner=False, max_entries=64)
def plan(
    key: str,
    _catalog: Catalog,
    capacity: tuple[float, ...],
    stretch: float,
    backlog: int,
    window: tuple[int, int],
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    max_products: int | None,
    share_step: float,
) -> MixPlan | str:
    """:func:`dtwcore.sales.mix.plan_mix` of the catalogue whose content hash is ``key``,
    or, when the settings cannot be planned, why (a plain sentence)."""
    try:
        return plan_mix(
            _catalog,
            np.array(capacity),
            stretch=stretch,
            backlog=backlog,
            window=window,
            include=include,
            exclude=exclude,
            max_products=max_products,
            share_step=share_step,
        )
    except ValueError as exc:
        return str(exc)
    except Exception as exc:  # a case we did not foresee must not show a traceback
        log.exception("unexpected error planning the mix of %s", _catalog.name)
        return (
            f"The mix could not be planned ({type(exc).__name__}). Try other settings, or "
            "`python -m dtwcore mix` on the file to see the full error."
        )
