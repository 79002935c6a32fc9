"""Speech to text with vosk, run in the converter's worker processes (never on the event
loop): each process loads a language's model once and keeps it for every later recording."""
from __future__ import annotations

import json
import os
import wave
from pathlib import Path

import vosk

from callcenter.vosk_models import model
from recordings.transcribed import Transcribed, Word

CHUNK_FRAMES = 4000
"""Frames fed to the recognizer at a time (half a second at MixMonitor's 8 kHz)."""
WORKER_NICENESS = 5
"""Pool processes run below the event loop's priority: on a busy machine the CTI server's
loop gets the CPU first, and decoding takes what is left."""


def prepare_worker(model_dirs: tuple[str, ...]) -> None:
    """A pool process's start: its priority lowered, every model loaded."""
    os.nice(WORKER_NICENESS)
    for folder in model_dirs:
        model(folder)


def transcribe(wav_path: Path, model_dir: Path) -> Transcribed:
    """The words of WAV_PATH (16-bit mono PCM at any rate: Kaldi resamples) with their times."""
    words: list[Word] = []
    with wave.open(str(wav_path), "rb") as wav:
        rate, frames = wav.getframerate(), wav.getnframes()
        recognizer = vosk.KaldiRecognizer(model(model_dir), rate)
        recognizer.SetWords(True)
        while chunk := wav.readframes(CHUNK_FRAMES):
            if recognizer.AcceptWaveform(chunk):
                words += _words(recognizer.Result())
    words += _words(recognizer.FinalResult())
    return Transcribed(" ".join(w.word for w in words), tuple(words), frames / rate)


def _words(result: str) -> list[Word]:
    return [Word(w["word"], w["start"], w["end"], w["conf"])
            for w in json.loads(result).get("result", [])]
