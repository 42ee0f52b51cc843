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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from dtwcore.distance import dtw_one_to_many
from dtwcore.sales.arrays import from_numpy, to_numpy
from dtwcore.sales.errors import NO_DATA_ROWS, CatalogError
from dtwcore.sales.export import CsvTableWriter
from dtwcore.sales.facts import DEFAULT_STRETCH
from dtwcore.sales.reading import CatalogReader, file_format
from dtwcore.sales.scoring import rank_order, zscores
from dtwcore.sales.window import (
    Window,
    coverage_problem,
    default_window,
    nonpositive,
    nonpositive_note,
    parse_weeks,
)

__all__ = [
    "RESULT_SCHEMA",
    "RUN_ROWS",
    "OutputFile",
    "Progress",
    "clock",
    "nothing_to_rank",
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
    columns = [ids, from_numpy(dist), from_numpy(rank), from_numpy(z)]
    return pa.Table.from_arrays(columns, schema=RESULT_SCHEMA)


def nothing_to_rank(path: str, leave_out: str | None, dropped: list[str]) -> CatalogError:
    """The error of a file that leaves no product to rank, in words that say why: only the
    target product ``leave_out`` was in it, every product (``dropped``) sold nothing over
    the weeks compared, or it had no rows. Both engines raise it."""
    if leave_out is not None:
        return CatalogError(f"{path}: no product to compare besides the target {leave_out}")
    if dropped:
        return CatalogError(
            f"{path}: every product has net units of 0 or less over the weeks compared; "
            "--keep-nonpositive ranks them anyway"
        )
    return CatalogError(f"{path}: {NO_DATA_ROWS}")


def ranked_tables(
    ids: pa.Array,
    dist: np.ndarray,
    *,
    order_key: np.ndarray | None = None,
    top: int | None = None,
    rows_per_table: int = 1 << 16,
    id_rows: np.ndarray | None = None,
) -> Iterator[pa.Table]:
    """Every product's result, closest first, in tables of ``rows_per_table`` rows.

    Ties in distance go to the smaller ``order_key`` (default: the position). The z-scores
    use the mean and population standard deviation of all of ``dist``, as
    :func:`dtwcore.sales.score_catalog` does; ``top`` keeps only the first ``top`` rows.
    ``id_rows`` [shape=(N,)] are the positions in ``ids`` of the products of ``dist``
    (default: ``ids`` holds exactly those, in that order).
    """
    z = zscores(dist)
    order = rank_order(dist, order_key)
    if top is not None:
        order = order[:top]
    for start in range(0, order.shape[0], rows_per_table):
        rows = order[start : start + rows_per_table]
        named = rows if id_rows is None else id_rows[rows]
        yield result_table(ids.take(from_numpy(named)), dist[rows], start + 1, z[rows])


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


RUN_ROWS = 1 << 22
"""Products ranked in memory at a time: a catalogue of more is ranked by an external sort
(sorted runs of this many (id, distance) records in temporary files, then merged)."""
_MERGE_ROWS = 1 << 16


def score_stream(
    reader: CatalogReader,
    target: np.ndarray,
    *,
    stretch: float = DEFAULT_STRETCH,
    znorm: bool = True,
    top: int | None = None,
    leave_out: str | None = None,
    weeks: str | None = None,
    keep_nonpositive: bool = False,
    warn: Callable[[str], None] | None = None,
    progress: Progress | None = None,
    run_rows: int = RUN_ROWS,
) -> Iterator[pa.Table]:
    """Score a catalogue batch by batch; yield the result tables, closest first.

    ``leave_out`` names a product not to score (the one whose sales are the target).
    ``weeks`` (``FROM:TO``, :func:`dtwcore.sales.window.parse_weeks`) chooses the weeks
    compared; by default the file's last ``len(target)`` weeks
    (:func:`~dtwcore.sales.window.default_window`). Products whose net units over those
    weeks are 0 or less are left out unless ``keep_nonpositive``. ``warn`` receives, in
    words, a window that covers under half of the target and the products left out.

    Memory: one batch of values at a time, plus at most ``run_rows`` (id, distance)
    records. A catalogue of more products is ranked by an external sort: every
    ``run_rows`` records are sorted (closest first, ties in input order) and written to a
    temporary file (about 20 bytes a product, in ``TMPDIR``), and the runs are merged
    while the results are written; the z-scores use the mean and standard deviation
    summed batch by batch.
    With ``top``, only K records are kept, plus running sums for the z-scores.
    """
    progress = progress or Progress(False)
    warn = warn or (lambda text: None)
    window: Window | None = None
    dropped: list[str] = []
    moments = _Moments()
    runs = _Runs(run_rows)
    best_d = np.empty(0)
    best_row = np.empty(0, dtype=np.int64)
    best_ids = pa.nulls(0, pa.string())
    done = 0
    try:
        for batch in reader:
            ids, values = batch.ids, batch.values
            rows = np.arange(values.shape[0])
            if leave_out is not None:
                other = pc.not_equal(ids, leave_out).to_numpy(zero_copy_only=False)
                if not other.all():
                    rows = np.flatnonzero(other)
                    ids, values = ids.take(from_numpy(rows)), values[rows]
            if window is None:
                n_weeks = values.shape[1]
                window = (
                    default_window(n_weeks, target.shape[0])
                    if weeks is None
                    else parse_weeks(weeks, n_weeks)
                )
                problem = coverage_problem(window.size, target.shape[0])
                if problem is not None:
                    warn(problem)
            values = values[:, window.columns]
            if not keep_nonpositive:
                out = nonpositive(values)
                if out.size:
                    dropped += [str(i) for i in ids.take(from_numpy(out)).to_pylist()]
                    keep = np.ones(values.shape[0], dtype=bool)
                    keep[out] = False
                    rows, values = rows[keep], values[keep]
                    ids = ids.take(from_numpy(np.flatnonzero(keep)))
            if not rows.size:
                continue
            d = dtw_one_to_many(target, values, stretch=stretch, znorm=znorm)
            moments.add(d)
            if top is None:
                runs.add(ids, d)
            else:
                local = _smallest(d, top)
                best_d = np.concatenate([best_d, d[local]])
                best_row = np.concatenate([best_row, batch.first_row + rows[local]])
                best_ids = pa.concat_arrays([best_ids, ids.take(from_numpy(local))])
                keep = rank_order(best_d, best_row)[:top]
                best_d, best_row = best_d[keep], best_row[keep]
                best_ids = best_ids.take(from_numpy(keep))
            done += rows.size
            progress.update(done, reader.fraction_done())
        progress.update(done, 1.0, force=True)
        if dropped:
            warn(nonpositive_note(dropped, window))
        if done == 0:
            raise nothing_to_rank(reader.path, leave_out, dropped)
        if top is not None:
            yield result_table(best_ids, best_d, 1, zscores(best_d, moments.mean, moments.std()))
            return
        progress.message(f"ranking {done:,} products …")
        yield from runs.ranked(moments)
    finally:
        runs.close()


class _Runs:
    """(id, distance) records, added in input order, ranked closest first with ties in
    input order: in memory up to ``run_rows``, beyond that as sorted runs in temporary
    Arrow files merged at the end. Runs hold consecutive stretches of the input, so a
    stable sort by distance alone keeps ties in input order, in a run and across runs."""

    def __init__(self, run_rows: int) -> None:
        self.run_rows = max(1, int(run_rows))
        self._ids: list[pa.Array] = []
        self._dist: list[np.ndarray] = []
        self._held = 0
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._files: list[str] = []

    def add(self, ids: pa.Array, dist: np.ndarray) -> None:
        self._ids.append(ids)
        self._dist.append(dist)
        self._held += dist.shape[0]
        if self._held >= self.run_rows:
            self._spill()

    def _take(self) -> tuple[pa.Array, np.ndarray]:
        """The records held, as one id array and the distances; the lists emptied."""
        ids = pa.chunked_array(self._ids, pa.string()).combine_chunks()
        dist = np.concatenate(self._dist)
        self._ids, self._dist, self._held = [], [], 0
        return ids, dist

    def _spill(self) -> None:
        """Sort the records held and write them as one run."""
        ids, dist = self._take()
        order = rank_order(dist)
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="dtwcore-ranks-")
        path = os.path.join(self._folder.name, f"run{len(self._files)}.arrow")
        self._files.append(path)
        with pa.OSFile(path, "wb") as sink, ipc.new_file(sink, _RUN_SCHEMA) as writer:
            for start in range(0, order.shape[0], _MERGE_ROWS):
                part = order[start : start + _MERGE_ROWS]
                writer.write_batch(
                    pa.record_batch(
                        [ids.take(from_numpy(part)), from_numpy(dist[part])], schema=_RUN_SCHEMA
                    )
                )

    def ranked(self, moments: _Moments) -> Iterator[pa.Table]:
        """Every record's result, closest first (ranks from 1, z-scores by ``moments``)."""
        if not self._files:
            ids, dist = self._take()
            yield from ranked_tables(ids, dist)
            return
        if self._held:
            self._spill()
        mean, sd = moments.mean, moments.std()
        rank = 1
        for ids, dist in _merge([_run_batches(path) for path in self._files]):
            yield result_table(ids, dist, rank, zscores(dist, mean, sd))
            rank += dist.shape[0]

    def close(self) -> None:
        """Remove the temporary runs."""
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None


