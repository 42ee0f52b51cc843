"""The product mix (:mod:`dtwcore.sales.mix`) and ``python -m dtwcore mix``.

Every plan is checked by the exact feasibility check (earliest-due-date building) and by
the schedule check, both apart from the search.
"""

from __future__ import annotations

import io
import itertools
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dtwcore.cli import main
from dtwcore.sales import BLOG_TARGET, Catalog, load_catalog
from dtwcore.sales._mix_kernels import late_week
from dtwcore.sales.mix import (
    MIX_COLUMNS,
    PLAN_COLUMNS,
    MixPlan,
    check_plan,
    is_feasible,
    plan_mix,
)
from tests.reliability import fuzz_settings

from .conftest import ROOT, UCI_CSV


def catalog(values: np.ndarray, name: str = "test") -> Catalog:
    values = np.asarray(values, dtype=np.float64)
    ids = np.array([f"P{i}" for i in range(values.shape[0])])
    return Catalog(
        name=name, ids=ids, weeks=[f"W{t}" for t in range(values.shape[1])], values=values
    )


def checked(plan: MixPlan) -> MixPlan:
    """The plan, after both checks."""
    check_plan(plan)
    assert is_feasible(plan.demand, plan.capacity, ahead=plan.ahead, backlog=plan.backlog)
    return plan


def hall(due: np.ndarray, capacity: np.ndarray, ahead: int, backlog: int) -> bool:
    """Feasibility by Hall's condition: every run of due weeks fits the capacity of the
    weeks that may build it (a third method, for comparison)."""
    n = due.size
    for a in range(n):
        for c in range(a, n):
            lo, hi = max(0, a - ahead), min(n - 1, c + backlog)
            if due[a : c + 1].sum() > capacity[lo : hi + 1].sum() + 1e-9:
                return False
    return True


@pytest.fixture(scope="module")
def uci() -> Catalog:
    return load_catalog(UCI_CSV)


# --- the exact check -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "cap", "ahead", "backlog", "fits"),
    [
        ([0, 0, 3], [1, 1, 1], 2, 0, True),  # built over the 2 weeks before
        ([0, 0, 3], [1, 1, 1], 1, 0, False),  # one unit has no week left
        ([2, 0, 0], [1, 1, 1], 2, 0, False),  # nothing before week 0
        ([2, 0, 0], [1, 1, 1], 0, 1, True),  # one unit a week late
        ([0, 0, 2], [1, 1, 1], 0, 5, False),  # no weeks after the window
        ([1, 1, 1], [1, 1, 1], 0, 0, True),  # exactly full
        ([1, 1, 1.5], [1, 1, 1.5], 0, 0, True),
        ([0, 3, 0], [1, 1, 1], 1, 1, True),
        ([0, 3, 0], [1, 0, 1], 1, 1, False),  # a week without capacity
    ],
)
def test_feasibility_by_hand(due: list, cap: list, ahead: int, backlog: int, fits: bool) -> None:
    due_a, cap_a = np.array(due, float), np.array(cap, float)
    assert is_feasible(due_a, cap_a, ahead=ahead, backlog=backlog) is fits
    assert (late_week(due_a, cap_a, ahead, backlog, 1e-9, np.empty(due_a.size)) < 0) is fits
    assert hall(due_a, cap_a, ahead, backlog) is fits


@fuzz_settings(fast=200)
@given(
    st.integers(2, 9).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(0, 6), min_size=n, max_size=n),
            st.lists(st.integers(0, 6), min_size=n, max_size=n),
        )
    ),
    st.integers(0, 3),
    st.integers(0, 2),
)
def test_three_checks_agree(weeks: tuple[list, list], ahead: int, backlog: int) -> None:
    due, cap = (np.array(w, dtype=float) for w in weeks)
    fits = hall(due, cap, ahead, backlog)
    assert is_feasible(due, cap, ahead=ahead, backlog=backlog) is fits
    assert (late_week(due, cap, ahead, backlog, 1e-9, np.empty(due.size)) < 0) is fits


# --- the search ------------------------------------------------------------------------


