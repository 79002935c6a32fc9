"""The wallboard's websocket protocol (``/ws/wallboard``), version 1: server to wallboard only.

``stats``: ``event_at`` (when the oldest change it reflects arrived), ``changed``, ``full``
(the whole snapshot, or only the touched queue tiles and agents plus the "all" tile), then the
statistics snapshot's own keys (``queues``, ``agents``, ``day_start``, ``definitions``...: see
``QueueStats.snapshot``), flat beside them. The header comes first, so a reader can time an
update without parsing all of it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ctiserver.web.messages import Message

VERSION = 1


@dataclass(frozen=True, slots=True)
class Stats(Message):
    type: ClassVar[str] = "stats"
    version: ClassVar[int] = VERSION
    event_at: float
    changed: bool
    full: bool
    snapshot: Mapping[str, Any]

    def payload(self) -> dict[str, Any]:
        return {"v": VERSION, "type": self.type, "event_at": self.event_at,
                "changed": self.changed, "full": self.full, **self.snapshot}
