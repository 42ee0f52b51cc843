"""dtwcore.audio.features and dtwcore.audio.wake: loading and its errors, features, distances,
detection and localisation on shipped clips."""

from __future__ import annotations

import io
import json
import struct
from dataclasses import replace
from pathlib import Path

import librosa
import numpy as np
import pytest
import soundfile as sf

from dtwcore.audio.containers import cut_off
from dtwcore.audio.embedding import (
    CHUNK_FRAMES,
    EMBED_HOP,
    EMBED_WINDOW,
    embed,
    embedding_session,
)
from dtwcore.audio.features import (
    FEATURES,
    HOP_SECONDS,
    MAX_CLIP_SECONDS,
    MAX_RECORDING_SECONDS,
    SAMPLE_RATE,
    AudioError,
    align,
    default_kind,
    distance_matrix,
    euclidean_matrix,
    feature_loudness_db,
    features,
    load_audio,
    prepare,
    read_audio,
    trim_silence,
)
from dtwcore.audio.negatives import negatives as bundled_negatives
from dtwcore.audio.wake import (
    BACKWARDS_WEIGHT,
    CHECK_MFCC_TEMPLATES,
    CHECK_SHIFTS,
    CHECK_TEMPLATES,
    CHECK_WEIGHT,
    NEAR_NEGATIVE,
    SCALE_QUANTILE,
    SHORT_SECONDS,
    SPLIT_PAUSE_SECONDS,
    STREAM_GATE,
    STREAM_TEMPLATES,
    VERIFY_MARGIN_SECONDS,
    _pieces,
    _verified,
    candidate_chunks,
    checked_score,
    closest_negative,
    detect,
    enroll,
    enroll_utterances,
    enrolment_warnings,
    equal_error_rate,
    find,
    frame_weights,
    occurrences,
    score_trace,
    standing,
    stream_score,
)
from dtwcore.plots import ACCENT_COLOR, OTHER_COLOR
from dtwcore.plots.audio import (
    alignment_figure,
    cost_path_figure,
    distance_matrix_figure,
    dtw_vs_euclidean_figure,
    profile_figure,
    score_figure,
    waveform_figure,
)

from .conftest import FSDD

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "audio"
MANIFEST = json.loads((ASSETS / "manifest.json").read_text())
DOORS = ["doors_us_160wpm.wav", "doors_us_110wpm.wav", "doors_gb_230wpm.wav"]
ROOM = "room_us_160wpm.wav"
ENROLL = [f"hey_marvin_{k}.wav" for k in range(1, 6)]


def wav_bytes(y: np.ndarray, rate: int = SAMPLE_RATE, fmt: str = "WAV", **kw: str) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, y, rate, format=fmt, **kw)
    return buf.getvalue()


def tone(seconds: float, rate: int = SAMPLE_RATE, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t) * np.hanning(t.size)).astype(np.float32)


@pytest.fixture(scope="module")
def wake():
    """'Hey Marvin' enrolled with the default features (the speech embedding)."""
    return enroll_utterances([prepare(read_audio(ASSETS / n)) for n in ENROLL])


@pytest.fixture(scope="module")
def wake_mfcc():
    return enroll_utterances([prepare(read_audio(ASSETS / n), "mfcc") for n in ENROLL])


# ----------------------------------------------------------------- loading, bad input
def test_reads_any_rate_and_channels_as_16k_mono():
    stereo = np.stack([tone(1.0, 44_100), tone(1.0, 44_100, 220.0)], axis=1)
    for fmt, subtype in [("WAV", "PCM_16"), ("FLAC", "PCM_16"), ("OGG", "VORBIS")]:
        clip = load_audio(wav_bytes(stereo, 44_100, fmt, subtype=subtype), f"x.{fmt}")
        assert clip.samples.ndim == 1 and clip.samples.dtype == np.float32
        assert clip.channels == 2 and clip.source_rate == 44_100
        assert clip.duration == pytest.approx(1.0, abs=0.01)
    mp3 = load_audio(wav_bytes(tone(1.0, 22_050), 22_050, "MP3"), "x.mp3")
    assert mp3.duration == pytest.approx(1.0, abs=0.1)


def test_long_clip_is_cut_and_says_so():
    clip = load_audio(wav_bytes(np.tile(tone(1.0), 12)), "long.wav")
    assert clip.duration == pytest.approx(MAX_CLIP_SECONDS)
    assert clip.notes == ("long.wav is longer than 10 s; only the first 10 s are used.",)
    assert load_audio(wav_bytes(tone(1.0)), "short.wav").notes == ()


def test_a_long_clip_is_cut_from_where_its_sound_starts():
    """10.5 s of silence, then "Hey Marvin": the word is kept, and the note says where
    the 10 s start: 0.1 s (LEAD_SECONDS) before the first 40 dB frame, at 10.488 s."""
    word = read_audio(ASSETS / "hey_marvin_1.wav").samples
    late = np.concatenate([np.zeros(168_000, np.float32), word])
    clip = load_audio(wav_bytes(late), "late.wav")
    assert clip.notes == (
        "late.wav is longer than 10 s; the 10 s from 10.39 s, just before the sound "
        "starts, are used.",
    )
    # the window starts at sample 166_208 = 167_808 - 1_600: 1_792 samples of silence
    assert clip.samples.shape == (1_792 + word.size,)
    np.testing.assert_array_equal(clip.samples[:1_792], 0.0)
    np.testing.assert_array_equal(clip.samples[1_792:], word)
    # a recording to search keeps the plain cut
    whole = load_audio(wav_bytes(late), "late.wav", max_seconds=MAX_RECORDING_SECONDS)
    assert whole.notes == () and whole.samples.shape == (late.size,)


def _knock(before: np.ndarray, millis: float = 2.5) -> np.ndarray:
    """0.3 s holding a knock at 0.9 (0.1 s in, ``millis`` long), then ``before``."""
    lead = np.zeros(4_800, np.float32)
    n = int(millis * 16)
    lead[1_600 : 1_600 + n] = 0.9 * np.hanning(n)
    return np.concatenate([lead, before])


@pytest.mark.parametrize("millis", [1.0, 2.5, 10.0])
def test_a_knock_before_quiet_speech_neither_cuts_it_nor_silences_it(wake, millis):
    """A tap on the microphone 30 dB louder than the take after it: the take was refused
    as "almost no sound" (25 dB: cut short at 0.67 s of its 1.0 s), the trim measured
    against the tap. Now the tap is left out and the take matches as it does alone."""
    word = read_audio(ASSETS / "hey_marvin_6.wav").samples
    quiet = (word / np.abs(word).max() * 0.9 * 10 ** (-30 / 20)).astype(np.float32)
    a, b = trim_silence(quiet)
    clip = load_audio(wav_bytes(_knock(quiet, millis)), "knock.wav")
    start, end = trim_silence(clip.samples)
    assert 4_800 <= start <= 4_800 + a and end >= 4_800 + b  # the take, not the tap
    hit = detect(wake, prepare(clip).features)
    assert hit.is_match and hit.margin > 0.3  # 0.33 against 0.74 (0.37 without the tap)


