"""Speech menus' ears (adapter): the caller's answer, recorded by Asterisk (RECORD FILE), is
recognised by vosk restricted to the menu's phrases (a grammar), so a small model tells short
distinct words apart reliably.

Recognition blocks (it is CPU work in vosk's library), so it runs in a thread pool of its own,
never on the event loop; vosk releases the GIL while it decodes. Each language's model is loaded
once, on its first use, and shared by every call (a vosk model is safe to share; a recognizer is
per call).
"""
from __future__ import annotations

import asyncio
import json
import logging
import wave
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from vosk import KaldiRecognizer

from callcenter.vosk_models import model
from ivr.commands import Heard

log = logging.getLogger(__name__)

RECORDING_FORMAT = "wav"
"""What a speech menu's answer is recorded as: 16-bit PCM at the channel's rate."""

UNKNOWN = "[unk]"
"""Vosk's word for speech outside the grammar (models without it ignore it)."""
CHUNK_FRAMES = 4000


class SpeechRecognizer:
    def __init__(self, models: Mapping[str, Path], *, min_confidence: float = 0.0,
                 workers: int = 2) -> None:
        """``models``: a language -> its vosk model folder; ``min_confidence``: below it
        nothing was heard, whatever a menu accepts."""
        self.folders, self.min_confidence = dict(models), min_confidence
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="ivr-speech")

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def __call__(self, audio: Path, language: str, phrases: Sequence[str]) -> Heard:
        """Which of ``phrases`` the recording says; ``Heard("")`` when none (or no model for
        the language: the menu's keys still work)."""
        if language not in self.folders:
            log.warning("ivr: no speech model for language %r", language)
            return Heard("")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.recognize, audio, language,
                                          tuple(phrases))

    def recognize(self, audio: Path, language: str, phrases: Sequence[str]) -> Heard:
        """Blocking: the recording (a WAV file of any rate) against ``phrases`` alone."""
        with wave.open(str(audio), "rb") as wav:
            grammar = json.dumps([*phrases, UNKNOWN], ensure_ascii=False)
            recognizer = KaldiRecognizer(model(self.folders[language]), wav.getframerate(),
                                         grammar)
            recognizer.SetWords(True)
            while chunk := wav.readframes(CHUNK_FRAMES):
                recognizer.AcceptWaveform(chunk)
        heard = phrase_heard(json.loads(recognizer.FinalResult()), phrases)
        return heard if heard.confidence >= self.min_confidence else Heard("")


def phrase_heard(result: Mapping[str, Any], phrases: Sequence[str]) -> Heard:
    """Vosk's final result as the phrase it matches (as the flow wrote it) with the least
    confident word's confidence; ``Heard("")`` when it matches none."""
    spoken = _words(str(result.get("text", "")))
    phrase = next((p for p in phrases if _words(p) == spoken), None) if spoken else None
    if phrase is None:
        return Heard("")
    confidence = min((float(w.get("conf", 0.0)) for w in result.get("result", [])), default=0.0)
    return Heard(phrase, confidence)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.casefold().split())


class SpeechInput:
    """Where Asterisk records the callers' answers, and the recognizer that hears them. A
    recording is deleted once heard: the caller's voice is kept nowhere."""

    def __init__(self, recognizer: SpeechRecognizer, recordings: tuple[Path, str]) -> None:
        """``recordings``: the folder, and the same folder as Asterisk sees it."""
        self.recognizer = recognizer
        self.folder, self.recorded_as = recordings[0], recordings[1].rstrip("/")

    def record_as(self, name: str) -> tuple[str, str]:
        """Where RECORD FILE writes recording ``name`` (without the extension), and its format."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return f"{self.recorded_as}/{name}", RECORDING_FORMAT

    def discard(self, name: str) -> None:
        """A recording a key ended: the caller answered with the key."""
        self._recording(name).unlink(missing_ok=True)

    async def hear(self, name: str, language: str, phrases: Sequence[str]) -> Heard:
        audio = self._recording(name)
        try:
            return await self.recognizer(audio, language, phrases)
        except (OSError, EOFError, wave.Error) as exc:
            log.warning("ivr: recording %s not heard: %s", audio, exc)
            return Heard("")
        finally:
            audio.unlink(missing_ok=True)

    def _recording(self, name: str) -> Path:
        return self.folder / f"{name}.{RECORDING_FORMAT}"
