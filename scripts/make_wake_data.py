"""Make the wake word's bundled negatives and a several-voices wake-word protocol.

Two outputs, both deterministic (fixed seed, sox in repeatable mode), made with espeak-ng
and sox (Debian packages):

* ``--negatives``: ``assets/audio/negatives.flac`` and ``negatives.json``, the other
  speech every enrolment is calibrated against (:mod:`dtwcore.audio.negatives`): everyday
  words and short phrases, near misses of common wake-word shapes ("hey Martin", "a
  marvel", "complete her"), each in three voices, plus white, pink and brown noise. No
  spoken numbers and none of the protocol's phrases, so the protocol's figures are
  measured on speech the calibration never saw.
* ``--protocol DIR``: one folder of takes per phrase, as ``python -m dtwcore wake-eval``
  reads them: ten phrases said by espeak-ng in many voices, speeds and pitches, some with
  noise, reverberation or a tempo change (sox), and the ten digits of ``data/fsdd-dev``
  (three real speakers, ``--digit-takes`` takes each). ``--set tune`` and ``--set report``
  have different phrases and different digit takes: choose on one, report on the other.

Usage: ``python scripts/make_wake_data.py --negatives`` or
``python scripts/make_wake_data.py --protocol DIR [--set report] [--takes 40] [--digit-takes 14]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "assets" / "audio"
FSDD = ROOT / "data" / "fsdd-dev"
RATE = 16_000
SEED = 21
GAP_SECONDS = 0.3
NEGATIVE_PHRASES = [
    "weather", "calendar", "hello", "okay", "thank you", "good morning", "what time is it",
    "turn it off", "open the door", "music", "message", "reminder", "the kitchen",
    "hey Martin", "a marvel", "hey Mark", "complete her", "a lexicon", "jar of peas",
    "commuter", "Alex", "jars", "computing", "lights off", "good evening", "play it again",
    "stop it", "hello there friend", "robot", "okay then",
]  # fmt: skip
NEGATIVE_VOICES = [("en-us", 160, 50), ("en-gb+f3", 140, 65), ("en-gb-scotland+m3", 185, 40)]
PHRASES = {
    "tune": [
        "computer",
        "jarvis",
        "alexa",
        "hey marvin",
        "okay robot",
        "lights on",
        "good night",
        "play music",
        "stop the timer",
        "hey listen",
    ],
    "report": [
        "hey siri",
        "okay google",
        "wake up",
        "hello robot",
        "start recording",
        "open sesame",
        "hey jarvis",
        "activate",
        "see you later",
        "turn it up",
    ],
}
"""Two protocols with different phrases and different fsdd-dev takes: settings are chosen
on "tune" (``scripts/tune_wake.py``) and the figures reported on "report"."""
VOICES = [
    "en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd",
    "en-029", "en-us-nyc",
]  # fmt: skip
VARIANTS = ["", "+m1", "+m3", "+m5", "+m7", "+f1", "+f2", "+f3", "+f4", "+f5", "+klatt"]
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def run(*args: str) -> None:
    """Run a command and fail loudly."""
    subprocess.run(args, check=True, capture_output=True)


def speak(text: str, voice: str, wpm: int, pitch: int, out: Path, effect: list[str]) -> None:
    """espeak-ng to 16 kHz mono 16-bit, silent ends removed, an optional sox effect."""
    raw = out.with_suffix(".raw.wav")
    run("espeak-ng", "-v", voice, "-s", str(wpm), "-p", str(pitch), "-w", str(raw), text)
    run(
        "sox", "-R", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out),
        "silence", "1", "0.01", "0.5%", "reverse", "silence", "1", "0.01", "0.5%", "reverse",
        *effect, "norm", "-3",
    )  # fmt: skip
    raw.unlink()


def noise(kind: str, seconds: float, level: float, out: Path) -> None:
    """sox-synthesised noise of a colour at a level (0..1)."""
    run(
        "sox", "-R", "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(out),
        "synth", f"{seconds:.3f}", kind, "vol", str(level),
    )  # fmt: skip


def negatives(tmp: Path) -> None:
    """Write assets/audio/negatives.flac and negatives.json (segments in seconds)."""
    parts: list[tuple[str, Path]] = []
    for p, text in enumerate(NEGATIVE_PHRASES):
        for v, (voice, wpm, pitch) in enumerate(NEGATIVE_VOICES):
            out = tmp / f"n{p}_{v}.wav"
            speak(text, voice, wpm, pitch, out, [])
            parts.append((f"{text} ({voice})", out))
    for kind, level in [("whitenoise", 0.05), ("pinknoise", 0.1), ("brownnoise", 0.2)]:
        out = tmp / f"{kind}.wav"
        noise(kind, 1.0, level, out)
        parts.append((kind, out))
    gap = np.zeros(round(GAP_SECONDS * RATE), dtype=np.float32)
    pieces, segments, t = [], [], GAP_SECONDS
    pieces.append(gap)
    for label, path in parts:
        y = sf.read(path, dtype="float32")[0]
        segments.append({"what": label, "start": round(t, 4), "end": round(t + len(y) / RATE, 4)})
        pieces += [y, gap]
        t += (len(y) + len(gap)) / RATE
    sf.write(ASSETS / "negatives.flac", np.concatenate(pieces), RATE, subtype="PCM_16")
    (ASSETS / "negatives.json").write_text(
        json.dumps({"sample_rate": RATE, "segments": segments}, indent=1) + "\n"
    )


def protocol(folder: Path, which: str, takes: int, digit_takes: int) -> None:
    """One folder per phrase: espeak-ng phrases in many voices, and fsdd-dev's digits.

    The "tune" set draws its digit takes from indices 0-24 of each speaker, "report" from
    25-49, so the two share no recording.
    """
    rng = np.random.default_rng(SEED if which == "tune" else SEED + 1)
    first = 0 if which == "tune" else 25
    effects = [[], [], ["tempo", "0.85"], ["tempo", "1.2"], ["reverb", "40"], ["pitch", "-200"]]
    for p, text in enumerate(PHRASES[which]):
        out_dir = folder / text.replace(" ", "_")
        out_dir.mkdir(parents=True, exist_ok=True)
        for k in range(takes):
            voice = str(rng.choice(VOICES)) + str(rng.choice(VARIANTS))
            wpm, pitch = int(rng.integers(110, 220)), int(rng.integers(25, 80))
            effect = effects[int(rng.integers(len(effects)))]
            out = out_dir / f"{p}_{k:03d}.wav"
            speak(text, voice, wpm, pitch, out, effect)
            if rng.random() < 0.3:  # background noise under some takes
                y, _ = sf.read(out, dtype="float32")
                y = y + rng.normal(0, 10 ** (rng.uniform(-3.5, -2.3)), len(y)).astype(np.float32)
                sf.write(out, np.clip(y, -1, 1), RATE, subtype="PCM_16")
    for d, word in enumerate(DIGITS):
        out_dir = folder / word
        out_dir.mkdir(parents=True, exist_ok=True)
        for speaker in sorted({p.name.split("_")[1] for p in FSDD.glob("*.wav")}):
            for k in first + rng.choice(25, size=digit_takes, replace=False):
                src = FSDD / f"{d}_{speaker}_{k}.wav"
                shutil.copy(src, out_dir / src.name)


def main(argv: list[str] | None = None) -> int:
    """Make the negatives or a protocol folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--negatives", action="store_true", help="write assets/audio/negatives.*")
    parser.add_argument("--protocol", type=Path, help="write a protocol into this folder")
    parser.add_argument(
        "--set", choices=list(PHRASES), default="report", help="which protocol (phrases)"
    )
    parser.add_argument("--takes", type=int, default=40, help="takes per espeak-ng phrase")
    parser.add_argument("--digit-takes", type=int, default=14, help="takes per digit and speaker")
    args = parser.parse_args(argv)
    if not args.negatives and args.protocol is None:
        parser.error("give --negatives, --protocol DIR or both")
    with tempfile.TemporaryDirectory() as tmp:
        if args.negatives:
            negatives(Path(tmp))
        if args.protocol is not None:
            protocol(args.protocol, args.set, args.takes, args.digit_takes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
