"""Streaming catalogue reader and atomic result writer (dtwcore.sales.results)."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dtwcore.sales import CatalogError, ReadOptions, load_catalog, resolve_roles, sniff_separator
from dtwcore.sales.columns import _cells_profile, _float_profile, is_summary
from dtwcore.sales.dialect import Dialect, sniff_dialect
from dtwcore.sales.reading import CatalogReader, file_format
from dtwcore.sales.results import (
    RESULT_SCHEMA,
    OutputFile,
    Progress,
    clock,
    time_left,
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
    assert [file_format(f"e{s}", "input") for s in (".tsv", ".TXT", ".xlsx", ".XLSM")] == [
        "csv",
        "csv",
        "xlsx",
        "xlsx",
    ]
    with pytest.raises(CatalogError, match=r"^b\.xlsx: the output must be a CSV"):
        file_format("b.xlsx", "output")
    with pytest.raises(CatalogError, match=r"^b\.xls looks like an old Excel workbook"):
        file_format("b.xls", "input")
    with pytest.raises(
        CatalogError, match=r"^b\.ods: the input must be a CSV .* \(\.xlsx, \.xlsm\)"
    ):
        file_format("b.ods", "input")


def test_roles_prefer_product_code_and_skip_summary_columns() -> None:
    header = ["Name", "Product_Code", "W0", "W1", "MIN", "MAX", "Normalized 0", "Total"]
    roles = resolve_roles(header, [["x", "P1", 1, 2, 1, 2, 0, 3]], fname="f.csv")
    assert roles.ids == ("Product_Code",)
    assert roles.weeks == ("W0", "W1")
    assert is_summary("Normalized 51") and is_summary("mean")
    assert not is_summary("W10")


@pytest.mark.parametrize(
    "cells",
    [
        [1.0, 2.0, 3.0],
        [1.0, 2.5, float("nan"), 2.5],
        [0.0, -0.0, 7.0],
        [float("inf"), float("nan"), 1.0, float("-inf")],
        [float("nan"), float("nan")],
        [1e20, 1.5e-07, -3.0, 12.0],
    ],
)
def test_columns_of_floats_profile_as_the_cells_do(cells: list[float]) -> None:
    """Parquet columns of doubles take a loop-free profile; it must read them alike."""
    assert _float_profile(np.array(cells)) == _cells_profile(cells, False)


def test_roles_first_text_column_or_named_one() -> None:
    assert resolve_roles(["sku", "W1", "W2"], [["A", 1, 2]]).ids == ("sku",)
    wide = ReadOptions(layout="wide", id_columns=("n",))
    named = resolve_roles(["n", "a", "b"], [[1, 2, 3]], wide)
    assert named.ids == ("n",) and named.weeks == ("a", "b")


@pytest.mark.parametrize(
    ("header", "options", "message"),
    [
        (["a", "b"], ReadOptions(), "f: the layout is not clear: no week columns (W0, W1, … "
         "or dates as column names) and no column of dates or week numbers. Candidates: a, b."),
        (["Product_Code", "Name"], ReadOptions(layout="wide"), "f: found 0 week columns next "
         "to the product column 'Product_Code'; at least 2 are needed. Expected one column per "
         "week (W0, W1, … or Week 1, … or dates) with units sold, or the long layout: product, "
         "week, units."),
        (["Product_Code", "W0"], ReadOptions(id_columns=("SKU",)), "f has no column 'SKU'. "
         "Its columns are: Product_Code, W0."),
    ],
)  # fmt: skip
def test_layout_errors(header: list, options: ReadOptions, message: str) -> None:
    with pytest.raises(CatalogError) as info:
        resolve_roles(header, [["P1", "x"]], options, "f")
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
    pq.write_table(pa.table({"sku": [7, 8], "W1": [1, 2], "W2": [3.5, 4.0]}), path)
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
    # found by fuzzing: a column name that is not UTF-8 made Python's codec error the message
    buf = io.BytesIO()
    pq.write_table(pa.table({"sku": ["P1"], "Wq": [1.0]}), buf, store_schema=False)
    (tmp_path / "n.parquet").write_bytes(buf.getvalue().replace(b"Wq", b"W\x80"))
    assert error_of(tmp_path / "n.parquet") == (
        f"{tmp_path / 'n.parquet'}: not a readable Parquet file (a column name is not UTF-8 text)"
    )
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


def test_time_left_is_the_pace_so_far() -> None:
    """One formula for every progress line: 40 % done in 4 s leaves 6 s, shown rounded up."""
    assert time_left(4.0, 0.4) == pytest.approx(6.0)
    assert time_left(10.0, 1.0) == 0.0
    assert clock(time_left(100.0, 0.25)) == "0:05:00"
    assert clock(3600.2) == "1:00:01"


# --------------------------------------------------------------------------- dialects

# How spreadsheets export one catalogue: separator, encoding, line end, decimal comma.
DIALECTS = {
    "comma-utf8": (",", "utf-8", "\n", False),
    "semicolon-cp1252-decimal-comma": (";", "cp1252", "\r\n", True),
    "tab-utf16": ("\t", "utf-16", "\r\n", False),
    "comma-utf8-bom": (",", "utf-8-sig", "\n", False),
    "bar-utf16be-decimal-comma": ("|", "utf-16-be", "\n", True),
}


def dialect_rows() -> tuple[list[str], list[list[str]]]:
    """The UCI file's header and first 60 products, with weekly units in quarters and
    eighths (exact in binary, so every dialect holds the same numbers) and every seventh
    product code holding letters outside ASCII."""
    with UCI_CSV.open(newline="") as f:
        rows = list(csv.reader(f))[:61]
    header, body = rows[0], []
    weeks = [i for i, name in enumerate(header) if name.startswith("W")]
    for k, row in enumerate(rows[1:]):
        row = list(row)
        for i in weeks:
            row[i] = repr(int(row[i]) / 4 + (0.125 if k % 3 == 0 else 0.0))
        if k % 7 == 0:
            row[0] += "-café€"
        body.append(row)
    return header, body


def write_dialects(folder: Path) -> dict[str, Path]:
    """The catalogue of :func:`dialect_rows` written in each of :data:`DIALECTS`."""
    header, body = dialect_rows()
    paths = {}
    for name, (sep, encoding, end, decimal_comma) in DIALECTS.items():
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=sep, lineterminator=end)
        writer.writerow(header)
        for row in body:
            writer.writerow(
                [row[0]] + [c.replace(".", ",") if decimal_comma else c for c in row[1:]]
            )
        data = buf.getvalue().encode(encoding)
        if encoding == "utf-16-be":
            data = b"\xfe\xff" + data
        paths[name] = folder / f"{name}.csv"
        paths[name].write_bytes(data)
    return paths


@pytest.fixture(scope="module")
def dialects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_dialects(tmp_path_factory.mktemp("dialects"))


@pytest.mark.parametrize(
    ("name", "dialect"),
    [
        ("comma-utf8", Dialect("utf-8", ",", False)),
        ("semicolon-cp1252-decimal-comma", Dialect("cp1252", ";", True)),
        ("tab-utf16", Dialect("utf-16", "\t", False)),
        ("comma-utf8-bom", Dialect("utf-8-sig", ",", False)),
        ("bar-utf16be-decimal-comma", Dialect("utf-16", "|", True)),
    ],
)
def test_dialects_read_like_comma_utf8_and_the_page(
    dialects: dict[str, Path], name: str, dialect: Dialect
) -> None:
    """Every dialect gives the products and numbers of the comma UTF-8 file, in small
    blocks too (the decimal commas are converted batch by batch), and the page's."""
    want_ids, want = read_all(CatalogReader(dialects["comma-utf8"]))
    assert want_ids[:2] == ["P1-café€", "P2"] and want[0, :3].tolist() == [2.875, 3.125, 2.625]
    reader = CatalogReader(dialects[name], csv_block_bytes=4096)
    assert reader.dialect == dialect
    assert reader.layout.week_columns == tuple(f"W{i}" for i in range(52))
    ids, values = read_all(reader)
    assert ids == want_ids
    np.testing.assert_array_equal(values, want)
    assert reader.fraction_done() == pytest.approx(1.0, abs=0.1)
    page = load_catalog(dialects[name])
    assert page.excluded.empty
    assert page.ids.tolist() == ids
    np.testing.assert_array_equal(page.values, values)


