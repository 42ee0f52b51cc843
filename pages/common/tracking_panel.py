"""MLflow in the app: where runs go (sidebar) and logging the current analysis.

* :func:`render_store_status` - sidebar block: the store, whether it answers, a way to point
  this session at another store, and a link to the MLflow UI when ``MLFLOW_UI_URL`` is set.
* :func:`render_log_panel` - for the Sales Trends page: log the analysis on screen as one
  run, or sweep a list of stretch factors (one run each) with a progress bar.
* :func:`log_section` - for the other pages: what a run keeps and one button that logs it.

Session state keys start with ``tracking.``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import streamlit as st
from mlflow.exceptions import MlflowException
from streamlit.delta_generator import DeltaGenerator

from dtwcore.runs import sales as tracking
from dtwcore.runs import store as run_store
from dtwcore.runs.recorder import CatalogLike
from dtwcore.sales import PUBLISHED_STRETCHES
from pages.common.sales_views import md
from pages.common.session import SalesAnalysis

URI_KEY = "tracking.uri"  # this session's tracking URI ("" = the default)
_URI_INPUT = "tracking.uri_input"
_LAST_RUNS = "tracking.last_runs"

# Stretch factors offered in sweep pickers: the published ones and a few more.
STRETCH_CHOICES = tuple(sorted({*PUBLISHED_STRETCHES, 0.075, 0.15, 0.2, 0.3, 0.4, 0.75, 1.0}))

# Errors a logging or reading attempt can end with, shown in words rather than a traceback.
TRACKING_ERRORS = (run_store.TrackingError, run_store.StoreUnreachable, MlflowException, OSError)


def current_store() -> run_store.Store:
    """The store this session logs to: the sidebar setting, else the environment/default."""
    return run_store.resolve_store(st.session_state.get(URI_KEY) or None)


@st.cache_data(ttl=10, show_spinner=False)
def _check(uri: str, artifact_root: str | None) -> run_store.StoreStatus:
    from pathlib import Path

    root = Path(artifact_root) if artifact_root else None
    return run_store.check_store(run_store.Store(uri, root))


def store_status(store: run_store.Store) -> run_store.StoreStatus:
    """:func:`dtwcore.runs.store.check_store`, remembered for 10 s (at most ~2 s when down)."""
    root = str(store.artifact_root) if store.artifact_root else None
    return _check(store.tracking_uri, root)


def error_text(exc: BaseException) -> str:
    """One readable sentence for an error from MLflow or the tracking module, escaped for
    markdown (it can quote run names, addresses and file names)."""
    if isinstance(exc, MlflowException):
        first = str(exc.message).strip().splitlines()[0] if str(exc.message).strip() else ""
        return md(f"MLflow could not complete the request: {first[:300]}")
    return md(" ".join(str(exc).split()) or type(exc).__name__)


_URI_SCHEMES = ("http://", "https://", "sqlite:///")
_URI_PROBLEM = "tracking.uri_problem"


def _apply_uri() -> None:
    value = st.session_state[_URI_INPUT].strip()
    if value and not value.startswith(_URI_SCHEMES):
        st.session_state[_URI_PROBLEM] = (
            f"“{value}” is not a tracking address this app uses: give http://host:port, "
            "https://… or sqlite:///path/to/mlflow.db."
        )
        return
    st.session_state.pop(_URI_PROBLEM, None)
    st.session_state[URI_KEY] = value
    _check.clear()


def _reset_uri() -> None:
    st.session_state[URI_KEY] = ""
    st.session_state[_URI_INPUT] = ""
    st.session_state.pop(_URI_PROBLEM, None)
    _check.clear()


def render_store_status(
    where: DeltaGenerator | None = None,
) -> tuple[run_store.Store, run_store.StoreStatus]:
    """Where MLflow runs go and whether that store answers; returns both.

    Drawn in ``where`` (a container, e.g. one made in the sidebar), else at the end of the
    sidebar. Never raises and never blocks for more than about two seconds; when the store
    is down the message says so and the rest of the page keeps working.
    """
    store = current_store()
    with st.spinner("Checking the MLflow store…"):
        status = store_status(store)
    with where if where is not None else st.sidebar:
        st.markdown("**Experiment tracking (MLflow)**")
        if status.ok:
            st.caption(f":material/check_circle: {md(status.message)}")
        else:
            st.warning(md(status.message), icon=":material/cloud_off:")
        ui = run_store.ui_url()
        if ui:
            st.link_button(
                "Open the MLflow UI",
                ui,
                icon=":material/open_in_new:",
                help="MLflow's own interface over the same store (MLFLOW_UI_URL).",
            )
        with st.expander("Change where runs go"):
            if _URI_INPUT not in st.session_state:
                st.session_state[_URI_INPUT] = st.session_state.get(URI_KEY, "")
            st.text_input(
                "Tracking URI",
                key=_URI_INPUT,
                placeholder=run_store.resolve_store().tracking_uri,
                on_change=_apply_uri,
                help=(
                    "Where this browser session logs and reads MLflow runs, e.g. "
                    "http://127.0.0.1:5000 for a tracking server or sqlite:///path/mlflow.db "
                    "for a local file. Leave empty for the default: MLFLOW_TRACKING_URI when "
                    "set, else mlflow.db in the project folder."
                ),
            )
            if st.session_state.get(_URI_PROBLEM):
                st.error(md(st.session_state[_URI_PROBLEM]))
            st.button(
                "Use the default store",
                on_click=_reset_uri,
                key="tracking.reset_uri",
                help="Forget the address typed above and use the default store again.",
            )
    return store, status


@st.cache_data(ttl=60, show_spinner=False)
def _experiment_id(uri: str, name: str) -> str | None:
    found = run_store.client(run_store.resolve_store(uri)).get_experiment_by_name(name)
    return found.experiment_id if found else None


def experiment_id(store: run_store.Store, name: str) -> str | None:
    """Id of the experiment ``name`` (None when it does not exist or cannot be read)."""
    try:
        return _experiment_id(store.tracking_uri, name)
    except TRACKING_ERRORS:
        return None


def _cached_runs_changed() -> None:
    """New runs were logged: pages that cache run lists read them again."""
    st.session_state["tracking.generation"] = st.session_state.get("tracking.generation", 0) + 1


def _run_rows(
    run_ids: Sequence[str], stretches: Sequence[float], experiment_id: str | None
) -> pd.DataFrame:
    rows = pd.DataFrame({"stretch factor": list(stretches), "run id": list(run_ids)})
    if experiment_id and run_store.ui_url():
        rows["open in MLflow"] = [run_store.run_link(experiment_id, r) for r in run_ids]
    return rows


def show_runs(
    run_ids: Sequence[str], stretches: Sequence[float], experiment_id: str | None
) -> None:
    """A small table of new runs, with links into the MLflow UI when it is configured."""
    st.dataframe(
        _run_rows(run_ids, stretches, experiment_id),
        hide_index=True,
        column_config={
            "stretch factor": st.column_config.NumberColumn(format="%g"),
            "open in MLflow": st.column_config.LinkColumn(display_text="open run"),
        },
    )


def run_sweep(
    catalog: CatalogLike,
    target: np.ndarray,
    stretches: Sequence[float],
    *,
    znorm: bool,
    store: run_store.Store,
    experiment: str,
    target_label: str | None = None,
) -> list[str] | None:
    """Run a sweep with a progress bar; show errors in words. Returns the run ids or None.

    ``target_label`` names the target in the runs' names (see
    :func:`dtwcore.runs.sales.log_analysis`)."""
    bar = st.progress(0.0, text=f"Starting a sweep of {len(stretches)} stretch factors…")
    done_ids: list[str] = []

    def progress(done: int, total: int, stretch: float, run_id: str | None) -> None:
        if run_id is None:
            bar.progress(done / total, text=f"Run {done + 1} of {total}: stretch {stretch:g}…")
        else:
            done_ids.append(run_id)
            bar.progress(done / total, text=f"{done} of {total} runs logged")

    try:
        ids = tracking.sweep(
            catalog,
            target,
            stretches,
            znorm=znorm,
            store=store,
            experiment=experiment,
            progress=progress,
            source="app",
            target_label=target_label,
        )
    except TRACKING_ERRORS as exc:
        bar.empty()
        kept = f" The {len(done_ids)} runs finished before it are kept." if done_ids else ""
        st.error(f"The sweep stopped: {error_text(exc)}{kept}")
        return None
    bar.progress(1.0, text=f"Done: {len(ids)} runs logged to {md(store.label)}.")
    _cached_runs_changed()
    return ids


def log_section(keeps: str, *, label: str, key: str, log: Callable[[run_store.Store], str]) -> None:
    """The "Log to MLflow" section of a page: where runs go (or why logging is not
    available), what a run keeps (``keeps``, a sentence), and a button ``label`` that
    calls ``log(store)`` (which returns the run id) and says how it went, in words."""
    st.subheader("Log to MLflow", anchor=False)
    store = current_store()
    status = store_status(store)
    if not status.ok:
        st.info(f"Logging is not available right now. {md(status.message)}")
        return
    st.caption(f"{keeps} Runs go to {md(store.label)}.")
    if st.button(label, key=key, icon=":material/save:"):
        with st.spinner("Logging the run…"):
            try:
                run_id = log(store)
            except TRACKING_ERRORS as exc:
                st.error(f"The run was not logged: {error_text(exc)}")
            else:
                st.success(f"Logged run {run_id}.")


def render_log_panel(analysis: SalesAnalysis) -> None:
    """ "Log to MLflow" and "Sweep" for the analysis on the Sales Trends page."""
    st.subheader("Log to MLflow")
    store = current_store()
    status = store_status(store)
    if not status.ok:
        st.info(f"Logging is not available right now. {md(status.message)}")
        return
    catalog, target = analysis.catalog, np.asarray(analysis.target, dtype=np.float64)
    stretch, znorm = analysis.stretch, analysis.znorm
    st.caption(
        "Each run keeps the settings, the distance statistics, the histogram, the outlier "
        f"lists, all distances and a model you can load by run id. Runs go to {md(store.label)}."
    )
    experiment = (
        st.text_input(
            "Experiment",
            value=tracking.DEFAULT_EXPERIMENT,
            key="tracking.experiment",
            help="MLflow experiment the runs are filed under; created if it does not exist.",
        ).strip()
        or tracking.DEFAULT_EXPERIMENT
    )
    st.markdown(f"**This analysis** (stretch {stretch:g}, "
                f"{'z-normalised' if znorm else 'raw units'})")  # fmt: skip
    if st.button(
        "Log to MLflow",
        key="tracking.log",
        icon=":material/save:",
        help="Save the analysis on screen as one MLflow run.",
    ):
        with st.spinner("Logging the run…"):
            try:
                run_id = tracking.log_analysis(
                    catalog,
                    target,
                    stretch=stretch,
                    znorm=znorm,
                    scores=analysis.scores,
                    store=store,
                    experiment=experiment,
                    source="app",
                    target_label=analysis.target_label,
                )
            except TRACKING_ERRORS as exc:
                st.error(f"The run was not logged: {error_text(exc)}")
            else:
                st.session_state[_LAST_RUNS] = ([run_id], [stretch], experiment)
                _cached_runs_changed()
    # The sweep takes the full width: every chosen factor stays visible at 1280 px.
    stretches = st.multiselect(
        "Stretch factors to sweep",
        STRETCH_CHOICES,
        default=list(PUBLISHED_STRETCHES),
        format_func=lambda s: f"{s:g}",
        key="tracking.sweep_stretches",
        help="One run per factor, same data, target and z-normalisation as on screen. "
        "The published sweep is preselected.",
    )
    if st.button(
        "Sweep",
        key="tracking.sweep",
        icon=":material/play_arrow:",
        disabled=not stretches,
        help="Log one run per selected stretch factor and compare them on the Experiments page.",
    ):
        ordered = sorted(stretches)
        ids = run_sweep(
            catalog,
            target,
            ordered,
            znorm=znorm,
            store=store,
            experiment=experiment,
            target_label=analysis.target_label,
        )
        if ids:
            st.session_state[_LAST_RUNS] = (ids, ordered, experiment)
    last = st.session_state.get(_LAST_RUNS)
    if last:
        ids, stretches_done, name = last
        st.success(
            f"Logged {len(ids)} run(s) to experiment “{name}”. Compare them on the "
            "Experiments page."
        )
        show_runs(ids, stretches_done, experiment_id(store, name))
