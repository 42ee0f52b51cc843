"""Figures of the Sales Trends page: pure functions, data in, plotly figure out.

Colours come from :mod:`dtwcore.plots`: the target (capacity) is always TARGET_COLOR, the
selected product SELECTED_COLOR, the warping path PATH_COLOR, the shortlist ACCENT_COLOR,
the median and the distance cut REFERENCE_COLOR and everything else OTHER_COLOR.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dtwcore.distance import znormalize
from dtwcore.plots._style import (
    ACCENT_COLOR,
    OTHER_COLOR,
    PATH_COLOR,
    SELECTED_COLOR,
    TARGET_COLOR,
    layout,
    reference_line,
)
from dtwcore.plots.dtw import cost_matrix_figure
from dtwcore.sales import HISTOGRAM_BINS
from dtwcore.sales.scoring import rank_order

__all__ = [
    "cost_heatmap",
    "distance_histogram",
    "overlay_figure",
    "shortlist_scatter",
]


def distance_histogram(
    distances: np.ndarray,
    *,
    median: float,
    selected: tuple[str, float] | None = None,
    products: Sequence[str] | None = None,
    bins: int = HISTOGRAM_BINS,
    height: int = 400,
) -> go.Figure:
    """Histogram of DTW distances with the median and the selected product marked.

    Parameters
    ----------
    distances : array [shape=(N,)] one distance per product
    median : float, drawn as a dashed line
    selected : (product code, distance), optional, drawn as a solid line
    products : N names as drawn, optional: each bar's hover then names the product a click
        on it picks, the closest of its products (:func:`histogram_picks`), whose position
        in ``distances`` is the bar's ``customdata[2]``
    bins : int, number of equal-width bins (the published analysis used 20)
    """
    dist = np.asarray(distances, dtype=np.float64)
    counts, edges = _histogram(dist, bins)
    centres = (edges[:-1] + edges[1:]) / 2
    hover = "distance %{customdata[0]:.2f} to %{customdata[1]:.2f}<br>%{y} products"
    custom = np.column_stack([edges[:-1], edges[1:]])
    named: dict[str, object] = {}
    if products is not None:
        picks = histogram_picks(dist, bins)
        custom = np.column_stack([custom, picks])
        named["hovertext"] = [
            f"click: {products[i]}, the closest in this bar" if i >= 0 else "" for i in picks
        ]
        hover += "<br>%{hovertext}"
    fig = go.Figure(
        go.Bar(
            x=centres,
            y=counts,
            width=np.diff(edges) * 0.95,
            marker_color=OTHER_COLOR,
            opacity=0.75,
            customdata=custom,
            hovertemplate=hover + "<extra></extra>",
            name="products",
            showlegend=False,
            **named,
        )
    )
    reference_line(fig, "x", median, f"median {median:.2f}", dash=True)
    if selected is not None:
        code, value = selected
        reference_line(
            fig, "x", value, f"{code} {value:.2f}", SELECTED_COLOR, width=3,
            position="top left" if value > median else "top right", yshift=-22,
        )  # fmt: skip
    fig.update_xaxes(title="DTW distance to the target (smaller = closer)")
    fig.update_yaxes(title="Number of products")
    fig.update_layout(bargap=0.05)
    return layout(fig, f"Distances of all {dist.size:,} products", height, legend="none")


def _histogram(dist: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.histogram`` of ``dist`` over its range; distances equal but for rounding (a flat
    target) get one unit-wide range."""
    lo, hi = float(dist.min()), float(dist.max())
    if hi - lo <= 1e-9 * max(1.0, abs(hi)):
        lo, hi = lo - 0.5, hi + 0.5
    return np.histogram(dist, bins=bins, range=(lo, hi))


def histogram_picks(distances: np.ndarray, bins: int = HISTOGRAM_BINS) -> np.ndarray:
    """The product a click on each bar of :func:`distance_histogram` picks.

    Parameters
    ----------
    distances : array [shape=(N,)] one distance per product
    bins : int, the histogram's number of bins

    Returns
    -------
    array [shape=(bins,), int]: per bar, the position in ``distances`` of its closest
    product (the best ranked, :func:`dtwcore.sales.scoring.rank_order`), -1 for an empty
    bar. Bars hold what ``np.histogram`` counts in them.
    """
    dist = np.asarray(distances, dtype=np.float64)
    _, edges = _histogram(dist, bins)
    bar = np.clip(np.searchsorted(edges, dist, side="right") - 1, 0, bins - 1)
    order = rank_order(dist)
    bars, first = np.unique(bar[order], return_index=True)
    picks = np.full(bins, -1, dtype=np.int64)
    picks[bars] = order[first]
    return picks


def _curves(
    target: np.ndarray, product: np.ndarray, znorm: bool, value_name: str
) -> tuple[np.ndarray, np.ndarray, str]:
    a = np.asarray(target, dtype=np.float64)
    b = np.asarray(product, dtype=np.float64)
    if znorm:
        return znormalize(a), znormalize(b), f"z-score ({value_name.lower()}, standardised)"
    return a, b, value_name