@pytest.mark.parametrize(
    ("head", "complete", "dialect"),
    [
        (b"Product_Code,W0\nP1,12,5\n", True, Dialect("utf-8", ",", False)),
        (b"\xef\xbb\xbfsku;a;b\r\nX;1;2,5\r\n", True, Dialect("utf-8-sig", ";", True)),
        ("sku\ta\nX\t1.5\n".encode("utf-16"), True, Dialect("utf-16", "\t", False)),
        ("sku|a\nCafé|-0,5\n".encode("cp1252"), True, Dialect("cp1252", "|", True)),
        ("sku;a\nCafé;+,5\n".encode(), True, Dialect("utf-8", ";", True)),
        # cut inside a character: still UTF-8; a cut-off last row is not looked at
        ("sku;a\nP1;2\nCafé;1,5".encode()[:-5], False, Dialect("utf-8", ";", False)),
        (b"sku;a\nP1;2\nP2;1,5", False, Dialect("utf-8", ";", False)),
        (b"sku;a\nP1;2\nP2;1,5", True, Dialect("utf-8", ";", True)),
        # the header row decides the separator; only whole cells like 12,5 are decimal
        (b"\n\na;b,c;d\nx;1,5e3;2,5 kg\n", True, Dialect("utf-8", ";", False)),
        (b"sku;a\n" + b"P;1\n" * 200 + b"P;1,5\n", True, Dialect("utf-8", ";", False)),
        (b"sku;a\n" + b"P;1\n" * 199 + b"P;1,5\n", True, Dialect("utf-8", ";", True)),
        (b"just one column\n1\n", True, Dialect("utf-8", ",", False)),
    ],
)
def test_sniff_dialect(head: bytes, complete: bool, dialect: Dialect) -> None:
    assert sniff_dialect(head, complete=complete, source="f.csv") == dialect


