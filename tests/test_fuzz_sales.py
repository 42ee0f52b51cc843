"""Fuzzing the sales catalogue loader and the target parser (issue 7).

Every generated input must end in a usable result or the project's own error
(:class:`dtwcore.sales.CatalogError`) with a message written for people: never another
exception, never a hang. Usable results are checked too: unique codes, finite units that
are not negative, and distances that are numbers.

Sizes: ``DTW_RELIABILITY=full`` (``make reliability``) gives every property at least 1,000
inputs; the normal run a few dozen.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dtwcore.sales import (
    BLOG_TARGET,
    EXCLUDED_COLUMNS,
    MAX_UNITS,
    MAX_WEEKS,
    PAGE_LIMITS,
    Catalog,
    CatalogError,
    CatalogTooLarge,
    Limits,
    load_catalog,
    parse_target,
    score_catalog,
)
from tests.reliability import fuzz_settings, no_hang, outcome, record
from tests.reliability.checks import MAX_MESSAGE, check_message
from tests.reliability.strategies import (
    cells,
    messy_tables,
    mutated,
    parquet_files,
    product_codes,
    wide_tables,
)

from .conftest import UCI_CSV

HANG_SECONDS = 60.0
UCI_HEAD = b"".join(UCI_CSV.read_bytes().splitlines(keepends=True)[:40])


# --------------------------------------------------------------------------- checks


def check_catalog(cat: Catalog, limits: Limits | None = None) -> None:
    """Invariants of every loaded catalogue, and that it can be scored."""
    n, w = cat.values.shape
    assert cat.values.dtype == np.float64
    assert len(cat.ids) == n >= 1 and len(cat.weeks) == w >= 2
    assert len(set(cat.ids.tolist())) == n, "duplicate product codes"
    assert all(isinstance(i, str) and i and i == i.strip() for i in cat.ids.tolist())
    assert np.isfinite(cat.values).all()
    if (cat.values < 0).any():  # returns are kept, and said
        assert any("negative" in note and "(returns)" in note for note in cat.notes), cat.notes
    assert (cat.values <= MAX_UNITS).all()
    assert w <= MAX_WEEKS
    assert list(cat.excluded.columns) == EXCLUDED_COLUMNS
    assert (cat.excluded["row"] >= 2).all()
    for reason in cat.excluded["reason"]:
        assert isinstance(reason, str) and reason and len(reason) <= MAX_MESSAGE
    if limits is not None:
        assert n <= limits.products and w <= limits.weeks and n * w <= limits.values
    for znorm in (True, False):
        scores = score_catalog(cat.ids, cat.values, BLOG_TARGET, stretch=0.1, znorm=znorm)
        assert np.isfinite(scores["distance"]).all(), "a distance is not a number"
        assert np.isfinite(scores["zscore"]).all()


def load_or_refuse(data: bytes, name: str = "fuzz.csv", **kwargs) -> Catalog | CatalogError:  # noqa: ANN003
    """load_catalog, checked: a valid catalogue or a CatalogError for people."""
    record("inputs", "load_catalog")
    with no_hang(HANG_SECONDS, "load_catalog"):
        try:
            cat = load_catalog(data, name=name, **kwargs)
        except CatalogError as exc:
            check_message(exc)
            outcome(f"refused: {type(exc).__name__}")
            return exc
    check_catalog(cat, kwargs.get("limits"))
    outcome(f"a catalogue, {len(cat.excluded) and 'with' or 'no'} rows left out")
    return cat


def target_or_refuse(source: object) -> np.ndarray | CatalogError:
    """parse_target, checked: finite numbers, at least 2, or a CatalogError for people."""
    record("inputs", "parse_target")
    with no_hang(HANG_SECONDS, "parse_target"):
        try:
            target = parse_target(source)  # type: ignore[arg-type]
        except CatalogError as exc:
            check_message(exc)
            outcome("refused")
            return exc
    outcome("a target")
    assert isinstance(target, np.ndarray) and target.dtype == np.float64 and target.ndim == 1
    assert target.size >= 2 and np.isfinite(target).all()
    assert (np.abs(target) <= MAX_UNITS).all()
    return target


# --------------------------------------------------------------------------- catalogue


@fuzz_settings()
@given(st.binary(max_size=4096))
@example(b"")
@example(b"\xef\xbb\xbf")
@example(b"\xff\xfe")
@example(b"\xff\xfe\x00")
@example(b"\xfe\xff\xd8\x00")
@example(b"PAR1")
@example(b"PAR1\x00\x00PAR1")
@example(b"PK\x03\x04")
@example(b"\x00" * 64)
def test_random_bytes(data: bytes) -> None:
    load_or_refuse(data)


@fuzz_settings()
@given(messy_tables(), st.sampled_from([None, PAGE_LIMITS]))
def test_messy_tables(data: bytes, limits: Limits | None) -> None:
    load_or_refuse(data, limits=limits)


@fuzz_settings()
@given(mutated(UCI_HEAD))
def test_damaged_copies_of_the_uci_file(data: bytes) -> None:
    load_or_refuse(data, name="Sales_Transactions_Dataset_Weekly.csv")


@fuzz_settings()
@given(wide_tables())
def test_well_formed_tables_load_exactly(table: tuple[bytes, list[str], list, str]) -> None:
    data, codes, values, _ = table
    cat = load_or_refuse(data)
    assert isinstance(cat, Catalog), cat
    assert cat.ids.tolist() == codes
    assert cat.values.tolist() == values
    assert cat.weeks == [f"W{k}" for k in range(len(values[0]))]
    assert cat.excluded.empty


@st.composite
def long_tables(draw: st.DrawFn) -> tuple[bytes, dict[str, dict[int, float]]]:
    codes = draw(st.lists(product_codes, min_size=1, max_size=5, unique=True))
    first = draw(st.integers(-5, 60))
    weeks = draw(st.integers(2, 20))
    sales = {
        c: draw(
            st.dictionaries(
                st.integers(first, first + weeks - 1),
                st.integers(0, 10**9).map(float),
                min_size=1,
            )
        )
        for c in codes
    }
    sales[codes[0]][first] = sales[codes[0]].get(first, 0.0)
    sales[codes[0]][first + weeks - 1] = sales[codes[0]].get(first + weeks - 1, 0.0)
    rows = [(c, w, u) for c, by_week in sales.items() for w, u in by_week.items()]
    rows = draw(st.permutations(rows))
    sep = draw(st.sampled_from([",", ";", "\t"]))
    frame = pd.DataFrame(rows, columns=["product", "week", "units"])
    return frame.to_csv(index=False, sep=sep).encode(), sales


@fuzz_settings()
@given(long_tables())
def test_long_tables_pivot_exactly(table: tuple[bytes, dict[str, dict[int, float]]]) -> None:
    data, sales = table
    cat = load_or_refuse(data)
    assert isinstance(cat, Catalog), cat
    lo = min(min(s) for s in sales.values())
    hi = max(max(s) for s in sales.values())
    assert cat.weeks == [f"W{w}" for w in range(lo, hi + 1)]
    assert sorted(cat.ids.tolist()) == sorted(sales)
    for code, row in zip(cat.ids.tolist(), cat.values.tolist(), strict=True):
        assert row == [sales[code].get(w, 0.0) for w in range(lo, hi + 1)]


@fuzz_settings()
@given(parquet_files())
def test_parquet_files(data: bytes) -> None:
    load_or_refuse(data, name="fuzz.parquet")


# Hand-picked inputs named in the issue, with the outcome each must have.
def _wide(n_weeks: int, rows: list[str]) -> bytes:
    header = "Product_Code," + ",".join(f"W{k}" for k in range(n_weeks))
    return ("\n".join([header, *rows]) + "\n").encode()


CASES = {
    "empty file": (b"", "is empty"),
    "only a byte-order mark": (b"\xef\xbb\xbf", "has no rows"),
    "header only": (b"Product_Code,W0,W1\n", "no product rows"),
    "header only, BOM and CRLF": (b"\xef\xbb\xbfProduct_Code;W0;W1\r\n", "no product rows"),
    "all rows ragged": (b"Product_Code,W0,W1\nA,1\nB,1,2,3\n", "none of its 2 rows"),
    "UTF-16 cut in half a character": (b"\xff\xfeP\x00,", "not a text"),
    "binary": (b"\x00\x01\x02PAR", "not a text"),
    "huge week numbers": (
        b"product,week,units\nA,0,1\nA,100000000,3\n",
        f"at most {MAX_WEEKS:,} weeks",
    ),
    "dates centuries apart": (
        b"product,week,units\nA,1700-01-04,1\nA,2200-01-04,3\n",
        f"at most {MAX_WEEKS:,} weeks",
    ),
    "units too large": (_wide(2, ["A,1e300,1"]), "too large"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_named_bad_inputs_are_refused_in_words(case: str) -> None:
    data, words = CASES[case]
    out = load_or_refuse(data)
    assert isinstance(out, CatalogError), out
    assert words in str(out)


def test_named_good_inputs_load() -> None:
    dup = load_or_refuse(_wide(2, ["A,1,2", "A,3,4", "B,5,6"]))
    assert isinstance(dup, Catalog)
    assert dup.ids.tolist() == ["A", "B"]
    assert dup.excluded["reason"].tolist() == ["product A already appears on row 2"]
    ragged = load_or_refuse(_wide(2, ["A,1", "B,1,2", "C,1,2,3"]))
    assert isinstance(ragged, Catalog) and ragged.ids.tolist() == ["B"]
    assert ragged.excluded["row"].tolist() == [2, 4]
    text = 'Product_Code;W0;W1\n"A;1";"1,5";2\nB;1e-300;0\nC;nan;inf\nD;1e15;0\n'
    for encoding in ("utf-8-sig", "utf-16", "cp1252"):
        cat = load_or_refuse(text.encode(encoding))
        assert isinstance(cat, Catalog), cat
        assert cat.ids.tolist() == ["A;1", "B", "D"]
        assert cat.values.tolist() == [[1.5, 2.0], [1e-300, 0.0], [1e15, 0.0]]
        assert cat.excluded["reason"].tolist() == ["W0 is blank; 'inf' in W1 is not a number"]


def test_decimal_commas_never_change_product_codes() -> None:
    cat = load_or_refuse(b"Product_Code;W0;W1\n12,5;1,5;2\n7;3;4\n")
    assert isinstance(cat, Catalog)
    assert cat.ids.tolist() == ["12,5", "7"]
    assert cat.values.tolist() == [[1.5, 2.0], [3.0, 4.0]]


def test_ten_thousand_columns() -> None:
    row = ",".join(["P1", *(str(k % 7) for k in range(9_999))])
    data = _wide(9_999, [row, row.replace("P1", "P2", 1)])
    cat = load_or_refuse(data)
    assert isinstance(cat, Catalog) and cat.values.shape == (2, 9_999)
    refused = load_or_refuse(data, limits=PAGE_LIMITS)
    assert isinstance(refused, CatalogTooLarge)
    assert f"{PAGE_LIMITS.weeks:,} weeks" in str(refused)
    assert "python -m dtwcore score" in str(refused)
    too_wide = load_or_refuse(_wide(MAX_WEEKS + 1, ["A," + ",".join(["1"] * (MAX_WEEKS + 1))]))
    assert isinstance(too_wide, CatalogError) and f"{MAX_WEEKS:,} weeks" in str(too_wide)


def test_page_limits_refuse_early_and_point_to_the_command_line() -> None:
    small = Limits(products=3, weeks=4, values=10, megabytes=1)
    ok = load_or_refuse(_wide(3, ["A,1,2,3", "B,1,2,3", "C,1,2,3"]), limits=small)
    assert isinstance(ok, Catalog)
    for data, words in [
        (_wide(3, [f"P{k},1,2,3" for k in range(4)]), "4 products"),
        (_wide(5, ["A,1,2,3,4,5"]), "5 weeks"),
        (_wide(4, [f"P{k},1,2,3,4" for k in range(3)]), "12 numbers"),
        (b"Product_Code,W0,W1\n" + b"A,1,2\n" * 600_000, "MB"),
    ]:
        out = load_or_refuse(data, limits=small)
        assert isinstance(out, CatalogTooLarge), out
        assert words in str(out) and "python -m dtwcore score" in str(out)
    # A big file is refused by its size and cell count before it is parsed.
    many = b"Product_Code,W0,W1\n" + b"A,1,2\n" * 200_000
    out = load_or_refuse(many, limits=Limits(products=10, weeks=10, values=100, megabytes=50))
    assert isinstance(out, CatalogTooLarge) and "more than" in str(out)


def test_file_names_are_only_labels(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bytes with a hostile name never touch the file system."""
    import builtins
    import pathlib

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"the loader opened a file: {args!r}")

    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(pathlib.Path, "read_bytes", refuse)
    monkeypatch.setattr(pathlib.Path, "open", refuse)
    for name in ["../../etc/passwd", "/etc/shadow.csv", "C:\\x.csv", "~/.ssh/x", "x" * 5000]:
        cat = load_catalog(b"Product_Code,W0,W1\nA,1,2\n", name=name)
        assert cat.name == (name if len(name) <= 120 else name[:119] + "…")
        with pytest.raises(CatalogError) as err:
            load_catalog(b"", name=name)
        check_message(err.value)
        assert not re.search(r"No such file|Errno", str(err.value))
    assert load_catalog(b"Product_Code,W0,W1\nA,1,2\n", name="a\x00b\n.csv").name == "a?b?.csv"


