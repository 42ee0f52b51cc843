"""The one way a run is logged: every sales analysis, sweep step and clustering starts, is
tagged, ends and fails through :func:`record`.

What every run gets, whoever logs it:

* **tags** before the store is asked to create it: where it came from (``dtw.source``),
  the process that logs it (``dtw.owner``) and a fresh attempt token (``dtw.attempt``),
  known before the run's id so that a run whose creation reply was lost can still be found
  and closed; plus MLflow's own context tags (user, source file, git commit);
* **safe points**: in the main thread Ctrl-C (SIGINT) is held until the next write is done
  (a write cut in the middle can leave a SQLite store locked, and then the run could not be
  marked FAILED); a second Ctrl-C interrupts at once;
* **an end**: FINISHED when the block completes; FAILED, with the reason in
  ``dtw.closed_because``, when it stops part-way (Ctrl-C, an error). When the store does
  not take the FAILED mark (it went away), :func:`dtwcore.runs.store.close_abandoned_runs`
  sets it, with its reason, the next time the experiment is logged to or listed, so
  nothing stays RUNNING;
* **one error for a lost store**: :class:`~dtwcore.runs.store.StoreUnreachable` naming the
  run, instead of MLflow's error.

Runs are written through an :class:`~mlflow.tracking.MlflowClient` bound to the store (no
process-wide MLflow state), so app sessions can log at the same time.
"""

from __future__ import annotations

import logging
import signal
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from mlflow.entities import Metric, Param
from mlflow.tracking import MlflowClient
from mlflow.tracking.context.registry import resolve_tags
from mlflow.utils.time import get_current_time_millis

from dtwcore.runs.store import (
    ATTEMPT_TAG,
    CLOSED_TAG,
    OWNER_TAG,
    SOURCE_TAG,
    Store,
    StoreStatus,
    StoreUnreachable,
    check_store,
    client,
    close_abandoned_runs,
    ensure_experiment,
    remember_undelivered,
    require_store,
    run_owner,
)

__all__ = ["INTERRUPTED", "CatalogLike", "Recording", "failure_reason", "record"]

_log = logging.getLogger(__name__)

INTERRUPTED = "the process logging it was interrupted (Ctrl-C) before it finished"
"""The :data:`~dtwcore.runs.store.CLOSED_TAG` of a run stopped by Ctrl-C."""

_REASON_CHARS = 500  # of an error message kept in the reason tag


class CatalogLike(Protocol):
    """What a run needs from a catalogue (:class:`dtwcore.sales.Catalog` has it)."""

    name: str
    ids: np.ndarray
    weeks: list[str]
    values: np.ndarray

    @property
    def content_hash(self) -> str: ...


def failure_reason(error: BaseException) -> str:
    """Why a run stopped part-way, in words, for its ``dtw.closed_because`` tag."""
    if isinstance(error, KeyboardInterrupt):
        return INTERRUPTED
    text = " ".join(str(error).split())
    words = f"logging it failed: {type(error).__name__}" + (f": {text}" if text else "")
    return words[:_REASON_CHARS]


@dataclass
class Recording:
    """A run being logged: its id and the writes that end at a safe point.

    Attributes
    ----------
    store : where the run goes
    experiment_id : str, the experiment it is filed under
    run_id : str, the run's id
    """

    store: Store
    experiment_id: str
    run_id: str
    _client: MlflowClient = field(repr=False)
    _pending: list[int] = field(default_factory=list, repr=False)

    def checkpoint(self) -> None:
        """A safe point: raise KeyboardInterrupt here if Ctrl-C came during a write."""
        if self._pending:
            raise KeyboardInterrupt

    def log_params(self, params: Mapping[str, object]) -> None:
        """Log the parameters (as text, like ``mlflow.log_params``); then a safe point."""
        items = [Param(name, str(value)) for name, value in params.items()]
        self._client.log_batch(self.run_id, params=items)
        self.checkpoint()

    def log_metrics(self, metrics: Mapping[str, float]) -> None:
        """Log the metrics at step 0; then a safe point."""
        now = get_current_time_millis()
        items = [Metric(name, float(value), now, 0) for name, value in metrics.items()]
        self._client.log_batch(self.run_id, metrics=items)
        self.checkpoint()

    def log_artifacts(self, folder: Path) -> None:
        """Log every file of ``folder`` as an artifact of the run; then a safe point."""
        self._client.log_artifacts(self.run_id, str(folder))
        self.checkpoint()

    def _fail(self, reason: str, attempt: str) -> None:
        """Mark the run FAILED with ``reason``; when the store does not take it, leave it
        to :func:`~dtwcore.runs.store.close_abandoned_runs` (the original error matters
        more, so this never raises an error of its own)."""
        try:
            self._client.set_tag(self.run_id, CLOSED_TAG, reason)
            self._client.set_terminated(self.run_id, "FAILED")
        except Exception as exc:
            _log.warning("could not mark run %s FAILED: %s", self.run_id, exc)
            remember_undelivered(self.store, attempt)


