"""AppTest of the Audio Match page: samples, pair view, wake word enroll/test/find."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from dtwcore.audio.features import align, euclidean_matrix, prepare, read_audio

from .conftest import ROOT

PAGE = str(ROOT / "pages" / "audio_match.py")
MANIFEST = json.loads((ROOT / "assets" / "audio" / "manifest.json").read_text())


@pytest.fixture(scope="module")
def app() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(elements) -> list[str]:
    """The elements' text as people read it (Markdown escapes removed)."""
    return [e.value.replace("\\", "") for e in elements]


def _expected_pair(kind: str) -> tuple[str, str]:
    """DTW and Euclidean distance of the default pair, as the page should print them."""
    a, b = (
        prepare(read_audio(ROOT / "assets" / "audio" / n), kind)
        for n in ["doors_us_160wpm.wav", "doors_us_110wpm.wav"]
    )
    return (
        f"{align(a.features, b.features)[2]:.2f}",
        f"{euclidean_matrix([a.features, b.features])[0, 1]:.2f}",
    )


def test_default_page_compares_the_samples_with_the_speech_embedding(app):
    assert app.title[0].value == "Audio Match"
    assert [t.label for t in app.tabs] == ["Compare clips", "Wake word"]
    assert len(app.multiselect(key="audio.samples").value) == 5
    assert not app.error
    assert app.radio(key="audio.kind").value == "embedding"
    assert any(c.value.startswith("Features in use: speech embedding") for c in app.caption)
    dtw, euclid = _expected_pair("embedding")
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["DTW distance"], metrics["Euclidean distance"]) == (dtw, euclid)
    assert float(dtw) < float(euclid)
    assert any("templates (speech embedding" in c.value for c in app.caption)
    charts = app.get("plotly_chart")
    assert len(charts) >= 12  # 5 waveforms, matrix, cost, alignment, versus, 3 wake charts


def test_wake_word_defaults_match_and_find(app):
    assert any(s.startswith("hey_marvin_6.wav: Match, distance") for s in texts(app.success))
    assert "**1 accepted, 0 rejected** (threshold 0.74)." in texts(app.markdown)
    assert "Found 1 time (threshold 0.79)." in texts(app.success)  # the stream threshold
    found = next(c.value for c in app.caption if c.value.startswith("1. "))
    start, end = (float(x) for x in found[3:].split(" s")[0].split("–"))
    assert start == pytest.approx(MANIFEST["long"]["wake_start"], abs=0.1)
    assert end == pytest.approx(MANIFEST["long"]["wake_end"], abs=0.1)
    # the chart's dots are the spans checked again: the one found at its listed distance
    chart = next(
        c.proto.spec for c in app.get("plotly_chart") if "moment by moment" in c.proto.spec
    )
    dots = {t["name"]: t for t in json.loads(chart)["data"] if t["mode"] == "markers"}
    distance = float(found.split("distance ")[1].split(" ")[0])
    assert dots["the wake word"]["y"] == pytest.approx([distance], abs=0.005)
    assert dots["the wake word"]["x"] == pytest.approx([end], abs=0.005)
    assert all(y > 0.79 for y in dots.get("checked, not the wake word", {"y": []})["y"])
    # the closest other speech is named, with its margin, and warned about
    assert any("Closest other speech: “hey Mar" in c.value for c in app.caption)
    assert any(w.startswith("Other speech wakes it: “hey Mar") for w in texts(app.warning))


def test_many_clips_are_tested_at_once(app):
    samples = app.multiselect(key="audio.wake.test_samples")
    samples.set_value(["hey_marvin_6.wav", "good_morning.wav", "room_us_160wpm.wav"]).run()
    assert "**1 accepted, 2 rejected** (threshold 0.74)." in texts(app.markdown)
    assert any(s.startswith("good_morning.wav: No match, distance") for s in texts(app.warning))
    # one row per clip, with the distance and margin each verdict box says
    table = app.dataframe[0].value
    assert list(table.columns) == [
        "Clip", "Verdict", "Distance", "Threshold", "Margin", "Nearest template"
    ]  # fmt: skip
    assert list(table["Clip"]) == ["hey_marvin_6.wav", "good_morning.wav", "room_us_160wpm.wav"]
    assert list(table["Verdict"]) == ["Match", "No match", "No match"]
    boxes = {s.split(":")[0]: s for s in texts(app.success) + texts(app.warning)}
    for row in table.itertuples():
        assert f"distance {row.Distance:.2f}, margin {row.Margin:+.2f}" in boxes[row.Clip]
        assert row.Margin == pytest.approx(row.Threshold - row.Distance)
        assert row.Threshold == pytest.approx(0.74, abs=0.005)
    assert [b.label for b in app.get("download_button")] == ["Results (CSV)", "Occurrences (CSV)"]
    # the chart places every tested clip, not only the first
    chart = next(c.proto.spec for c in app.get("plotly_chart") if "Match zone" in c.proto.spec)
    tested = next(t for t in json.loads(chart)["data"] if t["name"] == "tested clips (3)")
    assert tested["text"] == list(table["Clip"])
    assert tested["x"] == pytest.approx(list(table["Distance"]))
    assert not app.exception


def test_other_phrase_is_rejected_and_threshold_moves(app):
    app.multiselect(key="audio.wake.test_samples").set_value(["good_morning.wav"]).run()
    assert any(s.startswith("good_morning.wav: No match, distance") for s in texts(app.warning))
    app.multiselect(key="audio.wake.test_samples").set_value(["hey_marvin_6.wav"]).run()
    slider = next(s for s in app.slider if s.key.startswith("audio.wake.threshold."))
    slider.set_value(0.1).run()
    assert any(s.startswith("hey_marvin_6.wav: No match, distance") for s in texts(app.warning))
    # the slider moves Find's stream threshold (0.790 calibrated for these takes) as much: 0.150
    assert any(
        s.startswith("Not found: the closest stretch") and s.endswith("the threshold 0.15.")
        for s in texts(app.warning)
    )
    assert not app.exception


def test_mfcc_is_still_offered(app):
    app.radio(key="audio.kind").set_value("mfcc").run()
    metrics = {m.label: m.value for m in app.metric}
    assert (metrics["DTW distance"], metrics["Euclidean distance"]) == _expected_pair("mfcc")
    assert not app.exception and not app.error


def test_envelope_features_and_pair_choice(app):
    app.radio(key="audio.kind").set_value("envelope").run()
    app.selectbox(key="audio.pair_b").set_value("room_us_160wpm.wav").run()
    assert not app.exception and not app.error
    metrics = {m.label: m.value for m in app.metric}
    assert float(metrics["DTW distance"]) < 0.2


def test_too_few_clips_and_templates_say_what_to_do(app):
    app.multiselect(key="audio.samples").set_value(["doors_us_160wpm.wav"]).run()
    assert "Pick or add at least two clips to compare them." in texts(app.info)
    app.checkbox(key="audio.wake.use_samples").uncheck().run()
    assert "Enroll at least 3 recordings of the wake word (0 so far)." in texts(app.info)
    assert "Enroll the wake word first; your clips wait here." in texts(app.info)
    assert not app.exception


def test_widgets_have_help_and_namespaced_keys():
    app2 = AppTest.from_file(PAGE, default_timeout=180).run()
    widgets = [
        *app2.multiselect, *app2.radio, *app2.selectbox, *app2.checkbox, *app2.slider,
        *app2.button,
    ]  # fmt: skip
    assert widgets
    for w in widgets:
        assert w.help, w.label
        assert w.key.startswith("audio."), w.key
