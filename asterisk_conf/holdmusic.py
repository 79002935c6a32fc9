"""A short chime for the sandbox's music-on-hold class ``cc-hold``: no audio file ships with
the project, and a held caller should hear that the line is alive. Written as ``.sln``
(signed 16-bit little-endian, 8 kHz mono), a format Asterisk reads without transcoding
libraries."""
from __future__ import annotations

import math
import sys
from array import array
from pathlib import Path

RATE = 8000
NOTES = (523.25, 659.25, 783.99, 659.25)  # C5 E5 G5 E5
NOTE_SECONDS, PAUSE_SECONDS = 0.45, 1.2
VOLUME = 6000


def chime() -> bytes:
    """Four soft decaying notes and a pause: about three seconds, looped by Asterisk."""
    samples = array("h")
    for freq in NOTES:
        for i in range(int(NOTE_SECONDS * RATE)):
            t = i / RATE
            samples.append(int(VOLUME * math.exp(-4 * t) * math.sin(2 * math.pi * freq * t)))
    samples.extend([0] * int(PAUSE_SECONDS * RATE))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def write_hold_music(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "chime.sln"
    data = chime()
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)
    return path
