"""Excel workbooks (.xlsx) read through the one reader: the same table as the CSV export
of the same sheet, the active (else the first visible) worksheet by default, another by
name (page, link and command); chart sheets are never read."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from openpyxl.chart import BarChart, Reference
from streamlit.testing.v1 import AppTest

from dtwcore import cli
from dtwcore.sales import CatalogError, CatalogReader, ReadOptions, load_catalog, peek
from dtwcore.sales.dialect import workbook_sheets
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
    assert str(err.value) == (
        "book.xlsx: the sheet 'Read me' has no rows; the workbook's other sheet is Sales. "
        "Choose the one with the weekly unit sales under How the file is read > Sheet on the "
        "page, or with --sheet NAME on the command line."
    )
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


def test_ids_in_a_zero_padding_number_format_keep_their_zeros(tmp_path: Path) -> None:
    """Product codes stored as numbers in the format ``000000`` (Excel shows ``000123``)
    are read as Excel shows them and its CSV export writes them, on every path; a number
    in another format (``General``, ``0.00``) is read as before."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Product", "W1", "W2", "W3"])
    for code, fmt in ((123, "000000"), (4567, "000000"), (1234567, "000000"), (42, "General"),
                      (77, "0.00"), ("AB-1", "000000")):  # fmt: skip
        sheet.append([code, 1, 2, 3])
        sheet.cell(sheet.max_row, 1).number_format = fmt
    sheet.append([8, 4, 5, 6])
    sheet.cell(sheet.max_row, 2).number_format = "000"  # a week cell: 4 all the same
    out = io.BytesIO()
    book.save(out)
    want = ["000123", "004567", "1234567", "42", "77", "AB-1", "8"]
    page = load_catalog(out.getvalue(), name="codes.xlsx")
    assert page.ids.tolist() == want
    np.testing.assert_array_equal(page.values[-1], [4, 5, 6])
    assert peek(out.getvalue(), name="codes.xlsx")[1][0][0] == "000123"
    path = tmp_path / "codes.xlsx"
    path.write_bytes(out.getvalue())
    assert [i for b in CatalogReader(path) for i in b.ids.to_pylist()] == want
    scores = tmp_path / "scores.csv"
    assert cli.main(["score", str(path), "--out", str(scores), "--quiet"]) == 0
    assert sorted(pd.read_csv(scores, dtype={"product": str})["product"]) == sorted(want)


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
    assert at.error[0].value.startswith("stores.xlsx: the sheet 'Read me' has no rows;")
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


WEEKS3 = [["Product", "W1", "W2", "W3"], ["P1", 1, 2, 3], ["P2", 4, 5, 7]]
OLD3 = [["Product", "W1", "W2", "W3"], ["P1", 100, 100, 100], ["P2", 90, 90, 90]]


def chart_first_book() -> bytes:
    """A workbook whose first (and active) tab is a chart sheet drawing the "Data" sheet."""
    book = openpyxl.Workbook()
    data = book.active
    data.title = "Data"
    for row in WEEKS3:
        data.append(row)
    chart = BarChart()
    chart.add_data(Reference(data, min_col=2, min_row=1, max_col=4, max_row=3))
    book.create_chartsheet("Chart", 0).add_chart(chart)
    book.active = 0
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def hidden_first_book() -> bytes:
    """A workbook whose first sheet (last year's) is hidden and whose "Sales" is active."""
    book = openpyxl.Workbook()
    old = book.active
    old.title = "old_2022"
    for row in OLD3:
        old.append(row)
    old.sheet_state = "hidden"
    sales = book.create_sheet("Sales")
    for row in WEEKS3:
        sales.append(row)
    book.create_sheet("Notes").append(["made by the test"])
    book.active = 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_chart_sheet_is_never_read_nor_offered(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    book = chart_first_book()
    assert workbook_sheets(book, "c.xlsx") == ["Data"]
    cat = load_catalog(book, name="c.xlsx")
    assert cat.ids.tolist() == ["P1", "P2"]
    assert cat.values.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 7.0]]
    assert peek(book, name="c.xlsx") == (WEEKS3[0], [["P1", "1", "2", "3"], ["P2", "4", "5", "7"]])
    chart = (
        "c.xlsx: the sheet 'Chart' is a chart and holds no rows; the sheets that hold data "
        "are Data."
    )
    with pytest.raises(CatalogError) as err:
        load_catalog(book, name="c.xlsx", options=ReadOptions(sheet="Chart"))
    assert str(err.value) == chart
    path = tmp_path / "c.xlsx"
    path.write_bytes(book)
    assert [b.values.tolist() for b in CatalogReader(path)] == [[[1.0, 2.0, 3.0], [4.0, 5.0, 7.0]]]
    assert cli.main(["score", str(path), "--out", str(tmp_path / "s.csv")]) == 0
    assert cli.main(["score", str(path), "--out", "-", "--sheet", "Chart"]) == 2
    assert capsys.readouterr().err.endswith(f"{path}{chart[len('c.xlsx') :]}\n")


