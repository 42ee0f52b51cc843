"""MLflow runs for product mixes: one run per plan, logged like an analysis.

Each run of :func:`log_mix` goes to the store and experiment rules of
:mod:`dtwcore.runs.sales` (default experiment :data:`EXPERIMENT`) with the parameters
:data:`PARAMS`, the metrics :data:`METRICS` and the artifacts :data:`ARTIFACTS`: the
chosen products and the week-by-week plan, as ``python -m dtwcore mix`` writes them
(``--out`` and ``--plan``). A run that stops part-way is marked FAILED, and it carries the
owner tag that lets :func:`dtwcore.runs.sales.close_abandoned_runs` close it if its
process dies.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Sequence
from pathlib import Path

from dtwcore.runs import sales as tracking
from dtwcore.sales import csv_text
from dtwcore.sales.mix import MixPlan

__all__ = ["ARTIFACTS", "EXPERIMENT", "METRICS", "PARAMS", "log_mix"]

EXPERIMENT = "product-mix"
PARAMS = (
    "stretch_factor",
    "weeks_ahead",
    "backlog",
    "max_products",
    "include",
    "exclude",
    "share_step",
    "n_products",
    "dataset_name",
    "dataset_hash",
    "capacity_hash",
    "solver",
)
METRICS = ("utilisation", "upper_bound", "ideal_utilisation", "idle_units", "products_chosen")
ARTIFACTS = ("mix.csv", "plan.csv")


def log_mix(
    catalog: tracking.CatalogLike,
    plan: MixPlan,
    *,
    stretch: float,
    max_products: int | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    share_step: float = 1.0,
    store: tracking.Store | None = None,
    experiment: str = EXPERIMENT,
    source: str = "python",
) -> str:
    """Log one product mix of ``catalog`` as a new run; return its id.

    Parameters
    ----------
    catalog : the products the mix was chosen from (``name``, ``ids`` (N,),
        ``content_hash``)
    plan : :func:`dtwcore.sales.mix.plan_mix` of ``catalog``
    stretch : float in [0, 1], the stretch factor the build-ahead came from
    max_products, include, exclude, share_step : the other settings of the plan
    store : where to log; default :func:`dtwcore.runs.sales.resolve_store`
    experiment : experiment name, created when missing
    source : tag saying where the run came from (``app``, ``python``)
    """
    store = store or tracking.resolve_store()
    tracking.require_store(store)
    params = {
        "stretch_factor": stretch,
        "weeks_ahead": plan.ahead,
        "backlog": plan.backlog,
        "max_products": max_products if max_products is not None else "none",
        "include": ", ".join(include) or "none",
        "exclude": ", ".join(exclude) or "none",
        "share_step": share_step,
        "n_products": int(catalog.ids.shape[0]),
        "dataset_name": catalog.name,
        "dataset_hash": catalog.content_hash,
        "capacity_hash": tracking.array_hash(plan.capacity),
        "solver": plan.solver,
    }
    metrics = {
        "utilisation": plan.utilisation,
        "upper_bound": plan.upper_bound,
        "ideal_utilisation": plan.ideal_utilisation,
        "idle_units": float(plan.idle.sum()),
        "products_chosen": float(len(plan.products)),
    }
    note = (
        f"Product mix of “{catalog.name}”: {len(plan.products):,} products fill "
        f"{plan.utilisation:.2%} of the {len(plan.weeks)}-week capacity (at most "
        f"{plan.upper_bound:.2%} possible), built up to {plan.ahead} weeks ahead and "
        f"{plan.backlog} late."
    )
    tags = {
        tracking.SOURCE_TAG: source,
        tracking.OWNER_TAG: tracking.run_owner(),
        "mlflow.note.content": note,
        "mlflow.runName": f"mix of {len(plan.products):,}, stretch {stretch:g}",
    }
    mlc = tracking.client(store)
    experiment_id = tracking.ensure_experiment(store, experiment)
    tracking.close_abandoned_runs(store, experiment_id)
    run = mlc.create_run(experiment_id, tags=tags, run_name=tags["mlflow.runName"])
    run_id = run.info.run_id
    try:
        for name, value in params.items():
            mlc.log_param(run_id, name, value)
        for name, value in metrics.items():
            mlc.log_metric(run_id, name, value)
        with tempfile.TemporaryDirectory(prefix="dtw-mix-") as tmp:
            folder = Path(tmp)
            for name, table in zip(
                ARTIFACTS, (plan.products_frame(), plan.weeks_frame()), strict=True
            ):
                (folder / name).write_text(csv_text(table), encoding="utf-8", newline="")
            mlc.log_artifacts(run_id, tmp)
    except BaseException:
        # The original error matters more; if FAILED cannot be set now, the owner tag lets
        # close_abandoned_runs set it later.
        with contextlib.suppress(Exception):
            mlc.set_terminated(run_id, "FAILED")
        raise
    mlc.set_terminated(run_id, "FINISHED")
    return run_id
