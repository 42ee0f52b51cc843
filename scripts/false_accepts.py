"""False accepts per hour of the "Hey Marvin" wake word on a long stream without it.

Builds, with espeak-ng and sox (Debian packages) and the fsdd-dev recordings, a negative
stream of at least ``--minutes`` minutes (default 30): 30 other sentences in 8 voices at
2 of 3 speeds each (some sounding close: "Hey Martin", "a marvel"), real spoken digits, silence,
and white, pink and brown noise, in a shuffled order. The wake word is enrolled from the
five shipped samples (``assets/audio/hey_marvin_1..5.wav``) with the default features,
and the stream is searched as Find and a live detector search it
(:func:`dtwcore.audio.wake.occurrences`: candidate spans scored as clips, those under the
gate checked again on 10 ms embedding frames and MFCC, held to the stream threshold).

To set the second threshold, "Hey Marvin" said in 16 voices not enrolled at 3 speeds,
each between two other sentences, is searched for (:func:`~dtwcore.audio.wake.find`): the
threshold that rejects 5 % of them is their 95th percentile distance.

Prints JSON: the stream's make-up and length, and false accepts (count and per hour) at
the calibrated stream threshold and at the 5 %-false-reject threshold, with the positives'
miss rate at each. Everything is deterministic (fixed seed, sox in repeatable mode).

Usage: ``python scripts/false_accepts.py [--minutes 30] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from dtwcore.audio.features import SAMPLE_RATE, prepare, read_audio
from dtwcore.audio.wake import enroll_utterances, find, occurrences

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "assets" / "audio"
FSDD = ROOT / "data" / "fsdd-dev"
SEED = 13
SCORED_UP_TO = 1.0
"""Occurrences are listed up to this score (as close as other speech usually comes), so
the closest negatives can be named."""
VOICES = [
    ("en-us", 50), ("en-gb", 45), ("en-us+f3", 65), ("en-gb-scotland", 40),
    ("en-us+m3", 50), ("en-029", 55), ("en-gb-x-rp", 50), ("en-us+f4", 70),
]  # fmt: skip
SPEEDS = [125, 165, 205]
SENTENCES = [
    "Hey Martin, could you pass me the salt?",
    "That was a marvel of engineering.",
    "Have you seen my car keys anywhere?",
    "The train to Edinburgh leaves at nine.",
    "Please remind me to call my mother tomorrow.",
    "Turn the lights off in the living room.",
    "What is the weather going to be like on Sunday?",
    "I think we should order pizza tonight.",
    "Hey, marching bands are loud.",
    "The marvellous view from the hill was worth the climb.",
    "Set a timer for twelve minutes.",
    "My neighbour Marvin plays the trumpet every evening.",
    "How many ounces are there in a pound?",
    "Add milk, eggs and bread to the shopping list.",
    "The meeting has been moved to Thursday afternoon.",
    "Hey there, how have you been?",
    "Navigation: turn left in two hundred metres.",
    "She sells sea shells by the sea shore.",
    "We are out of coffee again.",
    "Harvest season starts in late September.",
    "Can you play some quiet music?",
    "The library closes at eight on weekdays.",
    "Hey Mark, the van is here.",
    "Every marvel has its price.",
    "Open the garage door, please.",
    "The quick brown fox jumps over the lazy dog.",
    "I am going for a walk by the river.",
    "Martha will arrive on the evening flight.",
    "Hay bales were stacked in the barn.",
    "Remind me what time the dentist is.",
]
WAKE = "Hey Marvin"
POSITIVE_VOICES = [
    ("en-us", 150, 40), ("en-gb", 190, 55), ("en-us+f3", 140, 65),
    ("en-gb-scotland", 175, 45), ("en-029", 160, 50), ("en-gb-x-rp", 130, 50),
    ("en-us+f4", 200, 70), ("en-us+m3", 120, 35), ("en-us+m1", 170, 50),
    ("en-gb+f2", 150, 60), ("en-us+m4", 210, 45), ("en-gb-x-gbclan", 160, 50),
    ("en-us-nyc", 165, 50), ("en-gb-x-gbcwmd", 145, 55), ("en-us+f1", 185, 75),
    ("en-gb+m2", 155, 40),
]  # fmt: skip


def run(*args: str) -> None:
    """Run a command; fail loudly."""
    subprocess.run(args, check=True, capture_output=True)


def speak(text: str, voice: str, wpm: int, pitch: int, out: Path) -> np.ndarray:
    """espeak-ng, resampled to SAMPLE_RATE with sox, peak at -3 dBFS."""
    raw = out.with_suffix(".raw.wav")
    run("espeak-ng", "-v", voice, "-s", str(wpm), "-p", str(pitch), "-w", str(raw), text)
    run(
        "sox", "-R", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(out), "norm", "-3"
    )
    return sf.read(out, dtype="float32")[0]


def noise(kind: str, seconds: float, out: Path, level: float) -> np.ndarray:
    """sox-synthesised noise of a colour, at a level (0..1)."""
    run(
        "sox", "-R", "-n", "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(out),
        "synth", f"{seconds:.3f}", kind, "vol", str(level),
    )  # fmt: skip
    return sf.read(out, dtype="float32")[0]


def negative_stream(
    minutes: float, tmp: Path
) -> tuple[np.ndarray, dict[str, float], list[tuple[float, float, str]]]:
    """At least ``minutes`` of audio without the wake word.

    Returns the samples, the seconds of each kind of part, and every part's
    (start, end, what) in seconds.
    """
    rng = np.random.default_rng(SEED)
    parts: list[tuple[str, str, np.ndarray]] = []
    k = 0
    for text in SENTENCES:
        for voice, pitch in VOICES:
            for wpm in rng.choice(SPEEDS, size=2, replace=False):
                y = speak(text, voice, int(wpm), pitch, tmp / f"s{k}.wav")
                parts.append(("sentences", f"{text} ({voice}, {wpm} wpm)", y))
                k += 1
    digits = sorted(FSDD.glob("*.wav"))
    for path in rng.choice(digits, size=600, replace=False):
        parts.append(("digits", path.name, read_audio(path).samples))
    for j, (kind, level) in enumerate(
        [("whitenoise", 0.05), ("pinknoise", 0.1), ("brownnoise", 0.2)] * 10
    ):
        parts.append(("noise", kind, noise(kind, 8.0, tmp / f"n{j}.wav", level)))
    order = rng.permutation(len(parts))
    pieces, made = [], {"sentences": 0.0, "digits": 0.0, "noise": 0.0, "silence": 0.0}
    spans = []
    floor = np.random.default_rng(SEED + 1)
    t = 0.0
    for i in order:
        what, label, y = parts[i]
        gap = floor.normal(0, 1e-3, round(rng.uniform(0.2, 1.2) * SAMPLE_RATE))
        pieces += [gap.astype(np.float32), y]
        t += gap.shape[0] / SAMPLE_RATE
        spans.append((t, t + y.shape[0] / SAMPLE_RATE, label))
        t += y.shape[0] / SAMPLE_RATE
        made[what] += y.shape[0] / SAMPLE_RATE
        made["silence"] += gap.shape[0] / SAMPLE_RATE
    stream = np.concatenate(pieces)
    while stream.shape[0] < minutes * 60 * SAMPLE_RATE:  # top up with quiet room tone
        extra = floor.normal(0, 1e-3, round(30 * SAMPLE_RATE)).astype(np.float32)
        stream = np.concatenate([stream, extra])
        made["silence"] += 30.0
    return stream, made, spans


def heard_in(t: float, spans: list[tuple[float, float, str]]) -> str:
    """What the stream held around time ``t`` (the part a detection ends in or after)."""
    near = [label for s, e, label in spans if s - 0.5 <= t <= e + 0.8]
    return " / ".join(near) if near else "silence"


def positives(tmp: Path) -> list[tuple[np.ndarray, float, float]]:
    """The wake word in unenrolled voices between two other sentences; its true span."""
    rng = np.random.default_rng(SEED + 2)
    out = []
    cases = [
        (voice, round(wpm * factor), pitch)
        for voice, wpm, pitch in POSITIVE_VOICES
        for factor in (0.8, 1.0, 1.2)
    ]
    for k, (voice, wpm, pitch) in enumerate(cases):
        before, after = rng.choice(len(SENTENCES), size=2, replace=False)
        a = speak(SENTENCES[before], voice, wpm, pitch, tmp / f"pa{k}.wav")
        w = speak(WAKE, voice, wpm, pitch, tmp / f"pw{k}.wav")
        b = speak(SENTENCES[after], voice, wpm, pitch, tmp / f"pb{k}.wav")
        gap = np.zeros(round(0.4 * SAMPLE_RATE), np.float32)
        y = np.concatenate([gap, a, gap, w, gap, b, gap])
        start = (2 * gap.shape[0] + a.shape[0]) / SAMPLE_RATE
        out.append((y, start, start + w.shape[0] / SAMPLE_RATE))
    return out


def main(argv: list[str] | None = None) -> int:
    """Build the streams, score them, print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--keep", type=Path, help="also write the negative stream here (WAV)")
    args = parser.parse_args(argv)

    wake = enroll_utterances(
        [prepare(read_audio(ASSETS / f"hey_marvin_{k}.wav")) for k in range(1, 6)]
    )
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        stream, made, spans = negative_stream(args.minutes, tmp)
        found = [(find(wake, y), s, e) for y, s, e in positives(tmp)]
    if args.keep:
        sf.write(args.keep, stream, SAMPLE_RATE, subtype="PCM_16")
    hours = stream.shape[0] / SAMPLE_RATE / 3600
    t0 = time.perf_counter()
    heard = occurrences(wake, stream, SCORED_UP_TO)
    scoring = time.perf_counter() - t0

    # a positive counts as found only where the best span overlaps the true one
    pos = np.array(
        [f.distance if f.start_seconds < e and f.end_seconds > s else np.inf for f, s, e in found]
    )
    thresholds = {
        "calibrated": wake.stream_threshold,
        "rejecting_5_percent": float(np.quantile(pos, 0.95)),
    }
    report = {
        "wake_word": WAKE,
        "features": wake.kind,
        "stream_minutes": round(hours * 60, 1),
        "stream_seconds_by_part": {k: round(v, 1) for k, v in made.items()},
        "positives": int(pos.size),
        "scoring_seconds": round(scoring, 1),
        "positive_distances": {
            "median": round(float(np.median(pos)), 4),
            "max_found": round(float(pos[np.isfinite(pos)].max()), 4),
        },
        "at": {},
    }
    report["closest_negatives"] = [
        {"seconds": round(o.end_seconds, 2), "distance": round(o.distance, 3),
         "in": heard_in(o.end_seconds, spans)}
        for o in sorted(heard, key=lambda o: o.distance)[:5]
    ]  # fmt: skip
    for name, threshold in thresholds.items():
        fires = [(o.end_seconds, o.distance) for o in heard if o.distance <= threshold]
        report["at"][name] = {
            "threshold": round(threshold, 4),
            "false_accepts": len(fires),
            "false_accepts_per_hour": round(len(fires) / hours, 2),
            "positives_missed": round(float(np.mean(pos > threshold)), 3),
            "false_accepts_heard": [
                {"seconds": round(t, 2), "distance": round(d, 3), "in": heard_in(t, spans)}
                for t, d in fires
            ],
        }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
