"""Agent sessions in Asterisk's queues: log in and out, pause and unpause with a reason.

The queue membership itself lives in app_queue (QueueAdd/QueueRemove/QueuePause over AMI); the
agent state machine learns the result from the QueueMember* events like any other change.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class AmiSender(Protocol):
    async def send(self, action: dict, *, timeout: float | None = None, listing: bool = False) -> object: ...


class AgentControlError(ValueError):
    """A request Asterisk would refuse, or that names an unknown reason."""


class AgentControl:
    def __init__(self, ami: AmiSender, pause_reasons: Sequence[str]) -> None:
        self._ami = ami
        self.pause_reasons = tuple(pause_reasons)

    async def log_in(self, interface: str, queues: Sequence[str], *, name: str = "",
                     state_interface: str = "", penalty: int = 0) -> None:
        for queue in queues:
            action = {"Action": "QueueAdd", "Queue": queue, "Interface": interface,
                      "Penalty": str(penalty), "MemberName": name or interface}
            if state_interface:
                action["StateInterface"] = state_interface
            await self._ami.send(action)

    async def log_out(self, interface: str, queues: Sequence[str]) -> None:
        for queue in queues:
            await self._ami.send({"Action": "QueueRemove", "Queue": queue, "Interface": interface})

    async def pause(self, interface: str, reason: str) -> None:
        if reason not in self.pause_reasons:
            raise AgentControlError(f"unknown pause reason {reason!r}; one of {', '.join(self.pause_reasons)}")
        await self._ami.send({"Action": "QueuePause", "Interface": interface, "Paused": "true",
                              "Reason": reason})

    async def unpause(self, interface: str) -> None:
        await self._ami.send({"Action": "QueuePause", "Interface": interface, "Paused": "false"})
