"""Audio Match in a real browser: uploads, the distance matrix, the wake word, the microphone."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
import soundfile as sf

from .conftest import ARTIFACTS, ROOT, launch_chromium, settle
from .test_audio_listen import spoken

if TYPE_CHECKING:
    from dtwcore.audio.wake import WakeWord

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "screenshots"
ASSETS = ROOT / "assets" / "audio"


def _settle(page, charts: int = 1) -> None:  # noqa: ANN001
    """Wait until the app is idle and at least ``charts`` plotly charts are drawn."""
    settle(page, charts, timeout_ms=90_000, pause_ms=1500)


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


def _flac_44k(name: str) -> bytes:
    """A shipped 16 kHz clip as 44.1 kHz FLAC, so uploads get resampled."""
    y, rate = sf.read(ASSETS / name, dtype="float32")
    import librosa

    y44 = librosa.resample(y, orig_sr=rate, target_sr=44_100)
    buf = io.BytesIO()
    sf.write(buf, y44, 44_100, format="FLAC")
    return buf.getvalue()


def _stereo_opus() -> bytes:
    """hey_marvin_6 as 48 kHz stereo Opus (in Ogg), as phones and speech sets ship it."""
    y, rate = sf.read(ASSETS / "hey_marvin_6.wav", dtype="float32")
    import librosa

    y48 = librosa.resample(y, orig_sr=rate, target_sr=48_000)
    buf = io.BytesIO()
    sf.write(buf, np.stack([y48, 0.5 * y48], axis=1), 48_000, format="OGG", subtype="OPUS")
    return buf.getvalue()


def _assert_sample_sentences_separate(page) -> None:  # noqa: ANN001
    """Read the distance matrix the browser draws: every "Doors and corners" clip is
    nearest to another "Doors and corners" clip, not to "You walk into a room", the same
    voice at another speed (us 160 vs 110 wpm) is far closer than the other sentence in
    the same voice and speed (us 160 wpm), and the numbers are the library's."""
    matrix = page.evaluate(
        """() => {
            const el = [...document.querySelectorAll('.js-plotly-plot')]
                .find(e => (e.querySelector('.gtitle')?.textContent ?? '')
                    .startsWith('DTW distance between'));
            const t = el._fullData[0];
            return {names: Array.from(t.x), z: Array.from(t.z, row => Array.from(row))};
        }"""
    )
    names, z = matrix["names"], np.array(matrix["z"], dtype=float)
    doors = [k for k, n in enumerate(names) if n.startswith("doors_")]
    room = names.index("room_us_160wpm.wav")
    assert len(doors) == 4
    for k in doors:
        others = [j for j in range(len(names)) if j != k]
        assert names[min(others, key=lambda j: z[k, j])].startswith("doors_"), names[k]
    fast, slow = names.index("doors_us_160wpm.wav"), names.index("doors_us_110wpm.wav")
    from dtwcore.audio.features import distance_matrix, prepare, read_audio

    feats = [
        prepare(read_audio(ASSETS / n)).features
        for n in ["doors_us_160wpm.wav", "doors_us_110wpm.wav", "room_us_160wpm.wav"]
    ]
    D = distance_matrix(feats)  # the speech embedding: 0.46 and 0.89
    assert z[fast, slow] == pytest.approx(D[0, 1], abs=0.01)
    assert z[fast, room] == pytest.approx(D[0, 2], abs=0.01)
    assert z[fast, slow] < 0.6 * z[fast, room]


