"""dtwcore.sales: loading every accepted shape, validation, the published figures,
shortlist, outliers, demo data, downloads; and the Sales Trends figures."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dtwcore import dtw_one_to_many, warping_path
from dtwcore.plots import ACCENT_COLOR, SELECTED_COLOR, TARGET_COLOR
from dtwcore.plots.sales import (
    cost_heatmap,
    distance_histogram,
    overlay_figure,
    shortlist_scatter,
)
from dtwcore.sales import (
    BLOG_TARGET,
    EXCLUDED_COLUMNS,
    SCORE_COLUMNS,
    AmbiguousColumns,
    AmbiguousIdColumn,
    Catalog,
    CatalogError,
    ReadOptions,
    demo_catalog,
    distance_cut,
    euclidean_distances,
    load_catalog,
    neutralise_formulas,
    parse_target,
    quantile_outliers,
    rank_distances,
    score_catalog,
    shortlist,
    zscore_outliers,
)

from .conftest import UCI_CSV


def write(tmp_path, name: str, text: str, encoding: str = "utf-8"):  # noqa: ANN001, ANN201
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def excluded(cat: Catalog) -> list[tuple[int, str, str]]:
    return [tuple(r) for r in cat.excluded.itertuples(index=False)]


# --------------------------------------------------------------------------- the UCI file


@pytest.fixture(scope="module")
def uci() -> Catalog:
    return load_catalog(UCI_CSV)


@pytest.fixture(scope="module")
def uci_scores(uci: Catalog) -> pd.DataFrame:
    return score_catalog(uci.ids, uci.values, BLOG_TARGET, stretch=0.05, znorm=True)


def test_uci_file_loads_as_811_products_by_52_weeks(uci: Catalog) -> None:
    assert uci.name == "Sales_Transactions_Dataset_Weekly.csv"
    assert uci.values.shape == (811, 52)
    assert uci.values.dtype == np.float64
    assert uci.weeks == [f"W{k}" for k in range(52)]
    assert uci.ids[0] == "P1" and uci.ids[-1] == "P819"
    assert len(set(uci.ids)) == 811
    assert uci.excluded.empty and list(uci.excluded.columns) == EXCLUDED_COLUMNS
    assert uci.notes == [
        "Ignored 54 columns that are not weekly sales: MIN, MAX, Normalized 0 … Normalized 51."
    ]
    raw = pd.read_csv(UCI_CSV)
    np.testing.assert_array_equal(uci.values, raw[[f"W{k}" for k in range(52)]].to_numpy())


def test_published_figures_through_load_catalog(uci_scores: pd.DataFrame) -> None:
    by_id = uci_scores.set_index("product")["distance"]
    ranked = uci_scores.sort_values("rank")
    assert list(uci_scores.columns) == SCORE_COLUMNS
    assert ranked["product"].iat[0] == "P675"
    assert ranked["product"].iat[-1] == "P716"
    assert by_id["P675"] == pytest.approx(5.1101, abs=1e-4)
    assert by_id["P716"] == pytest.approx(10.6719, abs=1e-4)
    assert float(np.median(uci_scores["distance"])) == pytest.approx(7.8940, abs=1e-4)
    assert by_id["P202"] == pytest.approx(6.8616, abs=1e-4)
    assert by_id["P83"] == pytest.approx(8.9514, abs=1e-4)


def test_shortlist_recommends_p202(uci_scores: pd.DataFrame) -> None:
    picks = shortlist(uci_scores, 0.8, 1.2)
    assert "P202" in set(picks["product"])
    assert picks["volume_ratio"].between(0.8, 1.2).all()
    assert (picks["distance"] <= np.median(uci_scores["distance"])).all()
    assert picks["distance"].is_monotonic_increasing
    assert list(picks["product"]) == [
        "P781", "P202", "P410", "P435", "P403", "P526", "P540", "P503",
    ]  # fmt: skip
    # P83 sells a lot (ratio 1.95) with an erratic shape: never on the list.
    assert "P83" not in set(shortlist(uci_scores, 0.5, 2.5)["product"])
    # A z-score cut instead of the median.
    strict = shortlist(uci_scores, 0.8, 1.2, max_zscore=-1.0)
    assert list(strict["product"]) == ["P781"]
    assert distance_cut(uci_scores) == pytest.approx(7.8940, abs=1e-4)
    d = uci_scores["distance"]
    assert distance_cut(uci_scores, -1.0) == pytest.approx(d.mean() - d.std(ddof=0))
    with pytest.raises(CatalogError, match="The volume band is empty"):
        shortlist(uci_scores, 1.2, 0.8)


def test_outlier_counts(uci_scores: pd.DataFrame) -> None:
    by_z = zscore_outliers(uci_scores)
    by_q = quantile_outliers(uci_scores)
    assert len(by_z) == 17
    assert len(by_q) == 82
    assert by_z["product"].iat[0] == by_q["product"].iat[0] == "P675"
    assert set(by_z["product"]) <= set(by_q["product"])


def test_euclidean_is_dtw_without_stretch(uci: Catalog) -> None:
    eu = euclidean_distances(uci.values, BLOG_TARGET, znorm=True)
    np.testing.assert_allclose(
        eu, dtw_one_to_many(BLOG_TARGET, uci.values, window=0, znorm=True), rtol=1e-9
    )
    raw = euclidean_distances(uci.values[:3], BLOG_TARGET, znorm=False)
    np.testing.assert_allclose(raw, np.sqrt(((uci.values[:3] - BLOG_TARGET) ** 2).sum(axis=1)))
    with pytest.raises(CatalogError) as err:
        euclidean_distances(uci.values, BLOG_TARGET[:40])
    assert str(err.value) == (
        "Euclidean distance compares week 1 with week 1, week 2 with week 2 and so on, so it "
        "needs the same number of weeks: the target has 40, the products have 52."
    )


def test_rank_ties_go_to_the_earlier_product() -> None:
    assert rank_distances(np.array([2.0, 1.0, 2.0, 0.5])).tolist() == [3, 2, 4, 1]


# --------------------------------------------------------------------------- accepted shapes


def test_uci_layout_small_file(tmp_path) -> None:  # noqa: ANN001
    path = write(
        tmp_path,
        "weekly.csv",
        "Product_Code,W0,W1,W2,MIN,MAX,Normalized 0,Normalized 1,Normalized 2\n"
        "P1,1,2,3,1,3,0,0.5,1\nP2,4,5,6,4,6,0,0.5,1\n",
    )
    cat = load_catalog(path)
    assert cat.ids.tolist() == ["P1", "P2"]
    assert cat.weeks == ["W0", "W1", "W2"]
    assert cat.values.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert cat.notes == [
        "Ignored 5 columns that are not weekly sales: MIN, MAX, Normalized 0 … Normalized 2."
    ]


def test_week_columns_are_put_in_week_order(tmp_path) -> None:  # noqa: ANN001
    cat = load_catalog(write(tmp_path, "w.csv", "id,W10,W9,W8\nA,10,9,8\n"))
    assert cat.weeks == ["W8", "W9", "W10"]  # by number, not as text (W10 < W8)
    assert cat.values.tolist() == [[8, 9, 10]]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("id,W10,W2,W1", "w.csv: the week columns do not follow one another: W2 is followed "
         "by W10. Give every week a column of its own (0 for a week without sales), or use a "
         "long file"),
        ("id,2023-W51,2023-W52,2024-W02", "2023-W52 is followed by 2024-W02"),
        ("id,W1,Week 1,W2", "w.csv: the columns 'W1' and 'Week 1' are the same week. Keep "
         "one column per week and read the file again."),
    ],
)  # fmt: skip
def test_numbered_week_columns_with_a_week_missing_are_refused(
    tmp_path,
    header: str,
    message: str,  # noqa: ANN001
) -> None:
    """Read as they are, the weeks on either side of the gap would close up silently."""
    path = write(tmp_path, "w.csv", header + "\nA," + ",".join("1" * header.count(",")) + "\n")
    with pytest.raises(CatalogError) as err:
        load_catalog(path)
    assert message in str(err.value)
    assert load_catalog(write(tmp_path, "y.csv", "id,2023-W52,2024-W01\nA,1,2\n")).weeks == [
        "2023-W52",
        "2024-W01",
    ]


def test_any_wide_table_with_one_text_column(tmp_path) -> None:  # noqa: ANN001
    path = write(
        tmp_path,
        "wide.csv",
        "Article,2024-01-01,2024-01-08,2024-01-15,Total\nA-1,3,4,5,12\nB-2,0,0,1.5,1.5\n",
    )
    cat = load_catalog(path)
    assert cat.ids.tolist() == ["A-1", "B-2"]
    assert cat.weeks == ["2024-01-01", "2024-01-08", "2024-01-15"]
    assert cat.values.tolist() == [[3, 4, 5], [0, 0, 1.5]]
    assert cat.notes == ["Ignored 1 column that is not weekly sales: Total."]


def test_text_columns_besides_the_id_are_ignored_and_reported(tmp_path) -> None:  # noqa: ANN001
    cat = load_catalog(write(tmp_path, "w.csv", "sku,colour,w1,w2\nA,red,1,2\nB,blue,3,4\n"))
    assert cat.ids.tolist() == ["A", "B"]
    assert cat.notes == ["Ignored 1 column that is not weekly sales: colour."]


def test_unclear_layout_asks_the_user(tmp_path) -> None:  # noqa: ANN001
    """Columns a, b, c are not week-like: on auto the reader asks instead of guessing;
    with the layout set to wide they are the weeks."""
    path = write(tmp_path, "n.csv", "store,a,b,c\n1,2,3,4\n5,6,7,8\n")
    with pytest.raises(AmbiguousColumns) as err:
        load_catalog(path)
    assert err.value.role == "layout"
    assert err.value.candidates == ["store", "a", "b", "c"]
    assert str(err.value) == (
        "n.csv: the layout is not clear: no week columns (W0, W1, … or dates as column "
        "names) and no column of dates or week numbers. Candidates: store, a, b, c."
    )
    cat = load_catalog(path, id_column="store", options=ReadOptions(layout="wide"))
    assert cat.ids.tolist() == ["1", "5"]
    assert cat.weeks == ["a", "b", "c"]
    assert cat.values.tolist() == [[2, 3, 4], [6, 7, 8]]


def test_two_text_columns_ask_the_user(tmp_path) -> None:  # noqa: ANN001
    path = write(tmp_path, "t.csv", "name,category,w1,w2\nx,y,1,2\n")
    with pytest.raises(AmbiguousIdColumn) as err:
        load_catalog(path)
    assert err.value.candidates == ["name", "category"]
    assert load_catalog(path, id_column="name").notes == [
        "Ignored 1 column that is not weekly sales: category."
    ]


def test_long_format_with_week_numbers(tmp_path) -> None:  # noqa: ANN001
    path = write(
        tmp_path,
        "long.csv",
        "product,week,units\nA,1,5\nA,2,6\nB,1,3\nB,3,4\nA,1,2\nC,x,1\nD,2,-1\n",
    )
    cat = load_catalog(path)
    assert cat.ids.tolist() == ["A", "B", "D"]
    assert cat.weeks == ["W1", "W2", "W3"]
    assert cat.values.tolist() == [[7, 6, 0], [3, 0, 4], [0, -1, 0]]  # a return is kept
    assert cat.notes == [
        "1 product-week had more than one row; their units were added together.",
        "4 missing weeks filled with 0 (in 3 products).",
        "1 negative product-week (returns) kept as they are; choose to clip them to 0 if "
        "they are errors.",
    ]
    clipped = load_catalog(path, options=ReadOptions(clip_negative=True))
    assert clipped.values.tolist() == [[7, 6, 0], [3, 0, 4], [0, 0, 0]]
    assert clipped.notes[-1] == "1 negative product-week (returns) set to 0."
    assert excluded(cat) == [
        (7, "C", "'x' in week is not a whole week number"),
    ]


def test_long_format_with_weekly_dates(tmp_path) -> None:  # noqa: ANN001
    path = write(
        tmp_path,
        "long.csv",
        "SKU,Date,Qty,Price\nA,2024-01-07,5,2.5\nA,2024-01-14,6,2.5\nB,2024-01-28,3,1\n",
    )
    cat = load_catalog(path)
    assert cat.ids.tolist() == ["A", "B"]
    assert cat.weeks == ["2024-01-07", "2024-01-14", "2024-01-21", "2024-01-28"]
    assert cat.values.tolist() == [[5, 6, 0, 0], [0, 0, 0, 3]]
    assert cat.notes == [
        "Ignored columns: Price.",
        "5 missing weeks filled with 0 (in 2 products).",
    ]


def test_long_format_daily_dates_become_monday_weeks(tmp_path) -> None:  # noqa: ANN001
    path = write(
        tmp_path,
        "daily.csv",
        "product,date,units\nA,2024-01-01,5\nA,2024-01-03,6\nA,2024-01-10,1\nB,2024-01-09,2\n",
    )
    cat = load_catalog(path)
    assert cat.weeks == ["2024-01-01", "2024-01-08"]
    assert cat.values.tolist() == [[11, 1], [0, 2]]
    assert cat.notes == [  # no "had more than one row": two days in a week are not doubles
        "Dates were added up into weeks starting on Monday.",
        "The last week (2024-01-08) is partial: the data end on 2024-01-10.",
        "1 missing week filled with 0 (in 1 product).",
    ]


def test_long_format_day_first_dates(tmp_path) -> None:  # noqa: ANN001
    path = write(tmp_path, "d.csv", "product,date,units\nA,07/01/2024,1\nA,14/01/2024,2\n")
    cat = load_catalog(path)
    assert cat.weeks == ["2024-01-07", "2024-01-14"]
    assert cat.values.tolist() == [[1, 2]]


def test_semicolons_decimal_commas_and_bom(tmp_path) -> None:  # noqa: ANN001
    path = write(tmp_path, "eu.csv", "\ufeffArtikel-Nr;KW1;KW2\nA;1,5;2\nB;0,25;3\n")
    cat = load_catalog(path)
    assert cat.ids.tolist() == ["A", "B"]
    assert cat.weeks == ["KW1", "KW2"]
    assert cat.values.tolist() == [[1.5, 2], [0.25, 3]]
    assert cat.notes == ["Columns separated by semicolons; decimal commas read as decimal points."]


def test_tabs_and_utf16(tmp_path) -> None:  # noqa: ANN001
    text = "id\tw1\tw2\r\nP1\t1\t2\r\n"
    cat = load_catalog(write(tmp_path, "u16.txt", text, encoding="utf-16"))
    assert cat.values.tolist() == [[1, 2]]
    assert cat.notes == ["Columns separated by tabs."]


def test_windows_1252_text(tmp_path) -> None:  # noqa: ANN001
    cat = load_catalog(write(tmp_path, "w.csv", "id,w1,w2\nCafé,1,2\n", encoding="cp1252"))
    assert cat.ids.tolist() == ["Café"]


def test_parquet_from_path_bytes_and_file(tmp_path) -> None:  # noqa: ANN001
    df = pd.DataFrame({"Product_Code": ["P1", "P2", "P3"], "W0": [1.0, None, 2], "W1": [2, 3, 4]})
    path = tmp_path / "sales.parquet"
    df.to_parquet(path)
    for source in (path, path.read_bytes(), io.BytesIO(path.read_bytes())):
        cat = load_catalog(source)
        assert cat.ids.tolist() == ["P1", "P3"]
        assert cat.values.tolist() == [[1, 2], [2, 4]]
        assert excluded(cat) == [(3, "P2", "W0 is blank")]
    assert load_catalog(path).name == "sales.parquet"
    assert load_catalog(path.read_bytes()).name == "The uploaded file"
    # Sniffed by its signature whatever the name says.
    assert load_catalog(path.read_bytes(), name="export.csv").values.shape == (2, 2)


def test_parquet_long_format_with_datetimes(tmp_path) -> None:  # noqa: ANN001
    df = pd.DataFrame(
        {
            "product": ["A", "A", "B"],
            "week": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-08"]),
            "units": [1, 2, 3],
        }
    )
    buf = io.BytesIO()
    df.to_parquet(buf)
    cat = load_catalog(buf.getvalue(), name="long.parquet")
    assert cat.weeks == ["2024-01-01", "2024-01-08"]
    assert cat.values.tolist() == [[1, 2], [0, 3]]


def test_uploaded_file_like_with_a_name(tmp_path) -> None:  # noqa: ANN001
    class Upload(io.BytesIO):
        name = "upload.csv"

    cat = load_catalog(Upload(b"id,w1,w2\nA,1,2\n"))
    assert cat.name == "upload.csv"


# --------------------------------------------------------------------------- rows left out


def test_rows_that_cannot_be_used_are_listed(tmp_path) -> None:  # noqa: ANN001
    path = write(
        tmp_path,
        "messy.csv",
        "Product_Code,W0,W1,W2\n"
        "P1,1,2,3\n"
        "P2,,2,3\n"
        "P3,1,abc,3\n"
        "P4,1,2,-4\n"
        ",1,2,3\n"
        "P1,9,9,9\n"
        "P6,1,2\n"
        "\n"
        "P7,NaN,x,-1\n"
        "P8,inf,1,1\n"
        "P9,4,5,6\n",
    )
    cat = load_catalog(path)
    assert cat.ids.tolist() == ["P1", "P4", "P9"]  # a return (negative units) is kept
    assert cat.values.tolist() == [[1, 2, 3], [1, 2, -4], [4, 5, 6]]
    assert excluded(cat) == [
        (3, "P2", "W0 is blank"),
        (4, "P3", "'abc' in W1 is not a number"),
        (6, "", "the product code (Product_Code) is blank"),
        (7, "P1", "product P1 already appears on row 2"),
        (8, "P6", "has 3 values but the header has 4 columns"),
        (10, "P7", "W0 is blank; 'x' in W1 is not a number"),
        (11, "P8", "'inf' in W0 is not a number"),
    ]
    assert cat.excluded["row"].dtype == np.int64
    assert cat.notes == [
        "Skipped 1 empty line.",
        "1 negative value (returns) kept as they are; choose to clip them to 0 if they are errors.",
    ]


def test_many_problems_in_one_row_are_summarised(tmp_path) -> None:  # noqa: ANN001
    path = write(tmp_path, "m.csv", "id,w1,w2,w3,w4,w5\nA,,,,,\nB,1,2,3,4,5\n")
    assert excluded(load_catalog(path)) == [
        (2, "A", "w1 is blank; w2 is blank; w3 is blank; and 2 more problems")
    ]


# --------------------------------------------------------------------------- unusable files


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("e.csv", b"", "e.csv is empty. Choose a CSV or Parquet file with weekly unit sales."),
        ("blank.csv", b"\n\n", "blank.csv has no rows. Choose a file with weekly unit sales."),
        (
            "h.csv",
            b"Product_Code,W0,W1\n",
            "h.csv has a header row but no product rows under it. Check that you exported the "
            "whole table.",
        ),
        (
            "one.csv",
            b"units\n1\n2\n",
            "one.csv has only one column ('units'). It needs a product column and one column "
            "per week, or product, week and units columns. If the file uses another separator "
            "than comma, semicolon, tab or |, save it again as CSV.",
        ),
        (
            "book.xlsx",
            b"PK\x03\x04rest-of-a-zip",
            "book.xlsx is a damaged or unsupported Excel workbook (BadZipFile). Save it again "
            "as .xlsx, or as CSV.",
        ),
        (
            "book.xls",
            b"\xd0\xcf\x11\xe0old-excel",
            "book.xls looks like an old Excel workbook (.xls). In Excel choose File > Save As "
            "> Excel Workbook (.xlsx) or CSV, then upload that file.",
        ),
        (
            "fake.parquet",
            b"Product_Code,W0\n",
            "fake.parquet is named like a Parquet file but is not one (it lacks the Parquet "
            "signature). Export it again, or upload it as CSV.",
        ),
        (
            "broken.parquet",
            b"PAR1 this is not really parquet",
            "broken.parquet is a damaged or unsupported Parquet file (ArrowInvalid). Export it "
            "again, or upload it as CSV.",
        ),
        (
            "binary.csv",
            b"\x00\x01\x02\x03,\x00",
            "binary.csv is not a text (CSV) file and not a Parquet file. Upload the sales table "
            "as CSV or Parquet.",
        ),
        (
            "dup.csv",
            b"Product_Code,W0,W0\nP1,1,2\n",
            "dup.csv: the column 'W0' appears more than once in the header row. Rename or "
            "delete the copy.",
        ),
        (
            "weeks.csv",
            b"Product_Code,W0,Notes\nP1,1,x\n",
            "weeks.csv: found 1 week column (W0); at least 2 are needed. Expected one column "
            "per week (W0, W1, … or Week 1, … or dates) with units sold, or the long layout: "
            "product, week, units.",
        ),
        (
            "bad.csv",
            b"Product_Code,W0,W1\nP1,x,2\nP2,,\n",
            "bad.csv: none of its 2 rows can be used. First problems: row 2: 'x' in W0 is not "
            "a number; row 3: W0 is blank; W1 is blank.",
        ),
        (
            "huge.csv",
            b"Product_Code,W0,W1,W2\n" + b"P,1000000000000000.2,2e15,3e15\n" * 3,
            "huge.csv: none of its 3 rows can be used. First problems: row 2: W0 is too large "
            "(1000000000000000.2); at most 1e+15 units a week are supported; W1 is too large "
            "(2e+15); at most 1e+15 units a week are supported; W2 is too large (3e+15); at "
            "most 1e+15 units a week are supported.",
        ),
        (
            "oneweek.csv",
            b"product,week,units\nA,3,1\nB,3,2\n",
            "oneweek.csv: all usable rows are for one week (W3); at least 2 weeks are needed.",
        ),
    ],
)
def test_unusable_files_say_what_to_do(name: str, data: bytes, message: str) -> None:
    with pytest.raises(CatalogError) as err:
        load_catalog(data, name=name)
    assert str(err.value) == message


def test_unknown_id_column_and_missing_file(tmp_path) -> None:  # noqa: ANN001
    with pytest.raises(CatalogError) as err:
        load_catalog(b"id,w1,w2\nA,1,2\n", name="x.csv", id_column="SKU")
    assert str(err.value) == "x.csv has no column 'SKU'. Its columns are: id, w1, w2."
    with pytest.raises(CatalogError) as err:
        load_catalog(tmp_path / "nope.csv")
    assert str(err.value) == f"File not found: {tmp_path / 'nope.csv'}."
    with pytest.raises(CatalogError, match="give a file path, bytes or a file"):
        load_catalog(42)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- target


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("12.5\n13\n14\n", [12.5, 13, 14]),
        ("capacity\n12.5\n13\n", [12.5, 13]),
        ("capacity\n12,5\n13\n14,25\n", [12.5, 13, 14.25]),
        ("12.5, 13, 13.5", [12.5, 13, 13.5]),
        ("a;\n12,5;\n13;\n", [12.5, 13]),
        (b"\xef\xbb\xbfunits\r\n1\r\n2\r\n", [1, 2]),
        ([1, 2, 3], [1, 2, 3]),
        (np.array([4.0, 5.0]), [4, 5]),
    ],
)
def test_parse_target_accepts_one_column(source, expected) -> None:  # noqa: ANN001
    out = parse_target(source)
    assert out.dtype == np.float64
    assert out.tolist() == expected


def test_parse_target_from_a_file(tmp_path) -> None:  # noqa: ANN001
    path = write(tmp_path, "capacity.csv", "units\n" + "\n".join(map(str, BLOG_TARGET)) + "\n")
    np.testing.assert_array_equal(parse_target(path), BLOG_TARGET)
    np.testing.assert_array_equal(parse_target(io.BytesIO(path.read_bytes())), BLOG_TARGET)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("", "The target is empty. It needs one number per week, at least 2."),
        ("7\n", "The target has 1 number; at least 2 weeks are needed."),
        ("units\n", "The target has a header but no numbers under it."),
        ("1\n2\nx\n", "The target, line 3: 'x' is not a number."),
        (
            "week,units\n1,12\n2,13\n",
            "The target, line 2: found 2 values. The target must be one column of numbers, "
            "one week per line; delete the other columns.",
        ),
        ([1.0, float("nan")], "The target: week 1 is empty or not a finite number."),
        (b"", "The target file is empty. It needs one number per week, at least 2."),
    ],
)
def test_parse_target_errors(source, message: str) -> None:  # noqa: ANN001
    with pytest.raises(CatalogError) as err:
        parse_target(source)
    assert str(err.value) == message


# --------------------------------------------------------------------------- demo, hash, csv


def test_demo_catalog_is_deterministic_and_varied() -> None:
    a, b = demo_catalog(), demo_catalog()
    assert a.content_hash == b.content_hash
    np.testing.assert_array_equal(a.values, b.values)
    assert a.values.shape == (800, 52)
    assert a.weeks[0] == "W0" and a.weeks[-1] == "W51"
    assert len(set(a.ids)) == 800
    assert (a.values >= 0).all() and np.isfinite(a.values).all()
    kinds = {i.split("-")[0] for i in a.ids}
    assert kinds == {"SEA", "TRD", "PRO", "INT", "FLT", "CAP"}
    means = a.values.mean(axis=1)
    assert means.max() / max(means.min(), 1e-9) > 50  # small and large sellers
    assert demo_catalog(seed=1).content_hash != a.content_hash
    small = demo_catalog(n=20, weeks=30)
    assert small.values.shape == (20, 30) and small.ids[0].endswith("-01")
    assert a.excluded.empty and a.notes


def test_demo_catalog_has_products_that_trend_with_the_target() -> None:
    demo = demo_catalog()
    scores = score_catalog(demo.ids, demo.values, BLOG_TARGET)
    assert len(zscore_outliers(scores)) > 0
    assert len(shortlist(scores)) > 0


def test_content_hash_follows_ids_and_values() -> None:
    cat = Catalog("x", np.array(["A", "B"]), ["W0", "W1"], np.array([[1.0, 2.0], [3.0, 4.0]]))
    h = cat.content_hash
    assert len(h) == 64 and h == cat.content_hash
    other = Catalog("y", np.array(["A", "C"]), ["W0", "W1"], cat.values.copy())
    assert other.content_hash != h
    changed = Catalog("x", cat.ids, cat.weeks, cat.values + np.array([[0, 1e-9], [0, 0]]))
    assert changed.content_hash != h
    assert cat.series("B").tolist() == [3.0, 4.0]
    with pytest.raises(CatalogError, match="Product Z is not in x."):
        cat.series("Z")


def test_neutralise_formulas() -> None:
    df = pd.DataFrame(
        {
            "product": ["=HYPERLINK(1)", "P1", "+1", "-x", "@SUM(A1)", "\tcmd", "a=b"],
            "distance": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.123456789012345],
            "rank": [1, 2, 3, 4, 5, 6, 7],
        }
    )
    out = neutralise_formulas(df)
    assert out["product"].tolist() == [
        "'=HYPERLINK(1)", "P1", "'+1", "'-x", "'@SUM(A1)", "'\tcmd", "a=b",
    ]  # fmt: skip
    pd.testing.assert_series_equal(out["distance"], df["distance"])
    pd.testing.assert_series_equal(out["rank"], df["rank"])
    assert df["product"].iat[0] == "=HYPERLINK(1)"  # the input is left alone
    assert neutralise_formulas(pd.DataFrame({"=cmd": [1]})).columns.tolist() == ["'=cmd"]
    csv = out.to_csv(index=False)
    assert "7.123456789012345" in csv  # numbers exact in downloads


# --------------------------------------------------------------------------- figures


def test_histogram_has_twenty_bins_and_marks(uci_scores: pd.DataFrame) -> None:
    dist = uci_scores["distance"].to_numpy()
    fig = distance_histogram(dist, median=7.894, selected=("P202", 6.8616))
    bars = fig.data[0]
    assert len(bars.x) == 20 and int(np.sum(bars.y)) == 811
    shapes = fig.layout.shapes
    assert [s.x0 for s in shapes] == [7.894, 6.8616]
    assert shapes[1].line.color == SELECTED_COLOR
    texts = [a.text for a in fig.layout.annotations]
    assert texts == ["median 7.89", "P202 6.86"]
    assert fig.layout.xaxis.title.text.startswith("DTW distance")
    assert fig.layout.yaxis.title.text == "Number of products"


def test_histogram_hover_names_the_product_a_click_picks(uci_scores: pd.DataFrame) -> None:
    dist = uci_scores["distance"].to_numpy()
    codes = uci_scores["product"].astype(str).tolist()
    bars = distance_histogram(dist, median=7.894, products=codes).data[0]
    counts, edges = np.histogram(dist, bins=20)
    for k in range(20):
        # The products np.histogram counts in bar k, and the best ranked of them.
        last = k == 19
        inside = (dist >= edges[k]) & ((dist <= edges[k + 1]) if last else (dist < edges[k + 1]))
        assert inside.sum() == counts[k] == bars.y[k]
        if not counts[k]:
            assert bars.customdata[k][2] == -1 and bars.hovertext[k] == ""
            continue
        best = uci_scores[inside].sort_values("rank")["product"].iloc[0]
        assert codes[int(bars.customdata[k][2])] == best
        assert bars.hovertext[k] == f"click: {best}, the closest in this bar"
    assert bars.hovertemplate.endswith("<br>%{hovertext}<extra></extra>")
    assert sum(h.startswith("click: ") for h in bars.hovertext) == np.count_nonzero(counts)


def test_overlay_draws_one_connector_per_matched_pair(uci: Catalog) -> None:
    product = uci.series("P675")
    path, _ = warping_path(BLOG_TARGET, product, stretch=0.05, znorm=True)
    fig = overlay_figure(BLOG_TARGET, product, path, product_id="P675", znorm=True)
    connectors, target, prod = fig.data
    assert np.count_nonzero(~np.isnan(np.asarray(connectors.x, dtype=float))) == 2 * len(path)
    assert target.line.color == TARGET_COLOR and prod.line.color == SELECTED_COLOR
    assert abs(float(np.mean(target.y))) < 1e-9  # z-normalised
    assert fig.layout.xaxis.title.text == "Week"
    assert fig.layout.yaxis.title.text == "z-score (units per week, standardised)"
    raw = overlay_figure(BLOG_TARGET, product, path, product_id="P675", znorm=False)
    assert raw.layout.yaxis.title.text == "Units per week"
    np.testing.assert_array_equal(raw.data[1].y, BLOG_TARGET)
    stacked = overlay_figure(
        BLOG_TARGET, product, path, product_id="P675", znorm=True, stacked=True
    )
    assert len(stacked.layout.shapes) == len(path)
    assert all(0 <= s.y0 <= 1 and 0 <= s.y1 <= 1 for s in stacked.layout.shapes)


def test_heatmap_blank_outside_the_band(uci: Catalog) -> None:
    product = uci.series("P675")
    path, cost = warping_path(BLOG_TARGET, product, stretch=0.05, znorm=True)
    fig = cost_heatmap(cost, path, product_id="P675")
    z = np.asarray(fig.data[0].z, dtype=float)
    assert np.isnan(z[0, 10]) and np.isfinite(z[10, 10])
    assert z[-1, -1] == pytest.approx(5.1101, abs=1e-4)
    assert fig.data[2].x.tolist() == path[:, 1].tolist()


def test_heatmap_axes_show_the_files_dates(uci: Catalog) -> None:
    product = uci.series("P675")
    path, cost = warping_path(BLOG_TARGET, product, stretch=0.05, znorm=True)
    dates = pd.date_range("2025-01-06", periods=52, freq="W-MON").strftime("%Y-%m-%d").tolist()
    fig = cost_heatmap(cost, path, product_id="P675", dates=dates)
    assert list(fig.data[0].x) == dates and list(fig.data[0].y) == dates
    assert list(fig.data[2].x) == [dates[j] for j in path[:, 1]]
    assert list(fig.data[2].y) == [dates[i] for i in path[:, 0]]
    assert fig.layout.xaxis.title.text == "Week starting, P675"
    assert fig.layout.yaxis.title.text == "Week starting, the target"
    shorter = cost_heatmap(cost[:, :40], path[path[:, 1] < 40], product_id="P675", dates=dates)
    assert shorter.layout.xaxis.title.text == "Week of P675"
    assert list(shorter.layout.xaxis.range) == [-0.5, 39.5]


def test_shortlist_scatter_uses_a_log_scale_for_wide_volumes(uci_scores) -> None:  # noqa: ANN001
    picks = shortlist(uci_scores)
    fig = shortlist_scatter(
        uci_scores,
        target_mean=float(BLOG_TARGET.mean()),
        low=0.8,
        high=1.2,
        cut=7.894,
        shortlisted=picks["product"].tolist(),
        selected="P202",
    )
    names = [t.name for t in fig.data]
    assert names == ["other products", "shortlist (8)", "P202"]
    assert fig.data[1].marker.color == ACCENT_COLOR
    band = fig.layout.shapes[0]
    mean = float(BLOG_TARGET.mean())
    assert band.x0 == pytest.approx(np.log10(0.8 * mean))
    assert band.x1 == pytest.approx(np.log10(1.2 * mean))
    assert fig.layout.xaxis.ticktext == ("0.01", "0.1", "1", "10", "100")
    assert fig.layout.xaxis.title.text == "Mean weekly units sold (log scale)"
    assert fig.data[2].x[0] == pytest.approx(
        np.log10(uci_scores.set_index("product").at["P202", "mean_units"])
    )


def _read_both(tmp_path, data: bytes, name: str) -> tuple[Catalog, list[str]]:  # noqa: ANN001
    """The page's catalogue of a file and the notes the streaming reader wrote on it."""
    from dtwcore.sales import CatalogReader

    path = tmp_path / name
    path.write_bytes(data)
    reader = CatalogReader(path, batch_rows=2, csv_block_bytes=64)
    products = [i for batch in reader for i in batch.ids.to_pylist()]
    page = load_catalog(data, name=name)
    assert products == page.ids.tolist()
    return page, reader.notes


