"""Benchmarks against peer libraries on the same data in the same process.

``python -m dtwcore.bench`` times the DTW engine (:mod:`dtwcore.bench.dtw`);
``python -m dtwcore.bench.shapes`` the clustering (:mod:`dtwcore.bench.shapes`);
``python -m dtwcore.bench.mix`` the product mix against HiGHS (:mod:`dtwcore.bench.mix`).
"""