def test_upload_shows_in_the_distance_matrix(browser_page, app_server: str) -> None:
    page = browser_page
    _open_audio_page(page, app_server)
    _settle(page, charts=9)
    page.get_by_role("heading", name="Who sounds like whom").wait_for()
    _full_screenshot(page, "audio_compare.png")
    _assert_sample_sentences_separate(page)

    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Add your own clips")
    uploader.locator("input[type=file]").set_input_files(
        [
            {"name": "my phrase.opus", "mimeType": "audio/ogg", "buffer": _stereo_opus()},
            {"name": "notes.wav", "mimeType": "audio/wav", "buffer": b"shopping list\n" * 50},
        ]
    )
    page.get_by_text(
        "notes.wav is not an audio file that can be read. Use WAV, FLAC, OGG, Opus or MP3."
    ).wait_for(timeout=90_000)
    _settle(page, charts=10)
    matrix = page.locator(".js-plotly-plot").filter(has_text="DTW distance between every pair")
    matrix.get_by_text("my phrase.opus").first.wait_for()
    assert matrix.locator(".xtick text").filter(has_text="my phrase.opus").count() == 1
    assert matrix.locator(".xtick text").filter(has_text="notes.wav").count() == 0
    assert "Traceback" not in page.inner_text("body")
    _full_screenshot(page, "audio_upload.png")


def test_wake_word_tab(browser_page, app_server: str) -> None:
    page = browser_page
    _open_audio_page(page, app_server)
    page.get_by_role("tab", name="Wake word").click()
    page.get_by_text("Found 1 time").wait_for(timeout=90_000)
    _settle(page, charts=3)
    assert page.get_by_text("hey_marvin_6.wav: Match, distance").is_visible()
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


FOUND = re.compile(r"(\d+\.\d+)–(\d+\.\d+) s, distance (\d+\.\d+) \(template ")
"""An occurrence as Find lists it (a numbered list: the browser shows the number apart)."""
SPAN_TOLERANCE_S = 0.15
"""How far the found start and end may each be from the truth.

The page prints the span to 0.01 s and DTW works on 10 ms frames, so the reading itself is
good to a few hundredths; this enrollment finds 2.66–3.35 s against 2.624–3.373 s. 0.15 s
is a fifth of the 0.75 s phrase and shorter than a syllable: a stretch that lost "Hey" or
ran on into the next word, or a match elsewhere in the recording, fails.
"""


def _enrolled(uploads: list[dict]) -> WakeWord:
    """The wake word the page must make when exactly ``uploads`` are enrolled."""
    from dtwcore.audio.features import MAX_CLIP_SECONDS, load_audio, prepare
    from dtwcore.audio.wake import enroll_utterances

    utts = [
        prepare(load_audio(u["buffer"], u["name"], max_seconds=MAX_CLIP_SECONDS)) for u in uploads
    ]
    return enroll_utterances(utts)


def _enrollment_caption(uploads: list[dict]) -> str:
    """The caption the page must show when exactly ``uploads`` are enrolled (and nothing else)."""
    from dtwcore.audio.features import FEATURE_KINDS
    from dtwcore.audio.wake import closest_negative

    wake = _enrolled(uploads)
    assert wake.kind == "embedding"
    name, score = closest_negative(wake)
    return (
        f"{len(uploads)} templates ({FEATURE_KINDS[wake.kind]}); leave-one-out scores "
        + ", ".join(f"{v:.2f}" for v in wake.loo)
        + f"; calibrated threshold {wake.threshold:.2f} ({wake.stream_threshold:.2f} in a "
        f"recording). Closest other speech: “{name}” at {score:.2f}, "
        + (
            f"{wake.threshold - score:.2f} under the threshold {wake.threshold:.2f} (it matches)."
            if score <= wake.threshold
            else f"{score - wake.threshold:.2f} over the threshold {wake.threshold:.2f}."
        )
    )


