"""``python -m dtwcore wake-eval DIR``: the several-voices protocol on a small folder of phrases
made from fsdd-dev (three digits, two speakers, as one folder per phrase)."""

from __future__ import annotations

import io
import json
import shutil

import numpy as np
import pytest
import soundfile as sf

from dtwcore.audio.features import FEATURES, SAMPLE_RATE, prepare, read_audio
from dtwcore.audio.wake import SHORT_SECONDS
from dtwcore.audio.wake_eval import GAP_SECONDS, OTHER_SOUNDS_NOTE, scan_phrases
from dtwcore.cli import main

from .conftest import ROOT

FSDD = ROOT / "data" / "fsdd-dev"
WORDS = {"0": "zero", "1": "one", "7": "seven"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("phrases")
    for digit, word in WORDS.items():
        (root / word).mkdir()
        for speaker in ("george", "lucas"):
            for k in range(4):
                shutil.copy(FSDD / f"{digit}_{speaker}_{k}.wav", root / word)
    (root / "notes").mkdir()  # no audio: not a phrase
    (root / "notes" / "readme.txt").write_text("not audio")
    return root


@pytest.fixture(scope="module")
def report(folder):
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["wake-eval", str(folder), "--enrolments", "3", "--stream-enrolments", "1"])
    assert code == 0
    return json.loads(out.getvalue())


def test_phrases_are_the_sub_folders_with_audio(folder):
    phrases = scan_phrases(folder)
    assert list(phrases) == ["one", "seven", "zero"]
    assert all(len(files) == 8 for files in phrases.values())


def test_the_report_has_the_figures_the_issue_names(report, folder):
    assert report["phrases"] == ["one", "seven", "zero"] and report["takes"] == 24
    assert report["threshold"] == FEATURES["embedding"].threshold
    assert report["stream_threshold"] == FEATURES["embedding"].stream_threshold == 0.79
    per = report["per_phrase"]
    for key in ("tar", "far", "far_at_95", "eer"):
        assert 0.0 <= report["mean"][key] <= 1.0
        assert report["mean"][key] == pytest.approx(np.mean([v[key] for v in per.values()]))
    assert all(v["positives"] == 3 and v["negatives"] == 16 for v in per.values())
    # each phrase's takes' mean length after trimming, and whether it is one short word
    for phrase, files in scan_phrases(folder).items():
        seconds = np.mean([prepare(read_audio(f)).sound.size for f in files]) / SAMPLE_RATE
        assert per[phrase]["take_seconds"] == pytest.approx(seconds)
        assert per[phrase]["short"] == (seconds < SHORT_SECONDS)
    assert [v["short"] for v in per.values()] == [True, False, False]
    # three clearly different words said by two real speakers: everything right
    assert report["mean"]["tar"] >= 0.85 and report["mean"]["far"] <= 0.05
    assert report["mean"]["eer"] <= 0.1


def test_the_stream_figures(report, folder):
    stream = report["stream"]
    assert stream["enrolments"] == 3
    assert 0.0 <= stream["hit_rate"] <= 1.0 and stream["hit_rate"] >= 0.6
    # negative hours: per enrolment, the stream less the phrase's own takes and gaps
    assert stream["negative_hours"] < 3 * stream["stream_hours"]
    assert stream["negative_hours"] > 3 * stream["stream_hours"] * 0.6
    assert stream["fa_per_hour"] == pytest.approx(
        stream["false_accepts"] / stream["negative_hours"]
    )
    assert stream["fa_per_hour_95_upper"] > stream["fa_per_hour"]
    assert GAP_SECONDS == 0.3
    # each enrolment's own stream threshold: the kind's, moved by its takes played backwards
    for v in stream["per_phrase"].values():
        (t,) = v["thresholds"]
        assert t != report["stream_threshold"] and abs(t - report["stream_threshold"]) < 0.1
    # the takes falsely accepted, by name: other phrases' takes, counted once over phrases
    named = {k for v in stream["per_phrase"].values() for k in v["false_accept_takes"]}
    assert stream["false_accept_takes"] == len(named)
    for phrase, v in stream["per_phrase"].items():
        assert sum(v["false_accept_takes"].values()) >= v["false_accepts"]
        assert all(not k.startswith(f"{phrase}/") for k in v["false_accept_takes"])


