"""Figures of the Audio Match page: pure functions, data in, plotly figure out.

Colours come from :mod:`dtwcore.plots`: the first clip of a pair and the wake-word
templates are TARGET_COLOR, the selected (second) clip or the clip under test
SELECTED_COLOR, matches ACCENT_COLOR, the warping path and its connectors PATH_COLOR,
thresholds REFERENCE_COLOR and trimmed silence OTHER_COLOR. Time axes are in seconds, DTW
axes in the features' frames.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

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

__all__ = [
    "alignment_figure",
    "cost_path_figure",
    "distance_matrix_figure",
    "dtw_vs_euclidean_figure",
    "profile_figure",
    "score_figure",
    "waveform_figure",
]

_MAX_POINTS = 2000
_WORDED_SPANS = 5
"""Up to this many highlighted spans carry their label; more carry their number alone."""


def _envelope(samples: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Min and max of the samples in at most _MAX_POINTS bins; returns (t, low, high)."""
    n = samples.shape[0]
    bins = max(1, min(_MAX_POINTS, n))
    edges = np.linspace(0, n, bins + 1).astype(int)
    edges = np.unique(edges)
    low = np.minimum.reduceat(samples, edges[:-1])
    high = np.maximum.reduceat(samples, edges[:-1])
    return edges[:-1] / rate, low, high


def waveform_figure(
    samples: np.ndarray,
    rate: int,
    *,
    title: str,
    color: str = TARGET_COLOR,
    sound: tuple[float, float] | None = None,
    spans: Sequence[tuple[float, float]] = (),
    span_label: str = "match",
    height: int = 180,
) -> go.Figure:
    """Waveform with the trimmed silence greyed out and optional highlighted spans.

    Parameters
    ----------
    samples : np.ndarray [shape=(n,)]
        Mono amplitude in [-1, 1].
    rate : int
        Sample rate (Hz).
    title : str
    color : str
        Line colour.
    sound : (start, end) in seconds, optional
        Where the sound lies; outside it is shaded as trimmed silence.
    spans : list of (start, end) in seconds, optional
        Highlighted in ACCENT_COLOR (e.g. where the wake word was found).
    span_label : str
        Text on a highlighted span; numbered from 1 when there are several, as a list of
        them would number them (the number alone beyond five spans, which would crowd).
    height : int
        Pixels.
    """
    t, low, high = _envelope(np.asarray(samples, dtype=np.float64), rate)
    duration = samples.shape[0] / rate
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=t, y=high, mode="lines", line={"color": color, "width": 1}, hoverinfo="skip")
    )
    fig.add_trace(
        go.Scatter(
            x=t, y=low, mode="lines", line={"color": color, "width": 1}, fill="tonexty",
            fillcolor=color, hoverinfo="skip",
        )
    )  # fmt: skip
    if sound is not None:
        for a, b in ((0.0, sound[0]), (sound[1], duration)):
            if b > a:
                fig.add_vrect(x0=a, x1=b, fillcolor=OTHER_COLOR, opacity=0.15, line_width=0)
    for k, (a, b) in enumerate(spans, start=1):
        if len(spans) == 1:
            text = span_label
        else:
            text = f"{k}. {span_label}" if len(spans) <= _WORDED_SPANS else str(k)
        fig.add_vrect(
            x0=a, x1=b, fillcolor=ACCENT_COLOR, opacity=0.25, line_width=0,
            annotation_text=text, annotation_position="top left",
            annotation_bgcolor="rgba(255, 255, 255, 0.85)",
        )  # fmt: skip
    fig.update_xaxes(title_text="time (s)", range=[0, duration])
    fig.update_yaxes(title_text="amplitude", range=[-1.05, 1.05], fixedrange=True)
    return layout(fig, title, height, legend="none")


