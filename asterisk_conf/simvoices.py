"""The sandbox's spoken sounds, by espeak-ng: the simulated customers' voices, an answering
machine's long greeting (then Asterisk's own beep) and a person's short "hello" followed by
silence, so Asterisk's AMD() hears what it would on a real line; and the demo seller's
abandoned-call (safe-harbor) message. Made once into a cache folder (named by what they say
and how, so a change of wording makes new files) and copied into the instance's sounds folder
as ``.sln`` (signed 16-bit little-endian, 8 kHz mono: no transcoding in Asterisk).
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

VOICE = ("espeak-ng", "-v", "en-us", "-s", "165")
SOUNDS = "lib/sounds"
"""The instance's folder (under its own) the sounds are installed in."""


@dataclass(frozen=True, slots=True)
class Utterance:
    name: str
    """The sound's name in the instance's sounds folder (``NAME.sln``)."""
    text: str
    silence_after: float
    """Seconds of silence appended: AMD needs frames of silence, not a quiet line, to decide."""

    @property
    def key(self) -> str:
        recipe = "|".join([*VOICE, self.text, f"{self.silence_after:g}"])
        return hashlib.sha256(recipe.encode()).hexdigest()[:16]


MACHINE = Utterance(
    "sim-machine",
    "Hello, you have reached the Miller family. We cannot take your call right now."
    " Please leave your name and number after the tone.", silence_after=0)
"""About 8 s of speech: AMD's greeting limit (1.5 s) and word count (2) both say MACHINE."""
HUMAN = Utterance("sim-human", "Hello?", silence_after=3)
"""Half a second of speech, then silence: AMD says HUMAN after its after-greeting silence."""
SAFE_HARBOR = Utterance(
    "sim-safe-harbor",
    "Example Energy, 0800 123 456. Press 9 to opt out.", silence_after=0)
"""What the rules ask of an abandoned call's message: the seller, a number, the opt-out key
(about 7 s)."""
UTTERANCES = (MACHINE, HUMAN, SAFE_HARBOR)


def sound(srv: PurePosixPath, utterance: Utterance) -> str:
    """The utterance as Asterisk (inside the root, instance folder SRV) plays it."""
    return str(srv / SOUNDS / utterance.name)


def _speak(utterance: Utterance, path: Path) -> None:
    """espeak-ng's 22 kHz WAV piped through ffmpeg into raw 8 kHz mono 16-bit."""
    wav = subprocess.run([*VOICE, "--stdout", utterance.text], capture_output=True,
                         check=True, timeout=30).stdout
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "wav", "-i", "pipe:0",
         "-af", f"apad=pad_dur={utterance.silence_after:g}",
         "-ar", "8000", "-ac", "1", "-f", "s16le", "-acodec", "pcm_s16le", str(path)],
        input=wav, capture_output=True, check=True, timeout=30)


def cached(utterance: Utterance, cache: Path) -> Path:
    """The utterance's file in CACHE, spoken now if it is not there yet."""
    path = cache / f"{utterance.name}-{utterance.key}.sln"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        _speak(utterance, partial)
        partial.replace(path)
    return path


def install_voices(cache: Path, sounds: Path) -> list[Path]:
    """Every utterance in SOUNDS as NAME.sln (from CACHE)."""
    sounds.mkdir(parents=True, exist_ok=True)
    installed = []
    for utterance in UTTERANCES:
        target = sounds / f"{utterance.name}.sln"
        source = cached(utterance, cache)
        if not target.exists() or target.read_bytes() != source.read_bytes():
            shutil.copyfile(source, target)
        installed.append(target)
    return installed
