"""Runs: every analysis as an MLflow run, and what is read back from them.

* :mod:`~dtwcore.runs.store`: where runs go (the tracking store), its health, queries.
* :mod:`~dtwcore.runs.recorder`: the one way a run starts, is tagged, ends or fails.
* :mod:`~dtwcore.runs.metrics`: the metrics runs log (one registry per kind of run).
* :mod:`~dtwcore.runs.sales`, :mod:`~dtwcore.runs.shapes`: what a sales analysis, a sweep
  and a clustering log.
* :mod:`~dtwcore.runs.model`: the logged model that scores new products.
* :mod:`~dtwcore.runs.compare`: the Experiments page's queries, run labels and verdicts.

Nothing here is imported by ``import dtwcore``: MLflow loads only when runs are used.
"""