def test_wake_word_enrolled_from_three_uploads_is_found_in_an_uploaded_recording(
    browser_page, app_server: str
) -> None:
    """Done when: a wake word enrolled from three uploads is found in a longer recording at
    the right time.

    Only uploads are used, end to end: the sample templates are unticked, three "Hey
    Marvin" clips in voices other than the long recording's (en-us 210 wpm, en-gb, en-gb
    Scotland; one sent as 44.1 kHz FLAC so it is resampled) are uploaded to Enroll, and the
    long recording is uploaded under another name to "Find it in a longer recording". The
    page must report a match whose span is within SPAN_TOLERANCE_S of the manifest's true
    span at both ends.
    """
    page = browser_page
    manifest = json.loads((ASSETS / "manifest.json").read_text())
    true_start, true_end = manifest["long"]["wake_start"], manifest["long"]["wake_end"]
    _open_audio_page(page, app_server)
    page.get_by_role("tab", name="Wake word").click()
    page.get_by_text("Found 1 time").wait_for(timeout=90_000)  # the sample enrollment is ready

    page.get_by_test_id("stCheckbox").filter(has_text="Use the sample recordings").click()
    page.get_by_text("Enroll at least 3 recordings of the wake word (0 so far).").wait_for()

    uploads = [
        {"name": "marvin fast.wav", "mimeType": "audio/wav",
         "buffer": (ASSETS / "hey_marvin_2.wav").read_bytes()},
        {"name": "marvin british.flac", "mimeType": "audio/flac",
         "buffer": _flac_44k("hey_marvin_3.wav")},
        {"name": "marvin scottish.wav", "mimeType": "audio/wav",
         "buffer": (ASSETS / "hey_marvin_5.wav").read_bytes()},
    ]  # fmt: skip
    enroll_uploader = page.get_by_test_id("stFileUploader").filter(
        has_text="Upload recordings of the wake word"
    )
    # the same recording three times (it used to crash the threshold slider)
    same = (ASSETS / "hey_marvin_2.wav").read_bytes()
    enroll_uploader.locator("input[type=file]").set_input_files(
        [{"name": f"take {k}.wav", "mimeType": "audio/wav", "buffer": same} for k in (1, 2, 3)]
    )
    page.get_by_text("take 3.wav is the same recording as take 1.wav; it is used once.").wait_for(
        timeout=90_000
    )
    page.get_by_text("Enroll at least 3 recordings of the wake word (1 so far).").wait_for()
    assert "Traceback" not in page.inner_text("body")
    assert "StreamlitInvalidMinMaxError" not in page.inner_text("body")
    delete = enroll_uploader.get_by_test_id("stFileChipDeleteBtn")
    for left in (2, 1, 0):
        delete.first.click()
        page.wait_for_function(
            f"() => document.querySelectorAll('[data-testid=stFileChipDeleteBtn]').length <= {left}"
        )
    page.get_by_text("Enroll at least 3 recordings of the wake word (0 so far).").wait_for()
    enroll_uploader.locator("input[type=file]").set_input_files(uploads)
    page.get_by_text(_enrollment_caption(uploads), exact=True).wait_for(timeout=90_000)

    page.get_by_test_id("stRadio").filter(has_text=manifest["long"]["file"]).get_by_text(
        "an upload", exact=True
    ).first.click()
    page.get_by_text("Choose a recording to search.").wait_for()
    find_uploader = page.get_by_test_id("stFileUploader").filter(
        has=page.get_by_text("Recording", exact=True)
    )
    find_uploader.locator("input[type=file]").set_input_files(
        {"name": "my morning.wav", "mimeType": "audio/wav",
         "buffer": (ASSETS / manifest["long"]["file"]).read_bytes()}
    )  # fmt: skip
    page.get_by_test_id("stAlert").filter(has_text="Found 1 time").wait_for(timeout=90_000)
    found = page.get_by_test_id("stCaptionContainer").filter(has_text=FOUND)
    found.wait_for(timeout=90_000)
    waveform = page.locator(".js-plotly-plot").filter(has_text="my morning.wav")
    waveform.wait_for()
    _settle(page, charts=3)

    assert "Not found" not in page.inner_text("body")
    assert "Traceback" not in page.inner_text("body")
    m = FOUND.search(found.inner_text())
    assert m, found.inner_text()
    start, end, distance = (float(g) for g in m.groups())
    assert distance <= _enrolled(uploads).stream_threshold
    assert start < true_end and end > true_start  # the spans overlap
    assert start == pytest.approx(true_start, abs=SPAN_TOLERANCE_S)
    assert end == pytest.approx(true_end, abs=SPAN_TOLERANCE_S)
    assert waveform.get_by_text("wake word").count() == 1  # the highlighted span's label
    # the player under the occurrence plays the matched stretch, so it lasts end - start
    matched = page.wait_for_function(
        "() => { const a = [...document.querySelectorAll('audio')]"
        ".filter(e => e.offsetParent !== null).pop();"
        " return a && Number.isFinite(a.duration) && a.duration; }"
    ).json_value()
    assert matched == pytest.approx(end - start, abs=0.02)
    _full_screenshot(page, "audio_wake_uploads.png")


