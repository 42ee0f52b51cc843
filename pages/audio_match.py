"""Audio Match: why DTW recognises a phrase said fast or slow, and a wake word to try.

Tab 1 compares clips (samples, uploads, the microphone): waveforms with players, the DTW
distance matrix, and one pair in detail. Tab 2 enrolls a wake word (saying when the takes
are weak or mixed and which other speech comes closest), tests many clips against it,
lists every occurrence in a longer recording, and listens for it on the microphone. The
inputs of Test and Find stay on the page whatever the enrolment, so uploads survive its
changes. Decoding,
features and DTW live in ``dtwcore.audio.features``, ``dtwcore.audio.wake`` and
``dtwcore.audio.listen``; figures in ``dtwcore.plots.audio``.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from dtwcore.audio.features import (
    ACCEPTED,
    AUDIO_SUFFIXES,
    FEATURE_KINDS,
    MAX_CLIP_SECONDS,
    MAX_FILE_MB,
    MAX_RECORDING_SECONDS,
    SAMPLE_RATE,
    AudioError,
    Clip,
    Utterance,
    align,
    default_kind,
    distance_matrix,
    embedding_status,
    euclidean_matrix,
    feature_loudness_db,
    load_audio,
    prepare,
)
from dtwcore.audio.listen import TRACE_SECONDS, Listener
from dtwcore.audio.wake import (
    MIN_TEMPLATES,
    Detection,
    Finding,
    Occurrence,
    WakeWord,
    closest_negative,
    detect,
    enroll,
    enrolment_warnings,
    find,
    standing,
)
from dtwcore.plots import PLOT_CONFIG, SELECTED_COLOR, TARGET_COLOR
from dtwcore.plots.audio import (
    alignment_figure,
    cost_path_figure,
    distance_matrix_figure,
    dtw_vs_euclidean_figure,
    profile_figure,
    score_figure,
    waveform_figure,
)
from pages.common.microphone import microphone, received
from pages.common.sales_views import download, md, plot_text

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "audio"
MANIFEST = json.loads((ASSETS / "manifest.json").read_text())
COMPARE_SAMPLES = [n for n in MANIFEST["clips"] if not n.startswith(("hey_marvin", "good_"))]
HEY_MARVIN = [n for n in MANIFEST["clips"] if n.startswith("hey_marvin")]
WAKE_SAMPLES = HEY_MARVIN[:-1]  # the last one is kept back for testing
TEST_SAMPLES = HEY_MARVIN[-1:] + [n for n in MANIFEST["clips"] if n not in HEY_MARVIN]
LONG_SAMPLE = MANIFEST["long"]["file"]
AUDIO_TYPES = [suffix.lstrip(".") for suffix in AUDIO_SUFFIXES]
LISTEN_KEY = "audio.wake.listen"
LISTEN_STATE = "audio.wake.listen.state"


# --------------------------------------------------------------------------- cached work
@st.cache_data(show_spinner=False, max_entries=256)
def sample_bytes(name: str) -> bytes:
    """A shipped sample clip's bytes (names come from the manifest, never from users)."""
    return (ASSETS / name).read_bytes()


@st.cache_data(show_spinner=False, max_entries=256)
def prepared(data: bytes, name: str, kind: str) -> Utterance:
    """Decode, check, trim and featurise a clip (raises AudioError)."""
    return prepare(load_audio(data, name, max_seconds=MAX_CLIP_SECONDS), kind)


@st.cache_data(show_spinner=False, max_entries=4)
def long_clip(data: bytes, name: str) -> Clip:
    """Decode and check a longer recording to search (raises AudioError)."""
    return load_audio(data, name, max_seconds=MAX_RECORDING_SECONDS)


