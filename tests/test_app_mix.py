"""The Product Mix page under streamlit's AppTest (no browser).

The page's plan is :func:`dtwcore.sales.mix.plan_mix` on the same inputs, and the same as
``python -m dtwcore mix`` writes. Files are handed to the page as the upload widget does:
``(name, bytes)`` in ``st.session_state["sales.file"]``, or by a link's ``data=`` key.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dtwcore.cli import main
from dtwcore.plots.mix import MAX_BANDS
from dtwcore.sales import BLOG_TARGET, load_catalog
from dtwcore.sales.mix import MixPlan, check_plan, is_feasible, plan_mix
from pages.common.uploads import UploadStore

from .conftest import ROOT, UCI_CSV

PAGE = str(ROOT / "pages" / "product_mix.py")
APP = str(ROOT / "app.py")
TIMEOUT = 300


@pytest.fixture(scope="module")
def uci():  # noqa: ANN201
    return load_catalog(UCI_CSV)


@pytest.fixture()
def uci_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The UCI file kept in a fresh upload store, as an upload does; its key for data=."""
    monkeypatch.setenv("DTW_UPLOAD_DIR", str(tmp_path / "uploads"))
    return UploadStore.from_env().put(UCI_CSV.name, UCI_CSV.read_bytes())


def open_page(params: dict[str, str | list[str]] | None = None, **state: object) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.query_params.update(params or {})
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def products(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if list(d.value.columns)[:2] == ["product", "share"])


def weeks(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if list(d.value.columns)[:2] == ["week", "capacity"])


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def same_plan(at: AppTest, plan: MixPlan) -> None:
    """The page shows exactly ``plan``: products, weeks and cards."""
    check_plan(plan)
    assert is_feasible(plan.demand, plan.capacity, ahead=plan.ahead, backlog=plan.backlog)
    pd.testing.assert_frame_equal(products(at).reset_index(drop=True), plan.products_frame())
    pd.testing.assert_frame_equal(weeks(at).reset_index(drop=True), plan.weeks_frame())
    cards = metrics(at)
    assert cards["Utilisation"] == f"{plan.utilisation:.1%}"
    assert cards["Products in the mix"] == f"{len(plan.products):,}"
    assert cards["Fractional ideal"] == f"{plan.ideal_utilisation:.1%}"
    assert cards["Idle capacity (units)"] == f"{plan.idle.sum():,.0f}"


def test_the_page_plans_what_plan_mix_and_the_mix_command_plan(uci, tmp_path: Path) -> None:  # noqa: ANN001
    """The UCI file with the published capacity: 123 products fill 100 % of it."""
    at = open_page(**{"sales.file": (UCI_CSV.name, UCI_CSV.read_bytes())})
    assert not at.error and not at.warning
    want = plan_mix(uci, BLOG_TARGET, stretch=0.05)
    same_plan(at, want)
    assert metrics(at)["Utilisation"] == "100.0%" and len(want.products) == 123
    out, weekly = tmp_path / "mix.csv", tmp_path / "plan.csv"
    file = str(UCI_CSV)
    assert main(["mix", file, "--out", str(out), "--plan", str(weekly)]) == 0
    cli = pd.read_csv(out, dtype={"product": str})
    pd.testing.assert_frame_equal(products(at).reset_index(drop=True), cli, check_dtype=False)
    cli_weeks = pd.read_csv(weekly)
    pd.testing.assert_frame_equal(weeks(at).reset_index(drop=True), cli_weeks, check_dtype=False)
    words = " ".join(m.value for m in at.markdown)
    assert "**123 products** fill **100.0%** of the capacity" in words
    # The figure: capacity against the stacked products, the ideal, the stock carried.
    figure = at.get("plotly_chart")[0].proto.spec
    others = f'"{len(want.products) - MAX_BANDS} other products"'
    for name in ('"capacity"', '"fractional ideal"', '"stock carried"', others):
        assert name in figure


def test_pins_and_the_most_products_re_plan_in_place(uci) -> None:  # noqa: ANN001
    at = open_page(**{"sales.file": (UCI_CSV.name, UCI_CSV.read_bytes())})
    at.multiselect(key="mix.include").set_value(["P1"]).run()
    at.number_input(key="mix.max_products").set_value(10).run()
    assert not at.exception and not at.error
    same_plan(at, plan_mix(uci, BLOG_TARGET, include=["P1"], max_products=10))
    assert "P1" in set(products(at)["product"]) and len(products(at)) <= 10
    assert at.query_params["max"] == "10" and at.query_params["include"] == "P1"

    # Leave out the product (not pinned) that made the most units: it goes, the rest follow.
    top = next(p for p in products(at)["product"] if p != "P1")
    at.multiselect(key="mix.exclude").set_value([top]).run()
    assert not at.exception and top not in set(products(at)["product"])
    same_plan(at, plan_mix(uci, BLOG_TARGET, include=["P1"], exclude=[top], max_products=10))
    assert at.query_params["exclude"] == top


def test_a_pin_bigger_than_the_capacity_is_said_in_words() -> None:
    at = open_page(**{"sales.file": (UCI_CSV.name, UCI_CSV.read_bytes())})
    at.multiselect(key="mix.include").set_value(["P409"]).run()
    assert not at.exception
    (error,) = [e.value for e in at.error]
    assert error.startswith("The products that must be included (P409) need more than the")
    assert "Include fewer products, or allow more building ahead or backlog." in error
    assert not at.metric and not at.get("plotly_chart")  # no plan drawn


