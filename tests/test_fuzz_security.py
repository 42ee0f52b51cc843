"""Security with hostile input (issue 7), extending tests/test_security.py.

* Product codes and file names are shown as typed wherever the page shows them: no
  markdown, HTML, maths, emoji or plotly markup is interpreted and no element is injected
  (a real browser against ``streamlit run``).
* CSV downloads neutralise formula cells (property-based, and the page's real download).
* Uploaded file names are labels only: nothing is written to disk under that name.
"""

from __future__ import annotations

import csv
import io
import os
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import pandas as hpd

from dtwcore.sales import BLOG_TARGET, neutralise_formulas, score_catalog
from pages.common.sales_views import csv_bytes
from tests.reliability import FULL, fuzz_settings, record

from .conftest import ROOT

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Codes that mean something to markdown, HTML, KaTeX, Streamlit, plotly or a spreadsheet.
HOSTILE_CODES = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=window.__xss=2>",
    "**bold**",
    "[link](javascript:window.__xss=3)",
    "$x^2$",
    "<b>b-tag</b>",
    ":smile:",
    ":red[red]",
    "A&amp;B",
    "%{y}",
    '=HYPERLINK("http://x.invalid","x")',
    "+1+2",
    "-3",
    "@SUM(1)",
]


# --------------------------------------------------------------------------- downloads

text_cells = st.text(max_size=12) | st.sampled_from(
    ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "'=1", "=cmd|' /C calc'!A0", "-", "", "x"]
)


@fuzz_settings(fast=60)
@given(
    hpd.data_frames(
        [
            hpd.column("product", elements=text_cells),
            hpd.column("reason", elements=text_cells),
            hpd.column("distance", elements=st.floats(allow_nan=True, allow_infinity=True)),
            hpd.column("rank", elements=st.integers(-(2**40), 2**40)),
        ]
    )
)
def test_downloads_neutralise_formulas(frame: pd.DataFrame) -> None:
    record("inputs", "CSV downloads")
    back = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8"), newline="")))
    assert back[0] == ["product", "reason", "distance", "rank"]
    assert len(back) == len(frame) + 1
    for row, (_, src) in zip(back[1:], frame.iterrows(), strict=True):
        for got, want in ((row[0], src["product"]), (row[1], src["reason"])):
            assert not got.startswith(FORMULA_START), got
            # Apostrophes before a formula character get one more, so reading back is exact.
            assert got == ("'" + want if want.lstrip("'").startswith(FORMULA_START) else want)
        if np.isfinite(src["distance"]):
            assert float(row[2]) == src["distance"]  # numbers exact, not rounded
        assert int(row[3]) == src["rank"]
    clean = neutralise_formulas(frame)
    pd.testing.assert_series_equal(clean["distance"], frame["distance"])


def test_formula_column_names_are_neutralised() -> None:
    frame = pd.DataFrame({"=x": ["=1"], "ok": [1.5]})
    assert csv_bytes(frame).decode() == "'=x,ok\r\n'=1,1.5\r\n"


# --------------------------------------------------------------------------- browser


def _catalogue(codes: list[str]) -> tuple[bytes, pd.DataFrame]:
    rng = np.random.default_rng(7)
    values = rng.integers(0, 40, size=(len(codes), BLOG_TARGET.size)).astype(float)
    values[0] = BLOG_TARGET  # the first code is the best match
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["Product_Code", *[f"W{k}" for k in range(BLOG_TARGET.size)]])
    for code, row in zip(codes, values, strict=True):
        writer.writerow([code, *[f"{v:g}" for v in row]])
    scores = score_catalog(np.array(codes), values, BLOG_TARGET)
    return buf.getvalue().encode(), scores.sort_values("rank")


def _settle(page) -> None:  # noqa: ANN001
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot .gtitle').length >= 3", timeout=60_000
    )
    page.wait_for_timeout(800)


