"""The Demand Shapes page under streamlit's AppTest (no browser), run through app.py so
that "Use this shape as the target" can switch to Sales Trends.

Files are handed to the page as the upload widget does: ``(name, bytes)`` in
``st.session_state["sales.file"]``.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dtwcore.sales import demo_catalog, load_catalog
from dtwcore.shapes import cluster_shapes, find_analogues
from pages.common.uploads import UploadStore

from .conftest import ROOT, UCI_CSV

APP = str(ROOT / "app.py")
PAGE = "pages/demand_shapes.py"
TIMEOUT = 300


def open_page(file: tuple[str, bytes] | None = None, **state: object) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if file is not None:
        at.session_state["sales.file"] = file
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture(scope="module")
def uci_file() -> tuple[str, bytes]:
    return (UCI_CSV.name, UCI_CSV.read_bytes())


def test_uci_shapes_and_backtest_verdicts(uci_file: tuple[str, bytes]) -> None:
    at = open_page(uci_file)
    expected = cluster_shapes(load_catalog(UCI_CSV).values)
    assert metrics(at) == {
        "Shapes": str(expected.k),
        "Mean silhouette": f"{expected.mean_silhouette:.2f}",
        "Products": "811",
    }
    assert at.radio(key="shapes.pick").options == [
        f"Shape {c + 1} ({n:,})" for c, n in enumerate(expected.sizes)
    ]
    # The backtest says where analogues lose (13 weeks) and where they win (26 weeks).
    warnings = " ".join(w.value for w in at.warning)
    successes = " ".join(s.value for s in at.success)
    assert "do **not** beat" not in warnings
    assert "**13 weeks known:** analogues beat the naive forecasts (WAPE 0.24 against 0.32" in (
        successes
    )
    assert "**26 weeks known:** analogues beat the naive forecasts (WAPE 0.24 against 0.36" in (
        successes
    )


def test_pick_a_shape_and_use_it_as_the_sales_trends_target() -> None:
    at = open_page()
    demo = demo_catalog()
    expected = cluster_shapes(demo.values)
    at.radio(key="shapes.pick").set_value(1).run()
    size = int(expected.sizes[1])
    assert f"Shape 2: {size:,} products" in [s.value for s in at.subheader]
    at.button(key="shapes.use_target").click().run()
    assert not at.exception
    assert at.title[0].value == "Sales Trends"
    assert at.session_state["sales.target_name"] == f"shape 2 (average of {size:,} products)"
    assert at.session_state["sales.target_label"] == "shape 2 of demo"  # run and file names
    medoid = demo.values[expected.medoids[1]]
    want = np.maximum(medoid.mean() + medoid.std() * expected.average[1], 0)
    np.testing.assert_allclose(at.session_state["sales.target"], want)
    assert at.sidebar.expander[0].label == f"Target: shape 2 (average of {size:,} products)"
    assert metrics(at)["Products analysed"] == "800"


def test_chosen_k_and_raw_units(uci_file: tuple[str, bytes]) -> None:
    at = open_page(uci_file)
    at.sidebar.selectbox(key="shapes.k").set_value(4).run()
    assert metrics(at)["Shapes"] == "4"
    at.sidebar.toggle(key="shapes.znorm").set_value(False).run()
    expected = cluster_shapes(load_catalog(UCI_CSV).values, k=4, znorm=False)
    assert metrics(at)["Mean silhouette"] == f"{expected.mean_silhouette:.2f}"
    assert not at.exception


def test_new_product_analogues(uci_file: tuple[str, bytes]) -> None:
    catalog = load_catalog(UCI_CSV)
    values = catalog.values
    known = values[10, :13]
    at = open_page(uci_file, **{"shapes.new_known": known, "shapes.new_name": "typed"})
    tables = [d.value for d in at.dataframe]
    (table,) = [t for t in tables if list(t.columns) == ["product", "distance", "scale"]]
    # The product whose first weeks these are is never its own analogue.
    others = catalog.without(catalog.ids[10])
    found = find_analogues(known, others.values)
    assert table["product"].tolist() == others.ids[found.rows].tolist()
    assert catalog.ids[10] not in table["product"].tolist()
    np.testing.assert_allclose(table["distance"], found.distances)
    assert found.distances.min() > 0
    text = " ".join(m.value for m in at.markdown)
    assert f"**{found.forecast.sum():,.0f} units**" in text


def test_money_is_labelled_as_money_in_the_forecast() -> None:
    """The 45-store export's Weekly_Sales said to be dollars: the forecast is in dollars
    with thousands separators, nowhere in units."""
    store = ROOT / "assets" / "examples" / "store_weekly_sales.csv"
    at = open_page((store.name, store.read_bytes()), **{"sales.read.values": "usd"})
    (forecast,) = [m.value for m in at.markdown if m.value.startswith("Forecast for weeks")]
    total = re.search(r"\*\*(.+?)\*\* in all", forecast)
    assert total is not None and re.fullmatch(r"\$\d{1,3}(,\d{3})+", total.group(1)), forecast
    assert "units" not in forecast
    assert "Edit its weekly sales below." in " ".join(c.value for c in at.caption)


def test_too_few_known_weeks_are_explained(uci_file: tuple[str, bytes]) -> None:
    at = open_page(uci_file, **{"shapes.new_known": np.array([3.0, 4.0, 5.0])})
    assert "Give at least 4 weeks (now 3)." in [w.value for w in at.warning]
    assert not at.exception


def test_log_the_clustering_to_mlflow(tmp_path, uci_file: tuple[str, bytes]) -> None:  # noqa: ANN001
    from dtwcore.runs import store as run_store
    from dtwcore.runs.shapes import EXPERIMENT

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    at = open_page(uci_file, **{"tracking.uri": uri})
    at.button(key="shapes.log").click().run()
    (message,) = [s.value for s in at.success if s.value.startswith("Logged run")]
    run_id = message.removeprefix("Logged run ").rstrip(".")
    store = run_store.resolve_store(uri)
    run = run_store.get_run(store, run_id)
    assert run.info.status == "FINISHED" and run.data.tags[run_store.SOURCE_TAG] == "app"
    assert run.data.params["k"] == "2" and run.data.params["n_products"] == "811"
    experiment = run_store.client(store).get_experiment(run.info.experiment_id)
    assert experiment.name == EXPERIMENT


def test_a_link_reopens_the_shapes_view(
    tmp_path, monkeypatch: pytest.MonkeyPatch, uci_file: tuple[str, bytes]
) -> None:  # noqa: ANN001
    """data, k, stretch, znorm and the chosen shape live in the address."""
    monkeypatch.setenv("DTW_UPLOAD_DIR", str(tmp_path / "uploads"))
    key = UploadStore.from_env().put(*uci_file)
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=TIMEOUT)
    at.query_params.update({"data": key, "k": "3", "stretch": "0.1", "znorm": "1", "shape": "2"})
    at.run()
    assert not at.exception and not at.warning
    assert at.session_state["sales.file"][0] == UCI_CSV.name
    assert at.selectbox(key="shapes.k").value == 3
    assert at.slider(key="shapes.stretch").value == 0.1
    want = cluster_shapes(load_catalog(UCI_CSV).values, k=3, stretch=0.1)
    assert f"Shape 2: {int(want.sizes[1]):,} products" in [h.value for h in at.subheader]
    assert dict(at.query_params) == {
        "data": key, "k": "3", "stretch": "0.1", "znorm": "1", "shape": "2",
    }  # fmt: skip

    # Choosing another shape rewrites the address; a bad value is named, not fatal.
    at.radio(key="shapes.pick").set_value(0).run()
    assert at.query_params["shape"] == "1"
    bad = AppTest.from_file(str(ROOT / PAGE), default_timeout=TIMEOUT)
    bad.query_params.update({"k": "99", "shape": "x"})
    bad.run()
    assert not bad.exception
    assert [w.value for w in bad.warning] == [
        "k=99 is not auto or a whole number from 2 to 12.",
        "shape=x is not a shape number (1, 2, …).",
    ]