def test_summary_rows_leave_a_wide_file_with_a_note(tmp_path) -> None:  # noqa: ANN001
    data = b"Product,W1,W2,Total\nP1,1,2,3\nSum,1,2,3\nTOTAL-GYM-3,4,,4\nGrand Total:,5,4,9\n"
    page, notes = _read_both(tmp_path, data.replace(b"4,,4", b"4,0,4"), "totals.csv")
    assert page.ids.tolist() == ["P1", "TOTAL-GYM-3"]
    note = "Left out row 3 (Sum), row 5 (Grand Total:): summary rows adding up the products, "
    assert (
        notes
        == page.notes
        == [
            "Ignored 1 column that is not weekly sales: Total.",
            note + "not a product.",
        ]
    )
    # A summary row is left out whatever it holds; a product with a blank week is listed.
    page = load_catalog(data.replace(b"Sum,1,2", b"Sum,,x"), name="totals.csv")
    assert page.excluded["product"].tolist() == ["TOTAL-GYM-3"]


def test_summary_rows_leave_a_long_file_with_a_note(tmp_path) -> None:  # noqa: ANN001
    """A long file's Total of every week is not a product (it would sum the others and top
    every ranking): left out whatever it holds, its rows named compactly, on both paths."""
    data = (
        b"Product,Week,Units\nA,1,1\nB,1,2\nTotal,1,3\nA,2,4\nB,2,5\nTotal,2,\n"
        b"TOTAL-GYM-3,1,7\nTOTAL-GYM-3,2,8\nSum:,1,x\n"
    )
    page, notes = _read_both(tmp_path, data, "long_totals.csv")
    assert page.ids.tolist() == ["A", "B", "TOTAL-GYM-3"]
    assert page.values.tolist() == [[1, 4], [2, 5], [7, 8]]
    assert page.excluded.empty
    assert (
        notes
        == page.notes
        == [
            "Left out 2 rows of product Total (rows 4, 7), row 10 (Sum:): summary rows adding "
            "up the products, not a product."
        ]
    )


