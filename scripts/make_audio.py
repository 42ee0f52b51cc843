"""Generate the sample speech clips in assets/audio/ with espeak-ng and sox.

Run from the repository root: ``python scripts/make_audio.py``. Needs the Debian packages
espeak-ng and sox. The output is deterministic (sox runs in repeatable mode), 16 kHz mono
16-bit WAV, and ``manifest.json`` records every clip's text and voice and where the wake
phrase lies inside the longer recording.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "assets" / "audio"
RATE = 16_000

DOORS = "Doors and corners, kid. That's where they get you."
ROOM = "You walk into a room too fast, the room eats you."
WAKE = "Hey Marvin"

# (file stem, text, espeak-ng voice, words per minute, pitch 0-99)
CLIPS: list[tuple[str, str, str, int, int]] = [
    ("doors_us_160wpm", DOORS, "en-us", 160, 50),
    ("doors_us_110wpm", DOORS, "en-us", 110, 50),
    ("doors_gb_230wpm", DOORS, "en-gb", 230, 45),
    ("doors_us-f_150wpm", DOORS, "en-us+f3", 150, 65),
    ("room_us_160wpm", ROOM, "en-us", 160, 50),
    ("hey_marvin_1", WAKE, "en-us", 150, 50),
    ("hey_marvin_2", WAKE, "en-us", 210, 55),
    ("hey_marvin_3", WAKE, "en-gb", 170, 45),
    ("hey_marvin_4", WAKE, "en-us+f2", 160, 60),
    ("hey_marvin_5", WAKE, "en-gb-scotland", 135, 40),
    ("hey_marvin_6", WAKE, "en-us+m3", 185, 50),
    ("good_morning", "Good morning", "en-us", 160, 50),
]

# The longer recording: (text, voice, wpm, pitch), with the wake phrase in the middle.
LONG_PARTS = [
    ("The weather looks fine today.", "en-us", 165, 50),
    (WAKE, "en-us", 165, 50),
    ("What time is my next meeting?", "en-us", 165, 50),
]
WAKE_PART = 1
GAP_SECONDS = 0.6
EDGE_SECONDS = 0.4
NOISE_VOLUME = 0.003  # about -50 dBFS of white noise under the long recording


def run(*args: str) -> str:
    """Run a command, fail loudly, return its standard output."""
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def speak(text: str, voice: str, wpm: int, pitch: int, out: Path, tmp: Path) -> None:
    """espeak-ng to 16 kHz mono WAV, silence at both ends removed, peak at -3 dBFS."""
    raw = tmp / "raw.wav"
    run("espeak-ng", "-v", voice, "-s", str(wpm), "-p", str(pitch), "-w", str(raw), text)
    run(
        "sox", "-R", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out),
        "silence", "1", "0.01", "0.5%", "reverse", "silence", "1", "0.01", "0.5%", "reverse",
        "norm", "-3",
    )  # fmt: skip


def seconds(path: Path) -> float:
    """Duration of a WAV file in seconds."""
    return float(run("soxi", "-D", str(path)).strip())


def main() -> None:
    """Write every clip and manifest.json into assets/audio/."""
    OUT.mkdir(parents=True, exist_ok=True)
    manifest: dict = {"sample_rate": RATE, "clips": {}, "long": {}}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for stem, text, voice, wpm, pitch in CLIPS:
            out = OUT / f"{stem}.wav"
            speak(text, voice, wpm, pitch, out, tmp)
            manifest["clips"][out.name] = {
                "text": text, "voice": voice, "wpm": wpm, "pitch": pitch,
                "seconds": round(seconds(out), 3),
            }  # fmt: skip

        pieces = []
        t = EDGE_SECONDS
        for k, (text, voice, wpm, pitch) in enumerate(LONG_PARTS):
            part = tmp / f"part{k}.wav"
            speak(text, voice, wpm, pitch, part, tmp)
            length = seconds(part)
            if k == WAKE_PART:
                manifest["long"]["wake_start"] = round(t, 3)
                manifest["long"]["wake_end"] = round(t + length, 3)
            pad_before = EDGE_SECONDS if k == 0 else 0.0
            pad_after = EDGE_SECONDS if k == len(LONG_PARTS) - 1 else GAP_SECONDS
            padded = tmp / f"padded{k}.wav"
            run("sox", str(part), str(padded), "pad", str(pad_before), str(pad_after))
            pieces.append(str(padded))
            t += length + pad_after
        speech = tmp / "speech.wav"
        run("sox", *pieces, str(speech))
        noise = tmp / "noise.wav"
        run(
            "sox", "-R", "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(noise),
            "synth", f"{seconds(speech):.4f}", "whitenoise", "vol", str(NOISE_VOLUME),
        )  # fmt: skip
        long_out = OUT / "long_with_hey_marvin.wav"
        run("sox", "-R", "-m", str(speech), str(noise), "-b", "16", str(long_out))
        manifest["long"].update(
            file=long_out.name,
            text=" ".join(p[0] for p in LONG_PARTS),
            voice=LONG_PARTS[WAKE_PART][1],
            seconds=round(seconds(long_out), 3),
        )
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
