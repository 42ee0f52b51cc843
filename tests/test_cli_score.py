"""``python -m dtwcore score``: formats, --top, the published figures, errors, memory."""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dtwcore.cli import main
from dtwcore.sales import BLOG_TARGET, CatalogReader, load_catalog, results, score_catalog
from dtwcore.sales.results import OutputFile, score_stream, write_results

from .conftest import ROOT, UCI_CSV, said_notes
from .test_stream import DIALECTS, write_dialects

WEEKS = [f"W{i}" for i in range(52)]


def cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main(["score", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def read(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


@pytest.fixture(scope="module")
def uci() -> pd.DataFrame:
    return pd.read_csv(UCI_CSV)


@pytest.fixture(scope="module")
def expected(uci: pd.DataFrame) -> pd.DataFrame:
    """score_catalog on the whole file, closest first."""
    scores = score_catalog(uci["Product_Code"].to_numpy(), uci[WEEKS].to_numpy(), BLOG_TARGET)
    return scores.sort_values("rank").reset_index(drop=True)


def assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == ["product", "distance", "rank", "zscore"]
    assert got["product"].tolist() == want["product"].tolist()
    assert got["rank"].tolist() == want["rank"].tolist()
    np.testing.assert_array_equal(got["distance"].to_numpy(), want["distance"].to_numpy())
    np.testing.assert_allclose(got["zscore"], want["zscore"], rtol=0, atol=1e-12)


def test_uci_reproduces_the_published_figures(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, expected: pd.DataFrame
) -> None:
    out = tmp_path / "scores.csv"
    code, stdout, stderr = cli(capsys, UCI_CSV, "--out", out)
    # no progress when stderr is not a terminal; the page's notes on the file
    assert (code, stdout, stderr) == (0, "", said_notes(UCI_CSV))
    assert stderr == (
        "note: Ignored 54 columns that are not weekly sales: MIN, MAX, Normalized 0 … "
        "Normalized 51.\n"
    )
    got = read(out)
    assert len(got) == 811
    first, last = got.iloc[0], got.iloc[-1]
    assert (first["product"], round(first["distance"], 4), first["rank"]) == ("P675", 5.1101, 1)
    assert (last["product"], round(last["distance"], 4), last["rank"]) == ("P716", 10.6719, 811)
    assert round(got["distance"].median(), 4) == 7.8940
    by_product = got.set_index("product")["distance"].round(4)
    assert (by_product["P202"], by_product["P83"]) == (6.8616, 8.9514)
    assert_same(got, expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.csv"]


def test_parquet_in_and_out_match_csv(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, uci: pd.DataFrame, expected: pd.DataFrame
) -> None:
    source = tmp_path / "uci.parquet"
    uci.to_parquet(source, row_group_size=200)
    for name in ("a.parquet", "b.csv"):
        assert cli(capsys, source, "--out", tmp_path / name, "--quiet")[0] == 0
        assert_same(read(tmp_path / name), expected)
    assert pq.read_schema(tmp_path / "a.parquet").types == [
        pa.string(), pa.float64(), pa.int64(), pa.float64()
    ]  # fmt: skip


@pytest.mark.parametrize("k", [1, 10, 811, 5000])
def test_top_is_the_head_of_the_full_ranking(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, expected: pd.DataFrame, k: int
) -> None:
    out = tmp_path / "top.parquet"
    assert cli(capsys, UCI_CSV, "--out", out, "--top", k)[0] == 0
    assert_same(read(out), expected.head(k))


def test_top_across_batches_with_ties(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    values = rng.integers(0, 30, (40_000, 52)).astype(float)
    values[::997] = 7.0  # constant rows: all at the same distance, ties by input order
    ids = [f"S{i}" for i in range(len(values))]
    source = tmp_path / "many.parquet"
    columns = {"sku": ids} | {f"W{i}": values[:, i] for i in range(52)}
    pq.write_table(pa.table(columns), source, row_group_size=7_000)
    full, top = tmp_path / "full.parquet", tmp_path / "top.parquet"
    assert cli(capsys, source, "--out", full, "--stretch", "0.1")[0] == 0
    assert cli(capsys, source, "--out", top, "--stretch", "0.1", "--top", 60)[0] == 0
    want = score_catalog(np.array(ids), values, BLOG_TARGET, stretch=0.1)
    want = want.sort_values("rank").reset_index(drop=True)
    assert_same(read(full), want)
    assert_same(read(top), want.head(60))


def test_external_sort_across_runs_with_ties(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sorted runs on disk merged: the same ranking, ties in input order, runs removed."""
    rng = np.random.default_rng(7)
    values = rng.integers(0, 30, (20_000, 52)).astype(float)
    values[::7] = 7.0  # constant rows: all at the same distance, across run batches
    values[5::1_001] = 0.0  # sold nothing: left out
    ids = [f"S{i}" for i in range(len(values))]
    source = tmp_path / "many.parquet"
    pq.write_table(pa.table({"sku": ids} | {f"W{i}": values[:, i] for i in range(52)}), source)
    runs = tmp_path / "runs"
    runs.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(runs))
    monkeypatch.setattr(results, "_MERGE_ROWS", 500)
    notes: list[str] = []
    tables = score_stream(
        CatalogReader(source, batch_rows=1_000), BLOG_TARGET, warn=notes.append, run_rows=3_000
    )
    out = OutputFile(str(tmp_path / "scores.parquet"))
    assert write_results(out, tables) == 20_000 - 20
    assert notes[0].startswith("20 products with net units of 0 or less over weeks 1:52")
    kept = values.sum(axis=1) > 0
    want = score_catalog(np.array(ids)[kept], values[kept], BLOG_TARGET)
    assert_same(read(tmp_path / "scores.parquet"), want.sort_values("rank").reset_index(drop=True))
    assert list(runs.iterdir()) == []


def test_target_file_stretch_and_raw_units(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, uci: pd.DataFrame
) -> None:
    target = np.array([3.0, 5, 4, 8, 9, 7, 6, 10, 12, 9, 8, 11])
    (tmp_path / "capacity.csv").write_text("capacity\n" + "\n".join(map(str, target)) + "\n")
    out = tmp_path / "raw.csv"
    args = ["--target", tmp_path / "capacity.csv", "--stretch", "0.25", "--no-znorm"]
    # All 52 weeks against the 12-week target, as chosen.
    assert cli(capsys, UCI_CSV, "--out", out, *args, "--weeks", "1:52")[0] == 0
    want = score_catalog(
        uci["Product_Code"].to_numpy(), uci[WEEKS].to_numpy(), target, stretch=0.25, znorm=False
    )
    assert_same(read(out), want.sort_values("rank").reset_index(drop=True))
    # By default the last 12 weeks, those that line up with the target; products that sold
    # nothing in them are left out and named on stderr.
    code, _, err = cli(capsys, UCI_CSV, "--out", out, *args)
    last = uci[WEEKS[-12:]].to_numpy()
    sold = last.sum(axis=1) > 0
    codes = uci["Product_Code"].to_numpy()
    assert code == 0 and err.startswith(said_notes(UCI_CSV))
    assert f"warning: {(~sold).sum()} products with net units" in err
    want = score_catalog(codes[sold], last[sold], target, stretch=0.25, znorm=False)
    assert_same(read(out), want.sort_values("rank").reset_index(drop=True))


def test_id_column_and_ignored_text_columns(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "shop.csv"
    source.write_text("Region,sku,a,b,c,d\nnorth,X1,1,2,3,4\nsouth,X2,4,3,2,1\neast,X3,1,2,3,5\n")
    out = tmp_path / "o.csv"
    wide = ("--layout", "wide")
    assert cli(capsys, source, "--out", out, "--id-column", "sku", *wide)[0] == 0
    got = read(out)
    values = np.array([[1.0, 2, 3, 4], [4, 3, 2, 1], [1, 2, 3, 5]])
    want = score_catalog(np.array(["X1", "X2", "X3"]), values, BLOG_TARGET)
    assert_same(got, want.sort_values("rank").reset_index(drop=True))
    assert cli(capsys, source, "--out", out, "--id-column", "Region", *wide)[0] == 0
    assert sorted(read(out)["product"]) == ["east", "north", "south"]
    # a, b, c, d are not week-like names: on auto the command asks, naming the flags.
    code, _, err = cli(capsys, source, "--out", out)
    assert code == 2
    assert (
        err.count("\n") == 1 and "Candidates: Region, sku, a, b, c, d; choose with --layout" in err
    )


def run_subprocess(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_stdout_and_no_pyspark_on_the_local_path(expected: pd.DataFrame) -> None:
    code = (
        "import argparse, sys\n"
        "from dtwcore.cli import score as cli_score\n"
        "parser = argparse.ArgumentParser()\n"
        "cli_score.register(parser.add_subparsers())\n"
        "args = parser.parse_args(sys.argv[1:])\n"
        "status = args.func(args)\n"
        "sys.stderr.write(f'pyspark loaded: {\"pyspark\" in sys.modules}')\n"
        "sys.exit(status)\n"
    )
    done = run_subprocess(code, "score", str(UCI_CSV), "--out", "-", "--top", "5")
    assert done.returncode == 0, done.stderr
    assert done.stderr == said_notes(UCI_CSV) + "pyspark loaded: False"
    lines = done.stdout.splitlines()
    assert lines[0] == '"product","distance","rank","zscore"'
    assert lines[1].startswith('"P675",5.1100628')
    assert len(lines) == 6


def test_python_m_dtwcore_score_writes_csv_to_stdout() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dtwcore", "score", str(UCI_CSV), "--out", "-", "--top", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert [line.split(",")[0] for line in done.stdout.splitlines()] == [
        '"product"', '"P675"', '"P703"'
    ]  # fmt: skip


@pytest.fixture(scope="module")
def dialects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One catalogue (the UCI file's first 60 products) in several spreadsheet dialects."""
    return write_dialects(tmp_path_factory.mktemp("dialects"))


@pytest.fixture(scope="module")
def comma_scores(dialects: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The command's output for the comma-separated UTF-8 file."""
    out = tmp_path_factory.mktemp("comma") / "scores.csv"
    assert main(["score", str(dialects["comma-utf8"]), "--out", str(out), "--quiet"]) == 0
    return out.read_bytes()


def test_comma_utf8_scores(comma_scores: bytes) -> None:
    got = pd.read_csv(io.BytesIO(comma_scores))
    assert len(got) == 60
    assert (got["product"][0], round(got["distance"][0], 4)) == ("P11", 6.5657)
    assert (got["product"][2], round(got["distance"][2], 4)) == ("P50-café€", 7.1344)
    assert (got["product"].iloc[-1], round(got["distance"].iloc[-1], 4)) == ("P17", 9.7127)


@pytest.mark.parametrize("dialect", [name for name in DIALECTS if name != "comma-utf8"])
def test_spreadsheet_dialects_score_like_comma_utf8_and_the_page(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    dialects: dict[str, Path],
    comma_scores: bytes,
    dialect: str,
) -> None:
    out = tmp_path / "scores.csv"
    assert cli(capsys, dialects[dialect], "--out", out) == (0, "", said_notes(dialects[dialect]))
    assert out.read_bytes() == comma_scores
    page = load_catalog(dialects[dialect])
    assert page.excluded.empty and page.weeks == WEEKS
    want = score_catalog(page.ids, page.values, BLOG_TARGET)
    assert_same(read(out), want.sort_values("rank").reset_index(drop=True))


def test_a_semicolon_cp1252_export_through_python_m_dtwcore(
    dialects: dict[str, Path], comma_scores: bytes
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dtwcore", "score", str(dialects["semicolon-cp1252-decimal-comma"]),
         "--out", "-"],
        cwd=ROOT, capture_output=True, timeout=120,
    )  # fmt: skip
    said = said_notes(dialects["semicolon-cp1252-decimal-comma"])
    assert (done.returncode, done.stderr.decode()) == (0, said)
    assert done.stdout == comma_scores


def catalogue(
    tmp_path: Path, name: str, text: str, encoding: str = "utf-8", tail: bytes = b""
) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) + tail)
    return path


@pytest.mark.parametrize(
    ("make_input", "extra", "message"),
    [
        (lambda d: d / "missing.csv", [], "error: {input}: no such file"),
        (lambda d: catalogue(d, "sales.xlsx", "x"), [],
         "error: {input}: not an Excel workbook (.xlsx)"),
        (lambda d: catalogue(d, "names.csv", "Product_Code,Name\nP1,a\n"), [],
         "error: {input}: the layout is not clear: no week columns (W0, W1, … or dates as "
         "column names) and no column of dates or week numbers. Candidates: Product_Code, "
         "Name; choose with --layout wide|long, --id-column NAME, --week-column NAME and "
         "--units-column NAME."),
        (lambda d: catalogue(d, "gap.csv", "Product_Code,W0,W1,W2\nP1,1,2,3\nP2,4,,6\n"), [],
         "error: {input}: row 3 (product P2): W1 is missing or not a finite number"),
        (lambda d: catalogue(d, "nan.csv", "Product_Code,W0,W1\nP1,1,2\nP2,3,4\nP3,nan,4\n"),
         [], "error: {input}: row 4 (product P3): W0 is missing or not a finite number"),
        (lambda d: catalogue(d, "word.csv", "Product_Code,W0,W1\nP1,1,2\nP2,3,lots\n"), [],
         "error: {input}: row 3 (product P2): W1 is not a number ('lots')"),
        (lambda d: catalogue(d, "semi.csv", "Product_Code;W0;W1\r\nP1;1;2\r\nP2;3;lots\r\n"),
         [], "error: {input}: row 3 (product P2): W1 is not a number ('lots')"),
        (lambda d: catalogue(d, "excel.csv", "Product_Code;W0;W1\r\nCafé;1,5;2\r\n"
                             "Crème;3,5;1,2,3\r\n", "cp1252"), [],
         "error: {input}: row 3 (product Crème): W1 is not a number ('1,2,3')"),
        (lambda d: catalogue(d, "gap16.csv", "sku\tW0\tW1\nP1\t1,5\t2\nP2\t\t3,25\n",
                             "utf-16"), [],
         "error: {input}: row 3 (product P2): W0 is missing or not a finite number"),
        (lambda d: catalogue(d, "short16.csv", "sku\tW0\tW1\nP1\t1\t2\nP2\t3\n", "utf-16"),
         [], "error: {input}: row 3: has 2 fields, the header has 3"),
        (lambda d: catalogue(d, "odd16.csv", "sku\tW0\nP1\t1\n", "utf-16", b"\x00"), [],
         "error: {input}: starts like UTF-16 text but is not UTF-16; save the file as "
         "CSV UTF-8 and try again"),
        (lambda d: catalogue(d, "bom.csv", "", "utf-16"), [],
         "error: {input}: the file is empty"),
        (lambda d: catalogue(d, "le16.csv", "sku,W0,W1\nP1,1,2\n", "utf-16-le"), [],
         "error: {input}: not a text (CSV) file (it holds NUL bytes); save the sales table "
         "as CSV and try again"),
        (lambda d: UCI_CSV, ["--id-column", "SKU"],
         "error: {input} has no column 'SKU'. Its columns are: Product_Code, W0, W1, W2, W3, "
         "W4, W5 … Normalized 51."),
        (lambda d: UCI_CSV, ["--stretch", "1.5"],
         "python -m dtwcore score: error: argument --stretch: the stretch factor must be a "
         "number between 0 "
         "and 1, got '1.5'"),
        (lambda d: UCI_CSV, ["--stretch", "wide"],
         "python -m dtwcore score: error: argument --stretch: the stretch factor must be a "
         "number between 0 "
         "and 1, got 'wide'"),
        (lambda d: UCI_CSV, ["--top", "0"],
         "python -m dtwcore score: error: argument --top: must be a whole number of 1 or "
         "more, got '0'"),
        (lambda d: UCI_CSV, ["--top", "ten"],
         "python -m dtwcore score: error: argument --top: must be a whole number of 1 or "
         "more, got 'ten'"),
        (lambda d: UCI_CSV, ["--spark-master", "local[2]"],
         "error: --spark-master needs --engine spark"),
        (lambda d: UCI_CSV, ["--target", "{tmp}/none.csv"],
         "error: File not found: {tmp}/none.csv."),
    ],
)  # fmt: skip
def test_errors_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, make_input, extra, message: str
) -> None:
    source = make_input(tmp_path)
    out = tmp_path / "out" / "scores.csv"
    out.parent.mkdir()
    extra = [a.format(tmp=tmp_path) for a in extra]
    with pytest.raises(SystemExit) if message.startswith("python") else _no_raise() as caught:
        code, stdout, stderr = cli(capsys, source, "--out", out, *extra)
    if caught is not None:
        code = caught.value.code
        stdout, stderr = capsys.readouterr()
    assert code == 2
    assert stdout == ""
    assert stderr == message.format(input=source, tmp=tmp_path) + "\n"
    assert list(out.parent.iterdir()) == []  # nothing written, no temporary file left


class _no_raise:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("{tmp}/no/such/folder/s.csv", "error: {out}: cannot write the output, no folder "
         "{tmp}/no/such/folder"),
        ("{tmp}/s.xlsx", "error: {out}: the output must be a CSV (.csv) or Parquet (.parquet, "
         ".pq) file"),
        ("{tmp}/taken.csv", "error: {out}: cannot write the output, it is a folder"),
    ],
)  # fmt: skip
def test_unwritable_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, out: str, message: str
) -> None:
    (tmp_path / "taken.csv").mkdir()
    out = out.format(tmp=tmp_path)
    code, stdout, stderr = cli(capsys, UCI_CSV, "--out", out)
    assert (code, stdout) == (2, "")
    assert stderr == message.format(out=out, tmp=tmp_path) + "\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.csv"]


