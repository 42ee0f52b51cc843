"""``python -m dtwcore shapes`` and ``analogues-backtest``: output, exactness, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dtwcore import dtw_one_to_many
from dtwcore.cli import main
from dtwcore.sales import load_catalog
from dtwcore.shapes import backtest

from .conftest import ROOT, UCI_CSV, said_notes
from .test_cli_terminal import on_a_terminal


def cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([*map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def uci() -> np.ndarray:
    return load_catalog(UCI_CSV).values


def test_shapes_assigns_every_uci_product_to_its_nearest_medoid(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, uci: np.ndarray
) -> None:
    out = tmp_path / "shapes.csv"
    code, stdout, stderr = cli(capsys, "shapes", UCI_CSV, "--out", out, "--k", "5")
    assert (code, stdout, stderr) == (0, "", said_notes(UCI_CSV))
    got = pd.read_csv(out)
    assert list(got.columns) == [
        "product", "cluster", "is_medoid", "distance_to_medoid", "silhouette"
    ]  # fmt: skip
    assert got["product"].tolist() == pd.read_csv(UCI_CSV)["Product_Code"].tolist()
    assert sorted(got["cluster"].unique()) == [1, 2, 3, 4, 5]
    medoids = got.index[got["is_medoid"]].to_numpy()
    cluster_of = got.loc[medoids, "cluster"].to_numpy()  # medoids in row order
    assert sorted(cluster_of) == [1, 2, 3, 4, 5]  # one medoid per shape
    dist = np.stack([dtw_one_to_many(uci[m], uci, stretch=0.05, znorm=True) for m in medoids])
    np.testing.assert_allclose(got["distance_to_medoid"], dist.min(axis=0), rtol=1e-15)
    assert (got["cluster"].to_numpy() == cluster_of[np.argmin(dist, axis=0)]).all()
    assert got["silhouette"].between(-1, 1).all()
    sizes = got["cluster"].value_counts().sort_index().tolist()
    assert sizes == sorted(sizes, reverse=True)


def test_shapes_with_samples_parquet_and_raw_units(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, uci: np.ndarray
) -> None:
    frame = pd.read_csv(UCI_CSV)
    source = tmp_path / "uci.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), source)
    out = tmp_path / "shapes.parquet"
    args = ("shapes", source, "--out", out, "--k", "3", "--sample", "200", "--no-znorm")
    code, _, _ = cli(capsys, *args, "--stretch", "0.1")
    assert code == 0
    got = pd.read_parquet(out)
    medoids = got.index[got["is_medoid"]].to_numpy()
    dist = np.stack([dtw_one_to_many(uci[m], uci, stretch=0.1) for m in medoids])
    np.testing.assert_allclose(got["distance_to_medoid"], dist.min(axis=0), rtol=1e-15)
    ordered = np.sort(dist, axis=0)
    np.testing.assert_allclose(got["silhouette"], 1 - ordered[0] / ordered[1], atol=1e-12)


def test_shapes_to_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "dtwcore", "shapes", str(UCI_CSV), "--out", "-", "--k", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    lines = proc.stdout.splitlines()
    assert lines[0] == '"product","cluster","is_medoid","distance_to_medoid","silhouette"'
    assert len(lines) == 812 and proc.stderr == said_notes(UCI_CSV)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("shapes", "missing.csv", "--out", "{out}"), "missing.csv: no such file"),
        (("shapes", UCI_CSV, "--out", "{out}", "--k", "1"), "--k: must be 'auto' or a whole"),
        (("shapes", UCI_CSV, "--out", "{out}", "--k", "811"), "k must be a whole number from 2"),
        (("shapes", UCI_CSV, "--out", "{out}", "--stretch", "2"), "between 0 and 1"),
        (("shapes", UCI_CSV, "--out", "{out}", "--sample", "0"), "--sample: must be a whole"),
        (("shapes", UCI_CSV, "--out", "nofolder/x.csv"), "cannot write the output"),
        (("analogues-backtest", UCI_CSV, "--known", "3"), "--known: must be a whole number"),
        (("analogues-backtest", UCI_CSV, "--known", "52"), "at most 51 weeks can be known"),
        (("analogues-backtest", "missing.csv"), "missing.csv: no such file"),
        (("analogues-backtest", UCI_CSV, "--scaling", "median"), "--scaling: invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: tuple, message: str
) -> None:
    out = tmp_path / "out.csv"
    filled = [str(a).replace("{out}", str(out)) for a in args]
    with pytest.raises(SystemExit) as exc:
        code = main(filled)
        raise SystemExit(code)
    _, err = capsys.readouterr()
    assert exc.value.code == 2
    assert err.count("\n") == 1 and message in err
    assert not out.exists()


def test_backtest_prints_json_with_the_wape_of_each_method(
    capsys: pytest.CaptureFixture[str], uci: np.ndarray
) -> None:
    args = ("analogues-backtest", UCI_CSV, "--known", "13", "--products", "150")
    code, stdout, stderr = cli(capsys, *args)
    assert (code, stderr) == (0, said_notes(UCI_CSV))
    report = json.loads(stdout)
    expected = backtest(uci, known_weeks=(13,), max_products=150)
    assert report["products"] == 150
    assert [report[s] for s in ("analogues", "stretch", "znorm", "scaling")] == [None] * 4
    result = report["known_weeks"]["13"]
    assert result["wape"] == expected.wape[13] and result["coverage"] == expected.coverage[13]
    assert list(result["wape"]) == ["analogues", "last_value", "last_4_weeks", "average_shape"]
    assert result["settings"] == [s.as_dict() for s in expected.settings[13]]
    assert result["best"] == "analogues"
    fixed = ("--k", "5", "--no-znorm", "--stretch", "0.1", "--scaling", "recent")
    code, stdout, _ = cli(capsys, "analogues-backtest", UCI_CSV, "--known", "20", *fixed)
    report = json.loads(stdout)
    assert list(report["known_weeks"]) == ["20"]
    assert (report["analogues"], report["znorm"], report["stretch"]) == (5, False, 0.1)
    assert report["scaling"] == "recent"
    settings = report["known_weeks"]["20"]["settings"]
    assert {(s["k"], s["znorm"], s["stretch"], s["scaling"]) for s in settings} == {
        (5, False, 0.1, "recent")
    }
    expected = backtest(uci, known_weeks=(20,), k=5, znorm=False, stretch=0.1, scaling="recent")
    assert report["known_weeks"]["20"]["wape"] == expected.wape[20]


def test_backtest_shows_progress_on_a_terminal() -> None:
    screen = on_a_terminal(
        "analogues-backtest", str(UCI_CSV), "--known", "13", "--products", "60", "--k", "5"
    )
    assert "13 weeks known: finding analogues (units, stretch 0.1) …" in screen
    assert "13 weeks known: choosing settings by cross-validation …" in screen
    summary = screen.index("done in ")
    assert "60 products forecast" in screen[summary:]
    report = json.loads(screen[screen.index("{") :])
    assert report["products"] == 60 and report["analogues"] == 5


def test_progress_ends_before_the_rows_on_a_terminal() -> None:
    """``shapes … --out -`` with stdout and stderr on one terminal: progress messages,
    then a summary line, then every row on a line of its own."""
    screen = on_a_terminal("shapes", str(UCI_CSV), "--out", "-", "--k", "2")
    lines = screen.split("\n")
    assert any("2 shapes of 811 products, mean silhouette" in line for line in lines)
    rows = [line for line in lines if '"' in line or line.startswith("P")]
    assert len(rows) == 812 and rows[0].startswith('"product"')
    assert all("shapes" not in row and "\r" not in row for row in rows)
