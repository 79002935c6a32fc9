"""Text prompts through the real espeak-ng and ffmpeg: English and Mandarin, 8 kHz mono WAV,
rendered once per (text, voice) however many calls ask at the same time."""
from __future__ import annotations

import asyncio
import wave
from pathlib import Path

import pytest

from ivr.tts import TextToSpeech, prompt_name

pytestmark = pytest.mark.asyncio

VOICES = {"en": "en", "zh": "cmn"}


@pytest.mark.parametrize(("text", "language", "voice"), [
    ("Your ticket is open, Jürgen.", "en", "en"), ("您的工单已关闭，张伟 😀", "zh", "cmn")])
async def test_a_prompt_is_rendered_once_as_8_khz_mono(tmp_path: Path, text: str, language: str,
                                                      voice: str) -> None:
    tts = TextToSpeech(tmp_path / "cache", played_as="/srv/x/cache/", voices=VOICES)
    played = await asyncio.gather(*[tts(text, language) for _ in range(3)])
    name = prompt_name(text, voice)
    assert played == [f"/srv/x/cache/{name}"] * 3
    file = tmp_path / "cache" / f"{name}.wav"
    with wave.open(str(file)) as audio:
        assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (8000, 1, 2)
        assert audio.getnframes() > 4000  # over half a second of speech
    rendered = file.stat().st_mtime_ns
    assert await tts(text, language) == played[0] and file.stat().st_mtime_ns == rendered
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [f"{name}.wav"]


async def test_the_voice_is_part_of_the_name() -> None:
    assert prompt_name("hello", "en") != prompt_name("hello", "cmn")


async def test_a_cache_that_cannot_be_written_is_logged_and_the_prompt_left_out(
        tmp_path: Path, caplog) -> None:
    (tmp_path / "cache").write_text("a file where the folder should be")
    tts = TextToSpeech(tmp_path / "cache", played_as="/x", voices=VOICES)
    assert await tts("hello", "en") is None
    assert "not rendered" in caplog.text
