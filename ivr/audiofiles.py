"""The IVR's files, written whole or not at all (adapter, blocking): a flow's YAML, and audio
converted by ffmpeg to what Asterisk plays best, 8 kHz mono 16-bit WAV (text prompts and
uploaded prompts alike)."""
from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

ASTERISK_WAV = ("-ar", "8000", "-ac", "1", "-c:a", "pcm_s16le", "-f", "wav")


class AudioError(RuntimeError):
    """ffmpeg could not convert the input (its own words)."""


def write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old file or the whole new one."""
    with _partial(path) as partial:
        with open(partial, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())


def write_asterisk_wav(target: Path, source: Sequence[str], given: bytes, *, timeout: float) -> None:
    """ffmpeg's conversion of the input its ``source`` arguments name (``-i FILE``, or
    ``-f wav -i pipe:0`` with ``given`` piped in) at ``target``, whole or not at all."""
    with _partial(target) as partial:
        done = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *source,
                               *ASTERISK_WAV, partial], input=given, capture_output=True,
                              timeout=timeout, check=False)
        if done.returncode != 0:
            raise AudioError(f"ffmpeg failed ({done.returncode}): "
                             f"{done.stderr.decode(errors='replace')}")


@contextlib.contextmanager
def _partial(path: Path) -> Iterator[str]:
    """A temporary file beside ``path`` that replaces it (readable by Asterisk) when the block
    succeeds, and is gone either way."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(handle)
    try:
        yield partial
        os.chmod(partial, 0o644)
        os.replace(partial, path)
    finally:
        Path(partial).unlink(missing_ok=True)
