"""The benchmarks run end to end and check their own answers (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import ROOT


def test_quick_benchmark_runs_and_agrees_with_peer(tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "dtwcore.bench", "--quick", "--repeats", "1", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    assert "ratio" in proc.stdout
    cases = json.loads(out.read_text())["cases"]
    assert len(cases) == 8
    # Univariate rows, then multivariate clips of mixed lengths: the same distances as
    # dtaidistance to the last bit.
    assert [c["check"] for c in cases] == ["max |diff| 0.0e+00"] * 7 + ["same top 10"]
    assert [c["name"].split(",")[0] for c in cases[3:7]] == [
        "pairwise 200 clips x 5 templates", "one-to-many 1 template x 200 clips",
    ] * 2  # fmt: skip
    assert all(c["ours_s"] > 0 and c["theirs_s"] > 0 for c in cases)
    assert all(list(c["peers"]) == ["aeon", "tslearn"] for c in cases)
    assert all(p["seconds"] > 0 for c in cases for p in c["peers"].values())
    # The memory floor is measured beside the two one-to-many rows.
    assert all(c["floor_s"] > 0 and c["floor_ratio"] > 0 for c in cases[:2])
    assert "memory floor" in proc.stdout
    assert "x the floor (target <= 1.5)" in proc.stdout
    # aeon's squared distances, square-rooted, and tslearn's agree to rounding; same
    # nearest 10.
    for case in cases[:7]:
        for name in ("aeon", "tslearn"):
            assert float(case["peers"][name]["check"].removeprefix("max |diff| ")) < 1e-12
    assert [cases[7]["peers"][name]["check"] for name in ("aeon", "tslearn")] == ["same top 10"] * 2
    assert "tslearn s" in proc.stdout


def test_quick_clustering_benchmark_runs_on_the_bundled_data_sets(tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "shapes.json"
    proc = subprocess.run(
        [sys.executable, "-m", "dtwcore.bench.shapes", "--quick", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=True,
    )  # fmt: skip
    assert "ARI ours" in proc.stdout
    rows = json.loads(out.read_text())["datasets"]
    assert [(r["dataset"], r["band"]) for r in rows] == [
        ("ItalyPowerDemand", "none"), ("ItalyPowerDemand", "radius 1"),
        ("GunPoint", "none"), ("GunPoint", "radius 7"),
        ("ArrowHead", "none"), ("ArrowHead", "radius 12"),
    ]  # fmt: skip
    assert all(r["series"] == 20 for r in rows)
    assert all(-1 <= r[f"{m}_ari"] <= 1 for r in rows for m in ("ours", "tslearn", "aeon"))
    # Same objective, exact distances: FasterPAM's medoids are at least as good as aeon's
    # PAM on every row (a tolerance for the float32 matrix FasterPAM searches on).
    assert all(r["ours_loss"] <= r["aeon_loss"] * (1 + 1e-6) for r in rows)
    # Within 1 % of plain FasterPAM on the whole matrix on every row.
    assert all(r["loss_ratio"] <= 1.01 for r in rows)