def test_progress_is_reported_for_every_stage(folder):
    """Each file read, each block of clip distances and each stream search is reported, in
    that order, with how many there are: a large folder takes minutes to hours."""
    from dtwcore.audio.wake_eval import COMPARING, READING, SEARCHING, wake_eval

    calls: list[tuple[str, int, int]] = []
    # two stream enrolments asked for, one made per phrase: three searches, not six
    report = wake_eval(
        folder, enrolments=1, stream_enrolments=2, progress=lambda *a: calls.append(a)
    )
    used = 3 * 5  # three phrases, five takes enrolled each, drawn without overlap
    assert calls == (
        [(READING, k, 24) for k in range(1, 25)]
        + [(COMPARING, k, used) for k in range(1, used + 1)]
        + [(SEARCHING, k, 3) for k in range(1, 4)]
    )
    assert report["stream"]["enrolments"] == 3


def test_the_figures_are_the_same_on_one_process_or_several(folder, capsys):
    """The stream searches run on a process per core; the report is the same on one."""
    from dtwcore.audio.wake_eval import wake_eval

    one, two = (
        wake_eval(folder, enrolments=2, stream_enrolments=2, seed=3, workers=n) for n in (1, 2)
    )
    for report in (one, two):
        report.pop("seconds")
    assert one == two and one["stream"]["enrolments"] == 6
    assert main(["wake-eval", str(folder), "--workers", "0"]) == 2
    assert (
        capsys.readouterr().err == "error: --workers must be a whole number of 1 or more, got 0\n"
    )


def test_the_main_figures_in_one_line():
    """What the command shows on a terminal when it is done (the report protocol's run at
    the defaults, as the README gives it)."""
    from dtwcore.audio.wake_eval import summary

    report = {
        "mean": {"tar": 0.970305, "far": 0.005122, "far_at_95": 0.00759, "eer": 0.006781},
        "stream": {"hit_rate": 0.948611, "fa_per_hour": 3.41432, "negative_hours": 7.90787},
    }
    assert summary(report) == (
        "clips: 97.0 % true accepts, 0.51 % false accepts (EER 0.68 %); streams: 94.9 % "
        "detected, 3.4 false accepts an hour in 7.9 negative hours"
    )
    assert summary({**report, "stream": None}) == (
        "clips: 97.0 % true accepts, 0.51 % false accepts (EER 0.68 %)"
    )


def test_the_command_shows_each_stage_and_the_time_it_has_left():
    """On a terminal: what is being done, how far, and (after two seconds of a stage, at
    its pace so far) the time left; a new stage starts its own clock."""
    from dtwcore.cli import wake
    from dtwcore.sales.results import Progress

    now = iter([100.0, 100.0, 101.0, 104.0, 110.0, 110.5])
    screen = io.StringIO()
    stages = wake._Stages(Progress(True, stream=screen), now=lambda: next(now))
    stages("reading takes", 1, 10)  # 0 s into the stage
    stages("reading takes", 2, 10)  # 1 s: too soon for a pace
    stages("reading takes", 4, 10)  # 4 s for 4 files: 6 s for the other 6
    stages("comparing clips", 1, 50)  # a new stage
    stages("comparing clips", 50, 50)
    lines = [line.rstrip() for line in screen.getvalue().split("\r")[1:]]
    assert lines == [
        "reading takes: 1 of 10",
        "reading takes: 2 of 10",
        "reading takes: 4 of 10, 0:00:06 left",
        "comparing clips: 1 of 50",
        "comparing clips: 50 of 50",
    ]