def distance_matrix_figure(
    D: np.ndarray, names: Sequence[str], *, title: str, height: int | None = None
) -> go.Figure:
    """Heatmap of a symmetric distance matrix between clips, values written in the cells.

    Parameters
    ----------
    D : np.ndarray [shape=(N, N)]
        Distances (dark = close).
    names : list of N str
        Clip names, for both axes.
    title : str
    height : int, optional
        Pixels; default grows with N.
    """
    labels = list(names)
    text = [[f"{v:.2f}" for v in row] for row in D]
    fig = go.Figure(
        go.Heatmap(
            z=D, x=labels, y=labels, text=text, texttemplate="%{text}", colorscale="Viridis",
            colorbar={"title": {"text": "distance"}},
            hovertemplate="%{y} vs %{x}<br>distance %{z:.3f}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_xaxes(title_text="clip", tickangle=-30)
    fig.update_yaxes(title_text="clip", autorange="reversed")
    return layout(fig, title, height or 200 + 45 * len(labels), legend="none")


def cost_path_figure(
    cost: np.ndarray,
    path: np.ndarray,
    name_a: str,
    name_b: str,
    *,
    hop_seconds: float = 0.01,
    height: int = 520,
) -> go.Figure:
    """Accumulated-cost matrix with the optimal warping path drawn over it.

    :func:`dtwcore.plots.dtw.cost_matrix_figure` with the words of frames.

    Parameters
    ----------
    cost : np.ndarray [shape=(n, m)]
        Accumulated squared cost (clip A's frames up, clip B's across).
    path : np.ndarray [shape=(K, 2)]
        Matched frame pairs (i in A, j in B).
    name_a, name_b : str
    hop_seconds : float
        Time between two frames (seconds), for the axis titles.
    height : int
    """
    unit = f"frames of {hop_seconds * 1000:g} ms"
    return cost_matrix_figure(
        cost,
        path,
        x_title=f"B: {name_b} ({unit})",
        y_title=f"A: {name_a} ({unit})",
        x_step="B frame",
        y_step="A frame",
        height=height,
    )


def alignment_figure(
    loud_a: np.ndarray,
    loud_b: np.ndarray,
    path: np.ndarray,
    name_a: str,
    name_b: str,
    *,
    hop_seconds: float,
    connectors: int = 40,
    height: int = 520,
) -> go.Figure:
    """The two clips' loudness as spoken, and clip B laid onto clip A's time by the path.

    Parameters
    ----------
    loud_a : np.ndarray [shape=(n,)]
        Loudness of clip A per frame (dB).
    loud_b : np.ndarray [shape=(m,)]
        Loudness of clip B per frame (dB).
    path : np.ndarray [shape=(K, 2)]
        Matched frame pairs (i in A, j in B).
    name_a, name_b : str
    hop_seconds : float
        Frame step (s).
    connectors : int
        How many matched pairs to join with lines in the top panel.
    height : int
    """
    fig = make_subplots(
        rows=2, cols=1, vertical_spacing=0.26,
        subplot_titles=("As spoken (lines join frames DTW matches)", "B warped onto A's time"),
    )  # fmt: skip
    ta = np.arange(loud_a.shape[0]) * hop_seconds
    tb = np.arange(loud_b.shape[0]) * hop_seconds
    offset = 70.0  # draw B below A in the top panel so the connectors are visible
    picks = np.unique(np.linspace(0, path.shape[0] - 1, min(connectors, path.shape[0])).astype(int))
    xs: list[float | None] = []
    ys: list[float | None] = []
    for i, j in path[picks]:
        xs += [ta[i], tb[j], None]
        ys += [loud_a[i], loud_b[j] - offset, None]
    fig.add_trace(
        go.Scatter(
            x=xs, y=ys, mode="lines", line={"color": PATH_COLOR, "width": 1},
            name="matched frames", hoverinfo="skip",
        ),
        row=1, col=1,
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(x=ta, y=loud_a, name=f"A: {name_a}", line={"color": TARGET_COLOR}),
        row=1, col=1,
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=tb, y=loud_b - offset, name=f"B: {name_b}", line={"color": SELECTED_COLOR},
            customdata=loud_b, hovertemplate="%{x:.2f} s, %{customdata:.1f} dB<extra>B</extra>",
        ),
        row=1, col=1,
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=ta, y=loud_a, showlegend=False, opacity=0.5,
            line={"color": TARGET_COLOR, "width": 5},
        ),
        row=2, col=1,
    )  # fmt: skip
    fig.add_trace(
        go.Scatter(
            x=ta[path[:, 0]], y=loud_b[path[:, 1]], showlegend=False,
            line={"color": SELECTED_COLOR, "width": 1.5},
        ),
        row=2, col=1,
    )  # fmt: skip
    fig.update_xaxes(title_text="time (s)", row=1, col=1)
    fig.update_xaxes(title_text="time in A (s)", row=2, col=1)
    fig.update_yaxes(title_text="loudness (dB)", showticklabels=False, row=1, col=1)
    fig.update_yaxes(title_text="loudness (dB)", row=2, col=1)
    return layout(
        fig, "The two clips aligned along the path", height, legend="below", panel_titles=True
    )


