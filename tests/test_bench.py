"""The benchmark runs end to end and checks its own answers (no timing asserted)."""

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
    assert len(cases) == 4
    assert [c["check"] for c in cases] == ["max |diff| 0.0e+00"] * 3 + ["same top 10"]
    assert all(c["ours_s"] > 0 and c["theirs_s"] > 0 for c in cases)