def test_the_active_visible_sheet_is_read_by_default_and_a_hidden_one_by_name(
    tmp_path: Path,
) -> None:
    book = hidden_first_book()
    assert workbook_sheets(book, "h.xlsx") == ["Sales", "old_2022", "Notes"]
    assert load_catalog(book, name="h.xlsx").values.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 7.0]]
    old = load_catalog(book, name="h.xlsx", options=ReadOptions(sheet="old_2022"))
    assert old.values.tolist() == [[100.0, 100.0, 100.0], [90.0, 90.0, 90.0]]
    path = tmp_path / "h.xlsx"
    path.write_bytes(book)
    assert [b.values.tolist() for b in CatalogReader(path)] == [[[1.0, 2.0, 3.0], [4.0, 5.0, 7.0]]]
    hidden = CatalogReader(path, options=ReadOptions(sheet="old_2022"))
    assert [b.values.tolist() for b in hidden] == [[[100.0, 100.0, 100.0], [90.0, 90.0, 90.0]]]


def test_an_empty_sheet_names_the_others_and_how_to_choose(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    book = workbook({"Empty": [], "Data": WEEKS3, "Old": OLD3})
    message = (
        ": the sheet 'Empty' has no rows; the workbook's other sheets are Data, Old. Choose the "
        "one with the weekly unit sales under How the file is read > Sheet on the page, or with "
        "--sheet NAME on the command line."
    )
    with pytest.raises(CatalogError) as err:
        load_catalog(book, name="e.xlsx")
    assert str(err.value) == "e.xlsx" + message
    path = tmp_path / "e.xlsx"
    path.write_bytes(book)
    assert cli.main(["score", str(path), "--out", "-"]) == 2
    assert capsys.readouterr().err == f"error: {path}{message}\n"
    assert cli.main(["score", str(path), "--out", str(tmp_path / "s.csv"), "--sheet", "Data"]) == 0
    with pytest.raises(CatalogError) as err:
        load_catalog(workbook({"Only": [["Product", "W1"]]}), name="o.xlsx")
    assert str(err.value) == "o.xlsx has no rows. Choose a file with weekly unit sales."


def test_the_page_offers_the_sheet_it_reads_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DTW_UPLOAD_DIR", str(tmp_path / "uploads"))
    for book, shown, sheets in (
        (hidden_first_book(), "Sales", ["Sales", "old_2022", "Notes"]),
        (workbook({"Empty": [], "Data": WEEKS3}), "Empty", ["Empty", "Data"]),
    ):
        at = AppTest.from_file(PAGE, default_timeout=120)
        at.session_state["sales.file"] = ("b.xlsx", book)
        at.run()
        assert not at.exception
        picker = at.selectbox(key="sales.read.sheet")
        assert picker.options == sheets
        assert picker.placeholder == f"The default ({shown})"
        if shown == "Sales":
            assert not at.error
            assert {m.label: m.value for m in at.metric}["Products analysed"] == "2"
        else:
            assert at.error[0].value.startswith(
                "b.xlsx: the sheet 'Empty' has no rows; the workbook's other sheet is Data."
            )
            picker.set_value("Data").run()
            assert not at.error


FORMULAS = [["Product", "W1", "W2", "W3"], ["P1", 1, 2, "=B2+C2"], ["P2", 4, 5, "=B3+C3"]]


def _with_saved_values(book: bytes, values: dict[str, str]) -> bytes:
    """``book`` as a spreadsheet saves it: these formulas (by their text) with a value."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                for formula, value in values.items():
                    old = f"<f>{formula}</f><v />".encode()
                    assert old in data
                    data = data.replace(old, f"<f>{formula}</f><v>{value}</v>".encode())
            dst.writestr(item, data)
    return out.getvalue()


NEVER_SAVED = (
    ": cell D2 (W3) holds a formula whose value was never saved (the workbook was "
    "written by a program, not by Excel). Open it in Excel or LibreOffice and save it, "
    "then read it again."
)


def _refused_everywhere(book: bytes, path: Path, capsys: pytest.CaptureFixture) -> None:
    """``book`` (FORMULAS, its W3 never calculated) is refused with :data:`NEVER_SAVED` by
    the page's reader, the streaming reader and ``score`` (at ``path``)."""
    with pytest.raises(CatalogError) as err:
        load_catalog(book, name=path.name)
    assert str(err.value) == path.name + NEVER_SAVED
    path.write_bytes(book)
    with pytest.raises(CatalogError) as err:
        CatalogReader(path)
    assert str(err.value) == f"{path}{NEVER_SAVED}"
    assert cli.main(["score", str(path), "--out", str(path.with_suffix(".csv"))]) == 2
    assert capsys.readouterr().err == f"error: {path}{NEVER_SAVED}\n"


def test_formulas_saved_without_their_values_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """A workbook written by a program (openpyxl, pandas) holds formulas without the values
    a spreadsheet saves beside them: read, they are blank, and the rows would be left out
    as 'W3 is blank'. It is refused, on the page and by the command, with what to do."""
    _refused_everywhere(workbook({"Sales": FORMULAS}), tmp_path / "f.xlsx", capsys)
    # A workbook of several sheets names the sheet; a formula for a product's code too.
    rows = [["Product", "W1", "W2"], ["P1", 1, 2], ['="P"&2', 3, 4]]
    with pytest.raises(CatalogError) as err:
        load_catalog(workbook({"Notes": [["x"]], "Sales": rows}), name="g.xlsx",
                     options=ReadOptions(sheet="Sales"))  # fmt: skip
    assert str(err.value).startswith(
        "g.xlsx: cell A3 (Product) of the sheet 'Sales' holds a formula whose value was never saved"
    )


def test_formulas_with_their_saved_values_are_read() -> None:
    """A workbook a spreadsheet saved has every formula's value: the values are read, and
    a formula whose value is empty text (=IF(…, "")) is a blank cell, as Excel shows it."""
    saved = {"B2+C2": "3", "B3+C3": "9"}
    cat = load_catalog(_with_saved_values(workbook({"Sales": FORMULAS}), saved), name="s.xlsx")
    assert cat.values.tolist() == [[1, 2, 3], [4, 5, 9]]
    rows = [*FORMULAS, ["P3", 7, 8, '=IF(B4>9,B4,"")']]
    cat = load_catalog(_with_saved_values(workbook({"Sales": rows}), saved), name="s.xlsx")
    assert cat.ids.tolist() == ["P1", "P2"]
    assert cat.excluded["reason"].tolist() == ["W3 is blank"]


def _xlsxwriter_book(rows: list[list[object]], values: dict[str, float]) -> bytes:
    """``rows`` written by xlsxwriter, as a web app's export writes them: a formula
    (text starting "=") saved with the value ``values`` gives it, else 0, and a workbook
    that asks to be recalculated when opened."""
    out = io.BytesIO()
    with xlsxwriter.Workbook(out, {"in_memory": True}) as book:
        sheet = book.add_worksheet("Sales")
        for i, row in enumerate(rows):
            for j, cell in enumerate(row):
                if isinstance(cell, str) and cell.startswith("="):
                    sheet.write_formula(i, j, cell, None, values.get(cell, 0))
                else:
                    sheet.write(i, j, cell)
    return out.getvalue()


def test_formulas_an_exporter_saved_as_zero_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """xlsxwriter (and the libraries like it) saves 0 beside each formula and asks the
    spreadsheet to work them out when opened: read, W3 would be 0 for every product. It is
    refused like a formula saved without a value. When the exporter gave the values, or
    Excel saved the workbook, they are read."""
    _refused_everywhere(_xlsxwriter_book(FORMULAS, {}), tmp_path / "x.xlsx", capsys)
    given = _xlsxwriter_book(FORMULAS, {"=B2+C2": 3, "=B3+C3": 9})
    assert load_catalog(given, name="x.xlsx").values.tolist() == [[1, 2, 3], [4, 5, 9]]
    # A formula whose value is 0 beside others that were worked out is a 0.
    rows = [*FORMULAS, ["P3", 0, 0, "=B4+C4"]]
    given = _xlsxwriter_book(rows, {"=B2+C2": 3, "=B3+C3": 9})
    assert load_catalog(given, name="x.xlsx").values.tolist() == [[1, 2, 3], [4, 5, 9], [0, 0, 0]]
    # Without formulas, an exporter's workbook is read as it is.
    plain = _xlsxwriter_book([["Product", "W1", "W2"], ["P1", 0, 2]], {})
    assert load_catalog(plain, name="x.xlsx").values.tolist() == [[0, 2]]


def test_years_above_the_weeks_name_them_in_a_workbook_too(tmp_path: Path) -> None:
    """Merged year cells over the week columns: read as 2023-W51 …, page and command."""
    data = workbook(
        {
            "Sales": [
                [None, 2023, None, 2024, None],
                ["Product", "W51", "W52", "W1", "W2"],
                ["A", 1, 2, 3, 4],
                ["B", 5, 6, 7, 8],
            ]
        }
    )
    note = "Read the years above the week columns (2023, 2024) into their names (2023-W51 …)."
    page = load_catalog(data, name="years.xlsx")
    assert page.weeks == ["2023-W51", "2023-W52", "2024-W01", "2024-W02"]
    assert page.values.tolist() == [[1, 2, 3, 4], [5, 6, 7, 8]]
    assert page.notes == [note]
    path = tmp_path / "years.xlsx"
    path.write_bytes(data)
    reader = CatalogReader(path)
    batches = list(reader)
    assert reader.weeks == page.weeks and reader.notes == [note]
    assert np.vstack([b.values for b in batches]).tolist() == page.values.tolist()


MARKUP_ADVICE = (
    ", not a CSV file or an Excel workbook, as some systems (SAP, Salesforce) export tables "
    "under an Excel name. Open it in Excel, choose File > Save As > Excel Workbook (.xlsx) or "
    "CSV, and use that file."
)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\n<html><body><table><tr><th>Product</th><th>W1</th></tr>", "a web page (HTML)"),
        ("<TABLE><TR><TD>Product</TD><TD>W1</TD></TR>".encode("utf-16"), "a web page (HTML)"),
        (b"MIME-Version: 1.0\r\nX-Document-Type: Workbook\r\nContent-Type: multipart/related; "
         b'boundary="----=_NextPart"\r\n', "a web archive (MHTML)"),
        (b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n<Workbook xmlns='
         b'"urn:schemas-microsoft-com:office:spreadsheet">', "an Excel 2003 XML spreadsheet"),
    ],
)  # fmt: skip
def test_tables_written_as_markup_are_named_with_what_to_do(
    data: bytes, kind: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """Exports saved as .xls that are a web page, a web archive or Excel 2003's XML were
    read as CSV ("has a header row but no product rows under it"); they are named, on the
    page and by the command (renamed .csv, as the command takes no .xls)."""
    with pytest.raises(CatalogError) as err:
        load_catalog(data, name="export.xls")
    assert str(err.value) == f"export.xls is {kind}{MARKUP_ADVICE}"
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    assert cli.main(["score", str(path), "--out", str(tmp_path / "out.csv")]) == 2
    assert capsys.readouterr().err == f"error: {path} is {kind}{MARKUP_ADVICE}\n"


def test_old_and_macro_enabled_workbooks(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """A macro-enabled workbook (.xlsm) is read like an .xlsx (its cells only); the command
    tells what to do with an old .xls, as the page does, rather than list the formats."""
    rows = [["Product", "W1", "W2", "W3"], ["P1", 1, 2, 3], ["P2", 4, 5, 6]]
    path = tmp_path / "plan.xlsm"
    path.write_bytes(workbook({"Sales": rows}))
    assert cli.main(["score", str(path), "--out", str(tmp_path / "out.csv"), "--quiet"]) == 0
    with open(tmp_path / "out.csv", newline="") as f:
        assert sorted(r["product"] for r in csv.DictReader(f)) == ["P1", "P2"]
    old = tmp_path / "plan.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    advice = (
        "looks like an old Excel workbook (.xls). In Excel choose File > Save As > Excel "
        "Workbook (.xlsx) or CSV"
    )
    with pytest.raises(CatalogError, match=r"\(\.xls\)\. In Excel choose") as err:
        load_catalog(old.read_bytes(), name="plan.xls")
    assert str(err.value) == f"plan.xls {advice}, then upload that file."
    capsys.readouterr()
    assert cli.main(["score", str(old), "--out", str(tmp_path / "out2.csv")]) == 2
    assert capsys.readouterr().err == f"error: {old} {advice}, then read that file.\n"
