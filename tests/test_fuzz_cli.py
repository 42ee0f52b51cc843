"""Fuzzing ``python -m dtwcore score`` (issue 7): exit code 2 and one line on stderr.

Every generated catalogue, target and argument ends either in a complete result file
(exit code 0) or in exit code 2 with one line on stderr, nothing on stdout, no
temporary file left behind and an earlier result file untouched (nothing lost); a
well-formed catalogue in any dialect the Sales Trends page takes (separator, encoding,
decimal commas) ends in exit code 0 with the page's own scores. Most inputs run through
:func:`dtwcore.cli.main` in this process; a sample runs as a real ``python -m dtwcore
score`` process.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import example, given
from hypothesis import strategies as st

from dtwcore.cli import main
from dtwcore.sales import BLOG_TARGET, load_catalog, score_catalog
from tests.reliability import fuzz_settings, no_hang, outcome, record
from tests.reliability.strategies import (
    cells,
    messy_tables,
    mutated,
    parquet_files,
    wide_tables,
)

from .conftest import ROOT, UCI_CSV

HANG_SECONDS = 120.0
UCI_HEAD = b"".join(UCI_CSV.read_bytes().splitlines(keepends=True)[:40])
EARLIER = b"product,distance,rank,zscore\nEARLIER,1.0,1,0.0\n"  # a result from before

catalogues = st.one_of(
    wide_tables().map(lambda t: ("in.csv", t[0])),
    messy_tables().map(lambda b: ("in.csv", b)),
    mutated(UCI_HEAD).map(lambda b: ("in.csv", b)),
    st.binary(max_size=2048).map(lambda b: ("in.csv", b)),
    parquet_files().map(lambda b: ("in.parquet", b)),
    st.binary(max_size=512).map(lambda b: ("in.parquet", b)),
)
targets = st.none() | st.builds(lambda cs: "\n".join(cs), st.lists(cells, max_size=60))
options = st.lists(
    st.one_of(
        st.tuples(st.just("--stretch"), st.sampled_from(["0", "0.1", "1", "-1", "nan", "1e309",
                                                          "0x1", "", " 0.2", "inf"])),
        st.tuples(st.just("--top"), st.sampled_from(["1", "3", "0", "-2", "1.5", "99999999999"])),
        st.tuples(st.just("--id-column"), st.sampled_from(["Product_Code", "W0", "nope", ""])),
        st.just(("--no-znorm",)),
    ),
    max_size=3,
)  # fmt: skip


def _run(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)`` with stdout and stderr captured (text streams with a ``buffer``,
    as the real ones have)."""
    raw_out, raw_err = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(raw_out, encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(raw_err, encoding="utf-8", write_through=True)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return code, raw_out.getvalue().decode(), raw_err.getvalue().decode()


def _only_notes_and_warnings(stderr: str, notes: list[str]) -> bool:
    """A finished run says nothing on stderr but the page's notes on the file, word for
    word, and warnings (a file far shorter than the target is flagged), each on one line."""
    lines = stderr.splitlines()
    said = [line for line in lines if line.startswith("note: ")]
    others = [line for line in lines if not line.startswith("note: ")]
    return said == [f"note: {n}" for n in notes] and all(
        line.startswith("warning: ") for line in others
    )


def check_run(
    code: int, stdout: str, stderr: str, folder: Path, result: Path, had_earlier: bool
) -> None:
    """Exit 2 with one line and nothing lost, or 0 with a complete result."""
    left = sorted(p.name for p in folder.iterdir())
    assert left == ([result.name] if had_earlier or code == 0 else []), left  # no temp files
    if code == 2:
        lines = stderr.splitlines()
        assert len(lines) == 1 and stderr.endswith("\n"), stderr
        assert lines[0].startswith(("error: ", "python -m dtwcore score: error: ")), lines[0]
        assert len(lines[0]) <= 1000 and "Traceback" not in stderr
        assert "codec can't" not in lines[0], lines[0]  # Python's words, not the user's
        assert stdout == ""
        if had_earlier:
            assert result.read_bytes() == EARLIER, "the earlier result was changed"
        outcome("exit 2: " + " ".join(lines[0].split(": ")[-1].split()[:3]))
        return
    assert code == 0, (code, stderr)
    scores = pd.read_csv(result, dtype={"product": str}, keep_default_na=False)
    assert list(scores.columns) == ["product", "distance", "rank", "zscore"]
    assert len(scores) >= 1 and np.isfinite(scores["distance"]).all()
    assert scores["rank"].tolist() == sorted(scores["rank"].tolist())
    assert (scores["distance"].diff().dropna() >= 0).all()
    outcome("exit 0: a result")


@fuzz_settings(fast=40)
@given(catalogues, targets, options, st.booleans())
@example(("in.csv", b""), None, [], False)
@example(("in.csv", b"Product_Code,W0,W1\n"), None, [], True)
@example(("in.parquet", b"PAR1"), None, [], True)
@example(("in.csv", UCI_HEAD), "1e309\n2", [], True)
@example(("in.csv", UCI_HEAD), None, [("--top", "1")], True)
def test_score_ends_in_a_result_or_one_line(
    tmp_path_factory, catalogue, target, opts, had_earlier: bool
) -> None:
    record("inputs", "CLI score (in-process)")
    work = tmp_path_factory.mktemp("cli")
    name, data = catalogue
    source = work / name
    source.write_bytes(data)
    folder = work / "out"
    folder.mkdir()
    result = folder / "scores.csv"
    if had_earlier:
        result.write_bytes(EARLIER)
    argv = ["score", str(source), "--out", str(result), "--quiet"]
    if target is not None:
        (work / "target.csv").write_text(target)
        argv += ["--target", str(work / "target.csv")]
    argv += [a for opt in opts for a in opt]
    with no_hang(HANG_SECONDS, "python -m dtwcore score"):
        code, stdout, stderr = _run(argv)
    check_run(code, stdout, stderr, folder, result, had_earlier)


@fuzz_settings(fast=2, full=25)
@given(catalogues)
def test_score_as_a_process(tmp_path_factory, catalogue) -> None:
    """The same through a real ``python -m dtwcore score`` process."""
    record("inputs", "CLI score (python -m)")
    work = tmp_path_factory.mktemp("cli-process")
    name, data = catalogue
    (work / name).write_bytes(data)
    folder = work / "out"
    folder.mkdir()
    result = folder / "scores.csv"
    result.write_bytes(EARLIER)
    done = subprocess.run(
        [sys.executable, "-m", "dtwcore", "score", str(work / name), "--out", str(result)],
        cwd=ROOT, capture_output=True, text=True, timeout=HANG_SECONDS,
    )  # fmt: skip
    check_run(done.returncode, done.stdout, done.stderr, folder, result, True)


@fuzz_settings(fast=40)
@given(wide_tables())
def test_well_formed_tables_in_any_dialect_score_like_the_page(
    tmp_path_factory, table: tuple[bytes, list[str], list[list[float]], str]
) -> None:
    """A well-formed catalogue in any dialect the page takes (comma, semicolon, tab or
    bar; UTF-8 with or without BOM, UTF-16; decimal commas) is scored, and exactly as
    :func:`dtwcore.sales.load_catalog` and :func:`dtwcore.sales.score_catalog` score it
    (``--raw-csv``: the codes exactly as read, formula starters included)."""
    record("inputs", "CLI score (well-formed dialects)")
    data, codes, values, _ = table
    work = tmp_path_factory.mktemp("cli-dialect")
    source = work / "in.csv"
    source.write_bytes(data)
    (work / "out").mkdir()
    result = work / "out" / "scores.csv"
    with no_hang(HANG_SECONDS, "python -m dtwcore score"):
        # Every product ranked, as score_catalog ranks them (a 2-week file is flagged).
        argv = ["score", str(source), "--out", str(result), "--quiet", "--raw-csv",
                "--keep-nonpositive"]  # fmt: skip
        code, stdout, stderr = _run(argv)
    page = load_catalog(data, name="in.csv")
    assert (code, stdout) == (0, "") and _only_notes_and_warnings(stderr, page.notes)
    got = pd.read_csv(result, dtype={"product": str}, keep_default_na=False)
    assert page.ids.tolist() == codes and page.values.tolist() == values
    want = score_catalog(page.ids, page.values, BLOG_TARGET).sort_values("rank", kind="stable")
    assert got["product"].tolist() == want["product"].tolist()
    assert got["rank"].tolist() == list(range(1, len(codes) + 1))
    np.testing.assert_array_equal(got["distance"].to_numpy(), want["distance"].to_numpy())
    outcome("exit 0: as the page")


def test_a_header_that_is_not_utf8_is_read_as_windows_1252(tmp_path: Path) -> None:
    """Found by the fuzzing above: one byte that is not UTF-8 in the header row made the
    command print Python's codec error ("error: 'utf-8' codec can't decode byte 0x80 in
    position 0: invalid start byte"), without the file's name. The file is now read as
    Windows-1252, as the page reads it (0x80 is the euro sign)."""
    source = tmp_path / "in.csv"
    source.write_bytes(b"\x80roduct_Code,W0,W1\nP1,1,2\nP2,3,1\n")
    (tmp_path / "out").mkdir()
    result = tmp_path / "out" / "scores.csv"
    code, stdout, stderr = _run(["score", str(source), "--out", str(result), "--quiet"])
    page = load_catalog(source)
    assert (code, stdout) == (0, "") and _only_notes_and_warnings(stderr, page.notes)
    check_run(code, stdout, stderr, tmp_path / "out", result, False)
    assert page.weeks == ["W0", "W1"] and page.ids.tolist() == ["P1", "P2"]
    want = score_catalog(page.ids, page.values, BLOG_TARGET)
    got = pd.read_csv(result).set_index("product")
    assert got.loc[["P1", "P2"], "distance"].tolist() == want["distance"].tolist()


def test_text_that_is_not_utf16_after_its_byte_order_mark_is_refused_in_words(
    tmp_path: Path,
) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes("Product_Code\tW0\tW1\nP1\t1\t2\n".encode("utf-16") + b"\x00\xdc")
    (tmp_path / "out").mkdir()
    result = tmp_path / "out" / "scores.csv"
    code, stdout, stderr = _run(["score", str(source), "--out", str(result), "--quiet"])
    assert (code, stdout) == (2, "")
    assert stderr == (
        f"error: {source}: starts like UTF-16 text but is not UTF-16; save the file as CSV "
        "UTF-8 and try again\n"
    )
    check_run(code, stdout, stderr, tmp_path / "out", result, False)
