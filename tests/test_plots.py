"""The figures' shared look: one colour table, one layout, one plotly config, one cost
matrix figure for sales and audio, and shape panels that say which shape was clicked."""

from __future__ import annotations

import ast

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dtwcore import warping_path
from dtwcore.plots import (
    ACCENT_COLOR,
    OTHER_COLOR,
    PATH_COLOR,
    REFERENCE_COLOR,
    SELECTED_COLOR,
    SERIES_COLORS,
    SHAPE_COLOR,
    TARGET_COLOR,
)
from dtwcore.plots._style import layout, reference_line, translucent
from dtwcore.plots.audio import alignment_figure, cost_path_figure, profile_figure, score_figure
from dtwcore.plots.dtw import cost_matrix_figure
from dtwcore.plots.experiments import (
    PRODUCT_COLORS,
    histogram_png,
    histograms_side_by_side,
    median_by_stretch,
    products_vs_target,
)
from dtwcore.plots.sales import cost_heatmap, distance_histogram, overlay_figure
from dtwcore.plots.shapes import (
    METHOD_LABELS,
    analogues_figure,
    backtest_figure,
    members_figure,
    shapes_grid,
    shapes_png,
)
from dtwcore.sales.units import Unit

from .conftest import ROOT

ROLES = (TARGET_COLOR, SELECTED_COLOR, OTHER_COLOR, ACCENT_COLOR, PATH_COLOR, REFERENCE_COLOR)


def test_every_colour_means_one_thing() -> None:
    table = (*ROLES, SHAPE_COLOR, *SERIES_COLORS)
    assert len(set(table)) == len(table) == 13
    assert (SELECTED_COLOR, *SERIES_COLORS[:5]) == PRODUCT_COLORS


def test_translucent_fill_of_a_table_colour() -> None:
    assert translucent(OTHER_COLOR, 0.25) == "rgba(127,127,127,0.25)"
    assert translucent(ACCENT_COLOR, 0.22) == "rgba(44,160,44,0.22)"


@pytest.mark.parametrize(
    ("title", "legend", "panels", "top", "bottom", "shown"),
    [
        ("T", "above", False, 80, 10, True),  # title 32 + legend row 38 + 10
        ("T", "below", False, 42, 86, True),  # the legend under the x axis' title
        ("T", "none", False, 42, 10, False),
        (None, "above", False, 48, 10, True),
        (None, "below", True, 38, 86, True),  # subplot titles above the top row
    ],
)
def test_one_layout_for_every_figure(
    title: str | None, legend: str, panels: bool, top: int, bottom: int, shown: bool
) -> None:
    fig = layout(go.Figure(), title, 300, legend=legend, panel_titles=panels)
    assert fig.layout.height == 300
    assert (fig.layout.margin.t, fig.layout.margin.b) == (top, bottom)
    assert (fig.layout.margin.l, fig.layout.margin.r) == (10, 10)
    assert fig.layout.showlegend is shown
    assert fig.layout.title.text == title
    if legend == "above":
        assert (fig.layout.legend.y, fig.layout.legend.yanchor) == (1.01, "bottom")
    if legend == "below":
        assert (fig.layout.legend.yref, fig.layout.legend.y) == ("container", 0)


def test_reference_line_is_labelled_in_its_colour() -> None:
    fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 1]))
    reference_line(fig, "y", 0.5, "threshold 0.50", dash=True)
    (line,) = fig.layout.shapes
    (note,) = fig.layout.annotations
    assert (line.y0, line.line.color, line.line.dash) == (0.5, REFERENCE_COLOR, "dash")
    assert (note.text, note.font.color) == ("threshold 0.50", REFERENCE_COLOR)


@pytest.fixture(scope="module")
def aligned() -> tuple[np.ndarray, np.ndarray]:
    """A path and cost of 30 against 40 steps, inside a band (inf outside it)."""
    t = np.linspace(0, 6, 30)
    path, cost = warping_path(np.sin(t), np.sin(np.linspace(0, 6, 40) - 0.5), stretch=0.3)
    return path, cost


