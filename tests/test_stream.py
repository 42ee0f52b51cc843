"""Streaming catalogue reader and atomic result writer (dtwcore.stream)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dtwcore.sales import CatalogError
from dtwcore.stream import (
    RESULT_SCHEMA,
    CatalogReader,
    OutputFile,
    Progress,
    choose_layout,
    file_format,
    is_ignored_column,
    write_results,
)

from .conftest import UCI_CSV


def read_all(reader: CatalogReader) -> tuple[list[str], np.ndarray]:
    ids, values = [], []
    for batch in reader:
        ids.extend(batch.ids.to_pylist())
        values.append(batch.values)
    return ids, np.vstack(values)


def test_file_format_by_extension() -> None:
    assert file_format("a.csv") == "csv"
    assert file_format("A.PARQUET") == "parquet"
    assert file_format("x.pq") == "parquet"
    with pytest.raises(CatalogError, match=r"^b\.xlsx: the input must be a CSV"):
        file_format("b.xlsx", "input")


def test_layout_prefers_product_code_and_skips_summary_columns() -> None:
    cols = [("Name", False), ("Product_Code", False), ("W0", True), ("W1", True)]
    cols += [("MIN", True), ("MAX", True), ("Normalized 0", True), ("Total", True)]
    layout = choose_layout(cols, "f.csv")
    assert layout.id_column == "Product_Code"
    assert layout.week_columns == ("W0", "W1")
    assert is_ignored_column("Normalized 51") and is_ignored_column("mean")
    assert not is_ignored_column("W10")


def test_layout_first_text_column_or_named_one() -> None:
    cols = [("sku", False), ("a", True), ("b", True)]
    assert choose_layout(cols, "f").id_column == "sku"
    named = choose_layout([("n", True), ("a", True), ("b", True)], "f", id_column="n")
    assert named == choose_layout([("n", True), ("a", True), ("b", True)], "f", "n")
    assert named.week_columns == ("a", "b")


@pytest.mark.parametrize(
    ("columns", "id_column", "message"),
    [
        ([("a", True), ("b", True)], None, "f: no id column (no Product_Code and no text "
         "column); name it with --id-column"),
        ([("Product_Code", False), ("Name", False)], None, "f: no numeric week columns "
         "besides the id column Product_Code (columns: Product_Code, Name)"),
        ([("Product_Code", False), ("W0", True)], "SKU", "f: no column named 'SKU' "
         "(columns: Product_Code, W0)"),
        ([("Product_Code", False), ("W0", True), ("W1", False)], None,
         "f: column W1 has values that are not numbers"),
    ],
)  # fmt: skip
def test_layout_errors(columns: list, id_column: str | None, message: str) -> None:
    with pytest.raises(CatalogError) as info:
        choose_layout(columns, "f", id_column)
    assert str(info.value) == message


def test_uci_csv_reads_like_pandas() -> None:
    reader = CatalogReader(UCI_CSV)
    assert reader.layout.id_column == "Product_Code"
    assert reader.layout.week_columns == tuple(f"W{i}" for i in range(52))
    ids, values = read_all(reader)
    df = pd.read_csv(UCI_CSV)
    assert ids == df["Product_Code"].tolist()
    np.testing.assert_array_equal(values, df[[f"W{i}" for i in range(52)]].to_numpy(float))
    assert reader.rows_read == 811
    assert reader.fraction_done() == pytest.approx(1.0)


def test_csv_in_small_blocks_and_parquet_in_small_batches(tmp_path: Path) -> None:
    df = pd.read_csv(UCI_CSV)
    whole_ids, whole = read_all(CatalogReader(UCI_CSV))
    blocks = CatalogReader(UCI_CSV, csv_block_bytes=16_384)
    batches = list(blocks)
    assert len(batches) > 5
    assert [b.first_row for b in batches] == list(
        np.cumsum([0] + [len(b.values) for b in batches[:-1]])
    )
    assert np.array_equal(np.vstack([b.values for b in batches]), whole)
    path = tmp_path / "uci.parquet"
    df.to_parquet(path, row_group_size=300)
    reader = CatalogReader(path, batch_rows=100)
    assert reader.total_rows == 811
    ids, values = read_all(reader)
    assert ids == whole_ids
    assert np.array_equal(values, whole)


def test_parquet_integer_ids_become_text(tmp_path: Path) -> None:
    path = tmp_path / "ints.parquet"
    pq.write_table(pa.table({"sku": [7, 8], "a": [1, 2], "b": [3.5, 4.0]}), path)
    reader = CatalogReader(path, id_column="sku")
    ids, values = read_all(reader)
    assert ids == ["7", "8"]
    assert values.tolist() == [[1.0, 3.5], [2.0, 4.0]]


def write(tmp_path: Path, text: str, name: str = "c.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(path: Path, **kwargs: object) -> str:
    with pytest.raises(CatalogError) as info:
        list(CatalogReader(path, **kwargs))
    return str(info.value)


def test_missing_value_names_row_product_and_week(tmp_path: Path) -> None:
    rows = "".join(f"P{i},{i},{i + 1},2\n" for i in range(5000))
    path = write(tmp_path, "Product_Code,W0,W1,W2\n" + rows + "PX,1,,3\n")
    assert error_of(path, csv_block_bytes=4096) == (
        f"{path}: row 5002 (product PX): W1 is missing or not a finite number"
    )


def test_infinite_value_and_missing_id(tmp_path: Path) -> None:
    path = write(tmp_path, "Product_Code,W0,W1\nP1,1,2\nP2,inf,2\n")
    assert error_of(path) == f"{path}: row 3 (product P2): W0 is missing or not a finite number"
    path = write(tmp_path, "Product_Code,W0,W1\nP1,1,2\n,1,2\n", "noid.csv")
    assert error_of(path) == f"{path}: row 3: the id Product_Code is missing"


def test_text_in_a_week_after_the_first_block(tmp_path: Path) -> None:
    rows = "".join(f"P{i},{i},{i + 1}\n" for i in range(5000))
    path = write(tmp_path, "Product_Code,W0,W1\n" + rows + "PX,1,lots\n")
    assert error_of(path, csv_block_bytes=4096) == (
        f"{path}: row 5002 (product PX): W1 is not a number ('lots')"
    )


def test_text_in_a_week_of_the_first_block(tmp_path: Path) -> None:
    path = write(tmp_path, "Product_Code,W0,W1\nP1,1,2\nP2,3,n/a\n")
    assert error_of(path) == f"{path}: row 3 (product P2): W1 is not a number ('n/a')"


def test_row_with_too_few_fields(tmp_path: Path) -> None:
    rows = "".join(f"P{i},{i},{i + 1}\n" for i in range(5000))
    path = write(tmp_path, "Product_Code,W0,W1\n" + rows + "PX,1\n")
    assert error_of(path, csv_block_bytes=4096) == (
        f"{path}: row 5002: has 2 fields, the header has 3"
    )
    assert error_of(path) == f"{path}: row 5002: has 2 fields, the header has 3"


def test_unusable_files(tmp_path: Path) -> None:
    assert error_of(tmp_path / "nope.csv") == f"{tmp_path / 'nope.csv'}: no such file"
    assert error_of(write(tmp_path, "", "e.csv")) == f"{tmp_path / 'e.csv'}: the file is empty"
    header_only = write(tmp_path, "Product_Code,W0\n", "h.csv")
    assert error_of(header_only) == f"{header_only}: no products (the file has no data rows)"
    broken = write(tmp_path, "PAR1 but not really", "b.parquet")
    assert error_of(broken).startswith(f"{broken}: not a readable Parquet file (")
    folder = tmp_path / "dir.csv"
    folder.mkdir()
    assert error_of(folder) == f"{folder}: is a folder, not a file"


def table(n: int) -> pa.Table:
    return pa.Table.from_arrays(
        [
            pa.array([f"P{i}" for i in range(n)]),
            pa.array(np.linspace(0, 1, n)),
            pa.array(np.arange(1, n + 1)),
            pa.array(np.zeros(n)),
        ],
        schema=RESULT_SCHEMA,
    )


@pytest.mark.parametrize("name", ["out.csv", "out.parquet"])
def test_write_results_atomic(tmp_path: Path, name: str) -> None:
    out = OutputFile(str(tmp_path / name))
    assert write_results(out, [table(3), table(2)]) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    back = (
        pd.read_csv(tmp_path / name) if name.endswith("csv") else pd.read_parquet(tmp_path / name)
    )
    assert list(back.columns) == ["product", "distance", "rank", "zscore"]
    assert back["product"].tolist() == ["P0", "P1", "P2", "P0", "P1"]


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "old.csv").write_text("keep me\n")

    def broken():  # noqa: ANN202
        yield table(2)
        raise CatalogError("boom")

    with pytest.raises(CatalogError, match="boom"):
        write_results(OutputFile(str(tmp_path / "old.csv")), broken())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.csv"]
    assert (tmp_path / "old.csv").read_text() == "keep me\n"


def test_unwritable_outputs(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as info:
        OutputFile(str(tmp_path / "no" / "out.csv"))
    assert str(info.value) == (
        f"{tmp_path / 'no' / 'out.csv'}: cannot write the output, no folder {tmp_path / 'no'}"
    )
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(CatalogError, match=r"d\.csv: cannot write the output, it is a folder$"):
        OutputFile(str(tmp_path / "d.csv"))


def test_progress_line() -> None:
    buf = io.StringIO()
    progress = Progress(True, buf, every=0)
    progress.update(250_000, 0.25)
    progress.close("done")
    text = buf.getvalue()
    assert text.startswith("\rscoring: 250,000 products (25%), ")
    first = text.split("\r")[1]
    assert first.endswith(" left") and ":" in first
    assert text.endswith("\rdone" + " " * (len(first) - 4) + "\n")
    quiet = io.StringIO()
    Progress(False, quiet).update(1, 0.5, force=True)
    assert quiet.getvalue() == ""