@pytest.mark.parametrize(
    ("rows", "shown"),
    [
        ([6], "row 6"),
        ([3, 4], "rows 3, 4"),
        ([42, 43, 44, 45, 46, 47, 48, 49], "rows 42 to 49"),
        ([2, 3, 4, 9, 11, 12], "rows 2 to 4, 9, 11, 12"),
        ([7, 13, 19, 25, 31], "rows 7, 13, 19 … 31"),
    ],
)
def test_row_numbers_in_a_few_words(rows: list[int], shown: str) -> None:
    from dtwcore.sales.reading import row_numbers

    assert row_numbers(rows) == shown


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        (b"Product,W1,W2\nTotal,1,2\nGrand Total,1,2\n", "Total, Grand Total"),
        (b"Product,Week,Units\nTotal,1,2\nTotal,2,3\n", "Total"),
    ],
)
def test_a_file_of_summary_rows_only_is_refused_in_words(
    tmp_path: Path, data: bytes, shown: str
) -> None:
    from dtwcore.sales import CatalogReader

    message = (
        f": no products: every row is a summary row adding up the products ({shown}). "
        "Export the sales of each product (a row per product, or per product and week) and "
        "read the file again."
    )
    with pytest.raises(CatalogError) as err:
        load_catalog(data, name="totals.csv")
    assert str(err.value) == "totals.csv" + message
    path = tmp_path / "totals.csv"
    path.write_bytes(data)
    with pytest.raises(CatalogError) as err:
        list(CatalogReader(path))
    assert str(err.value) == f"{path}{message}"