def dtw_vs_euclidean_figure(
    names: Sequence[str],
    dtw: np.ndarray,
    euclidean: np.ndarray,
    reference: str,
    *,
    height: int = 360,
) -> go.Figure:
    """Distances from one clip to the others under DTW and under plain Euclidean.

    Parameters
    ----------
    names : list of N str
        The other clips.
    dtw, euclidean : np.ndarray [shape=(N,)]
        Length-normalised DTW distances, and the same along the even stretch (no
        warping; divided the same way, so never below DTW).
    reference : str
        The clip they are measured from.
    height : int
    """
    fig = go.Figure()
    fig.add_trace(
        go.Bar(x=list(names), y=euclidean, name="no warping (even stretch)",
               marker_color=OTHER_COLOR, texttemplate="%{y:.2f}", textposition="outside")
    )  # fmt: skip
    fig.add_trace(
        go.Bar(x=list(names), y=dtw, name="DTW", marker_color=PATH_COLOR,
               texttemplate="%{y:.2f}", textposition="outside")
    )  # fmt: skip
    top = float(max(np.max(dtw), np.max(euclidean))) if len(names) else 1.0
    fig.update_yaxes(title_text="distance per frame", range=[0, top * 1.2])
    fig.update_xaxes(title_text="clip")
    fig.update_layout(barmode="group")
    return layout(fig, f"Distance from {reference}: Euclidean versus DTW", height)


def score_figure(
    loo: np.ndarray,
    threshold: float,
    *,
    names: Sequence[str] | None = None,
    tested: Sequence[tuple[str, float]] = (),
    height: int = 280,
) -> go.Figure:
    """Enrollment distances, the threshold and the tested clips on one axis.

    Only the horizontal position means anything; templates and tested clips are spread a
    little up and down so that equal distances do not hide one another.

    Parameters
    ----------
    loo : np.ndarray [shape=(k,)]
        Each template's distance to the nearest other template.
    threshold : float
        Distances at or below it count as the wake word.
    names : list of k str, optional
        Template names for hover text.
    tested : list of (name, distance), optional
        Every tested clip, drawn in SELECTED_COLOR: one trace named after the clip when
        there is one, "tested clips (n)" when there are several (names on hover).
    height : int
    """
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=loo, y=_spread(len(loo), 0.35),
            mode="markers", name="enrollment (leave one out)",
            marker={"color": TARGET_COLOR, "size": 13, "symbol": "circle"},
            text=list(names) if names is not None else None,
            hovertemplate="%{text}: %{x:.2f}<extra></extra>",
        )
    )  # fmt: skip
    right = max(float(np.max(loo)), threshold) * 1.3
    if tested:
        labels = [name for name, _ in tested]
        dist = np.array([d for _, d in tested], dtype=np.float64)
        right = max(right, float(dist.max()) * 1.1)
        label = labels[0] if len(labels) == 1 else f"tested clips ({len(labels)})"
        fig.add_trace(
            go.Scatter(
                x=dist.tolist(), y=_spread(len(dist), 0.7),
                mode="markers", name=label,
                marker={"color": SELECTED_COLOR, "size": 17, "symbol": "diamond"},
                text=labels, hovertemplate="%{text}: %{x:.2f}<extra></extra>",
            )
        )  # fmt: skip
    fig.add_vrect(x0=0, x1=threshold, fillcolor=ACCENT_COLOR, opacity=0.12, line_width=0)
    reference_line(fig, "x", threshold, f"threshold {threshold:.2f}", dash=True, position="top")
    fig.update_xaxes(title_text="distance to the nearest template", range=[0, right])
    fig.update_yaxes(visible=False, range=[-1, 1], fixedrange=True)
    return layout(fig, "Match zone (green) and where each recording falls", height, legend="below")


