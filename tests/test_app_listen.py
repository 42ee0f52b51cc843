"""AppTest of the Audio Match page's Listen section: the microphone component's chunks as
the browser sends them (resent until taken, numbered per Start), and values no browser of
ours would send."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dtwcore.audio.features import SAMPLE_RATE

from .conftest import ROOT
from .test_audio_listen import spoken

PAGE = str(ROOT / "pages" / "audio_match.py")
KEY = "audio.wake.listen"
CHUNK = SAMPLE_RATE // 2


@pytest.fixture(scope="module")
def app() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.run()
    at.toggle(key="audio.wake.listen_on").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def value(y: np.ndarray, first: int, last: int, session: str = "s1", **extra) -> dict:
    """What the component sends: chunks ``first`` to ``last`` of ``y``."""
    pcm = np.round(y[(first - 1) * CHUNK : last * CHUNK] * 32767).astype("<i2").tobytes()
    return {
        "session": session, "first": first, "seq": last, "sample_rate": SAMPLE_RATE,
        "pcm": base64.b64encode(pcm).decode(), "listening": True, **extra,
    }  # fmt: skip


def status(at: AppTest) -> str:
    """The Listen section's status line."""
    return next(c.value for c in at.caption if c.value.startswith(("Listening:", "Stopped:")))


def test_chunks_are_heard_once_and_wake_words_marked(app: AppTest) -> None:
    y, ends = spoken()
    count = y.size // CHUNK
    for last in range(1, count + 1):
        app.session_state[KEY] = value(y, max(1, last - 1), last)  # one chunk sent again
        app.run()
    assert not app.exception and not app.error
    assert (
        status(app)
        == f"Listening: {count * CHUNK / SAMPLE_RATE:.1f} s heard; first sound at 1.00 s."
    )
    heard = [s.value for s in app.success if s.value.startswith("Heard at")]
    assert len(heard) == 1
    times = [float(line.split()[2]) for line in heard[0].split("  \n")]
    assert times == pytest.approx(ends, abs=0.5)
    app.session_state[KEY] = value(y, count, count, listening=False)
    app.run()
    assert status(app).startswith(f"Stopped: {count * CHUNK / SAMPLE_RATE:.1f} s heard")
    app.session_state[KEY] = value(y, 1, 1, session="s2")  # Start pressed again
    app.run()
    assert status(app) == "Listening: 0.5 s heard."
    threshold = next(s for s in app.slider if s.label == "Threshold")
    threshold.set_value(round(threshold.value + 0.05, 2)).run()  # a new listener...
    assert status(app) == "Listening: 0.0 s heard."
    app.session_state[KEY] = value(y, 1, 2, session="s2")  # ...that skips chunk 1
    app.run()
    assert status(app) == "Listening: 0.5 s heard."
    assert not app.exception and not app.error


GOOD = value(np.zeros(CHUNK, np.float32), 1, 1, session="s3")


OTHER = "The browser sent something other than microphone sound."
LABELS = "The browser sent the microphone's sound with wrong labels."
UNREAD = "The browser's microphone sound could not be read: "
TOO_MUCH = "The browser sent more microphone sound at once than expected."


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        ({k: v for k, v in GOOD.items() if k != "pcm"}, OTHER),
        ("chunk", OTHER),
        ({**GOOD, "first": "1"}, LABELS),
        ({**GOOD, "listening": "yes"}, LABELS),
        ({**GOOD, "pcm": "a" * 4_000_000}, TOO_MUCH),
        ({**GOOD, "pcm": "%%%%"}, UNREAD + "the sound is not base64 text."),
        ({**GOOD, "pcm": "AAAA"}, UNREAD + "the sound does not hold whole 16-bit samples."),
        ({**GOOD, "seq": 3}, "The browser sent microphone chunks that do not fit together."),
    ],
)  # fmt: skip
def test_values_no_browser_of_ours_sends_are_refused_in_words(
    app: AppTest, sent: object, message: str
) -> None:
    app.session_state[KEY] = sent
    app.run()
    assert not app.exception
    assert [e.value for e in app.error] == [message]
