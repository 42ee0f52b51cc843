"""The look every figure shares: one colour table, one layout, one plotly config.

A thing has the same colour on every chart: the target (capacity curve, enrolled
templates, a pair's first clip) TARGET_COLOR; the selected product, clip or shape
SELECTED_COLOR; the warping path and its connectors PATH_COLOR; shortlists, matches and
forecasts ACCENT_COLOR; everything else OTHER_COLOR; reference lines and curves (median,
threshold, the no-shift diagonal, a shape's medoid) REFERENCE_COLOR. A shape's average
has SHAPE_COLOR, and series that mean nothing else (runs compared side by side, new
products beside the selected one) take SERIES_COLORS, none of which means anything else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import plotly.graph_objects as go

TARGET_COLOR = "#1f77b4"
SELECTED_COLOR = "#d62728"
OTHER_COLOR = "#7f7f7f"
ACCENT_COLOR = "#2ca02c"
PATH_COLOR = "#ff7f0e"
REFERENCE_COLOR = "#444444"
SHAPE_COLOR = "#9467bd"
SERIES_COLORS = ("#8c564b", "#17becf", "#bcbd22", "#e377c2", "#393b79", "#637939")

PLOT_CONFIG = {"displaylogo": False}
"""plotly's config for every chart the app shows (``st.plotly_chart(..., config=…)``)."""

Legend = Literal["above", "below", "none"]

_SIDE = 10  # pixels left and right of the plot (axis titles push the margins by themselves)
_TITLE = 32  # a title's band above the plot
_LEGEND = 38  # a legend's row above the plot
_PANEL_TITLES = 28  # subplot titles above the top row
_BELOW = 48  # under the plot, above a legend there: the x axis' ticks and title


def translucent(color: str, alpha: float) -> str:
    """``color`` (``"#rrggbb"``) as ``"rgba(r,g,b,alpha)"``, for bands and fills.

    Examples
    --------
    >>> translucent(OTHER_COLOR, 0.25)
    'rgba(127,127,127,0.25)'
    """
    r, g, b = (int(color[k : k + 2], 16) for k in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha:g})"


def layout(
    fig: go.Figure,
    title: str | None,
    height: int,
    *,
    legend: Legend = "above",
    panel_titles: bool = False,
) -> go.Figure:
    """Title, size, margins, fonts and legend, the same for every figure; returns ``fig``.

    Parameters
    ----------
    fig : go.Figure
        Changed in place.
    title : str or None
        Written top left; None when the page heads the figure itself.
    height : int
        Pixels.
    legend : {"above", "below", "none"}
        A row between the title and the plot; a row under the x axis (for long names,
        such as a file's target, which would run into the title); or no legend.
    panel_titles : bool
        The figure has subplot titles, which need room above the top row.
    """
    top = _SIDE + _TITLE * bool(title) + _LEGEND * (legend == "above")
    top += _PANEL_TITLES * panel_titles
    bottom = _BELOW + _LEGEND if legend == "below" else _SIDE
    fig.update_layout(
        height=height,
        margin={"l": _SIDE, "r": _SIDE, "t": top, "b": bottom},
        font={"size": 13},
        hoverlabel={"font_size": 13},
        showlegend=legend != "none",
    )
    if title:
        fig.update_layout(
            title={
                "text": title,
                "x": 0,
                "xanchor": "left",
                "xref": "paper",
                "y": 1,
                "yanchor": "top",
                "yref": "container",
                "pad": {"t": 10},
                "font": {"size": 15},
            }
        )
    if legend == "above":
        fig.update_layout(
            legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0, "xanchor": "left"}
        )
    elif legend == "below":
        fig.update_layout(
            legend={
                "orientation": "h",
                "yref": "container",
                "yanchor": "bottom",
                "y": 0,
                "x": 0,
                "xanchor": "left",
            }
        )
    return fig


def reference_line(
    fig: go.Figure,
    axis: Literal["x", "y"],
    value: float,
    text: str,
    color: str = REFERENCE_COLOR,
    *,
    dash: bool = False,
    width: float = 2,
    position: str = "top right",
    yshift: float = 0,
    col: int | str = "all",
) -> None:
    """A labelled vertical (``axis="x"``) or horizontal (``"y"``) line at ``value``.

    The label is in the line's colour on a light background, so it stays readable over
    bars and points. ``col`` picks one panel of a row of subplots.
    """
    add = fig.add_vline if axis == "x" else fig.add_hline
    add(
        value,
        line={"color": color, "width": width, **({"dash": "dash"} if dash else {})},
        annotation={"text": text, "font": {"color": color}, "bgcolor": "rgba(255,255,255,0.85)"},
        annotation_position=position,
        annotation_yshift=yshift,
        col=col,
    )
