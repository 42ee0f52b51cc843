"""Excel workbooks (.xlsx) read through the one reader: the same table as the CSV export
of the same sheet, the first sheet by default, another by name (page, link and command)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from dtwcore import cli
from dtwcore.sales import CatalogError, CatalogReader, ReadOptions, load_catalog, peek
from pages.common.uploads import UploadStore
from scripts.make_sales_examples import csv_bytes, store_sales_rows, three_year_stores

from .conftest import ROOT

PAGE = str(ROOT / "pages" / "sales_trends.py")


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    """An .xlsx workbook with these sheets (rows of cells), in this order."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _store_sheet() -> tuple[bytes, list[list[object]]]:
    """The store export as CSV, and as a sheet whose dates are dates and numbers numbers
    (as Excel holds them)."""
    rows, _, _, _ = store_sales_rows()
    sheet: list[list[object]] = [rows[0]]
    for r in rows[1:]:
        day = dt.datetime.strptime(str(r[1]), "%d-%m-%Y")
        sheet.append([r[0], day, *(float(v) for v in r[2:])])
    return csv_bytes(rows), sheet


def test_a_workbook_reads_as_its_csv_export() -> None:
    data, sheet = _store_sheet()
    book = workbook({"Sales": sheet, "Notes": [["made by the test"]]})
    from_csv = load_catalog(data, name="stores.csv")
    from_book = load_catalog(book, name="stores.xlsx")
    assert from_book.ids.tolist() == from_csv.ids.tolist()
    assert from_book.weeks == from_csv.weeks
    np.testing.assert_array_equal(from_book.values, from_csv.values)
    assert from_book.reading.startswith("long layout: product = Store, week = Date")
    assert peek(book, name="stores.xlsx")[0] == sheet[0]


def test_another_sheet_by_name_and_a_missing_one_in_words() -> None:
    data, ids, weeks, values = three_year_stores()
    rows = list(csv.reader(io.StringIO(data.decode())))
    book = workbook({"Read me": [["Sales are on the next sheet"]], "Sales": rows})
    with pytest.raises(CatalogError) as err:
        load_catalog(book, name="book.xlsx")
    assert str(err.value) == "book.xlsx has no rows. Choose a file with weekly unit sales."
    cat = load_catalog(book, name="book.xlsx", options=ReadOptions(sheet="Sales"))
    assert cat.ids.tolist() == ids and cat.weeks == weeks
    np.testing.assert_array_equal(cat.values, values)
    with pytest.raises(CatalogError) as err:
        load_catalog(book, name="book.xlsx", options=ReadOptions(sheet="Nope"))
    assert str(err.value) == "book.xlsx has no sheet 'Nope'; its sheets are Read me, Sales"


def test_the_command_reads_a_workbook_as_the_page_does(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    data, _, _, _ = three_year_stores()
    rows = list(csv.reader(io.StringIO(data.decode())))
    (tmp_path / "stores.csv").write_bytes(data)
    (tmp_path / "stores.xlsx").write_bytes(workbook({"Notes": [["x"]], "Sales": rows}))
    reader = CatalogReader(tmp_path / "stores.xlsx", options=ReadOptions(sheet="Sales"))
    assert [b.values.shape[0] for b in reader] == [12]
    outs = []
    for name, extra in (("stores.csv", []), ("stores.xlsx", ["--sheet", "Sales"])):
        out = tmp_path / f"{name}.scores.csv"
        assert cli.main(["score", str(tmp_path / name), "--out", str(out), *extra]) == 0
        outs.append(out.read_text())
    assert outs[0] == outs[1]
    code = cli.main(["score", str(tmp_path / "stores.xlsx"), "--out", "-", "--sheet", "Nope"])
    assert code == 2
    assert capsys.readouterr().err.endswith(
        "stores.xlsx has no sheet 'Nope'; its sheets are Notes, Sales\n"
    )


def test_the_page_reads_a_workbook_and_its_sheet_is_in_the_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DTW_UPLOAD_DIR", str(tmp_path / "uploads"))
    data, ids, _, _ = three_year_stores()
    rows = list(csv.reader(io.StringIO(data.decode())))
    book = workbook({"Read me": [["Sales are on the next sheet"]], "Sales": rows})
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["sales.file"] = ("stores.xlsx", book)
    at.run()
    assert at.error[0].value.startswith("stores.xlsx has no rows.")
    at.selectbox(key="sales.read.sheet").set_value("Sales").run()
    assert not at.exception and not at.error
    assert {m.label: m.value for m in at.metric}["Products analysed"] == f"{len(ids)}"
    assert at.query_params["sheet"] == "Sales"
    key = UploadStore.from_env().put("stores.xlsx", book)
    again = AppTest.from_file(PAGE, default_timeout=120)
    again.query_params.update({"data": key, "sheet": "Sales"})
    again.run()
    assert not again.error
    assert again.selectbox(key="sales.read.sheet").value == "Sales"