def test_weeks_past_a_year_end_keep_the_files_order(tmp_path) -> None:  # noqa: ANN001
    page, notes = _read_both(tmp_path, b"Item,Wk 51,Wk 52,Wk 1\nA,1,2,3\n", "fiscal.csv")
    assert (page.weeks, page.values.tolist()) == (["Wk 51", "Wk 52", "Wk 1"], [[1, 2, 3]])
    note = "The week columns run past the end of a year (Wk 51 … Wk 52, then Wk 1 … Wk 1)"
    assert notes == page.notes == [note + "; they are kept in the file's order."]
    data = b"Product,Week,Units\nA,52,1\nA,53,2\nA,1,3\nA,2,4\n"
    page, notes = _read_both(tmp_path, data, "long.csv")
    assert (page.weeks, page.values.tolist()) == (["W52", "W53", "W1", "W2"], [[1, 2, 3, 4]])
    note = "The week numbers run past the end of a year (W52 … W53, then W1 … W2)"
    assert notes == page.notes == [note + "; they are kept in the file's order."]
    assert "(week numbers running past a year end)" in page.reading
    # Week numbers that only go up are in order, whatever order the rows come in.
    page = load_catalog(b"Product,Week,Units\nA,3,1\nA,1,2\nA,2,3\n", name="rows.csv")
    assert (page.weeks, page.notes) == (["W1", "W2", "W3"], [])


