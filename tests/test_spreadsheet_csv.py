"""Every CSV a person may open neutralises formula cells; programs get the exact cells.

Product codes from a supplier's export that a spreadsheet would run as formulas go through
the page downloads, the CSV artifacts of runs and the ``score`` and ``shapes`` output with
a leading apostrophe; a run's CSV reads back exactly, and ``--raw-csv`` writes them as read.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dtwcore.cli import main
from dtwcore.runs import sales as tracking
from dtwcore.runs.shapes import log_clustering
from dtwcore.sales import (
    BLOG_TARGET,
    Catalog,
    csv_text,
    neutralise_formulas,
    quantile_outliers,
    read_csv_text,
    restore_formulas,
    score_catalog,
    zscore_outliers,
)
from dtwcore.sales.export import CsvTableWriter, neutralise_table
from dtwcore.shapes import cluster_shapes
from pages.common.sales_views import csv_bytes

pytest_plugins = ["tests.mlflow_fixtures"]

HYPERLINK = '=HYPERLINK("http://x","y")'
# Formula-like codes, a code that already starts with an apostrophe before a formula
# character, and codes a spreadsheet shows as they are.
CODES = [HYPERLINK, "+1", "-2", "@SUM(A1)", "'=1", "'plain", "a=b", "P1"]
SHOWN = ["'" + HYPERLINK, "'+1", "'-2", "'@SUM(A1)", "''=1", "'plain", "a=b", "P1"]
WEEKS = [f"W{k}" for k in range(52)]


def cells(text: str, column: int = 0) -> list[str]:
    """The cells of one column of CSV text, below the header."""
    return [row[column] for row in list(csv.reader(io.StringIO(text, newline="")))[1:]]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    values = np.random.default_rng(19).integers(0, 40, size=(len(CODES), 52)).astype(float)
    values[0] = BLOG_TARGET  # the formula code is the best match and the outlier
    return Catalog(name="supplier codes", ids=np.array(CODES), weeks=WEEKS, values=values)


@pytest.fixture(scope="module")
def catalog_csv(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Path:
    path = tmp_path_factory.mktemp("codes") / "codes.csv"
    frame = pd.DataFrame(catalog.values, columns=WEEKS)
    frame.insert(0, "Product_Code", CODES)
    path.write_text(frame.to_csv(index=False), encoding="utf-8")
    return path


def test_the_rule_and_its_inverse() -> None:
    frame = pd.DataFrame({"product": CODES, "distance": np.arange(8) - 2.5})
    out = neutralise_formulas(frame)
    assert out["product"].tolist() == SHOWN
    pd.testing.assert_series_equal(out["distance"], frame["distance"])  # numbers untouched
    pd.testing.assert_frame_equal(restore_formulas(out), frame)
    assert restore_formulas(pd.DataFrame({"'=x": ["'-"]})).to_dict("list") == {"=x": ["-"]}
    table = pa.table({"product": CODES, "rank": pa.array(range(8), pa.int64())})
    assert neutralise_table(table).column("product").to_pylist() == SHOWN
    assert neutralise_table(table).column("rank").to_pylist() == list(range(8))


def test_csv_text_reads_back_exactly() -> None:
    frame = pd.DataFrame({"product": [*CODES, "x\ny"], "distance": [0.1, *range(8)]})
    text = csv_text(frame)
    assert cells(text) == [*SHOWN, "x\ny"]
    pd.testing.assert_frame_equal(read_csv_text(text, dtype={"product": str}), frame)
    assert cells(csv_text(frame, raw=True)) == [*CODES, "x\ny"]


def test_arrow_writer_neutralises_unless_raw() -> None:
    schema = pa.schema([("=name", pa.string()), ("n", pa.int64())])
    table = pa.table({"=name": ["-2", "ok"], "n": [-1, 2]}, schema=schema)
    for raw, want in ((False, '"\'=name","n"\n"\'-2",-1\n"ok",2\n'), (True, None)):
        sink = io.BytesIO()
        with CsvTableWriter(sink, schema, raw=raw) as writer:
            writer.write_table(table)
        assert sink.getvalue().decode() == (want or '"=name","n"\n"-2",-1\n"ok",2\n')


def test_page_download() -> None:
    frame = pd.DataFrame({"product": CODES, "distance": [1.5, -2.25, 3, 4, 5, 6, 7, 8]})
    text = csv_bytes(frame).decode("utf-8")
    assert text.splitlines()[:5] == [
        "product,distance",
        '"\'=HYPERLINK(""http://x"",""y"")",1.5',
        "'+1,-2.25",
        "'-2,3.0",
        "'@SUM(A1),4.0",
    ]
    assert cells(text) == SHOWN


def test_run_artifacts_neutralised_and_read_back_exactly(
    sqlite_store: tracking.Store, catalog: Catalog
) -> None:
    store = sqlite_store
    run_id = tracking.log_analysis(catalog, BLOG_TARGET, stretch=0.1, store=store)
    scores = score_catalog(catalog.ids, catalog.values, BLOG_TARGET, stretch=0.1)
    for name, want in (
        ("distances.csv", scores),
        ("zscore_outliers.csv", zscore_outliers(scores)),
        ("quantile_outliers.csv", quantile_outliers(scores)),
    ):
        shown = cells(tracking.read_artifact_text(store, run_id, name))
        assert shown == [SHOWN[CODES.index(c)] for c in want["product"]], name
        back = tracking.read_artifact_csv(store, run_id, name)
        pd.testing.assert_frame_equal(back, want.reset_index(drop=True), check_exact=True)
    assert zscore_outliers(scores)["product"].tolist() == [HYPERLINK]

    result = cluster_shapes(catalog.values, k=2)
    shapes_run = log_clustering(catalog, result, store=store)
    text = tracking.read_artifact_text(store, shapes_run, "assignments.csv")
    assert cells(text) == SHOWN  # input order
    assert read_csv_text(text, dtype={"product": str})["product"].tolist() == CODES


def test_score_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, catalog_csv: Path
) -> None:
    outputs = {}
    for flags in ((), ("--raw-csv",)):
        out = tmp_path / f"scores{len(flags)}.csv"
        assert main(["score", str(catalog_csv), "--out", str(out), "--quiet", *flags]) == 0
        outputs[flags] = out.read_text(encoding="utf-8")
    raw = outputs[("--raw-csv",)]
    order = [CODES.index(c) for c in cells(raw)]
    assert sorted(order) == list(range(len(CODES)))  # --raw-csv: every code as read
    assert cells(outputs[()]) == [SHOWN[k] for k in order]
    for column in (1, 2, 3):  # distance, rank, zscore: the same text either way
        assert cells(outputs[()], column) == cells(raw, column)

    assert main(["score", str(catalog_csv), "--out", "-", "--quiet"]) == 0
    assert capsys.readouterr().out == outputs[()]
    parquet = tmp_path / "scores.parquet"
    assert main(["score", str(catalog_csv), "--out", str(parquet), "--quiet"]) == 0
    assert pq.read_table(parquet).column("product").to_pylist() == cells(raw)


def test_shapes_output(tmp_path: Path, catalog_csv: Path) -> None:
    got = {}
    for flags in ((), ("--raw-csv",)):
        out = tmp_path / f"shapes{len(flags)}.csv"
        argv = ["shapes", str(catalog_csv), "--out", str(out), "--k", "2", "--quiet", *flags]
        assert main(argv) == 0
        got[flags] = out.read_text(encoding="utf-8")
    assert cells(got[()]) == SHOWN
    assert cells(got[("--raw-csv",)]) == CODES
