"""The CTI server's typed event model.

AMI text becomes these dataclasses exactly once, at the edge (``parse_event``); everything
behind the edge works on types, never on header dictionaries. Events the CTI server has no
use for are dropped here, before any object is built for them.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from ctiserver.ami.stream import UserEventFields

log = logging.getLogger(__name__)

Fields = Mapping[str, str]


@dataclass(slots=True, kw_only=True)
class AmiEvent:
    timestamp: float | None
    """Asterisk's own time (``timestampevents = yes``); None when the server omits it."""


@dataclass(slots=True, kw_only=True)
class ChannelEvent(AmiEvent):
    channel: str
    uniqueid: str
    linkedid: str
    caller_num: str
    caller_name: str
    state: int


@dataclass(slots=True, kw_only=True)
class ChannelCreated(ChannelEvent):
    """Newchannel, or a channel reported by CoreShowChannels during a resync."""

    exten: str
    context: str


@dataclass(slots=True, kw_only=True)
class ChannelUpdated(ChannelEvent):
    """Newstate, NewCallerid, NewConnectedLine: the channel's state or ids changed."""


@dataclass(slots=True, kw_only=True)
class ChannelHungUp(ChannelEvent):
    cause: int
    cause_text: str


@dataclass(slots=True, kw_only=True)
class HangupRequested(ChannelEvent):
    """HangupRequest, SoftHangupRequest: something asked the channel to hang up."""


@dataclass(slots=True, kw_only=True)
class BridgeEntered(ChannelEvent):
    bridge_id: str


@dataclass(slots=True, kw_only=True)
class BridgeLeft(ChannelEvent):
    bridge_id: str


@dataclass(slots=True, kw_only=True)
class QueueCallerJoined(ChannelEvent):
    queue: str
    position: int
    context: str = ""
    exten: str = ""
    """Where the caller's channel is in the dialplan (the extension running Queue())."""


@dataclass(slots=True, kw_only=True)
class QueueCallerLeft(ChannelEvent):
    """Sent whenever a caller leaves the queue: answered (before AgentConnect), abandoned,
    timed out, empty queue (after QueueCallerAbandon), or a key pressed (alone: no
    QueueCallerAbandon). After a key the channel is already at that key's extension in the
    queue's context: ``context``/``exten`` differ from QueueCallerJoin's."""

    queue: str
    context: str = ""
    exten: str = ""


@dataclass(slots=True, kw_only=True)
class QueueCallerAbandoned(ChannelEvent):
    """Sent when the caller hangs up while waiting, but also when the caller leaves the queue
    alive by Queue()'s timeout or because no member can take calls (EXITEMPTY), with the same
    fields: a hang-up request before it tells a hang-up apart; timeout and empty queue only
    queue_log tells apart. Not sent for a key exit."""

    queue: str
    hold_time: int


@dataclass(slots=True, kw_only=True)
class AgentEvent(ChannelEvent):
    """An app_queue agent event; the channel fields are the queue caller's, all empty when
    Asterisk no longer had that channel to describe."""

    queue: str
    interface: str
    member_name: str


@dataclass(slots=True, kw_only=True)
class AgentCalled(AgentEvent):
    dest_uniqueid: str


@dataclass(slots=True, kw_only=True)
class AgentRingNoAnswer(AgentEvent):
    ring_ms: int


@dataclass(slots=True, kw_only=True)
class AgentConnected(AgentEvent):
    hold_time: int
    ring_time: int
    dest_uniqueid: str
    dest_channel: str
    """The member's channel now bridged with the caller (a transfer acts on it)."""


@dataclass(slots=True, kw_only=True)
class AgentCompleted(AgentEvent):
    hold_time: int
    talk_time: int
    reason: str


@dataclass(slots=True, kw_only=True)
class AgentDumped(AgentEvent):
    pass


