"""Where stored recordings live: one small interface (``Storage``), a folder now, an object
store later. Keys are dated, ``YYYY/MM/DD/<call key>.<format>``; a file is written under a
temporary name and renamed into place, so a key never names half a file."""
from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from typing import Protocol

_UNSAFE = re.compile(r"[^0-9A-Za-z._-]")


def storage_key(call_key: str, recorded_at: datetime, extension: str) -> str:
    return f"{recorded_at:%Y/%m/%d}/{_UNSAFE.sub('_', call_key)}.{extension}"


class Storage(Protocol):
    def scratch(self, key: str) -> Path:
        """A local file to write KEY's contents to before ``put``; the same path for the same
        key, so a retried job overwrites what a crashed one left."""

    def put(self, scratch: Path, key: str) -> None:
        """Make SCRATCH the contents of KEY, whole or not at all."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...


class FolderStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / key

    def scratch(self, key: str) -> Path:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.with_name(f".{path.name}.partial")

    def put(self, scratch: Path, key: str) -> None:
        target = self.path(key)
        scratch.replace(target)
        _fsync_dir(target.parent)  # the rename survives a power cut

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