def test_sales_and_audio_draw_one_cost_matrix_figure(aligned) -> None:  # noqa: ANN001
    path, cost = aligned
    sales = cost_heatmap(cost, path, product_id="P7")
    audio = cost_path_figure(cost, path, "one.wav", "two.wav")
    for fig in (sales, audio):
        z = np.asarray(fig.data[0].z, dtype=float)
        np.testing.assert_allclose(z[np.isfinite(cost)], np.sqrt(cost[np.isfinite(cost)]))
        assert np.isnan(z[~np.isfinite(cost)]).all() and (~np.isfinite(cost)).any()
        assert z[-1, -1] == pytest.approx(np.sqrt(cost[-1, -1]))
        assert [t.name for t in fig.data[1:]] == ["no shift", "warping path"]
        assert fig.data[1].line.color == REFERENCE_COLOR and fig.data[2].line.color == PATH_COLOR
        assert fig.data[2].x.tolist() == path[:, 1].tolist()
        assert fig.data[2].y.tolist() == path[:, 0].tolist()
        assert (fig.data[1].x[-1], fig.data[1].y[-1]) == (29, 29)  # step i with step i
        assert fig.layout.title.text == "Distance so far, and the warping path"
        assert fig.layout.xaxis.range == (-0.5, 39.5) and fig.layout.yaxis.range == (-0.5, 29.5)
    assert sales.data[0].colorscale == audio.data[0].colorscale
    assert (sales.layout.xaxis.title.text, sales.layout.yaxis.title.text) == (
        "Week of P7",
        "Week of the target",
    )
    assert audio.layout.xaxis.title.text == "B: two.wav (frames of 10 ms)"
    assert sales.data[0].hovertemplate.startswith("target week %{y}, product week %{x}")
    assert audio.data[0].hovertemplate.startswith("A frame %{y}, B frame %{x}")


def test_cost_matrix_labels_fit_both_axes(aligned) -> None:  # noqa: ANN001
    path, cost = aligned
    with pytest.raises(ValueError, match="30 labels for a cost matrix of 30 × 40 steps"):
        cost_matrix_figure(
            cost, path, x_title="x", y_title="y", x_step="x", y_step="y", labels=list("a" * 30)
        )


def _grid(k: int = 6, selected: int | None = 2) -> go.Figure:
    w = 12
    average = np.arange(k * w, dtype=float).reshape(k, w)
    band = np.stack([average - 1, average + 1], axis=1)
    titles = [f"Shape {c + 1}" for c in range(k)]
    return shapes_grid(average, band, average + 0.5, titles, znorm=True, selected=selected)


def test_a_clicked_shape_panel_names_its_shape_from_its_own_points() -> None:
    fig = _grid()
    clickable = [t for t in fig.data if t.hoverinfo != "skip"]
    assert len(clickable) == 12  # a medoid and an average for each of 6 shapes
    for trace in fig.data:
        if trace.hoverinfo == "skip":
            assert trace.customdata is None  # bands take no clicks
            continue
        shape = int(np.asarray(trace.customdata)[0, 0])
        assert np.asarray(trace.customdata).shape == (12, 1)
        assert (np.asarray(trace.customdata) == shape).all()
        panel = shape + 1  # subplots are numbered row by row, like the shapes
        assert trace.xaxis == ("x" if panel == 1 else f"x{panel}")
    averages = [t for t in fig.data if t.name == "average shape"]
    assert [int(np.asarray(t.customdata)[0, 0]) for t in averages] == list(range(6))
    colors = [t.line.color for t in averages]
    assert colors == [
        SHAPE_COLOR,
        SHAPE_COLOR,
        SELECTED_COLOR,
        SHAPE_COLOR,
        SHAPE_COLOR,
        SHAPE_COLOR,
    ]
    # the legend's average is one that is not selected: it shows the shapes' colour
    assert [t.line.color for t in averages if t.showlegend] == [SHAPE_COLOR]
    first = _grid(selected=0)
    assert [t.line.color for t in first.data if t.name == "average shape" and t.showlegend] == [
        SHAPE_COLOR
    ]
    medoid = next(t for t in fig.data if t.name == "medoid (a real product)")
    assert medoid.line.color == REFERENCE_COLOR


def test_analogue_forecast_axes_and_hovers_say_units_or_money() -> None:
    known, curves, fan = np.ones(4), np.ones((3, 10)), np.ones((3, 6))
    units = analogues_figure(known, curves, ["a", "b", "c"], fan)
    dollars = analogues_figure(known, curves, ["a", "b", "c"], fan, Unit("$", "sales"))
    assert units.layout.yaxis.title.text == "Units per week"
    assert dollars.layout.yaxis.title.text == "Sales per week ($)"
    hovers = [t.hovertemplate for t in dollars.data if t.hovertemplate]
    assert len(hovers) == 5 and all("$%{y:,.2f}" in h for h in hovers)
    assert all("%{y:,.1f}" in t.hovertemplate for t in units.data if t.hovertemplate)
    members = members_figure(np.zeros((2, 5)), ["a", "b"], np.ones(5), znorm=False, title="t",
                             unit=Unit("€", "revenue"))  # fmt: skip
    assert members.layout.yaxis.title.text == "Revenue per week (€)"


