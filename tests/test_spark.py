"""Spark engine: same kernels, same numbers as the local engine (dtwcore.sales.spark)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dtwcore.cli import main
from dtwcore.sales import BLOG_TARGET, AmbiguousColumns, CatalogError, ReadOptions, score_catalog
from dtwcore.sales.reading import CatalogReader

from .conftest import UCI_CSV, said_notes
from .test_stream import write_dialects

pytest.importorskip("pyspark")
pytestmark = pytest.mark.filterwarnings(
    "ignore:PySpark does not yet fully support pandas:FutureWarning"
)

WEEKS = [f"W{i}" for i in range(52)]


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """One local[2] session for every Spark test (UI off, few shuffle partitions)."""
    from dtwcore.sales.spark import session

    spark, created = session("local[2]", shuffle_partitions=4)
    yield spark
    if created:
        spark.stop()


def cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    code = main(["score", *map(str, args), "--quiet"])
    return code, capsys.readouterr().err


def said_by_both(
    capsys: pytest.CaptureFixture[str], source: Path, tmp_path: Path, code: int
) -> str:
    """Score ``source`` with each engine (to tmp_path/local.csv and spark.csv); both must
    exit with ``code`` and print the same warnings; Spark's workers read the rows, so it
    says only the notes known before (separator, columns), the local engine all the
    page's. Return what the local engine printed."""
    said = {}
    for engine in ("local", "spark"):
        got, said[engine] = cli(
            capsys, source, "--out", tmp_path / f"{engine}.csv", "--engine", engine
        )
        assert got == code, engine
    lines = {engine: text.splitlines() for engine, text in said.items()}
    notes = {e: [x for x in lines[e] if x.startswith("note: ")] for e in lines}
    assert [x for x in lines["local"] if x not in notes["local"]] == [
        x for x in lines["spark"] if x not in notes["spark"]
    ]
    assert set(notes["spark"]) <= set(notes["local"])
    return said["local"]


def assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert got["product"].tolist() == want["product"].tolist()
    assert got["rank"].tolist() == want["rank"].tolist()
    np.testing.assert_allclose(got["distance"], want["distance"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(got["zscore"], want["zscore"], rtol=0, atol=1e-9)


def test_score_uci_dataframe_matches_local(spark) -> None:  # noqa: ANN001
    from dtwcore.sales.spark import read_catalog, score, to_arrow

    uci = pd.read_csv(UCI_CSV)
    want = score_catalog(uci["Product_Code"].to_numpy(), uci[WEEKS].to_numpy(), BLOG_TARGET)
    want = want.sort_values("rank").reset_index(drop=True)
    got = to_arrow(score(read_catalog(spark, CatalogReader(UCI_CSV)), BLOG_TARGET)).to_pandas()
    assert list(got.columns) == ["product", "distance", "rank", "zscore"]
    assert_same(got, want)
    np.testing.assert_array_equal(got["distance"], want["distance"])  # bit for bit
    assert (got["product"][0], round(got["distance"][0], 4)) == ("P675", 5.1101)
    assert (got["product"].iloc[-1], round(got["distance"].iloc[-1], 4)) == ("P716", 10.6719)
    assert round(got["distance"].median(), 4) == 7.8940
    by_product = got.set_index("product")["distance"].round(4)
    assert (by_product["P202"], by_product["P83"]) == (6.8616, 8.9514)


def test_cli_engines_agree_on_uci(
    spark,  # noqa: ANN001
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    for engine in ("local", "spark"):
        assert cli(capsys, UCI_CSV, "--out", tmp_path / f"{engine}.csv", "--engine", engine)[0] == 0
        top = tmp_path / f"{engine}-top.parquet"
        assert cli(capsys, UCI_CSV, "--out", top, "--engine", engine, "--top", 7)[0] == 0
    local = pd.read_csv(tmp_path / "local.csv")
    assert_same(pd.read_csv(tmp_path / "spark.csv"), local)
    assert_same(pd.read_parquet(tmp_path / "spark-top.parquet"), local.head(7))
    assert_same(pd.read_parquet(tmp_path / "local-top.parquet"), local.head(7))
    # A product of the file as the target is left out of its own ranking by both engines.
    for engine in ("local", "spark"):
        out = tmp_path / f"{engine}-p202.csv"
        argv = ["--out", out, "--engine", engine, "--target-product", "P202"]
        assert cli(capsys, UCI_CSV, *argv)[0] == 0
    p202 = pd.read_csv(tmp_path / "local-p202.csv")
    assert len(p202) == 810 and "P202" not in set(p202["product"])
    assert_same(pd.read_csv(tmp_path / "spark-p202.csv"), p202)


def test_spark_reads_past_title_lines_in_a_file_of_many_partitions(
    spark,  # noqa: ANN001
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """Title lines, a blank line and Excel's sep= line above the header are skipped by
    Spark as by the local engine, in a file Spark splits into several partitions: the
    lines skipped are the first records of the first one."""
    rng = np.random.default_rng(5)
    n = 20_000
    values = rng.integers(0, 60, (n, 52))
    lines = ["sep=;", "Weekly sales report;;;", "", "Exported 2024-03-01", ""]
    lines.append(";".join(["Product_Code", *WEEKS]))
    lines += [";".join([f"T{i}", *map(str, row)]) for i, row in enumerate(values)]
    source = tmp_path / "titled.csv"
    source.write_text("\r\n".join(lines) + "\r\n")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "512k")
    try:
        assert spark.read.csv(str(source)).rdd.getNumPartitions() > 2
        for engine in ("local", "spark"):
            out = tmp_path / f"{engine}.csv"
            assert cli(capsys, source, "--out", out, "--engine", engine)[0] == 0
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    local = pd.read_csv(tmp_path / "local.csv")
    assert len(local) == n
    assert_same(pd.read_csv(tmp_path / "spark.csv"), local)


def test_engines_agree_on_a_generated_catalogue_in_many_partitions(
    spark,  # noqa: ANN001
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from dtwcore.sales.spark import score, to_arrow

    rng = np.random.default_rng(11)
    n = 30_000
    values = np.round(rng.gamma(2.0, 6.0, (n, 52)) * rng.uniform(0.2, 3, (n, 1)), 1)
    values[::1000] = 4.0  # constant rows tie at one distance: ranks follow input order
    source = tmp_path / "catalogue.parquet"
    columns = {"Product_Code": [f"G{i}" for i in range(n)]}
    columns |= {w: values[:, i] for i, w in enumerate(WEEKS)}
    pq.write_table(pa.table(columns), source, row_group_size=2_500)
    spark.conf.set("spark.sql.files.maxPartitionBytes", "512k")
    spark.conf.set("spark.sql.adaptive.coalescePartitions.enabled", "false")
    try:
        products = spark.read.parquet(str(source))
        assert products.rdd.getNumPartitions() > 2
        for engine in ("local", "spark"):
            out = tmp_path / f"{engine}.parquet"
            assert cli(capsys, source, "--out", out, "--engine", engine, "--stretch", 0.1)[0] == 0
        # The library ranks on Spark itself, partition by partition.
        ranked = score(products, BLOG_TARGET, stretch=0.1)
        assert ranked.rdd.getNumPartitions() > 1
        library = to_arrow(ranked).to_pandas()
        top = to_arrow(score(products, BLOG_TARGET, stretch=0.1, top=25)).to_pandas()
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
        spark.conf.unset("spark.sql.adaptive.coalescePartitions.enabled")
    local = pd.read_parquet(tmp_path / "local.parquet")
    for got in (pd.read_parquet(tmp_path / "spark.parquet"), library):
        assert_same(got, local)
        assert got["rank"].tolist() == list(range(1, n + 1))
        ties = got[got["product"].isin([f"G{i}" for i in range(0, n, 1000)])]
        assert ties["product"].tolist() == [f"G{i}" for i in range(0, n, 1000)]
    assert_same(top, local.head(25))


def test_parquet_read_by_the_workers_like_the_local_reader(
    spark,  # noqa: ANN001
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """Wide Parquet with two id columns (spaces trimmed, joined), negative units clipped,
    a leave-out target and weeks chosen: the Python workers read the row groups themselves
    and agree with the local engine; a blank id is one line."""
    rng = np.random.default_rng(3)
    n = 3_000
    values = rng.integers(-2, 20, (n, 52)).astype(float)
    source = tmp_path / "two-ids.parquet"
    columns = {"store": [f" S{i % 7} " for i in range(n)], "sku": [f"K{i}\t" for i in range(n)]}
    columns |= {w: values[:, i] for i, w in enumerate(WEEKS)}
    pq.write_table(pa.table(columns), source, row_group_size=700)
    argv = ["--id-column", "store", "--id-column", "sku", "--clip-negative", "--weeks", "3:40"]
    argv += ["--target-product", "S1 | K8"]
    for engine in ("local", "spark"):
        out = tmp_path / f"{engine}.parquet"
        assert cli(capsys, source, "--out", out, "--engine", engine, *argv)[0] == 0
    local = pd.read_parquet(tmp_path / "local.parquet")
    assert len(local) > 2_000 and "S1 | K8" not in set(local["product"])
    assert_same(pd.read_parquet(tmp_path / "spark.parquet"), local)
    columns["sku"][1_500] = "  "
    pq.write_table(pa.table(columns), source, row_group_size=700)
    code, err = cli(capsys, source, "--out", tmp_path / "x.csv", "--engine", "spark", *argv[:4])
    assert (code, err) == (2, f"error: {source}: a product id is missing\n")


def test_spark_reports_bad_rows_in_one_line(
    spark,  # noqa: ANN001
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    source = tmp_path / "gap.parquet"
    pq.write_table(
        pa.table({"Product_Code": ["P1", "P2"], "W0": [1.0, 2.0], "W1": [3.0, None]}), source
    )
    out = tmp_path / "out.csv"
    code, err = cli(capsys, source, "--out", out, "--engine", "spark")
    assert code == 2
    assert err == f"error: {source}: product P2: W1 is missing or not a finite number\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gap.parquet"]


def test_score_on_an_in_memory_dataframe(spark) -> None:  # noqa: ANN001
    from dtwcore.sales.spark import score, to_arrow

    rows = [(7, 1.0, 2.0, 3.0, 9.0), (8, 3.0, 2.0, 1.0, 9.0), (9, 1.0, 2.0, 4.0, 9.0)]
    df = spark.createDataFrame(rows, "sku long, a double, b double, c double, MAX double")
    target = np.array([1.0, 2.0, 3.0])
    wide = ReadOptions(layout="wide")  # a, b, c are not week-like names: say so
    got = to_arrow(
        score(df, target, id_column="sku", znorm=False, stretch=0.0, options=wide)
    ).to_pandas()
    want = score_catalog(np.array(["7", "8", "9"]), np.array([r[1:4] for r in rows]), target,
                         stretch=0.0, znorm=False)  # fmt: skip
    assert_same(got, want.sort_values("rank").reset_index(drop=True))
    with pytest.raises(CatalogError, match="^top must be a whole number of 1 or more, got 0$"):
        score(df, target, id_column="sku", top=0, options=wide)
    with pytest.raises(
        ValueError, match="^the stretch factor must be a number between 0 and 1, got 2.0$"
    ):
        score(df, target, id_column="sku", stretch=2.0, options=wide)
    with pytest.raises(AmbiguousColumns, match="the layout is not clear"):
        score(df.drop("sku"), target)


@pytest.mark.parametrize(
    "dialect",
    ["semicolon-cp1252-decimal-comma", "tab-utf16", "comma-utf8-bom", "bar-utf16be-decimal-comma"],
)
def test_spark_engine_reads_spreadsheet_dialects(
    spark,  # noqa: ANN001
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    dialect: str,
) -> None:
    """Separators, encodings and decimal commas as the local engine reads them: the same
    output, byte for byte, as the local engine on the comma-separated UTF-8 file."""
    files = write_dialects(tmp_path)
    local, remote = tmp_path / "local.csv", tmp_path / "spark.csv"
    assert cli(capsys, files["comma-utf8"], "--out", local) == (0, said_notes(files["comma-utf8"]))
    said = said_notes(files[dialect])  # the page's notes, as the local engine says them
    assert cli(capsys, files[dialect], "--out", remote, "--engine", "spark") == (0, said)
    assert remote.read_bytes() == local.read_bytes()
    got = pd.read_csv(remote)
    assert (got["product"][2], round(got["distance"][2], 4)) == ("P50-café€", 7.1344)


def test_spark_reports_a_bad_decimal_comma_cell_after_the_first_block(
    spark,  # noqa: ANN001
    tmp_path: Path,
) -> None:
    from dtwcore.sales.spark import score_file

    rows = "".join(f"Café{i};{i},5;{i}\r\n" for i in range(3000))
    source = tmp_path / "late.csv"
    source.write_bytes(("Product_Code;W0;W1\r\n" + rows + "Crème;1,2,3;4\r\n").encode("cp1252"))
    reader = CatalogReader(source, csv_block_bytes=4096)  # the bad cell is not sniffed
    with pytest.raises(CatalogError) as info:
        list(score_file(reader, BLOG_TARGET))
    assert str(info.value) == f"{source}: product Crème: W0 is missing or not a finite number"


def test_spark_reads_a_formatted_number_after_the_rows_looked_at(
    spark,  # noqa: ANN001
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """A '$1,234.00' and an '(3)' on row 12,002, past the 10,000 rows the roles are
    chosen on: Spark's workers read them as the local engine does (they were nulls,
    reported as 'not a number')."""
    lines = ["Product,W1,W2,W3"] + [f"P{k},{k % 7},{k % 5},{k % 3}" for k in range(12_000)]
    lines.append('LATE,"$1,234.00",(3),7')
    source = tmp_path / "late.csv"
    source.write_text("\n".join(lines) + "\n")
    said_by_both(capsys, source, tmp_path, 0)
    local, remote = (pd.read_csv(tmp_path / f"{e}.csv") for e in ("local", "spark"))
    assert "LATE" in set(remote["product"])
    assert_same(remote, local)


def test_spark_says_when_the_weeks_cover_under_half_of_the_target(
    spark,  # noqa: ANN001
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """A 3-week file against the 52-week published capacity: both engines rank it, and
    both say on stderr, in the same words, that the ranking says little."""
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(rng.integers(1, 30, (40, 3)), columns=["W0", "W1", "W2"])
    frame.insert(0, "Product_Code", [f"P{i}" for i in range(40)])
    source = tmp_path / "three_weeks.csv"
    frame.to_csv(source, index=False)
    said = {}
    for engine in ("local", "spark"):
        out = tmp_path / f"{engine}.csv"
        code, said[engine] = cli(capsys, source, "--out", out, "--engine", engine)
        assert code == 0
    assert (
        said["local"]
        == said["spark"]
        == (
            "warning: The products cover 3 weeks and the target has 52: under half of the "
            "target is matched, so the ranking says little about following the target. Use a "
            "target as long as the file, or a file with more weeks.\n"
        )
    )
    assert_same(pd.read_csv(tmp_path / "spark.csv"), pd.read_csv(tmp_path / "local.csv"))


@pytest.mark.parametrize("layout", ["wide.csv", "wide.parquet", "long.csv"])
def test_spark_names_the_products_left_out_for_selling_nothing(
    spark,  # noqa: ANN001
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    layout: str,
) -> None:
    """Products with net units of 0 or less over the weeks compared (in several batches;
    one row group of the Parquet file holds nothing else): both engines leave them out
    and name them on stderr in the same words, in input order, and rank the rest alike."""
    from dtwcore.sales.spark import _parquet_groups

    rng = np.random.default_rng(11)
    values = rng.integers(1, 30, (60, 52)).astype(float)
    values[[3, 16, 17, 18, 19, 41], :] = 0.0
    values[29, -1] = -5.0  # returns only
    values[29, :-1] = 0.0
    ids = [f"Q{i}" for i in range(60)]
    frame = pd.DataFrame(values, columns=WEEKS)
    frame.insert(0, "sku", ids)
    source = tmp_path / f"sales-{layout}"
    if layout == "wide.parquet":
        frame.to_parquet(source, index=False, row_group_size=4)  # ids: large_string
        assert _parquet_groups(CatalogReader(source)) is not None  # read by the workers
    elif layout == "wide.csv":
        frame.to_csv(source, index=False)
    else:
        long = frame.melt(id_vars="sku", var_name="week", value_name="units")
        long["week"] = long["week"].str[1:].astype(int)
        long.to_csv(source, index=False)
    assert said_by_both(capsys, source, tmp_path, 0) == said_notes(source) + (
        "warning: 7 products with net units of 0 or less over weeks 1:52 (returns only, "
        "discounts, postage) left out of the ranking: Q3, Q16, Q17, Q18, Q19, Q29, Q41\n"
    )
    assert_same(pd.read_csv(tmp_path / "spark.csv"), pd.read_csv(tmp_path / "local.csv"))
    assert len(pd.read_csv(tmp_path / "spark.csv")) == 53


def test_spark_says_when_every_product_sold_nothing(
    spark,  # noqa: ANN001
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """Nothing left to rank: both engines stop with the same error."""
    frame = pd.DataFrame(np.zeros((4, 52)), columns=WEEKS)
    frame.insert(0, "sku", ["A", "B", "C", "D"])
    source = tmp_path / "nothing.parquet"
    frame.to_parquet(source, index=False)
    assert said_by_both(capsys, source, tmp_path, 2) == (
        f"error: {source}: every product has net units of 0 or less over the weeks compared; "
        "--keep-nonpositive ranks them anyway\n"
    )
