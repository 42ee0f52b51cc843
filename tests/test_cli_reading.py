"""``score`` and ``sweep`` read exports through the one reader: layout and column flags,
a question (exit 2, one line naming the candidates and the flags) when the file is not
clear, and a product of the file as the target."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from mlflow.tracking import MlflowClient

from dtwcore import cli
from dtwcore.runs import store as run_store
from dtwcore.sales import BLOG_TARGET, CatalogError, ReadOptions, load_catalog, score_catalog

from .sales_corpus import csv_bytes, order_lines, store_sales_rows

pytest_plugins = ["tests.mlflow_fixtures"]

ORDER_FLAGS = ["--id-column", "Product ID", "--week-column", "Order Date",
               "--units-column", "Quantity"]  # fmt: skip


@pytest.fixture(scope="module")
def orders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], np.ndarray]:
    data, ids, _, values = order_lines()
    path = tmp_path_factory.mktemp("orders") / "Orders_2016.csv"
    path.write_bytes(data)
    return path, ids, values


def test_order_lines_on_auto_ask_which_column(
    orders: tuple[Path, list[str], np.ndarray], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path, _, _ = orders
    code = cli.main(["score", str(path), "--out", str(tmp_path / "o.csv")])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == (
        f"error: {path}: it is not clear which column holds the week or date. Candidates: "
        "Order Date, Ship Date; choose with --week-column NAME.\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_order_lines_with_columns_rank_as_the_library(
    orders: tuple[Path, list[str], np.ndarray], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path, ids, values = orders
    out = tmp_path / "o.csv"
    assert cli.main(["score", str(path), "--out", str(out), "--quiet", *ORDER_FLAGS]) == 0
    got = pd.read_csv(out)
    want = score_catalog(np.array(ids), values, BLOG_TARGET).sort_values("rank")
    assert got["product"].tolist() == want["product"].tolist()
    np.testing.assert_allclose(got["distance"], want["distance"], rtol=1e-12)
    # Weeks starting on Sunday add the same lines up differently.
    sunday = tmp_path / "sunday.csv"
    argv = ["score", str(path), "--out", str(sunday), "--quiet", *ORDER_FLAGS]
    assert cli.main([*argv, "--week-start", "sunday"]) == 0
    assert not np.allclose(pd.read_csv(sunday)["distance"].sort_values(), got["distance"])
    # The reader's notes, as the page shows them, one line each after the result.
    options = ReadOptions(id_columns=("Product ID",), week_column="Order Date",
                          units_column="Quantity")  # fmt: skip
    notes = [
        *load_catalog(path, options=options).notes,
        *load_catalog(path, options=replace(options, week_start=6)).notes,
    ]
    assert capsys.readouterr().err == "".join(f"note: {n}\n" for n in notes)
    assert "496 missing weeks filled with 0 (in 30 products)." in notes


def test_a_store_of_the_file_is_the_target(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    rows, _, _, _ = store_sales_rows()
    path = tmp_path / "Walmart_Sales.csv"
    path.write_bytes(csv_bytes(rows))
    out = tmp_path / "o.csv"
    code = cli.main(["score", str(path), "--out", str(out), "--target-product", "7", "--quiet"])
    assert code == 0, capsys.readouterr().err
    got = pd.read_csv(out, dtype={"product": str})
    # Store 7 is the target: left out of its own ranking (it would be first at distance 0).
    assert "7" not in set(got["product"]) and len(got) == 44
    assert got["rank"].tolist() == list(range(1, 45)) and got["distance"].min() > 0
    code = cli.main(["score", str(path), "--out", str(out), "--target-product", "7",
                     "--top", "5", "--quiet"])  # fmt: skip
    assert code == 0 and pd.read_csv(out, dtype={"product": str})["product"].tolist() == (
        got["product"].head(5).tolist()
    )
    code = cli.main(["score", str(path), "--out", str(out), "--target-product", "99"])
    assert code == 2
    assert f"{path}: the target product '99' is not a product of the file" in (
        capsys.readouterr().err
    )
    # --target product:CODE is the same target, in the one target grammar.
    same = tmp_path / "same.csv"
    code = cli.main(["score", str(path), "--out", str(same), "--target", "product:7", "--quiet"])
    assert code == 0
    assert pd.read_csv(same, dtype={"product": str}).equals(got)


def test_sweep_reads_order_lines_with_the_same_flags(
    sqlite_store: run_store.Store,
    orders: tuple[Path, list[str], np.ndarray],
    capsys: pytest.CaptureFixture,
) -> None:
    path, ids, _ = orders
    argv = ["sweep", str(path), "--stretch", "0.1", "--tracking-uri", sqlite_store.tracking_uri,
            "--experiment", "orders"]  # fmt: skip
    assert cli.main(argv) == 2
    assert "choose with --week-column" in capsys.readouterr().err
    assert cli.main([*argv, *ORDER_FLAGS, "--target-product", ids[0]]) == 0
    out, err = capsys.readouterr()
    assert "read Orders_2016.csv as long layout: product = Product ID" in err
    run = MlflowClient(sqlite_store.tracking_uri).get_run(out.strip())
    assert run.data.params["n_products"] == str(len(ids) - 1)  # the target is left out


def _ids_with_bad_text(n: int, bad: int) -> pa.Table:
    """n products of 3 weeks whose id number ``bad`` holds bytes that are not UTF-8."""
    text = b"".join(b"\xff\xfe" if k == bad else f"P{k}".encode() for k in range(n))
    lengths = [2 if k == bad else len(f"P{k}") for k in range(n)]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    ids = pa.StringArray.from_buffers(n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(text))
    weeks = {f"W{j}": np.arange(n, dtype=float) + j for j in range(3)}
    return pa.table({"Product_Code": ids, **weeks})


@pytest.mark.parametrize("bad", [0, 25_000])
def test_parquet_text_that_is_not_utf8_is_named_by_row(
    bad: int, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """A damaged id, in the rows the reader samples or far after them: one line naming the
    row (as a spreadsheet counts), on the page's reader and the command line alike (the
    Spark engine's workers read the rows after the sample themselves)."""
    path = tmp_path / "damaged.parquet"
    pq.write_table(_ids_with_bad_text(30_000, bad), path)
    words = (
        f"row {bad + 2} (Product_Code): the text is not UTF-8, so the file is damaged or was "
        "written with another encoding. Export it again, or save it as CSV."
    )
    for engine in ("local", "spark") if bad else ("local",):
        code = cli.main(["score", str(path), "--out", str(tmp_path / "o.csv"), "--engine", engine])
        err = capsys.readouterr().err.splitlines()[-1]  # Spark's JVM may print a notice first
        assert (code, err) == (2, f"error: {path}: {words}"), engine
        assert not (tmp_path / "o.csv").exists()
    with pytest.raises(CatalogError) as caught:
        load_catalog(path.read_bytes(), name="damaged.parquet")
    assert str(caught.value) == f"damaged.parquet: {words}"