def test_year_and_week_rows_that_are_not_weeks_are_listed() -> None:
    data = b"Year,Week,Product,Units\n2023,52,A,1\n2024,1,A,2\n20x4,2,A,3\n2024,60,A,4\n"
    cat = load_catalog(data, name="years.csv")
    assert (cat.weeks, cat.values.tolist()) == (["2023-W52", "2024-W01"], [[1, 2]])
    assert cat.excluded["reason"].tolist() == [
        "'20x4' in Year is not a year",
        "'60' in Week is not a week number 1–53",
    ]
    assert "(week numbers of each year in Year)" in cat.reading


def test_numbers_with_most_weeks_missing_are_not_week_numbers() -> None:
    with pytest.raises(CatalogError, match="from 1 to 300 with most of the weeks") as err:
        load_catalog(b"Product,Week,Units\nA,1,1\nA,100,2\nA,300,3\n", name="gaps.csv")
    assert not isinstance(err.value, AmbiguousColumns)


# --------------------------------------------------------------------------- real exports


@pytest.mark.parametrize(
    "cell",
    ["1/7/2024 12:00:00 AM", "1/7/2024 3:15 pm", "2024-01-07T00:00:00Z",
     "2024-01-07T23:30:00+01:00", "2024-01-07 00:00:00.000-0500", "2024-01-07 12.00.00.000"],
)  # fmt: skip
def test_dates_with_a_time_of_day_or_zone_read_as_the_day_written(cell: str) -> None:
    from dtwcore.sales.columns import DATE_CELL, parse_dates

    assert DATE_CELL.match(cell)
    order = "ymd" if cell.startswith("2024") else "mdy"
    assert parse_dates([cell], order).tolist() == [np.datetime64("2024-01-07", "D")]


