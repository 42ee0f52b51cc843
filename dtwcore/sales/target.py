"""The target curve: one column of numbers from text, a file or numbers, and the one grammar
that names where a target comes from (:class:`TargetSpec`)."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from dtwcore.sales.columns import ReadOptions
from dtwcore.sales.dialect import UNNAMED, Source, decode, fix_decimal_comma, read_source
from dtwcore.sales.errors import CatalogError, CatalogTooLarge
from dtwcore.sales.export import dataset_slug
from dtwcore.sales.facts import BIG_CATALOGUES, BLOG_TARGET, MAX_UNITS, MAX_WEEKS
from dtwcore.sales.text import number_text, show

if TYPE_CHECKING:
    import pandas as pd

_NUMBER_OR_COMMA = re.compile(r"^[+-]?\d+(?:[,.]\d+)?$")


def _is_pandas_series(source: object) -> bool:
    """Whether ``source`` is a pandas Series, without importing pandas: when nothing has
    imported it, no Series can exist."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(source, pandas.Series)


def parse_target(
    source: Source | Sequence[float] | np.ndarray | pd.Series, *, max_weeks: int = MAX_WEEKS
) -> np.ndarray:
    """One column of numbers (the weekly capacity) from text, bytes, a file or numbers.

    Parameters
    ----------
    source : str (the text itself), bytes, path (``pathlib.Path``), binary file-like, or a
        sequence of numbers. Text may have a header line; one number per line, or all
        numbers on one line separated by commas, semicolons or tabs. Decimal commas are
        understood when the separator is not a comma.
    max_weeks : int, the longest target accepted (the page passes ``PAGE_LIMITS.weeks``)

    Returns
    -------
    np.ndarray [shape=(T,), float64], 2 <= T <= max_weeks, each value finite and at most
    :data:`MAX_UNITS` in size.

    Raises
    ------
    CatalogError with the line and what is wrong.
    """
    if isinstance(source, (np.ndarray, list, tuple)) or _is_pandas_series(source):
        if len(source) > max_weeks:
            raise _long_target("The target", len(source), max_weeks)
        return _check_target([source[k] for k in range(len(source))], "The target")
    if isinstance(source, str):
        text, what = source, "The target"
    else:
        data, what = read_source(source, None)
        if what == UNNAMED:
            what = "The target file"
        text = decode(data, what)
    text = text.lstrip("\ufeff")
    lines = [(k + 1, ln.strip()) for k, ln in enumerate(text.splitlines()) if ln.strip()]
    if not lines:
        raise CatalogError(f"{what} is empty. It needs one number per week, at least 2.")
    sep: str | None = next((s for s in (";", "\t") if any(s in ln for _, ln in lines)), ",")
    decimal = sep != ","
    if sep == "," and len(lines) > 1:
        body = lines[1:] if _looks_like_header(lines[0][1]) else lines
        if all(_NUMBER_OR_COMMA.match(ln) for _, ln in body) and any("," in ln for _, ln in body):
            sep, decimal = None, True  # one column with decimal commas: "12,5" is 12.5
    cells = [(k, [c.strip() for c in (ln.split(sep) if sep else [ln])]) for k, ln in lines]
    if decimal:
        cells = [(k, [str(fix_decimal_comma(c)) for c in cs]) for k, cs in cells]
    if cells and not all(_is_number(c) for c in cells[0][1] if c):
        cells = cells[1:]  # a header line
        if not cells:
            raise CatalogError(f"{what} has a header but no numbers under it.")
    if len(cells) == 1:
        values = [c for c in cells[0][1] if c]
        line_of = [cells[0][0]] * len(values)
    else:
        for k, cs in cells:
            filled = [c for c in cs if c]
            if len(filled) != 1:
                raise CatalogError(
                    f"{what}, line {k}: found {len(filled)} values. The target must be one "
                    "column of numbers, one week per line; delete the other columns."
                )
        values = [next(c for c in cs if c) for _, cs in cells]
        line_of = [k for k, _ in cells]
    if len(values) > max_weeks:
        raise _long_target(what, len(values), max_weeks)
    for v, k in zip(values, line_of, strict=True):
        if not _is_number(v):
            raise CatalogError(f"{what}, line {k}: {show(v)!r} is not a number.")
    return _check_target([float(v) for v in values], what)


def _long_target(what: str, n: int, max_weeks: int) -> CatalogError:
    return CatalogTooLarge(
        f"{what} has {n:,} weeks; at most {max_weeks:,} are supported here. "
        + (BIG_CATALOGUES if max_weeks < MAX_WEEKS else "Shorten the target.")
    )


def _looks_like_header(line: str) -> bool:
    return not _NUMBER_OR_COMMA.match(line) and "," not in line


def _is_number(s: str) -> bool:
    try:
        return bool(np.isfinite(float(s)))
    except ValueError:
        return False


def _check_target(values: list[object], what: str) -> np.ndarray:
    """Finite floats, at least 2; weeks in messages count from 0 (like W0)."""
    out = []
    for k, v in enumerate(values):
        try:
            x = float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise CatalogError(f"{what}: week {k} ({show(v)!r}) is not a number.") from None
        except OverflowError:
            x = math.inf
        if not math.isfinite(x):
            raise CatalogError(f"{what}: week {k} is empty or not a finite number.")
        if abs(x) > MAX_UNITS:
            raise CatalogError(
                f"{what}: week {k} ({number_text(x)}) is too large; at most {MAX_UNITS:g} "
                "units a week are supported."
            )
        out.append(x)
    if len(out) < 2:
        raise CatalogError(
            f"{what} has {len(out)} number{'s' if len(out) != 1 else ''}; at least 2 weeks "
            "are needed."
        )
    return np.array(out, dtype=np.float64)