def _wav(y: np.ndarray) -> bytes:
    from dtwcore.audio.features import SAMPLE_RATE

    buf = io.BytesIO()
    sf.write(buf, y, SAMPLE_RATE, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def _search_upload(page, name: str, y: np.ndarray, expect: str) -> None:  # noqa: ANN001
    """Upload ``y`` as the recording Find searches, and wait for ``expect`` and the charts."""
    page.get_by_test_id("stRadio").filter(has_text="Recording").get_by_text("an upload").click()
    page.get_by_test_id("stFileUploader").filter(
        has=page.get_by_text("Recording", exact=True)
    ).locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": "audio/wav", "buffer": _wav(y)}
    )
    page.get_by_text(expect).wait_for(timeout=90_000)
    _settle(page, charts=3)


def test_batch_test_and_every_occurrence_survive_enrolment_changes(
    browser_page, app_server: str
) -> None:
    """Done when: "Test" takes many uploaded clips at once and counts accepted and
    rejected; "Find" lists every occurrence (here "Hey Marvin" three times among other
    sentences) with its span and a player; and both uploads stay when the enrolment
    changes (the sample templates unticked, then ticked again)."""
    from dtwcore.audio.features import read_audio

    page = browser_page
    _open_audio_page(page, app_server)
    page.get_by_role("tab", name="Wake word").click()
    page.get_by_text("Found 1 time").wait_for(timeout=90_000)

    page.get_by_test_id("stRadio").filter(has_text="Clips to test").get_by_text("uploads").click()
    clips = ["hey_marvin_6.wav", "good_morning.wav", "room_us_160wpm.wav", "doors_us_160wpm.wav"]
    page.get_by_test_id("stFileUploader").filter(has=page.get_by_text("Clips", exact=True)).locator(
        "input[type=file]"
    ).set_input_files(
        [{"name": n, "mimeType": "audio/wav", "buffer": (ASSETS / n).read_bytes()} for n in clips]
    )
    page.get_by_text("1 accepted, 3 rejected").wait_for(timeout=90_000)
    # every clip's verdict as a file, exact numbers, and every clip on the chart
    with page.expect_download() as info:
        page.get_by_test_id("stDownloadButton").filter(has_text="Results (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text("utf-8"))))
    assert [r["Clip"] for r in rows] == clips
    assert [r["Verdict"] for r in rows] == ["Match", "No match", "No match", "No match"]
    for r in rows:
        assert float(r["Margin"]) == pytest.approx(float(r["Threshold"]) - float(r["Distance"]))
    assert page.locator(".js-plotly-plot").filter(has_text="tested clips (4)").count() == 1

    marvin = read_audio(ASSETS / "hey_marvin_6.wav").samples
    other = read_audio(ASSETS / "good_morning.wav").samples
    pause = np.zeros(8000, np.float32)
    y = np.concatenate([pause, marvin, pause, other, pause, marvin, pause, marvin, pause])
    _search_upload(page, "three times.wav", y, "Found 3 times")

    def occurrences() -> list[tuple[float, float]]:
        text = page.inner_text("body")
        return [
            (float(a), float(b)) for a, b in re.findall(r"(\d+\.\d+)–(\d+\.\d+) s, distance", text)
        ]

    first = occurrences()
    assert len(first) == 3
    step = (marvin.size + pause.size) / 16000
    starts = [0.5, 0.5 + step + (other.size + pause.size) / 16000]
    starts.append(starts[1] + step)
    for (lo, hi), truth in zip(first, starts, strict=True):
        assert lo == pytest.approx(truth, abs=0.15)
        assert hi - lo == pytest.approx(marvin.size / 16000, abs=0.3)
    players = page.evaluate(
        "() => [...document.querySelectorAll('audio')].filter(a => a.offsetParent !== null)"
        ".slice(-3).map(a => a.duration)"
    )
    assert players == pytest.approx([hi - lo for lo, hi in first], abs=0.02)
    # the waveform highlights every occurrence, numbered as the list numbers them
    waveform = page.locator(".js-plotly-plot").filter(has_text="three times.wav")
    assert [waveform.get_by_text(f"{k}. wake word").count() for k in (1, 2, 3)] == [1, 1, 1]
    _full_screenshot(page, "audio_wake_batch.png")

    use_samples = page.get_by_test_id("stCheckbox").filter(has_text="Use the sample recordings")
    use_samples.click()
    page.get_by_text("Enroll the wake word first; your clips wait here.").wait_for()
    use_samples.click()
    page.get_by_text("1 accepted, 3 rejected").wait_for(timeout=90_000)
    page.get_by_text("Found 3 times").wait_for(timeout=90_000)
    _settle(page, charts=3)  # the list under the heading is drawn after it
    assert occurrences() == first
    assert "Traceback" not in page.inner_text("body")


def test_many_occurrences_download_and_play_from_an_expander(browser_page, app_server: str) -> None:
    """A recording with the wake word six times among other sentences: found six times,
    each highlighted by its number alone (six labels would crowd), played from an
    expander, and downloaded as a CSV whose spans are where it was said."""
    from dtwcore.audio.features import prepare, read_audio

    page = browser_page
    _open_audio_page(page, app_server)
    page.get_by_role("tab", name="Wake word").click()
    page.get_by_text("Found 1 time").wait_for(timeout=90_000)
    marvin = prepare(read_audio(ASSETS / "hey_marvin_6.wav"))
    others = [read_audio(ASSETS / n).samples for n in ("good_morning.wav", "room_us_160wpm.wav")]
    pause = np.zeros(8000, np.float32)
    parts, truth, t = [], [], 0.0
    for k in range(6):
        for piece in (others[k % 2], marvin.clip.samples):
            if piece is marvin.clip.samples:
                truth.append(t + 0.5 + marvin.start / 16_000)
            parts += [pause, piece]
            t += 0.5 + piece.size / 16_000
    y = np.concatenate([*parts, pause])
    _search_upload(page, "six times.wav", y, "Found 6 times")
    with page.expect_download() as info:
        page.get_by_test_id("stDownloadButton").filter(has_text="Occurrences (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text("utf-8"))))
    assert [int(r["Occurrence"]) for r in rows] == [1, 2, 3, 4, 5, 6]
    assert [float(r["Start (s)"]) for r in rows] == pytest.approx(truth, abs=0.15)
    assert {r["Nearest template"] for r in rows} <= {f"hey_marvin_{k}.wav" for k in range(1, 6)}
    waveform = page.locator(".js-plotly-plot").filter(has_text="six times.wav")
    labels = waveform.locator("g.annotation").evaluate_all("els => els.map(e => e.textContent)")
    assert labels == ["1", "2", "3", "4", "5", "6"]
    expander = page.get_by_test_id("stExpander").filter(has_text="Play each occurrence (6)")
    expander.get_by_text("Play each occurrence (6)").click()
    expander.get_by_text("6. ").wait_for()
    assert expander.locator("audio").count() == 6
    _settle(page, charts=3)
    _full_screenshot(page, "audio_find_many.png")
    assert "Traceback" not in page.inner_text("body")


LISTEN_SCRIPT = [
    ("silence", 6.0), ("good_morning.wav", 0), ("silence", 1.0), ("hey_marvin_6.wav", 0),
    ("silence", 1.5), ("room_us_160wpm.wav", 0), ("silence", 1.0), ("hey_marvin_6.wav", 0),
    ("silence", 1.5), ("doors_us_160wpm.wav", 0), ("silence", 2.0),
]  # fmt: skip
HEARD = re.compile(r"Heard at (\d+\.\d+) s \(distance (\d+\.\d+)\)")
LISTENING = re.compile(r"Listening: (\d+\.\d+) s heard; first sound at (\d+\.\d+) s\.")


def _listen_recording(path) -> tuple[float, list[float], float]:  # noqa: ANN001
    """Write the fake microphone's recording; return its length, where each "Hey Marvin"
    ends and where its first sound is (seconds)."""
    from dtwcore.audio.features import SAMPLE_RATE
    from dtwcore.audio.listen import SOUND_LEVEL

    y, ends = spoken(LISTEN_SCRIPT)
    sf.write(path, y, SAMPLE_RATE, subtype="PCM_16")
    onset = int(np.flatnonzero(np.abs(y) > SOUND_LEVEL)[0]) / SAMPLE_RATE
    return y.size / SAMPLE_RATE, ends, onset


def test_listen_marks_each_wake_word_on_a_live_microphone(
    playwright_instance, app_server: str, tmp_path
) -> None:
    """Chromium's fake microphone plays (in a loop) a recording with "Hey Marvin" twice
    among other speech; the Listen mode, with the sample enrollment, must mark every
    occurrence heard within 0.5 s of where it ends, and nothing else. The fake device
    starts when the page asks for the microphone, before the capture is wired to it, so
    the page's clock is lined up with the recording's by the first sound each one has (the
    recording opens with 6 s of room tone, so the capture runs before its first sound)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    wav = tmp_path / "listen.wav"
    period, ends, onset = _listen_recording(wav)
    context = launch_chromium(
        playwright_instance,
        [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}",
        ],
    )
    try:
        context.grant_permissions(["microphone"])
        page = context.new_page()
        page.set_default_timeout(90_000)
        _open_audio_page(page, app_server)
        page.get_by_role("tab", name="Wake word").click()
        page.get_by_text("Found 1 time").wait_for(timeout=90_000)
        page.get_by_test_id("stCheckbox").filter(has_text="Listen on the microphone").click()
        frame = page.frame_locator("iframe[title='pages.common.microphone.microphone']")
        frame.get_by_role("button", name="Start listening").click()
        frame.get_by_text("Microphone on.").wait_for()
        # the button is in the app's font, borrowed from the page (not the system's)
        mic = next(f for f in page.frames if "microphone" in f.url)
        fonts = mic.evaluate(
            "async () => { await document.fonts.ready; return [...document.fonts]"
            ".filter(f => f.status === 'loaded').map(f => f.family); }"
        )
        assert "Source Sans" in fonts, fonts
        page.wait_for_function(
            """n => { const m = document.body.innerText.match(
                /Listening: (\\d+\\.\\d+) s heard; first sound at/);
                return m && parseFloat(m[1]) >= n; }""",
            arg=period + 4.0,
            timeout=120_000,
        )
        text = page.inner_text("body")
        _full_screenshot(page, "audio_listen.png")
        frame.get_by_role("button", name="Stop listening").click()
        frame.get_by_text("Microphone off.").wait_for()
        page.get_by_text(re.compile(r"^Stopped: \d+\.\d s heard; first sound at")).wait_for()
    finally:
        context.close()
    heard_for, first = (float(g) for g in LISTENING.search(text).groups())
    assert first > 0.2, "the stream began inside a sound: no clock to line up with"
    fired = [float(m.group(1)) for m in HEARD.finditer(text)]
    offset = first - onset  # page time of the recording's start
    truth = [e + k * period + offset for k in range(3) for e in ends]
    # every detection is an occurrence (nothing fires elsewhere), each at most once...
    nearest = [min(truth, key=lambda e: abs(e - when)) for when in fired]
    for when, end in zip(fired, nearest, strict=True):
        assert when == pytest.approx(end, abs=0.5), (fired, truth)
    assert len(set(nearest)) == len(nearest), (fired, truth)
    # ...and every occurrence heard a second before the end is detected
    due = [e for e in truth if e + 1.0 < heard_for]
    assert len(due) >= 2 and set(due) <= set(nearest), (fired, due)
    assert "Traceback" not in text


def _listen_problem(playwright, app_server: str, args: list[str], grant: bool, shot: str) -> str:  # noqa: ANN001
    """Press Start listening in a Chromium with ``args``; the problem the component shows
    (the Listen section saved as ``shot``)."""
    context = launch_chromium(playwright, args)
    try:
        if grant:
            context.grant_permissions(["microphone"])
        page = context.new_page()
        page.set_default_timeout(90_000)
        _open_audio_page(page, app_server)
        page.get_by_role("tab", name="Wake word").click()
        page.get_by_test_id("stCheckbox").filter(has_text="Listen on the microphone").click()
        frame = page.frame_locator("iframe[title='pages.common.microphone.microphone']")
        frame.get_by_role("button", name="Start listening").click()
        problem = frame.locator("#message.problem")
        problem.wait_for()
        frame.get_by_role("button", name="Start listening").wait_for()  # to try again
        assert "Traceback" not in page.inner_text("body")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.get_by_test_id("stVerticalBlock").filter(
            has=page.get_by_role("heading", name="4. Listen")
        ).last.screenshot(path=str(SHOTS / shot))
        return problem.inner_text()
    finally:
        context.close()


def test_listen_says_in_words_when_the_microphone_is_refused_or_missing(
    playwright_instance, app_server: str
) -> None:
    """Permission refused (a fake microphone, and Chromium denies instead of asking): the
    component says how to allow it. Permission but no microphone at all: none was found."""
    refused = _listen_problem(
        playwright_instance,
        app_server,
        ["--use-fake-device-for-media-stream", "--deny-permission-prompts"],
        grant=False,
        shot="audio_listen_refused.png",
    )
    assert refused == (
        "The browser did not allow the microphone. Allow it for this site (the icon at the "
        "left of the address bar), then press Start listening again."
    )
    missing = _listen_problem(
        playwright_instance, app_server, [], grant=True, shot="audio_listen_missing.png"
    )
    assert missing == "No microphone was found. Connect one, then press Start listening again."


DOWNSAMPLE_JS = ROOT / "pages" / "common" / "microphone" / "frontend" / "downsample.js"
RESPONSE = """([inRate, freqs]) => freqs.map(f => {
    const d = new Downsampler(inRate, 16000), x = new Float32Array(2 * inRate);
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(2 * Math.PI * f * i / inRate);
    let y = [];
    for (let i = 0; i < x.length; i += 128) y = y.concat(d.push(x.subarray(i, i + 128)));
    const mid = y.slice(4000, 28000);
    return 20 * Math.log10(Math.sqrt(mid.reduce((a, v) => a + v * v, 0) / mid.length * 2));
})"""
IMPULSE = """(inRate) => {
    const x = new Float32Array(inRate);
    x[Math.round(0.625 * inRate)] = 1;
    const y = new Downsampler(inRate, 16000).push(x).map(Math.abs);
    return y.indexOf(Math.max(...y));
}"""


def test_the_microphone_downsampler_keeps_speech_and_stops_aliases(playwright_instance) -> None:
    """The component's 16 kHz downsampler in Chromium, from the two usual capture rates:
    sine waves through it (gain in dB) and a click (where it lands). Measured: 0.0 dB up to
    4 kHz, -0.8 dB at 6 kHz; 10 and 15 kHz, which would fold back into speech, at -75 dB or
    less; the click on its sample."""
    context = launch_chromium(playwright_instance)
    try:
        page = context.new_page()
        page.set_content("<!doctype html><title>downsample</title>")
        page.add_script_tag(path=str(DOWNSAMPLE_JS))
        measured = {
            rate: (
                page.evaluate(RESPONSE, [rate, [100, 1000, 4000, 6000, 10000, 15000]]),
                page.evaluate(IMPULSE, rate),
            )
            for rate in (44_100, 48_000)
        }
    finally:
        context.close()
    for rate, (gains, click) in measured.items():
        passband, six, stopband = gains[:3], gains[3], gains[4:]
        assert all(abs(g) < 0.05 for g in passband), (rate, gains)
        assert -1.5 < six < 0, (rate, gains)
        assert all(g < -70 for g in stopband), (rate, gains)
        assert click == 10_000, rate  # 0.625 s at 16 kHz
