"""Figures of DTW itself, whatever is compared: the cost matrix with its warping path.

Sales Trends (weeks of a product against the target) and Audio Match (frames of two clips)
draw it through :func:`cost_matrix_figure`, each with its own axis words.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from dtwcore.plots._style import PATH_COLOR, REFERENCE_COLOR, layout

__all__ = ["cost_matrix_figure"]


def cost_matrix_figure(
    acc_cost: np.ndarray,
    path: np.ndarray,
    *,
    x_title: str,
    y_title: str,
    x_step: str,
    y_step: str,
    labels: Sequence[str] | None = None,
    height: int = 420,
) -> go.Figure:
    """Accumulated cost of matching the rows' steps with the columns', and the path.

    The colour is the square root of the accumulated squared cost ("distance so far"), so
    the last cell reads as the DTW distance; cells outside the band stay blank. A dotted
    diagonal marks "no shift" (step i matched with step i), so the path's detours show.

    Parameters
    ----------
    acc_cost : np.ndarray [shape=(n, m)]
        Accumulated squared cost; inf outside the band.
    path : np.ndarray [shape=(K, 2)]
        The optimal path as (row, column) pairs.
    x_title, y_title : str
        Axis titles (columns across, rows up).
    x_step, y_step : str
        How hover text names a column's or a row's step, before its label
        (e.g. ``"product week"`` gives "product week 12").
    labels : list of str [shape=(n,)], optional
        Labels of both axes (e.g. the weeks' dates) when the matrix is square; else the
        steps are numbered from 0.
    height : int
        Pixels.

    Examples
    --------
    >>> from dtwcore import warping_path
    >>> path, cost = warping_path(np.arange(5.0), np.arange(6.0))
    >>> fig = cost_matrix_figure(cost, path, x_title="B", y_title="A", x_step="b", y_step="a")
    >>> [t.name for t in fig.data[1:]]
    ['no shift', 'warping path']
    """
    cost = np.asarray(acc_cost, dtype=np.float64)
    finite = np.isfinite(cost)
    z = np.where(finite, np.sqrt(np.where(finite, cost, 0.0)), np.nan)
    path = np.asarray(path, dtype=np.int64)
    n, m = cost.shape
    if labels is not None:
        if not len(labels) == n == m:
            raise ValueError(f"{len(labels)} labels for a cost matrix of {n} × {m} steps")
        rows = cols = np.asarray(labels, dtype=object)
    else:
        rows, cols = np.arange(n), np.arange(m)
    cell = f"{y_step} %{{y}}, {x_step} %{{x}}"
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=cols,
            y=rows,
            colorscale="Blues",
            colorbar={"title": {"text": "distance<br>so far", "side": "top"}, "thickness": 14},
            hovertemplate=cell + "<br>distance so far %{z:.2f}<extra></extra>",
        )
    )
    last = min(n, m) - 1
    fig.add_trace(
        go.Scatter(
            x=[cols[0], cols[last]],
            y=[rows[0], rows[last]],
            mode="lines",
            line={"color": REFERENCE_COLOR, "dash": "dot", "width": 1},
            name="no shift",
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=cols[path[:, 1]],
            y=rows[path[:, 0]],
            mode="lines+markers",
            line={"color": PATH_COLOR, "width": 3},
            marker={"size": 4},
            name="warping path",
            hovertemplate=f"{y_step} %{{y}} ↔ {x_step} %{{x}}<extra></extra>",
        )
    )
    fig.update_xaxes(title=x_title)
    fig.update_yaxes(title=y_title)
    if labels is None:
        fig.update_xaxes(range=[-0.5, m - 0.5])
        fig.update_yaxes(range=[-0.5, n - 0.5])
    return layout(fig, "Distance so far, and the warping path", height, legend="none")
