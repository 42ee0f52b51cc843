"""Figures of the Demand Shapes page: pure functions, data in, figure out.

Colours as everywhere (:mod:`dtwcore.plots`): members and bands OTHER_COLOR, the selected
shape and the new product SELECTED_COLOR, forecasts ACCENT_COLOR; a shape's average has a
colour of its own (SHAPE_COLOR), its medoid is drawn dotted in REFERENCE_COLOR.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dtwcore.plots._png import png_bytes, png_figure
from dtwcore.plots._style import (
    ACCENT_COLOR,
    OTHER_COLOR,
    REFERENCE_COLOR,
    SELECTED_COLOR,
    SHAPE_COLOR,
    layout,
    translucent,
)
from dtwcore.sales.units import Unit

__all__ = [
    "GRID_COLUMNS",
    "METHOD_LABELS",
    "analogues_figure",
    "backtest_figure",
    "members_figure",
    "shapes_grid",
    "shapes_png",
]

GRID_COLUMNS = 4
UNITS = Unit()
METHOD_LABELS = {
    "analogues": "Analogues (median)",
    "last_value": "Last known week",
    "last_4_weeks": "Mean of the last 4 known weeks",
    "average_shape": "Catalogue's average shape",
}


def _value_axis(znorm: bool, unit: Unit = UNITS) -> str:
    return "z-score (shape)" if znorm else unit.axis


def _value_hover(unit: Unit) -> str:
    """A plotly template of one weekly value: "1,234.5" or "$1,234.50"."""
    return f"{unit.symbol}%{{y:,.{2 if unit.symbol else 1}f}}"


def _thin_lines(
    fig: go.Figure, weeks: np.ndarray, curves: np.ndarray, labels: Sequence[str], hover: str
) -> None:
    """One thin OTHER_COLOR line per curve (a shape's members, a product's analogues),
    out of the legend; hover shows its label followed by ``hover`` (a plotly template)."""
    for row, label in zip(curves, labels, strict=True):
        fig.add_trace(
            go.Scatter(
                x=weeks, y=row, mode="lines", line={"color": OTHER_COLOR, "width": 0.8},
                opacity=0.5, name=label, showlegend=False,
                hovertemplate=f"{label}{hover}<extra></extra>",
            )
        )  # fmt: skip


def shapes_grid(
    average: np.ndarray,
    band: np.ndarray,
    medoids: np.ndarray,
    titles: Sequence[str],
    *,
    znorm: bool,
    selected: int | None = None,
    unit: Unit = UNITS,
) -> go.Figure:
    """Small multiples: one panel per shape with its band, average and medoid.

    Parameters
    ----------
    average : np.ndarray [shape=(k, W)]
    band : np.ndarray [shape=(k, 2, W)] 10th and 90th percentile per week
    medoids : np.ndarray [shape=(k, W)] the medoids' curves, same units
    titles : k panel titles (already escaped for plotly)
    znorm : whether the values are z-scores (axis title)
    selected : index of the highlighted shape
    unit : what the values are when not z-scores (:class:`dtwcore.sales.units.Unit`)

    The clickable traces (medoid and average) carry their shape's index as ``customdata``
    (one value a point), so a click on a panel tells which shape it was from the clicked
    point's own data, whatever the order of the traces. The bands take no clicks.
    """
    k, w = average.shape
    cols = min(GRID_COLUMNS, k)
    rows = math.ceil(k / cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=list(titles),
        shared_yaxes=True,
        horizontal_spacing=0.03,
        vertical_spacing=0.12 if rows > 1 else 0.0,
    )
    weeks = np.arange(w)
    # The legend's "average shape" is drawn from a shape that is not selected, so that it
    # shows SHAPE_COLOR, not the selected shape's colour.
    legend_of = 1 if selected == 0 and k > 1 else 0
    for c in range(k):
        row, col = c // cols + 1, c % cols + 1
        tag = np.full((w, 1), c)
        line = SELECTED_COLOR if c == selected else SHAPE_COLOR
        fig.add_trace(
            go.Scatter(
                x=weeks, y=band[c, 1], mode="lines", line={"width": 0}, showlegend=False,
                hoverinfo="skip",
            ),
            row=row, col=col,
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=weeks, y=band[c, 0], mode="lines", line={"width": 0}, fill="tonexty",
                fillcolor=translucent(OTHER_COLOR, 0.25), name="10-90 % of members",
                showlegend=c == 0, legendgroup="band", hoverinfo="skip",
            ),
            row=row, col=col,
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=weeks, y=medoids[c], mode="lines",
                line={"color": REFERENCE_COLOR, "width": 1, "dash": "dot"},
                name="medoid (a real product)", showlegend=c == 0, legendgroup="medoid",
                customdata=tag, hovertemplate="week %{x}: %{y:.2f}<extra>medoid</extra>",
            ),
            row=row, col=col,
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=weeks, y=average[c], mode="lines+markers", marker={"size": 3},
                line={"color": line, "width": 2.5}, name="average shape",
                showlegend=c == legend_of, legendgroup="average", customdata=tag,
                hovertemplate="week %{x}: %{y:.2f}<extra>average</extra>",
            ),
            row=row, col=col,
        )  # fmt: skip
    fig.update_xaxes(showticklabels=True, tickfont={"size": 10})
    for c in range(k - cols, k):  # the lowest panel of each column
        fig.update_xaxes(
            title_text="Week", title_font={"size": 11}, row=c // cols + 1, col=c % cols + 1
        )
    fig.update_yaxes(title_text=_value_axis(znorm, unit), col=1)
    fig.update_layout(clickmode="event+select")
    return layout(fig, None, 230 * rows + 130, legend="below", panel_titles=True)


def members_figure(
    members: np.ndarray,
    labels: Sequence[str],
    average: np.ndarray,
    *,
    znorm: bool,
    title: str,
    unit: Unit = UNITS,
) -> go.Figure:
    """A shape's members overlaid (thin grey lines) with its average on top.

    members : np.ndarray [shape=(m, W)], already z-normalised when ``znorm``
    labels : m product codes (escaped for plotly)
    unit : what the values are when not z-scores (:class:`dtwcore.sales.units.Unit`)
    """
    fig = go.Figure()
    weeks = np.arange(members.shape[1])
    _thin_lines(fig, weeks, members, labels, "<br>week %{x}: %{y:.2f}")
    fig.add_trace(
        go.Scatter(
            x=weeks, y=average, mode="lines", line={"color": SELECTED_COLOR, "width": 3},
            name="average shape",
        )
    )  # fmt: skip
    fig.update_layout(xaxis_title="week", yaxis_title=_value_axis(znorm, unit))
    return layout(fig, title, 380, legend="none")


def analogues_figure(
    known: np.ndarray,
    curves: np.ndarray,
    labels: Sequence[str],
    fan: np.ndarray,
    unit: Unit = UNITS,
) -> go.Figure:
    """The new product's known weeks, its analogues (scaled) and the forecast fan.

    known : np.ndarray [shape=(N,)] a week's values (units, or money: ``unit``)
    curves : np.ndarray [shape=(k, W)] the analogues' years, scaled to the new product
    labels : k product codes (escaped for plotly)
    fan : np.ndarray [shape=(3, W - N)] 10 %, median, 90 %
    unit : what the values are (:class:`dtwcore.sales.units.Unit`): axis and hover
    """
    value = _value_hover(unit)
    n = known.shape[0]
    w = curves.shape[1]
    ahead = np.arange(n, w)
    fig = go.Figure()
    _thin_lines(fig, np.arange(w), curves, labels, f" (scaled)<br>week %{{x}}: {value}")
    fig.add_trace(
        go.Scatter(x=ahead, y=fan[2], mode="lines", line={"width": 0}, showlegend=False,
                   hoverinfo="skip")
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=ahead, y=fan[0], mode="lines", line={"width": 0}, fill="tonexty",
            fillcolor=translucent(ACCENT_COLOR, 0.22), name="10-90 % of analogues",
            hoverinfo="skip",
        )
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=ahead, y=fan[1], mode="lines", line={"color": ACCENT_COLOR, "width": 2.5,
            "dash": "dash"}, name="forecast (median)",
            hovertemplate=f"week %{{x}}: {value}<extra>forecast</extra>",
        )
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=np.arange(n), y=known, mode="lines+markers",
            line={"color": SELECTED_COLOR, "width": 3}, name="new product (known weeks)",
            hovertemplate=f"week %{{x}}: {value}<extra>known</extra>",
        )
    )  # fmt: skip
    fig.update_layout(xaxis_title="week", yaxis_title=unit.axis)
    fig.update_yaxes(tickprefix=unit.symbol)
    return layout(fig, None, 420)


def backtest_figure(wape: dict[int, dict[str, float]]) -> go.Figure:
    """WAPE of each method, grouped by the number of known weeks (lower is better)."""
    fig = go.Figure()
    colors = {
        "analogues": ACCENT_COLOR,
        "last_value": REFERENCE_COLOR,
        "last_4_weeks": OTHER_COLOR,
        "average_shape": SHAPE_COLOR,
    }
    groups = [f"{n} weeks known" for n in wape]
    for method, label in METHOD_LABELS.items():
        fig.add_trace(
            go.Bar(
                x=groups, y=[wape[n][method] for n in wape], name=label,
                marker_color=colors[method], texttemplate="%{y:.2f}", textposition="outside",
            )
        )  # fmt: skip
    fig.update_layout(barmode="group", yaxis_title="WAPE (lower is better)")
    return layout(fig, None, 340)


def shapes_png(
    average: np.ndarray,
    band: np.ndarray,
    titles: Sequence[str],
    *,
    znorm: bool,
    title: str = "",
) -> bytes:
    """The small multiples as a PNG image (matplotlib, Agg canvas), for run artifacts."""
    k, w = average.shape
    cols = min(GRID_COLUMNS, k)
    rows = math.ceil(k / cols)
    fig = png_figure(3.2 * cols, 2.4 * rows + 0.6)
    axes = fig.subplots(rows, cols, squeeze=False, sharey=True)
    weeks = np.arange(w)
    for c in range(rows * cols):
        ax = axes[c // cols][c % cols]
        if c >= k:
            ax.set_axis_off()
            continue
        ax.fill_between(weeks, band[c, 0], band[c, 1], color=OTHER_COLOR, alpha=0.3, lw=0)
        ax.plot(weeks, average[c], color=SHAPE_COLOR, lw=2)
        ax.set_title(titles[c], fontsize=9)
        ax.set_xlabel("week", fontsize=8)
        if c % cols == 0:
            ax.set_ylabel(_value_axis(znorm), fontsize=8)
    if title:
        fig.suptitle(title, fontsize=11)
    return png_bytes(fig)
