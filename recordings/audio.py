"""The audio work, run in worker processes (never on the event loop): whether MixMonitor has
finished a raw WAV, and its conversion to Ogg Opus (pydub over ffmpeg), verified by decoding
the result and comparing durations before anyone may delete the raw file."""
from __future__ import annotations

import hashlib
import os
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

from pydub import AudioSegment

FORMAT = "ogg"
CODEC = "libopus"
DURATION_TOLERANCE_MS = 100
"""Opus works in 20 ms frames and pads the last one; more difference than this is a bad file."""
WAV_HEADER_MAX = 256
CHECK_RATE = 8000
"""Samples a second the check decodes to (16-bit mono): a ms is 16 bytes."""


class ConversionError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Converted:
    duration_ms: int
    size_bytes: int
    sha256: str


def wav_complete(path: Path) -> bool:
    """MixMonitor closed the file: Asterisk writes the WAV header's sizes when it closes it."""
    try:
        with wave.open(str(path), "rb") as wav:
            data = wav.getnframes() * wav.getsampwidth() * wav.getnchannels()
    except (OSError, EOFError, wave.Error):
        return False
    return 0 < path.stat().st_size - data <= WAV_HEADER_MAX


def convert(raw: Path, out: Path, bitrate: str) -> Converted:
    """RAW (WAV) as Ogg Opus in OUT, decoded again and checked, flushed to disk."""
    source = AudioSegment.from_wav(raw)
    # A new file, not the old one truncated: a killed converter's orphaned pool process may
    # still be writing to that one.
    out.unlink(missing_ok=True)
    with open(out, "xb") as target:
        source.export(target, format=FORMAT, codec=CODEC, bitrate=bitrate,
                      parameters=["-application", "voip"])
        target.flush()
        os.fsync(target.fileno())
    decoded = decoded_ms(out)
    if abs(decoded - len(source)) > DURATION_TOLERANCE_MS:
        raise ConversionError(f"{out} decodes to {decoded} ms, the recording is {len(source)} ms")
    return Converted(decoded, out.stat().st_size, sha256_of(out))


def decoded_ms(path: Path) -> int:
    """PATH decoded whole by ffmpeg, its length in ms. The samples are counted as they stream
    past, not kept (pydub would hold them all and run ffprobe first: a third of the check)."""
    command = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
               "-ar", str(CHECK_RATE), "pipe:1"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as ffmpeg:
        size = sum(len(chunk) for chunk in iter(lambda: ffmpeg.stdout.read(1 << 16), b""))
        error = ffmpeg.stderr.read()
    if ffmpeg.returncode != 0:
        raise ConversionError(f"{path} does not decode: {error.decode(errors='replace').strip()}")
    return size * 1000 // (2 * CHECK_RATE)


def sha256_of(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
