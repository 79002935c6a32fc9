"""Agent sessions in Asterisk's queues: log in and out, pause and unpause with a reason.

The queue membership itself lives in app_queue (QueueAdd/QueueRemove/QueuePause over AMI); the
agent state machine learns the result from the QueueMember* events like any other change.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from callcenter.errors import Invalid
from ctiserver.ami import actions as act


class AmiSender(Protocol):
    async def send(self, action: act.AmiAction) -> object: ...


StateInterface = Callable[[str], str]
"""What Asterisk watches for a member's busy state, from its interface (the interface itself
in production; the sandbox's simulated agents use a custom device state)."""


class AgentControl:
    def __init__(self, ami: AmiSender, pause_reasons: Sequence[str], *,
                 state_interface: StateInterface = lambda interface: interface) -> None:
        self._ami = ami
        self.pause_reasons = tuple(pause_reasons)
        self._state_interface = state_interface

    async def log_in(self, interface: str, queues: Sequence[str], *, name: str = "",
                     penalty: int = 0, state_interface: str | None = None) -> None:
        state = state_interface or self._state_interface(interface)
        for queue in queues:
            await self._ami.send(act.QueueAdd(
                queue, interface, penalty, member_name=name or interface,
                state_interface=state if state != interface else None))

    async def log_out(self, interface: str, queues: Sequence[str]) -> None:
        for queue in queues:
            await self._ami.send(act.QueueRemove(queue, interface))

    async def pause(self, interface: str, reason: str) -> None:
        if reason not in self.pause_reasons:
            raise Invalid("unknown pause reason {reason}; one of {reasons}", reason=repr(reason),
                          reasons=", ".join(self.pause_reasons))
        await self._ami.send(act.QueuePause(interface, True, reason))

    async def unpause(self, interface: str) -> None:
        await self._ami.send(act.QueuePause(interface, False))