@contextmanager
def record(
    store: Store,
    experiment: str,
    *,
    run_name: str,
    source: str,
    tags: Mapping[str, str] | None = None,
) -> Iterator[Recording]:
    """Start a run, yield it for logging, end it FINISHED, or FAILED with the reason.

    Parameters
    ----------
    store : where to log
    experiment : experiment name, created (or restored) when missing
    run_name : the run's name; also names the run in error messages
    source : the ``dtw.source`` tag: where the run came from (``app``, ``cli``, ``python``)
    tags : further tags (e.g. the MLflow note, the sweep id)

    Raises
    ------
    StoreUnreachable
        the store does not answer, or stopped answering while the run was started or
        logged (the message names the run and says when it is marked FAILED)
    KeyboardInterrupt
        Ctrl-C, raised at the first safe point after it (the run is marked FAILED)
    """
    require_store(store)
    attempt = uuid.uuid4().hex
    run_tags = resolve_tags(
        {**(tags or {}), SOURCE_TAG: source, OWNER_TAG: run_owner(), ATTEMPT_TAG: attempt}
    )
    mlc = client(store)
    run_id: str | None = None
    try:
        experiment_id = ensure_experiment(store, experiment)
        close_abandoned_runs(store, experiment_id)
        with _interrupts_at_safe_points() as pending:
            try:
                run_id = mlc.create_run(experiment_id, run_name=run_name, tags=run_tags).info.run_id
            except Exception:  # the store may have created the run and lost only its reply
                remember_undelivered(store, attempt)
                raise
            recording = Recording(store, experiment_id, run_id, mlc, pending)
            try:
                recording.checkpoint()
                yield recording
                recording.checkpoint()
            except BaseException as exc:
                recording._fail(failure_reason(exc), attempt)
                raise
            try:
                mlc.set_terminated(run_id, "FINISHED")
            except Exception:
                remember_undelivered(store, attempt)
                raise
    except Exception as exc:
        lost = _lost_store(store, exc, run_id, run_name)
        if lost is exc:
            raise
        raise lost from exc


def _lost_store(store: Store, error: Exception, run_id: str | None, run_name: str) -> Exception:
    """``error`` itself when the store still answers, else a :class:`StoreUnreachable`
    that says which run was cut and when it is marked FAILED."""
    status = StoreStatus(True, "") if isinstance(error, StoreUnreachable) else check_store(store)
    if status.ok:
        return error
    if run_id:
        which = f"logging run {run_id} ({run_name})"
        later = "it is marked FAILED the next time this experiment is used with the store back."
    else:
        which = f"starting the run for {run_name}"
        later = (
            "if the store created it, it is marked FAILED the next time this experiment "
            "is used with the store back."
        )
    return StoreUnreachable(f"Lost {store.label} while {which}: {later} {status.message}")


@contextmanager
def _interrupts_at_safe_points() -> Iterator[list[int]]:
    """Hold Ctrl-C until a safe point; yield the list that a held Ctrl-C is put in.

    In the main thread the first Ctrl-C only records itself and the next
    :meth:`Recording.checkpoint` raises KeyboardInterrupt (or it is raised when the block
    ends); a second Ctrl-C interrupts at once. In other threads (Streamlit's script
    threads never get SIGINT), and under a handler other than Python's default, this
    does nothing.
    """
    pending: list[int] = []
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield pending
        return

    def hold(signum: int, frame: object) -> None:
        if pending:
            raise KeyboardInterrupt
        pending.append(signum)

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield pending
    finally:
        signal.signal(signal.SIGINT, previous)
    if pending:
        raise KeyboardInterrupt
