"""The command line as a person meets it on a terminal: help texts and the progress line."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys

import pytest

from dtwcore.cli import COMMANDS, main

from .conftest import ROOT, UCI_CSV

MARKUP = re.compile(r"``|:(mod|func|class|data|meth):`")


@pytest.mark.parametrize("argv", [[], *[[name] for name in COMMANDS]])
def test_help_is_plain_text_in_one_shape(argv: list[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(" ".join(["usage: python -m dtwcore", *argv]))
    assert not MARKUP.search(text), text
    paragraphs = text.split("\n\n")
    assert paragraphs[1][0].isupper() and paragraphs[1].rstrip().endswith("."), paragraphs[1]


def on_a_terminal(*args: str, timeout: float = 300) -> str:
    """Run ``python -m dtwcore ARGS`` with stdout and stderr on one pseudo-terminal, as a
    person at a terminal sees it; return everything shown (CRLF made LF). Fails unless the
    command exits 0."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dtwcore", *args],
        cwd=ROOT, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower,
    )  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=timeout) == 0
    return b"".join(chunks).decode().replace("\r\n", "\n")


def test_progress_never_shares_a_line_with_csv_on_a_terminal() -> None:
    """``score … --out -`` with stdout and stderr on one terminal: the progress line ends
    before the first row, so every row stands on a line of its own."""
    screen = on_a_terminal("score", str(UCI_CSV), "--out", "-", "--top", "3")
    lines = screen.split("\n")
    assert any(line.startswith("\rscoring: 811 products") for line in lines), screen
    rows = [line for line in lines if '"' in line]
    assert len(rows) == 4 and [row.split(",")[0] for row in rows[:2]] == ['"product"', '"P675"']
    assert all(row.startswith('"') and "scoring" not in row for row in rows), rows