# Peak memory of a child process, measured by a small launcher so that the figure is not
# inherited from this (large) test process when the child is forked.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "sys.stderr.write(done.stderr)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(done.returncode)\n"
)


def peak_rss_mb(*args: str) -> float:
    done = run_subprocess(_MEASURE, sys.executable, "-m", "dtwcore", "score", *args, "--quiet")
    assert done.returncode == 0, done.stderr
    return int(done.stdout) / 1024


def generated(path: Path, products: int, group_rows: int = 20_000) -> Path:
    """A Parquet catalogue of ``products`` random products in row groups of ``group_rows``
    (Arrow's reader holds a decoded row group, so files compared share the layout)."""
    rng = np.random.default_rng(products)
    schema = pa.schema([("Product_Code", pa.string())] + [(w, pa.float64()) for w in WEEKS])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, products, group_rows):
            n = min(group_rows, products - start)
            values = rng.integers(0, 40, (n, 52)).astype(np.float64)
            ids = pa.array([f"P{i}" for i in range(start, start + n)])
            writer.write_table(
                pa.Table.from_arrays([ids, *values.T], schema=schema), row_group_size=n
            )
    return path


@pytest.mark.slow
def test_memory_stays_bounded_while_streaming(tmp_path: Path) -> None:
    """Ten times the products must not cost anywhere near ten times the memory."""
    small = generated(tmp_path / "small.parquet", 40_000)
    large = generated(tmp_path / "large.parquet", 400_000)
    base = peak_rss_mb(str(small), "--out", str(tmp_path / "small-out.parquet"))
    peak = peak_rss_mb(str(large), "--out", str(tmp_path / "large-out.parquet"))
    as_float64_mb = 400_000 * 52 * 8 / 2**20  # 159 MB
    # Per product only a distance, an id and the ranking survive (< 100 bytes).
    assert peak - base < 0.4 * as_float64_mb, (base, peak)
    assert len(pq.read_table(tmp_path / "large-out.parquet", columns=["rank"])) == 400_000


def test_spark_engine_without_pyspark_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # as if PySpark were not installed
    code, stdout, stderr = cli(capsys, UCI_CSV, "--out", tmp_path / "s.csv", "--engine", "spark")
    assert (code, stdout) == (2, "")
    assert stderr == (
        "error: --engine spark needs PySpark (pip install -r requirements-spark.txt) and Java 17+\n"
    )
    assert list(tmp_path.iterdir()) == []
