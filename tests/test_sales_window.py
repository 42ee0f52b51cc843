"""The comparison window and products that sell nothing net: the library, and ``score``
on a three-year store export and a three-week order-lines export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dtwcore import cli, dtw_one_to_many
from dtwcore.sales import (
    BLOG_TARGET,
    SNIFF_ROWS,
    AmbiguousColumns,
    CatalogError,
    ReadOptions,
    load_catalog,
)
from dtwcore.sales.export import download_name
from dtwcore.sales.reading import CatalogReader
from dtwcore.sales.units import values_unit
from dtwcore.sales.window import (
    Window,
    coverage_problem,
    default_window,
    nonpositive,
    nonpositive_note,
    parse_weeks,
)
from scripts.make_sales_examples import three_week_orders, three_year_stores

from .conftest import said_notes

ORDER_FLAGS = ["--id-column", "StockCode", "--week-column", "InvoiceDate",
               "--units-column", "Quantity"]  # fmt: skip
SHORT = (
    "The products cover 3 weeks and the target has 52: under half of the target is "
    "matched, so the ranking says little about following the target. Use a target as "
    "long as the file, or a file with more weeks."
)


def test_the_default_window_is_the_last_target_weeks() -> None:
    assert default_window(156, 52) == Window(105, 156)
    assert default_window(52, 52) == Window(1, 52)
    assert default_window(3, 52) == Window(1, 3)
    assert Window(105, 156).size == 52 and Window(105, 156).spec() == "105:156"
    assert np.arange(156)[Window(105, 156).columns].tolist() == list(range(104, 156))


def test_weeks_are_read_from_to_and_refused_in_words() -> None:
    assert parse_weeks("1:52", 156) == Window(1, 52)
    assert parse_weeks(" 53:104 ", 156) == Window(53, 104)
    for bad in ("0:52", "10:5", "1:157", "1-52", "a:b", "52"):
        with pytest.raises(CatalogError) as err:
            parse_weeks(bad, 156)
        assert str(err.value) == (
            f"weeks {bad!r} is not a range FROM:TO of the file's weeks (1 to 156, FROM not "
            "after TO), e.g. 1:52"
        )


def test_a_window_under_half_the_target_is_a_problem() -> None:
    assert coverage_problem(3, 52) == SHORT
    assert coverage_problem(25, 52) is not None
    assert coverage_problem(26, 52) is None and coverage_problem(156, 52) is None


def test_products_with_no_net_units_are_found_and_named() -> None:
    values = np.array([[1.0, 2.0], [-1.0, 1.0], [-3.0, 0.0], [0.0, 0.5]])
    assert nonpositive(values).tolist() == [1, 2]
    assert nonpositive_note(["POST", "D"], Window(1, 3)) == (
        "2 products with net units of 0 or less over weeks 1:3 (returns only, discounts, "
        "postage) left out of the ranking: POST, D"
    )
    codes = [f"R{k}" for k in range(12)]
    assert nonpositive_note(codes, None).endswith("R7, R8, R9 and 2 more")


def test_a_catalogue_over_a_window() -> None:
    data, ids, weeks, values = three_year_stores()
    catalog = load_catalog(data, name="stores.csv")
    part = catalog.window(Window(105, 156))
    assert part.weeks == weeks[104:] and part.ids.tolist() == ids
    np.testing.assert_array_equal(part.values, values[:, 104:])
    assert catalog.without_rows(np.array([0, 2])).ids.tolist() == [ids[1], *ids[3:]]


def test_tables_say_units_or_money() -> None:
    units, dollars = values_unit("Quantity"), values_unit("Weekly_Sales", "usd")
    assert (units.per_week_short, units.column_format) == ("Units/wk", "%,.1f")
    assert (dollars.per_week_short, dollars.column_format) == ("$/wk", "$%,.2f")


def test_download_names_name_the_target() -> None:
    day = pd.Timestamp("2026-12-06").date()
    assert download_name("scores", "orders.csv", 0.05, day, target="target P83") == (
        "scores_orders_target_P83_stretch0.05_2026-12-06.csv"
    )
    assert download_name("shortlist", "orders.csv", 0.1, day, target="published capacity") == (
        "shortlist_orders_published_capacity_stretch0.10_2026-12-06.csv"
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("window")
    paths = {"stores": folder / "stores_3y.csv", "orders": folder / "orders_3w.csv"}
    paths["stores"].write_bytes(three_year_stores()[0])
    paths["orders"].write_bytes(three_week_orders()[0])
    return paths


def _ranked(out: Path) -> pd.DataFrame:
    return pd.read_csv(out, dtype={"product": str})


def test_score_compares_the_last_52_weeks_or_the_chosen_ones(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    _, ids, _, values = three_year_stores()
    for weeks, cols in ((None, slice(104, 156)), ("1:52", slice(0, 52))):
        out = tmp_path / "scores.csv"
        args = ["score", str(files["stores"]), "--out", str(out), "--quiet"]
        assert cli.main(args + (["--weeks", weeks] if weeks else [])) == 0
        assert capsys.readouterr().err == ""
        dist = dtw_one_to_many(BLOG_TARGET, values[:, cols], stretch=0.05, znorm=True)
        got = _ranked(out).set_index("product").loc[ids, "distance"].to_numpy()
        np.testing.assert_allclose(got, dist, rtol=1e-12)


def test_score_refuses_weeks_outside_the_file(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "scores.csv"
    code = cli.main(["score", str(files["stores"]), "--out", str(out), "--weeks", "100:200"])
    assert code == 2
    assert capsys.readouterr().err == (
        "error: weeks '100:200' is not a range FROM:TO of the file's weeks (1 to 156, FROM "
        "not after TO), e.g. 1:52\n"
    )
    assert not out.exists()


def test_score_flags_a_three_week_file_and_leaves_out_non_products(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    _, ids, _, values = three_week_orders()
    out = tmp_path / "scores.csv"
    args = ["score", str(files["orders"]), "--out", str(out), "--quiet", *ORDER_FLAGS]
    assert cli.main(args) == 0
    options = ReadOptions(id_columns=("StockCode",), week_column="InvoiceDate",
                          units_column="Quantity")  # fmt: skip
    notes = said_notes(files["orders"], options)  # the page's notes, then the warnings
    assert notes.startswith("note: Ignored columns: InvoiceNo, Description")
    assert capsys.readouterr().err == notes + (
        f"warning: {SHORT}\nwarning: 3 products with net units of 0 or less over weeks 1:3 "
        "(returns only, discounts, postage) left out of the ranking: C-RET, POST, D\n"
    )
    ranked = _ranked(out)
    assert sorted(ranked["product"]) == sorted(set(ids) - {"C-RET", "POST", "D"})
    # Put back on request.
    assert cli.main([*args, "--keep-nonpositive"]) == 0
    assert capsys.readouterr().err == notes + f"warning: {SHORT}\n"
    assert sorted(_ranked(out)["product"]) == sorted(ids)
    assert values.shape == (43, 3)


def test_dates_that_read_both_ways_in_the_sample_are_told_by_the_whole_file() -> None:
    """The first 10,000 rows read both ways (12/01/10 …); a later row, 12/13/10, can only
    be month-first: the page's reader looks at the whole date column before asking."""
    rows = ["Product,Date,Units"]
    rows += [f"P{k % 7},{1 + k % 12}/{1 + k % 12:02d}/10,1" for k in range(SNIFF_ROWS)]
    rows += ["P1,12/13/10,5"]
    data = ("\n".join(rows) + "\n").encode()
    cat = load_catalog(data, name="late.csv")
    assert cat.roles is not None and cat.roles.date_order == "mdy"
    assert cat.weeks[-1] == "2010-12-13"
    assert cat.values.sum() == SNIFF_ROWS + 5
    # Both ways everywhere: the question stays, and says so of every date.
    with pytest.raises(AmbiguousColumns) as err:
        load_catalog(("\n".join(rows[:-1]) + "\n").encode(), name="both.csv")
    assert err.value.role == "dates"


