"""AppTest for the Experiments page, each test with its own temporary MLflow store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient
from streamlit.testing.v1 import AppTest

from dtwcore.runs import model as dtw_model
from dtwcore.runs import sales as tracking
from dtwcore.runs import store as run_store
from dtwcore.sales import BLOG_TARGET, DEMO_NAME, Catalog, score_catalog
from tests.conftest import ROOT, free_port

pytest_plugins = ["tests.mlflow_fixtures"]

PAGE = str(ROOT / "pages" / "experiment_runs.py")


def _page(monkeypatch: pytest.MonkeyPatch, uri: str) -> AppTest:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.delenv("MLFLOW_UI_URL", raising=False)
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def swept_store(tmp_path_factory: pytest.TempPathFactory, uci_catalog: Catalog):  # noqa: ANN201
    """A SQLite store holding a three-run sweep of the UCI file."""
    root = tmp_path_factory.mktemp("app-store")
    store = run_store.Store(f"sqlite:///{root / 'mlflow.db'}", root / "mlartifacts")
    ids = tracking.sweep(uci_catalog, BLOG_TARGET, [0.0, 0.05, 0.5], store=store)
    return store, ids


def test_empty_store_invites_a_sweep(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    at = _page(monkeypatch, f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert any("No runs yet" in i.value for i in at.info)
    assert at.button(key="experiments.sweep_button").label == "Run sweep"
    assert not at.error


def test_a_page_that_ends_early_keeps_the_sidebar_footer(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path,  # noqa: ANN001
) -> None:
    """Under app.py the page ends at "No runs yet"; the data summary and the store status
    that app.py draws after every page are still there (st.stop() used to cut them)."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("pages/experiment_runs.py").run()
    assert not at.exception
    assert any("No runs yet" in i.value for i in at.info)
    sidebar = [m.value for m in at.sidebar.markdown] + [c.value for c in at.sidebar.caption]
    assert "**Experiment tracking (MLflow)**" in sidebar
    assert any(text.startswith("**Sales data:** Demo data (made up)") for text in sidebar)


def test_unreachable_server_is_explained_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    at = _page(monkeypatch, url)
    assert len(at.error) == 1
    assert at.error[0].value.startswith(f"Cannot reach the MLflow tracking server at {url}")
    assert not at.dataframe


def test_runs_are_listed_and_compared(monkeypatch: pytest.MonkeyPatch, swept_store) -> None:  # noqa: ANN001
    store, ids = swept_store
    at = _page(monkeypatch, store.tracking_uri)
    assert not at.error
    assert at.selectbox(key="experiments.experiment").value == tracking.DEFAULT_EXPERIMENT
    runs = at.dataframe(key="experiments.runs_table").value
    assert set(runs["run_id"]) == set(ids)
    medians = runs.sort_values("stretch_factor")["median_distance"].to_numpy()
    assert medians[1] == pytest.approx(7.8940, abs=1e-4) and np.all(np.diff(medians) <= 0)
    assert len(at.get("plotly_chart")) >= 2  # median against stretch, histograms
    assert any("falls (or stays level)" in c.value for c in at.caption)
    assert len(at.tabs) == 3  # outliers of the three runs of the newest sweep
    # Runs are named by what differs (here only the stretch factor), and two runs'
    # outliers are compared: which products enter and leave the list.
    assert sorted(runs["label"]) == ["stretch 0", "stretch 0.05", "stretch 0.5"]
    assert [t.label for t in at.tabs] == ["stretch 0", "stretch 0.05", "stretch 0.5"]
    changes = next(d.value for d in at.dataframe if "change" in d.value.columns)
    assert set(changes["change"]) <= {"enters", "leaves", "stays"}
    z = {
        run: tracking.read_artifact_csv(store, run, "zscore_outliers.csv")["product"]
        for run in (ids[0], ids[2])
    }
    entering = set(z[ids[2]]) - set(z[ids[0]])
    assert set(changes.loc[changes["change"] == "enters", "product"]) == entering
    # A product not on one run's list reads "—", not "None"; the others keep 4 decimals.
    leaving = changes[changes["change"] == "leaves"]
    assert len(leaving) and (leaving["distance_after"] == "—").all()
    assert leaving["distance_before"].str.fullmatch(r"\d+\.\d{4}").all()
    assert any(
        c.value.startswith(f"From stretch 0 to stretch 0.5: {len(entering)} product")
        for c in at.caption
    )

    at.text_input(key="experiments.filter").set_value("no such dataset").run()
    assert at.dataframe(key="experiments.runs_table").value.empty
    assert any("No finished runs match" in i.value for i in at.info)


