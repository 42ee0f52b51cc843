"""Distributed scoring on Spark: the same kernels, the same numbers, many machines.

PySpark is an optional extra (``pip install -r requirements-spark.txt``, Java 17+); it is
imported inside these functions only, so the app and the local command line never load it.
Every worker needs ``dtwcore`` (and numpy, numba, pandas, pyarrow) installed.

:func:`score` turns a Spark DataFrame of sales into a DataFrame of ``product, distance,
rank, zscore``. The layout and the column roles come from the one set of rules
(:mod:`dtwcore.sales.columns`): a wide table is scored row by row; a long table (one row
per product and week, or per order line) is added up into weeks by a group-by on the
cluster, by the same rules as the page and the local command, never pivoted on the driver.

* distances come from :func:`dtwcore.dtw_one_to_many` run on each partition with
  ``mapInArrow`` (the Arrow form of ``mapInPandas``: the same batches without a pandas
  conversion, 2-3 times faster end to end), so they are identical to the local engine's;
* ``zscore`` uses the catalogue's mean and population standard deviation (Spark
  aggregates); ``rank`` is the 1-based position in the order (distance, input order),
  numbered partition by partition after a range-partitioned sort, so no step gathers the
  catalogue on one machine.

Example::

    from pyspark.sql import SparkSession
    from dtwcore.sales import BLOG_TARGET
    from dtwcore.sales.spark import score

    spark = SparkSession.builder.getOrCreate()
    products = spark.read.parquet("s3://bucket/weekly_sales/")
    ranked = score(products, BLOG_TARGET, stretch=0.05)
    ranked.write.parquet("s3://bucket/dtw_scores/")
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import operator
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dtwcore.distance import band_radius, dtw_one_to_many
from dtwcore.sales import DECIMAL_COMMA, DEFAULT_STRETCH, CatalogError
from dtwcore.sales.columns import (
    COMPACT_DATE_GROUPS,
    DATE_CELL,
    ID_JOIN,
    MONTH_PATTERNS,
    NAMED_DATE_GROUPS,
    SNIFF_ROWS,
    SUMMARY_ROWS,
    WEEK_CELL,
    YEARS,
    ReadOptions,
    Roles,
    clean_header,
    resolve_roles,
)
from dtwcore.sales.dialect import (
    BRACKETED,
    CURRENCY_SIGN,
    DECIMAL_DOT,
    GROUP_SPACE,
    SPACE_GROUPS,
    THOUSANDS_COMMAS,
    THOUSANDS_DOTS,
    TRAILING_MINUS,
    UNIT_SUFFIX,
    check_text,
)
from dtwcore.sales.errors import NO_DATA_ROWS
from dtwcore.sales.facts import MAX_UNITS, MAX_WEEKS
from dtwcore.sales.reading import (
    BATCH_ROWS,
    NOT_A_NUMBER,
    CatalogReader,
    arrow_ids,
    check_not_monthly,
    check_values,
    only_summary_rows,
    options_with,
    summary_rows,
    to_matrix,
    year_week_grid,
    year_weeks,
)
from dtwcore.sales.results import RESULT_SCHEMA, nothing_to_rank, ranked_tables
from dtwcore.sales.scoring import zscores
from dtwcore.sales.window import (
    Window,
    default_window,
    nonpositive,
    nonpositive_note,
    parse_weeks,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["read_catalog", "roles_of", "score", "score_file", "session", "to_arrow"]

# Spark's own driver log is off: errors reach the caller as exceptions (a worker's
# CatalogError as one line), and Spark otherwise prints notices and stack traces on stderr.
_LOG4J2 = """\
rootLogger.level = off
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n
logger.gateway.name = org.apache.spark.api.python.PythonGatewayServer
logger.gateway.level = off
"""
# Spark prints 'Setting default log level to "WARN"' (two lines) when the Python gateway's
# logger above has no level of its own. The JVM's own "WARNING: Using incubator modules"
# line (Spark's launcher adds jdk.incubator.vector) cannot be turned off.
# PySpark 4.3 warns on the driver that pandas 3 is not fully supported whenever a
# mapInArrow or pandas UDF is defined; ours use Arrow only and are covered by tests.
_PANDAS_WARNING = "PySpark does not yet fully support pandas"
# The driver JVM mostly starts, plans the jobs and passes the (product, distance) records
# on: with the simple JIT compiler alone (C1; the optimising C2 compiler's threads compete
# with the Python workers for the cores) the session starts in about 5.5 s instead of 9.5 s
# on local[2] (runs taking turns, load average 4-5), and the first job takes as long
# (12.5-13 s for 4M products either way).
_DRIVER_JIT = "-XX:TieredStopAtLevel=1"
_NEEDS = "--engine spark needs PySpark (pip install -r requirements-spark.txt) and Java 17+"
_DISTANCES = "product string, distance double, _row long"
_RANKED = "product string, distance double, _row long, rank long, zscore double"
# Spark's CSV reader takes few encodings: Windows-1252 is read as ISO-8859-1, which differs
# from it only in bytes 0x80-0x9F, then those characters are translated (the bytes
# Windows-1252 does not define become U+FFFD, as the local reader reads them).
_SPARK_ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "cp1252": "ISO-8859-1",
}
_LATIN1_C1 = bytes(range(0x80, 0xA0)).decode("latin-1")
_CP1252_C1 = bytes(range(0x80, 0xA0)).decode("cp1252", errors="replace")


def session(
    master: str | None = None, *, progress: bool = False, shuffle_partitions: int | None = None
) -> tuple[SparkSession, bool]:
    """The active Spark session, or a new one on ``master`` (default ``local[*]``).

    Returns (session, created); stop the session only if this call created it. Python
    workers run this interpreter (``PYSPARK_PYTHON`` defaults to ``sys.executable``).
    """
    try:
        from pyspark.errors import PySparkException
        from pyspark.sql import SparkSession
    except ImportError:
        raise ValueError(_NEEDS) from None

    warnings.filterwarnings("ignore", message=_PANDAS_WARNING, category=FutureWarning)
    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    master = master or "local[*]"
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    fd, log_config = tempfile.mkstemp(prefix="dtwcore-log4j2-", suffix=".properties")
    with os.fdopen(fd, "w") as f:
        f.write(_LOG4J2)
    builder = (
        SparkSession.builder.master(master)
        .appName("dtwcore score")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "true" if progress else "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config(
            "spark.driver.extraJavaOptions",
            f"-Dlog4j2.configurationFile={log_config} {_DRIVER_JIT}",
        )
    )
    if shuffle_partitions is not None:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
    try:
        spark = builder.getOrCreate()
    except PySparkException as exc:
        reason = " ".join(str(exc).split())
        raise ValueError(f"Spark did not start on {master} ({reason}); {_NEEDS}") from None
    finally:
        os.unlink(log_config)
    spark.sparkContext.setLogLevel("OFF")
    return spark, True


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _is_numeric(dtype: Any) -> bool:
    from pyspark.sql import types as T

    return isinstance(dtype, (T.NumericType, T.NullType))


def read_catalog(
    spark: SparkSession, reader: CatalogReader, *, text_weeks: bool = False
) -> DataFrame:
    """The catalogue file behind ``reader`` as a Spark DataFrame of its columns.

    Columns are named as the reader names them (header names trimmed, blank ones called
    ``column K``). CSV files are read in the dialect the reader found
    (:class:`dtwcore.sales.Dialect`): its separator, its encoding (UTF-16 files are read
    whole, one task per file, as Spark cannot split them into lines) and decimal commas,
    read by the same rule. Wide files: product columns as text, week columns as doubles
    (a week cell that is not a number becomes a null, which scoring reports by product
    and column); read as text first by the page's rule (:func:`_numbers`, ``$1,234.00``)
    when ``text_weeks`` is true or the rows the roles were chosen on hold decimal commas
    or formatted numbers (:attr:`Roles.formatted`), as plain numbers otherwise (faster).
    Long files: every column as text, read by :func:`score`'s long rules. Blank rows
    (empty, or separators and white space only) are left out, as the page leaves them
    out, and so are the lines above the header the reader skipped (title lines, Excel's
    ``sep=`` line, a row of years above the weeks: :func:`_records_above_data`).
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    path = os.path.abspath(reader.path)
    if reader.format == "parquet":
        products = spark.read.parquet(path)
        return products.toDF(*reader.file_columns)
    dialect = reader.dialect
    assert dialect is not None
    above = _records_above_data(reader) if reader.lines_above_header or reader.years_row else 0
    wide = reader.roles.layout == "wide"
    weeks = set(reader.roles.weeks)
    text_weeks = text_weeks or _formatted_weeks(reader)
    week_type = T.StringType() if text_weeks or not wide else T.DoubleType()
    schema = T.StructType(
        [
            T.StructField(name, week_type if name in weeks else T.StringType())
            for name in reader.file_columns
        ]
    )
    products = spark.read.csv(
        path,
        header=not above,
        schema=schema,
        mode="PERMISSIVE",
        sep=dialect.separator,
        encoding=_SPARK_ENCODINGS[dialect.encoding],
        multiLine=dialect.encoding == "utf-16",
        ignoreLeadingWhiteSpace=False,
        ignoreTrailingWhiteSpace=False,
    )
    if above:  # the first records, in the first partition, in the file's order
        line = F.monotonically_increasing_id()
        products = products.withColumn("_line", line).where(F.col("_line") >= above)
        products = products.drop("_line")
    filled = [F.regexp_replace(F.coalesce(F.col(_quoted(n)).cast("string"), F.lit("")),
                               r"(?U)\s+", "") != ""
              for n in reader.file_columns]  # fmt: skip
    products = products.where(functools.reduce(operator.or_, filled))  # blank rows left out
    if not text_weeks and dialect.encoding != "cp1252":
        return products
    columns = []
    for name in reader.file_columns:
        column = F.col(_quoted(name))
        if name in weeks:
            if text_weeks:
                column = _numbers(column, dialect.decimal_comma)
        elif dialect.encoding == "cp1252":
            column = F.translate(column, _LATIN1_C1, _CP1252_C1)
        columns.append(column.alias(name))
    return products.select(*columns)