def planted(seed: int, products: int = 300, chosen: int = 40, ahead: int = 2):
    """A catalogue and a capacity made of a known subset, each built up to ``ahead`` weeks
    early (its first ``ahead`` weeks have no demand, so nothing leaves the window)."""
    rng = np.random.default_rng(seed)
    values = rng.poisson(rng.uniform(1, 20, (products, 1)), (products, 52)).astype(float)
    values[:, :ahead] = 0
    subset = rng.choice(products, chosen, replace=False)
    capacity = np.zeros(52)
    for i in subset:
        shift = int(rng.integers(0, ahead + 1))
        capacity[: 52 - shift] += values[i, shift:]
    return catalog(values), capacity


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_mix_fills_the_capacity(seed: int) -> None:
    cat, capacity = planted(seed)
    plan = checked(plan_mix(cat, capacity, ahead=2))
    assert plan.utilisation >= 0.99
    assert plan.upper_bound == pytest.approx(1.0)
    assert (plan.built_per_week <= plan.capacity + 1e-9).all()


@pytest.mark.parametrize(("scale", "limit"), [(1, None), (10, None), (30, None), (30, 10)])
def test_uci_plans(uci: Catalog, scale: int, limit: int | None) -> None:
    """Utilisation close to the bound (HiGHS's best in 60 s, from the benchmark: 100 %,
    100 %, 95.82 % and 69.76 %)."""
    plan = checked(plan_mix(uci, BLOG_TARGET * scale, max_products=limit))
    best = {(1, None): 1.0, (10, None): 1.0, (30, None): 0.9582, (30, 10): 0.6976}
    assert plan.utilisation >= best[scale, limit] - 0.01
    assert plan.utilisation <= plan.upper_bound + 1e-9
    assert plan.ahead == 2  # 0.05 x 52 weeks
    if limit:
        assert len(plan.products) <= limit
    frame = plan.products_frame()
    assert list(frame.columns) == MIX_COLUMNS
    assert frame["units"].sum() == pytest.approx(plan.utilisation * plan.capacity.sum())
    assert (frame["weeks_ahead"].between(0, 2)).all()


def test_plan_weeks_add_up(uci: Catalog) -> None:
    plan = checked(plan_mix(uci, BLOG_TARGET * 30))
    weeks = plan.weeks_frame()
    assert list(weeks.columns) == PLAN_COLUMNS
    assert weeks["week"].tolist() == [f"W{t}" for t in range(52)]
    np.testing.assert_allclose(weeks["built"] + weeks["idle"], weeks["capacity"])
    made = np.cumsum(plan.built_per_week) - np.cumsum(plan.demand.sum(axis=0))
    np.testing.assert_allclose(weeks["stock"] - weeks["backlog"], made, atol=1e-6)
    assert weeks["backlog"].max() == 0  # no backlog allowed
    assert plan.ideal.shape == (52,) and 0 < plan.ideal_utilisation <= 1


def test_backlog_builds_late_only_when_it_must() -> None:
    cat = catalog([[4, 0, 0, 0], [0, 1, 1, 0]])
    plan = checked(plan_mix(cat, [2, 2, 2, 2], ahead=0, backlog=1))
    assert plan.utilisation == pytest.approx(6 / 8)
    np.testing.assert_allclose(plan.built_per_week, [2, 2, 2, 0])
    # P0's 2 late units take week 1, so P1's unit due then waits a week (its last).
    np.testing.assert_allclose(plan.late, [2, 1, 0, 0])
    np.testing.assert_allclose(plan.weeks_ahead, [-0.5, -0.5])
    no_late = checked(plan_mix(cat, [2, 2, 2, 2], ahead=0))
    assert no_late.products.tolist() == ["P1"]


def test_shares_fill_more_than_whole_products() -> None:
    cat = catalog([[4, 4, 4], [2, 2, 2]])
    whole = checked(plan_mix(cat, [3, 3, 3], ahead=0))
    halves = checked(plan_mix(cat, [3, 3, 3], ahead=0, share_step=0.5))
    assert whole.utilisation == pytest.approx(2 / 3)
    assert halves.utilisation == pytest.approx(1.0)
    assert sorted(halves.shares.tolist()) == [0.5, 0.5]


def brute_force(values: np.ndarray, cap: np.ndarray, ahead: int, limit: int | None) -> float:
    best = 0.0
    for r in range(values.shape[0] + 1):
        if limit is not None and r > limit:
            break
        for subset in itertools.combinations(range(values.shape[0]), r):
            due = values[list(subset)].sum(axis=0)
            if is_feasible(due, cap, ahead=ahead):
                best = max(best, float(due.sum()))
    return best / cap.sum()


