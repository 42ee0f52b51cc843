"""Session state: every key that more than one part of the app reads, defined once with
its type, and the ranges of the sidebar's numbers (read by the widgets and by the link).

Widget keys used by one widget only stay beside their widget.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from dtwcore.sales import DEFAULT_STRETCH, Catalog

# Sales Trends (its sidebar settings persist across pages).
SALES_STRETCH = "sales.stretch"
SALES_ZNORM = "sales.znorm"
SALES_BAND = "sales.band"
SALES_TOP_N = "sales.top_n"
SALES_PRODUCT = "sales.product"
"""The selected product's code (str)."""
SALES_TARGET_PRODUCT = "sales.target_product"
"""The product chosen in the sidebar as the target (str), if any."""
SALES_WEEKS = "sales.weeks"
"""The weeks of the file compared with the target, (first, last) counted from 1 (ints)."""
SALES_KEEP_NONPOSITIVE = "sales.keep_nonpositive"
"""Rank products whose net units over the weeks compared are 0 or less (bool)."""
_SALES_ANALYSIS = "sales.analysis"

# Demand Shapes.
SHAPES_K = "shapes.k"
SHAPES_STRETCH = "shapes.stretch"
SHAPES_ZNORM = "shapes.znorm"
SHAPES_GRID = "shapes.grid"
"""The small multiples' chart (its click selects a shape)."""
SHAPES_NEW_NAME = "shapes.new_name"
"""What the new product is called on screen (str)."""
SHAPES_NEW_PROBLEM = "shapes.new_problem"
"""Why the uploaded new product could not be read (str), if it could not."""


@dataclass(frozen=True)
class Range:
    """A sidebar number's range: from ``low`` to ``high`` by ``step``."""

    low: float
    high: float
    step: float


STRETCH_RANGE = Range(0.0, 0.5, 0.005)
BAND_RANGE = Range(0.0, 3.0, 0.05)
TOP_N_RANGE = Range(3, 50, 1)
TOP_N_DEFAULT = 10


@dataclass(frozen=True)
class SalesAnalysis:
    """The analysis on screen in Sales Trends, for the MLflow panel, the Experiments page
    and the sidebar's data summary.

    Attributes
    ----------
    catalog : the products compared (the target product left out)
    target : array [shape=(T,)], the target in units a week
    stretch : float in [0, 1], the stretch factor
    znorm : bool, shapes (z-normalised) rather than units
    scores : the :func:`dtwcore.sales.score_catalog` table of ``catalog``
    target_label : how run names and download names call the target ("target P83",
        "published capacity", "shape 2 of demo"; see :mod:`dtwcore.sales.target`)
    file_shape : (products, weeks) of the file as read, before the target product and
        the weeks outside the comparison were left out; None: ``catalog``'s own
    """

    catalog: Catalog
    target: np.ndarray
    stretch: float = DEFAULT_STRETCH
    znorm: bool = True
    scores: pd.DataFrame | None = None
    target_label: str | None = None
    file_shape: tuple[int, int] | None = None


def sales_analysis() -> SalesAnalysis | None:
    """The analysis Sales Trends last showed in this session, if any."""
    return st.session_state.get(_SALES_ANALYSIS)


def set_sales_analysis(analysis: SalesAnalysis | None) -> None:
    """Remember the analysis on screen (None: there is none, e.g. the file cannot be read)."""
    if analysis is None:
        st.session_state.pop(_SALES_ANALYSIS, None)
    else:
        st.session_state[_SALES_ANALYSIS] = analysis
