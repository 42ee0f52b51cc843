"""Product Mix in a real browser, on the UCI file with the published capacity: the page's
utilisation and chosen products are those of ``python -m dtwcore mix`` on the same file and
settings, before and after a maximum count is set."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from .conftest import ARTIFACTS, ROOT, UCI_CSV, settle

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "screenshots"


def _mix_command(folder: Path, *flags: str) -> tuple[str, pd.DataFrame]:
    """``python -m dtwcore mix`` on the UCI file: its utilisation line and chosen products."""
    out = folder / "mix.csv"
    done = subprocess.run(
        [sys.executable, "-m", "dtwcore", "mix", str(UCI_CSV), *flags, "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stderr, pd.read_csv(out, dtype={"product": str})


def _metric(page, label: str) -> str:  # noqa: ANN001
    return page.get_by_test_id("stMetric").filter(has_text=label).inner_text()


def _downloaded_products(page, folder: Path) -> pd.DataFrame:  # noqa: ANN001
    """The page's "Download the chosen products (CSV)", read back."""
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the chosen products (CSV)").click()
    path = folder / "page_mix.csv"
    info.value.save_as(path)
    return pd.read_csv(path, dtype={"product": str})


def _full_screenshot(page, name: str) -> None:  # noqa: ANN001
    """Streamlit scrolls inside its main container: grow the viewport to fit, then shoot."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll("
        '\'[data-testid="stMain"], [data-testid="stMainBlockContainer"]\')]'
        ".map(e => e.scrollHeight), document.body.scrollHeight)"
    )
    page.set_viewport_size({"width": 1400, "height": int(height) + 80})
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / name), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_the_page_plans_what_the_mix_command_plans(
    browser_page,  # noqa: ANN001
    app_server: str,
    tmp_path: Path,
) -> None:
    page = browser_page
    page.goto(f"{app_server}/product-mix")
    page.get_by_role("heading", name="Product Mix").wait_for()
    settle(page, 1)
    page.get_by_text("made-up demo data").wait_for()

    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Upload weekly sales")
    uploader.locator("input[type=file]").set_input_files(str(UCI_CSV))
    page.get_by_text("We read this as: 811 products × 52 weeks").wait_for()
    settle(page, 1)
    sidebar = page.get_by_test_id("stSidebar")
    assert "Sales_Transactions_Dataset_Weekly.csv · 811 products × 52 weeks" in (
        sidebar.inner_text()
    )
    assert page.get_by_text("made-up demo data").count() == 0

    stderr, cli = _mix_command(tmp_path)
    utilisation = float(re.search(r"utilisation ([\d.]+)%", stderr).group(1))
    assert re.search(rf"Utilisation\s+{utilisation:.1f}%", _metric(page, "Utilisation"))
    assert re.search(rf"Products in the mix\s+{len(cli)}\s", _metric(page, "Products in the mix"))
    shown = _downloaded_products(page, tmp_path)
    pd.testing.assert_frame_equal(shown, cli, check_dtype=False)
    _full_screenshot(page, "mix_uci.png")

    # At most 10 products: the page re-plans in place, as the command with --max-products.
    box = page.get_by_test_id("stNumberInput").filter(has_text="At most this many products")
    box.locator("input").fill("10")
    box.locator("input").press("Enter")
    page.wait_for_function("() => new URLSearchParams(location.search).get('max') === '10'")
    settle(page, 1)
    stderr, cli = _mix_command(tmp_path, "--max-products", "10")
    utilisation = float(re.search(r"utilisation ([\d.]+)%", stderr).group(1))
    assert re.search(rf"Utilisation\s+{utilisation:.1f}%", _metric(page, "Utilisation"))
    pd.testing.assert_frame_equal(_downloaded_products(page, tmp_path), cli, check_dtype=False)
    assert len(cli) == 10
    address = parse_qs(urlparse(page.url).query)
    assert address["max"] == ["10"] and address["stretch"] == ["0.05"]
    _full_screenshot(page, "mix_uci_max10.png")


def test_dated_weeks_are_dates_on_the_axis(browser_page, app_server: str) -> None:  # noqa: ANN001
    """A store export with dated weeks (143 of them) against a 52-week capacity, from the
    link: the chart's time axis shows the file's dates from the first week planned."""
    path = ROOT / "assets" / "examples" / "store_weekly_sales.csv"
    page = browser_page
    page.goto(f"{app_server}/product-mix")
    page.get_by_role("heading", name="Product Mix").wait_for()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Upload weekly sales")
    uploader.locator("input[type=file]").set_input_files(str(path))
    page.wait_for_function("() => new URLSearchParams(location.search).get('data')")
    settle(page, 1)
    key = parse_qs(urlparse(page.url).query)["data"][0]
    capacity = ",".join(["6e6"] * 52)
    page.goto(f"{app_server}/product-mix?data={key}&first=10&target=values:{capacity}")
    page.get_by_text("We read this as: 45 products × 143 weeks").wait_for()
    settle(page, 1)
    ticks = page.locator(".js-plotly-plot .xaxislayer-above text").all_text_contents()
    assert any(t.endswith("2010") for t in ticks), ticks
    assert not any(t.startswith("W") for t in ticks), ticks
    assert parse_qs(urlparse(page.url).query)["first"] == ["10"]
    _full_screenshot(page, "mix_dated_weeks.png")