def _spread(n: int, half: float) -> np.ndarray:
    """Heights for n markers, evenly over [-half, half] (0 for a single one)."""
    return np.linspace(-half, half, n) if n > 1 else np.zeros(n)


def profile_figure(
    profile: np.ndarray,
    threshold: float,
    *,
    hop_seconds: float,
    times: np.ndarray | None = None,
    checked: Sequence[tuple[float, float]] = (),
    height: int = 240,
) -> go.Figure:
    """Best wake-word distance of a match ending at each moment of a recording, and the
    spans that were checked again.

    The line is the first search (it says where to look); a span is the wake word by its
    score on finer detail, which ``checked`` draws as dots: at or under ``threshold`` in
    ACCENT_COLOR ("the wake word"), above it in OTHER_COLOR. The threshold is the dots'.

    Parameters
    ----------
    profile : np.ndarray [shape=(M,)]
        Distance per frame (lower is a better match).
    threshold : float
    hop_seconds : float
        Frame step (s).
    times : np.ndarray [shape=(M,)], optional
        When each frame's match ends (s); defaults to ``(k + 1) * hop_seconds``. Matches
        ending before 0 s (inside the silence padded before the recording) are not drawn.
    checked : list of (end in seconds, score), optional
        Each span scored again (:attr:`dtwcore.audio.wake.Occurrence.distance`).
    height : int
    """
    t = (np.arange(profile.shape[0]) + 1) * hop_seconds if times is None else times
    inside = t >= 0  # a match ending before the recording starts holds only its padding
    fig = go.Figure(
        go.Scatter(
            x=t[inside], y=profile[inside], mode="lines", line={"color": TARGET_COLOR},
            name="first search",
            hovertemplate="ends at %{x:.2f} s: %{y:.2f}<extra></extra>",
        )
    )  # fmt: skip
    dots = np.array(checked, dtype=np.float64).reshape(-1, 2)
    for keep, name, color in (
        (dots[:, 1] <= threshold, "the wake word", ACCENT_COLOR),
        (dots[:, 1] > threshold, "checked, not the wake word", OTHER_COLOR),
    ):
        if keep.any():
            fig.add_trace(
                go.Scatter(
                    x=dots[keep, 0].tolist(), y=dots[keep, 1].tolist(), mode="markers", name=name,
                    marker={"color": color, "size": 10, "line": {"color": "white", "width": 1}},
                    hovertemplate="span ending at %{x:.2f} s: %{y:.2f}<extra></extra>",
                )
            )  # fmt: skip
    reference_line(fig, "y", threshold, f"threshold {threshold:.2f}", dash=True)
    fig.update_xaxes(title_text="end of the candidate span (s)")
    fig.update_yaxes(title_text="distance")
    legend = "above" if dots.size else "none"
    return layout(fig, "How well the wake word fits, moment by moment", height, legend=legend)