def overlay_figure(
    target: np.ndarray,
    product: np.ndarray,
    path: np.ndarray,
    *,
    product_id: str,
    znorm: bool,
    stacked: bool = False,
    target_name: str = "Target (capacity)",
    value_name: str = "Units per week",
    dates: Sequence[str] | None = None,
    height: int = 420,
) -> go.Figure:
    """Target and product with the warping path drawn as lines between matched weeks.

    Parameters
    ----------
    target : array [shape=(n,)] weekly capacity, week 0 first
    product : array [shape=(m,)] weekly units of the product
    path : int array [shape=(K, 2)] matched (target week, product week) pairs
    product_id : str, the product's code for the legend
    znorm : bool, draw both z-normalised (as DTW compared them) instead of in units
    stacked : bool, draw the target above the product on separate axes (as in the
        published figure) instead of on one axis
    target_name : str, the target's legend entry
    value_name : str, the y axis title in units (e.g. "Revenue per week ($)")
    dates : list of str [shape=(n,)], optional, the week's dates (ISO) for the time
        axis; used when target and product both have n weeks
    """
    a, b, ytitle = _curves(target, product, znorm, value_name)
    path = np.asarray(path, dtype=np.int64)
    if dates is not None and len(dates) == a.size == b.size:
        weeks_a = weeks_b = np.asarray(dates, dtype=object)
        week_word, xtitle = "%{x}", "Week starting"
    else:
        weeks_a, weeks_b = np.arange(a.size), np.arange(b.size)
        week_word, xtitle = "week %{x}", "Week"
    line_a, line_b = (
        go.Scatter(
            x=weeks,
            y=values,
            mode="lines+markers",
            name=name,
            line={"color": color, "width": 2.5},
            marker={"size": 5},
            hovertemplate=week_word + "<br>%{y:,.2f}<extra>" + hover_name + "</extra>",
        )
        for weeks, values, name, color, hover_name in (
            (weeks_a, a, target_name, TARGET_COLOR, "target"),
            (weeks_b, b, product_id, SELECTED_COLOR, product_id),
        )
    )
    connector_style = {"color": PATH_COLOR, "width": 1}
    if not stacked:
        xs = np.full(path.shape[0] * 3, None, dtype=object)
        ys = np.full(path.shape[0] * 3, np.nan)
        xs[0::3], xs[1::3] = weeks_a[path[:, 0]], weeks_b[path[:, 1]]
        ys[0::3], ys[1::3] = a[path[:, 0]], b[path[:, 1]]
        fig = go.Figure()
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line=connector_style,
                opacity=0.7,
                name="matched weeks",
                hoverinfo="skip",
                connectgaps=False,
            )
        )
        fig.add_trace(line_a)
        fig.add_trace(line_b)
        fig.update_xaxes(title=xtitle)
        fig.update_yaxes(title=ytitle)
        title = f"Target and {product_id}, matched week by week"
        return layout(fig, title, height, legend="below")

    gap = 0.12
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=gap)
    fig.add_trace(line_a, row=1, col=1)
    fig.add_trace(line_b, row=2, col=1)
    ranges = []
    for k, y in enumerate((a, b), start=1):
        lo, hi = float(y.min()), float(y.max())
        pad = 0.08 * (hi - lo) if hi > lo else 1.0
        ranges.append((lo - pad, hi + pad))
        fig.update_yaxes(range=ranges[-1], title=ytitle if k == 1 else "", row=k, col=1)
    top = fig.layout.yaxis.domain
    bottom = fig.layout.yaxis2.domain

    def paper(y: float, rng: tuple[float, float], dom: Sequence[float]) -> float:
        return dom[0] + (y - rng[0]) / (rng[1] - rng[0]) * (dom[1] - dom[0])

    for i, j in path:
        fig.add_shape(
            type="line",
            xref="x",
            yref="paper",
            x0=weeks_a[i],
            y0=paper(a[i], ranges[0], top),
            x1=weeks_b[j],
            y1=paper(b[j], ranges[1], bottom),
            line=connector_style,
            opacity=0.6,
            layer="below",
        )
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="lines",
            line=connector_style,
            name="matched weeks",
            hoverinfo="skip",
        )
    )
    fig.update_xaxes(title=xtitle, row=2, col=1)
    title = f"Target (top) and {product_id} (bottom), matched week by week"
    return layout(fig, title, height, legend="below")


