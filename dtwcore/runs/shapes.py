"""MLflow runs for demand shapes: one run per clustering, logged like an analysis.

Each run of :func:`log_clustering` goes to the store and experiment rules of
:mod:`dtwcore.runs.sales` (default experiment :data:`EXPERIMENT`) with the parameters
:data:`PARAMS`, the metrics :data:`METRICS` and the artifacts :data:`ARTIFACTS`. It is
logged through an :class:`~mlflow.tracking.MlflowClient` bound to the store (no
process-wide MLflow state, so app sessions can log at the same time); a run that stops
part-way is marked FAILED, and it carries the owner tag that lets
:func:`dtwcore.runs.sales.close_abandoned_runs` close it if its process dies.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from dtwcore.plots.shapes import shapes_grid, shapes_png
from dtwcore.runs import sales as tracking
from dtwcore.sales import csv_text
from dtwcore.shapes.clustering import ShapeClustering, assignments, compared_curves

__all__ = ["ARTIFACTS", "EXPERIMENT", "METRICS", "PARAMS", "log_clustering"]

EXPERIMENT = "demand-shapes"
PARAMS = (
    "k",
    "k_chosen",
    "stretch_factor",
    "znorm",
    "n_products",
    "dataset_name",
    "dataset_hash",
    "sample_size",
)
METRICS = ("silhouette", "total_distance", "mean_distance")
ARTIFACTS = ("assignments.csv", "shapes.png", "shapes.html")


def _titles(result: ShapeClustering) -> list[str]:
    return [f"Shape {c + 1}: {int(n):,} products" for c, n in enumerate(result.sizes)]


def log_clustering(
    catalog: tracking.CatalogLike,
    result: ShapeClustering,
    *,
    store: tracking.Store | None = None,
    experiment: str = EXPERIMENT,
    source: str = "python",
) -> str:
    """Log one clustering of ``catalog`` as a new run; return its id.

    Parameters
    ----------
    catalog : the products clustered (``name``, ``ids`` (N,), ``values`` (N, W),
        ``content_hash``)
    result : :func:`dtwcore.shapes.cluster_shapes` of ``catalog.values``
    store : where to log; default :func:`dtwcore.runs.sales.resolve_store`
    experiment : experiment name, created when missing
    source : tag saying where the run came from (``app``, ``python``)
    """
    if result.labels.shape[0] != catalog.ids.shape[0]:
        raise tracking.TrackingError(
            f"the clustering has {result.labels.shape[0]} products, the catalogue "
            f"{catalog.ids.shape[0]}"
        )
    store = store or tracking.resolve_store()
    tracking.require_store(store)
    params = {
        "k": result.k,
        "k_chosen": "by silhouette" if result.k_scores else "given",
        "stretch_factor": result.stretch,
        "znorm": result.znorm,
        "n_products": int(result.labels.shape[0]),
        "dataset_name": catalog.name,
        "dataset_hash": catalog.content_hash,
        "sample_size": result.sample_size if result.sample_size is not None else "all",
    }
    metrics = {
        "silhouette": result.mean_silhouette,
        "total_distance": result.total_distance,
        "mean_distance": float(result.distance.mean()),
    }
    shape = "z-normalised shapes" if result.znorm else "raw units"
    title = f"{catalog.name}: {result.k} shapes, stretch {result.stretch:g}, {shape}"
    note = (
        f"{result.k} demand shapes of {len(result.labels)} products of “{catalog.name}” "
        f"(k-medoids under DTW, stretch {result.stretch:g}, {shape}); mean "
        f"{result.silhouette_kind} {result.mean_silhouette:.3f}, total distance to the "
        f"medoids {result.total_distance:.2f}."
    )
    tags = {
        tracking.SOURCE_TAG: source,
        tracking.OWNER_TAG: tracking.run_owner(),
        "mlflow.note.content": note,
        "mlflow.runName": f"{result.k} shapes, stretch {result.stretch:g}",
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
        with tempfile.TemporaryDirectory(prefix="dtw-shapes-") as tmp:
            folder = Path(tmp)
            table = assignments(catalog.ids, result)
            (folder / "assignments.csv").write_text(csv_text(table), encoding="utf-8", newline="")
            titles = _titles(result)
            (folder / "shapes.png").write_bytes(
                shapes_png(result.average, result.band, titles, znorm=result.znorm, title=title)
            )
            medoids = compared_curves(catalog.values[result.medoids], result.znorm)
            figure = shapes_grid(result.average, result.band, medoids, titles, znorm=result.znorm)
            figure.update_layout(title_text=title)
            figure.write_html(folder / "shapes.html", include_plotlyjs=True, full_html=True)
            mlc.log_artifacts(run_id, tmp)
    except BaseException:
        # The original error matters more; if FAILED cannot be set now, the owner tag lets
        # close_abandoned_runs set it later.
        with contextlib.suppress(Exception):
            mlc.set_terminated(run_id, "FAILED")
        raise
    mlc.set_terminated(run_id, "FINISHED")
    return run_id
