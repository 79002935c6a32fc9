"""The conversion's own check (Debian's ffmpeg encodes, libsndfile decodes): a converted
recording decodes to its length; a file cut short or not audio is refused, so the raw WAV is
never deleted for it."""
from __future__ import annotations

from pathlib import Path

import pytest

from recordings import audio
from tests.helpers.recordings import write_tone_wav


def test_a_converted_recording_decodes_to_its_length(tmp_path: Path) -> None:
    raw = tmp_path / "call.wav"
    write_tone_wav(raw, 3)
    converted = audio.convert(raw, tmp_path / "call.ogg", "24k")
    assert abs(converted.duration_ms - 3000) <= audio.DURATION_TOLERANCE_MS
    assert audio.decoded_ms(tmp_path / "call.ogg") == converted.duration_ms


def test_a_file_that_does_not_decode_is_refused(tmp_path: Path) -> None:
    raw = tmp_path / "call.wav"
    write_tone_wav(raw, 3)
    audio.convert(raw, tmp_path / "call.ogg", "24k")
    cut = tmp_path / "cut.ogg"
    cut.write_bytes((tmp_path / "call.ogg").read_bytes()[:200])
    (tmp_path / "noise.ogg").write_bytes("Jürgen 张伟 😀".encode())
    with pytest.raises(audio.ConversionError):
        audio.decoded_ms(tmp_path / "noise.ogg")
    try:  # a cut file decodes as far as it goes, or not at all: either way not as the recording
        assert audio.decoded_ms(cut) < 3000 - audio.DURATION_TOLERANCE_MS
    except audio.ConversionError:
        pass