@dataclass(slots=True, kw_only=True)
class QueueMemberChanged(AmiEvent):
    """QueueMember{Status,Added,Removed,Pause,Penalty} and QueueMember during a resync."""

    kind: str
    queue: str
    interface: str
    member_name: str
    state_interface: str
    status: int
    paused: bool
    paused_reason: str
    in_call: bool
    calls_taken: int
    penalty: int
    wrapup_time: int


@dataclass(slots=True, kw_only=True)
class OriginateResult(AmiEvent):
    action_id: str
    success: bool
    reason: int
    channel: str
    uniqueid: str


@dataclass(slots=True, kw_only=True)
class DataCollected(ChannelEvent):
    """The IVR collected data on the caller's channel: a ``UserEvent(CcCollected,Name: value,
    ...)`` from the dialplan, or our own FastAGI code (``ctiserver.calls.collected``)."""

    fields: dict[str, str]
    """Cleaned by ``collected_fields``: at most MAX_FIELDS, bounded names and values."""


@dataclass(slots=True, kw_only=True)
class DialerStep(ChannelEvent):
    """A step of a dialer call in its dialplan (``UserEvent(CcDialer,Step: ...,Attempt: ...,
    Status: ...,Cause: ...)``, asterisk_conf/templates/dialer.conf.j2) on the customer's
    channel: ``amd`` (Status AMDSTATUS, Cause AMDCAUSE), ``abandoned`` (QUEUESTATUS),
    ``safe_harbor`` (the message's READSTATUS, Cause the key), ``optout``, ``message``."""

    step: str
    attempt: str
    """The dialer's attempt id (CC_ATTEMPT); the channel's own uniqueid when absent."""
    status: str
    cause: str


@dataclass(slots=True, kw_only=True)
class RecordingStarted(ChannelEvent):
    """MixMonitor started on this channel (the agent's; the caller's from an IVR flow's start;
    the customer's on an agent-first dialer call) for a call: ``UserEvent(CcRecording, Key,
    File, Mode, Since, Agent, Interface)`` from the dialplan's cc-record (recordings.capture)."""

    call_key: str
    file: str
    """As Asterisk sees it."""
    mode: str
    since_bridge: bool = True
    """The audio begins as the channel is bridged (MixMonitor's option b), else at once."""
    agent_channel: str = ""
    agent_interface: str = ""
    """The agent's channel and interface when the dialplan knows them (an agent-first call)."""


@dataclass(slots=True, kw_only=True)
class AsteriskBooted(AmiEvent):
    """FullyBooted: Asterisk is (again) ready; its channels must be resynced."""


# --- field readers --------------------------------------------------------------------


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


def _timestamp(f: Fields) -> float | None:
    raw = f.get("Timestamp")
    try:
        return float(raw) if raw else None
    except ValueError:
        return None


def _name(value: str | None) -> str:
    # Asterisk writes "<unknown>" for an absent caller id field.
    return "" if not value or value == "<unknown>" else value


def _channel(f: Fields) -> dict:
    return {
        "timestamp": _timestamp(f),
        "channel": f["Channel"],
        "uniqueid": f["Uniqueid"],
        "linkedid": f.get("Linkedid") or f["Uniqueid"],
        "caller_num": _name(f.get("CallerIDNum")),
        "caller_name": _name(f.get("CallerIDName")),
        "state": _int(f.get("ChannelState")),
    }


def _agent(f: Fields) -> dict:
    # AgentComplete for a caller channel already destroyed carries no channel fields at all.
    channel = _channel(f) if "Channel" in f else {
        "timestamp": _timestamp(f), "channel": "", "uniqueid": "", "linkedid": "",
        "caller_num": "", "caller_name": "", "state": 0,
    }
    return {
        **channel,
        "queue": f["Queue"],
        "interface": f.get("Interface", ""),
        "member_name": f.get("MemberName", ""),
    }


