"""Websocket messages, typed: each socket's protocol is a module of frozen dataclasses
(``ctiserver.calls.agent_messages`` for the agent console, ``ctiserver.acd.wallboard_messages``
for the wallboard). A message becomes JSON once, at the edge (the hub), as
``{"v": <protocol version>, "type": ..., <fields>}``. Clients ignore fields they do not know;
a change that would break them raises the socket's version."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, is_dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Message:
    type: ClassVar[str]
    version: ClassVar[int]

    def payload(self) -> dict[str, Any]:
        body = {"v": self.version, "type": self.type}
        for f in fields(self):
            value = getattr(self, f.name)
            body[f.name] = asdict(value) if is_dataclass(value) else value  # a typed part
        return body
