"""Benchmark: demand-shape clustering against tslearn and aeon, same data, same process.

Run ``python -m dtwcore.bench.shapes`` (a few minutes on 2 cores; ``--quick`` takes the
first 20 series of each set). On labelled data sets that aeon ships in its package (no
download): ItalyPowerDemand, GunPoint and ArrowHead, train and test joined, k = the
number of classes. Each method clusters the same z-normalised series with the same DTW,
twice: without a band (the peers' default) and with the Sakoe-Chiba band of the
product's default stretch factor (radius floor(0.05 x length)):

* ours: :func:`dtwcore.shapes.cluster_shapes` (our FasterPAM on the DTW matrix, exact
  assignment);
* tslearn ``TimeSeriesKMeans(metric="dtw")`` (k-means with DBA barycentres);
* aeon ``TimeSeriesKMedoids(distance="dtw")`` (PAM, its defaults).

The table shows wall seconds (one timed run after a warm-up that compiles every numba
kernel), the adjusted Rand index (ARI) against the labels, our time over the faster
peer's, and the k-medoids loss of both k-medoids methods (the sum of every series' exact
DTW distance to its nearest medoid; lower is a better search for the same objective),
beside the loss of plain FasterPAM (BUILD start, on the whole exact matrix, without the
batching large catalogues get) and our loss over it.
Results also go to ``bench-results/shapes.json``.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from dtwcore.bench import write_json
from dtwcore.distance import band_radius, dtw_pairwise, znormalize
from dtwcore.sales import DEFAULT_STRETCH
from dtwcore.shapes import cluster_shapes
from dtwcore.shapes.kmedoids import fasterpam

DATASETS = ("ItalyPowerDemand", "GunPoint", "ArrowHead")
QUICK_SERIES = 20  # series per set with --quick
STRETCHES = (1.0, DEFAULT_STRETCH)  # no band, and the product's default band
TARGET_TIME_RATIO = 1 / 20
TARGET_LOSS_RATIO = 1.01  # our k-medoids loss over FasterPAM's, at most


@dataclass
class ClusterResult:
    """One data set: wall seconds and ARI of each method, and the time ratio."""

    dataset: str
    band: str
    series: int
    length: int
    k: int
    ours_s: float
    tslearn_s: float
    aeon_s: float
    ours_ari: float
    tslearn_ari: float
    aeon_ari: float
    ratio: float
    ours_loss: float
    aeon_loss: float
    fasterpam_loss: float
    loss_ratio: float


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Series (n, m) and labels (n,) of a data set bundled with aeon (train + test)."""
    from aeon.datasets import load_arrow_head, load_gunpoint, load_italy_power_demand

    loaders = {
        "ItalyPowerDemand": load_italy_power_demand,
        "GunPoint": load_gunpoint,
        "ArrowHead": load_arrow_head,
    }
    X, y = loaders[name]()
    return np.asarray(X[:, 0, :], dtype=np.float64), np.asarray(y)


def _timed(fn: Callable[[], tuple[np.ndarray, np.ndarray | None]]) -> tuple[float, tuple]:
    start = time.perf_counter()
    found = fn()
    return time.perf_counter() - start, found


def kmedoids_loss(X: np.ndarray, medoids: np.ndarray, stretch: float) -> float:
    """Sum over the rows of ``X`` (n, m) of the exact DTW distance to the nearest of
    ``medoids`` (k, m)."""
    return float(dtw_pairwise(medoids, X, stretch=stretch).min(axis=0).sum())


def fasterpam_medoids(X: np.ndarray, k: int, stretch: float) -> np.ndarray:
    """Medoids (k, m) of the rows of ``X`` (n, m) by plain FasterPAM (BUILD start) on the
    whole exact DTW matrix: :func:`dtwcore.shapes.kmedoids.fasterpam`, checked against
    plain-numpy PAM and FasterPAM in the tests, without the batching large catalogues get."""
    found = fasterpam(dtw_pairwise(X, stretch=stretch), k)
    return X[found.medoids]


