"""After-call work gate: when an agent's part of a queue call ends, the agent is paused with
reason "after-call work" until a disposition is stored for every call they finished.

The pending calls are kept in memory and mirrored in a store (the CRM's pending_wrapups), so a
restarted CTI server keeps gating the agents it gated. The store is a mirror, not the truth
while running: a store failure is logged and the in-memory state goes on."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol

from callcenter.errors import Conflict

log = logging.getLogger(__name__)

AFTER_CALL_WORK = "after-call work"

Pause = Callable[[str, str], Awaitable[None]]
"""(interface, reason), e.g. AgentControl.pause."""
Unpause = Callable[[str], Awaitable[None]]
"""(interface), e.g. AgentControl.unpause."""


class PendingStore(Protocol):
    async def add(self, interface: str, call_key: str) -> None: ...

    async def remove(self, interface: str, call_key: str) -> None: ...

    async def load(self) -> Iterable[tuple[str, str, bool]]:
        """Every stored (interface, call_key, wrapped_up): wrapped_up when the wrap-up was
        stored meanwhile (while no gate was listening)."""
        ...


class WrapupGate:
    def __init__(self, pause: Pause, unpause: Unpause, store: PendingStore) -> None:
        self._pause = pause
        self._unpause = unpause
        self._store = store
        self._pending: dict[str, set[str]] = {}
        self._restored = False

    @property
    def restored(self) -> bool:
        """Whether the store's calls from before a restart are taken over: until then
        ``pending`` may miss some."""
        return self._restored

    def pending(self, interface: str) -> frozenset[str]:
        """Call keys still waiting for this agent's wrap-up."""
        return frozenset(self._pending.get(interface, ()))

    async def on_call_completed(self, interface: str, call_key: str) -> None:
        """The agent's part of ``call_key`` ended: pause them unless already waiting."""
        calls = self._pending.setdefault(interface, set())
        first = not calls
        calls.add(call_key)
        try:
            if first:  # before the store: a slow database must not let the next call through
                await self._pause(interface, AFTER_CALL_WORK)
        finally:
            await self._mirror(self._store.add, interface, call_key)

    async def on_wrapup_submitted(self, interface: str, call_key: str) -> None:
        """A wrap-up was stored: unpause once none of the agent's calls waits any more. A
        wrap-up for a call the gate did not hold (resubmitted, or outside queues) changes
        nothing. The wrap-up is stored either way: a refused unpause is logged, and the agent,
        no longer gated, may unpause from the console."""
        calls = self._pending.get(interface)
        if not calls or call_key not in calls:
            return
        calls.discard(call_key)
        await self._mirror(self._store.remove, interface, call_key)
        if not calls:
            del self._pending[interface]
            await self._release(interface)

    async def unpause(self, interface: str) -> None:
        """The agent asks to take calls again: refused while a call waits for its wrap-up."""
        if self._pending.get(interface):
            raise Conflict("give a disposition for your last call first")
        await self._unpause(interface)

    async def restore(self) -> None:
        """Take over what the store kept from before a restart (once; a failed load is retried
        on the next call): calls still waiting gate their agents again; an agent whose calls
        were all wrapped up meanwhile is released."""
        if self._restored:
            return
        try:
            rows = list(await self._store.load())
        except Exception:  # the store is I/O: whatever fails, the gate keeps running
            log.exception("after-call work: pending wrap-ups not loaded (retried on resync)")
            return
        self._restored = True
        await self._take_over(rows)

    async def _take_over(self, rows: list[tuple[str, str, bool]]) -> None:
        done: dict[str, set[str]] = {}
        for interface, call_key, wrapped_up in rows:
            target = done if wrapped_up else self._pending
            target.setdefault(interface, set()).add(call_key)
        released = set(done) - set(self._pending)
        for interface, calls in done.items():
            for call_key in calls:
                await self._mirror(self._store.remove, interface, call_key)
        for interface in released:
            await self._release(interface)
        log.info("after-call work: %d agents still gated, %d released",
                 len(self._pending), len(released))

    async def _release(self, interface: str) -> None:
        try:
            await self._unpause(interface)
        except Exception:  # Asterisk's refusal (or a lost link) must not undo the wrap-up
            log.exception("after-call work: could not unpause %s", interface)

    async def _mirror(self, change: Callable[[str, str], Awaitable[None]], interface: str,
                      call_key: str) -> None:
        try:
            await change(interface, call_key)
        except Exception:  # a database outage must not break the gate: memory stays right
            log.exception("after-call work: store %s failed for %s %s",
                          change.__name__, interface, call_key)
