"""Following Asterisk's queue_log file as it grows (an adapter: file reads)."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from ctiserver.acd.queue_log import QueueLogEntry, parse_queue_log

log = logging.getLogger(__name__)


class QueueLogFollower:
    """The lines Asterisk appends to its queue_log, read on demand (``read``): whole lines
    written since the last read. Starts at the file's end as it is at construction (what was
    there before is history: ``rebuild_from_queue_log``'s business); follows a new file after
    rotation or truncation; a missing or unreadable file reads as nothing, and is tried again
    at the next read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._inode, self._offset = self._stat()
        self._partial = b""
        self._failed = False

    def _stat(self) -> tuple[int | None, int]:
        try:
            st = os.stat(self.path)
        except OSError:
            return None, 0
        return st.st_ino, st.st_size

    def read(self) -> list[QueueLogEntry]:
        inode, size = self._stat()
        if inode is None:
            return []
        if inode != self._inode or size < self._offset:
            self._inode, self._offset, self._partial = inode, 0, b""  # a new file
        if size == self._offset:
            return []
        try:
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                data = f.read(size - self._offset)
        except OSError as exc:
            if not self._failed:
                log.warning("queue_log %s unreadable (%s): exit reasons come from AMI alone",
                            self.path, exc)
                self._failed = True
            return []
        self._failed = False
        self._offset += len(data)
        data = self._partial + data
        cut = data.rfind(b"\n") + 1
        self._partial = data[cut:]
        return parse_queue_log(data[:cut].decode("utf-8", errors="replace"))
