"""Waiting for what a test expects: on the event that brings it, failing on a timeout.

``BusWatch`` records what a CTI server's event bus publishes (typed AMI events and the call
tracker's notices) and wakes the waiting test on each new item: a condition is re-checked when
something happened, not every N milliseconds (``Changes``, for callbacks a test hands out). ``poll_until`` is for the few things no event
announces (a file Asterisk appends to, state queried from Asterisk between events): it re-checks
at an interval, and fails on the timeout too.
"""
from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from ctiserver.bus import EventBus

T = TypeVar("T")
Check = Callable[[], "T | None | Awaitable[T | None]"]


async def _result(check: Callable[[], Any]) -> Any:
    value = check()
    return await value if inspect.isawaitable(value) else value


class Changes:
    """Something a test watches changed (``notify``, e.g. from a callback it hands out):
    ``until`` re-checks its condition on each change."""

    def __init__(self) -> None:
        self._new = asyncio.Event()

    def notify(self, *_: object) -> None:
        self._new.set()

    async def until(self, check: Check, what: str, timeout: float = 15,
                    every: float | None = None) -> Any:
        """CHECK's first true result; CHECK (sync or async) runs now and again after each
        change (and, with EVERY, at least that often: for state no change announces)."""
        deadline = time.monotonic() + timeout
        while True:
            self._new.clear()  # what changes while CHECK runs wakes the next round
            result = await _result(check)
            if result:
                return result
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"timed out after {timeout}s waiting for {what}")
            try:
                await asyncio.wait_for(self._new.wait(), min(left, every) if every else left)
            except asyncio.TimeoutError:
                pass


class BusWatch(Changes):
    """Everything of KIND published on BUS from now until ``close()`` (or the ``with`` block's
    end), in order; a change per item published."""

    def __init__(self, bus: EventBus, kind: type = object) -> None:
        super().__init__()
        self.seen: list[Any] = []
        self._unsubscribe = bus.subscribe(kind, self._add)

    def _add(self, item: Any) -> None:
        self.seen.append(item)
        self.notify()

    def close(self) -> None:
        self._unsubscribe()

    def __enter__(self) -> BusWatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def of(self, cls: type[T], **fields: Any) -> list[T]:
        """The items seen of type CLS whose attributes equal FIELDS."""
        return [item for item in self.seen if isinstance(item, cls)
                and all(getattr(item, name) == value for name, value in fields.items())]

    async def first(self, cls: type[T], what: str = "", timeout: float = 15,
                    where: Callable[[T], bool] = lambda _: True, **fields: Any) -> T:
        """The first item of type CLS (with FIELDS, and WHERE true), already seen or arriving."""
        def found() -> T | None:
            return next((item for item in self.of(cls, **fields) if where(item)), None)
        return await self.until(found, what or f"{cls.__name__} {fields}", timeout)


async def poll_until(check: Check, what: str, timeout: float, every: float = 0.2) -> Any:
    """CHECK's first true result, re-checked every EVERY seconds: only for what no event
    announces (a file, a database row written by another process). Fails on the timeout."""
    return await Changes().until(check, what, timeout, every=every)
