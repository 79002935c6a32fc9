"""Text prompts as audio (adapter): espeak-ng speaks the text in the flow's language, ffmpeg
converts it once to what Asterisk plays best (8 kHz mono 16-bit WAV), and the file is kept
under a hash of (text, voice): the next call plays it at once.

Rendering blocks (two processes), so it runs in an executor, never on the event loop; calls
that ask for the same text at the same time wait for one rendering.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import subprocess
from collections.abc import Mapping
from pathlib import Path

from ivr.audiofiles import AudioError, write_asterisk_wav

log = logging.getLogger(__name__)

RENDER_SECONDS = 30.0
"""A rendering that takes longer has failed."""


class TextToSpeech:
    def __init__(self, cache: Path, *, played_as: str, voices: Mapping[str, str]) -> None:
        """``cache``: where the files are written; ``played_as``: the same folder as Asterisk
        sees it (the sandbox's Asterisk runs in a chroot)."""
        self.cache, self.played_as = cache, played_as.rstrip("/")
        self.voices = voices
        self._rendering: dict[str, asyncio.Future[None]] = {}

    async def __call__(self, text: str, language: str) -> str | None:
        """The file that says ``text``, as Asterisk plays it (without the extension); None
        (logged) when it cannot be rendered: the call goes on without the prompt."""
        voice = self.voices.get(language, language)
        name = prompt_name(text, voice)
        if not (self.cache / f"{name}.wav").exists():
            try:
                await self._render_once(name, text, voice)
            except (OSError, subprocess.SubprocessError, RenderError, AudioError) as exc:
                log.error("ivr: text prompt %r (%s) not rendered: %s", text, voice, exc)
                return None
        return f"{self.played_as}/{name}"

    async def _render_once(self, name: str, text: str, voice: str) -> None:
        pending = self._rendering.get(name)
        if pending is None:
            loop = asyncio.get_running_loop()
            pending = loop.run_in_executor(None, self.render, name, text, voice)
            self._rendering[name] = pending
            pending.add_done_callback(lambda _: self._rendering.pop(name, None))
        await asyncio.shield(pending)

    def render(self, name: str, text: str, voice: str) -> Path:
        """Blocking: espeak-ng's speech, resampled, written whole before it is visible."""
        target = self.cache / f"{name}.wav"
        speech = _run(["espeak-ng", "-v", voice, "--stdout", text], b"")
        write_asterisk_wav(target, ["-f", "wav", "-i", "pipe:0"], speech, timeout=RENDER_SECONDS)
        log.info("ivr: rendered %r (%s) to %s", text, voice, target)
        return target


def prompt_name(text: str, voice: str) -> str:
    return "tts-" + hashlib.sha256(f"{voice}\0{text}".encode()).hexdigest()[:32]


class RenderError(RuntimeError):
    pass


def _run(command: list[str], given: bytes) -> bytes:
    done = subprocess.run(command, input=given, capture_output=True, timeout=RENDER_SECONDS,
                          check=False)
    if done.returncode != 0:
        error = done.stderr.decode(errors="replace")
        raise RenderError(f"{command[0]} failed ({done.returncode}): {error}")
    return done.stdout