@pytest.mark.parametrize(
    ("cell", "written"),
    [("07-Jan-24", "dmy"), ("07-Jan-2024", "dmy"), ("7 Jan 2024", "dmy"),
     ("7 January 2024", "dmy"), ("07.Jan.2024", "dmy"), ("07/JAN/2024", "dmy"),
     ("07JAN2024", "dmy"), ("7. Januar 2024", "dmy"), ("7th jan. 2024", "dmy"),
     ("07-Jan-24 12:00:00 AM", "dmy"), ("Jan 7, 2024", "mdy"), ("January 7 2024", "mdy"),
     ("Jan. 07, 2024", "mdy"), ("JANUARY 7TH, 2024", "mdy"), ("2024-Jan-07", "ymd"),
     ("2024 january 7", "ymd"), ("Sunday, January 7, 2024", "mdy"),
     ("Sunday, 7 January 2024", "dmy"), ("Sun 7 Jan 2024", "dmy"), ("sun., 07-jan-24", "dmy"),
     ("07-JAN-24 12.00.00.000 AM", "dmy"), ("07-JAN-24 03.15.00.000000000 PM", "dmy")],
)  # fmt: skip
def test_dates_with_a_months_name_read_in_the_order_written(cell: str, written: str) -> None:
    from dtwcore.sales.columns import DATE_CELL, date_orders, parse_dates

    assert DATE_CELL.match(cell)
    assert date_orders([cell]) == ([written], 1, 1)
    for order in ("ymd", "dmy", "mdy"):  # the name decides, whatever the order
        assert parse_dates([cell], order).tolist() == [np.datetime64("2024-01-07", "D")]


