"""Distributed scoring on Spark: the same kernels, the same numbers, many machines.

PySpark is an optional extra (``pip install -r requirements-spark.txt``, Java 17+); it is
imported inside these functions only, so the app and the local command line never load it.
Every worker needs ``dtwcore`` (and numpy, numba, pandas, pyarrow) installed.

:func:`score` turns a Spark DataFrame of products (an id column and one numeric column per
week, chosen as :func:`dtwcore.stream.choose_layout` does) into a DataFrame of
``product, distance, rank, zscore``:

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
    from dtwcore.spark import score

    spark = SparkSession.builder.getOrCreate()
    products = spark.read.parquet("s3://bucket/weekly_sales/")
    ranked = score(products, BLOG_TARGET, stretch=0.05)
    ranked.write.parquet("s3://bucket/dtw_scores/")
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from dtwcore.distance import band_radius, dtw_one_to_many
from dtwcore.sales import DECIMAL_COMMA, DEFAULT_STRETCH, CatalogError
from dtwcore.stream import (
    RESULT_SCHEMA,
    CatalogReader,
    check_values,
    choose_layout,
    ranked_tables,
    to_matrix,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["read_catalog", "score", "score_file", "session", "to_arrow"]

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
"""
# PySpark 4.3 warns on the driver that pandas 3 is not fully supported whenever a
# mapInArrow or pandas UDF is defined; ours use Arrow only and are covered by tests.
_PANDAS_WARNING = "PySpark does not yet fully support pandas"
_NEEDS = "--engine spark needs PySpark (pip install -r requirements-spark.txt) and Java 17+"
_DISTANCES = "product string, distance double, _row long"
_RANKED = "product string, distance double, _row long, rank long"
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
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log_config}")
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


def read_catalog(spark: SparkSession, reader: CatalogReader) -> DataFrame:
    """The catalogue file behind ``reader`` as a Spark DataFrame.

    CSV files are read with an explicit schema built from the local reader's column
    choice (id as text, weeks as doubles), so both engines see the same columns, and in
    the dialect the local reader found (:class:`dtwcore.stream.Dialect`): its separator,
    its encoding (UTF-16 files are read whole, one task per file, as Spark cannot split
    them into lines) and decimal commas, read by the same rule. A week cell that is not a
    number becomes a null, which scoring reports by product and column.
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    path = os.path.abspath(reader.path)
    if reader.format == "parquet":
        return spark.read.parquet(path)
    dialect = reader.dialect
    assert dialect is not None
    weeks = set(reader.layout.week_columns)
    week_type = T.StringType() if dialect.decimal_comma else T.DoubleType()
    schema = T.StructType(
        [
            T.StructField(name, week_type if name in weeks else T.StringType())
            for name in reader.file_columns
        ]
    )
    products = spark.read.csv(
        path,
        header=True,
        schema=schema,
        mode="PERMISSIVE",
        sep=dialect.separator,
        encoding=_SPARK_ENCODINGS[dialect.encoding],
        multiLine=dialect.encoding == "utf-16",
    )
    if not dialect.decimal_comma and dialect.encoding != "cp1252":
        return products
    columns = []
    for name in reader.file_columns:
        column = F.col(_quoted(name))
        if name in weeks:
            if dialect.decimal_comma:
                column = _decimal_comma_number(column)
        elif dialect.encoding == "cp1252":
            column = F.translate(column, _LATIN1_C1, _CP1252_C1)
        columns.append(column.alias(name))
    return products.select(*columns)


def _decimal_comma_number(text: Any) -> Any:
    """A Spark text column as doubles, ``12,5`` read as 12.5 by the page's rule (whole
    cells of that form, once trimmed); a cell that is not a number becomes null."""
    from pyspark.sql import functions as F

    text = F.regexp_replace(text, r"^\s+|\s+$", "")
    comma = text.rlike(DECIMAL_COMMA.pattern)
    return F.when(comma, F.regexp_replace(text, ",", ".")).otherwise(text).try_cast("double")


class _Scorer:
    """mapInArrow function: (product, w0 …, _row) batches -> (product, distance, _row)."""

    def __init__(self, target: np.ndarray, radius: int, znorm: bool, weeks: tuple[str, ...]):
        self.target = target
        self.radius = radius
        self.znorm = znorm
        self.weeks = weeks

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from numba import config, set_num_threads
        from pyspark import TaskContext

        # Spark runs one task per core: each task's kernels get the task's cores.
        context = TaskContext.get()
        cpus = context.cpus() if context is not None else 1
        set_num_threads(max(1, min(cpus, config.NUMBA_NUM_THREADS)))
        n_weeks = len(self.weeks)
        for batch in batches:
            if batch.num_rows == 0:
                continue
            ids = batch.column(0)
            if ids.null_count:
                raise CatalogError("a product id is missing")
            values = to_matrix(batch.columns[1 : n_weeks + 1], batch.num_rows)
            check_values(values, ids, self.weeks, None, None)
            dist = dtw_one_to_many(self.target, values, window=self.radius, znorm=self.znorm)
            yield pa.RecordBatch.from_arrays(
                [ids, pa.array(dist), batch.column(n_weeks + 1)],
                names=["product", "distance", "_row"],
            )


class _Ranker:
    """mapInArrow function numbering a globally sorted DataFrame partition by partition."""

    def __init__(self, offsets: dict[int, int]):
        self.offsets = offsets

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        position = self.offsets.get(TaskContext.get().partitionId(), 0)
        for batch in batches:
            n = batch.num_rows
            rank = pa.array(np.arange(position + 1, position + n + 1, dtype=np.int64))
            position += n
            yield batch.append_column("rank", rank)


def _distances(
    spark_df: DataFrame,
    target: np.ndarray,
    *,
    stretch: float,
    znorm: bool,
    id_column: str | None,
) -> DataFrame:
    """[product, distance, _row] for every product, computed once (cached).

    Cached, not local-checkpointed: a local checkpoint lives only in the executors that
    wrote it, so losing one (a worker that dies mid-job) fails the job, whereas a lost
    cached partition is computed again from the input.

    ``_row`` (``monotonically_increasing_id``) follows the input order and breaks ties.
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    target = np.ascontiguousarray(target, dtype=np.float64)
    if target.ndim != 1 or target.shape[0] < 1 or not np.isfinite(target).all():
        raise CatalogError("the target must be a 1-D series of finite numbers")
    radius = band_radius(target.shape[0], stretch=stretch)
    layout = choose_layout(
        [(f.name, _is_numeric(f.dataType)) for f in spark_df.schema.fields],
        "the DataFrame",
        id_column,
    )
    columns = [F.col(_quoted(layout.id_column)).cast("string").alias("product")]
    columns += [
        F.col(_quoted(w)).cast("double").alias(f"w{i}") for i, w in enumerate(layout.week_columns)
    ]
    products = spark_df.select(*columns).withColumn("_row", F.monotonically_increasing_id())
    scorer = _Scorer(target, radius, znorm, layout.week_columns)
    return products.mapInArrow(scorer, _DISTANCES).persist(StorageLevel.MEMORY_AND_DISK)