def run(quick: bool = False) -> list[ClusterResult]:
    """Cluster every data set with the three methods; return the results."""
    from aeon.clustering import TimeSeriesKMedoids
    from sklearn.metrics import adjusted_rand_score
    from tslearn.clustering import TimeSeriesKMeans

    def ours(X: np.ndarray, k: int, stretch: float) -> tuple[np.ndarray, np.ndarray]:
        found = cluster_shapes(X, k=k, stretch=stretch, znorm=True)
        return found.labels, X[found.medoids]

    def tslearn(X: np.ndarray, k: int, stretch: float) -> tuple[np.ndarray, None]:
        radius = band_radius(X.shape[1], stretch=stretch)
        band = {"global_constraint": "sakoe_chiba", "sakoe_chiba_radius": radius}
        model = TimeSeriesKMeans(
            n_clusters=k,
            metric="dtw",
            random_state=0,
            metric_params=band if stretch < 1 else None,
        )
        return model.fit_predict(X[:, :, None]), None

    def aeon(X: np.ndarray, k: int, stretch: float) -> tuple[np.ndarray, np.ndarray]:
        radius = band_radius(X.shape[1], stretch=stretch)
        model = TimeSeriesKMedoids(
            n_clusters=k,
            distance="dtw",
            random_state=0,
            distance_params={"window": radius / X.shape[1]} if stretch < 1 else None,
        )
        labels = model.fit_predict(X[:, None, :])
        return labels, model.cluster_centers_[:, 0, :]

    warm = np.array([znormalize(row) for row in np.random.default_rng(0).random((12, 16))])
    for method in (ours, tslearn, aeon):
        for stretch in STRETCHES:
            method(warm, 2, stretch)

    results = []
    for name in DATASETS:
        X, y = load(name)
        if quick:
            X, y = X[:QUICK_SERIES], y[:QUICK_SERIES]
        X = np.array([znormalize(row) for row in X])
        k = len(np.unique(y))
        for stretch in STRETCHES:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t_ours, (l_ours, m_ours) = _timed(lambda X=X, k=k, s=stretch: ours(X, k, s))
                t_tsl, (l_tsl, _) = _timed(lambda X=X, k=k, s=stretch: tslearn(X, k, s))
                t_aeon, (l_aeon, m_aeon) = _timed(lambda X=X, k=k, s=stretch: aeon(X, k, s))
            ours_loss = kmedoids_loss(X, m_ours, stretch)
            reference = kmedoids_loss(X, fasterpam_medoids(X, k, stretch), stretch)
            results.append(
                ClusterResult(
                    name,
                    "none"
                    if stretch >= 1
                    else f"radius {band_radius(X.shape[1], stretch=stretch)}",
                    X.shape[0],
                    X.shape[1],
                    k,
                    t_ours,
                    t_tsl,
                    t_aeon,
                    float(adjusted_rand_score(y, l_ours)),
                    float(adjusted_rand_score(y, l_tsl)),
                    float(adjusted_rand_score(y, l_aeon)),
                    t_ours / min(t_tsl, t_aeon),
                    ours_loss,
                    kmedoids_loss(X, m_aeon, stretch),
                    reference,
                    ours_loss / reference,
                )
            )
    return results


def render(results: list[ClusterResult]) -> str:
    """A plain-text table of the results."""
    head = (
        f"{'data set':<28} {'band':<10} {'ours s':>8} {'tslearn s':>10} {'aeon s':>8} {'ratio':>7}"
        f"  {'ARI ours':>8} {'tslearn':>8} {'aeon':>6}  {'loss ours':>9} {'aeon':>8}"
        f" {'FasterPAM':>9} {'ours/FP':>7}  verdict"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        fast = r.ratio <= TARGET_TIME_RATIO
        good = r.ours_ari >= max(r.tslearn_ari, r.aeon_ari) - 1e-12
        verdict = ("time ok" if fast else "time MISSED") + (", ARI ok" if good else ", ARI LOWER")
        verdict += ", loss ok" if r.loss_ratio <= TARGET_LOSS_RATIO else ", loss HIGHER"
        lines.append(
            f"{r.dataset + f' ({r.series}x{r.length}, k={r.k})':<28} {r.band:<10} {r.ours_s:>8.3f} "
            f"{r.tslearn_s:>10.3f} {r.aeon_s:>8.3f} {r.ratio:>7.4f}  {r.ours_ari:>8.3f} "
            f"{r.tslearn_ari:>8.3f} {r.aeon_ari:>6.3f}  {r.ours_loss:>9.2f} {r.aeon_loss:>8.2f}"
            f" {r.fasterpam_loss:>9.2f} {r.loss_ratio:>7.4f}"
            f"  {verdict}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m dtwcore.bench.shapes", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_SERIES} series per set, to check it runs"
    )
    parser.add_argument("--out", default="bench-results/shapes.json", help="JSON output file")
    args = parser.parse_args(argv)
    results = run(quick=args.quick)
    print(render(results))
    write_json(
        args.out,
        {
            "target_time_ratio": TARGET_TIME_RATIO,
            "target_loss_ratio": TARGET_LOSS_RATIO,
            "datasets": [asdict(r) for r in results],
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