def test_the_takes_falsely_accepted_are_named(tmp_path, capsys):
    """A clipped "six" (0.22 s) that "eight" enrolments of the same speakers accept: every
    enrolment's false accept is the one take, named once over the phrases."""
    takes = {
        "eight": ["george_5", "george_11", "george_2", "jackson_0", "jackson_1", "jackson_14"],
        "six": ["george_19", "george_1", "george_4", "lucas_5", "jackson_8", "jackson_2"],
    }
    for word, names in takes.items():
        (tmp_path / word).mkdir()
        for name in names:
            shutil.copy(FSDD / f"{'8' if word == 'eight' else '6'}_{name}.wav", tmp_path / word)
    assert main(["wake-eval", str(tmp_path), "--enrolments", "2", "--stream-enrolments", "2"]) == 0
    stream = json.loads(capsys.readouterr().out)["stream"]
    assert stream["false_accepts"] == 2 and stream["false_accept_takes"] == 1
    assert stream["per_phrase"]["eight"]["false_accept_takes"] == {"six/6_george_19.wav": 2}
    assert stream["per_phrase"]["six"]["false_accept_takes"] == {}


def test_bad_folders_are_refused_in_words(tmp_path, capsys):
    assert main(["wake-eval", str(tmp_path / "missing")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    (tmp_path / "only").mkdir()
    shutil.copy(FSDD / "0_george_0.wav", tmp_path / "only")
    assert main(["wake-eval", str(tmp_path)]) == 2
    assert "two or more sub-folders" in capsys.readouterr().err


def test_the_mp3_decoders_own_messages_are_not_passed_on(tmp_path, capfd):
    """A damaged MP3 makes the decoder write lines of its own to the process's standard
    error ("Note: Illegal Audio-MPEG-Header …"); the command says only its own."""
    for digit, word in (("0", "zero"), ("1", "one")):
        (tmp_path / word).mkdir()
        for k in range(4):
            shutil.copy(FSDD / f"{digit}_george_{k}.wav", tmp_path / word)
    y, rate = sf.read(FSDD / "1_lucas_9.wav", dtype="float32")
    buf = io.BytesIO()
    sf.write(buf, y, rate, format="MP3")
    data = bytearray(buf.getvalue())
    third = len(data) // 3
    data[third : third + 200] = np.random.default_rng(0).integers(0, 256, 200, np.uint8).tobytes()
    (tmp_path / "one" / "damaged.mp3").write_bytes(bytes(data))
    argv = ["wake-eval", str(tmp_path), "--enroll", "3", "--enrolments", "1"]
    assert main([*argv, "--stream-enrolments", "0"]) == 0
    out, err = capfd.readouterr()
    assert json.loads(out)["takes"] == 9 and err == ""


def test_a_phrase_with_too_few_takes_is_other_speech_and_bad_files_are_named(tmp_path, capsys):
    for digit, word, per_speaker in (("0", "zero", 3), ("1", "one", 3), ("7", "seven", 1)):
        for speaker in ("george", "lucas"):
            # "zero" keeps each speaker's takes in a folder of their own
            into = tmp_path / word / (speaker if word == "zero" else "")
            into.mkdir(parents=True, exist_ok=True)
            for k in range(per_speaker):
                shutil.copy(FSDD / f"{digit}_{speaker}_{k}.wav", into)
    (tmp_path / "one" / "cut.wav").write_bytes((FSDD / "1_george_9.wav").read_bytes()[:3000])
    # what an archive made on a Mac carries besides the takes: passed over, not "left out"
    (tmp_path / "one" / "._cut.wav").write_bytes(b"Mac OS X resource fork")
    (tmp_path / "__MACOSX" / "one").mkdir(parents=True)
    (tmp_path / "__MACOSX" / "one" / "._1_george_0.wav").write_bytes(b"resource fork")
    argv = ["wake-eval", str(tmp_path), "--enroll", "3", "--enrolments", "1"]
    assert main([*argv, "--stream-enrolments", "0"]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert err.splitlines() == [
        "note: one/cut.wav left out: cut.wav is incomplete: the file ends before its audio "
        "does. Export or record it again.",
        "note: phrase seven not enrolled: only 2 usable takes, 4 needed (3 to enroll, the "
        "rest to test); its takes count as other speech only",
    ]
    assert list(report["per_phrase"]) == ["one", "zero"]
    assert report["phrases"] == ["one", "seven", "zero"]
    # the two takes of "seven" are among each enrolled phrase's negatives
    assert [v["negatives"] for v in report["per_phrase"].values()] == [6 + 2, 6 + 2]
    assert list(report["other_speech_only"]) == ["seven"] and report["takes"] == 14
    for word in ("one", "zero"):
        shutil.rmtree(tmp_path / word)
    (tmp_path / "two").mkdir()
    shutil.copy(FSDD / "2_george_0.wav", tmp_path / "two")
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        f"error: no phrase in {tmp_path} has 4 or more usable takes (3 to enroll, the rest "
        "to test); the most is 2 usable takes\n"
    )


def test_a_speech_commands_folder_opus_takes_and_background_noise(tmp_path, capsys):
    """Speech Commands keeps long noise recordings in ``_background_noise_`` beside the
    keyword folders, and crowd-sourced sets ship Opus: the noise is other speech only
    (named on stderr), never a phrase with figures; Opus takes are read like the rest."""
    for digit, word in (("0", "zero"), ("1", "one")):
        (tmp_path / word).mkdir()
        for k in range(4):
            y, rate = sf.read(FSDD / f"{digit}_george_{k}.wav", dtype="float32")
            if word == "one":  # an Opus file in an Ogg container, as such sets ship them
                sf.write(tmp_path / word / f"{k}.opus", y, rate, format="OGG", subtype="OPUS")
            else:
                sf.write(tmp_path / word / f"{k}.wav", y, rate)
    noise = tmp_path / "_background_noise_"
    noise.mkdir()
    (noise / "README.md").write_text("noise recordings")
    rng = np.random.default_rng(0)
    for name in ("white_noise.wav", "running_tap.wav"):
        sf.write(noise / name, 0.1 * rng.standard_normal(30 * 16_000).astype("float32"), 16_000)
    argv = ["wake-eval", str(tmp_path), "--enroll", "3", "--enrolments", "1"]
    assert main([*argv, "--stream-enrolments", "0"]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert err == f"note: phrase _background_noise_ not enrolled: {OTHER_SOUNDS_NOTE}\n"
    assert report["phrases"] == ["_background_noise_", "one", "zero"]
    assert list(report["per_phrase"]) == ["one", "zero"]
    assert report["takes"] == 10 and report["skipped"] == {}
    # each phrase's negatives: the other phrase's 4 takes and the 2 noise recordings
    assert [v["negatives"] for v in report["per_phrase"].values()] == [6, 6]
    assert report["mean"]["tar"] == 1.0
    # a folder of noise alone is no phrase to enroll
    for word in ("zero", "one"):
        shutil.rmtree(tmp_path / word)
    (tmp_path / "two").mkdir()
    for k in range(2):
        shutil.copy(FSDD / f"2_george_{k}.wav", tmp_path / "two")
    assert main(argv) == 2
    assert capsys.readouterr().err.endswith("the most is 2 usable takes\n")


def test_tune_wake_scores_stream_rules_as_find_holds_spans():
    """``scripts/tune_wake.py --streams``: a checked span is scored with the rule's
    templates, MFCC templates and weight, less the backwards weight x (the enrolment's
    backwards takes under the same score - 1); a span not checked keeps its coarse score;
    the figures count takes detected and false accepts per hour as Find finds them."""
    from dtwcore.audio.wake import Occurrence
    from scripts.tune_wake import COARSE_RULE, flat_candidates, rule_scores, stream_figures

    fine = np.array([0.5, 0.6, 0.7, 0.9, 1.0])
    mfcc = np.array([0.8, 1.0, 1.2, 1.2, 1.2])
    take = Occurrence(1.0, 2.0, 0.0, 0, np.full(5, 0.8), fine, mfcc)  # over take 0
    other = Occurrence(3.0, 4.0, 0.9, 0, np.full(5, 0.9))  # over take 1, not checked
    search = {
        "phrase": "p",
        "mine": np.array([0]),
        "rest": np.array([0]),
        "chunks": [[take], [other]],
        "hours": 0.5,
        "spans": np.array([[1.0, 2.0], [3.0, 4.0]]),
        "backwards_fine": np.full((5, 5), 1.2),  # every backwards take scores 1.2
        "backwards_mfcc": np.full((5, 5), 1.2),
    }
    (scores,) = rule_scores([search], (3, 1, 0.25, 0.0))
    assert scores == pytest.approx([(0.6 + 0.25 * 0.8) / 1.25, 0.9])
    assert rule_scores([search], (2, 3, 0.0, 0.0))[0][0] == pytest.approx(0.55)
    # backwards weight 0.5: threshold 0.5 x (1.2 - 1) = 0.1 looser, so every score 0.1 lower
    assert rule_scores([search], (3, 1, 0.25, 0.5))[0] == pytest.approx(scores - 0.1)
    assert rule_scores([search], None)[0] == pytest.approx([0.8, 0.9])  # coarse alone
    assert COARSE_RULE == (3, 0.75)
    flat = flat_candidates([search])
    assert flat[0]["false"].tolist() == [False, True]
    assert stream_figures([search], flat, ["p"], [scores], 0.7) == (1.0, 0.0)
    assert stream_figures([search], flat, ["p"], [scores], 0.95) == (1.0, 2.0)  # 1 in 0.5 h
    assert stream_figures([search], flat, ["p"], [scores], 0.5) == (0.0, 0.0)


def test_tune_wake_reads_the_stream_searches_back_from_its_cache(tmp_path, monkeypatch):
    """``--cache FILE``: the searches are written once and read back, not searched again."""
    import scripts.tune_wake as tune_wake
    from dtwcore.audio.wake import Occurrence

    def search(phrase: str, take: int) -> dict[str, object]:
        fine, mfcc = np.full(5, 0.5), np.full(5, 0.6)
        found = Occurrence(take + 1.0, take + 2.0, 0.0, 0, np.full(5, 0.5), fine, mfcc)
        return {
            "phrase": phrase,
            "mine": np.array([take]),
            "rest": np.array([take]),
            "chunks": [[found]],
            "hours": 1.0,
            "spans": np.array([[1.0, 2.0], [2.0, 3.0]]),
            "backwards_fine": np.full((5, 5), 1.0),
            "backwards_mfcc": np.full((5, 5), 1.0),
        }

    cache = tmp_path / "searches.json"
    tune_wake.save_searches([search("a", 0), search("b", 1)], str(cache))
    back = tune_wake.load_searches(str(cache))  # the same records, arrays and occurrences
    assert [s["phrase"] for s in back] == ["a", "b"]
    assert np.array_equal(back[1]["spans"], [[1.0, 2.0], [2.0, 3.0]])
    assert back[1]["chunks"][0][0].start_seconds == 2.0
    assert np.array_equal(back[1]["chunks"][0][0].mfcc_scores, np.full(5, 0.6))
    assert np.array_equal(back[1]["backwards_fine"], np.full((5, 5), 1.0))
    monkeypatch.setattr(tune_wake, "stream_searches", lambda *a, **k: pytest.fail("searched"))
    report = tune_wake.tune_streams("unused", "embedding", cache=str(cache))
    assert report["all"]["detected"] == 1.0 and report["all"]["fa_per_hour"] == 0.0
    assert [f["held_out"]["detected"] for f in report["folds"]] == [1.0, 1.0]
