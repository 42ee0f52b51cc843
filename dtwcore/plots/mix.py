"""The Product Mix figure: capacity against the stacked units of the chosen products.

A pure function, data in, plotly figure out, in the one look of :mod:`dtwcore.plots._style`.
The capacity is TARGET_COLOR (the target on every chart); the products most built are
stacked one by one in SERIES_COLORS, the rest as one band of OTHER_COLOR; the fractional
ideal is a REFERENCE_COLOR curve; the stock carried is drawn below in ACCENT_COLOR.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dtwcore.plots import (
    ACCENT_COLOR,
    OTHER_COLOR,
    REFERENCE_COLOR,
    SERIES_COLORS,
    TARGET_COLOR,
)
from dtwcore.plots._style import layout, translucent

__all__ = ["MAX_BANDS", "mix_figure"]

MAX_BANDS = len(SERIES_COLORS)
"""Products stacked one by one, one series colour each; the others are one band."""


def mix_figure(
    capacity: np.ndarray,
    built: np.ndarray,
    products: Sequence[str],
    stock: np.ndarray,
    *,
    weeks: Sequence[str],
    ideal: np.ndarray | None = None,
    value_name: str = "units a week",
    title: str = "Capacity and the units built, product by product",
    height: int = 560,
) -> go.Figure:
    """Capacity as a line over the chosen products' weekly units, stacked; stock below.

    Parameters
    ----------
    capacity : np.ndarray [shape=(T,)]
        Units the line can build each week.
    built : np.ndarray [shape=(n, T)]
        Units of each chosen product built each week, most units first.
    products : list of str [shape=(n,)]
        The chosen products' names (escaped for plotly by the caller).
    stock : np.ndarray [shape=(T,)]
        Units built ahead and held at the end of each week.
    weeks : list of str [shape=(T,)]
        The weeks' labels; ISO dates give a date axis.
    ideal : np.ndarray [shape=(T,)], optional
        The fractional ideal's weekly units, drawn dashed.
    value_name : str
        The y axis title.
    title, height
        The figure's title and height in pixels.

    Returns
    -------
    go.Figure
    """
    capacity = np.asarray(capacity, dtype=np.float64)
    built = np.asarray(built, dtype=np.float64).reshape(-1, capacity.size)
    x = list(weeks)
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.74, 0.26], vertical_spacing=0.06
    )
    shown = min(len(products), MAX_BANDS)
    for i in range(shown):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=built[i],
                name=str(products[i]),
                stackgroup="mix",
                mode="lines",
                legendrank=10 + i,
                line={"width": 0.5, "color": SERIES_COLORS[i]},
                fillcolor=translucent(SERIES_COLORS[i], 0.5),
                hovertemplate="%{y:,.1f}<extra>%{fullData.name}</extra>",
            ),
            row=1,
            col=1,
        )
    rest = len(products) - shown
    if rest > 0:
        fig.add_trace(
            go.Scatter(
                x=x,
                y=built[shown:].sum(axis=0),
                name=f"{rest:,} other product{'s' if rest != 1 else ''}",
                stackgroup="mix",
                mode="lines",
                line={"width": 0.5, "color": OTHER_COLOR},
                fillcolor=translucent(OTHER_COLOR, 0.35),
                legendrank=100,
                hovertemplate="%{y:,.1f}<extra>%{fullData.name}</extra>",
            ),
            row=1,
            col=1,
        )
    if ideal is not None:
        fig.add_trace(
            go.Scatter(
                x=x,
                y=np.asarray(ideal, dtype=np.float64),
                name="fractional ideal",
                legendrank=2,
                mode="lines",
                line={"color": REFERENCE_COLOR, "width": 1.5, "dash": "dot"},
                hovertemplate="%{y:,.1f}<extra>fractional ideal</extra>",
            ),
            row=1,
            col=1,
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=capacity,
            name="capacity",
            legendrank=1,
            mode="lines",
            line={"color": TARGET_COLOR, "width": 3},
            hovertemplate="%{y:,.1f}<extra>capacity</extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(
            x=x,
            y=np.asarray(stock, dtype=np.float64),
            name="stock carried",
            legendrank=200,
            marker_color=ACCENT_COLOR,
            hovertemplate="%{y:,.1f}<extra>stock carried</extra>",
        ),
        row=2,
        col=1,
    )
    layout(fig, title, height)
    fig.update_yaxes(title_text=value_name, rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="stock (units)", rangemode="tozero", row=2, col=1)
    fig.update_xaxes(tickangle=0, nticks=14)  # upright labels, thinned, not one a week
    fig.update_xaxes(title_text="week", row=2, col=1)
    # Legend: capacity, ideal, the products as the table lists them, the rest, the stock.
    fig.update_layout(hovermode="x unified", bargap=0.15, legend_traceorder="normal")
    return fig
