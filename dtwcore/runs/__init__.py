"""Runs: every analysis as an MLflow run, and what is read back from them.

* :mod:`~dtwcore.runs.store`: where runs go (the tracking store), its health, queries.
* :mod:`~dtwcore.runs.recorder`: the one way a run starts, is tagged, ends or fails.
* :mod:`~dtwcore.runs.metrics`: the metrics every sales run logs (one registry).
* :mod:`~dtwcore.runs.sales`, :mod:`~dtwcore.runs.shapes`: what a sales analysis, a sweep
  and a clustering log.
* :mod:`~dtwcore.runs.model`: the logged model that scores new products.
* :mod:`~dtwcore.runs.compare`: run labels and comparisons for the Experiments page.

Nothing here is imported by ``import dtwcore``: MLflow loads only when runs are used.
"""
