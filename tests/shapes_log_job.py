"""A clustering logged to MLflow by its own process, held in the middle of the run.

``python -m tests.shapes_log_job TRACKING_URI EXPERIMENT`` clusters the first
:data:`PRODUCTS` products of the UCI file into 2 shapes (stretch 0.1) and logs the
clustering with :func:`dtwcore.runs.shapes.log_clustering`. When the run's figures are
being drawn (after its parameters and metrics are written) it prints ``drawing`` and waits
for a line on stdin, so that a test can interrupt the process (SIGINT) or kill the store at
that moment, then let it go on. It then prints one line and exits:

* ``logged RUN_ID`` (exit 0): the run finished;
* ``interrupted`` (exit 130): Ctrl-C stopped the run at its next safe point;
* ``lost: MESSAGE``: the store stopped answering. The process then lives on, like the app,
  until a second line on stdin; then it lists the experiment's runs (which closes the runs
  it could not mark FAILED), prints ``listed`` and exits 0.

Run by tests/test_shapes_tracking.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dtwcore.runs import shapes as shape_runs
from dtwcore.runs import store as run_store
from dtwcore.sales import Catalog, load_catalog
from dtwcore.shapes import cluster_shapes

UCI_CSV = (
    Path(__file__).resolve().parents[1] / "data" / "sales" / "Sales_Transactions_Dataset_Weekly.csv"
)
PRODUCTS = 60


def _held(draw):  # noqa: ANN001, ANN202
    """``draw``, once the test has read ``drawing`` and answered with a line."""

    def held(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        print("drawing", flush=True)
        sys.stdin.readline()
        return draw(*args, **kwargs)

    return held


def main(tracking_uri: str, experiment: str) -> int:
    full = load_catalog(UCI_CSV)
    catalog = Catalog(
        name=f"UCI first {PRODUCTS}",
        ids=full.ids[:PRODUCTS],
        weeks=full.weeks,
        values=full.values[:PRODUCTS],
    )
    result = cluster_shapes(catalog.values, k=2, stretch=0.1)
    store = run_store.resolve_store(tracking_uri)
    shape_runs.shapes_png = _held(shape_runs.shapes_png)
    try:
        run_id = shape_runs.log_clustering(catalog, result, store=store, experiment=experiment)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        return 130
    except run_store.StoreUnreachable as exc:
        print(f"lost: {exc}", flush=True)
        sys.stdin.readline()
        experiment_id = run_store.client(store).get_experiment_by_name(experiment).experiment_id
        run_store.runs_table(store, experiment_id, params={}, metrics=shape_runs.METRICS)
        print("listed", flush=True)
        return 0
    print(f"logged {run_id}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