def _open(picker, page) -> None:  # noqa: ANN001
    """Open a selectbox's list (a click during a rerun can be lost: try again)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(4):
        picker.locator("input").click()
        try:
            page.get_by_role("option").first.wait_for(timeout=10_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            _settle(page)
    raise AssertionError("the product list did not open")


def _plot_texts(page) -> str:  # noqa: ANN001
    return page.evaluate(
        "() => [...document.querySelectorAll('.js-plotly-plot text')]"
        ".map(t => t.textContent).join('\\n')"
    )


def _injected(page) -> dict:  # noqa: ANN001
    return page.evaluate(
        """() => ({
            xss: window.__xss ?? null,
            img: document.querySelectorAll('img[src="x"], [onerror]').length,
            js_links: document.querySelectorAll('a[href^="javascript"]').length,
            bold: [...document.querySelectorAll('strong, b')]
                .filter(e => ['bold', 'b-tag'].includes(e.textContent.trim())).length,
            katex: [...document.querySelectorAll('.katex')]
                .filter(e => e.textContent.includes('x2')).length,
            svg_bold: [...document.querySelectorAll('.js-plotly-plot tspan')]
                .filter(e => e.textContent === 'b-tag').length,
        })"""
    )


def _files_named(marker: str, roots: list[Path]) -> list[str]:
    found = []
    for root in roots:
        for folder, dirs, files in os.walk(root, onerror=lambda e: None):
            dirs[:] = [d for d in dirs if d not in {".venv", ".git", "proc", "node_modules"}]
            found += [os.path.join(folder, f) for f in files + dirs if marker in f]
    return found


@pytest.mark.browser
def test_hostile_codes_and_file_name_show_as_typed(browser_page, app_server: str) -> None:
    page = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    marker = f"dtw-upload-{uuid.uuid4().hex[:12]}"
    name = f"../../<b>{marker}</b> **x** $y$.csv"
    data, ranked = _catalogue(HOSTILE_CODES)
    best, worst = ranked["product"].iat[0], ranked["product"].iat[-1]
    assert best == HOSTILE_CODES[0]

    page.goto(app_server)
    page.get_by_role("heading", name="DTW Match").wait_for()
    page.goto(f"{app_server}/sales-trends")
    page.get_by_role("heading", name="Sales Trends").wait_for()
    _settle(page)
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Upload weekly sales")
    uploader.locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_test_id("stMetric").filter(has_text="Products analysed").filter(
        has_text=str(len(HOSTILE_CODES))
    ).first.wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    _settle(page)

    body = page.inner_text("body")
    metric = page.get_by_test_id("stMetric").filter(has_text="Best match").first.inner_text()
    assert best in metric
    summary = page.get_by_text("Closest to the target:").inner_text()
    assert f"Closest to the target: {best} (distance" in summary
    assert f"Farthest: {worst} (" in summary
    sidebar = page.get_by_test_id("stSidebar").inner_text()
    shown_name = Path(name).name if "/" in name else name
    assert name in sidebar or shown_name in sidebar, sidebar
    assert f"Target and {best}, matched week by week" in _plot_texts(page)

    picker = page.get_by_test_id("stMain").get_by_test_id("stSelectbox")
    _open(picker, page)
    options = page.get_by_role("option").all_inner_texts()
    for code in HOSTILE_CODES:
        assert code in options, (code, options)
    page.keyboard.press("Escape")

    # Select a few more codes (all of them in the full run): each shows as typed in the
    # overlay title, the heatmap axis and the histogram marker.
    for code in HOSTILE_CODES[1 : None if FULL else 4]:
        _open(picker, page)
        page.get_by_role("option", name=code, exact=True).first.click()
        page.wait_for_timeout(1000)
        _settle(page)
        texts = _plot_texts(page)
        assert f"Target and {code}, matched week by week" in texts, texts
        assert f"Week of {code}" in texts, texts
        record("inputs", "hostile codes in the browser")

    assert _injected(page) == {
        "xss": None, "img": 0, "js_links": 0, "bold": 0, "katex": 0, "svg_bold": 0,
    }  # fmt: skip
    assert dialogs == []
    assert "Traceback" not in body

    # The page's real download: formula cells neutralised, numbers exact.
    with page.expect_download() as info:
        page.get_by_test_id("stDownloadButton").filter(has_text="All scores (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text("utf-8"))))
    assert len(rows) == len(HOSTILE_CODES)
    for row in rows:
        assert not row["product"].startswith(FORMULA_START), row["product"]
        original = row["product"][1:] if row["product"].startswith("'") else row["product"]
        assert original in HOSTILE_CODES
    exact = {r["product"]: float(r["distance"]) for r in rows}
    assert exact[best] == ranked["distance"].iat[0]

    # The uploaded name never became a path: nothing on disk carries it.
    assert _files_named(marker, [ROOT, ROOT.parent, Path("/tmp")]) == []


def test_upload_limit_matches_what_the_loaders_take() -> None:
    """The server refuses uploads above the size the sales and audio loaders accept (one
    constant, ``MAX_UPLOAD_MB``: 50 MB; audio's ``MAX_FILE_MB`` is read from it);
    Streamlit's default of 200 MB let four times that reach the app's memory, per session."""
    import tomllib

    from dtwcore.audio.features import MAX_FILE_MB
    from dtwcore.sales import MAX_UPLOAD_MB, PAGE_LIMITS

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert MAX_UPLOAD_MB == MAX_FILE_MB == PAGE_LIMITS.megabytes
    assert config["server"]["maxUploadSize"] == MAX_UPLOAD_MB


def test_logged_score_files_keep_every_product_code(tmp_path: Path) -> None:
    """Run artifacts (distances.csv and the outlier lists) keep every product code exactly,
    a carriage return or line feed inside a code included: with pandas' default line end
    such a code was left unquoted, split its row, and reading the run back (the Experiments
    page) lost or shifted products."""
    from dtwcore.runs import sales as tracking
    from dtwcore.runs import store as run_store
    from dtwcore.sales import Catalog

    codes = ["A\rB", "=1+1", "plain", 'q"uote', "x\ny"]
    rng = np.random.default_rng(3)
    catalog = Catalog(
        name="odd codes",
        ids=np.array(codes),
        weeks=[f"W{k}" for k in range(52)],
        values=rng.integers(0, 30, size=(len(codes), 52)).astype(float),
    )
    store = run_store.Store(f"sqlite:///{tmp_path / 'mlflow.db'}", tmp_path / "mlartifacts")
    run_id = tracking.log_analysis(catalog, BLOG_TARGET, stretch=0.1, store=store)
    back = tracking.read_artifact_csv(store, run_id, "distances.csv")
    record("runs", "runs with odd product codes read back", 1)
    record("lost", "runs with odd product codes read back", len(set(codes) - set(back["product"])))
    assert sorted(back["product"]) == sorted(codes)


@pytest.mark.browser
def test_hostile_audio_file_names_show_as_typed(browser_page, app_server: str) -> None:
    """The Audio page shows uploaded file names as typed: in waveform titles, the distance
    matrix, the pair views, error messages, the match verdict and its player caption;
    nothing in a name is run, rendered as markup, or used as a path."""
    page = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    marker = f"dtw-audio-{uuid.uuid4().hex[:12]}"
    assets = ROOT / "assets" / "audio"
    bold = f"<b>b-tag</b> **bold** $x^2$ {marker}.wav"
    script = f"<img src=x onerror=window.__xss=2> %{{y}} :red[red] {marker}.wav"
    broken = f"[link](javascript:window.__xss=3) <script>window.__xss=1</script> {marker}.wav"

    page.goto(app_server)
    page.get_by_role("heading", name="DTW Match").wait_for()
    page.get_by_test_id("stSidebarNav").get_by_text("Audio Match").click()
    page.get_by_role("heading", name="Who sounds like whom").wait_for(timeout=90_000)
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Add your own clips")
    uploader.locator("input[type=file]").set_input_files(
        [
            {"name": bold, "mimeType": "audio/wav",
             "buffer": (assets / "hey_marvin_6.wav").read_bytes()},
            {"name": script, "mimeType": "audio/wav",
             "buffer": (assets / "hey_marvin_2.wav").read_bytes()},
            {"name": broken, "mimeType": "audio/wav", "buffer": b"not a recording\n" * 20},
        ]
    )  # fmt: skip
    error = page.get_by_test_id("stAlert").filter(has_text="is not an audio file")
    error.wait_for(timeout=90_000)
    assert f"\n{broken} is not an audio file that can be read." in error.inner_text()
    page.wait_for_function(
        "n => [...document.querySelectorAll('.js-plotly-plot text')]"
        ".some(t => t.textContent.includes(n))",
        arg=marker,
        timeout=90_000,
    )
    _settle(page)
    texts = _plot_texts(page)
    assert texts.count(bold) >= 2 and texts.count(script) >= 2, texts  # titles, matrix axes

    page.get_by_role("tab", name="Wake word").click()
    page.get_by_test_id("stRadio").filter(has_text="Clips to test").get_by_text(
        "uploads", exact=True
    ).first.click()
    test_upload = page.get_by_test_id("stFileUploader").filter(
        has=page.get_by_text("Clips", exact=True)
    )
    test_upload.locator("input[type=file]").set_input_files(
        {"name": bold, "mimeType": "audio/wav",
         "buffer": (assets / "hey_marvin_6.wav").read_bytes()}
    )  # fmt: skip
    verdict = page.get_by_test_id("stAlert").filter(has_text=f"{bold}: ")
    verdict.wait_for(timeout=90_000)
    assert f"\n{bold}: Match, distance " in verdict.inner_text()  # shown as typed
    record("inputs", "hostile audio file names in the browser", 3)

    assert _injected(page) == {
        "xss": None, "img": 0, "js_links": 0, "bold": 0, "katex": 0, "svg_bold": 0,
    }  # fmt: skip
    assert page.locator("[data-testid=stMain] [class*=red]").filter(has_text="red").count() == 0
    assert dialogs == []
    assert "Traceback" not in page.inner_text("body")
    assert _files_named(marker, [ROOT, ROOT.parent, Path("/tmp")]) == []