_SPARK_TRIMMED = "".join(map(chr, range(33)))
"""What Java's ``String.trim`` takes off a line's ends: a line of them alone is blank to
Spark's CSV reader, which skips it."""


def _records_above_data(reader: CatalogReader) -> int:
    """How many records Spark's CSV reader makes of the lines above a file's first data
    row (:attr:`CatalogReader.first_line`): title lines, Excel's ``sep=`` line, a row of
    years and the header, blank lines (skipped by Spark) not counted."""
    assert reader.dialect is not None
    with open(reader.path, encoding=reader.dialect.encoding, newline="") as f:
        lines = itertools.islice(f, reader.first_line - 1)
        return sum(1 for line in lines if line.strip(_SPARK_TRIMMED))


def roles_of(
    spark_df: DataFrame, options: ReadOptions | None = None, source: str = "the DataFrame"
) -> Roles:
    """The roles of a DataFrame's columns by the one set of rules
    (:func:`dtwcore.sales.resolve_roles`), from its first
    :data:`~dtwcore.sales.SNIFF_ROWS` rows."""
    header = clean_header(spark_df.columns, source)
    if header != list(spark_df.columns):
        raise CatalogError(f"{source}: column names must be non-blank and without spaces around")
    sample = spark_df.limit(SNIFF_ROWS).toArrow()
    rows = [list(r) for r in zip(*(c.to_pylist() for c in sample.columns), strict=True)]
    return resolve_roles(header, rows, options, source)