def test_dates_without_separators_are_year_first_and_real_days() -> None:
    """``20240107`` (SAP, Google Analytics, BigQuery) is a date in every order; eight
    digits that are no such day (a month 13, a year 1234, an EAN-8 code) are not dates."""
    from dtwcore.sales.columns import DATE_CELL, date_orders, parse_dates

    cells = ["20240107", "20240107 00:00:00", "19991231", "20240229"]
    for order in ("ymd", "dmy", "mdy"):
        got = parse_dates(cells, order).astype(str).tolist()
        assert got == ["2024-01-07", "2024-01-07", "1999-12-31", "2024-02-29"]
    assert date_orders(cells) == (["ymd"], 4, 4)
    # beside dates of three numbers, those decide the order, as beside a month's name
    assert date_orders(["20240107", "07/01/2024"]) == (["dmy", "mdy"], 2, 2)
    for not_a_date in ("20241301", "12345670", "21000101", "202401071", "2024017"):
        assert not DATE_CELL.match(not_a_date)
    assert parse_dates(["20230229", "20240431"], "ymd").astype(str).tolist() == ["NaT", "NaT"]


def test_month_names_read_every_month_and_two_digit_years_as_numbers_do() -> None:
    from dtwcore.sales.columns import month_number, parse_dates

    names = ["Jan", "FEB", "mar.", "April", "May", "June", "Jul", "aug", "Sept", "Oct", "Nov",
             "December"]  # fmt: skip
    cells = [f"1-{n}-68" for n in names] + ["1 Mär 1999", "1-Okt-69", "31 Dez 2024"]
    want = [f"2068-{m:02d}-01" for m in range(1, 13)] + ["1999-03-01", "1969-10-01", "2024-12-31"]
    assert parse_dates(cells, "ymd").astype(str).tolist() == want
    assert [month_number(n.rstrip(".")) for n in names] == list(range(1, 13))
    leap = parse_dates(["31-Feb-2024", "29-Feb-2023", "29-Feb-2024"], "dmy")
    assert leap.astype(str).tolist() == ["NaT", "NaT", "2024-02-29"]


@pytest.mark.parametrize(
    "cell",
    [
        "MAR-2024-7",
        "JAN7",
        "JAN-24-7",
        "Jan 2024",
        "Jan-24",
        "2024 Jan",
        "7-Jan",
        "Janet 7 2024",
        "Sunday",
        "Monday 7",
        "Sunday, January 2024",
    ],
)
def test_codes_and_months_with_a_months_name_are_not_dates(cell: str) -> None:
    from dtwcore.sales.columns import DATE_CELL

    assert not DATE_CELL.match(cell)


@pytest.mark.parametrize(
    ("cells", "orders"),
    [(["07-Jan-2024", "05/04/2024"], ["dmy", "mdy"]),  # the numbers still ask
     (["Jan 7, 2024", "14/01/2024"], ["dmy"]), (["2024-Jan-07", "2024-01-14"], ["ymd"]),
     (["07-Jan-2024", "Jan 14, 2024", "21 Jan 2024"], ["dmy"])],  # names alone: most
)  # fmt: skip
def test_month_names_leave_the_order_to_dates_written_in_numbers(
    cells: list[str], orders: list[str]
) -> None:
    from dtwcore.sales.columns import date_orders, parse_dates

    assert date_orders(cells) == (orders, len(cells), len(cells))
    assert parse_dates(cells[:1], orders[-1]).tolist() == [np.datetime64("2024-01-07", "D")]


def test_title_lines_are_only_single_cells_over_a_header_of_names() -> None:
    from dtwcore.sales.dialect import title_lines

    header, row = ["Product", "W1", "W2"], ["P1", "1", "2"]
    assert title_lines([["Weekly report", "", ""], header, row]) == 1
    assert title_lines([["Report"], ["Exported 2024-03-01"], header, row]) == 2
    assert title_lines([header, row]) == 0
    # a header naming its columns only in the first cell: the first product row is no header
    assert title_lines([["Product", "", ""], row, ["P2", "3", "4"]]) == 0
    assert title_lines([["a"], ["b"], ["c"], ["d"], header, row]) == 0  # more than 3
    assert title_lines([["Report", "2024"], header, row]) == 0  # two cells: not a title


def test_title_lines_and_separator_line_are_skipped_rows_keep_their_numbers() -> None:
    data = b"Weekly Sales Report,,\r\n,,\r\nProduct,W1,W2\r\nP1,1,2\r\nP2,x,3\r\n"
    cat = load_catalog(data, name="t.csv")
    assert cat.ids.tolist() == ["P1"]
    assert cat.notes[0] == "Skipped 1 title line above the header: 'Weekly Sales Report'."
    assert cat.excluded["row"].tolist() == [5]
    cat = load_catalog(b"sep=;\nProduct;W1;W2\nP1;1;2\n", name="s.csv")
    assert (cat.ids.tolist(), cat.notes) == (["P1"], ["Columns separated by semicolons."])


def test_a_first_row_narrower_than_the_rows_asks_to_remove_the_title() -> None:
    with pytest.raises(CatalogError, match="If it is a title above the header, remove the"):
        load_catalog(b"Report,2024-03-01\nProduct,W1,W2,W3\nP1,1,2,3\n", name="n.csv")
    with pytest.raises(CatalogError, match="If lines above the header hold a title, remove"):
        load_catalog(b"A\nB\nC\nD\nProduct,W1,W2\nP1,1,2\n", name="o.csv")


