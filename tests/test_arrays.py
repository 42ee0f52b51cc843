"""NumPy to and from Arrow without pandas (dtwcore.sales.arrays), and a ``score`` of a wide
Parquet file that never imports pandas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dtwcore.sales.arrays import from_numpy, to_numpy

from .conftest import ROOT

ARROW_ARRAYS = [
    pa.array([1, 2, None, 4], pa.int64()),
    pa.array([1, 2, 3], pa.int32()),
    pa.array([1, 2, None, 4, 5, 6, 7, 8, 9, 10], pa.uint8()).slice(3),
    pa.array([1.5, None, 3.0]),
    pa.array([1.5, 2.0, 3.0], pa.float32()),
    pa.array([1.0, None, 2.0] * 5).slice(4, 7),
    pa.array([True, False, True] * 5),
    pa.array([True, None, False] * 7).slice(5),
    pa.array(["a", "", None]),
]


@pytest.mark.parametrize("array", ARROW_ARRAYS, ids=lambda a: f"{a.type}-{a.offset}")
def test_to_numpy_is_arrows_own(array: pa.Array) -> None:
    ours, arrows = to_numpy(array), array.to_numpy(zero_copy_only=False)
    assert ours.dtype == arrows.dtype
    assert [str(v) for v in ours.tolist()] == [str(v) for v in arrows.tolist()]


@pytest.mark.parametrize(
    "values",
    [np.arange(5), np.array([1.5, -0.0, 2e300]), np.arange(10)[::2], np.empty(0, np.int32)],
)
def test_from_numpy_is_pa_array(values: np.ndarray) -> None:
    ours, arrows = from_numpy(values), pa.array(values)
    assert ours.type == arrows.type and ours.null_count == 0
    assert ours.to_pylist() == arrows.to_pylist()


def test_score_of_a_wide_parquet_file_never_imports_pandas(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    values = rng.integers(0, 20, (40, 52)).astype(float)
    values[3] = 0.0  # sells nothing: left out, with a warning
    columns = {"Product_Code": [f"P{i}" for i in range(40)]}
    columns |= {f"W{j}": values[:, j] for j in range(52)}
    source, out = tmp_path / "catalogue.parquet", tmp_path / "scores.parquet"
    pq.write_table(pa.table(columns), source)
    code = (
        "import sys\n"
        "from dtwcore.cli import main\n"
        "status = main(sys.argv[1:])\n"
        "sys.stderr.write(f'pandas loaded: {\"pandas\" in sys.modules}')\n"
        "sys.exit(status)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "score", str(source), "--out", str(out), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.endswith("pandas loaded: False")
    assert "P3" in done.stderr  # the warning names the product left out
    result = pq.read_table(out)
    assert result.num_rows == 39
    assert result["rank"].to_pylist() == list(range(1, 40))