def _decimal_comma_number(text: Any) -> Any:
    """A Spark text column as doubles by the page's rule for files read with decimal
    commas (:func:`dtwcore.sales.dialect.decimal_point_text`: ``12,5`` is 12.5, ``1.234``
    is 1234); a cell that is not a number, or whose dot is ambiguous (``1.5``), becomes
    null."""
    from pyspark.sql import functions as F

    text = F.regexp_replace(text, r"^\s+|\s+$", "")
    thousands = text.rlike(THOUSANDS_DOTS.pattern)
    ambiguous = text.rlike(DECIMAL_DOT.pattern) & ~thousands
    text = F.when(thousands, F.regexp_replace(text, r"\.", "")).otherwise(text)
    comma = text.rlike(DECIMAL_COMMA.pattern)
    number = F.when(comma, F.regexp_replace(text, ",", ".")).otherwise(text).try_cast("double")
    return F.when(~ambiguous, number)


class _Scorer:
    """mapInArrow function: (product, w0 …, _row) batches -> (product, distance, _row)."""

    def __init__(
        self,
        target: np.ndarray,
        radius: int,
        znorm: bool,
        weeks: tuple[str, ...],
        window: Window,
        keep_nonpositive: bool,
    ):
        self.target = target
        self.radius = radius
        self.znorm = znorm
        self.weeks = weeks
        self.window = window
        self.keep_nonpositive = keep_nonpositive

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        _task_threads()
        n_weeks = len(self.weeks)
        for batch in batches:
            if batch.num_rows == 0:
                continue
            ids = batch.column(0)
            if ids.null_count:
                raise CatalogError("a product id is missing")
            values = to_matrix(batch.columns[1 : n_weeks + 1], batch.num_rows)
            ids, values, rows = _without_summary_rows(ids, values, batch.column(n_weeks + 1))
            if not len(ids):
                continue
            check_values(values, ids, self.weeks, None, None)
            yield _scored(self, ids, values[:, self.window.columns], rows)


def _without_summary_rows(
    ids: pa.Array, values: np.ndarray, rows: pa.Array
) -> tuple[pa.Array, np.ndarray, pa.Array]:
    """A wide batch's products, weekly values [shape=(N, W)] and row positions without its
    summary rows (``Total``, ``Grand Total``), as the reader leaves them out."""
    found = summary_rows(ids)
    if not found.size:
        return ids, values, rows
    keep = np.ones(len(ids), dtype=bool)
    keep[found] = False
    mask = pa.array(keep)
    return ids.filter(mask), values[keep], rows.filter(mask)


def _task_threads() -> None:
    """Spark runs one task per core: each task's kernels get the task's cores."""
    from numba import config, set_num_threads
    from pyspark import TaskContext

    context = TaskContext.get()
    cpus = context.cpus() if context is not None else 1
    set_num_threads(max(1, min(cpus, config.NUMBA_NUM_THREADS)))


class _ParquetScorer:
    """mapInArrow function: (id) rows naming row groups of a wide Parquet file, by their
    index in ``groups`` (whose first rows are ``firsts``) -> (product, distance, _row).

    Each Python worker reads its row groups itself with pyarrow, as the local engine reads
    them, so the weekly values never pass through the JVM (which turned them into rows and
    back into Arrow batches: most of a run's time). The file must be readable at the same
    path on every worker, as ``spark.read.parquet`` needs too.
    """

    def __init__(
        self,
        path: str,
        groups: list[int],
        firsts: list[int],
        columns: list[str],
        n_ids: int,
        clip_negative: bool,
        scorer: _Scorer,
    ):
        self.path = path
        self.groups = groups
        self.firsts = firsts
        self.columns = columns
        self.n_ids = n_ids
        self.clip_negative = clip_negative
        self.scorer = scorer

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow.parquet as pq

        _task_threads()
        scorer = self.scorer
        file = pq.ParquetFile(self.path)
        for tasks in batches:
            for task in tasks.column(0).to_pylist():
                group, first = self.groups[task], self.firsts[task]
                for record in file.iter_batches(
                    batch_size=BATCH_ROWS, row_groups=[group], columns=self.columns
                ):
                    n = record.num_rows
                    if n == 0:
                        continue
                    check_text(
                        zip(self.columns[: self.n_ids], record.columns[: self.n_ids], strict=True),
                        "",  # the driver names the file
                        first + 2,
                    )
                    ids, blank = arrow_ids(record.columns[: self.n_ids])
                    if blank.any():
                        raise CatalogError("a product id is missing")
                    values = to_matrix(record.columns[self.n_ids :], n)
                    rows = pa.array(np.arange(first, first + n, dtype=np.int64))
                    first += n
                    ids, values, rows = _without_summary_rows(ids, values, rows)
                    if not len(ids):
                        continue
                    check_values(values, ids, scorer.weeks, None, None)
                    if self.clip_negative:
                        np.maximum(values, 0.0, out=values)
                    yield _scored(scorer, ids, values[:, scorer.window.columns], rows)


def _parquet_groups(reader: CatalogReader) -> tuple[list[int], list[int]] | None:
    """The non-empty row groups of the reader's file and the position of their first rows;
    None unless the file is wide Parquet with text ids (other files go through Spark's own
    reader)."""
    import pyarrow.parquet as pq

    if reader.format != "parquet" or reader.roles.layout != "wide":
        return None
    file = pq.ParquetFile(reader.path)
    schema = file.schema_arrow
    ids = reader.parquet_columns()[: len(reader.roles.ids)]
    text = (pa.types.is_string, pa.types.is_large_string)
    if not all(any(is_text(schema.field(c).type) for is_text in text) for c in ids):
        return None
    groups, firsts, first = [], [], 0
    for k in range(file.metadata.num_row_groups):
        size = file.metadata.row_group(k).num_rows
        if size:
            groups.append(k)
            firsts.append(first)
        first += size
    return (groups, firsts) if groups else None


