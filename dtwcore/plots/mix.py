"""The Product Mix figure: capacity against the stacked units of the chosen products.

A pure function, data in, plotly figure out. The capacity is TARGET_COLOR (the target on
every chart); the products most built are stacked one by one, the rest as one grey band
(OTHER_COLOR); the stock carried is drawn below in ACCENT_COLOR.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from dtwcore.plots import ACCENT_COLOR, OTHER_COLOR, TARGET_COLOR

__all__ = ["MAX_BANDS", "mix_figure"]

MAX_BANDS = 10
"""Products stacked one by one (as many as the palette has); the others are one band."""
IDEAL_COLOR = "#444444"  # the fractional ideal: a reference, like the median elsewhere
# Product bands: a light palette, without its grey (the band of the other products).
_BAND_COLORS = qualitative.Pastel[:-1]


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
                line={"width": 0.5, "color": _BAND_COLORS[i % len(_BAND_COLORS)]},
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
                fillcolor="rgba(127,127,127,0.35)",
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
                mode="lines",
                line={"color": IDEAL_COLOR, "width": 1.5, "dash": "dot"},
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
            marker_color=ACCENT_COLOR,
            hovertemplate="%{y:,.1f}<extra>stock carried</extra>",
        ),
        row=2,
        col=1,
    )
    fig.update_yaxes(title_text=value_name, rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="stock (units)", rangemode="tozero", row=2, col=1)
    fig.update_xaxes(tickangle=0, nticks=14)  # upright labels, thinned, not one a week
    fig.update_xaxes(title_text="week", row=2, col=1)
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        height=height,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        font={"size": 13},
        hovermode="x unified",
        bargap=0.15,
        legend={"orientation": "v", "x": 1.01, "xanchor": "left", "y": 1, "yanchor": "top"},
    )
    return fig