@st.cache_data(show_spinner=False, max_entries=32)
def matrices(feats: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
    """DTW and Euclidean distance matrices between clips."""
    return distance_matrix(list(feats)), euclidean_matrix(list(feats))


@st.cache_data(show_spinner=False, max_entries=32)
def enrolled(
    feats: tuple[np.ndarray, ...],
    names: tuple[str, ...],
    kind: str,
    sounds: tuple[np.ndarray, ...],
) -> WakeWord:
    """Templates and calibrated threshold (raises AudioError)."""
    return enroll(list(feats), list(names), kind=kind, sounds=list(sounds))


def without_repeats(sources: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The sources with a repeated recording (the same bytes) kept once, with a note."""
    seen: dict[bytes, str] = {}
    out = []
    for name, data in sources:
        if data in seen:
            st.info(
                md(f"{name} is the same recording as {seen[data]}; it is used once."),
                icon=":material/content_copy:",
            )
            continue
        seen[data] = name
        out.append((name, data))
    return out


FINDING_STATE = "audio.wake.finding"


def located(wake: WakeWord, wake_key: str, data: bytes, name: str) -> tuple[Clip, Finding]:
    """Decode a longer recording and find the wake word in it, with a progress bar.

    The finding is kept in the session for this enrolment and this recording (a search of
    minutes takes seconds); another enrolment or another recording searches again."""
    clip = long_clip(data, name)
    key = (wake_key, name, hashlib.sha256(data).hexdigest())
    kept = st.session_state.get(FINDING_STATE)
    if kept is None or kept[0] != key:
        minutes = clip.samples.shape[0] / SAMPLE_RATE / 60
        text = f"Searching {md(name)} ({minutes:.1f} min)…"
        bar = st.progress(0.0, text=text)
        finding = find(wake, clip.samples, progress=lambda share: bar.progress(share, text=text))
        bar.empty()
        kept = st.session_state[FINDING_STATE] = (key, finding)
    return clip, kept[1]


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``... if already used."""
    candidate, k = name, 2
    while candidate in taken:
        candidate, k = f"{name} ({k})", k + 1
    taken.add(candidate)
    return candidate


def usable(sources: list[tuple[str, bytes]], kind: str) -> list[Utterance]:
    """Prepare every source; show a plain error for each that cannot be used."""
    out = []
    for name, data in sources:
        try:
            utt = prepared(data, name, kind)
        except AudioError as exc:
            st.error(md(exc), icon=":material/error:")
            continue
        for note in utt.clip.notes:
            st.info(md(note), icon=":material/content_cut:")
        out.append(utt)
    return out


TEST_COLUMNS = {
    "Distance": st.column_config.NumberColumn(format="%.2f", help="To the nearest template"),
    "Threshold": None,  # in the line above the table; the CSV keeps it
    "Nearest template": st.column_config.TextColumn(
        "Nearest", help="The enrolled take the clip comes closest to"
    ),
    "Margin": st.column_config.NumberColumn(
        format="%+.2f", help="Threshold minus distance: positive for a match"
    ),
}


def test_table(
    tested: list[Utterance], results: list[Detection], wake: WakeWord, threshold: float
) -> pd.DataFrame:
    """One row per tested clip: its verdict, distance, the threshold, margin and nearest
    template (exact numbers; the page rounds them, the CSV keeps them)."""
    return pd.DataFrame(
        {
            "Clip": [u.name for u in tested],
            "Verdict": ["Match" if r.is_match else "No match" for r in results],
            "Distance": [r.distance for r in results],
            "Threshold": threshold,
            "Margin": [r.margin for r in results],
            "Nearest template": [wake.names[r.nearest] for r in results],
        }
    )


# More occurrences than this are played from an expander (ten minutes may hold dozens).
MAX_LISTED = 5


def occurrence_table(found: list[Occurrence], wake: WakeWord, threshold: float) -> pd.DataFrame:
    """One row per occurrence, numbered as the page and the waveform number them."""
    return pd.DataFrame(
        {
            "Occurrence": range(1, len(found) + 1),
            "Start (s)": [o.start_seconds for o in found],
            "End (s)": [o.end_seconds for o in found],
            "Distance": [o.distance for o in found],
            "Threshold": threshold,
            "Nearest template": [wake.names[o.template] for o in found],
        }
    )


def show_clip(utt: Utterance, color: str = TARGET_COLOR) -> None:
    """Waveform (silence trimmed away greyed) and a player."""
    sound = (utt.start / SAMPLE_RATE, utt.end / SAMPLE_RATE)
    st.plotly_chart(
        waveform_figure(
            utt.clip.samples, SAMPLE_RATE, title=plot_text(utt.name), color=color, sound=sound
        ),
        config=PLOT_CONFIG,
    )
    st.audio(utt.clip.samples, sample_rate=SAMPLE_RATE)


@dataclass
class Listening:
    """The listener of one listening session, for one enrolment and threshold."""

    session: str
    settings: tuple[str, float]
    listener: Listener
    listening: bool = True


@st.fragment
def listen_section(wake: WakeWord, wake_key: str, threshold: float) -> None:
    """4. Listen: each chunk from the microphone reruns this section only."""
    st.subheader("4. Listen", anchor=False)
    st.caption(
        "Start, then say the wake word now and then: each time it is heard it is marked "
        "below (once per saying), with the running score. The sound goes straight from "
        "this browser to this app's server, nowhere else."
    )
    if not st.toggle(
        "Listen on the microphone",
        key="audio.wake.listen_on",
        help="Shows the microphone buttons; the browser asks for the microphone when you "
        "press Start listening.",
    ):
        st.session_state.pop(LISTEN_STATE, None)
        return
    state: Listening | None = st.session_state.get(LISTEN_STATE)
    settings = (wake_key, threshold)
    if state is not None and state.settings != settings:  # a new enrolment or threshold
        state.settings, received_before = settings, state.listener.received
        state.listener = Listener(wake, threshold)
        state.listener.received = received_before
    problem = None
    try:
        got = received(LISTEN_KEY)
        if got is not None:
            if state is None or state.session != got.session:  # Start was pressed
                state = Listening(got.session, settings, Listener(wake, threshold))
            state.listening = got.listening
            if got.last >= got.first:
                state.listener.receive(got.first, got.last, got.samples, got.rate)
    except ValueError as exc:
        problem = str(exc)
    st.session_state[LISTEN_STATE] = state
    microphone(LISTEN_KEY, None if state is None else (state.session, state.listener.received))
    if problem:
        st.error(md(problem), icon=":material/error:")
    if state is None:
        return
    listener, first = state.listener, state.listener.first_sound
    st.caption(
        f"{'Listening' if state.listening else 'Stopped'}: {listener.seconds:.1f} s heard"
        + (f"; first sound at {first:.2f} s." if first is not None else ".")
    )
    fired = listener.detections()
    if fired:
        st.success(
            "  \n".join(f"Heard at {t:.2f} s (distance {d:.2f})" for t, d in fired),
            icon=":material/hearing:",
        )
    trace = listener.trace
    if trace.times.size:
        st.caption(
            f"The first search's score as it is heard (the last {TRACE_SECONDS:.0f} s are "
            "kept); a dot for each time the wake word was heard, at its score on finer detail."
        )
        st.plotly_chart(
            profile_figure(
                trace.distances, threshold, hop_seconds=wake.settings.hop_seconds,
                times=trace.times,
                checked=[(t, d) for t, d in fired if t >= trace.times[0]],
            ),
            config=PLOT_CONFIG,
            key="audio.wake.listen.trace",
        )  # fmt: skip


# --------------------------------------------------------------------------- page
st.title("Audio Match", anchor=False)
st.caption(
    "Is it the same phrase, even when it is said faster or slower? Dynamic time warping "
    "(DTW) stretches one recording in time to line it up with the other before measuring "
    "how different they sound, which is what a wake-word detector needs."
)
DEFAULT_KIND = default_kind()
KINDS = [k for k in FEATURE_KINDS if k != "embedding" or DEFAULT_KIND == "embedding"]
if DEFAULT_KIND == "embedding":
    st.caption(
        f"Features in use: {FEATURE_KINDS['embedding']}, a speech model that runs on this "
        "machine (nothing is sent anywhere)."
    )
else:
    st.warning(
        f"The speech-embedding model is not available here ({md(embedding_status())}), so "
        f"this page uses {FEATURE_KINDS['mfcc']}, which copes less well with voices it has "
        "not heard.",
        icon=":material/info:",
    )
compare_tab, wake_tab = st.tabs(["Compare clips", "Wake word"])

# ----------------------------------------------------------------- tab 1: compare clips
with compare_tab:
    left, mid, right = st.columns([2, 2, 1.4])
    picked = left.multiselect(
        "Sample clips",
        COMPARE_SAMPLES,
        default=COMPARE_SAMPLES,
        key="audio.samples",
        help="Made with the espeak-ng speech synthesiser: 'Doors and corners, kid. That's "
        "where they get you.' at several speeds and voices, and 'You walk into a room too "
        "fast, the room eats you.', a different sentence with a similar rhythm.",
    )
    uploads = mid.file_uploader(
        "Add your own clips",
        type=AUDIO_TYPES,
        accept_multiple_files=True,
        max_upload_size=MAX_FILE_MB,
        key="audio.uploads",
        help=f"{ACCEPTED}, any sample rate, mono or stereo. Clips longer than "
        f"{MAX_CLIP_SECONDS:g} s are cut to their first {MAX_CLIP_SECONDS:g} s.",
    )
    recorded = right.audio_input(
        "Record a clip",
        key="audio.recording",
        help="Say a sentence into the microphone; it is added to the comparison.",
    )
    kind = st.radio(
        "Compare by",
        KINDS,
        index=KINDS.index(DEFAULT_KIND),
        format_func=FEATURE_KINDS.get,
        horizontal=True,
        key="audio.kind",
        help="The speech embedding describes what is said, learned from many voices, so "
        "it carries over to voices it has not heard. MFCCs describe the sound's spectrum, "
        "normalised per clip so loudness and microphone matter little. The raw amplitude "
        "envelope only knows how loud each moment is, so very different sentences can "
        "look alike.",
    )

    taken: set[str] = set()
    sources = [(unique_name(n, taken), sample_bytes(n)) for n in picked]
    sources += [(unique_name(f.name, taken), f.getvalue()) for f in uploads or []]
    if recorded is not None:
        sources.append((unique_name("microphone recording", taken), recorded.getvalue()))
    with st.spinner("Reading the clips…"):
        clips = usable(sources, kind)

    if len(clips) < 2:
        st.info("Pick or add at least two clips to compare them.", icon=":material/info:")
    else:
        names = [u.name for u in clips]
        shown = [plot_text(n) for n in names]  # file names as plots show them
        with st.expander(f"Waveforms and players ({len(clips)} clips)", expanded=True):
            cols = st.columns(2)
            for k, utt in enumerate(clips):
                with cols[k % 2]:
                    show_clip(utt)
            st.caption("Grey: silence at the ends, trimmed before comparing.")

        with st.spinner("Computing DTW distances…"):
            D, E = matrices(tuple(u.features for u in clips))
        st.subheader("Who sounds like whom", anchor=False)
        st.plotly_chart(
            distance_matrix_figure(D, shown, title="DTW distance between every pair of clips"),
            config=PLOT_CONFIG,
            key="audio.matrix",
        )
        st.caption(
            "Distance per frame after DTW has lined the clips up (0 = identical). The same "
            "sentence said at another speed should come out closer than a different sentence."
        )

        st.subheader("One pair in detail", anchor=False)
        c1, c2 = st.columns(2)
        a_name = c1.selectbox(
            "Clip A", names, index=0, key="audio.pair_a",
            help="The reference clip: its frames run down the cost matrix.",
        )  # fmt: skip
        b_name = c2.selectbox(
            "Clip B", names, index=1, key="audio.pair_b",
            help="The clip lined up against A: its frames run across the cost matrix.",
        )  # fmt: skip
        ia, ib = names.index(a_name), names.index(b_name)
        ua, ub = clips[ia], clips[ib]
        path, cost, dist = align(ua.features, ub.features)  # milliseconds: no spinner
        m1, m2, m3 = st.columns(3)
        m1.metric("DTW distance", f"{dist:.2f}", help="Length-normalised DTW distance.")
        m2.metric(
            "Euclidean distance",
            f"{E[ia, ib]:.2f}",
            help="No warping: each clip stretched evenly to the other's length and compared "
            "frame by frame, divided like the DTW distance. DTW may take this path too, so "
            "it is never higher.",
        )
        m3.metric("Path length", f"{path.shape[0]} frames", help="Steps of the warping path.")
        p1, p2 = st.columns(2)
        p1.plotly_chart(
            cost_path_figure(cost, path, shown[ia], shown[ib], hop_seconds=ua.hop_seconds),
            config=PLOT_CONFIG,
            key="audio.cost",
        )
        p2.plotly_chart(
            alignment_figure(
                feature_loudness_db(ua), feature_loudness_db(ub), path,
                shown[ia], shown[ib], hop_seconds=ua.hop_seconds,
            ),
            config=PLOT_CONFIG,
            key="audio.alignment",
        )  # fmt: skip
        others = [k for k in range(len(clips)) if k != ia]
        st.plotly_chart(
            dtw_vs_euclidean_figure(
                [shown[k] for k in others], D[ia, others], E[ia, others], shown[ia]
            ),
            config=PLOT_CONFIG,
            key="audio.versus",
        )
        st.caption(
            "Both bars are root mean squared frame differences along a path, divided by the "
            "two clips' frames together. Without warping the path is the even stretch, so a "
            "phrase said with different timing looks far away; DTW picks the best path, lets "
            "each part stretch on its own, and is never higher."
        )

# ----------------------------------------------------------------- tab 2: wake word
with wake_tab:
    st.subheader("1. Enroll", anchor=False)
    st.caption(
        f"Say the wake word {MIN_TEMPLATES} or more times. Each recording becomes a template; "
        "each is measured against other speech (everyday words, near misses, noise), so the "
        "threshold knows what else sounds close."
    )
    e1, e2, e3 = st.columns([1.3, 2, 1.6])
    use_samples = e1.checkbox(
        "Use the sample recordings",
        value=True,
        key="audio.wake.use_samples",
        help=f"{len(WAKE_SAMPLES)} synthetic recordings of 'Hey Marvin' in different voices "
        "and speeds. Untick to enroll only your own.",
    )
    wake_uploads = e2.file_uploader(
        "Upload recordings of the wake word",
        type=AUDIO_TYPES,
        accept_multiple_files=True,
        max_upload_size=MAX_FILE_MB,
        key="audio.wake.uploads",
        help="Short clips of the same phrase, one saying per file.",
    )
    mic = e3.audio_input(
        "Record the wake word",
        key="audio.wake.mic",
        help="Record, then press 'Add this recording'. Repeat for each template.",
    )
    recorded_list: list[bytes] = st.session_state.setdefault("audio.wake.recorded", [])
    b1, b2 = e3.columns(2)
    if b1.button(
        "Add this recording",
        disabled=mic is None,
        key="audio.wake.add",
        help="Keep the recording above as a template.",
    ):
        data = mic.getvalue()
        if data not in recorded_list:
            recorded_list.append(data)
    if b2.button(
        "Clear recordings",
        disabled=not recorded_list,
        key="audio.wake.clear",
        help="Forget the microphone templates.",
    ):
        recorded_list.clear()
    if recorded_list:
        e3.caption(f"{len(recorded_list)} microphone recording(s) kept.")

    taken = set()
    wake_sources = (
        [(unique_name(n, taken), sample_bytes(n)) for n in WAKE_SAMPLES] if use_samples else []
    )
    wake_sources += [(unique_name(f.name, taken), f.getvalue()) for f in wake_uploads or []]
    wake_sources += [
        (unique_name(f"microphone {k + 1}", taken), d) for k, d in enumerate(recorded_list)
    ]
    with st.spinner("Reading the enrollment recordings…"):
        templates = usable(without_repeats(wake_sources), DEFAULT_KIND)

    wake = None
    if len(templates) < MIN_TEMPLATES:
        st.info(
            f"Enroll at least {MIN_TEMPLATES} recordings of the wake word "
            f"({len(templates)} so far).",
            icon=":material/info:",
        )
    else:
        try:
            wake = enrolled(
                tuple(u.features for u in templates),
                tuple(u.name for u in templates),
                DEFAULT_KIND,
                tuple(u.sound for u in templates),
            )
        except AudioError as exc:
            st.error(md(exc), icon=":material/error:")
    wake_key = ""
    threshold = stream_threshold = 0.0
    if wake is not None:
        wake_key = hashlib.sha256(
            wake.kind.encode() + b"".join(t.tobytes() for t in wake.templates)
        ).hexdigest()[:12]
        top = max(2.0 * wake.threshold, float(wake.loo.max()) * 1.5, 0.1)
        threshold = st.slider(
            "Threshold",
            min_value=0.0,
            max_value=float(np.ceil(top * 100) / 100),
            value=round(wake.threshold, 2),
            step=0.01,
            key=f"audio.wake.threshold.{wake_key}",
            help=f"A clip matches when its score against the nearest template is at most "
            f"this. Scores are DTW distances divided by how far ordinary other speech is "
            f"from that template (1 = as close as other speech usually comes). Calibrated: "
            f"{wake.threshold:.2f}. Lower it to reject more look-alikes, raise it to miss "
            "fewer real ones. Find and Listen hold a stretch of a recording to a stricter "
            f"rule, {wake.stream_rule}, at "
            f"{wake.stream_threshold:.2f} when calibrated; the slider moves it as much.",
        )
        stream_threshold = round(threshold + wake.stream_threshold - wake.threshold, 2)
        near_name, near_score = closest_negative(wake)
        st.caption(
            f"{len(templates)} templates ({FEATURE_KINDS[wake.kind]}); leave-one-out scores "
            + ", ".join(f"{v:.2f}" for v in wake.loo)
            + f"; calibrated threshold {wake.threshold:.2f} "
            f"({wake.stream_threshold:.2f} in a recording). Closest other speech: "
            f"“{md(near_name)}” at {standing(near_score, threshold)}."
        )
        for warning in enrolment_warnings(wake):
            st.warning(md(warning), icon=":material/warning:")

    st.subheader("2. Test clips", anchor=False)
    t1, t2 = st.columns([2, 3])
    test_source = t1.radio(
        "Clips to test",
        ["sample", "upload", "microphone"],
        format_func={
            "sample": "samples", "upload": "uploads", "microphone": "the microphone"
        }.get,
        horizontal=True,
        key="audio.wake.test_source",
        help="Where the clips to test come from. Your uploads stay when the enrollment changes.",
    )  # fmt: skip
    test_items: list[tuple[str, bytes]] = []
    if test_source == "sample":
        chosen = t1.multiselect(
            "Samples", TEST_SAMPLES, default=TEST_SAMPLES[:1], key="audio.wake.test_samples",
            help="hey_marvin_6 was not enrolled; the others are different phrases.",
        )  # fmt: skip
        test_items = [(n, sample_bytes(n)) for n in chosen]
    elif test_source == "upload":
        files = t1.file_uploader(
            "Clips", type=AUDIO_TYPES, max_upload_size=MAX_FILE_MB, accept_multiple_files=True,
            key="audio.wake.test_upload", help="One or many short clips, one saying per file.",
        )  # fmt: skip
        taken = set()
        test_items = [(unique_name(f.name, taken), f.getvalue()) for f in files or []]
    else:
        f = t1.audio_input(
            "Say something", key="audio.wake.test_mic",
            help="The wake word, or anything else to see it rejected.",
        )  # fmt: skip
        test_items = [("microphone recording", f.getvalue())] if f is not None else []
    marker: list[tuple[str, float]] = []
    if wake is None:
        t2.info("Enroll the wake word first; your clips wait here.", icon=":material/info:")
    elif not test_items:
        t2.info("Choose clips to test.", icon=":material/info:")
    else:
        with t2:
            tested = usable(test_items, wake.kind)
            results = [detect(wake, u.features, threshold) for u in tested]
            accepted = sum(r.is_match for r in results)
            st.markdown(
                f"**{accepted} accepted, {len(results) - accepted} rejected** "
                f"(threshold {threshold:.2f})."
            )
            if len(tested) > 1:
                table = test_table(tested, results, wake, threshold)
                st.dataframe(
                    table, hide_index=True, column_config=TEST_COLUMNS, key="audio.wake.tests"
                )
                download(
                    table, "Results (CSV)", "wake_word_tests.csv", key="audio.wake.tests.csv",
                    help="Every clip's verdict, distance and margin at this threshold.",
                )  # fmt: skip
            with (
                st.expander(f"Listen to each clip ({len(tested)})")
                if len(tested) > 1
                else st.container()
            ):
                for u, result in zip(tested, results, strict=True):
                    verdict = "Match" if result.is_match else "No match"
                    (st.success if result.is_match else st.warning)(
                        f"{md(u.name)}: {verdict}, distance {result.distance:.2f}, margin "
                        f"{result.margin:+.2f} (nearest template: "
                        f"{md(wake.names[result.nearest])}).",
                        icon=":material/check_circle:" if result.is_match else ":material/block:",
                    )
                    st.audio(u.clip.samples, sample_rate=SAMPLE_RATE)
            marker = [(plot_text(u.name), r.distance) for u, r in zip(tested, results, strict=True)]
    if wake is not None:
        st.plotly_chart(
            score_figure(
                wake.loo, threshold, names=[plot_text(n) for n in wake.names], tested=marker
            ),
            config=PLOT_CONFIG,
            key="audio.wake.scores",
        )

    st.subheader("3. Find it in a longer recording", anchor=False)
    f1, f2 = st.columns([1, 2])
    find_source = f1.radio(
        "Recording",
        ["sample", "upload", "microphone"],
        format_func={
            "sample": LONG_SAMPLE, "upload": "an upload", "microphone": "the microphone"
        }.get,
        key="audio.wake.find_source",
        help=f"Up to {MAX_RECORDING_SECONDS / 60:g} minutes; longer recordings are cut.",
    )  # fmt: skip
    long_item: tuple[str, bytes] | None = None
    if find_source == "sample":
        long_item = (LONG_SAMPLE, sample_bytes(LONG_SAMPLE))
        f1.caption(f"“{MANIFEST['long']['text']}”")
    elif find_source == "upload":
        f = f1.file_uploader(
            "Recording", type=AUDIO_TYPES, max_upload_size=MAX_FILE_MB,
            key="audio.wake.find_upload",
            help=f"A recording that may contain the wake word, up to {MAX_FILE_MB} MB: a WAV "
            f"file of that size holds about {MAX_FILE_MB * 2**20 / 192_000 / 60:.1f} minutes "
            f"in stereo at 48 kHz, twice that in mono; an OGG or MP3 file holds the "
            f"{MAX_RECORDING_SECONDS / 60:g} minutes searched.",
        )  # fmt: skip
        long_item = (f.name, f.getvalue()) if f is not None else None
    else:
        f = f1.audio_input(
            "Record a sentence with the wake word in it",
            key="audio.wake.find_mic",
            help="Say a few words, the wake word, and a few more.",
        )
        long_item = ("microphone recording", f.getvalue()) if f is not None else None
    with f2:
        if wake is None:
            st.info(
                "Enroll the wake word first; your recording waits here.", icon=":material/info:"
            )
        elif long_item is None:
            st.info("Choose a recording to search.", icon=":material/info:")
        else:
            try:
                clip, hit = located(wake, wake_key, long_item[1], long_item[0])
            except AudioError as exc:
                st.error(md(exc), icon=":material/error:")
            else:
                for note in clip.notes:
                    st.info(md(note), icon=":material/content_cut:")
                found = [o for o in hit.occurrences if o.distance <= stream_threshold]
                span = (hit.start_seconds, hit.end_seconds)
                if found:
                    st.success(
                        f"Found {len(found)} time{'s' if len(found) > 1 else ''} "
                        f"(threshold {stream_threshold:.2f}).",
                        icon=":material/check_circle:",
                    )
                else:
                    st.warning(
                        f"Not found: the closest stretch ({span[0]:.2f}–{span[1]:.2f} s) has "
                        f"distance {hit.distance:.2f}, above the threshold "
                        f"{stream_threshold:.2f}.",
                        icon=":material/block:",
                    )
                st.plotly_chart(
                    waveform_figure(
                        clip.samples, SAMPLE_RATE, title=plot_text(clip.name),
                        color=SELECTED_COLOR,
                        spans=[(o.start_seconds, o.end_seconds) for o in found] or [span],
                        span_label="wake word" if found else "best match",
                    ),
                    config=PLOT_CONFIG,
                    key="audio.wake.found",
                )  # fmt: skip
                if found:
                    download(
                        occurrence_table(found, wake, stream_threshold),
                        "Occurrences (CSV)",
                        "wake_word_occurrences.csv",
                        key="audio.wake.found.csv",
                        help="Where each occurrence starts and ends (s), its distance and "
                        "nearest template.",
                    )
                with (
                    st.expander(f"Play each occurrence ({len(found)})")
                    if len(found) > MAX_LISTED
                    else st.container()
                ):
                    for k, o in enumerate(found, start=1):
                        lo, hi = (
                            round(o.start_seconds * SAMPLE_RATE),
                            round(o.end_seconds * SAMPLE_RATE),
                        )
                        st.caption(
                            f"{k}. {o.start_seconds:.2f}–{o.end_seconds:.2f} s, distance "
                            f"{o.distance:.2f} (template {md(wake.names[o.template])})"
                        )
                        st.audio(clip.samples[lo:hi], sample_rate=SAMPLE_RATE)
                if not found:
                    lo, hi = (round(t * SAMPLE_RATE) for t in span)
                    st.caption(f"Play the closest stretch ({(hi - lo) / SAMPLE_RATE:.2f} s):")
                    st.audio(clip.samples[lo:hi], sample_rate=SAMPLE_RATE)
                st.caption(
                    "The line is the first search over the whole recording: how close the "
                    "best match ending at each moment comes. Each dot is a stretch it "
                    "flagged, cut out and scored again on finer detail; the dots at or under "
                    "the threshold are the wake word."
                )
                st.plotly_chart(
                    profile_figure(
                        hit.profile,
                        stream_threshold,
                        hop_seconds=hit.hop_seconds,
                        times=hit.times,
                        checked=[(o.end_seconds, o.distance) for o in hit.occurrences],
                    ),  # fmt: skip
                    config=PLOT_CONFIG,
                    key="audio.wake.profile",
                )

    if wake is not None:
        listen_section(wake, wake_key, stream_threshold)