def _scored(
    scorer: _Scorer | _LongScorer, ids: pa.Array, values: np.ndarray, rows: pa.Array
) -> pa.RecordBatch:
    """(product, distance, _row) of a batch's products over the comparison window; those
    with net units of 0 or less there get a null distance unless the scorer keeps them
    (the local engine leaves them out of the ranking and names them:
    :func:`dtwcore.sales.window.nonpositive`)."""
    drop = np.empty(0, dtype=np.int64) if scorer.keep_nonpositive else nonpositive(values)
    if not drop.size:
        dist = dtw_one_to_many(scorer.target, values, window=scorer.radius, znorm=scorer.znorm)
        distance = pa.array(dist)
    else:
        left_out = np.zeros(values.shape[0], dtype=bool)
        left_out[drop] = True
        dist = np.zeros(values.shape[0])
        if not left_out.all():  # the kernels take one series or more
            dist[~left_out] = dtw_one_to_many(
                scorer.target, values[~left_out], window=scorer.radius, znorm=scorer.znorm
            )
        distance = pa.array(dist, mask=left_out)
    return pa.RecordBatch.from_arrays([ids, distance, rows], names=["product", "distance", "_row"])


class _Ranker:
    """mapInArrow function numbering a globally sorted DataFrame partition by partition and
    adding the z-scores (:func:`dtwcore.sales.zscores` with the catalogue's mean and sd)."""

    def __init__(self, offsets: dict[int, int], mean: float, sd: float):
        self.offsets = offsets
        self.mean = mean
        self.sd = sd

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        position = self.offsets.get(TaskContext.get().partitionId(), 0)
        for batch in batches:
            n = batch.num_rows
            rank = pa.array(np.arange(position + 1, position + n + 1, dtype=np.int64))
            position += n
            dist = batch.column("distance").to_numpy(zero_copy_only=False)
            z = pa.array(zscores(dist, self.mean, self.sd))
            yield batch.append_column("rank", rank).append_column("zscore", z)


class _LongScorer:
    """mapInArrow function: (product, _row, cells: list<struct<i, u>>) batches ->
    (product, distance, _row); ``cells`` are the product's weeks (index, units)."""

    def __init__(
        self,
        target: np.ndarray,
        radius: int,
        znorm: bool,
        n_weeks: int,
        window: Window,
        keep_nonpositive: bool,
    ):
        self.target = target
        self.radius = radius
        self.znorm = znorm
        self.n_weeks = n_weeks
        self.window = window
        self.keep_nonpositive = keep_nonpositive

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            n = batch.num_rows
            if n == 0:
                continue
            cells = batch.column(2)
            lengths = np.diff(cells.offsets.to_numpy())
            flat = cells.flatten()
            values = np.zeros((n, self.n_weeks))
            rows = np.repeat(np.arange(n), lengths)
            values[rows, flat.field("i").to_numpy()] = flat.field("u").to_numpy()
            yield _scored(self, batch.column(0), values[:, self.window.columns], batch.column(1))


def _product_column(roles: Roles) -> Any:
    """The product of every row: the id column as text, or the id columns joined by
    :data:`~dtwcore.sales.ID_JOIN` (null when any part is blank), trimmed as the page
    trims cells."""
    from pyspark.sql import functions as F

    parts = [F.trim(F.col(_quoted(c)).cast("string")) for c in roles.ids]
    parts = [F.when(p != "", p) for p in parts]
    if len(parts) == 1:
        return parts[0]
    joined = F.concat_ws(ID_JOIN, *parts)
    return F.when(F.greatest(*[p.isNull() for p in parts]), F.lit(None)).otherwise(joined)


def _is_summary_product(product: Any) -> Any:
    """True where a product is a summary row's (``Total``, ``Grand Total``, ``Sum:``), by
    the rule of :func:`dtwcore.sales.columns.is_summary_row` (the name trimmed, lower case,
    runs of spaces and hyphens as ``_``, colons then ``_`` off its end); false for none."""
    from pyspark.sql import functions as F

    text = F.regexp_replace(product, r"(?U)^\s+|\s+$", "")
    text = F.lower(F.regexp_replace(text, r"(?U)[\s\-]+", "_"))
    text = F.regexp_replace(F.regexp_replace(text, ":+$", ""), "_+$", "")
    return F.coalesce(text.isin(*sorted(SUMMARY_ROWS)), F.lit(False))


def _numbers(column: Any, decimal_comma: bool) -> Any:
    """A column as doubles by the page's rule (text trimmed; decimal commas when asked;
    a number written as a spreadsheet shows it, ``$1,234.00``, without its formatting:
    :func:`dtwcore.sales.dialect.unformatted_text`, the same patterns)."""
    from pyspark.sql import functions as F

    text = F.trim(column.cast("string"))
    plain = F.regexp_replace(text, UNIT_SUFFIX.pattern, "$1")
    plain = F.regexp_replace(plain, BRACKETED.pattern, "-$1")
    plain = F.regexp_replace(plain, TRAILING_MINUS.pattern, "-$1")
    plain = F.regexp_replace(plain, CURRENCY_SIGN.pattern, "")
    plain = F.when(
        plain.rlike(SPACE_GROUPS.pattern), F.regexp_replace(plain, GROUP_SPACE.pattern, "")
    ).otherwise(plain)
    if decimal_comma:
        return F.coalesce(_decimal_comma_number(text), _decimal_comma_number(plain))
    commas = plain.rlike(THOUSANDS_COMMAS.pattern)
    plain = F.when(commas, F.regexp_replace(plain, ",", "")).otherwise(plain)
    return F.coalesce(text.try_cast("double"), plain.try_cast("double"))


def _week_cells(text: Any) -> Any:
    """Weeks written with a word (:data:`dtwcore.sales.columns.WEEK_CELL`: ``W5``,
    ``2024-W05``, ``W05-2024``, ``FY24 Wk 5``) as
    :func:`dtwcore.sales.columns.week_label` reads them: the week number, or ``year * 100
    + week``; null for any other text."""
    from pyspark.sql import functions as F

    def group(k: int) -> Any:
        found = F.regexp_extract(text, WEEK_CELL.pattern, k)
        return F.when(found != "", found.cast("long"))

    return F.coalesce(
        group(2) * 100 + group(3),
        group(5) * 100 + group(4),
        (group(6) + 2000) * 100 + group(7),
        group(1),
    ).cast("double")