def test_scoring_with_a_logged_model(monkeypatch: pytest.MonkeyPatch, swept_store) -> None:  # noqa: ANN001
    store, ids = swept_store
    at = _page(monkeypatch, store.tracking_uri)
    assert at.selectbox(key="experiments.score_run").value == ids[1]  # stretch 0.05
    at.button(key="experiments.score_button").click().run()
    assert not at.exception and not at.error
    run_id, answer, frame, n_logged = at.session_state["experiments.scored"]
    assert n_logged == 811
    assert run_id == ids[1]
    weeks = [f"W{i}" for i in range(52)]
    expected = score_catalog(
        frame[dtw_model.ID_COLUMN].to_numpy(), frame[weeks].to_numpy(float), BLOG_TARGET
    )["distance"]
    np.testing.assert_allclose(answer["distance"], expected, rtol=0, atol=1e-12)
    shown = next(
        d.value for d in at.dataframe if dtw_model.ID_COLUMN in d.value and "percentile" in d.value
    )
    assert shown[dtw_model.ID_COLUMN].tolist() == ["NEW-late-follower", "NEW-steady-promo"]
    assert shown["distance"].iloc[0] < shown["distance"].iloc[1]


def test_bad_run_id_is_explained(monkeypatch: pytest.MonkeyPatch, swept_store) -> None:  # noqa: ANN001
    store, _ = swept_store
    at = _page(monkeypatch, store.tracking_uri)
    at.text_input(key="experiments.score_run_id").set_value("nope").run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"No run with id 'nope' in the local SQLite store {store.tracking_uri[10:]}."
    ]


def test_sweep_started_from_the_page(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("DTW_ARTIFACT_ROOT", str(tmp_path / "files"))
    at = _page(monkeypatch, uri)
    assert at.radio(key="experiments.sweep_source").value == "Demo data"
    at.multiselect(key="experiments.sweep_stretches").set_value([0.5, 0.05])
    at.text_input(key="experiments.sweep_experiment").set_value("from-the-page")
    at.button(key="experiments.sweep_button").click().run()
    assert not at.exception and not at.error
    mlc = MlflowClient(uri)
    experiment = mlc.get_experiment_by_name("from-the-page")
    assert experiment.artifact_location.startswith((tmp_path / "files").as_uri())
    runs = mlc.search_runs([experiment.experiment_id])
    assert sorted(float(r.data.params["stretch_factor"]) for r in runs) == [0.05, 0.5]
    assert {r.data.params["dataset_name"] for r in runs} == {DEMO_NAME}
    assert {r.data.tags[run_store.SOURCE_TAG] for r in runs} == {"app"}
    assert all(r.info.status == "FINISHED" for r in runs)
    assert at.selectbox(key="experiments.experiment").value == "from-the-page"
    table = at.dataframe(key="experiments.runs_table").value
    assert isinstance(table, pd.DataFrame) and len(table) == 2


def test_links_into_the_mlflow_ui_when_configured(
    monkeypatch: pytest.MonkeyPatch, swept_store
) -> None:  # noqa: ANN001
    store, ids = swept_store
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store.tracking_uri)
    monkeypatch.setenv("MLFLOW_UI_URL", "http://127.0.0.1:5000/")
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.run()
    assert not at.exception
    runs = at.dataframe(key="experiments.runs_table").value
    experiment_id = MlflowClient(store.tracking_uri).get_run(ids[0]).info.experiment_id
    assert set(runs["mlflow"]) == {
        f"http://127.0.0.1:5000/#/experiments/{experiment_id}/runs/{i}" for i in ids
    }
