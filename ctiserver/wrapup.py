"""After-call work gate: when an agent's part of a queue call ends, the agent is paused with
reason "after-call work" until a disposition is stored for every call they finished."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

AFTER_CALL_WORK = "after-call work"

Pause = Callable[[str, str], Awaitable[None]]
"""(interface, reason), e.g. AgentControl.pause."""
Unpause = Callable[[str], Awaitable[None]]
"""(interface), e.g. AgentControl.unpause."""


class WrapupGate:
    def __init__(self, pause: Pause, unpause: Unpause) -> None:
        self._pause = pause
        self._unpause = unpause
        self._pending: dict[str, set[str]] = {}

    def pending(self, interface: str) -> frozenset[str]:
        """Call keys still waiting for this agent's wrap-up."""
        return frozenset(self._pending.get(interface, ()))

    async def on_call_completed(self, interface: str, call_key: str) -> None:
        """The agent's part of ``call_key`` ended: pause them unless already waiting."""
        calls = self._pending.setdefault(interface, set())
        first = not calls
        calls.add(call_key)
        if first:
            await self._pause(interface, AFTER_CALL_WORK)

    async def on_wrapup_submitted(self, interface: str, call_key: str) -> None:
        """A wrap-up was stored: unpause once none of the agent's calls waits any more. A
        wrap-up for a call the gate did not hold (resubmitted, or outside queues) changes
        nothing."""
        calls = self._pending.get(interface)
        if not calls or call_key not in calls:
            return
        calls.discard(call_key)
        if not calls:
            del self._pending[interface]
            await self._unpause(interface)
