"""Screen pops: the agent a queue rings, and only that agent, sees who is calling.

The CRM lookup starts as soon as the caller enters a queue, so the customer card is usually
ready before any agent rings. Messages to one agent go through that agent's ordered outbox.
The pop carries what the IVR collected; whatever it collects later while the agent is ringing
or talking follows as a "collected" update, which the outbox keeps behind the pop.

A dialer's call (announced as ``DialerCall`` when placed) pops its lead instead: the lead's
fields, the campaign's script rendered with them, and the customer of the number dialed (the
caller ID of such a call is the campaign's own number).
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from ctiserver.calls.tracker import (
    CallAnswered, CallEnded, CallOffered, CollectedChanged, Notice, OfferEnded, QueueCallerArrived,
)
from ctiserver.calls import agent_messages as msg
from ctiserver.web.hub import ClientHub

log = logging.getLogger(__name__)

CustomerLookup = Callable[[str], Awaitable[dict[str, Any] | None]]

@dataclass(frozen=True, slots=True)
class DialerCall:
    """The dialer placed a call to lead LEAD_ID; CALL_KEY: the attempt id, the customer
    channel's uniqueid, which names the call when it reaches a queue."""

    call_key: str
    lead_id: int


LeadCards = Callable[[int, str], Awaitable[tuple[msg.LeadPart, dict[str, Any] | None]]]
"""(lead id, agent name): the lead part and customer card (``dialer.leadcards.LeadCards``)."""


@dataclass(frozen=True, slots=True)
class PopShown:
    """An agent (USER_ID) is being shown this call (OFFER), of customer CUSTOMER_ID or None:
    published on the bus, e.g. for the work API's rule that agents may open their callers."""

    user_id: int
    offer: CallOffered
    customer_id: int | None
    campaign: str | None = None
    """A dialer's call: its campaign (whose dispositions the agent picks from)."""

"""(user id, the offer, customer id or None): an agent is being shown this call."""
AgentDirectory = Callable[[], Awaitable[dict[str, int]]]
"""Loads {queue member interface: user id}."""
CustomersLookup = Callable[[list[str]], Awaitable[dict[str, dict[str, Any] | None]]]
"""Several numbers at once: {number: card or None}."""


class BatchedLookup:
    """A CustomerLookup that looks up the numbers asked for in one turn of the event loop, or
    while the previous lookup is under way, in one go: a burst of callers (a busy moment, a
    stream after a reconnect) costs the CRM a query per round trip, not one each. A lone
    caller waits no longer than before: the lookup starts when the turn it was asked in ends,
    as a task of its own would."""

    def __init__(self, lookup_many: CustomersLookup) -> None:
        self._lookup_many = lookup_many
        self._batch: list[tuple[str, asyncio.Future]] | None = None
        self._running = asyncio.Lock()

    def __call__(self, number: str) -> asyncio.Future:
        if self._batch is None:
            self._batch = []
            asyncio.ensure_future(self._run())
        future = asyncio.get_running_loop().create_future()
        self._batch.append((number, future))
        return future

    async def _run(self) -> None:
        async with self._running:
            await self._look_up()

    async def _look_up(self) -> None:
        batch, self._batch = self._batch or [], None
        try:
            cards = await self._lookup_many(list(dict.fromkeys(n for n, _ in batch)))
        except Exception as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for number, future in batch:
            if not future.done():
                future.set_result(cards.get(number))


