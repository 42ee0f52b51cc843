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
from dataclasses import dataclass
from typing import IO, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from dtwcore.distance import dtw_one_to_many
from dtwcore.sales.errors import CatalogError
from dtwcore.sales.export import CsvTableWriter
from dtwcore.sales.facts import DEFAULT_STRETCH
from dtwcore.sales.reading import CatalogReader, file_format
from dtwcore.sales.scoring import rank_order, zscores

__all__ = [
    "RESULT_SCHEMA",
    "OutputFile",
    "Progress",
    "ranked_tables",
    "result_table",
    "score_stream",
    "write_results",
]

RESULT_SCHEMA = pa.schema(
    [
        ("product", pa.string()),
        ("distance", pa.float64()),
        ("rank", pa.int64()),
        ("zscore", pa.float64()),
    ]
)


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
    z = zscores(dist)
    order = rank_order(dist, order_key)
    if top is not None:
        order = order[:top]
    for start in range(0, order.shape[0], rows_per_table):
        rows = order[start : start + rows_per_table]
        yield result_table(ids.take(pa.array(rows)), dist[rows], start + 1, z[rows])


@dataclass
class _Moments:
    """Count, mean and sum of squared deviations, merged batch by batch (Chan et al.)."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0

    def add(self, x: np.ndarray) -> None:
        nb = x.shape[0]
        mb = float(x.mean())
        m2b = float(((x - mb) ** 2).sum())
        total = self.n + nb
        delta = mb - self.mean
        self.mean += delta * nb / total
        self.m2 += m2b + delta * delta * self.n * nb / total
        self.n = total

    def std(self) -> float:
        return math.sqrt(self.m2 / self.n) if self.n else 0.0


def score_stream(
    reader: CatalogReader,
    target: np.ndarray,
    *,
    stretch: float = DEFAULT_STRETCH,
    znorm: bool = True,
    top: int | None = None,
    leave_out: str | None = None,
    progress: Progress | None = None,
) -> Iterator[pa.Table]:
    """Score a catalogue batch by batch; yield the result tables, closest first.

    ``leave_out`` names a product not to score (the one whose sales are the target).
    Memory: one batch of values at a time, plus one distance and one id per product
    (with ``top``, only K of them plus running sums for the z-scores).
    """
    progress = progress or Progress(False)
    moments = _Moments()
    dists: list[np.ndarray] = []
    id_chunks: list[pa.Array] = []
    best_d = np.empty(0)
    best_row = np.empty(0, dtype=np.int64)
    best_ids = pa.array([], pa.string())
    done = 0
    for batch in reader:
        ids, values = batch.ids, batch.values
        rows = np.arange(values.shape[0])
        if leave_out is not None:
            rows = np.flatnonzero(np.asarray(ids.to_pylist(), dtype=object) != leave_out)
            ids, values = ids.take(pa.array(rows)), values[rows]
        if not rows.size:
            continue
        d = dtw_one_to_many(target, values, stretch=stretch, znorm=znorm)
        if top is None:
            dists.append(d)
            id_chunks.append(ids)
        else:
            moments.add(d)
            local = _smallest(d, top)
            best_d = np.concatenate([best_d, d[local]])
            best_row = np.concatenate([best_row, batch.first_row + rows[local]])
            best_ids = pa.concat_arrays([best_ids, ids.take(pa.array(local))])
            keep = rank_order(best_d, best_row)[:top]
            best_d, best_row = best_d[keep], best_row[keep]
            best_ids = best_ids.take(pa.array(keep))
        done += rows.size
        progress.update(done, reader.fraction_done())
    progress.update(done, 1.0, force=True)
    if done == 0 and leave_out is not None:
        raise CatalogError(f"{reader.path}: no product to compare besides the target {leave_out}")
    if top is not None:
        yield result_table(best_ids, best_d, 1, zscores(best_d, moments.mean, moments.std()))
        return
    progress.message(f"ranking {done:,} products …")
    dist = np.concatenate(dists)
    del dists
    ids = pa.chunked_array(id_chunks, pa.string()).combine_chunks()
    del id_chunks
    yield from ranked_tables(ids, dist)


def _smallest(d: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k smallest values (all ties of the k-th included), any order."""
    if d.shape[0] <= k:
        return np.arange(d.shape[0])
    kth = np.partition(d, k - 1)[k - 1]
    return np.flatnonzero(d <= kth)


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
