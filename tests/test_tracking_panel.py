"""The sidebar store status and the Sales page's "Log to MLflow" panel (AppTest)."""

from __future__ import annotations

import pytest
from mlflow.tracking import MlflowClient
from streamlit.testing.v1 import AppTest

from pages.common.sales_views import md
from tests.conftest import free_port


def _panel_script() -> None:
    """Stands in for the Sales Trends page: an analysis in session state, then the panel."""
    import numpy as np
    import streamlit as st

    from dtwcore.sales import BLOG_TARGET, Catalog, score_catalog
    from pages.common.session import SalesAnalysis
    from pages.common.tracking_panel import render_log_panel, render_store_status

    rng = np.random.default_rng(1)
    values = rng.poisson(20, size=(30, 52)).astype(float)
    ids = np.array([f"P{i}" for i in range(30)])
    weeks = [f"W{i}" for i in range(52)]
    catalog = Catalog(name="panel test", ids=ids, weeks=weeks, values=values)
    scores = score_catalog(catalog.ids, catalog.values, BLOG_TARGET, stretch=0.1, znorm=True)
    render_store_status()
    render_log_panel(SalesAnalysis(catalog, BLOG_TARGET, stretch=0.1, znorm=True, scores=scores))
    st.session_state["panel.done"] = True


def _app(monkeypatch: pytest.MonkeyPatch, uri: str) -> AppTest:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.delenv("MLFLOW_UI_URL", raising=False)
    at = AppTest.from_function(_panel_script, default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["panel.done"]
    return at


def test_log_and_sweep_from_the_sales_page(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    at = _app(monkeypatch, uri)
    assert "local SQLite store" in at.sidebar.caption[0].value

    at.button(key="tracking.log").click().run()
    assert not at.exception and not at.error
    mlc = MlflowClient(uri)
    experiment = mlc.get_experiment_by_name("sales-trends")
    (run,) = mlc.search_runs([experiment.experiment_id])
    assert run.data.params["stretch_factor"] == "0.1" and run.data.params["n_products"] == "30"
    assert run.data.tags["dtw.source"] == "app"
    assert any("Logged 1 run(s)" in s.value for s in at.success)

    at.multiselect(key="tracking.sweep_stretches").set_value([0.5, 0.0])
    at.button(key="tracking.sweep").click().run()
    assert not at.exception and not at.error
    runs = mlc.search_runs([experiment.experiment_id])
    assert sorted(r.data.params["stretch_factor"] for r in runs) == ["0.0", "0.1", "0.5"]
    assert any("Logged 2 run(s)" in s.value for s in at.success)
    shown = at.dataframe[0].value
    assert list(shown["stretch factor"]) == [0.0, 0.5]


def test_unreachable_server_leaves_the_page_working(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    at = _app(monkeypatch, url)
    assert at.sidebar.warning[0].value.startswith(
        f"Cannot reach the MLflow tracking server at {url}"
    )
    assert any("Logging is not available right now" in i.value for i in at.info)
    assert [b.key for b in at.main.button] == []  # nothing to click that could hang


def test_sidebar_setting_points_the_session_elsewhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # noqa: ANN001
    at = _app(monkeypatch, f"http://127.0.0.1:{free_port()}")
    other = f"sqlite:///{tmp_path / 'other.db'}"
    at.sidebar.text_input(key="tracking.uri_input").set_value(other).run()
    assert not at.exception
    assert not at.sidebar.warning
    assert md(str(tmp_path / "other.db")) in at.sidebar.caption[0].value
    at.sidebar.text_input(key="tracking.uri_input").set_value("ftp://elsewhere").run()
    assert "not a tracking address" in at.sidebar.error[0].value
    assert md(str(tmp_path / "other.db")) in at.sidebar.caption[0].value  # unchanged
    at.sidebar.button(key="tracking.reset_uri").click().run()
    assert at.sidebar.warning  # back to the (unreachable) default of this environment
