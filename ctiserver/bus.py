"""The CTI server's event bus: typed AMI events and the tracker's notices go to the handlers
subscribed to their type (or a base type), in subscription order, synchronously on the event
loop. A failing handler is logged and the others still run."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
Handler = Callable[[Any], None]


class EventBus:
    def __init__(self) -> None:
        self._order: list[tuple[type, Handler]] = []
        self._resolved: dict[type, tuple[Handler, ...]] = {}

    def subscribe(self, kind: type[T], handler: Callable[[T], None]) -> Callable[[], None]:
        """HANDLER gets every published item that is a KIND; returns the unsubscribe."""
        self._order.append((kind, handler))
        self._resolved.clear()
        return lambda: self._unsubscribe(kind, handler)

    def _unsubscribe(self, kind: type, handler: Handler) -> None:
        self._order.remove((kind, handler))
        self._resolved.clear()

    def handlers(self, kind: type) -> tuple[Handler, ...]:
        found = self._resolved.get(kind)
        if found is None:  # resolved once per concrete type: publishing stays a dict lookup
            found = self._resolved[kind] = tuple(h for k, h in self._order if issubclass(kind, k))
        return found

    def publish(self, item: object) -> None:
        for handler in self.handlers(type(item)):
            try:
                handler(item)
            except Exception:
                log.exception("handler %r failed on %r", handler, item)