def _days(column: Any, order: str) -> Any:
    """Dates written in ``order`` as days since 1970-01-01 (null when not a real date),
    by the rule of :func:`dtwcore.sales.columns.parse_dates`: a date with a month's name
    (``07-Jan-24``, ``Jan 7, 2024``) or without separators (``20240107``) in the order it
    is written in, whatever ``order``."""
    from pyspark.sql import functions as F

    text = column.cast("string")

    def group(k: int) -> Any:  # "" where the group took no part
        return F.regexp_extract(text, DATE_CELL.pattern, k)

    a, b, c = (group(k).try_cast("int") for k in (1, 2, 3))
    year, month, day = {"ymd": (a, b, c), "dmy": (c, b, a), "mdy": (c, a, b)}[order]
    named_year, name, named_day = (
        F.concat(*(group(groups[k]) for groups in NAMED_DATE_GROUPS.values())) for k in range(3)
    )
    months = [name.rlike(f"(?i)^(?:{pattern})$") for pattern in MONTH_PATTERNS]
    named_month = F.when(months[0], 1)
    for number, matches in enumerate(months[1:], start=2):
        named_month = named_month.when(matches, number)
    named = name != ""
    year = F.when(named, named_year.try_cast("int")).otherwise(year)
    month = F.when(named, named_month).otherwise(month)
    day = F.when(named, named_day.try_cast("int")).otherwise(day)
    compact_year, compact_month, compact_day = (group(g) for g in COMPACT_DATE_GROUPS)
    compact = compact_year != ""  # year first, whatever the order
    year = F.when(compact, compact_year.try_cast("int")).otherwise(year)
    month = F.when(compact, compact_month.try_cast("int")).otherwise(month)
    day = F.when(compact, compact_day.try_cast("int")).otherwise(day)
    year = F.when(year >= 100, year).otherwise(year + F.when(year < 69, 2000).otherwise(1900))
    ok = year.isNotNull() & month.between(1, 12) & day.isNotNull() & (day >= 1)
    first = F.make_date(F.when(ok, year).otherwise(2000), F.when(ok, month).otherwise(1), F.lit(1))
    ok = ok & (day <= F.dayofmonth(F.last_day(first)))
    return F.when(ok, F.datediff(F.date_add(first, day - 1), F.lit("1970-01-01")))


def _first_bad(frame: DataFrame, bad: Any, what: Any) -> None:
    """Raise a CatalogError for the first row (in input order) where ``bad`` holds."""

    found = frame.where(bad).orderBy("_row").select(what.alias("why"), "product").first()
    if found is not None:
        where = f"product {found['product']}: " if found["product"] else ""
        raise CatalogError(f"{where}{found['why']}")


