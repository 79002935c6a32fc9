"""The grammar recognizer on real espeak-ng speech (Korean voice) and vosk's Korean model:
each phrase is heard as itself, several calls share one model loaded once, and a recording
that matches nothing (or is missing) is heard as nothing."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from callcenter.vosk_models import model, model_folders, packaged_models
from ivr.commands import Heard
from ivr.speech import SpeechInput, SpeechRecognizer, phrase_heard
from ivr.tts import TextToSpeech

PHRASES = ("상담원", "예약")


async def _spoken(folder: Path, text: str) -> Path:
    """``text`` as the IVR's text prompts are: espeak-ng's Korean voice, 8 kHz mono WAV."""
    played = await TextToSpeech(folder, played_as=str(folder), voices={"ko": "ko"})(text, "ko")
    assert played is not None
    return Path(f"{played}.wav")


@pytest.fixture(scope="module")
def recognizer() -> Iterator[SpeechRecognizer]:
    models = packaged_models()
    assert "ko" in models and (models["ko"] / "am" / "final.mdl").exists(), models
    speech = SpeechRecognizer(models, min_confidence=0.5)
    yield speech
    speech.close()


@pytest.mark.asyncio
async def test_each_phrase_is_heard_as_itself_by_calls_sharing_one_model(
        recognizer: SpeechRecognizer, tmp_path: Path) -> None:
    audio = {phrase: await _spoken(tmp_path, phrase) for phrase in PHRASES}
    heard = await asyncio.gather(*[recognizer(audio[p], "ko", PHRASES) for p in PHRASES * 3])
    assert [h.text for h in heard] == list(PHRASES * 3)
    assert all(h.confidence >= 0.5 for h in heard), heard


@pytest.mark.asyncio
async def test_a_language_without_a_model_hears_nothing(recognizer: SpeechRecognizer,
                                                        tmp_path: Path) -> None:
    audio = await _spoken(tmp_path, "예약")
    assert await recognizer(audio, "en", PHRASES) == Heard("")


@pytest.mark.asyncio
async def test_a_recording_is_deleted_once_heard_or_discarded_a_missing_one_is_heard_as_nothing(
        recognizer: SpeechRecognizer, tmp_path: Path) -> None:
    ears = SpeechInput(recognizer, (tmp_path / "heard", "/srv/x/heard/"))
    assert ears.record_as("heard-1") == ("/srv/x/heard/heard-1", "wav")
    (tmp_path / "heard" / "heard-1.wav").write_bytes((await _spoken(tmp_path, "예약")).read_bytes())
    assert (await ears.hear("heard-1", "ko", PHRASES)).text == "예약"
    assert not (tmp_path / "heard" / "heard-1.wav").exists()
    assert await ears.hear("heard-2", "ko", PHRASES) == Heard("")
    (tmp_path / "heard" / "heard-3.wav").write_bytes(b"ended by a key")
    ears.discard("heard-3")
    assert not (tmp_path / "heard" / "heard-3.wav").exists()


def test_a_result_matches_a_phrase_as_the_flow_wrote_it_with_its_least_sure_word() -> None:
    result = {"text": "talk to sales", "result": [{"conf": 0.9}, {"conf": 0.7}, {"conf": 1.0}]}
    assert phrase_heard(result, ["Talk  to Sales", "billing"]) == Heard("Talk  to Sales", 0.7)
    assert phrase_heard({"text": "[unk]", "result": [{"conf": 1.0}]}, ["billing"]) == Heard("")
    assert phrase_heard({"text": ""}, ["billing"]) == Heard("")


def test_one_model_per_folder_for_the_ivr_and_the_transcription() -> None:
    packaged = model_folders(None)
    assert model_folders({"zh": Path("/opt/vosk/zh")}) == {"zh": Path("/opt/vosk/zh")}
    assert model(packaged["ko"]) is model(str(packaged["ko"])), "loaded once, by any spelling"
