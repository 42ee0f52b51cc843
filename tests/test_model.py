"""The logged sales model: reload, equality with score_catalog, REST serving."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml

from dtwcore.runs import model as dtw_model
from dtwcore.runs import sales as tracking
from dtwcore.runs import store as run_store
from dtwcore.sales import BLOG_TARGET, Catalog, score_catalog
from tests.conftest import UCI_CSV, free_port, stop_process, wait_http

pytest_plugins = ["tests.mlflow_fixtures"]

WEEKS = [f"W{i}" for i in range(52)]

# Two hand-written products, as in the published write-up: one that follows the capacity
# curve a couple of weeks late, one that sells steadily and spikes once.
HAND_WRITTEN = pd.DataFrame(
    [
        ["NEW-1", *np.roll(BLOG_TARGET, 2).round()],
        ["NEW-2", *([20.0] * 30 + [60.0] + [20.0] * 21)],
    ],
    columns=["Product_Code", *WEEKS],
)


def _expected(frame: pd.DataFrame, stretch: float, znorm: bool = True) -> np.ndarray:
    values = frame[WEEKS].to_numpy(dtype=np.float64)
    ids = frame["Product_Code"].to_numpy() if "Product_Code" in frame else np.arange(len(frame))
    return score_catalog(ids, values, BLOG_TARGET, stretch=stretch, znorm=znorm)[
        "distance"
    ].to_numpy()


def test_model_config_is_plain_json() -> None:
    config = dtw_model.model_config(BLOG_TARGET, stretch=0.05, znorm=True, weeks=WEEKS)
    assert json.loads(json.dumps(config)) == config
    assert config["target"] == BLOG_TARGET.tolist()
    with pytest.raises(ValueError, match="between 0 and 1"):
        dtw_model.model_config(BLOG_TARGET, stretch=2, znorm=True, weeks=WEEKS)
    with pytest.raises(ValueError, match="finite"):
        dtw_model.model_config([1.0, np.nan], stretch=0.1, znorm=True, weeks=WEEKS)


def test_split_products_explains_bad_tables() -> None:
    with pytest.raises(ValueError, match="no weekly sales columns"):
        dtw_model.split_products(pd.DataFrame({"Product_Code": ["a"]}))
    with pytest.raises(ValueError, match="row 2, column W1: empty"):
        dtw_model.split_products(pd.DataFrame({"W0": [1.0, 2.0], "W1": [3.0, None]}))
    name, ids, values = dtw_model.split_products(
        pd.DataFrame({"sku": ["x"], "W0": [1], "W1": [2.5]})
    )
    assert name == "sku" and ids.tolist() == ["x"] and values.tolist() == [[1.0, 2.5]]


def test_logged_model_is_code_and_json_not_a_pickle(
    store: run_store.Store, logged_runs: dict
) -> None:
    uri = dtw_model.model_uri(logged_runs[0.05])
    with dtw_model.use_tracking_uri(store.tracking_uri):
        local = Path(mlflow.artifacts.download_artifacts(uri))
    files = {p.relative_to(local).as_posix() for p in local.rglob("*") if p.is_file()}
    assert "model_code.py" in files
    assert not [f for f in files if f.endswith((".pkl", ".pickle", ".cloudpickle"))]
    flavor = yaml.safe_load((local / "MLmodel").read_text())["flavors"]["python_function"]
    assert flavor["loader_module"] == "mlflow.pyfunc.loaders.code_model"
    assert flavor["model_code_path"].endswith("model_code.py")
    config = flavor["config"]
    assert json.loads(json.dumps(config)) == config
    assert config["target"] == BLOG_TARGET.tolist()
    assert (config["stretch"], config["znorm"], config["weeks"]) == (0.05, True, WEEKS)
    info = mlflow.models.Model.load(str(local))
    inputs = info.signature.inputs.to_dict()
    assert [c["name"] for c in inputs] == ["Product_Code", *WEEKS]
    assert inputs[0]["required"] is False
    assert info.saved_input_example_info is not None


def test_reloaded_model_matches_score_catalog(
    store: run_store.Store, logged_runs: dict, uci_catalog: Catalog, monkeypatch
) -> None:  # noqa: ANN001
    uci = pd.read_csv(UCI_CSV)  # int64 weeks, plus MIN, MAX and Normalized columns
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store.tracking_uri)
    for stretch in (0.05, 0.5):
        loaded = mlflow.pyfunc.load_model(dtw_model.model_uri(logged_runs[stretch]))
        out = loaded.predict(uci)
        assert list(out.columns) == ["Product_Code", "distance"]
        assert out["Product_Code"].tolist() == uci["Product_Code"].tolist()
        np.testing.assert_allclose(out["distance"], _expected(uci, stretch), rtol=0, atol=1e-12)

    loaded = dtw_model.load_model(logged_runs[0.05], store.tracking_uri)
    out = loaded.predict(HAND_WRITTEN)
    np.testing.assert_allclose(out["distance"], _expected(HAND_WRITTEN, 0.05), rtol=0, atol=1e-12)
    assert out["Product_Code"].tolist() == ["NEW-1", "NEW-2"]
    assert out["distance"][0] < out["distance"][1]  # the late follower is the closer one
    weeks_only = loaded.predict(HAND_WRITTEN[WEEKS].astype(int))
    assert list(weeks_only.columns) == ["distance"]
    np.testing.assert_allclose(weeks_only["distance"], out["distance"], rtol=0, atol=1e-12)


def test_missing_week_is_named(store: run_store.Store, logged_runs: dict) -> None:
    loaded = dtw_model.load_model(logged_runs[0.05], store.tracking_uri)
    with pytest.raises(mlflow.exceptions.MlflowException, match="W7"):
        loaded.predict(HAND_WRITTEN.drop(columns=["W7"]))


def _post(url: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


@pytest.mark.slow
def test_served_model_answers_with_the_same_distances(
    server_store: run_store.Store, uci_catalog: Catalog, tmp_path: Path
) -> None:
    run_id = tracking.log_analysis(
        uci_catalog, BLOG_TARGET, stretch=0.05, store=server_store, experiment="serving"
    )
    port = free_port()
    # `mlflow models serve` runs `uvicorn` from PATH: the virtualenv's bin folder.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = dict(os.environ, MLFLOW_TRACKING_URI=server_store.tracking_uri, PATH=path)
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "mlflow", "models", "serve",
            "-m", f"runs:/{run_id}/model", "--env-manager", "local",
            "-h", "127.0.0.1", "-p", str(port), "-w", "1",
        ],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_http(f"{url}/ping", timeout=180, proc=proc)
        except (RuntimeError, TimeoutError) as exc:
            log_text = (tmp_path / "serve.log").read_text()[-3000:]
            raise AssertionError(f"{exc}\n{log_text}") from None
        uci = pd.read_csv(UCI_CSV).head(25)
        frame = pd.concat([uci[["Product_Code", *WEEKS]], HAND_WRITTEN], ignore_index=True)
        status, body = _post(
            f"{url}/invocations", {"dataframe_split": frame.to_dict(orient="split")}
        )
        assert status == 200, body
        answer = pd.DataFrame(body["predictions"])
        assert answer["Product_Code"].tolist() == frame["Product_Code"].tolist()
        np.testing.assert_allclose(answer["distance"], _expected(frame, 0.05), rtol=0, atol=1e-12)
        status, body = _post(
            f"{url}/invocations",
            {"dataframe_split": frame.drop(columns=["W3"]).to_dict(orient="split")},
        )
        assert status == 400 and "W3" in body.get("message", "")
    finally:
        stop_process(proc, timeout=5)
        log.close()


def test_a_model_logged_before_the_package_layout_still_scores_the_same() -> None:
    """A model logged by the code before ``dtwcore`` was arranged in packages (its stored
    ``model_code.py`` imports ``dtwcore.runs.model``) loads and gives the distances it gave then.
    """
    fixture = Path(__file__).parent / "fixtures" / "model_logged_before_layout"
    expected = json.loads(fixture.with_suffix(".expected.json").read_text())
    assert "from dtwcore.model import DistanceModel" in (fixture / "model_code.py").read_text()
    loaded = mlflow.pyfunc.load_model(str(fixture))
    uci = pd.read_csv(UCI_CSV).head(12)
    answer = loaded.predict(uci[["Product_Code", *WEEKS]])
    assert answer["Product_Code"].tolist() == expected["product"]
    assert answer["distance"].tolist() == expected["distance"]