def test_a_link_reopens_the_plan(uci, uci_key: str) -> None:  # noqa: ANN001
    link = {"data": uci_key, "stretch": "0.1", "max": "5", "exclude": ["P1", "P2"],
            "backlog": "1", "share": "0.5"}  # fmt: skip
    at = open_page(link)
    assert not at.warning and not at.error
    assert at.slider(key="sales.stretch").value == 0.1
    assert at.number_input(key="mix.max_products").value == 5
    assert at.multiselect(key="mix.exclude").value == ["P1", "P2"]
    assert at.number_input(key="mix.backlog").value == 1
    assert at.selectbox(key="mix.share").value == 0.5
    want = plan_mix(uci, BLOG_TARGET, stretch=0.1, max_products=5, exclude=["P1", "P2"],
                    backlog=1, share_step=0.5)  # fmt: skip
    same_plan(at, want)
    assert dict(at.query_params) == link

    # What a link gets wrong is named, and the rest of it still applies.
    at = open_page({"data": uci_key, "max": "x", "include": "P999999", "share": "0.3"})
    words = " ".join(w.value for w in at.warning)
    assert "max=x is not a whole number from 1 to 10,000." in words
    assert "share=0.3 is not 1, 0.5 or 0.25." in words
    assert "not pinned: P999999" in words
    same_plan(at, plan_mix(uci, BLOG_TARGET))


def test_a_product_as_the_capacity_is_left_out_of_the_mix(uci, uci_key: str) -> None:  # noqa: ANN001
    at = open_page({"data": uci_key, "target": "product:P409"})
    assert not at.error
    assert "P409" not in set(products(at)["product"])
    assert any("**P409**'s own sales, so P409 is left out" in i.value for i in at.info)
    same_plan(at, plan_mix(uci, uci.series("P409"), exclude=["P409"]))
    assert at.query_params["target"] == "product:P409"


def test_dated_weeks_on_the_axis_and_the_window_planned(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """A store export (143 dated weeks, sales in dollars) against a 52-week capacity: the
    planner chooses the first week planned, the chart's axis shows the file's dates."""
    monkeypatch.setenv("DTW_UPLOAD_DIR", str(tmp_path / "uploads"))
    path = ROOT / "assets" / "examples" / "store_weekly_sales.csv"
    key = UploadStore.from_env().put(path.name, path.read_bytes())
    capacity = np.full(52, 6.0e6)
    link = {"data": key, "first": "10", "target": "values:" + ",".join(["6e6"] * 52)}
    at = open_page(link)
    assert not at.error and not at.exception
    assert at.number_input(key="mix.first_week").value == 10
    stores = load_catalog(path)
    same = plan_mix(stores, capacity, window=(10, 62))
    pd.testing.assert_frame_equal(products(at).reset_index(drop=True), same.products_frame())
    assert weeks(at)["week"].iloc[0] == stores.weeks[10]
    figure = at.get("plotly_chart")[0].proto.spec
    assert f'"{stores.weeks[10]}"' in figure and at.query_params["first"] == "10"


def test_stretch_and_capacity_are_shared_with_sales_trends(uci) -> None:  # noqa: ANN001
    """Set on Sales Trends, the stretch factor is the one the mix is planned with."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["sales.file"] = (UCI_CSV.name, UCI_CSV.read_bytes())
    at.run()
    at.switch_page("pages/sales_trends.py").run()
    at.slider(key="sales.stretch").set_value(0.1).run()
    at.switch_page("pages/product_mix.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.slider(key="sales.stretch").value == 0.1
    same_plan(at, plan_mix(uci, BLOG_TARGET, stretch=0.1))


def test_log_the_plan_to_mlflow(uci, tmp_path: Path) -> None:  # noqa: ANN001
    from dtwcore.runs import sales as tracking
    from dtwcore.runs.mix import ARTIFACTS, EXPERIMENT

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    at = open_page(**{"sales.file": (UCI_CSV.name, UCI_CSV.read_bytes()), "tracking.uri": uri})
    at.number_input(key="mix.max_products").set_value(10).run()
    at.button(key="mix.log").click().run()
    (message,) = [s.value for s in at.success if s.value.startswith("Logged run")]
    run_id = message.removeprefix("Logged run ").rstrip(".")
    store = tracking.resolve_store(uri)
    run = tracking.get_run(store, run_id)
    want = plan_mix(uci, BLOG_TARGET, max_products=10)
    assert run.info.status == "FINISHED" and run.data.tags[tracking.SOURCE_TAG] == "app"
    assert run.data.params["max_products"] == "10" and run.data.params["weeks_ahead"] == "2"
    assert run.data.params["n_products"] == "811" and run.data.params["include"] == "none"
    assert run.data.metrics["utilisation"] == pytest.approx(want.utilisation)
    assert run.data.metrics["products_chosen"] == len(want.products)
    experiment = tracking.client(store).get_experiment(run.info.experiment_id)
    assert experiment.name == EXPERIMENT
    logged = tracking.read_artifact_csv(store, run_id, ARTIFACTS[0])
    assert logged["product"].astype(str).tolist() == want.products.tolist()
    plan = tracking.read_artifact_csv(store, run_id, ARTIFACTS[1])
    assert np.allclose(plan["built"], want.built_per_week)


def test_contradictions_and_empty_mixes_are_said_in_words() -> None:
    at = open_page(**{"sales.file": (UCI_CSV.name, UCI_CSV.read_bytes())})
    at.multiselect(key="mix.include").set_value(["P1"]).run()
    at.multiselect(key="mix.exclude").set_value(["P1"]).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["P1 cannot be both included and excluded."]

    # Weekly sales in dollars against the published capacity (about 20 units a week).
    path = ROOT / "assets" / "examples" / "store_weekly_sales.csv"
    at = open_page(**{"sales.file": (path.name, path.read_bytes())})
    assert not at.error and metrics(at)["Products in the mix"] == "0"
    assert any(i.value.startswith("No product fits: each one, on its own,") for i in at.info)
