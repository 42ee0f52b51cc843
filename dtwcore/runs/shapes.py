"""MLflow runs for demand shapes: one run per clustering, logged like an analysis.

Each run of :func:`log_clustering` goes to the store of :mod:`dtwcore.runs.store`
(default experiment :data:`EXPERIMENT`) with the parameters :data:`PARAMS`, the metrics of
:data:`dtwcore.runs.metrics.SHAPE_METRICS` and the artifacts :data:`ARTIFACTS`. It starts,
is tagged, ends and fails through :func:`dtwcore.runs.recorder.record`, like a sales
analysis: a run that stops part-way (Ctrl-C, an error, a store that dies) is marked FAILED
with the reason, and none is left RUNNING.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from dtwcore.plots import PLOT_CONFIG
from dtwcore.plots.shapes import shapes_grid, shapes_png
from dtwcore.runs.metrics import SHAPE_METRIC_NAMES, summarize_shapes
from dtwcore.runs.recorder import CatalogLike, record
from dtwcore.runs.store import Store, TrackingError, resolve_store
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
METRICS = SHAPE_METRIC_NAMES
ARTIFACTS = ("assignments.csv", "shapes.png", "shapes.html")


def _titles(result: ShapeClustering) -> list[str]:
    return [f"Shape {c + 1}: {int(n):,} products" for c, n in enumerate(result.sizes)]


def log_clustering(
    catalog: CatalogLike,
    result: ShapeClustering,
    *,
    store: Store | None = None,
    experiment: str = EXPERIMENT,
    source: str = "python",
) -> str:
    """Log one clustering of ``catalog`` as a new run; return its id.

    Parameters
    ----------
    catalog : the products clustered (``name``, ``ids`` (N,), ``values`` (N, W),
        ``content_hash``)
    result : :func:`dtwcore.shapes.cluster_shapes` of ``catalog.values``
    store : where to log; default :func:`dtwcore.runs.store.resolve_store`
    experiment : experiment name, created when missing
    source : tag saying where the run came from (``app``, ``python``)

    Raises
    ------
    TrackingError
        the clustering is not of ``catalog``'s products
    StoreUnreachable, KeyboardInterrupt
        as :func:`dtwcore.runs.recorder.record`; the run is then marked FAILED
    """
    if result.labels.shape[0] != catalog.ids.shape[0]:
        raise TrackingError(
            f"the clustering has {result.labels.shape[0]} products, the catalogue "
            f"{catalog.ids.shape[0]}"
        )
    store = store or resolve_store()
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
    shape = "z-normalised shapes" if result.znorm else "raw units"
    title = f"{catalog.name}: {result.k} shapes, stretch {result.stretch:g}, {shape}"
    note = (
        f"{result.k} demand shapes of {len(result.labels)} products of “{catalog.name}” "
        f"(k-medoids under DTW, stretch {result.stretch:g}, {shape}); mean "
        f"{result.silhouette_kind} {result.mean_silhouette:.3f}, total distance to the "
        f"medoids {result.total_distance:.2f}."
    )
    run_name = f"{result.k} shapes, stretch {result.stretch:g}"
    with record(
        store, experiment, run_name=run_name, source=source, tags={"mlflow.note.content": note}
    ) as run:
        run.log_params(params)
        run.log_metrics(summarize_shapes(result))
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
            figure.write_html(
                folder / "shapes.html", include_plotlyjs=True, full_html=True, config=PLOT_CONFIG
            )
            run.log_artifacts(folder)
    return run.run_id
