"""Results of scoring a catalogue: ranked tables, a progress line, atomic output files.

The catalogue itself is read by the one reader, :mod:`dtwcore.sales.reading`: its
streaming mode, :class:`~dtwcore.sales.reading.CatalogReader`, yields products in batches
whatever the file size. This module ranks the distances (closest first, ties in input
order, z-scores over the whole catalogue) and writes them to CSV or Parquet through a
temporary file renamed into place, so a failed run leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from typing import IO, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from dtwcore.sales.catalog import CatalogError
from dtwcore.sales.dialect import Dialect, sniff_dialect
from dtwcore.sales.export import CsvTableWriter
from dtwcore.sales.reading import (
    BATCH_ROWS,
    Batch,
    CatalogReader,
    Layout,
    check_values,
    file_format,
    to_matrix,
)

# The streaming reader lives with the one reader (dtwcore.sales.reading); its names stay
# importable from here.
__all__ = [
    "BATCH_ROWS",
    "RESULT_SCHEMA",
    "Batch",
    "CatalogReader",
    "Dialect",
    "Layout",
    "check_values",
    "file_format",
    "sniff_dialect",
    "to_matrix",
    "OutputFile",
    "Progress",
    "ranked_tables",
    "result_table",
    "write_results",
    "zscores",
]

RESULT_SCHEMA = pa.schema(
    [
        ("product", pa.string()),
        ("distance", pa.float64()),
        ("rank", pa.int64()),
        ("zscore", pa.float64()),
    ]
)


def zscores(dist: np.ndarray, mean: float, sd: float) -> np.ndarray:
    """(dist - mean) / sd, or zeros when every distance is the same (sd = 0)."""
    return (dist - mean) / sd if sd > 0 else np.zeros_like(dist)


def result_table(ids: pa.Array, dist: np.ndarray, first_rank: int, z: np.ndarray) -> pa.Table:
    """Rows of results (RESULT_SCHEMA) with consecutive ranks from ``first_rank``."""
    rank = np.arange(first_rank, first_rank + dist.shape[0], dtype=np.int64)
    return pa.Table.from_arrays([ids, dist, rank, z], schema=RESULT_SCHEMA)


def ranked_tables(
    ids: pa.Array,
    dist: np.ndarray,
    *,
    order_key: np.ndarray | None = None,
    top: int | None = None,
    rows_per_table: int = 1 << 16,
) -> Iterator[pa.Table]:
    """Every product's result, closest first, in tables of ``rows_per_table`` rows.

    Ties in distance go to the smaller ``order_key`` (default: the position). The z-scores
    use the mean and population standard deviation of all of ``dist``, as
    :func:`dtwcore.sales.score_catalog` does; ``top`` keeps only the first ``top`` rows.
    """
    z = zscores(dist, dist.mean(), dist.std())
    order = np.argsort(dist, kind="stable") if order_key is None else np.lexsort((order_key, dist))
    if top is not None:
        order = order[:top]
    for start in range(0, order.shape[0], rows_per_table):
        rows = order[start : start + rows_per_table]
        yield result_table(ids.take(pa.array(rows)), dist[rows], start + 1, z[rows])


class Progress:
    """A one-line progress display on stderr: products done, rate and time left.

    Disabled (every call does nothing) unless ``enabled``; callers pass
    ``enabled=not quiet and sys.stderr.isatty()``.
    """

    def __init__(self, enabled: bool, stream: IO[str] | None = None, every: float = 0.2) -> None:
        self.enabled = enabled
        self._stream = stream or sys.stderr
        self._every = every
        self._start = time.monotonic()
        self._last = 0.0
        self._width = 0

    def update(self, done: int, fraction: float | None, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < self._every:
            return
        self._last = now
        elapsed = max(now - self._start, 1e-9)
        text = f"scoring: {done:,} products"
        if fraction is not None:
            text += f" ({100 * fraction:.0f}%)"
        text += f", {done / elapsed:,.0f}/s"
        if fraction is not None and 0 < fraction < 1:
            left = elapsed * (1 - fraction) / fraction
            text += f", {_clock(left)} left"
        self._write(text)

    def message(self, text: str) -> None:
        """Replace the line with ``text`` (e.g. "ranking …")."""
        if self.enabled:
            self._write(text)

    def close(self, text: str = "") -> None:
        """Finish the line, optionally with a closing summary."""
        if not self.enabled:
            return
        if text:
            self._write(text)
        self._stream.write("\n")
        self._stream.flush()

    def _write(self, text: str) -> None:
        pad = max(0, self._width - len(text))
        self._stream.write("\r" + text + " " * pad)
        self._stream.flush()
        self._width = len(text)


def _clock(seconds: float) -> str:
    seconds = int(math.ceil(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class OutputFile:
    """Where results go: a temporary file beside the output, renamed into place at the end.

    ``-`` means CSV on standard output (written directly; nothing is written before the
    results are complete). Creating the object checks the format and that the folder is
    writable, so a bad output fails before any scoring.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._tmp: str | None = None
        if path == "-":
            self.format = "csv"
            return
        self.format = file_format(path, "output")
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise CatalogError(f"{path}: cannot write the output, no folder {folder}")
        if os.path.isdir(path):
            raise CatalogError(f"{path}: cannot write the output, it is a folder")
        try:
            fd, self._tmp = tempfile.mkstemp(
                prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder
            )
        except OSError as exc:
            raise CatalogError(f"{path}: cannot write the output ({exc.strerror or exc})") from None
        os.close(fd)

    def open(self) -> BinaryIO:
        if self._tmp is None:
            return sys.stdout.buffer
        return open(self._tmp, "wb")  # noqa: SIM115 (closed by write_results)

    def commit(self) -> None:
        """Move the finished temporary file into place (readable like a new file)."""
        if self._tmp is None:
            return
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self._tmp, 0o666 & ~umask)
        os.replace(self._tmp, self.path)
        self._tmp = None

    def discard(self) -> None:
        """Remove the temporary file (after a failure)."""
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._tmp)
            self._tmp = None


def write_results(
    output: OutputFile,
    tables: Iterable[pa.Table],
    schema: pa.Schema = RESULT_SCHEMA,
    *,
    raw: bool = False,
) -> int:
    """Write result tables of ``schema`` to ``output`` in order; commit; return rows.

    CSV goes through :class:`dtwcore.sales.export.CsvTableWriter`: text cells a spreadsheet
    would run as formulas get a leading apostrophe unless ``raw``. Parquet is always exact.
    On any error the temporary file is removed and nothing appears at the output path.
    """
    rows = 0
    try:
        sink = output.open()
        try:
            writer: pq.ParquetWriter | CsvTableWriter
            if output.format == "parquet":
                writer = pq.ParquetWriter(sink, schema)
            else:
                writer = CsvTableWriter(sink, schema, raw=raw)
            with writer:
                for table in tables:
                    writer.write_table(table)
                    rows += table.num_rows
        finally:
            if sink is sys.stdout.buffer:
                sink.flush()
            else:
                sink.close()
        output.commit()
    except BaseException:
        output.discard()
        raise
    return rows
