"""Decimal commas and thousands dots: in a file read with decimal commas, dots that group
digits by three separate thousands (``1.234``, ``1.234,50``); a dot anywhere else (``1.5``)
is ambiguous and refused by row and column, never read as a decimal point."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from dtwcore import cli
from dtwcore.sales import CatalogError, CatalogReader, load_catalog
from dtwcore.sales.dialect import (
    ambiguous_dot,
    check_decimal_dots,
    decimal_comma_numbers,
    decimal_point_text,
    has_decimal_commas,
    sniff_dialect,
)

# cell, as Python reads it in a decimal-comma file, ambiguous
CELLS = [
    ("1.234", "1234", False),
    (" 12.345.678 ", "12345678", False),
    ("1.234,50", "1234.50", False),
    ("-1.000,5", "-1000.5", False),
    ("12,5", "12.5", False),
    ("+,5", "+.5", False),
    ("987", "987", False),
    ("1.5", "1.5", True),
    ("12.34", "12.34", True),
    ("0.125", "0.125", True),
    ("1.2345", "1.2345", True),
    ("1.5e3", "1.5e3", True),
    ("1.234.5", "1.234.5", False),  # not a number at all: refused as such
    ("1,234,5", "1,234,5", False),
    ("A.1", "A.1", False),
    ("", "", False),
]


@pytest.mark.parametrize(("cell", "text", "ambiguous"), CELLS)
def test_a_cell_of_a_decimal_comma_file(cell: str, text: str, ambiguous: bool) -> None:
    assert decimal_point_text(cell) == text
    assert ambiguous_dot(cell) is ambiguous


def test_the_arrow_reading_agrees_with_the_python_one() -> None:
    cells = ["1.234", " 12.345.678 ", "1.234,50", "-1.000,5", "12,5", "+,5", "987", ""]
    got = decimal_comma_numbers(pa.array(cells)).to_pylist()
    assert got == [1234.0, 12345678.0, 1234.5, -1000.5, 12.5, 0.5, 987.0, None]
    assert got[:-1] == [float(decimal_point_text(c)) for c in cells[:-1]]
    for bad in ("1.5", "12.34", "1.234.5", "lots"):
        with pytest.raises(pa.ArrowInvalid):
            decimal_comma_numbers(pa.array(["1.234", bad]))


def test_thousands_dots_with_a_decimal_comma_tell_a_decimal_comma_file() -> None:
    assert has_decimal_commas([["P1", "1.234,00", "2"]])
    assert not has_decimal_commas([["P1", "1.234", "1.5"]])
    head = b"Artikel;KW 1;KW 2\nA1;1.234,00;2\n"
    assert sniff_dialect(head, complete=True, source="f.csv").decimal_comma


def test_a_comma_before_three_digits_is_a_thousand_beside_plain_whole_numbers() -> None:
    """``1,234`` beside ``5`` (a Tableau crosstab, Excel's Unicode text in English) is
    1234: a decimal comma would not always have three decimals. Without plain numbers
    (a German export padding every quantity to three decimals) or beside ``12,5`` it is a
    decimal comma, as before."""
    assert not has_decimal_commas([["P1", "1,234", "5"], ["P2", "12,345,678", "0"]])
    assert has_decimal_commas([["P1", "1,250", "12,000"], ["P2", "250,000", "5,500"]])
    assert has_decimal_commas([["P1", "1,234", "5"], ["P2", "12,5", "7"]])
    assert has_decimal_commas([["P1", "0,250", "5"]])  # a leading 0: decimals
    head = "Product Name\tJanuary 1, 2024\tJanuary 8, 2024\nA\t1,234\t5\nB\t7\t8\n"
    dialect = sniff_dialect(head.encode("utf-16"), complete=True, source="f.txt")
    assert dialect.separator == "\t" and not dialect.decimal_comma


@pytest.mark.parametrize(
    ("head", "separator"),
    [
        # as many commas as tabs in the header: the lines under it hold the tabs
        ("Item\tJan 1, 2024\tJan 8, 2024\nA\t1\t2\nB\t3\t4\n", "\t"),
        # and when the lines under it hold the commas, as many, the comma
        ("Item,Jan 1\t2024,Jan 8\t2024\nA,1,2\nB,3,4\n", ","),
        # a tie the lines under it do not settle: the first of , ; tab |, as before
        ("a,b;c\n1,2;3\n4;5,6\n", ","),
        ("Item;Week 1;Week 2\nA;1;2\n", ";"),
    ],
)
def test_a_tie_between_separators_is_settled_by_the_lines_under_it(
    head: str, separator: str
) -> None:
    assert sniff_dialect(head.encode(), complete=True, source="f.csv").separator == separator


def test_an_ambiguous_dot_is_refused_by_row_and_column() -> None:
    """The first ambiguous cell, row by row, of the number columns only."""
    columns = {
        "Artikel": ["A1", "1.5", "A3"],
        "KW 1": ["1.234", "3", "12.5"],
        "KW 2": ["2", "1.5", "4"],
    }
    with pytest.raises(CatalogError) as err:
        check_decimal_dots(columns, ["KW 1", "KW 2"], [2, 3, 5], "f.csv")
    assert str(err.value) == (
        "f.csv, row 3, column KW 2: '1.5' has a dot, but this file writes decimals with a "
        "comma (12,5) and puts dots only between thousands (1.234), so it is unclear what "
        "'1.5' means. Write it '1,5' if it is a decimal, or correct the number."
    )
    del columns["KW 2"]
    columns["KW 1"][2] = "4"
    check_decimal_dots(columns, ["KW 1"], [2, 3, 5], "f.csv")  # product codes are not numbers


GERMAN = "Artikel;KW 1;KW 2;KW 3\nA1;1.234;1.100;1.050\nA2;12,5;13;1.234,50\n1.5;3;4;5\n"
AMBIGUOUS = "Artikel;KW 1;KW 2\nA1;1.234;12,5\nA2;3;4\nA3;12.34;2\n"
ANSWER = (
    ", row 4, column KW 1: '12.34' has a dot, but this file writes decimals with a comma "
    "(12,5) and puts dots only between thousands (1.234), so it is unclear what '12.34' "
    "means. Write it '12,34' if it is a decimal, or correct the number."
)


def batches(path: Path, **kwargs: object) -> tuple[list[str], list[list[float]]]:
    """Products and weekly values as the streaming reader gives them."""
    ids: list[str] = []
    values: list[list[float]] = []
    for batch in CatalogReader(path, **kwargs):
        ids += batch.ids.to_pylist()
        values += batch.values.tolist()
    return ids, values


def test_thousands_dots_read_alike_by_every_reader(tmp_path: Path) -> None:
    path = tmp_path / "de.csv"
    path.write_text(GERMAN, encoding="cp1252")
    want = [[1234.0, 1100.0, 1050.0], [12.5, 13.0, 1234.5], [3.0, 4.0, 5.0]]
    cat = load_catalog(path)
    assert cat.ids.tolist() == ["A1", "A2", "1.5"]  # product codes keep their dots
    assert cat.values.tolist() == want
    assert cat.notes == ["Columns separated by semicolons; decimal commas read as decimal points."]
    assert batches(path) == (["A1", "A2", "1.5"], want)
    long = tmp_path / "long.csv"
    long.write_text(
        "Artikel;Datum;Menge\nA1;2024-01-01;1.234\nA1;2024-01-08;1.234,5\n"
        "A2;2024-01-01;2,5\nA2;2024-01-08;3\n"
    )
    assert load_catalog(long).values.tolist() == [[1234.0, 1234.5], [2.5, 3.0]]
    assert batches(long) == (["A1", "A2"], [[1234.0, 1234.5], [2.5, 3.0]])


def test_an_ambiguous_dot_refuses_the_file_on_every_reader(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(AMBIGUOUS)
    with pytest.raises(CatalogError) as err:
        load_catalog(path)
    assert str(err.value) == "mixed.csv" + ANSWER
    for kwargs in ({}, {"csv_block_bytes": 32}):
        with pytest.raises(CatalogError) as err:
            batches(path, **kwargs)
        assert str(err.value) == f"{path}{ANSWER}"
    assert cli.main(["score", str(path), "--out", "-"]) == 2
    assert capsys.readouterr().err == f"error: {path}{ANSWER}\n"
    long = tmp_path / "long.csv"
    long.write_text("Artikel;Datum;Menge\nA1;2024-01-01;2,5\nA1;2024-01-08;1.5\n")
    message = (
        ", row 3, column Menge: '1.5' has a dot, but this file writes decimals with a comma "
        "(12,5) and puts dots only between thousands (1.234), so it is unclear what '1.5' "
        "means. Write it '1,5' if it is a decimal, or correct the number."
    )
    with pytest.raises(CatalogError) as err:
        load_catalog(long)
    assert str(err.value) == "long.csv" + message
    with pytest.raises(CatalogError) as err:
        batches(long)
    assert str(err.value) == f"{long}{message}"


# cell as a spreadsheet shows it, decimal comma file, the number it holds (None: none)
FORMATTED = [
    ("$1,234.00", False, 1234.0),
    ("($1,234.00)", False, -1234.0),
    ("(12)", False, -12.0),
    ("12-", False, -12.0),
    ("-$12.50", False, -12.5),
    ("$ -12.50", False, -12.5),
    ("£7", False, 7.0),
    ("1,234,567.5", False, 1234567.5),
    ("1\u00a0234.5", False, 1234.5),
    ("1,23", False, None),  # not thousands: refused as before
    ("12,5", False, None),
    ("1.234,000-", True, -1234.0),
    ("1.234,50 €", True, 1234.5),
    ("1\u202f234,50 €", True, 1234.5),
    ("€ 12,5", True, 12.5),
    ("€1.5", True, None),  # an ambiguous dot stays refused
    ("12-3", False, None),
    ("2024-01-", False, None),
    ("(A1)", False, None),
    ("$", False, None),
]


@pytest.mark.parametrize(("cell", "decimal_comma", "number"), FORMATTED)
def test_numbers_as_a_spreadsheet_shows_them(
    cell: str, decimal_comma: bool, number: float | None
) -> None:
    """Every reader reads the same: Python (the page), Arrow (``score``), and the cell's
    count as formatted where it holds a number."""
    import math

    from dtwcore.sales.columns import cell_numbers, formatted_number
    from dtwcore.sales.dialect import text_numbers

    got = formatted_number(cell, decimal_comma)
    assert (None if math.isnan(got) else got) == number
    counts: list[int] = []
    vals, _, bad = cell_numbers([cell], decimal_comma, counts)
    assert counts == [int(number is not None)] and bool(bad[0]) is (number is None)
    assert number is None or vals[0] == number
    if number is None:
        with pytest.raises(pa.ArrowInvalid):
            text_numbers(pa.array([cell]), decimal_comma)
    else:
        assert text_numbers(pa.array([cell, "7"]), decimal_comma) == (pa.array([number, 7.0]), 1)


def test_a_formatted_number_after_the_rows_looked_at_is_read_alike(tmp_path: Path) -> None:
    """The command reads week columns as numbers while it can; a '$1,234.00' on row
    12,002, past the 10,000 rows the roles are chosen on, is read again as text there,
    from where it stopped: the same table and notes as the page's."""
    lines = ["Product,W1,W2"] + [f"P{k},{k % 7},{k % 5}" for k in range(12_000)]
    lines.append('LATE,"$1,234.00",(3)')
    path = tmp_path / "late.csv"
    path.write_text("\n".join(lines) + "\n")
    page = load_catalog(path)
    reader = CatalogReader(path, batch_rows=4_096)
    assert not reader.roles.formatted
    batches = list(reader)
    ids = [i for b in batches for i in b.ids.to_pylist()]
    assert ids == page.ids.tolist() and ids[-1] == "LATE"
    assert [b.values for b in batches][-1][-1].tolist() == [1234.0, -3.0]
    assert reader.notes == page.notes
    assert page.notes[0].startswith("Read 2 numbers written as a spreadsheet shows them")


@pytest.mark.parametrize(
    ("header", "first", "days"),
    [
        ("Jan 1 - 7, 2024", "2024-01-01", 7),
        ("Jan 29 - Feb 4, 2024", "2024-01-29", 7),
        ("Dec 31, 2023 - Jan 6, 2024", "2023-12-31", 7),
        ("Dec 31 - Jan 6, 2024", "2023-12-31", 7),  # the year before: the first day's
        ("Dec 28 – 30, 2023", "2023-12-28", 3),  # an en dash
        ("1/7/2024 - 1/13/2024", "2024-01-07", 7),
        ("2024-01-07 to 2024-01-13", "2024-01-07", 7),
        ("Week Ending 1/7/2024", None, 0),
        ("2024-01-07", None, 0),  # a date's hyphens are no span
        ("Jan 1 - 7", None, 0),  # no year
    ],
)
def test_headers_naming_the_days_a_week_spans(header: str, first: str | None, days: int) -> None:
    """A report by week (QuickBooks) names each column by the days it spans: the week is
    its first day, and a span other than 7 days is a part week."""
    from dtwcore.sales.columns import span_days

    starts, lengths = span_days([header], "ymd" if header.startswith("2024") else "mdy")
    assert (None if np.isnat(starts[0]) else str(starts[0])) == first
    assert int(lengths[0]) == days
