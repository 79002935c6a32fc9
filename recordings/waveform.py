"""A recording's waveform, run in a worker process or thread (never on the event loop): the
peak of each 50 ms, one byte each (0-255 of full scale), small enough to store with the
recording and draw in the player at any width."""
from __future__ import annotations

from pathlib import Path

from pydub import AudioSegment

INTERVAL_MS = 50
FULL_SCALE = 255


def peaks(path: Path, audio_format: str) -> bytes:
    audio = AudioSegment.from_file(path, format=audio_format).set_channels(1)
    limit = audio.max_possible_amplitude
    return bytes(min(FULL_SCALE, round(audio[start:start + INTERVAL_MS].max / limit * FULL_SCALE))
                 for start in range(0, len(audio), INTERVAL_MS))
