"""One reader for every entrance: each file of the corpus (tests/sales_corpus.py) read by
the page's path (load_catalog), the command (the streaming reader and ``score``) and Spark
(local[2]) gives the same products, weeks and values, or the same question."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dtwcore.cli import main
from dtwcore.sales import (
    BLOG_TARGET,
    AmbiguousColumns,
    CatalogError,
    CatalogReader,
    load_catalog,
    score_catalog,
)
from dtwcore.sales.window import coverage_problem
from scripts.make_sales_examples import csv_bytes, order_lines, store_sales_rows

from .sales_corpus import Case, corpus

CASES = corpus()
TABLES = [c for c in CASES if c.refusal is None]
REFUSALS = [c for c in CASES if c.refusal is not None]


def test_the_corpus_covers_the_layouts() -> None:
    assert len(CASES) >= 20
    assert {c.refusal for c in REFUSALS} == {"week", "product", "dates", "error", "layout"}
    assert sum(c.name.endswith(".parquet") for c in CASES) == 5


def _file(tmp_path: Path, case: Case) -> Path:
    path = tmp_path / case.name
    path.write_bytes(case.data)
    return path


def _streamed(path: Path, case: Case) -> tuple[list[str], list[str], np.ndarray]:
    reader = CatalogReader(path, options=case.options, batch_rows=7)
    ids, values = [], []
    for batch in reader:
        ids += batch.ids.to_pylist()
        values.append(batch.values)
    return ids, reader.weeks, np.vstack(values)


def _expected_scores(case: Case) -> pd.DataFrame:
    assert case.values is not None
    want = score_catalog(np.array(case.ids), case.values, BLOG_TARGET)
    return want.sort_values("rank").reset_index(drop=True)


def _same_scores(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert got["product"].astype(str).tolist() == want["product"].tolist()
    assert got["rank"].tolist() == want["rank"].tolist()
    np.testing.assert_allclose(got["distance"], want["distance"], rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("case", TABLES, ids=lambda c: c.name)
def test_page_and_command_read_the_same_table(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = load_catalog(case.data, name=case.name, options=case.options)
    assert page.ids.tolist() == case.ids
    assert page.weeks == case.weeks
    np.testing.assert_allclose(page.values, case.values, rtol=1e-12, atol=0)
    assert page.excluded.empty
    assert case.note is None or case.note in page.notes  # the command's are the page's

    path = _file(tmp_path, case)
    ids, weeks, values = _streamed(path, case)
    assert (ids, weeks) == (case.ids, case.weeks)
    np.testing.assert_allclose(values, case.values, rtol=1e-12, atol=0)

    # Every week and every product, as the page reads them; a short file is flagged.
    out = tmp_path / "scores.csv"
    whole = ["--weeks", f"1:{len(case.weeks)}", "--keep-nonpositive"]
    code = main(["score", str(path), "--out", str(out), "--quiet", *case.flags(), *whole])
    problem = coverage_problem(len(case.weeks), BLOG_TARGET.size)
    said = "".join(f"note: {n}\n" for n in page.notes)  # the page's notes, word for word
    said += f"warning: {problem}\n" if problem else ""
    assert (code, capsys.readouterr().err) == (0, said)
    _same_scores(pd.read_csv(out, dtype={"product": str}), _expected_scores(case))


@pytest.mark.parametrize("case", REFUSALS, ids=lambda c: c.name)
def test_page_and_command_ask_the_same_question(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(CatalogError) as page:
        load_catalog(case.data, name=case.name, options=case.options)
    path = _file(tmp_path, case)
    with pytest.raises(CatalogError) as streamed:  # on opening, or (long files) on reading
        list(CatalogReader(path, options=case.options))
    for err, fname in ((page.value, case.name), (streamed.value, str(path))):
        assert case.message in str(err)
        assert str(err).startswith(fname)
        if case.refusal == "error":
            assert not isinstance(err, AmbiguousColumns)
        else:
            assert isinstance(err, AmbiguousColumns) and err.role == case.refusal
    assert str(streamed.value) == str(page.value).replace(case.name, str(path), 1)
    for engine in ("local", "spark"):  # Spark is never started for a file that asks
        code = main(["score", str(path), "--out", str(tmp_path / "o.csv"), "--engine", engine])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and case.message in err
        if case.refusal != "error":
            assert "choose with --" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [case.name]


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    from dtwcore.sales.spark import session

    spark, created = session("local[2]", shuffle_partitions=4)
    yield spark
    if created:
        spark.stop()


@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
def test_spark_reads_the_same_tables(spark: object, tmp_path: Path) -> None:
    """Every table of the corpus scored on Spark (long layouts added up by a group-by on
    the cluster) gives the local engine's products, ranks and distances."""
    from dtwcore.sales.spark import score, score_file, to_arrow

    for case in TABLES:
        path = _file(tmp_path, case)
        every = {"weeks": f"1:{len(case.weeks)}", "keep_nonpositive": True}  # as score_catalog
        reader = CatalogReader(path, options=case.options)
        tables = score_file(reader, BLOG_TARGET, **every)
        got = pd.concat([t.to_pandas() for t in tables], ignore_index=True)
        _same_scores(got, _expected_scores(case))
        if case.name == "long_dates.parquet":  # the library on a DataFrame, roles guessed
            frame = spark.read.parquet(str(path))  # type: ignore[attr-defined]
            _same_scores(to_arrow(score(frame, BLOG_TARGET, **every)).to_pandas(),
                         _expected_scores(case))  # fmt: skip


def test_example_exports_are_the_generated_ones() -> None:
    """The README's example files are exactly what the generator writes (no drift)."""
    from scripts.make_sales_examples import ORDER_LINES, STORE_SALES

    assert STORE_SALES.read_bytes() == csv_bytes(store_sales_rows()[0])
    assert ORDER_LINES.read_bytes() == order_lines()[0]