def test_a_knock_in_background_noise_is_still_almost_no_sound():
    """Hiss is not taken for sound because a knock stands over it."""
    hiss = np.random.default_rng(0).normal(0, 1e-3, 20_800).astype(np.float32)
    with pytest.raises(AudioError, match="^knock.wav has almost no sound"):
        load_audio(wav_bytes(_knock(np.zeros(16_000, np.float32)) + hiss), "knock.wav")


def _truncated_flac() -> bytes:
    data = wav_bytes(tone(1.0), fmt="FLAC")
    return data[: len(data) // 2]


BAD = [
    ("empty", lambda: b"", "a.wav is empty (0 bytes). Choose a file that contains a recording."),
    (
        "text",
        lambda: b"these are my notes, not a recording\n" * 20,
        "a.wav is not an audio file that can be read. Use WAV, FLAC, OGG, Opus or MP3.",
    ),
    (  # an iPhone voice memo's first box, then its (here empty) AAC data
        "m4a",
        lambda: b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A mp42isom" + bytes(2000),
        "a.wav is AAC audio in an MPEG-4 file (.m4a, .mp4: voice memos, phone recorders), "
        "which cannot be read here. Convert it to WAV, FLAC, OGG, Opus or MP3 first (most recorder "
        "apps can share or export a recording as WAV).",
    ),
    (
        "webm",
        lambda: b"\x1aE\xdf\xa3\x9fB\x86\x81\x01B\xf7\x81\x01webm" + bytes(2000),
        "a.wav is a WebM or Matroska file (.webm, .mka: browser and screen recorders), which "
        "cannot be read here. Convert it to WAV, FLAC, OGG, Opus or MP3 first (most recorder apps "
        "can share or export a recording as WAV).",
    ),
    (
        "truncated wav",
        lambda: wav_bytes(tone(1.0))[:20_000],
        "a.wav is incomplete: the file ends before its audio does. Export or record it again.",
    ),
    (
        "truncated flac",
        _truncated_flac,
        "a.wav is damaged or incomplete and cannot be decoded. Export or record it again.",
    ),
    (
        "truncated ogg",
        lambda: wav_bytes(tone(1.0), fmt="OGG", subtype="VORBIS")[:3000],
        "a.wav is damaged or incomplete and cannot be decoded. Export or record it again.",
    ),
    (
        "truncated mp3",
        lambda: wav_bytes(tone(2.0), fmt="MP3")[:1000],
        "a.wav is incomplete: the file ends before its audio does. Export or record it again.",
    ),
    (
        "header only",
        lambda: wav_bytes(tone(1.0))[:30],
        "a.wav is damaged or incomplete and cannot be decoded. Export or record it again.",
    ),
    (
        "no samples",
        lambda: wav_bytes(np.zeros(0, dtype=np.float32)),
        "a.wav contains no audio samples.",
    ),
    (
        "silence",
        lambda: wav_bytes(np.zeros(SAMPLE_RATE, dtype=np.float32)),
        "a.wav is silent: it contains no sound. Record it again, closer.",
    ),
    (
        "click",
        lambda: wav_bytes(np.r_[np.zeros(8000), tone(0.02), np.zeros(8000)].astype(np.float32)),
        "a.wav has almost no sound (less than 0.05 s above the background). Record it again.",
    ),
    (
        "low rate",
        lambda: wav_bytes(tone(1.0, 4000), 4000),
        "a.wav has a sample rate of 4000 Hz; at least 8000 Hz is needed for speech. "
        "Record or export it at a higher rate.",
    ),
    (
        "nan",
        lambda: wav_bytes(np.r_[tone(0.5), [np.nan]].astype(np.float32), subtype="FLOAT"),
        "a.wav is damaged: it contains invalid sample values.",
    ),
    (
        "too big",
        lambda: b"RIFF" + bytes(51 * 1024 * 1024),
        "a.wav is 51 MB; files up to 50 MB are accepted. Use a shorter recording, or save it "
        "as OGG or MP3 (a tenth of a WAV's size) or FLAC (about half).",
    ),
    (
        "too big, not WAV",
        lambda: b"fLaC" + bytes(51 * 1024 * 1024),
        "a.wav is 51 MB; files up to 50 MB are accepted. Use a shorter recording.",
    ),
]


@pytest.mark.parametrize(("make", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_gets_a_plain_message(make, message):
    with pytest.raises(AudioError) as info:
        load_audio(make(), "a.wav")
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


def test_names_are_never_paths():
    with pytest.raises(TypeError):
        load_audio(str(ASSETS / ENROLL[0]), "x")  # type: ignore[arg-type]


# ----------------------------------------------------------------- features, distances
def test_features_shapes_and_normalisation():
    utt = prepare(read_audio(ASSETS / DOORS[0]), "mfcc")
    frames = 1 + (utt.end - utt.start) // 160
    assert utt.features.shape == (frames, 26)
    static = utt.features[:, :13]
    np.testing.assert_allclose(static.mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(static.std(axis=0), 1.0, atol=1e-6)
    env = prepare(read_audio(ASSETS / DOORS[0]), "envelope").features
    assert env.shape == (frames, 1) and env.max() == pytest.approx(1.0)
    # leading/trailing silence is trimmed: padding the clip does not change the features
    padded = np.r_[np.zeros(8000, np.float32), utt.clip.samples, np.zeros(8000, np.float32)]
    again = prepare(load_audio(wav_bytes(padded), "padded.wav"), "mfcc")
    assert abs(again.features.shape[0] - frames) <= 2
    with pytest.raises(ValueError, match="unknown feature kind"):
        features(utt.sound, "raw")  # type: ignore[arg-type]


def test_long_signals_are_embedded_piece_by_piece_with_the_same_frames():
    """Pieces of CHUNK_FRAMES frames (memory stays flat for a ten-minute recording) give
    exactly the frames of one model run over the whole signal, for every shift."""
    y = np.random.default_rng(0).normal(0, 0.1, 16_000 * 65).astype(np.float32)
    whole = embedding_session().run(None, {"samples:0": y[None]})[0][0, :, 0, :]
    assert whole.shape[0] > 2 * CHUNK_FRAMES
    assert np.array_equal(embed(y), whole.astype(np.float64))
    fine = embed(y[: 16_000 * 40], shifts=4)
    step = EMBED_HOP // 4
    for k in range(4):
        row = y[k * step : k * step + 16_000 * 40 - 3 * step]
        alone = embedding_session().run(None, {"samples:0": row[None]})[0][0, :, 0, :]
        assert np.array_equal(fine[k::4], alone.astype(np.float64))


def test_embedding_is_the_default_with_unit_frames_every_40_ms():
    assert default_kind() == "embedding"
    settings = FEATURES["embedding"]
    utt = prepare(read_audio(ASSETS / DOORS[0]))
    assert utt.kind == "embedding" and utt.hop_seconds == settings.hop_seconds
    # the trimmed sound plus its padding, in model windows of 0.775 s every 80 ms
    padded = utt.end - utt.start + 2 * round(settings.pad_seconds * SAMPLE_RATE)
    step = EMBED_HOP // settings.shifts
    n = padded - (settings.shifts - 1) * step
    assert utt.features.shape == (settings.shifts * (1 + (n - EMBED_WINDOW) // EMBED_HOP), 96)
    np.testing.assert_allclose(np.linalg.norm(utt.features, axis=1), 1.0, atol=1e-9)
    # a clip far shorter than the model's window still gives frames
    short = prepare(load_audio(wav_bytes(tone(0.12)), "short.wav"))
    assert short.features.shape[0] >= 2 and np.isfinite(short.features).all()
    loud = feature_loudness_db(utt)
    assert loud.shape == (utt.features.shape[0],) and loud.max() > -3 and loud.min() == -60


@pytest.fixture(scope="module")
def sentences():
    return {n: prepare(read_audio(ASSETS / n)) for n in [*DOORS, ROOM]}


def test_same_sentence_at_other_rates_is_closer_than_another_sentence(sentences):
    names = [*DOORS, ROOM]
    D = distance_matrix([sentences[n].features for n in names])
    assert np.allclose(D, D.T) and np.allclose(np.diag(D), 0)
    room = names.index(ROOM)
    for i in range(len(DOORS)):
        others = [D[i, j] for j in range(len(DOORS)) if j != i]
        assert max(others) < D[i, room], (names[i], others, D[i, room])
    # the slow and normal renditions are far closer than either is to the other sentence
    # (speech embedding: 0.46 against 0.89)
    assert D[0, 1] < 0.6 * D[0, room]


def test_dtw_beats_euclidean_on_a_rate_change():
    """On 10 ms MFCC frames (each embedding frame sees 0.775 s, which blurs timing)."""
    feats = [prepare(read_audio(ASSETS / n), "mfcc").features for n in [DOORS[0], DOORS[1], ROOM]]
    D, E = distance_matrix(feats), euclidean_matrix(feats)
    assert D[0, 1] < 0.5 * E[0, 1]
    # DTW separates the two sentences by a larger factor than Euclidean does
    assert D[0, 2] / D[0, 1] > 1.5 * E[0, 2] / E[0, 1]
    np.testing.assert_allclose(np.diag(E), 0.0)


def test_align_matches_the_matrix(sentences):
    a, b = sentences[DOORS[0]].features, sentences[DOORS[2]].features
    path, cost, dist = align(a, b)
    assert cost.shape == (a.shape[0], b.shape[0])
    assert tuple(path[0]) == (0, 0) and tuple(path[-1]) == (a.shape[0] - 1, b.shape[0] - 1)
    assert dist == pytest.approx(distance_matrix([a], [b])[0, 0])


# ----------------------------------------------------------------- wake word
def test_enrollment_calibrates_a_threshold(wake):
    assert len(wake.templates) == 5 and wake.loo.shape == (5,)
    assert wake.kind == "embedding" and len(wake.sounds) == 5
    assert wake.threshold == FEATURES["embedding"].threshold
    # each template is scaled by a low quantile of its distances to the bundled negatives
    from dtwcore.audio.negatives import negatives

    bundled = negatives("embedding")
    assert wake.negatives.shape == (len(bundled.features),) == (len(wake.negative_names),)
    raw = distance_matrix(list(bundled.features), list(wake.templates), length_norm="max")
    np.testing.assert_allclose(wake.scales, np.quantile(raw, SCALE_QUANTILE, axis=0))
    np.testing.assert_allclose(wake.negatives, (raw / wake.scales).min(axis=1))
    # the page can say which other speech comes closest: a near miss, accepted (0.43)
    name, score = closest_negative(wake)
    assert score == wake.negatives.min() < wake.threshold and name.startswith("hey Martin")
    accepted = [
        n for n, v in zip(wake.negative_names, wake.negatives, strict=True) if v <= wake.threshold
    ]
    assert accepted and all(n.startswith("hey Mar") for n in accepted)  # the rest rejected
    with pytest.raises(AudioError, match="at least 3 recordings"):
        enroll(list(wake.templates[:2]), kind="embedding")


def test_the_same_recording_enrolled_three_times_is_refused_in_words(wake):
    with pytest.raises(AudioError, match="all the same recording"):
        enroll([wake.templates[0]] * 3, kind="embedding")
    # two copies and one other recording still calibrate (and the threshold is above 0)
    twice = enroll([wake.templates[0], wake.templates[0], wake.templates[1]], kind="embedding")
    assert twice.threshold > 0


def test_a_clip_of_another_kind_is_refused(wake, wake_mfcc):
    mfcc = prepare(read_audio(ASSETS / "hey_marvin_6.wav"), "mfcc").features
    with pytest.raises(ValueError, match="prepare the clip with kind 'embedding'"):
        detect(wake, mfcc)
    assert wake_mfcc.kind == "mfcc" and detect(wake_mfcc, mfcc).is_match


def test_detection_on_sample_clips(wake):
    hit = detect(wake, prepare(read_audio(ASSETS / "hey_marvin_6.wav")).features)
    assert hit.is_match and hit.margin > 0.15  # 0.28 against a threshold of 0.52
    for other in ["good_morning.wav", ROOM, DOORS[0]]:
        miss = detect(wake, prepare(read_audio(ASSETS / other)).features)
        assert not miss.is_match and miss.margin < 0, other
    strict = detect(wake, prepare(read_audio(ASSETS / "hey_marvin_6.wav")).features, 0.1)
    assert not strict.is_match and strict.threshold == 0.1


def _concat(*names: str, gap: float = 0.5) -> tuple[np.ndarray, dict[str, tuple[float, float]]]:
    """Clips joined with silence and faint noise; where each one's sound lies (seconds)."""
    rng = np.random.default_rng(0)
    parts, spans, t = [], {}, 0.0
    silence = np.zeros(int(gap * SAMPLE_RATE), np.float32)
    for name in names:
        utt = prepare(read_audio(ASSETS / name))
        parts += [silence, utt.clip.samples]
        t += gap
        spans[name] = (t + utt.start / SAMPLE_RATE, t + utt.end / SAMPLE_RATE)
        t += utt.clip.duration
    y = np.concatenate([*parts, silence])
    return (y + rng.normal(0, 2e-3, y.size)).astype(np.float32), spans


@pytest.mark.parametrize("middle", [0, 1, 2])
def test_find_locates_the_wake_word_in_a_concatenation(wake, middle):
    others = ["good_morning.wav", ROOM]
    names = others[:middle] + ["hey_marvin_6.wav"] + others[middle:]
    y, spans = _concat(*names)
    hit = find(wake, y)
    true_start, true_end = spans["hey_marvin_6.wav"]
    assert hit.is_match
    assert hit.start_seconds == pytest.approx(true_start, abs=0.1)
    assert hit.end_seconds == pytest.approx(true_end, abs=0.1)
    assert hit.hop_seconds == FEATURES["embedding"].hop_seconds
    assert hit.profile.shape == (features(y, "embedding").shape[0],)


def test_find_reports_no_match_without_the_wake_word(wake):
    y, _ = _concat("good_morning.wav", ROOM)
    assert not find(wake, y).is_match


@pytest.mark.parametrize("kind", ["embedding", "mfcc"])
def test_find_in_the_shipped_long_recording(wake, wake_mfcc, kind):
    clip = read_audio(ASSETS / MANIFEST["long"]["file"], max_seconds=60)
    hit = find(wake if kind == "embedding" else wake_mfcc, clip.samples)
    assert hit.is_match
    # embedding: 2.60-3.40 s found against 2.624-3.373 s (40 ms frames refined on 10 ms)
    assert hit.start_seconds == pytest.approx(MANIFEST["long"]["wake_start"], abs=0.1)
    assert hit.end_seconds == pytest.approx(MANIFEST["long"]["wake_end"], abs=0.1)
    # the profile's lowest point is drawn where that match ends
    assert hit.times.shape == hit.profile.shape
    assert hit.times[np.argmin(hit.profile)] == pytest.approx(hit.end_seconds, abs=0.3)


def test_equal_error_rate():
    assert equal_error_rate(np.array([1.0, 2.0]), np.array([3.0, 4.0]))[0] == 0.0
    eer, _ = equal_error_rate(np.array([1.0, 2.0, 5.0, 6.0]), np.array([3.0, 4.0, 7.0, 8.0]))
    assert eer == pytest.approx(0.5)
    with pytest.raises(ValueError):
        equal_error_rate(np.array([]), np.array([1.0]))


# ----------------------------------------------------------------- figures
def test_figures_have_units_and_colours(sentences, wake):
    a, b = sentences[DOORS[0]], sentences[DOORS[1]]
    path, cost, _ = align(a.features, b.features)
    fig = waveform_figure(a.clip.samples, SAMPLE_RATE, title="x", spans=[(0.5, 1.0)])
    assert fig.layout.xaxis.title.text == "time (s)"
    assert [x.text for x in fig.layout.annotations if x.text.endswith("match")] == ["match"]
    fig = waveform_figure(a.clip.samples, SAMPLE_RATE, title="x", spans=[(0.5, 1.0), (2, 3)])
    assert [(r.x0, r.x1) for r in fig.layout.shapes] == [(0.5, 1.0), (2, 3)]
    assert [x.text for x in fig.layout.annotations if x.text.endswith("match")] == [
        "1. match",
        "2. match",
    ]
    many = [(k, k + 0.5) for k in range(6)]  # more would crowd: the numbers alone
    fig = waveform_figure(a.clip.samples, SAMPLE_RATE, title="x", spans=many)
    assert [x.text for x in fig.layout.annotations] == ["1", "2", "3", "4", "5", "6"]
    assert len(fig.data[0].x) <= 2000
    fig = cost_path_figure(cost, path, "a", "b", hop_seconds=a.hop_seconds)
    assert fig.layout.xaxis.title.text == "B: b (frames of 40 ms)"
    assert fig.layout.yaxis.title.text == "A: a (frames of 40 ms)"
    assert [t.name for t in fig.data[1:]] == ["no shift", "warping path"]
    assert fig.data[2].line.color == "#ff7f0e"
    env_a = np.linspace(-40, 0, a.features.shape[0])
    env_b = np.linspace(-40, 0, b.features.shape[0])
    fig = alignment_figure(env_a, env_b, path, "a", "b", hop_seconds=HOP_SECONDS)
    assert fig.layout.xaxis.title.text == "time (s)"
    D = distance_matrix([a.features, b.features])
    assert distance_matrix_figure(D, ["a", "b"], title="t").data[0].z.shape == (2, 2)
    fig = dtw_vs_euclidean_figure(["b"], np.array([0.5]), np.array([1.5]), "a")
    assert [t.name for t in fig.data] == ["no warping (even stretch)", "DTW"]
    fig = score_figure(wake.loo, wake.threshold, names=wake.names, tested=[("t", 1.0)])
    assert fig.layout.xaxis.title.text == "distance to the nearest template"
    fig = profile_figure(np.ones(50), 1.2, hop_seconds=HOP_SECONDS)
    assert fig.layout.xaxis.title.text == "end of the candidate span (s)"
    assert [t.name for t in fig.data] == ["first search"] and not fig.layout.showlegend
    checked = [(0.3, 0.9), (0.2, 1.2), (0.4, 1.3)]
    fig = profile_figure(np.ones(50), 1.2, hop_seconds=HOP_SECONDS, checked=checked)
    found, other = fig.data[1:]
    assert (found.name, found.x, found.y) == ("the wake word", (0.3, 0.2), (0.9, 1.2))
    assert (other.name, other.x, other.y) == ("checked, not the wake word", (0.4,), (1.3,))
    assert (found.marker.color, other.marker.color) == (ACCENT_COLOR, OTHER_COLOR)
    assert fig.layout.showlegend
    # matches ending inside the silence padded before the recording are not drawn
    times = np.array([-0.2, -0.1, 0.0, 0.1])
    fig = profile_figure(np.arange(4.0), 1.2, hop_seconds=HOP_SECONDS, times=times)
    assert list(fig.data[0].x) == [0.0, 0.1] and list(fig.data[0].y) == [2.0, 3.0]


def test_stream_occurrences_fire_once_per_wake_word_and_nowhere_else(wake):
    """What a live listener and Find do on a stream, in chunks: candidate spans scored as
    clips, those under the gate checked again on finer detail and held to the stream
    threshold. "Hey Marvin" twice among other sentences: each found where it is said,
    nothing elsewhere."""
    names = ["good_morning.wav", "hey_marvin_6.wav", ROOM, "hey_marvin_6.wav", DOORS[0]]
    y, _ = _concat(*names)
    spans, t = [], 0.5
    for name in names:  # _concat's layout: 0.5 s gap, then the clip
        utt = prepare(read_audio(ASSETS / name))
        if name == "hey_marvin_6.wav":
            spans.append((t + utt.start / SAMPLE_RATE, t + utt.end / SAMPLE_RATE))
        t += utt.clip.duration + 0.5
    trace = score_trace(wake, y, chunk_seconds=2.5)  # phrases cross chunk borders
    assert np.all(np.diff(trace.times) >= 0) and trace.times.shape == trace.distances.shape
    found = occurrences(wake, y, chunk_seconds=2.5)
    assert len(found) == len(spans), found
    for o, (start, end) in zip(found, spans, strict=True):
        assert o.start_seconds == pytest.approx(start, abs=0.15)
        assert o.end_seconds == pytest.approx(end, abs=0.15)
        assert o.distance <= wake.stream_threshold
        assert o.coarse == pytest.approx(np.mean(np.sort(o.scores)[:STREAM_TEMPLATES]))
        assert o.coarse < STREAM_GATE and o.fine_scores.shape == o.mfcc_scores.shape == (5,)
        assert o.distance == pytest.approx(float(checked_score(o.fine_scores, o.mfcc_scores)))
        assert o.template == int(np.argmin(o.scores))
    # the stream score of a found span is the clip's own, give or take the cut
    utt = prepare(read_audio(ASSETS / "hey_marvin_6.wav"))
    clip = wake.scores([utt.features])[0]
    assert found[0].coarse == pytest.approx(float(stream_score(clip)), abs=0.05)
    checked = float(checked_score(*wake.check_scores(utt.sound)))
    assert found[0].distance == pytest.approx(checked, abs=0.05)
    # the coarse score is the mean of the three smallest: stricter than the clip's own
    assert float(stream_score(clip)) > clip.min()


def test_a_span_placed_late_is_cut_out_whole(wake):
    """The search places a span on 80 ms frames, often a little inside the phrase: the
    cut reaches VERIFY_MARGIN_SECONDS either side, is trimmed, widened as much again and
    trimmed again, so a span 0.15 s short at each end is found whole."""
    y, spans = _concat(ROOM, "hey_marvin_6.wav", gap=0.3)
    start, end = spans["hey_marvin_6.wav"]
    assert VERIFY_MARGIN_SECONDS == 0.1
    (late,) = _verified(wake, y, [(start + 0.15, end - 0.15, 0.5)])
    (placed,) = _verified(wake, y, [(start, end, 0.5)])
    assert late.start_seconds == pytest.approx(start, abs=0.03)
    assert late.end_seconds == pytest.approx(end, abs=0.03)
    assert late.distance == pytest.approx(placed.distance, abs=0.01)


def test_a_span_reaching_back_across_a_pause_is_scored_without_what_came_before(wake):
    """A take said faster than the templates is matched by a span starting in the words
    before it, across the pause (0.3 s here): the span is also scored on either side of
    its longest pause of SPLIT_PAUSE_SECONDS or more, and the wake word keeps its score."""
    y, spans = _concat(ROOM, "hey_marvin_6.wav", gap=0.3)
    start, end = spans["hey_marvin_6.wav"]
    room_end = spans[ROOM][1]
    assert SPLIT_PAUSE_SECONDS == 0.25 and start - room_end == pytest.approx(0.3, abs=0.05)
    (placed,) = _verified(wake, y, [(start, end, 0.5)])
    (early,) = _verified(wake, y, [(room_end - 0.5, end, 0.5)])
    assert early.start_seconds == pytest.approx(start, abs=0.03)
    assert early.end_seconds == pytest.approx(end, abs=0.03)
    assert early.distance == pytest.approx(placed.distance, abs=0.01)
    burst = (tone(0.4) + tone(0.4, freq=900)).astype(np.float32)
    pause = np.zeros(round(0.3 * SAMPLE_RATE), np.float32)
    x = np.concatenate([burst, pause, burst])
    pieces = _pieces(x, 0, x.size, 40.0)
    assert len(pieces) == 3 and pieces[0] == (0, x.size)
    assert pieces[1][1] / SAMPLE_RATE == pytest.approx(0.4, abs=0.03)
    assert pieces[2][0] / SAMPLE_RATE == pytest.approx(0.7, abs=0.03)
    short = np.concatenate([burst, pause[: round(0.2 * SAMPLE_RATE)], burst])
    assert _pieces(short, 0, short.size, 40.0) == [(0, short.size)]


def test_find_keeps_each_saying_of_the_phrase_in_its_own_span(wake):
    """Said three times half a second apart (the browser test's recording): refining a
    span on 10 ms frames does not move it onto the next saying."""
    marvin = read_audio(ASSETS / "hey_marvin_6.wav").samples
    other = read_audio(ASSETS / "good_morning.wav").samples
    pause = np.zeros(SAMPLE_RATE // 2, np.float32)
    y = np.concatenate([pause, marvin, pause, other, pause, marvin, pause, marvin, pause])
    step = (marvin.size + pause.size) / SAMPLE_RATE
    starts = [0.5, 0.5 + step + (other.size + pause.size) / SAMPLE_RATE]
    starts.append(starts[1] + step)
    found = find(wake, y).found
    assert len(found) == 3
    for o, start in zip(found, starts, strict=True):
        assert o.start_seconds == pytest.approx(start, abs=0.15)
        assert o.end_seconds - o.start_seconds == pytest.approx(marvin.size / SAMPLE_RATE, abs=0.3)


def test_candidate_chunks_are_what_occurrences_choose_from(wake):
    y, _ = _concat("good_morning.wav", "hey_marvin_6.wav", ROOM, "hey_marvin_6.wav")
    chunks = list(candidate_chunks(wake, y, chunk_seconds=2.5))
    assert len(chunks) == int(np.ceil(y.shape[0] / SAMPLE_RATE / 2.5))
    spans = [o for chunk in chunks for o in chunk]
    kept = [o for o in spans if o.distance <= wake.stream_threshold]
    found = occurrences(wake, y, chunk_seconds=2.5)
    assert [(o.start_seconds, o.distance) for o in found] == [
        (o.start_seconds, o.distance) for o in kept
    ]
    assert len(found) == 2 and len(spans) > len(found)  # the gate lets more through


def test_the_stream_rule_is_the_mean_of_the_three_closest_templates():
    scores = np.array([[0.9, 0.5, 0.7, 0.6, 1.2], [0.2, 0.9, 0.9, 0.9, 0.9]])
    assert stream_score(scores) == pytest.approx([0.6, 2.0 / 3.0])
    assert stream_score(np.array([0.3, 0.6])) == pytest.approx(0.45)  # fewer templates
    assert stream_score(scores, 1) == pytest.approx([0.5, 0.2])


def test_a_checked_span_weighs_its_10ms_and_mfcc_scores():
    fine = np.array([0.9, 0.5, 0.7, 0.6, 1.2])  # mean of the four smallest: 0.675
    mfcc = np.array([1.1, 0.8, 0.9, 1.0, 1.3])  # the closest: 0.8
    assert float(checked_score(fine, mfcc)) == pytest.approx((0.675 + 0.125 * 0.8) / 1.125)
    assert float(checked_score(fine, mfcc, templates=3)) == pytest.approx((0.6 + 0.1) / 1.125)
    assert float(checked_score(fine, mfcc, weight=0.0)) == pytest.approx(0.675)
    assert float(checked_score(fine, mfcc, templates=1, mfcc_templates=3)) == pytest.approx(
        (0.5 + 0.125 * 0.9) / 1.125
    )
    rule = (CHECK_TEMPLATES, CHECK_MFCC_TEMPLATES, CHECK_WEIGHT, BACKWARDS_WEIGHT)
    assert (*rule, FEATURES["embedding"].stream_threshold) == (4, 1, 0.125, 0.25, 0.79)
    assert STREAM_TEMPLATES == 3  # the coarse score, which decides what is checked


def test_only_the_embedding_with_sounds_is_checked(wake, wake_mfcc):
    assert len(wake.fine_templates) == len(wake.mfcc_templates) == wake.fine_scales.size == 5
    # 10 ms frames: four times as many as the 40 ms templates, give or take the padding
    assert wake.fine_templates[0].shape[0] == pytest.approx(4 * wake.templates[0].shape[0], rel=0.1)
    assert "10 ms" in wake.stream_rule and "MFCC" in wake.stream_rule
    assert wake_mfcc.fine_templates == () and wake_mfcc.stream_rule == (
        "the mean of its 3 closest templates' scores"
    )
    with pytest.raises(ValueError, match="only an embedding wake word"):
        wake_mfcc.check_scores(np.zeros(SAMPLE_RATE, np.float32))


def test_template_frames_count_by_how_far_they_are_from_other_speech(wake):
    """Each 10 ms template frame weighs its squared distance to the nearest frame of the
    bundled negatives; a span's check scores are its weighted distances to the templates
    over each template's weighted distances to the negatives."""
    fine = replace(wake.settings, shifts=CHECK_SHIFTS)
    negs = list(bundled_negatives(fine).features)
    pool = np.concatenate(negs)
    t = wake.fine_templates[0]
    nearest = np.array([((pool - frame) ** 2).sum(axis=1).min() for frame in t])
    np.testing.assert_allclose(wake.fine_weights[0], nearest, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(frame_weights(negs[4][:5], fine), 0.0, atol=1e-9)
    assert [w.shape for w in wake.fine_weights] == [(len(t),) for t in wake.fine_templates]
    opts = {"stretch": fine.stretch, "length_norm": fine.length_norm}
    templates, weights = list(wake.fine_templates), wake.fine_weights
    N = distance_matrix(negs, templates, weights=weights, **opts)
    scales = np.quantile(N, SCALE_QUANTILE, axis=0)
    np.testing.assert_allclose(wake.fine_scales, scales, rtol=1e-12)
    span = wake.sounds[1]
    got, _ = wake.check_scores(span)
    D = distance_matrix([features(span, fine)], templates, weights=weights, **opts)[0]
    np.testing.assert_allclose(got, D / scales, rtol=1e-12)
    plain = distance_matrix([features(span, fine)], templates, **opts)[0]
    assert not np.allclose(D, plain)  # the weights change the distances


def test_the_stream_threshold_moves_with_the_takes_played_backwards(wake, wake_mfcc):
    """Each take's sound reversed is scored as a checked span against every template; the
    stream threshold is the kind's plus BACKWARDS_WEIGHT x (their mean score - 1)."""
    for i, sound in enumerate(wake.sounds):
        fine, mfcc = wake.check_scores(np.ascontiguousarray(sound[::-1]))
        assert np.array_equal(wake.backwards_fine[i], fine)
        assert np.array_equal(wake.backwards_mfcc[i], mfcc)
        assert wake.backwards[i] == pytest.approx(float(checked_score(fine, mfcc)))
    mean = float(np.mean(wake.backwards))
    base = FEATURES["embedding"].stream_threshold
    assert wake.stream_threshold == pytest.approx(base + 0.25 * (mean - 1.0))
    # backwards "Hey Marvin" by the same voices comes about as close as the closer fifth of
    # other speech (1.00): the threshold hardly moves
    assert mean == pytest.approx(1.0, abs=0.01)
    assert wake.stream_threshold == pytest.approx(base, abs=0.003)
    assert wake_mfcc.backwards_fine.size == 0
    assert wake_mfcc.stream_threshold == FEATURES["mfcc"].stream_threshold
    assert f"{mean:.2f}" in wake.stream_rule and "backwards" in wake.stream_rule


def test_find_lists_every_occurrence(wake):
    names = ["hey_marvin_6.wav", ROOM, "hey_marvin_6.wav", "good_morning.wav", "hey_marvin_6.wav"]
    y, _ = _concat(*names)
    hit = find(wake, y)
    assert len(hit.found) == 3
    assert all(
        a.end_seconds < b.start_seconds for a, b in zip(hit.found, hit.found[1:], strict=False)
    )
    assert hit.distance == min(o.distance for o in hit.found)


def test_find_reports_its_progress_and_finds_the_same(wake):
    names = ["hey_marvin_6.wav", ROOM, "hey_marvin_6.wav", "good_morning.wav", "hey_marvin_6.wav"]
    y, _ = _concat(*names)
    shares: list[float] = []
    hit = find(wake, y, progress=shares.append)
    assert shares == sorted(shares) and shares[-1] == 1.0 and 0 < shares[0] < 1
    # the search, each candidate checked, each occurrence placed on 10 ms frames, the end
    assert len(shares) >= 2 + 2 * len(hit.occurrences)
    again = find(wake, y)
    spans = [(o.start_seconds, o.end_seconds, o.distance) for o in again.occurrences]
    assert spans == [(o.start_seconds, o.end_seconds, o.distance) for o in hit.occurrences]


def test_find_searches_ten_minutes(wake):
    """A recording at the page's limit (ten minutes): the wake word said four times among
    other sentences is found four times, where it was said."""
    sounds = {n: prepare(read_audio(ASSETS / n)) for n in [ROOM, "good_morning.wav", *DOORS]}
    marvin = prepare(read_audio(ASSETS / "hey_marvin_6.wav"))
    pause = np.zeros(SAMPLE_RATE // 2, np.float32)
    parts, truth, t = [], [], 0.0
    while t < MAX_RECORDING_SECONDS + 30:
        for u in [*sounds.values()] * 7 + ([marvin] if len(truth) < 4 else []):
            if u is marvin:
                truth.append(t + 0.5 + u.start / SAMPLE_RATE)
            parts += [pause, u.clip.samples]
            t += 0.5 + u.clip.duration
    rng = np.random.default_rng(0)
    y = np.concatenate(parts)[: int(MAX_RECORDING_SECONDS * SAMPLE_RATE)]
    y = (y + rng.normal(0, 2e-3, y.size)).astype(np.float32)
    assert len(truth) == 4 and truth[-1] < MAX_RECORDING_SECONDS - 10
    found = find(wake, y).found
    assert [o.start_seconds for o in found] == pytest.approx(truth, abs=0.15)


def test_other_speech_is_placed_against_the_threshold_in_words(wake):
    assert standing(0.43, 0.74) == "0.43, 0.31 under the threshold 0.74 (it matches)"
    assert standing(0.74, 0.74) == "0.74, 0.00 under the threshold 0.74 (it matches)"
    assert standing(0.80, 0.74) == "0.80, 0.06 over the threshold 0.74"
    name, score = closest_negative(wake)
    near = replace(wake, negatives=wake.negatives + (wake.threshold + 0.06 - score))
    assert enrolment_warnings(near) == [
        f"Other speech comes close: “{name}” scores {wake.threshold + 0.06:.2f}, 0.06 over "
        f"the threshold {wake.threshold:.2f}, so similar words may wake it. A longer or more "
        "distinctive phrase is safer."
    ]
    beyond = wake.threshold + NEAR_NEGATIVE + 0.01 - score
    far = replace(wake, negatives=wake.negatives + beyond)
    assert enrolment_warnings(far) == []


def test_enrolment_warnings_name_the_odd_takes(wake):
    name, score = closest_negative(wake)
    gap = wake.threshold - score  # the shipped takes' closest negative matches (0.43)
    assert gap > 0
    assert enrolment_warnings(wake) == [
        f"Other speech wakes it: “{name}” scores {score:.2f}, {gap:.2f} under the threshold "
        f"{wake.threshold:.2f} (it matches). Words that sound like it will wake it too. A "
        "longer or more distinctive phrase is safer."
    ]
    said_doors = [prepare(read_audio(ASSETS / n)) for n in [*DOORS, "doors_us-f_150wpm.wav"]]
    doors = [u.features for u in said_doors]
    mixed = enroll(
        [*wake.templates[:3], *doors],
        [*wake.names[:3], "d1", "d2", "d3", "d4"],
        kind="embedding",
        sounds=[*wake.sounds[:3], *(u.sound for u in said_doors)],
    )
    said = enrolment_warnings(mixed)
    assert any(
        w.startswith("The takes look like two different phrases:") and "d1, d2, d3 and d4" in w
        for w in said
    ), said
    odd = enroll([*wake.templates[:4], doors[0]], kind="embedding")
    said = enrolment_warnings(odd)
    assert any(w.startswith("template 5 is not close to any other take") for w in said), said


def test_a_short_word_is_said_to_be_short():
    names = ["george_30", "george_31", "jackson_30", "jackson_31", "lucas_30"]
    takes = [prepare(read_audio(FSDD / f"8_{name}.wav")) for name in names]
    eight = enroll_utterances(takes)
    seconds = float(np.mean([u.sound.shape[0] for u in takes])) / SAMPLE_RATE
    assert seconds < SHORT_SECONDS
    assert enrolment_warnings(eight)[-1] == (
        f"The takes last {seconds:.2f} s on average: one short word. In a longer recording, "
        "other short words (above all in the same voice) are easily taken for it. A phrase "
        "of 0.5 s or more, two or three syllables or words, is safer."
    )


def test_a_slightly_damaged_file_is_decoded_and_says_how_much_was_lost():
    data = wav_bytes(tone(2.0), fmt="FLAC")
    clip = load_audio(data[: int(len(data) * 0.97)], "cut.flac")
    assert 1.5 < clip.duration < 2.0
    lost = 2.0 - clip.duration
    assert clip.notes == (
        f"cut.flac is damaged at the end: the last {lost:.2f} s ({100 * lost / 2:.0f} % of it) "
        f"could not be decoded; the {clip.duration:.2f} s before that are used.",
    )
    data = wav_bytes(tone(2.0))
    clip = load_audio(data[: int(len(data) * 0.95)], "cut.wav")
    assert clip.notes and clip.notes[0].startswith(
        "cut.wav is damaged at the end: the last 0.10 s (5 %"
    )


def _speech_mp3(rate: int = 44_100) -> tuple[bytes, bytes]:
    """Six seconds of speech as an MP3 (variable bit rate) with its Xing header, and the
    same frames without it (as some encoders and stream rips leave them)."""
    y, sr = sf.read(ASSETS / "long_with_hey_marvin.wav", dtype="float32")
    data = wav_bytes(librosa.resample(y, orig_sr=sr, target_sr=rate), rate, fmt="MP3")
    syncs = _syncs(data)
    first, second = syncs[0], syncs[1]  # the Xing frame is zeros between its tags
    assert b"Xing" in data[first:second] or b"Info" in data[first:second]
    return data, data[:first] + data[second:]


def _syncs(data: bytes) -> list[int]:
    """Where an MP3 frame header may start (its 11 sync bits)."""
    return [n for n in range(len(data) - 1) if data[n] == 0xFF and data[n + 1] & 0xE0 == 0xE0]


def test_an_mp3_without_a_length_header_is_decoded_whole():
    with_header, plain = _speech_mp3()
    with sf.SoundFile(io.BytesIO(plain)) as f:  # what the decoder alone gives: a part
        assert f.frames / f.samplerate < 2.5
    whole = load_audio(with_header, "whole.mp3")
    clip = load_audio(plain, "plain.mp3")
    assert clip.notes == () and clip.duration == pytest.approx(whole.duration, abs=0.05)
    assert whole.duration == pytest.approx(5.977, abs=0.01)


@pytest.mark.parametrize("fmt", ["OGG", "OPUS", "MP3"])
def test_a_compressed_file_cut_off_says_so(fmt):
    y, sr = sf.read(ASSETS / "long_with_hey_marvin.wav", dtype="float32")
    if fmt == "MP3":
        data = _speech_mp3()[1]
    else:
        data = wav_bytes(y, sr, fmt="OGG", subtype="OPUS" if fmt == "OPUS" else "VORBIS")
    assert not cut_off(data, "OGG" if fmt != "MP3" else "MP3")
    assert load_audio(data, "a.x").notes == ()
    name = "cut.ogg" if fmt != "MP3" else "cut.mp3"
    clip = load_audio(data[: int(len(data) * 0.7)], name)
    assert 2.0 < clip.duration < 5.0
    assert clip.notes == (
        f"{name} was cut off: it stops part-way through its audio (saved or sent "
        f"incompletely); the {clip.duration:.2f} s that are there are used, and what came "
        "after is missing.",
    )


def test_an_mp3_damaged_inside_says_how_much_and_a_stale_header_says_nothing():
    data = bytearray(_speech_mp3()[0])
    third = len(data) // 3
    data[third : third + 600] = np.random.default_rng(0).integers(0, 256, 600, np.uint8).tobytes()
    clip = load_audio(bytes(data), "bad.mp3")
    lost = 5.977 - clip.duration
    assert 0.01 < lost < 0.5
    assert clip.notes == (
        f"bad.mp3 is damaged: {lost:.2f} s ({100 * lost / 5.977:.0f} % of it) could not be "
        f"decoded; the {clip.duration:.2f} s that could are used.",
    )
    # A header counting more frames than the file holds (left by an editor that cut the
    # file) is stale: every frame there is read, and nothing is missing.
    data = bytearray(_speech_mp3()[0])
    at = data.index(b"Xing") + 8 if b"Xing" in data[:2000] else data.index(b"Info") + 8
    count = int.from_bytes(data[at : at + 4], "big")
    data[at : at + 4] = (count * 2).to_bytes(4, "big")
    clip = load_audio(bytes(data), "edited.mp3")
    assert clip.notes == () and clip.duration == pytest.approx(5.977, abs=0.01)


def test_every_cut_inside_an_ogg_page_or_mp3_frame_is_seen():
    ogg = wav_bytes(tone(1.0), fmt="OGG", subtype="VORBIS")
    mp3 = _speech_mp3(16_000)[1]
    pages = {n for n in range(len(ogg)) if ogg[n : n + 4] == b"OggS"}
    for data, fmt, starts in ((ogg, "OGG", pages), (mp3, "MP3", set(_syncs(mp3)))):
        assert not cut_off(data, fmt)
        cuts = [n for n in range(len(data) // 2, len(data) - 1, 7) if n not in starts]
        assert len(cuts) > 100 and all(cut_off(data[:n], fmt) for n in cuts), fmt


def _streamed(data: bytes, declared: int) -> bytes:
    """A WAV as a recorder writing to a pipe leaves it: the data chunk's size (and the
    RIFF size) never filled in."""
    pos = data.index(b"data")
    size = struct.pack("<I", declared)
    return data[:4] + size + data[8 : pos + 4] + size + data[pos + 8 :]


@pytest.mark.parametrize("declared", [0, 0x7FFFF000, 0x7FFFFFFF, 0xFFFFFFFF])
@pytest.mark.parametrize("seconds", [0.6, 12.0])
def test_a_streamed_wav_is_read_to_its_end(declared, seconds):
    y = np.tile(tone(0.6), int(seconds / 0.6))
    whole = load_audio(wav_bytes(y), "whole.wav", max_seconds=MAX_RECORDING_SECONDS)
    clip = load_audio(
        _streamed(wav_bytes(y), declared), "piped.wav", max_seconds=MAX_RECORDING_SECONDS
    )
    assert clip.notes == () and clip.duration == pytest.approx(seconds, abs=1e-3)
    np.testing.assert_array_equal(clip.samples, whole.samples)
    cut = load_audio(_streamed(wav_bytes(y), declared), "piped.wav")
    expected = (
        ()
        if seconds < MAX_CLIP_SECONDS
        else ("piped.wav is longer than 10 s; only the first 10 s are used.",)
    )
    assert cut.notes == expected


def test_channels_that_cancel_out_are_not_mixed():
    y = tone(0.8)
    noise = np.random.default_rng(0).normal(0, 3e-3, (y.size, 2)).astype(np.float32)
    inverted = np.c_[y, -0.9 * y] + noise  # channel 1 the louder
    clip = load_audio(wav_bytes(inverted, subtype="FLOAT"), "inverted.wav")
    assert clip.notes == (
        "inverted.wav: its channels cancel out when mixed (one is the other upside down, a "
        "wiring or export fault); channel 1 of 2 is used alone.",
    )
    np.testing.assert_allclose(clip.samples, inverted[:, 0], atol=1e-6)
    exact = load_audio(wav_bytes(np.c_[y, -y]), "exact.wav")  # was refused as silent
    assert exact.duration == pytest.approx(0.8) and len(exact.notes) == 1
    # a plain stereo file is still the mean of its channels, without a note
    stereo = np.c_[y, 0.5 * y]
    plain = load_audio(wav_bytes(stereo, subtype="FLOAT"), "stereo.wav")
    assert plain.notes == ()
    np.testing.assert_allclose(plain.samples, 0.75 * y, atol=1e-6)


def test_float_samples_beyond_full_scale_are_scaled_not_clipped():
    y = tone(0.8) * 2.0**15  # float samples saved at 16-bit integer scale
    clip = load_audio(wav_bytes(y, subtype="FLOAT"), "loud.wav")
    peak = float(np.max(np.abs(y)))
    assert clip.notes == (
        f"loud.wav holds samples up to {peak:,.0f} times full scale; it was scaled down to "
        "fit rather than clipped.",
    )
    np.testing.assert_allclose(clip.samples, y / peak, atol=1e-6)
    hot = load_audio(wav_bytes(tone(0.8) * 3.0, subtype="FLOAT"), "hot.wav")
    assert hot.notes[0].startswith("hot.wav holds samples up to 1.50 times full scale")


def test_a_constant_offset_is_taken_off_before_silence_is_trimmed():
    speech = prepare(read_audio(ASSETS / "hey_marvin_6.wav"))
    padded = np.r_[np.zeros(8000), speech.clip.samples, np.zeros(8000)].astype(np.float32)
    clean = prepare(load_audio(wav_bytes(padded), "clean.wav"))
    for offset in (0.02, -0.2):
        shifted = load_audio(wav_bytes(0.5 * padded + offset, subtype="FLOAT"), "dc.wav")
        assert shifted.notes == ()
        assert abs(float(np.mean(shifted.samples))) < 1e-6
        u = prepare(shifted)
        assert (u.start, u.end) == pytest.approx((clean.start, clean.end), abs=512)
    # an offset under DC_OFFSET (-40 dBFS) is left: the thresholds were chosen with such
    small = load_audio(wav_bytes(0.5 * padded + 0.005, subtype="FLOAT"), "dc.wav")
    assert float(np.mean(small.samples)) == pytest.approx(0.005 + 0.5 * np.mean(padded), abs=1e-6)
    with pytest.raises(AudioError, match=r"^dc\.wav is silent: it contains no sound"):
        load_audio(wav_bytes(np.full(SAMPLE_RATE, 0.3, dtype=np.float32)), "dc.wav")


def test_dtw_is_never_above_the_even_stretch(sentences):
    feats = [u.features for u in sentences.values()]
    for norm in ("sum", "max"):
        D = distance_matrix(feats, length_norm=norm)
        E = euclidean_matrix(feats, length_norm=norm)
        assert np.all(D <= E + 1e-12)
        assert np.all(D[~np.eye(len(feats), dtype=bool)] < E[~np.eye(len(feats), dtype=bool)])


def test_warming_reads_and_featurises_with_every_kind():
    """The app's warm-up step for the Audio page: every feature kind, no error."""
    from pages.common.warmup import warm_audio

    warm_audio()  # raises if reading or any kind fails