@pytest.mark.parametrize(
    ("head", "message"),
    [
        (b"\xff\xfe" + "sku\tW0\n".encode("utf-16-le") + b"\x00\xdcX\x00",
         "f.csv: starts like UTF-16 text but is not UTF-16; save the file as CSV UTF-8 and "
         "try again"),
        ("sku,W0\nP1,1\n".encode("utf-16-le"),
         "f.csv: not a text (CSV) file (it holds NUL bytes); save the sales table as CSV and "
         "try again"),
    ],
)  # fmt: skip
def test_sniff_dialect_refuses_what_is_not_text(head: bytes, message: str) -> None:
    with pytest.raises(CatalogError) as info:
        sniff_dialect(head, complete=True, source="f.csv")
    assert str(info.value) == message


def test_undefined_cp1252_bytes_read_as_the_page_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(b"sku;W0;W1\r\nP\x81\xe9;1,5;2\r\nP\x80;3;4\r\n")
    ids, values = read_all(CatalogReader(path))
    assert ids == ["P\ufffdé", "P€"]
    assert values.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert load_catalog(path).ids.tolist() == ids


def encoded(tmp_path: Path, text: str, encoding: str, name: str = "c.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_bad_cells_of_decimal_comma_files_name_row_product_and_week(tmp_path: Path) -> None:
    rows = "".join(f"Café{i};{i},5;{i}\r\n" for i in range(3000))
    head = "Product_Code;W0;W1\r\n" + rows
    path = encoded(tmp_path, head + "Crème;1,2,3;4\r\n", "cp1252")
    assert error_of(path, csv_block_bytes=4096) == (
        f"{path}: row 3002 (product Crème): W0 is not a number ('1,2,3')"
    )
    assert error_of(path) == f"{path}: row 3002 (product Crème): W0 is not a number ('1,2,3')"
    path = encoded(tmp_path, head + "Crème;1,5; \t\r\n", "cp1252", "blank.csv")
    assert error_of(path, csv_block_bytes=4096) == (
        f"{path}: row 3002 (product Crème): W1 is missing or not a finite number"
    )
    path = encoded(tmp_path, "Product_Code\tW0\tW1\nP1\t1,5\t2\nP2\tlots\t2\n", "utf-16", "u.csv")
    assert error_of(path) == f"{path}: row 3 (product P2): W0 is not a number ('lots')"


def test_decimal_commas_are_told_from_the_first_200_rows_as_on_the_page(tmp_path: Path) -> None:
    rows = "".join(f"P{i};{i};2\n" for i in range(250))
    path = write(tmp_path, "Product_Code;W0;W1\n" + rows + "PX;12,5;2\n")
    assert sniff_dialect(path.read_bytes(), complete=True, source="") == Dialect(
        "utf-8", ";", False
    )
    assert error_of(path) == f"{path}: row 252 (product PX): W0 is not a number ('12,5')"
    excluded = load_catalog(path).excluded
    assert excluded[["row", "product", "reason"]].values.tolist() == [
        [252, "PX", "'12,5' in W0 is not a number"]
    ]


def test_ids_that_stop_being_utf8_after_the_first_block(tmp_path: Path) -> None:
    rows = "".join(f"P{i};{i},5;{i}\n" for i in range(3000))
    path = tmp_path / "mixed.csv"
    path.write_bytes(("Product_Code;W0;W1\n" + rows).encode() + "Pé;1,5;2\n".encode("cp1252"))
    assert error_of(path, csv_block_bytes=4096) == (
        f"{path}: row 3002: the Product_Code is not UTF-8 text, unlike the start of the file; "
        "save the file as CSV UTF-8 and try again"
    )
    # read whole, the first block holds the byte that is not UTF-8: Windows-1252
    assert read_all(CatalogReader(path))[0][-1] == "Pé"


def test_utf16_that_breaks_after_the_first_block(tmp_path: Path) -> None:
    rows = "".join(f"P{i}\t{i}\t2\n" for i in range(3000))
    path = tmp_path / "broken.csv"
    path.write_bytes(("Product_Code\tW0\tW1\n" + rows).encode("utf-16") + b"\x00\xdcX\x00")
    assert error_of(path, csv_block_bytes=4096) == (
        f"{path}: starts like UTF-16 text but is not UTF-16 throughout; save the file as "
        "CSV UTF-8 and try again"
    )


def test_the_utf8_copy_of_other_encodings_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dialects: dict[str, Path]
) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    reader = CatalogReader(dialects["tab-utf16"], csv_block_bytes=4096)
    batches = iter(reader)
    first = next(batches)
    assert [p.name[:8] for p in temp.iterdir()] == ["dtwcore-"]  # read while scoring
    assert len(first.values) + sum(len(b.values) for b in batches) == 60
    assert list(temp.iterdir()) == []
    rows = "".join(f"Café{i};{i},5;{i}\r\n" for i in range(3000)) + "Crème;x;4\r\n"
    path = encoded(tmp_path, "Product_Code;W0;W1\r\n" + rows, "cp1252")
    assert error_of(path, csv_block_bytes=4096).endswith("W0 is not a number ('x')")
    assert list(temp.iterdir()) == []


@pytest.mark.parametrize(
    "text",
    [
        " " * 70_000 + "\n" + "a;b;c\n1;2;3\n" * 10_000,  # blank first line, long
        "\r\n" * 19 + "a|b\r\n" + "1,2,3,4\r\n" * 20_000,  # header on line 20
        "\n" * 20 + "a;b\n" + "1\t2\n" * 20_000,  # no header in the first 20 lines
        "\u2028" * 25 + "a;b\n" + "x\n" * 70_000,  # line breaks str.splitlines knows
        "h\t" * 40_000 + "h;h\n" + "1\t" * 40_000 + "1\n",  # one header wider than 64k
    ],
)
def test_the_separator_is_the_pages_on_long_blocks(text: str) -> None:
    dialect = sniff_dialect(text.encode(), complete=False, source="f.csv")
    assert dialect.separator == sniff_separator(text)