def _long_products(
    spark_df: DataFrame, roles: Roles, options: ReadOptions, decimal_comma: bool
) -> tuple[DataFrame, int]:
    """(product, _row, cells) per product of a long table, added up on the cluster (a
    group-by, never a pivot on the driver); and the number of weeks.

    Same rules as :func:`dtwcore.sales.reading.weekly_table`: whole week numbers or dates
    (weekly when every date falls on one weekday, else added up into weeks starting on
    ``options.week_start``), missing weeks 0, negative weekly units clipped to 0 only with
    ``clip_negative``. Rows of a summary product (``Total`` of every week) are left out,
    whatever they hold. The first unusable row (in input order) is reported.
    """
    from pyspark.sql import functions as F

    assert roles.period is not None and roles.units is not None
    period, units = F.col(_quoted(roles.period)), F.col(_quoted(roles.units))
    year = F.col(_quoted(roles.year)) if roles.year else F.lit(None)
    rows = spark_df.select(
        _product_column(roles).alias("product"),
        period.cast("string").alias("_period"),
        _numbers(units, decimal_comma).alias("units"),
        units.cast("string").alias("_units"),
        year.cast("string").alias("_year"),
    ).withColumn("_row", F.monotonically_increasing_id())
    rows = rows.withColumn("_summary", _is_summary_product(F.col("product")))
    kept = ~F.col("_summary")  # the rows of products, not of their sums
    year_number = _numbers(F.col("_year"), decimal_comma)
    blank_year = F.lit(bool(roles.year)) & (F.coalesce(F.trim(F.col("_year")), F.lit("")) == "")
    bad_year = F.lit(bool(roles.year)) & ~F.coalesce(
        (year_number == F.round(year_number)) & year_number.between(*YEARS), F.lit(False)
    )
    if roles.date_order:
        rows = rows.withColumn("key", _days(F.col("_period"), roles.date_order))
        kind = "a date"
    else:
        period_text = F.col("_period")
        number = (
            _week_cells(period_text) if roles.week_cells else _numbers(period_text, decimal_comma)
        )
        whole = number.isNotNull() & (number == F.round(number)) & (F.abs(number) <= 1e12)
        rows = rows.withColumn("key", F.when(whole, number.cast("long")))
        kind = "a whole week number"
        if year_weeks(roles):
            key, kind = _year_week_key(F.col("key"), year_number, roles)
            rows = rows.withColumn("key", key)
    week_label, units_label = roles.period, roles.units
    blank_period = F.coalesce(F.trim(F.col("_period")), F.lit("")) == ""
    blank_units = F.coalesce(F.trim(F.col("_units")), F.lit("")) == ""
    id_label = " + ".join(roles.ids)
    why = (
        F.when(F.col("product").isNull(), F.lit(f"the product code ({id_label}) is blank"))
        .when(blank_period, F.lit(f"{week_label} is blank"))
        .when(blank_year, F.lit(f"{roles.year} is blank"))
        .when(bad_year, F.concat(F.lit("'"), F.col("_year"),
                                 F.lit(f"' in {roles.year} is not a year")))
        .when(F.col("key").isNull(), F.concat(F.lit("'"), F.col("_period"),
                                              F.lit(f"' in {week_label} is not {kind}")))
        .when(blank_units, F.lit(f"{units_label} is blank"))
        .when(F.col("units").isNull() | F.isnan("units"),
              F.concat(F.lit("'"), F.col("_units"), F.lit(f"' in {units_label} is not a number")))
        .otherwise(F.lit(f"{units_label} is too large; at most {MAX_UNITS:g} units a week are "
                         "supported"))
    )  # fmt: skip
    bad = kept & (
        F.col("product").isNull() | F.col("key").isNull() | F.col("units").isNull()
        | F.isnan("units") | (F.abs("units") > MAX_UNITS) | bad_year
    )  # fmt: skip
    kept_key = F.when(kept, F.col("key"))
    week_53 = F.lit(year_weeks(roles)) & (kept_key % 100 == 53)
    weekday = F.pmod(F.col("key") + 3, 7)  # 1970-01-01 was a Thursday: Monday = 0
    with _worker_errors():
        # One pass for the checks and the span: unusable rows, weekdays, first and last.
        facts = rows.agg(
            F.max(bad.cast("int")).alias("bad"),
            F.countDistinct(F.when(kept, weekday)).alias("weekdays"),
            F.min(kept_key).alias("first"),
            F.max(kept_key).alias("last"),
            # Years with a week 53 (year-week keys only: null for the others).
            F.collect_set(F.when(week_53, kept_key / 100).cast("long")).alias("long_years"),
            # The days with sales (dates only), to tell sales by month from weeks.
            F.collect_set(F.when(F.lit(bool(roles.date_order)), kept_key)).alias("days"),
            F.max(F.col("_summary").cast("int")).alias("summaries"),
        ).first()
        if facts["bad"]:
            _first_bad(rows, bad, why)
        if facts["first"] is None and facts["summaries"]:
            # Every row is a summary row: they are named, in order of their first row.
            named = rows.where(F.col("_summary")).groupBy("product").agg(F.min("_row").alias("r"))
            raise only_summary_rows("", [r["product"] for r in named.orderBy("r").collect()])
    if roles.date_order:
        check_not_monthly(np.array(facts["days"], dtype=np.int64), roles.period)
    if facts["first"] is None:
        raise CatalogError(NO_DATA_ROWS)
    rows = rows.where(kept)
    first, last, step = int(facts["first"]), int(facts["last"]), 1
    index = None
    if year_weeks(roles):
        grid = year_week_grid(first, last, facts["long_years"], "")
        years = grid // 100
        # Week w of year y is at index starts[y - first year] + w - 1.
        at = np.searchsorted(years, np.arange(years[0], years[-1] + 1))
        starts = F.array(*[F.lit(int(k - grid[k] % 100 + 1)) for k in at])
        year_of = (F.col("key") / 100).cast("int") - int(years[0]) + 1
        index = F.element_at(starts, year_of) + F.col("key") % 100 - 1
        first, last = 0, grid.size - 1
    elif roles.date_order:
        step = 7
        if facts["weekdays"] > 1:  # daily or per order: added up into weeks
            start = options.week_start
            rows = rows.withColumn("key", F.col("key") - F.pmod(weekday - start, 7))
            first -= ((first + 3) % 7 - start) % 7
            last -= ((last + 3) % 7 - start) % 7
    weekly = rows.groupBy("product", "key").agg(
        F.sum("units").alias("u"), F.min("_row").alias("_row")
    )
    if options.clip_negative:
        weekly = weekly.withColumn("u", F.greatest(F.col("u"), F.lit(0.0)))
    n_weeks = (last - first) // step + 1
    if n_weeks > MAX_WEEKS:
        raise CatalogError(
            f"its weeks run over {n_weeks:,} weeks; at most {MAX_WEEKS:,} weeks are supported. "
            "Check the week numbers or dates."
        )
    if n_weeks < 2:
        raise CatalogError("all usable rows are for one week; at least 2 weeks are needed.")
    if index is None:
        index = ((F.col("key") - first) / step).cast("int")
    products = weekly.groupBy("product").agg(
        F.min("_row").alias("_row"),
        F.collect_list(F.struct(index.alias("i"), F.col("u").alias("u"))).alias("cells"),
    )
    return products, n_weeks


def _year_week_key(number: Any, year: Any, roles: Roles) -> tuple[Any, str]:
    """The key ``year * 100 + week`` of whole period numbers read by
    :func:`dtwcore.sales.reading.year_weeks` (null when not a week of a year), and what a
    period cell must be, by the rule of the reader's ``_year_week_keys``."""
    from pyspark.sql import functions as F

    if roles.year_weeks:
        ok = (number / 100).cast("long").between(*YEARS) & (number % 100).between(1, 53)
        return F.when(ok, number), "a year and week number (like 202405)"
    ok = number.between(1, 53)
    if roles.wrap_week:
        key = number + F.when(number < roles.wrap_week, 100).otherwise(0)
    else:
        key = year.cast("long") * 100 + number
    return F.when(ok, key), "a week number 1–53"


def _parquet_distances(
    spark: SparkSession,
    reader: CatalogReader,
    target: np.ndarray,
    *,
    stretch: float,
    znorm: bool,
    weeks: str | None,
    keep_nonpositive: bool,
) -> tuple[DataFrame, Window] | None:
    """[product, distance, _row] of a wide Parquet file read by the Python workers
    themselves (:class:`_ParquetScorer`; ``_row`` is the row's position in the file) and
    the weeks compared, or None when the file is not one (:func:`_parquet_groups`)."""
    found = _parquet_groups(reader)
    if found is None:
        return None
    groups, firsts = found
    target = _checked_target(target)
    radius = band_radius(target.shape[0], stretch=stretch)
    roles = reader.roles
    window = _window(weeks, len(roles.weeks), target.shape[0])
    scorer = _Scorer(target, radius, znorm, roles.weeks, window, keep_nonpositive)
    reads = _ParquetScorer(
        os.path.abspath(reader.path),
        groups,
        firsts,
        reader.parquet_columns(),
        len(roles.ids),
        reader.options.clip_negative,
        scorer,
    )
    # A few tasks per core, each a run of consecutive row groups, in file order.
    parts = min(len(groups), 4 * spark.sparkContext.defaultParallelism)
    return spark.range(0, len(groups), 1, parts).mapInArrow(reads, _DISTANCES), window


