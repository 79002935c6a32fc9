"""Wiring of the calls domain: the call tracker's notices feed the CRM writer (finished calls,
exactly once) and the screen pops (the ringing agent's console; a dialer's call pops its lead)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from crm_core.values import CallRecord
from ctiserver.bus import EventBus
from ctiserver.calls.screenpop import (
    AgentDirectory, CustomerLookup, DialerCall, LeadCards, ScreenPopService,
)
from ctiserver.calls.tracker import CallEnded, CallTracker, ExitLog, Notice
from ctiserver.calls.writer import CallRecordWriter
from ctiserver.web.hub import ClientHub


class CallsDomain:
    def __init__(self, bus: EventBus, hub: ClientHub, *,
                 record_calls: Callable[[Sequence[CallRecord]], Awaitable[int]],
                 lookup_customer: CustomerLookup, agent_ids: AgentDirectory,
                 batch_size: int, flush_interval: float, exit_log: ExitLog | None = None,
                 lead_cards: LeadCards | None = None) -> None:
        self.tracker = CallTracker(exit_log)
        self.writer = CallRecordWriter(record_calls, batch_size=batch_size, interval=flush_interval)
        self.pops = ScreenPopService(hub, lookup_customer, agent_ids, bus.publish, lead_cards)
        bus.subscribe(Notice, self.pops.handle)
        bus.subscribe(DialerCall, self.pops.dialed)
        bus.subscribe(CallEnded, lambda notice: self.writer.add(notice.record))