@pytest.mark.parametrize("seed", range(6))
def test_highs_polish_reaches_the_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 6, (8, 10)).astype(float)
    cap = rng.integers(3, 12, 10).astype(float)
    limit = [None, 3][seed % 2]
    best = brute_force(values, cap, 1, limit)
    plan = checked(plan_mix(catalog(values), cap, ahead=1, max_products=limit, solver="polish"))
    assert plan.utilisation == pytest.approx(best)
    assert plan.proven_optimal
    fast = checked(plan_mix(catalog(values), cap, ahead=1, max_products=limit))
    assert fast.utilisation <= best + 1e-12


@fuzz_settings(fast=80)
@given(
    st.integers(1, 7).flatmap(
        lambda n: st.lists(
            st.lists(st.integers(0, 9), min_size=8, max_size=8), min_size=n, max_size=n
        )
    ),
    st.lists(st.integers(0, 12), min_size=8, max_size=8),
    st.integers(0, 3),
    st.integers(0, 2),
    st.none() | st.integers(1, 3),
    st.sampled_from([1.0, 0.5, 0.25]),
)
def test_heuristic_never_returns_an_infeasible_plan(
    values: list, cap: list, ahead: int, backlog: int, limit: int | None, step: float
) -> None:
    cat = catalog(np.array(values, dtype=float))
    plan = checked(
        plan_mix(
            cat,
            np.array(cap, dtype=float),
            ahead=ahead,
            backlog=backlog,
            max_products=limit,
            share_step=step,
        )
    )
    assert limit is None or len(plan.products) <= limit
    assert plan.utilisation <= plan.upper_bound + 1e-9
    assert set(np.round(plan.shares / step, 9) % 1) <= {0.0}


# --- pins and plain errors -------------------------------------------------------------


def test_pins_are_kept(uci: Catalog) -> None:
    plan = checked(
        plan_mix(uci, BLOG_TARGET * 10, include=["P1", "P2"], exclude=["P310"], max_products=5)
    )
    assert {"P1", "P2"} <= set(plan.products.tolist())
    assert "P310" not in plan.products
    assert len(plan.products) <= 5
    assert plan.shares[np.isin(plan.products, ["P1", "P2"])].tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"include": ["P409"]}, "need more than the capacity"),
        ({"include": ["P9999"]}, "Cannot include P9999: not in the catalogue"),
        ({"exclude": ["nope"]}, "Cannot exclude nope"),
        ({"include": ["P1"], "exclude": ["P1"]}, "both included and excluded"),
        ({"include": ["P1", "P2"], "max_products": 1}, "at most 1 may be chosen"),
        ({"share_step": 0.3}, "share step must be one of"),
        ({"backlog": -1}, "backlog must be a whole number"),
        ({"window": (0, 51)}, "window has 51 weeks and the capacity 52"),
        ({"window": (10, 62)}, "not inside the catalogue"),
        ({"stretch": 0.1, "ahead": 3}, "as a stretch factor or in weeks, not both"),
        ({"stretch": 1.5}, "stretch factor must be a number between 0 and 1"),
    ],
)
def test_plain_errors(uci: Catalog, kwargs: dict, words: str) -> None:
    capacity = kwargs.pop("capacity", BLOG_TARGET)
    with pytest.raises(ValueError, match=words):
        plan_mix(uci, capacity, **kwargs)


def test_big_pin_names_the_week(uci: Catalog) -> None:
    """P409 sells about 50 a week against a capacity of 12.5 to 28."""
    with pytest.raises(ValueError) as info:
        plan_mix(uci, BLOG_TARGET, include=["P409"])
    assert "week W0" in str(info.value) and "\n" not in str(info.value)


def test_window_picks_the_weeks() -> None:
    values = np.zeros((2, 6))
    values[0, 3:] = [1, 1, 1]
    values[1, :3] = [5, 5, 5]
    with pytest.raises(ValueError, match="choose which 3 weeks"):
        plan_mix(catalog(values), [1, 1, 1], ahead=0)
    plan = checked(plan_mix(catalog(values), [1, 1, 1], ahead=0, window=(3, 6)))
    assert plan.products.tolist() == ["P0"] and plan.weeks == ["W3", "W4", "W5"]
    assert plan.utilisation == 1.0


# --- the command -----------------------------------------------------------------------


