"""The audio work, run in worker processes (never on the event loop): whether MixMonitor has
finished a raw WAV, and its conversion to Ogg Opus (pydub over ffmpeg), verified by decoding
the result (libsndfile, a second decoder, in the process) and comparing durations before
anyone may delete the raw file."""
from __future__ import annotations

import hashlib
import os
import wave
from dataclasses import dataclass
from pathlib import Path

import soundfile
from pydub import AudioSegment

FORMAT = "ogg"
CODEC = "libopus"
DURATION_TOLERANCE_MS = 100
"""Opus works in 20 ms frames and pads the last one; more difference than this is a bad file."""
WAV_HEADER_MAX = 256
COMPLEXITY = 3
"""libopus's encoder search (0-10): telephone audio (8 kHz, one voice) at voip bitrates gains
nothing audible above this, and 10 costs about 40 % more of the conversion's CPU (which
competes with transcription for the same cores)."""
CHECK_BLOCK = 1 << 15
"""Frames the check decodes at a time: memory stays flat however long the recording."""


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
                      parameters=["-application", "voip",
                                  "-compression_level", str(COMPLEXITY)])
        target.flush()
        os.fsync(target.fileno())
    decoded = decoded_ms(out)
    if abs(decoded - len(source)) > DURATION_TOLERANCE_MS:
        raise ConversionError(f"{out} decodes to {decoded} ms, the recording is {len(source)} ms")
    return Converted(decoded, out.stat().st_size, sha256_of(out))


def decoded_ms(path: Path) -> int:
    """PATH decoded whole, its length in ms. libsndfile decodes it in this process (an ffmpeg
    process to start costs more than the decoding) and counts the frames as they pass."""
    try:
        with soundfile.SoundFile(path) as decoder:
            frames = sum(len(block) for block in decoder.blocks(CHECK_BLOCK, dtype="int16"))
            rate = decoder.samplerate
    except RuntimeError as exc:  # soundfile.LibsndfileError is one
        raise ConversionError(f"{path} does not decode: {exc}") from exc
    return frames * 1000 // rate


def sha256_of(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
