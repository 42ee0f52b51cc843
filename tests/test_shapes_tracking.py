"""A clustering logged to a real MLflow tracking server, like an analysis."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from dtwcore.runs import store as run_store
from dtwcore.runs.shapes import ARTIFACTS, EXPERIMENT, log_clustering
from dtwcore.shapes import cluster_shapes
from dtwcore.shapes.clustering import assignments

pytest_plugins = ["tests.mlflow_fixtures"]


def test_clustering_run_holds_params_metrics_and_artifacts(server_store, uci_catalog) -> None:  # noqa: ANN001
    result = cluster_shapes(uci_catalog.values, k=3, stretch=0.1)
    run_id = log_clustering(uci_catalog, result, store=server_store, source="test")
    run = run_store.get_run(server_store, run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params == {
        "k": "3",
        "k_chosen": "given",
        "stretch_factor": "0.1",
        "znorm": "True",
        "n_products": "811",
        "dataset_name": uci_catalog.name,
        "dataset_hash": uci_catalog.content_hash,
        "sample_size": "all",
    }
    metrics = run.data.metrics
    assert metrics["silhouette"] == pytest.approx(result.mean_silhouette, rel=1e-12)
    assert metrics["total_distance"] == pytest.approx(result.distance.sum(), rel=1e-12)
    assert metrics["mean_distance"] == pytest.approx(result.distance.mean(), rel=1e-12)
    assert run.data.tags[run_store.SOURCE_TAG] == "test"
    assert run_store.OWNER_TAG in run.data.tags
    experiment = run_store.client(server_store).get_experiment(run.info.experiment_id)
    assert experiment.name == EXPERIMENT

    names = {a.path for a in run_store.client(server_store).list_artifacts(run_id)}
    assert names == set(ARTIFACTS)
    table = pd.read_csv(
        io.StringIO(run_store.read_artifact_text(server_store, run_id, "assignments.csv")),
        dtype={"product": str},
    )
    want = assignments(uci_catalog.ids, result)
    pd.testing.assert_frame_equal(table, want, check_exact=True)
    assert np.bincount(table["cluster"])[1:].tolist() == result.sizes.tolist()
    html = run_store.read_artifact_text(server_store, run_id, "shapes.html")
    assert "Plotly.newPlot" in html and "Shape 1: " in html
    png = run_store.client(server_store).download_artifacts(run_id, "shapes.png")
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_a_clustering_of_other_products_is_refused(server_store, uci_catalog) -> None:  # noqa: ANN001
    result = cluster_shapes(uci_catalog.values[:100], k=2)
    with pytest.raises(run_store.TrackingError, match="the clustering has 100 products"):
        log_clustering(uci_catalog, result, store=server_store)