def test_the_same_thing_has_the_same_colour_on_every_chart(aligned) -> None:  # noqa: ANN001
    path, _ = aligned
    a, b = np.sin(np.linspace(0, 6, 30)), np.sin(np.linspace(0, 6, 40) - 0.5)
    # the target
    overlay = overlay_figure(a, b, path, product_id="P7", znorm=True)
    assert overlay.data[1].line.color == TARGET_COLOR
    assert products_vs_target(a, b[None, :30], ["new"], znorm=True).data[0].line.color == (
        TARGET_COLOR
    )
    assert alignment_figure(a, b, path, "a", "b", hop_seconds=0.01).data[1].line.color == (
        TARGET_COLOR
    )
    # the selected product, clip or shape
    assert overlay.data[2].line.color == SELECTED_COLOR
    hist = distance_histogram(np.arange(20.0), median=9.5, selected=("P7", 3.0))
    assert hist.layout.shapes[1].line.color == SELECTED_COLOR
    assert score_figure(np.array([1.0, 2.0]), 2.5, tested=[("t", 1.5)]).data[1].marker.color == (
        SELECTED_COLOR
    )
    members = members_figure(np.zeros((2, 5)), ["a", "b"], np.ones(5), znorm=True, title="t")
    assert members.data[-1].line.color == SELECTED_COLOR
    # the warping path
    assert overlay.data[0].line.color == PATH_COLOR
    # reference lines: median, threshold
    assert hist.layout.shapes[0].line.color == REFERENCE_COLOR
    side = histograms_side_by_side({"a": np.arange(10.0), "b": np.arange(5.0)})
    assert [s.line.color for s in side.layout.shapes] == [REFERENCE_COLOR] * 2
    assert [s.x0 for s in side.layout.shapes] == [4.5, 2.0]
    profile = profile_figure(np.ones(20), 1.2, hop_seconds=0.01)
    assert profile.layout.shapes[0].line.color == REFERENCE_COLOR
    # baselines beside the analogues' forecast
    wape = {8: {method: 0.5 for method in METHOD_LABELS}}
    assert [t.marker.color for t in backtest_figure(wape).data] == [
        ACCENT_COLOR,
        REFERENCE_COLOR,
        OTHER_COLOR,
        SHAPE_COLOR,
    ]
    # compared runs take colours that mean nothing else
    runs = pd.DataFrame(
        {
            "stretch_factor": [0.0, 0.1] * 2,
            "median_distance": [3.0, 2.0, 4.0, 3.0],
            "series": list("aabb"),
        }
    )
    assert [t.line.color for t in median_by_stretch(runs).data] == list(SERIES_COLORS[:2])


def _plotly_calls(tree: ast.AST) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "plotly_chart"
    ]


def test_page_scripts_hold_no_bare_strings_that_streamlit_would_show() -> None:
    """Streamlit's magic writes a page script's bare top-level strings on the page: only
    the module docstring may be one (a constant's docstring would show above the title)."""
    scripts = [*sorted((ROOT / "pages").glob("*.py")), ROOT / "app.py"]
    shown = [
        f"{script.name}:{node.lineno}"
        for script in scripts
        for node in ast.parse(script.read_text(encoding="utf-8")).body[1:]
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    ]
    assert shown == []


def test_every_chart_of_every_page_takes_the_one_plot_config() -> None:
    calls = 0
    for page in sorted((ROOT / "pages").rglob("*.py")):
        tree = ast.parse(page.read_text(encoding="utf-8"))
        assigned = {
            t.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            for t in node.targets
            if isinstance(t, ast.Name)
        }
        assert "PLOT_CONFIG" not in assigned, f"{page.name} defines its own PLOT_CONFIG"
        for call in _plotly_calls(tree):
            config = {k.arg: k.value for k in call.keywords}.get("config")
            assert isinstance(config, ast.Name) and config.id == "PLOT_CONFIG", (
                f"{page.name}:{call.lineno} charts without PLOT_CONFIG"
            )
            calls += 1
    assert calls >= 20  # four pages' charts


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_run_artifact_pngs_have_their_sizes() -> None:
    """8 × 4.5 inches for a histogram; 3.2 inches a column and 2.4 a row (+0.6) for shapes,
    at 100 dpi."""
    assert _png_size(histogram_png(np.arange(50.0), title="run")) == (800, 450)
    average = np.zeros((6, 10))
    band = np.stack([average - 1, average + 1], axis=1)
    png = shapes_png(average, band, [f"Shape {c + 1}" for c in range(6)], znorm=True, title="t")
    assert _png_size(png) == (1280, 540)