def test_command_gives_the_library_plan(uci: Catalog, tmp_path, capsys) -> None:
    out, weekly = tmp_path / "mix.csv", tmp_path / "plan.csv"
    args = [str(UCI_CSV), "--capacity", "blog", "--stretch", "0.05", "--max-products", "10"]
    code = main(["mix", *args, "--include", "P1", "--out", str(out), "--plan", str(weekly)])
    err = capsys.readouterr().err
    assert code == 0
    plan = checked(plan_mix(uci, BLOG_TARGET, max_products=10, include=["P1"]))
    got = pd.read_csv(out)
    assert list(got.columns) == MIX_COLUMNS
    pd.testing.assert_frame_equal(got, plan.products_frame(), check_dtype=False)
    pd.testing.assert_frame_equal(pd.read_csv(weekly), plan.weeks_frame(), check_dtype=False)
    assert f"utilisation {plan.utilisation:.2%} with {len(plan.products)} products" in err


def test_command_capacity_file_and_errors(tmp_path, capsys) -> None:
    cap = tmp_path / "cap.csv"
    cap.write_text("capacity\n" + "\n".join(str(30 * v) for v in BLOG_TARGET))
    out = tmp_path / "mix.csv"
    assert main(["mix", str(UCI_CSV), "--capacity", str(cap), "--out", str(out)]) == 0
    assert "utilisation 95." in capsys.readouterr().err
    for bad in (["--include", "P409"], ["--include", "P9999"], ["--first-week", "5"]):
        out.unlink(missing_ok=True)
        assert main(["mix", str(UCI_CSV), "--out", str(out), *bad]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1
        assert not out.exists()


def test_quick_benchmark_runs_and_checks_both_solvers(tmp_path) -> None:
    """Every plan of the benchmark, ours and HiGHS's, passes both checks (inside it)."""
    out = tmp_path / "mix.json"
    subprocess.run(
        [sys.executable, "-m", "dtwcore.bench.mix", "--quick", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=True,
    )  # fmt: skip
    cases = json.loads(out.read_text())["cases"]
    assert len(cases) == 8
    for case in cases:
        assert case["ours_pct"] <= case["bound_pct"] + 1e-6
        if case["highs_pct"] is not None:
            assert case["highs_pct"] <= case["bound_pct"] + 1e-6
            assert case["gap_points"] <= 1.0  # HiGHS in 2 s finds no more than in 60 s
    assert cases[6]["case"].startswith("planted") and cases[6]["ours_pct"] >= 99.0
    assert cases[7]["products"] == 2_000 and cases[7]["ours_mb"] > 0


def test_command_polish_keeps_standard_output_for_the_csv(tmp_path) -> None:
    """HiGHS prints a banner from C when its first solver is made; with ``--out -`` only
    the CSV may reach standard output."""
    rng = np.random.default_rng(3)
    values = rng.integers(0, 6, (12, 10))
    frame = pd.DataFrame(values, columns=[f"W{t}" for t in range(10)])
    frame.insert(0, "Product_Code", [f"P{i}" for i in range(12)])
    data, cap = tmp_path / "small.csv", tmp_path / "cap.csv"
    frame.to_csv(data, index=False)
    cap.write_text("\n".join(str(v) for v in rng.integers(5, 15, 10)))
    args = [str(data), "--capacity", str(cap), "--stretch", "0.1", "--polish", "20"]
    proc = subprocess.run(
        [sys.executable, "-m", "dtwcore", "mix", *args, "--max-products", "4", "--out", "-"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    lines = proc.stdout.splitlines()
    assert lines[0] == ",".join(f'"{c}"' for c in MIX_COLUMNS)
    assert 1 <= len(lines) - 1 <= 4
    assert "proven optimal" in proc.stderr
    best = brute_force(values.astype(float), np.loadtxt(cap), 1, 4)
    units = pd.read_csv(io.StringIO(proc.stdout))["units"].sum()
    assert units / np.loadtxt(cap).sum() == pytest.approx(best)


def test_command_capacity_grammar(uci: Catalog, tmp_path, capsys) -> None:
    """``--capacity`` reads score's target grammar; a product's own sales as the capacity
    leave that product out of the mix."""
    out = tmp_path / "mix.csv"
    assert main(["mix", str(UCI_CSV), "--capacity", "product:P409", "--out", str(out)]) == 0
    chosen = pd.read_csv(out)
    assert "P409" not in chosen["product"].tolist()
    assert chosen["units"].sum() <= uci.series("P409").sum() + 1e-9
    values = ",".join(["10"] * 52)
    assert main(["mix", str(UCI_CSV), "--capacity", f"values:{values}", "--out", str(out)]) == 0
    assert "utilisation 100.00%" in capsys.readouterr().err