# --------------------------------------------------------------------------- target


@fuzz_settings()
@given(st.text(max_size=400) | st.builds(lambda cs: "\n".join(cs), st.lists(cells, max_size=60)))
@example("")
@example("units\n")
@example("1e309\n2")
@example("1e300;1e300")
@example("1,5\n2,5\n")
@example("\ufeff1;2;3")
def test_target_text(text: str) -> None:
    target_or_refuse(text)


@fuzz_settings()
@given(st.binary(max_size=2048) | messy_tables())
def test_target_bytes(data: bytes) -> None:
    target_or_refuse(data)


@fuzz_settings()
@given(
    st.lists(
        st.floats() | st.integers(-(10**20), 10**20) | st.none() | st.text(max_size=5),
        max_size=80,
    )
)
def test_target_numbers(values: list[object]) -> None:
    out = target_or_refuse(values)
    if isinstance(out, np.ndarray):
        assert out.tolist() == [float(v) for v in values]  # type: ignore[arg-type]
    record("inputs", "parse_target")
    target_or_refuse(np.asarray([v for v in values if isinstance(v, float)], dtype=np.float64))


@fuzz_settings()
@given(
    st.lists(st.integers(0, 10**9).map(lambda c: c / 100), min_size=2, max_size=120),
    st.sampled_from(["\n", "\r\n", ";", "\t", ","]),
    st.booleans(),
    st.booleans(),
)
def test_target_round_trip(values: list[float], sep: str, header: bool, comma: bool) -> None:
    one_per_line = sep in ("\n", "\r\n")
    comma = comma and sep != ","
    cells_text = [f"{v:.2f}".replace(".", ",") if comma else repr(v) for v in values]
    text = sep.join(cells_text)
    if header:
        text = ("capacity" + ("\n" if not one_per_line else sep)) + text
    for source in (text, text.encode("utf-8-sig"), text.encode("utf-16")):
        out = target_or_refuse(source)
        assert isinstance(out, np.ndarray), out
        assert out.tolist() == values