def _checked_target(target: np.ndarray) -> np.ndarray:
    """The target [shape=(T,)] as contiguous float64; CatalogError unless finite and 1-D."""
    target = np.ascontiguousarray(target, dtype=np.float64)
    if target.ndim != 1 or target.shape[0] < 1 or not np.isfinite(target).all():
        raise CatalogError("the target must be a 1-D series of finite numbers")
    return target


def _window(weeks: str | None, n_weeks: int, target_weeks: int) -> Window:
    """The weeks compared, as the local engine chooses them."""
    return default_window(n_weeks, target_weeks) if weeks is None else parse_weeks(weeks, n_weeks)


def _distances(
    spark_df: DataFrame,
    target: np.ndarray,
    *,
    stretch: float,
    znorm: bool,
    roles: Roles,
    options: ReadOptions,
    decimal_comma: bool = False,
    weeks: str | None = None,
    keep_nonpositive: bool = False,
    cache: bool = True,
) -> tuple[DataFrame, Window]:
    """[product, distance, _row] for every product, computed once (cached unless not
    ``cache``: a caller that reads the distances only once saves storing them), and the
    weeks compared.

    The products are compared over the same weeks as the local engine compares them
    (``weeks`` ``FROM:TO``, by default the last as many weeks as the target has); those
    with net units of 0 or less there have a null distance unless ``keep_nonpositive``.

    Cached, not local-checkpointed: a local checkpoint lives only in the executors that
    wrote it, so losing one (a worker that dies mid-job) fails the job, whereas a lost
    cached partition is computed again from the input.

    ``_row`` (``monotonically_increasing_id``) follows the input order and breaks ties;
    for a long table it is the product's first row.
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    target = _checked_target(target)
    radius = band_radius(target.shape[0], stretch=stretch)
    if roles.layout == "long":
        products, n_weeks = _long_products(spark_df, roles, options, decimal_comma)
        window = _window(weeks, n_weeks, target.shape[0])
        scorer: Any = _LongScorer(target, radius, znorm, n_weeks, window, keep_nonpositive)
        found = products.select("product", "_row", "cells").mapInArrow(scorer, _DISTANCES)
        return (found.persist(StorageLevel.MEMORY_AND_DISK) if cache else found), window
    columns = [_product_column(roles).alias("product")]
    for i, w in enumerate(roles.weeks):
        value = F.col(_quoted(w)).cast("double")
        if options.clip_negative:
            value = F.when(value < 0, F.lit(0.0)).otherwise(value)
        columns.append(value.alias(f"w{i}"))
    products = spark_df.select(*columns).withColumn("_row", F.monotonically_increasing_id())
    window = _window(weeks, len(roles.weeks), target.shape[0])
    scorer = _Scorer(target, radius, znorm, roles.weeks, window, keep_nonpositive)
    found = products.mapInArrow(scorer, _DISTANCES)
    return (found.persist(StorageLevel.MEMORY_AND_DISK) if cache else found), window


def score(
    spark_df: DataFrame,
    target: np.ndarray,
    *,
    stretch: float = DEFAULT_STRETCH,
    znorm: bool = True,
    id_column: str | None = None,
    top: int | None = None,
    options: ReadOptions | None = None,
    weeks: str | None = None,
    keep_nonpositive: bool = False,
) -> DataFrame:
    """DTW distance of every product to the target, ranked, on Spark.

    Parameters
    ----------
    spark_df : Spark DataFrame in any layout the reader takes: wide (one row per product,
        week columns W0 …) or long (one row per product and week or per order line,
        added up by a group-by on the cluster); roles by :func:`roles_of`
    target : array [shape=(T,)] the target curve
    stretch : float in [0, 1], Sakoe-Chiba radius floor(stretch x T)
    znorm : z-normalise target and products (compare shapes, not volumes)
    id_column : name of the product column (same as ``options.id_columns``)
    options : layout and column roles (:class:`dtwcore.sales.ReadOptions`)
    top : keep only the ``top`` closest products (every product is still scored, so
        rank and zscore are those of the whole catalogue)
    weeks : ``FROM:TO``, the weeks compared (default: the last as many as the target has,
        as the local engine chooses them)
    keep_nonpositive : rank products whose net units over those weeks are 0 or less

    Returns
    -------
    Spark DataFrame [product string, distance double, rank long, zscore double] whose
    partitions hold consecutive ranks in order, so collecting or writing it keeps rank
    order. Ties in distance rank in input order (``monotonically_increasing_id``). The
    distances are computed once (cached) and reused for the statistics and the ranks.
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise CatalogError(f"top must be a whole number of 1 or more, got {top!r}")
    options = options_with(options, id_column)
    roles = roles_of(spark_df, options)
    found, _ = _distances(
        spark_df,
        target,
        stretch=stretch,
        znorm=znorm,
        roles=roles,
        options=options,
        weeks=weeks,
        keep_nonpositive=keep_nonpositive,
    )
    distances = found.where(F.col("distance").isNotNull())
    with _worker_errors():
        stats = distances.agg(
            F.avg("distance").alias("mean"), F.stddev_pop("distance").alias("sd")
        ).first()
    mean, sd = float(stats["mean"] or 0.0), float(stats["sd"] or 0.0)
    # Closest first, ties in input order: the rank rule of dtwcore.sales.rank_order, in Spark.
    ordered = distances.orderBy("distance", "_row")
    if top is not None:
        ordered, offsets = ordered.limit(top).coalesce(1), {0: 0}
    else:
        ordered = ordered.persist(StorageLevel.MEMORY_AND_DISK)
        counts = dict(ordered.groupBy(F.spark_partition_id().alias("part")).count().collect())
        offsets, total = {}, 0
        for part in sorted(counts):
            offsets[part] = total
            total += counts[part]
    ranked = ordered.mapInArrow(_Ranker(offsets, mean, sd), _RANKED)
    return ranked.select("product", "distance", "rank", "zscore")


