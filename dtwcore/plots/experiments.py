"""Figures for logged runs: the stretch-factor comparison, histograms side by side, new
products against the target, and the PNG histogram logged with every run.

plotly builders, plus one matplotlib builder for the PNG artifact (drawn on an Agg canvas:
no pyplot, no display). The run's interactive histogram is
:func:`dtwcore.plots.sales.distance_histogram`, the one the Sales Trends page shows.
Colours as everywhere (:mod:`dtwcore.plots`): bars OTHER_COLOR, median REFERENCE_COLOR,
target TARGET_COLOR, compared runs SERIES_COLORS; the first new product SELECTED_COLOR, the
others SERIES_COLORS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dtwcore.distance import znormalize
from dtwcore.plots._png import png_bytes, png_figure
from dtwcore.plots._style import (
    OTHER_COLOR,
    REFERENCE_COLOR,
    SELECTED_COLOR,
    SERIES_COLORS,
    TARGET_COLOR,
    layout,
    reference_line,
)
from dtwcore.sales import HISTOGRAM_BINS

DISTANCE_AXIS = "DTW distance to the target (smaller = closer)"
# Scored new products: the first in the selected-product colour, then colours that mean
# nothing else in the app.
PRODUCT_COLORS = (SELECTED_COLOR, *SERIES_COLORS[:5])
MAX_SIDE_BY_SIDE = 4


def _bins(distances: np.ndarray, bins: int) -> dict[str, float]:
    lo, hi = float(np.min(distances)), float(np.max(distances))
    size = (hi - lo) / bins if hi > lo else 1.0
    return {"start": lo, "end": hi + size * 1e-9, "size": size}


def histogram_png(
    distances: Sequence[float] | np.ndarray,
    *,
    title: str = "",
    bins: int = HISTOGRAM_BINS,
) -> bytes:
    """The same histogram as a PNG image (matplotlib, Agg canvas), for run artifacts."""
    values = np.asarray(distances, dtype=np.float64)
    median = float(np.median(values))
    fig = png_figure(8, 4.5)
    ax = fig.add_subplot()
    edges = np.linspace(values.min(), values.max(), bins + 1) if np.ptp(values) > 0 else bins
    ax.hist(values, bins=edges, color=OTHER_COLOR, alpha=0.75, edgecolor="white")
    ax.axvline(median, color=REFERENCE_COLOR, linestyle="--", label=f"median {median:.4f}")
    ax.set_xlabel(DISTANCE_AXIS)
    ax.set_ylabel("Number of products")
    ax.set_title(title)
    ax.legend(loc="upper right")
    return png_bytes(fig)


def median_by_stretch(runs: pd.DataFrame) -> go.Figure:
    """Median distance against stretch factor, one line per compared series.

    Parameters
    ----------
    runs : DataFrame with columns ``stretch_factor``, ``median_distance`` and ``series``
        (a label: runs with the same label are one line; repeated stretch factors within
        a series are averaged, they are repeated runs of the same analysis).
    """
    fig = go.Figure()
    groups = list(runs.groupby("series", sort=True))
    # Values written beside the points only when one line is drawn (several lines' labels
    # would sit on each other; hover shows them), above the points, which fall to the right.
    labelled = len(groups) == 1
    for k, (label, group) in enumerate(groups):
        line = group.groupby("stretch_factor", as_index=False)["median_distance"].mean()
        line = line.sort_values("stretch_factor")
        fig.add_trace(
            go.Scatter(
                x=line["stretch_factor"],
                y=line["median_distance"],
                mode="lines+markers+text" if labelled and len(line) <= 12 else "lines+markers",
                text=[f"{v:.2f}" for v in line["median_distance"]],
                textposition="top center",
                cliponaxis=False,
                name=str(label),
                line={"color": SERIES_COLORS[k % len(SERIES_COLORS)], "width": 2},
                marker={"size": 9},
                hovertemplate="stretch %{x}<br>median %{y:.4f}<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_layout(
        xaxis_title="stretch factor (how far a week may move, as a share of the target's length)",
        yaxis_title="median DTW distance",
        hovermode="closest",
    )
    return layout(fig, None, 420)


def histograms_side_by_side(
    distances: Mapping[str, Sequence[float] | np.ndarray], *, bins: int = HISTOGRAM_BINS
) -> go.Figure:
    """Histograms of several runs next to each other on a shared distance axis.

    Parameters
    ----------
    distances : run label -> distances (at most ``MAX_SIDE_BY_SIDE`` runs)
    """
    items = list(distances.items())[:MAX_SIDE_BY_SIDE]
    if not items:
        raise ValueError("no runs to show")
    everything = np.concatenate([np.asarray(v, dtype=np.float64) for _, v in items])
    xbins = _bins(everything, bins)
    fig = make_subplots(
        rows=1,
        cols=len(items),
        shared_yaxes=True,
        subplot_titles=[label for label, _ in items],
        horizontal_spacing=0.04,
    )
    for k, (label, values) in enumerate(items, start=1):
        values = np.asarray(values, dtype=np.float64)
        median = float(np.median(values))
        fig.add_trace(
            go.Histogram(
                x=values,
                xbins=xbins,
                marker_color=OTHER_COLOR,
                opacity=0.75,
                name=label,
                hovertemplate="distance %{x}<br>%{y} products<extra></extra>",
            ),
            row=1,
            col=k,
        )
        reference_line(fig, "x", median, f"median {median:.2f}", dash=True, col=k)
        fig.update_xaxes(
            title_text="DTW distance", range=[xbins["start"], xbins["end"]], row=1, col=k
        )
    fig.update_yaxes(title_text="Number of products", row=1, col=1)
    fig.update_layout(bargap=0.05)
    return layout(fig, None, 450, legend="none", panel_titles=True)


def products_vs_target(
    target: Sequence[float] | np.ndarray,
    values: np.ndarray,
    labels: Sequence[str],
    *,
    znorm: bool,
    max_products: int = len(PRODUCT_COLORS),
) -> go.Figure:
    """New products' weekly curves over the target, on the scale the model compares.

    Parameters
    ----------
    target : array [shape=(T,)] weekly capacity in units
    values : array [shape=(N, W)] weekly units of the products
    labels : N product names
    znorm : draw z-normalised curves (shapes) rather than units, as the model compares them
    """
    target = np.asarray(target, dtype=np.float64)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=np.arange(target.size),
            y=znormalize(target) if znorm else target,
            mode="lines",
            name="target",
            line={"color": TARGET_COLOR, "width": 3},
        )
    )
    for k, (label, row) in enumerate(zip(labels, values, strict=False)):
        if k >= max_products:
            break
        row = np.asarray(row, dtype=np.float64)
        fig.add_trace(
            go.Scatter(
                x=np.arange(row.size),
                y=znormalize(row) if znorm else row,
                mode="lines",
                name=str(label),
                line={"color": PRODUCT_COLORS[k % len(PRODUCT_COLORS)], "width": 2},
            )
        )
    fig.update_layout(
        xaxis_title="week",
        yaxis_title="z-normalised units (shape)" if znorm else "units sold per week",
    )
    return layout(fig, None, 320)