def test_the_command_reads_what_the_page_reads_under_title_and_blank_lines(tmp_path) -> None:
    from dtwcore.sales import CatalogReader

    path = tmp_path / "t.csv"
    path.write_bytes(b"Report\n\nProduct,W1,W2,Note\nP1,1,2,\n\n,,,\nP2,3,4,\n,,,kept\n")
    page = load_catalog(path)
    assert page.notes[:2] == ["Skipped 1 title line above the header: 'Report'.",
                              "Skipped 2 empty lines."]  # fmt: skip
    assert page.excluded["row"].tolist() == [8]  # a row with a note is not blank
    reader = CatalogReader(path)
    with pytest.raises(CatalogError, match=r"row 8: the id Product is missing"):
        list(reader)
    path.write_bytes(b"Report\n\nProduct,W1,W2\nP1,1,2\n\n,,\nP2,x,4\n")
    with pytest.raises(CatalogError, match=r"row 7 \(product P2\): W1 is not a number"):
        list(CatalogReader(path))


def test_lines_of_spaces_are_empty_lines_on_every_path(tmp_path) -> None:  # noqa: ANN001
    """The streaming reader reads the rest of the file again past a line of spaces, which
    Arrow cannot read, after the batches it has given: the same products, the same notes,
    and rows keep their numbers."""
    from dtwcore.sales import CatalogReader

    rows = [f"P{k},{k},{k + 1}" for k in range(12)]
    rows[8:8] = ["   ", " , ,\t"]  # rows 10 and 11, past the first 64-byte batches
    data = ("Product,W1,W2\n" + "\n".join(rows) + "\n").encode()
    page, notes = _read_both(tmp_path, data, "spaces.csv")
    assert page.ids.tolist() == [f"P{k}" for k in range(12)]
    assert notes == page.notes == ["Skipped 2 empty lines."]
    path = tmp_path / "blank_week.csv"
    path.write_bytes(data.replace(b"P10,10,11", b"P10,10,"))
    assert load_catalog(path).excluded["row"].tolist() == [14]
    with pytest.raises(CatalogError, match=r"row 14 \(product P10\): W2 is missing"):
        list(CatalogReader(path, batch_rows=2, csv_block_bytes=64))


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("2024-01-01,2024-1-1,2024-01-08", "the columns '2024-01-01' and '2024-1-1' are the "
         "same day (2024-01-01). Keep one column per week and read the file again."),
        ("2024-02-22,2024-02-29,2024-02-30", "the column '2024-02-30' is named like a date "
         "but is not a day of the calendar. Correct its name and read the file again."),
        ("2024-01-01,2024-04-01,2024-07-01", "the date columns are not one week apart: "
         "2024-01-01 is followed by 2024-04-01, 91 days later."),
        ("2024-01-01,2024-01-02,2024-01-04,2024-01-05", "the columns 2024-01-01, 2024-01-02, "
         "2024-01-04, 2024-01-05 are days, not weeks (their dates are days apart)."),
    ],
)  # fmt: skip
def test_dated_week_columns_must_be_one_week_apart(header: str, message: str) -> None:
    data = f"Product,{header}\nA,{','.join('1' * (header.count(',') + 1))}\n".encode()
    with pytest.raises(CatalogError) as err:
        load_catalog(data, name="d.csv")
    assert str(err.value).startswith(f"d.csv: {message}")


def test_years_and_months_only_where_the_week_numbers_are_not() -> None:
    """A year is a year beside week numbers below it; week numbers that run up to it
    (2,100 weeks) are weeks. Year and number above 12 (2023-52) are year and week;
    columns of months beside week columns are ignored, not refused."""
    header = ",".join(str(k) for k in range(1, 2101))
    cat = load_catalog(f"P,{header}\nA,{','.join('1' * 2100)}\n".encode(), name="w.csv")
    assert (len(cat.weeks), cat.weeks[-1], cat.notes) == (2100, "2100", [])
    cat = load_catalog(b"P,2023-52,2024-01,2024-02\nA,1,2,3\n", name="yw.csv")
    assert cat.weeks == ["2023-52", "2024-01", "2024-02"]
    cat = load_catalog(b"P,W1,W2,Jan 2024,Feb 2024,2024\nA,1,2,3,4,10\n", name="m.csv")
    assert (cat.weeks, cat.notes) == (["W1", "W2"], [
        "Left out column 2024: a year, not a week number.",
        "Ignored 2 columns that are not weekly sales: Jan 2024, Feb 2024.",
    ])  # fmt: skip


def test_a_workbook_title_is_skipped_on_the_page_and_by_the_command(tmp_path) -> None:
    import openpyxl

    from dtwcore.sales import CatalogReader

    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["Weekly Sales Report"], [], ["Product", "W1", "W2"], ["P1", 1, 2], ["P2", "x", 3]):
        sheet.append(row)
    path = tmp_path / "t.xlsx"
    book.save(path)
    page = load_catalog(path)
    assert page.notes == ["Skipped 1 title line above the header: 'Weekly Sales Report'."]
    assert (page.ids.tolist(), page.excluded["row"].tolist()) == (["P1"], [5])
    reader = CatalogReader(path)
    assert reader.notes == page.notes
    with pytest.raises(CatalogError, match=r"row 5 \(product P2\): W1 is not a number"):
        list(reader)


def test_a_report_grouped_by_product_is_refused_even_with_its_product_column_named() -> None:
    """The group's name column named by hand: its rows' blank cells are the refusal, not
    rows left out one by one (each product kept with no week)."""
    from .sales_corpus import corpus

    case = next(c for c in corpus() if c.name == "report_grouped_by_product.csv")
    with pytest.raises(CatalogError) as err:
        load_catalog(case.data, name=case.name, options=ReadOptions(id_columns=("column 1",)))
    assert str(err.value).startswith(
        "report_grouped_by_product.csv: 40 of the first 40 rows with a week and units have "
        "no 'column 1', each under a row that has one: the file writes each product once"
    )


def test_values_written_with_a_currency_symbol_are_money_in_it(tmp_path) -> None:  # noqa: ANN001
    """Labels follow the cells' one currency symbol unless the planner says otherwise."""
    from dtwcore.sales.units import Unit, cell_currency

    assert cell_currency(["$1,234.00", "(12)", 7.0]) == "usd"
    assert cell_currency(["1.234,50 €", "£3"]) == ""  # two currencies: not told
    money = write(tmp_path, "m.csv", 'Product,W1,W2\nA,"$1,234.00",$12.50\nB,$5.00,$7.00\n')
    cat = load_catalog(money)
    assert cat.roles is not None and cat.roles.currency == "usd"
    assert cat.unit() == Unit(symbol="$", word="sales")
    assert cat.unit("units") == Unit() and cat.unit("eur") == Unit(symbol="€", word="sales")
    named = write(tmp_path, "n.csv", "product,week,Revenue\nA,1,12 €\nA,2,13 €\n")
    assert load_catalog(named).unit() == Unit(symbol="€", word="revenue")
    plain = write(tmp_path, "p.csv", "Product,W1,W2\nA,1,2\n")
    assert load_catalog(plain).unit() == Unit()