_ERROR_LINE = re.compile(r"(?:CatalogError|ValueError): (.+)")


@contextlib.contextmanager
def _worker_errors() -> Iterator[None]:
    """Turn a CatalogError raised in a Spark worker back into a CatalogError."""
    from pyspark.errors import PySparkException

    try:
        yield
    except PySparkException as exc:
        found = _ERROR_LINE.findall(str(exc))
        if found:
            raise CatalogError(found[-1].strip()) from None
        raise


def to_arrow(df: DataFrame) -> pa.Table:
    """Collect a result DataFrame as a pyarrow Table (RESULT_SCHEMA).

    A CatalogError raised in a worker (a missing or non-numeric week, say) comes back as
    a CatalogError with the worker's message instead of a Spark stack trace.
    """
    with _worker_errors():
        table = df.toArrow()
    return table.select(RESULT_SCHEMA.names).cast(RESULT_SCHEMA)


def _formatted_weeks(reader: CatalogReader) -> bool:
    """Whether the rows the roles of ``reader``'s file were chosen on hold decimal commas
    or numbers written as a spreadsheet shows them: :func:`read_catalog` then reads its
    week columns as text first, else as plain numbers."""
    decimal_comma = reader.dialect is not None and reader.dialect.decimal_comma
    return decimal_comma or reader.roles.formatted


def _file_distances(
    spark: SparkSession,
    reader: CatalogReader,
    target: np.ndarray,
    text_weeks: bool,
    **how: Any,
) -> tuple[pa.Table, Window]:
    """[product, distance, _row] of the CSV file behind ``reader``, collected, and the
    weeks compared (``how``: :func:`score_file`'s settings); week columns read as text
    first when ``text_weeks`` (:func:`read_catalog`)."""
    found, window = _distances(
        read_catalog(spark, reader, text_weeks=text_weeks),
        target,
        roles=reader.roles,
        options=reader.options,
        decimal_comma=reader.dialect.decimal_comma if reader.dialect else False,
        cache=False,
        **how,
    )
    with _worker_errors():
        return found.toArrow(), window


def score_file(
    reader: CatalogReader,
    target: np.ndarray,
    *,
    stretch: float = DEFAULT_STRETCH,
    znorm: bool = True,
    top: int | None = None,
    leave_out: str | None = None,
    master: str | None = None,
    progress: bool = False,
    weeks: str | None = None,
    keep_nonpositive: bool = False,
    warn: Callable[[str], None] | None = None,
) -> Iterator[pa.Table]:
    """Score the file behind ``reader`` on Spark; return the result tables, closest first.

    ``leave_out`` names a product left out of the ranking (the one whose sales are the
    target), and ``weeks`` / ``keep_nonpositive`` choose the weeks compared and whether
    products with no net units are ranked, as in the local engine. ``warn`` receives the
    products left out for that, in the local engine's words
    (:func:`dtwcore.sales.window.nonpositive_note`).

    Used by ``python -m dtwcore score --engine spark``. The distances are computed on
    Spark; as the results end up in one file on this machine anyway, the (product,
    distance) pairs are collected and ranked here, exactly as the local engine ranks them
    (a Spark-side sort would cost more than the whole collection). For results that stay
    on the cluster use :func:`score`.
    """
    spark, created = session(master, progress=progress)
    how = {"stretch": stretch, "znorm": znorm, "weeks": weeks,
           "keep_nonpositive": keep_nonpositive}  # fmt: skip
    try:
        try:
            found = _parquet_distances(spark, reader, target, **how)
            if found is not None:
                with _worker_errors():
                    collected = found[0].toArrow()
                window = found[1]
            else:
                try:
                    collected, window = _file_distances(spark, reader, target, False, **how)
                except CatalogError as exc:
                    numbers_first = reader.format != "parquet" and (
                        reader.roles.layout == "wide" and not _formatted_weeks(reader)
                    )
                    if not numbers_first or not str(exc).endswith(NOT_A_NUMBER):
                        raise
                    # A week cell past the rows the roles were chosen on may be written
                    # as a spreadsheet shows it ($1,234.00): read the weeks as text.
                    collected, window = _file_distances(spark, reader, target, True, **how)
        except CatalogError as exc:
            raise CatalogError(f"{reader.path}: {exc}") from None
    finally:
        if created:
            spark.stop()
    if leave_out is not None:
        collected = collected.filter(pc.not_equal(collected.column("product"), leave_out))
    # Products left out for selling nothing have a null distance. They are named here and
    # skipped by position: filtering the table would copy every product id once more.
    dist = collected.column("distance").to_numpy()  # nulls as NaN
    row = collected.column("_row").to_numpy()
    kept: np.ndarray | None = None
    dropped: list[str] = []
    if collected.column("distance").null_count:
        left_out = np.isnan(dist)
        kept, gone = np.flatnonzero(~left_out), np.flatnonzero(left_out)
        gone = gone[np.argsort(row[gone], kind="stable")]  # in input order
        dropped = collected.column("product").take(pa.array(gone)).to_pylist()
        dist, row = dist[kept], row[kept]
        if warn is not None:
            warn(nonpositive_note(dropped, window))
    if dist.size == 0:
        raise nothing_to_rank(reader.path, leave_out, dropped)
    ids = collected.column("product").combine_chunks()
    del collected
    # Collected in input order (a wide file): a stable sort by distance will do.
    order_key = None if bool(np.all(row[1:] > row[:-1])) else row
    return ranked_tables(ids, dist, order_key=order_key, top=top, id_rows=kept)