def _member(kind: str) -> Callable[[Fields], QueueMemberChanged]:
    def build(f: Fields) -> QueueMemberChanged:
        return QueueMemberChanged(
            timestamp=_timestamp(f),
            kind=kind,
            queue=f["Queue"],
            interface=f.get("Interface") or f.get("Location", ""),
            member_name=f.get("MemberName") or f.get("Name", ""),
            state_interface=f.get("StateInterface", ""),
            status=_int(f.get("Status")),
            paused=f.get("Paused") == "1",
            paused_reason=f.get("PausedReason", ""),
            in_call=f.get("InCall") == "1",
            calls_taken=_int(f.get("CallsTaken")),
            penalty=_int(f.get("Penalty")),
            wrapup_time=_int(f.get("Wrapuptime")),
        )

    return build


def _created(f: Fields) -> ChannelCreated:
    return ChannelCreated(**_channel(f), exten=f.get("Exten", ""), context=f.get("Context", ""))


def _originate(f: Fields) -> OriginateResult:
    return OriginateResult(
        timestamp=_timestamp(f),
        action_id=f.get("ActionID", ""),
        success=f.get("Response") == "Success",
        reason=_int(f.get("Reason")),
        channel=f.get("Channel", ""),
        uniqueid=f.get("Uniqueid", ""),
    )


# --- collected data ----------------------------------------------------------------------