_RUN_SCHEMA = pa.schema([("product", pa.string()), ("distance", pa.float64())])


def _run_batches(path: str) -> Iterator[tuple[pa.Array, np.ndarray]]:
    """(ids, distances) of a run file, batch by batch."""
    with pa.OSFile(path, "rb") as source:
        reader = ipc.open_file(source)
        for k in range(reader.num_record_batches):
            batch = reader.get_batch(k)
            yield batch.column(0), to_numpy(batch.column(1))


def _merge(
    runs: list[Iterator[tuple[pa.Array, np.ndarray]]],
) -> Iterator[tuple[pa.Array, np.ndarray]]:
    """(ids, distances) of the records of sorted runs of consecutive input, in rank order.

    Each step finds the key that comes first among the last records of the runs' current
    batches: (distance, run), as a tie goes to the earlier run. Every record of a later
    batch comes after that key, so the records up to it, sorted, come next: from an
    earlier run those with a distance up to the key's, from a later run those below it,
    and from the key's run its whole batch.
    """
    heads: list[tuple[pa.Array, np.ndarray] | None] = [next(r, None) for r in runs]
    while True:
        live = [k for k, head in enumerate(heads) if head is not None]
        if not live:
            return
        last, first_run = min((heads[k][1][-1], k) for k in live)  # type: ignore[index]
        parts_ids, parts_d = [], []
        for k in live:
            ids, dist = heads[k]  # type: ignore[misc]
            side = "right" if k < first_run else "left"
            cut = dist.shape[0] if k == first_run else int(np.searchsorted(dist, last, side))
            parts_ids.append(ids.slice(0, cut))
            parts_d.append(dist[:cut])
            heads[k] = next(runs[k], None) if cut == dist.shape[0] else (ids.slice(cut), dist[cut:])
        dist = np.concatenate(parts_d)
        order = rank_order(dist)
        ids = pa.chunked_array(parts_ids, pa.string()).combine_chunks()
        yield ids.take(from_numpy(order)), dist[order]


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
            text += f", {clock(time_left(elapsed, fraction))} left"
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


def time_left(elapsed: float, fraction: float) -> float:
    """Seconds still to go when ``fraction`` (in (0, 1]) of the work took ``elapsed``
    seconds, at the pace so far."""
    return elapsed * (1 - fraction) / fraction


def clock(seconds: float) -> str:
    """Seconds as ``h:mm:ss``, rounded up (a time left is never shown as shorter)."""
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
                # Dictionary pages only cost time here: the values are nearly all distinct.
                writer = pq.ParquetWriter(sink, schema, use_dictionary=False)
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