def cost_heatmap(
    acc_cost: np.ndarray,
    path: np.ndarray,
    *,
    product_id: str,
    dates: Sequence[str] | None = None,
    height: int = 420,
) -> go.Figure:
    """Accumulated cost of matching target weeks (rows) with product weeks (columns).

    :func:`dtwcore.plots.dtw.cost_matrix_figure` with the words of weeks.

    Parameters
    ----------
    acc_cost : array [shape=(n, m)] accumulated squared cost; inf outside the band
    path : int array [shape=(K, 2)] the optimal path, (target week, product week)
    product_id : str
    dates : list of str [shape=(n,)], optional, the weeks' dates (ISO) for both axes;
        used when target and product both have n weeks, as in :func:`overlay_figure`
    """
    n, m = np.shape(acc_cost)
    dated = dates is not None and len(dates) == n == m
    prefix, week = ("Week starting, ", "") if dated else ("Week of ", " week")
    return cost_matrix_figure(
        acc_cost,
        path,
        x_title=f"{prefix}{product_id}",
        y_title=f"{prefix}the target",
        x_step=f"product{week}",
        y_step=f"target{week}",
        labels=dates if dated else None,
        height=height,
    )


def _volume_axis(units: np.ndarray):  # noqa: ANN202
    """Position function for volumes and (tick positions, labels) for a log axis, if any.

    A log scale is drawn on a linear axis (positions are log10 of the units) so that
    points, shapes and annotations all share one coordinate system.
    """
    positive = units[units > 0]
    if positive.size == 0 or positive.max() / positive.min() <= 100:
        return (lambda v: np.asarray(v, dtype=np.float64)), None
    lo = int(np.floor(np.log10(positive.min())))
    hi = int(np.ceil(np.log10(positive.max())))
    zero_at = lo - 0.5

    def at(v: np.ndarray | float) -> np.ndarray:
        v = np.asarray(v, dtype=np.float64)
        return np.where(v > 0, np.log10(np.where(v > 0, v, 1.0)), zero_at)

    vals: list[float] = list(range(lo, hi + 1))
    text = [f"{10.0**k:g}" for k in range(lo, hi + 1)]
    if (units <= 0).any():
        vals, text = [zero_at, *vals], ["0", *text]
    return at, (vals, text)


def shortlist_scatter(
    scores: pd.DataFrame,
    *,
    target_mean: float,
    low: float,
    high: float,
    cut: float,
    shortlisted: Sequence[str] = (),
    selected: str | None = None,
    cut_label: str = "median distance",
    per_week: str = "units/week",
    value_word: str = "units sold",
    height: int = 440,
) -> go.Figure:
    """DTW distance against mean weekly units; the volume band shaded, the cut drawn.

    Parameters
    ----------
    scores : DataFrame with columns product, distance, mean_units
    target_mean : float, the target's mean weekly units (a vertical line)
    low, high : float, the volume band as fractions of ``target_mean`` (shaded)
    cut : float, the largest distance on the shortlist (a horizontal line)
    shortlisted : product codes on the shortlist (drawn in ACCENT_COLOR)
    selected : product code drawn in SELECTED_COLOR, optional
    per_week : str, how weekly values are called in labels ("units/week", "$/week")
    value_word : str, what is counted, for the x axis title ("units sold", "revenue ($)")

    The x axis is logarithmic when volumes span more than a factor of 100 (products that
    sold nothing sit at its left edge, labelled 0).
    """
    units = scores["mean_units"].to_numpy(dtype=np.float64)
    on_list = scores["product"].isin(set(shortlisted)).to_numpy()
    is_sel = (scores["product"] == selected).to_numpy()
    at, ticks = _volume_axis(units)
    fig = go.Figure()
    fig.add_vrect(
        x0=float(at(low * target_mean)),
        x1=float(at(high * target_mean)),
        fillcolor=ACCENT_COLOR,
        opacity=0.12,
        line_width=0,
        layer="below",
    )
    reference_line(
        fig, "x", float(at(target_mean)), f"target {target_mean:,.1f} {per_week}", TARGET_COLOR
    )
    reference_line(
        fig, "y", cut, f"{cut_label} {cut:.2f}", dash=True, width=1.5,
        position="bottom right",
    )  # fmt: skip
    groups = [
        (~on_list & ~is_sel, "other products", OTHER_COLOR, 6, 0.45),
        (on_list & ~is_sel, f"shortlist ({int(on_list.sum())})", ACCENT_COLOR, 9, 0.95),
        (is_sel, str(selected), SELECTED_COLOR, 13, 1.0),
    ]
    for mask, name, color, size, opacity in groups:
        if not mask.any():
            continue
        part = scores[mask]
        fig.add_trace(
            go.Scatter(
                x=at(part["mean_units"].to_numpy(dtype=np.float64)),
                y=part["distance"],
                mode="markers",
                name=name,
                marker={"color": color, "size": size, "opacity": opacity},
                customdata=part[["product", "mean_units"]].to_numpy(dtype=object),
                hovertemplate="%{customdata[0]}<br>%{customdata[1]:,.1f} "
                + per_week
                + "<br>distance %{y:.2f}<extra></extra>",
            )
        )
    fig.update_xaxes(title=f"Mean weekly {value_word}" + (" (log scale)" if ticks else ""))
    if ticks:
        fig.update_xaxes(tickvals=ticks[0], ticktext=ticks[1])
    fig.update_yaxes(title="DTW distance to the target")
    return layout(fig, "Distance against weekly volume", height)