def score(
    spark_df: DataFrame,
    target: np.ndarray,
    *,
    stretch: float = DEFAULT_STRETCH,
    znorm: bool = True,
    id_column: str | None = None,
    top: int | None = None,
) -> DataFrame:
    """DTW distance of every product to the target, ranked, on Spark.

    Parameters
    ----------
    spark_df : Spark DataFrame, one row per product: an id column and numeric week columns
        (``Product_Code`` or the first text column is the id; MIN, MAX and Normalized …
        columns are ignored)
    target : array [shape=(T,)] the target curve
    stretch : float in [0, 1], Sakoe-Chiba radius floor(stretch x T)
    znorm : z-normalise target and products (compare shapes, not volumes)
    id_column : name of the id column when the default rule does not find it
    top : keep only the ``top`` closest products (every product is still scored, so
        rank and zscore are those of the whole catalogue)

    Returns
    -------
    Spark DataFrame [product string, distance double, rank long, zscore double] whose
    partitions hold consecutive ranks in order, so collecting or writing it keeps rank
    order. Ties in distance rank in input order (``monotonically_increasing_id``). The
    distances are computed once (cached) and reused for the statistics and the ranks.
    """
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise CatalogError(f"top must be a whole number of 1 or more, got {top!r}")
    distances = _distances(spark_df, target, stretch=stretch, znorm=znorm, id_column=id_column)
    with _worker_errors():
        stats = distances.agg(
            F.avg("distance").alias("mean"), F.stddev_pop("distance").alias("sd")
        ).first()
    mean, sd = float(stats["mean"] or 0.0), float(stats["sd"] or 0.0)
    if top is not None:
        ranked = (
            distances.orderBy("distance", "_row")
            .limit(top)
            .withColumn("rank", F.row_number().over(Window.orderBy("distance", "_row")))
            .withColumn("rank", F.col("rank").cast("long"))
            .orderBy("rank")
        )
    else:
        ordered = distances.orderBy("distance", "_row").persist(StorageLevel.MEMORY_AND_DISK)
        counts = dict(ordered.groupBy(F.spark_partition_id().alias("part")).count().collect())
        offsets, total = {}, 0
        for part in sorted(counts):
            offsets[part] = total
            total += counts[part]
        ranked = ordered.mapInArrow(_Ranker(offsets), _RANKED)
    zscore = (F.col("distance") - F.lit(mean)) / F.lit(sd) if sd > 0 else F.lit(0.0)
    return ranked.select("product", "distance", "rank", zscore.alias("zscore"))


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


def score_file(
    reader: CatalogReader,
    target: np.ndarray,
    *,
    stretch: float = DEFAULT_STRETCH,
    znorm: bool = True,
    top: int | None = None,
    master: str | None = None,
    progress: bool = False,
) -> Iterator[pa.Table]:
    """Score the file behind ``reader`` on Spark; return the result tables, closest first.

    Used by ``python -m dtwcore score --engine spark``. The distances are computed on
    Spark; as the results end up in one file on this machine anyway, the (product,
    distance) pairs are collected and ranked here, exactly as the local engine ranks them
    (a Spark-side sort would cost more than the whole collection). For results that stay
    on the cluster use :func:`score`.
    """
    spark, created = session(master, progress=progress)
    try:
        try:
            found = _distances(
                read_catalog(spark, reader),
                target,
                stretch=stretch,
                znorm=znorm,
                id_column=reader.layout.id_column,
            )
            with _worker_errors():
                collected = found.toArrow()
        except CatalogError as exc:
            raise CatalogError(f"{reader.path}: {exc}") from None
    finally:
        if created:
            spark.stop()
    if collected.num_rows == 0:
        raise CatalogError(f"{reader.path}: no products (the file has no data rows)")
    ids = collected.column("product").combine_chunks()
    dist = collected.column("distance").to_numpy()
    order_key = collected.column("_row").to_numpy()
    del collected
    return ranked_tables(ids, dist, order_key=order_key, top=top)
