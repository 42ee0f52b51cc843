"""Hypothesis strategies for catalogue and target files: well-formed, damaged and hostile."""

from __future__ import annotations

import csv
import io

from hypothesis import strategies as st

from dtwcore.sales.columns import is_summary_row

SEPARATORS = (",", ";", "\t", "|")
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1")
LINE_ENDS = ("\n", "\r\n", "\r")

# Text a person could type into a product code, including markup and formula starters.
_SPECIAL = "<>&\"'`*_[]()$#|~\\=+-@%;,\t !?/:."
code_chars = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00"
) | st.sampled_from(_SPECIAL)
product_codes = st.text(code_chars, min_size=1, max_size=16).filter(
    lambda s: s.strip() == s and s != "" and not is_summary_row(s)
)
"""Product codes; never a summary row's name (``Total``, ``ALL_PRODUCTS``), which is left
out of a table by design."""

_HEADERS = [
    "Product_Code", "product", "sku", "SKU ", "Item ID", "code", "week", "Week", "date",
    "units", "qty", "sales", "MIN", "MAX", "Normalized 0", "Normalized 1", "total", "", "x",
    "W0", "W1", "W2", "W3", "w_4", "week 5", "Wk6", "W51", "W52", "W-1", "W1e9",
    "W99999999999999999999",
]  # fmt: skip
_TOKENS = [
    "", " ", "NA", "n/a", "null", "None", "nan", "NaN", "inf", "-inf", "Infinity", "1e308",
    "-1e308", "1e309", "1e400", "1e-320", "9" * 40, "0", "-0", "-1", "+3", "1,5", "12,50",
    "1.000,5", "1,000", "1 000", "3.", ".5", "0x10", "1_000", "5%", "€5", "TRUE", "false",
    "2023-01-02", "02/01/2023", "2023-W01", "31.12.1999", "9999-12-31", "0001-01-01",
    "1700-01-01", "=1+1", "@SUM(A1)", "<script>alert(1)</script>", "**b**", '"', '""', "'",
    "\u00a0", "\u2212" + "5", "\ufeff", "W0",
]  # fmt: skip

numbers = st.one_of(
    st.integers(min_value=-10, max_value=10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(min_value=0, max_value=1e6).map(lambda x: f"{x:.3f}"),
    st.floats(min_value=0, max_value=1e6).map(lambda x: f"{x:.2f}".replace(".", ",")),
    st.floats(min_value=0, max_value=1e20).map(lambda x: f"{x:e}"),
)
cells = st.one_of(numbers, st.sampled_from(_TOKENS), st.text(max_size=10), product_codes)
headers = st.lists(st.sampled_from(_HEADERS) | st.text(max_size=8), min_size=0, max_size=9)


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


@st.composite
def messy_tables(draw: st.DrawFn) -> bytes:
    """A CSV-ish file: random header and cells, ragged rows, any separator, quoting,
    line end and encoding, sometimes a byte-order mark or a cut-off end."""
    header = draw(headers)
    if draw(st.booleans()):
        header += [f"W{k}" for k in range(draw(st.integers(0, 60)))]
    n_rows = draw(st.integers(0, 12))
    width = len(header)
    rows = []
    for _ in range(n_rows):
        n = width if draw(st.integers(0, 4)) else draw(st.integers(0, width + 3))
        rows.append(draw(st.lists(cells, min_size=n, max_size=n)))
    sep = draw(st.sampled_from(SEPARATORS))
    end = draw(st.sampled_from(LINE_ENDS))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, None]))
    if quoting is None:  # no quoting at all: separators inside cells break the columns
        text = end.join(sep.join(r) for r in [header, *rows])
    else:
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=sep, lineterminator=end, quoting=quoting)
        for r in [header, *rows]:
            writer.writerow(r)
        text = buf.getvalue()
    data = _encode(text, draw(st.sampled_from(ENCODINGS)))
    if draw(st.integers(0, 5)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return data


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with a few random edits: cut, bytes flipped, inserted or deleted."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["cut", "flip", "insert", "delete"]))
        at = draw(st.integers(0, len(data)))
        if op == "cut":
            del data[at:]
        elif op == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(
                st.sampled_from([b'"', b",", b";", b"\t", b"\n", b"\r", b"\x00", b"\xff\xfe"])
                | st.binary(max_size=8)
            )
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 50))]
    return bytes(data)


@st.composite
def wide_tables(
    draw: st.DrawFn,
    separators: tuple[str, ...] = SEPARATORS,
    encodings: tuple[str, ...] = ("utf-8", "utf-8-sig", "utf-16"),
) -> tuple[bytes, list[str], list[list[float]], str]:
    """A well-formed wide table (codes unique, units finite and not negative) written in
    any accepted dialect; returns the bytes, the codes, the values and the separator."""
    n = draw(st.integers(1, 8))
    weeks = draw(st.integers(2, 12))
    sep = draw(st.sampled_from(separators))
    encoding = draw(st.sampled_from(encodings))
    codes = draw(st.lists(product_codes, min_size=n, max_size=n, unique=True))
    decimal_comma = sep != "," and draw(st.booleans())
    cents = st.integers(0, 10**10).map(lambda c: c / 100)
    unit = cents if decimal_comma else cents | st.floats(0, 1e12, allow_subnormal=False)
    series = st.lists(unit, min_size=weeks, max_size=weeks)
    values = draw(st.lists(series, min_size=n, max_size=n))

    def fmt(v: float) -> str:
        return f"{v:.2f}".replace(".", ",") if decimal_comma else repr(v)

    buf = io.StringIO()
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    writer = csv.writer(buf, delimiter=sep, lineterminator=draw(st.sampled_from(LINE_ENDS[:2])),
                        quoting=quoting)  # fmt: skip
    writer.writerow(["Product_Code", *[f"W{k}" for k in range(weeks)]])
    for code, row in zip(codes, values, strict=True):
        writer.writerow([code, *[fmt(v) for v in row]])
    return buf.getvalue().encode(encoding), codes, values, sep


_parquet_columns = st.one_of(
    st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=6),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=6),
    st.lists(st.one_of(st.none(), cells), min_size=1, max_size=6),
    st.lists(st.booleans(), min_size=1, max_size=6),
)
_parquet_names = st.sampled_from(["Product_Code", "sku", "W0", "W1", "W2", "week", "units", "x"])


@st.composite
def parquet_files(draw: st.DrawFn) -> bytes:
    """A Parquet file of random columns (numbers, text, blanks, booleans), sometimes
    damaged afterwards."""
    import pandas as pd

    names = draw(
        st.lists(_parquet_names | st.text(max_size=6), min_size=1, max_size=6, unique=True)
    )
    n = draw(st.integers(1, 6))
    frame = pd.DataFrame({name: (draw(_parquet_columns) * n)[:n] for name in names})
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    raw = buf.getvalue()
    if draw(st.booleans()):
        raw = draw(mutated(raw))
    return raw