PUBLISHED = "blog"
PRODUCT_PREFIX = "product:"
VALUES_PREFIX = "values:"
PUBLISHED_NAME = "published capacity"
TARGET_GRAMMAR = f"{PUBLISHED}|FILE|{PRODUCT_PREFIX}CODE|{VALUES_PREFIX}N,N,…"


@dataclass(frozen=True)
class TargetSpec:
    """Where a target curve comes from, as one string says it.

    The one grammar of a target, read by ``score``, ``sweep`` (``--target``), the page
    and its link (``target=``): ``blog`` (the published capacity), ``product:CODE`` (a
    product's own weekly sales, left out of its ranking), ``values:12,13.5,…`` (the numbers
    themselves) or the path of a file with one column of numbers.

    Attributes
    ----------
    kind : "published", "product", "values" or "file"
    text : the product code, the numbers' text or the file path ("" when published)
    """

    kind: Literal["published", "product", "values", "file"]
    text: str = ""

    @property
    def name(self) -> str:
        """How screens, run names and file names call this target: "published capacity",
        "P83", "your values", or the file's name."""
        if self.kind == "published":
            return PUBLISHED_NAME
        if self.kind == "product":
            return self.text
        if self.kind == "values":
            return "your values"
        return Path(self.text).name

    @property
    def label(self) -> str:
        """How run names and download names call this target: "published capacity",
        "target P83", "target capacity.csv" or "your values"."""
        if self.kind in ("published", "values"):
            return self.name
        return f"target {self.name}"

    def spec(self) -> str:
        """The string this target is written as (:func:`parse_target_spec` reads it back)."""
        if self.kind == "published":
            return PUBLISHED
        if self.kind == "product":
            return PRODUCT_PREFIX + self.text
        if self.kind == "values":
            return VALUES_PREFIX + self.text
        return self.text


def shape_label(shape: int, dataset: str) -> str:
    """How run names and download names call a demand shape used as the target:
    ``shape_label(2, "Sales_Transactions_Dataset_Weekly.csv")`` is
    "shape 2 of Sales_Transactions_Dataset_Weekly" (``shape`` counts from 1)."""
    return f"shape {shape} of {dataset_slug(dataset)}"


def curve_label(values: Sequence[float] | np.ndarray) -> str:
    """The label of a target known only by its numbers: "published capacity" when they
    are the published curve, else "your values"."""
    values = np.asarray(values, dtype=np.float64)
    published = values.shape == BLOG_TARGET.shape and np.array_equal(values, BLOG_TARGET)
    return TargetSpec("published" if published else "values").label


def parse_target_spec(spec: str) -> TargetSpec:
    """Read a target string: ``blog``, ``product:CODE``, ``values:N,N,…`` or a file path.

    ``blog`` is read in any case and with surrounding spaces; a product code and a file
    path are kept exactly as given. Raises CatalogError for an empty string.
    """
    text = spec if isinstance(spec, str) else str(spec)
    if not text.strip():
        raise CatalogError(f"the target is empty: give {TARGET_GRAMMAR}")
    if text.strip().lower() == PUBLISHED:
        return TargetSpec("published")
    if text.startswith(PRODUCT_PREFIX):
        code = text.removeprefix(PRODUCT_PREFIX)
        if not code:
            raise CatalogError(f"the target {text!r} names no product: write {PRODUCT_PREFIX}CODE")
        return TargetSpec("product", code)
    if text.startswith(VALUES_PREFIX):
        return TargetSpec("values", text.removeprefix(VALUES_PREFIX))
    return TargetSpec("file", text)


def product_spec(code: str) -> TargetSpec:
    """The target that is product ``code``'s own weekly sales."""
    return TargetSpec("product", str(code))


def values_spec(values: Sequence[float] | np.ndarray) -> TargetSpec:
    """The target given by its numbers, written to 10 significant digits."""
    return TargetSpec("values", ",".join(f"{float(v):.10g}" for v in values))


def load_target(
    spec: TargetSpec,
    product_series: Callable[[str], np.ndarray] | None = None,
    *,
    max_weeks: int = MAX_WEEKS,
) -> np.ndarray:
    """The weekly values [shape=(T,), units a week] that ``spec`` names.

    Parameters
    ----------
    spec : from :func:`parse_target_spec`
    product_series : how to find a product's weekly sales by its code (a catalogue's
        :meth:`~dtwcore.sales.Catalog.series`, or :func:`product_in_file`); needed for a
        ``product:`` target
    max_weeks : int, the longest target accepted

    Raises
    ------
    CatalogError with what is wrong, in words.
    """
    if spec.kind == "published":
        return BLOG_TARGET.copy()
    if spec.kind == "values":
        return parse_target(spec.text.replace(",", "\n"), max_weeks=max_weeks)
    if spec.kind == "file":
        return parse_target(Path(spec.text), max_weeks=max_weeks)
    if product_series is None:
        raise CatalogError(f"the target {spec.spec()!r} needs a sales file to find the product in")
    return np.asarray(product_series(spec.text), dtype=np.float64)


def product_in_file(path: str | Path, options: ReadOptions) -> Callable[[str], np.ndarray]:
    """A :func:`load_target` product finder that reads the file at ``path`` once more,
    batch by batch, by the same reading rules (for catalogues bigger than memory)."""
    from dtwcore.sales.reading import CatalogReader

    def find(product: str) -> np.ndarray:
        for batch in CatalogReader(path, options=options):
            hits = np.flatnonzero(np.asarray(batch.ids.to_pylist(), dtype=object) == product)
            if hits.size:
                return np.array(batch.values[int(hits[0])], dtype=np.float64)
        raise CatalogError(f"{path}: the target product {product!r} is not a product of the file")

    return find
