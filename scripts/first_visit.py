"""Time the first visit to every page right after a fresh start of the app, and how soon
the Sales Trends page catches up with quick slider steps.

Starts ``python app.py`` on a free loopback port with a new, empty MLflow store, then opens
each page in a new headless Chromium, one after the other, and prints how long each took
until its heading showed and until the whole page was drawn (the sidebar's store status,
drawn after every page, is there and no "Running" indicator shows). Needs the
installed kernels' cache to be warm (run the app or the tests once first), as for a user
after the first start. Last, on the same server, it presses the right arrow key twelve
times, 80 ms apart, on the stretch-factor slider (0.050 to 0.110) and prints how long after
the last key the page showed the final value and was drawn in full.

    .venv/bin/python scripts/first_visit.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = (
    ("", "DTW Match"),
    ("sales-trends", "Sales Trends"),
    ("demand-shapes", "Demand Shapes"),
    ("audio-match", "Audio Match"),
    ("experiments", "Experiments"),
)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run"]  # fmt: skip
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
DRAWN_LAST = "Experiment tracking (MLflow)"  # the sidebar's store status, after every page


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_health(url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not start within {timeout:.0f} s")


def one_run(playwright) -> list[tuple[str, float, float]]:  # noqa: ANN001
    """(page, seconds to heading, seconds to idle) for every page after one fresh start,
    then ("slider catch-up", 0, seconds) from :func:`slider_catch_up`."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="first-visit-") as tmp:
        env = dict(os.environ)
        env["MLFLOW_TRACKING_URI"] = f"sqlite:///{tmp}/mlflow.db"
        env["DTW_ARTIFACT_ROOT"] = f"{tmp}/artifacts"
        env["DTW_UPLOAD_DIR"] = f"{tmp}/uploads"
        server = subprocess.Popen(
            [sys.executable, "app.py", "--server.port", str(port), "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        rows = []
        try:
            _wait_health(url)
            for path, heading in PAGES:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
                )
                try:
                    page = browser.new_page(viewport={"width": 1280, "height": 800})
                    page.set_default_timeout(120_000)
                    start = time.monotonic()
                    page.goto(f"{url}/{path}")
                    page.get_by_role("heading", name=heading).first.wait_for()
                    shown = time.monotonic() - start
                    # Drawn last, after the page (app.py), so the whole page is there.
                    page.get_by_text(DRAWN_LAST).wait_for()
                    page.wait_for_function(IDLE)
                    rows.append((heading, shown, time.monotonic() - start))
                finally:
                    browser.close()
            rows.append(("slider catch-up", 0.0, slider_catch_up(playwright, url)))
        finally:
            server.terminate()
            server.wait(timeout=30)
    return rows


def slider_catch_up(playwright, url: str) -> float:  # noqa: ANN001
    """Seconds from the last of twelve quick slider steps until the page is idle on the
    final value (the address holds stretch=0.11)."""
    browser = playwright.chromium.launch(
        executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
    )
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(120_000)
        page.goto(f"{url}/sales-trends")
        page.get_by_role("heading", name="Sales Trends").first.wait_for()
        page.wait_for_function(IDLE)
        time.sleep(1)
        slider = page.get_by_test_id("stSlider").filter(has_text="Stretch factor")
        slider.locator("input[type=range]").focus()
        for _ in range(12):
            page.keyboard.press("ArrowRight")
            time.sleep(0.08)
        last = time.monotonic()
        page.wait_for_function("() => location.search.includes('stretch=0.11&')")
        page.get_by_text(DRAWN_LAST).wait_for()
        page.wait_for_function(IDLE)
        return time.monotonic() - last
    finally:
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh starts (default 3)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        runs = [one_run(p) for _ in range(args.runs)]
    print(f"{'page':<16}{'heading shown (s)':>24}{'page drawn (s)':>24}")
    for k, (heading, _, _) in enumerate(runs[0]):
        shown = " / ".join(f"{r[k][1]:.1f}" for r in runs)
        idle = " / ".join(f"{r[k][2]:.1f}" for r in runs)
        print(f"{heading:<16}{shown:>24}{idle:>24}")


if __name__ == "__main__":
    main()
