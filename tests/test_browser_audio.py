"""Audio Match in a real browser: uploads, the distance matrix, the wake word, the microphone."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from .conftest import ARTIFACTS, ROOT, launch_chromium

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "screenshots"
ASSETS = ROOT / "assets" / "audio"


def _settle(page, charts: int = 1) -> None:  # noqa: ANN001
    """Wait until the app is idle and at least ``charts`` plotly charts are drawn."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000
    )
    page.wait_for_function(
        f"() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}",
        timeout=90_000,
    )
    page.wait_for_timeout(1500)


def _full_screenshot(page, name: str) -> None:  # noqa: ANN001
    """Streamlit scrolls inside its main container: grow the viewport to fit, then shoot."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll("
        '\'[data-testid="stMain"], [data-testid="stMainBlockContainer"]\')]'
        ".map(e => e.scrollHeight), document.body.scrollHeight)"
    )
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 80, 9000)})
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / name), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})


def _open_audio_page(page, app_server: str) -> None:  # noqa: ANN001
    page.goto(app_server)
    page.get_by_role("heading", name="DTW Match").wait_for()
    page.get_by_test_id("stSidebarNav").get_by_text("Audio Match").click()
    page.get_by_role("heading", name="Audio Match").wait_for()


def _stereo_flac() -> bytes:
    """hey_marvin_6 as 44.1 kHz stereo FLAC: exercises resampling and mixing down."""
    y, rate = sf.read(ASSETS / "hey_marvin_6.wav", dtype="float32")
    import librosa

    y44 = librosa.resample(y, orig_sr=rate, target_sr=44_100)
    buf = io.BytesIO()
    sf.write(buf, np.stack([y44, 0.5 * y44], axis=1), 44_100, format="FLAC")
    return buf.getvalue()


def test_upload_shows_in_the_distance_matrix(browser_page, app_server: str) -> None:
    page = browser_page
    _open_audio_page(page, app_server)
    _settle(page, charts=9)
    page.get_by_role("heading", name="Who sounds like whom").wait_for()
    _full_screenshot(page, "audio_compare.png")

    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Add your own clips")
    uploader.locator("input[type=file]").set_input_files(
        [
            {"name": "my phrase.flac", "mimeType": "audio/flac", "buffer": _stereo_flac()},
            {"name": "notes.wav", "mimeType": "audio/wav", "buffer": b"shopping list\n" * 50},
        ]
    )
    page.get_by_text(
        "notes.wav is not an audio file that can be read. Use WAV, FLAC, OGG or MP3."
    ).wait_for(timeout=90_000)
    _settle(page, charts=10)
    matrix = page.locator(".js-plotly-plot").filter(has_text="DTW distance between every pair")
    matrix.get_by_text("my phrase.flac").first.wait_for()
    assert matrix.locator(".xtick text").filter(has_text="my phrase.flac").count() == 1
    assert matrix.locator(".xtick text").filter(has_text="notes.wav").count() == 0
    assert "Traceback" not in page.inner_text("body")
    _full_screenshot(page, "audio_upload.png")


def test_wake_word_tab(browser_page, app_server: str) -> None:
    page = browser_page
    _open_audio_page(page, app_server)
    page.get_by_role("tab", name="Wake word").click()
    page.get_by_text("Found at").wait_for(timeout=90_000)
    _settle(page, charts=3)
    assert page.get_by_text("Match: distance").is_visible()
    durations = page.evaluate(
        "() => [...document.querySelectorAll('audio')]"
        ".filter(a => a.offsetParent !== null).map(a => a.duration)"
    )
    # the tested clip (hey_marvin_6, 0.63 s) and the matched stretch (about 0.75 s) play
    assert durations[0] == pytest.approx(0.63, abs=0.01)
    assert durations[1] == pytest.approx(0.75, abs=0.1)
    _full_screenshot(page, "audio_wake.png")


def test_microphone_recording_is_compared(playwright_instance, app_server: str) -> None:
    """Chromium's fake microphone plays a shipped clip into st.audio_input."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    clip = ASSETS / "doors_us_110wpm.wav"
    context = launch_chromium(
        playwright_instance,
        [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={clip}",
        ],
    )
    try:
        context.grant_permissions(["microphone"])
        page = context.new_page()
        page.set_default_timeout(90_000)
        _open_audio_page(page, app_server)
        _settle(page, charts=9)
        recorder = page.get_by_test_id("stAudioInput").filter(has_text="Record a clip")
        button = recorder.get_by_test_id("stAudioInputActionButton")
        assert button.get_attribute("aria-label") == "Record"
        button.click()
        page.wait_for_timeout(3500)
        button.click()
        waveform = page.locator(".js-plotly-plot").filter(has_text="microphone recording")
        waveform.first.wait_for(timeout=90_000)
        _settle(page, charts=10)
        matrix = page.locator(".js-plotly-plot").filter(has_text="DTW distance between every pair")
        matrix.get_by_text("microphone recording").first.wait_for()
        assert "Traceback" not in page.inner_text("body")
        _full_screenshot(page, "audio_microphone.png")
    finally:
        context.close()