class ScreenPopService:
    refresh_interval = 5.0

    def __init__(self, hub: ClientHub, lookup: CustomerLookup, directory: AgentDirectory,
                 shown: Callable[[PopShown], None], lead_cards: LeadCards | None = None) -> None:
        self._hub = hub
        self._lead_cards = lead_cards
        self._dialed: dict[str, int] = {}
        self._shown = shown
        self._lookup = lookup
        self._directory = directory
        self._agents: dict[str, int] = {}
        self._loaded_at = float("-inf")
        self._customers: dict[str, asyncio.Task] = {}

    async def load_agents(self) -> None:
        self._agents = await self._directory()
        self._loaded_at = time.monotonic()

    def user_of(self, interface: str) -> int | None:
        return self._agents.get(interface)

    def register_agent(self, interface: str, user_id: int) -> None:
        """An agent's console connected: pops for its interface go to that user from now on."""
        self._agents[interface] = user_id

    def dialed(self, call: DialerCall) -> None:
        if self._lead_cards is not None:
            self._dialed[call.call_key] = call.lead_id

    def handle(self, notice: Notice) -> None:
        if isinstance(notice, QueueCallerArrived):
            if notice.call_key not in self._dialed:  # a lead's card comes with its pop
                self._customer(notice.call_key, notice.caller_num)
        elif isinstance(notice, CallOffered):
            user_id = self._agents.get(notice.interface)
            if user_id is None:
                self._refresh_soon()
            else:
                self._hub.to_user(user_id, self._pop(notice, user_id))
        elif isinstance(notice, OfferEnded):
            self._send(notice.interface, msg.OfferEnded(notice.call_key, notice.reason))
        elif isinstance(notice, CallAnswered):
            self._send(notice.interface, msg.Answered(notice.call_key, notice.queue))
        elif isinstance(notice, CallEnded):
            self._ended(notice)
        elif isinstance(notice, CollectedChanged):
            message = msg.Collected(notice.call_key, dict(notice.collected))
            for interface in notice.interfaces:
                self._send(interface, message)

    def _customer(self, call_key: str, number: str) -> asyncio.Task:
        task = self._customers.get(call_key)
        if task is None:
            task = self._customers[call_key] = asyncio.ensure_future(self._safe_lookup(number))
        return task

    async def _safe_lookup(self, number: str) -> dict[str, Any] | None:
        try:
            return await self._lookup(number) if number else None
        except Exception:
            log.exception("customer lookup for %r failed; popping as unknown caller", number)
            return None

    def _pop(self, offer: CallOffered, user_id: int) -> asyncio.Task:
        lead_id = self._dialed.get(offer.call_key)
        if lead_id is not None:
            return asyncio.ensure_future(self._lead_pop(offer, user_id, lead_id))
        customer = self._customer(offer.call_key, offer.caller_num)

        async def payload() -> msg.Pop:
            card = await customer
            self._shown(PopShown(user_id, offer, card["id"] if card else None))
            return msg.Pop(call_id=offer.call_key, queue=offer.queue,
                           caller_number=offer.caller_num, caller_name=offer.caller_name,
                           customer=card, known=card is not None, collected=dict(offer.collected))

        return asyncio.ensure_future(payload())

    async def _lead_pop(self, offer: CallOffered, user_id: int, lead_id: int) -> msg.Pop:
        try:
            lead, card = await self._lead_cards(lead_id, offer.member_name)
        except Exception:
            log.exception("lead %s of call %s not found; popping the caller", lead_id,
                          offer.call_key)
            del self._dialed[offer.call_key]
            return await self._pop(offer, user_id)
        self._shown(PopShown(user_id, offer, card["id"] if card else None, lead.campaign))
        return msg.Pop(call_id=offer.call_key, queue=offer.queue,
                       caller_number=lead.fields["phone"], caller_name=lead.name, customer=card,
                       known=card is not None, collected=dict(offer.collected), lead=lead)

    def _ended(self, notice: CallEnded) -> None:
        record = notice.record
        self._customers.pop(record.call_key, None)
        self._dialed.pop(record.call_key, None)
        message = msg.Hangup(record.call_key, record.outcome, record.talk_seconds)
        for interface in notice.interfaces:
            self._send(interface, message)

    def _send(self, interface: str, message: msg.AgentMessage) -> None:
        user_id = self._agents.get(interface)
        if user_id is None:
            self._refresh_soon()
            return
        self._hub.to_user(user_id, message)

    def _refresh_soon(self) -> None:
        if time.monotonic() - self._loaded_at > self.refresh_interval:
            self._loaded_at = time.monotonic()
            asyncio.ensure_future(self.load_agents())
