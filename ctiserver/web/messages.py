"""Websocket messages, typed: each socket's protocol is a module of frozen dataclasses
(``ctiserver.calls.agent_messages`` for the agent console, ``ctiserver.acd.wallboard_messages``
for the wallboard). A message becomes JSON once, at the edge (the hub), as
``{"v": <protocol version>, "type": ..., <fields>}``. Clients ignore fields they do not know;
a change that would break them raises the socket's version."""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Message:
    type: ClassVar[str]
    version: ClassVar[int]

    def payload(self) -> dict[str, Any]:
        body = {"v": self.version, "type": self.type}
        for f in fields(self):
            body[f.name] = getattr(self, f.name)
        return body