def test_the_command_line_reads_the_whole_date_column_before_asking(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """score streams the file: the first 10,000 rows read both ways, a later row (12/13/10)
    only month-first, so it reads the file without a question; a file whose every date
    reads both ways gets the question, which then says so truthfully."""
    rows = ["Product,Date,Units"]
    rows += [f"P{k % 7},{1 + k % 12}/{1 + k % 12:02d}/10,1" for k in range(SNIFF_ROWS)]
    late, both = tmp_path / "late.csv", tmp_path / "both.csv"
    late.write_text("\n".join([*rows, "P1,12/13/10,5", "P2,12/13/10,2"]) + "\n")
    both.write_text("\n".join([*rows, "P1,12/12/10,5"]) + "\n")
    reader = CatalogReader(late)
    assert reader.roles.date_order == "mdy"
    out = tmp_path / "scores.csv"
    assert cli.main(["score", str(late), "--out", str(out), "--quiet"]) == 0
    assert capsys.readouterr().err == said_notes(late)
    assert sorted(_ranked(out)["product"]) == [f"P{k}" for k in range(7)]
    assert cli.main(["score", str(both), "--out", str(out), "--quiet"]) == 2
    assert capsys.readouterr().err == (
        f"error: {both}: every date in 'Date' reads both day-first and month-first (like "
        "05-04-2024). Choose the date order: day-first or month-first; choose with "
        "--date-order dmy (day-first) or --date-order mdy (month-first).\n"
    )
