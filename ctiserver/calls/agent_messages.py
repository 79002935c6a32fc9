"""The agent console's websocket protocol (``/ws/agent``), version 1.

Server to console: ``hello`` on connect, then per call ``pop`` (the ringing agent; the
customer card or None; a dialer's call adds its ``lead``), ``collected`` (what the IVR learned since, everything so far),
``offer_ended`` (the ring stopped: answered elsewhere, no answer, caller gone), ``answered``,
``hangup``; from the dialer: ``preview`` (a lead reserved for the agent to dial or skip),
``preview_ended`` (the reservation is over: dialed, skipped, timed out); from recordings:
``recording`` (the agent's call is being recorded, paused, or no longer recorded; also on
connect while it is recorded); ``pong`` answers ``ping``, ``error`` a request the server cannot take.
Console to server: ``{"type": "ping"}`` (keeps a browser session alive).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ctiserver.web.messages import Message

VERSION = 1


@dataclass(frozen=True, slots=True)
class AgentMessage(Message):
    version: ClassVar[int] = VERSION


@dataclass(frozen=True, slots=True)
class Hello(AgentMessage):
    type: ClassVar[str] = "hello"
    user: str
    interface: str | None


@dataclass(frozen=True, slots=True)
class Pong(AgentMessage):
    type: ClassVar[str] = "pong"


@dataclass(frozen=True, slots=True)
class Error(AgentMessage):
    type: ClassVar[str] = "error"
    error: str


@dataclass(frozen=True, slots=True)
class LeadPart:
    """A dialer's lead: its fields (names, number, local time, custom fields) and the
    campaign's script rendered with them (None: the campaign has none)."""
    campaign: str
    lead_id: int
    fields: Mapping[str, Any]
    script: str | None

    @property
    def name(self) -> str:
        return " ".join(n for n in (self.fields.get("first_name"), self.fields.get("last_name"))
                        if n)


@dataclass(frozen=True, slots=True)
class Pop(AgentMessage):
    type: ClassVar[str] = "pop"
    call_id: str
    queue: str
    caller_number: str
    caller_name: str
    customer: Mapping[str, Any] | None
    known: bool
    collected: Mapping[str, str]
    lead: LeadPart | None = None


@dataclass(frozen=True, slots=True)
class Collected(AgentMessage):
    type: ClassVar[str] = "collected"
    call_id: str
    collected: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class OfferEnded(AgentMessage):
    type: ClassVar[str] = "offer_ended"
    call_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Answered(AgentMessage):
    type: ClassVar[str] = "answered"
    call_id: str
    queue: str


@dataclass(frozen=True, slots=True)
class Hangup(AgentMessage):
    type: ClassVar[str] = "hangup"
    call_id: str
    outcome: str
    talk_seconds: float


@dataclass(frozen=True, slots=True)
class Preview(AgentMessage):
    """A dialer's preview card: the lead reserved for the agent, to dial or skip within
    ``seconds``; ``customer``: its CRM card."""
    type: ClassVar[str] = "preview"
    name: str
    number: str
    lead: LeadPart | None = None
    customer: Mapping[str, Any] | None = None
    seconds: float | None = None


@dataclass(frozen=True, slots=True)
class PreviewEnded(AgentMessage):
    """The preview of ``lead_id`` is over: ``dialed`` (``call_id`` names the call), ``skipped``
    or ``expired``."""
    type: ClassVar[str] = "preview_ended"
    lead_id: int
    reason: str
    call_id: str | None = None


@dataclass(frozen=True, slots=True)
class RecordingState(AgentMessage):
    """The recording of the agent's call ``call_id``: ``recording``, ``paused`` (on demand and
    not started yet, or paused by the agent) or ``not_recorded`` (it ended)."""
    type: ClassVar[str] = "recording"
    call_id: str
    state: str