COLLECTED_EVENT = "CcCollected"
MAX_FIELDS = 32
MAX_NAME = 64
MAX_VALUE = 256
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def collected_fields(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """Collected (name, value) pairs within the limits, so that bad input cannot grow memory
    or break the CRM write (PostgreSQL's JSONB refuses NUL); a later pair with the same name
    wins. Returns the fields and what was refused or cut, for the caller to log."""
    fields: dict[str, str] = {}
    problems: list[str] = []
    for raw_name, raw_value in pairs:
        name, value = _text(raw_name).strip(), _CONTROL.sub(" ", _text(raw_value))
        if not name or len(name) > MAX_NAME or _CONTROL.search(name):
            problems.append(f"name {raw_name[:MAX_NAME]!r} refused (1 to {MAX_NAME} characters)")
        elif name not in fields and len(fields) >= MAX_FIELDS:
            problems.append(f"{name!r} dropped (more than {MAX_FIELDS} fields)")
        else:
            if len(value) > MAX_VALUE:
                problems.append(f"{name!r} cut to {MAX_VALUE} characters")
                value = value[:MAX_VALUE]
            fields[name] = value
    return fields, problems


def _text(value: str) -> str:
    # Lone surrogates cannot be stored as UTF-8: our own callers' strings might hold them.
    return value.encode("utf-8", "replace").decode("utf-8")


DIALER_EVENT = "CcDialer"
"""Raised by the dialer's dialplan at each step of an answered call (``DialerStep``)."""


RECORDING_EVENT = "CcRecording"
"""Raised by the dialplan's cc-record when MixMonitor starts (``RecordingStarted``)."""


def _user_event(f: Fields) -> DataCollected | DialerStep | RecordingStarted | None:
    """UserEvents CcCollected, CcDialer and CcRecording; others (CcClosed, a site's own) are
    not ours."""
    name = f.get("UserEvent")
    if name == DIALER_EVENT:
        return _dialer_step(f)
    if name == RECORDING_EVENT:
        return _recording(f)
    if name != COLLECTED_EVENT:
        return None
    fields, problems = collected_fields(f.payload if isinstance(f, UserEventFields) else [])
    if problems:
        log.warning("UserEvent %s on %s: %s", COLLECTED_EVENT, f.get("Channel"),
                    "; ".join(problems))
    if not fields:
        log.warning("UserEvent %s on %s has no valid field; dropped", COLLECTED_EVENT,
                    f.get("Channel"))
        return None
    return DataCollected(**_channel(f), fields=fields)


def _dialer_step(f: Fields) -> DialerStep:
    payload = dict(f.payload) if isinstance(f, UserEventFields) else {}
    channel = _channel(f)
    return DialerStep(
        **channel, step=payload.get("Step", ""),
        attempt=payload.get("Attempt") or channel["uniqueid"],
        status=payload.get("Status", ""), cause=payload.get("Cause", ""),
    )


def _recording(f: Fields) -> RecordingStarted:
    payload = dict(f.payload) if isinstance(f, UserEventFields) else {}
    return RecordingStarted(**_channel(f), call_key=payload["Key"], file=payload["File"],
                            mode=payload.get("Mode", ""),
                            since_bridge=payload.get("Since", "bridge") == "bridge",
                            agent_channel=payload.get("Agent", ""),
                            agent_interface=payload.get("Interface", ""))


BUILDERS: dict[str, Callable[[Fields], AmiEvent | None]] = {
    "Newchannel": _created,
    "CoreShowChannel": _created,
    "Newstate": lambda f: ChannelUpdated(**_channel(f)),
    "NewCallerid": lambda f: ChannelUpdated(**_channel(f)),
    "Hangup": lambda f: ChannelHungUp(
        **_channel(f), cause=_int(f.get("Cause")), cause_text=f.get("Cause-txt", "")
    ),
    "HangupRequest": lambda f: HangupRequested(**_channel(f)),
    "SoftHangupRequest": lambda f: HangupRequested(**_channel(f)),
    "BridgeEnter": lambda f: BridgeEntered(**_channel(f), bridge_id=f.get("BridgeUniqueid", "")),
    "BridgeLeave": lambda f: BridgeLeft(**_channel(f), bridge_id=f.get("BridgeUniqueid", "")),
    "QueueCallerJoin": lambda f: QueueCallerJoined(
        **_channel(f), queue=f["Queue"], position=_int(f.get("Position")),
        context=f.get("Context", ""), exten=f.get("Exten", ""),
    ),
    "QueueCallerLeave": lambda f: QueueCallerLeft(
        **_channel(f), queue=f["Queue"], context=f.get("Context", ""), exten=f.get("Exten", "")
    ),
    "QueueCallerAbandon": lambda f: QueueCallerAbandoned(
        **_channel(f), queue=f["Queue"], hold_time=_int(f.get("HoldTime"))
    ),
    "AgentCalled": lambda f: AgentCalled(**_agent(f), dest_uniqueid=f.get("DestUniqueid", "")),
    "AgentRingNoAnswer": lambda f: AgentRingNoAnswer(**_agent(f), ring_ms=_int(f.get("RingTime"))),
    "AgentConnect": lambda f: AgentConnected(
        **_agent(f),
        hold_time=_int(f.get("HoldTime")),
        ring_time=_int(f.get("RingTime")),
        dest_uniqueid=f.get("DestUniqueid", ""),
        dest_channel=f.get("DestChannel", ""),
    ),
    "AgentComplete": lambda f: AgentCompleted(
        **_agent(f),
        hold_time=_int(f.get("HoldTime")),
        talk_time=_int(f.get("TalkTime")),
        reason=f.get("Reason", ""),
    ),
    "AgentDump": lambda f: AgentDumped(**_agent(f)),
    "QueueMemberStatus": _member("status"),
    "QueueMemberAdded": _member("added"),
    "QueueMemberRemoved": _member("removed"),
    "QueueMemberPause": _member("pause"),
    "QueueMemberPenalty": _member("penalty"),
    "QueueMember": _member("resync"),
    "OriginateResponse": _originate,
    "FullyBooted": lambda f: AsteriskBooted(timestamp=_timestamp(f)),
    "UserEvent": _user_event,
}


def parse_event(fields: Fields) -> AmiEvent | None:
    """Typed event for an AMI event's fields; None for events the CTI server ignores.

    Raises KeyError or ValueError for a known event missing a required field; the
    caller logs and skips it."""
    builder = BUILDERS.get(fields.get("Event", ""))
    return builder(fields) if builder else None
