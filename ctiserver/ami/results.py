"""Typed results of the AMI event lists the CTI server asks for (CoreShowChannels,
QueueStatus, QueueSummary): header dictionaries become these once, at the edge
(``AmiClient.channels`` / ``queue_status`` / ``queue_summary``)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ctiserver.ami import events as ev

Fields = Mapping[str, str]


def _int(value: str | None) -> int:
    try:
        return int(value) if value else 0
    except ValueError:
        return 0


def _float(value: str | None) -> float:
    try:
        return float(value) if value else 0.0
    except ValueError:
        return 0.0


@dataclass(frozen=True, slots=True)
class ListedChannel:
    """One CoreShowChannel: a live channel, the bridge it is in and what it runs."""

    channel: str
    uniqueid: str
    linkedid: str
    bridge_id: str
    application: str
    application_data: str
    created: ev.ChannelCreated
    """The same channel as the tracker's typed event."""


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One QueueEntry of QueueStatus: a caller waiting in a queue."""

    queue: str
    position: int
    channel: str
    uniqueid: str
    caller_num: str
    caller_name: str
    wait: int
    """Seconds waited so far."""


@dataclass(frozen=True, slots=True)
class QueueStatusResult:
    members: list[ev.QueueMemberChanged]
    entries: list[QueueEntry]


@dataclass(frozen=True, slots=True)
class QueueSummaryEntry:
    """One QueueSummary: app_queue's own live figures of a queue. ``logged_in`` counts paused
    members too; ``talk_time`` is Asterisk's moving average of talk alone (no wrap-up)."""

    queue: str
    logged_in: int
    available: int
    callers: int
    hold_time: float
    talk_time: float
    longest_hold_time: float


def channels(items: Iterable[Fields]) -> list[ListedChannel]:
    listed = []
    for item in items:
        if item.get("Event") != "CoreShowChannel":
            continue
        created = ev.parse_event(item)
        if isinstance(created, ev.ChannelCreated):
            listed.append(ListedChannel(
                channel=created.channel, uniqueid=created.uniqueid, linkedid=created.linkedid,
                bridge_id=item.get("BridgeId", ""), application=item.get("Application", ""),
                application_data=item.get("ApplicationData", ""), created=created))
    return listed


def queue_status(items: Iterable[Fields]) -> QueueStatusResult:
    members, entries = [], []
    for item in items:
        kind = item.get("Event")
        if kind == "QueueMember":
            member = ev.parse_event(item)
            if isinstance(member, ev.QueueMemberChanged):
                members.append(member)
        elif kind == "QueueEntry":
            entries.append(QueueEntry(
                queue=item.get("Queue", ""), position=_int(item.get("Position")),
                channel=item.get("Channel", ""), uniqueid=item.get("Uniqueid", ""),
                caller_num=item.get("CallerIDNum", ""), caller_name=item.get("CallerIDName", ""),
                wait=_int(item.get("Wait"))))
    return QueueStatusResult(members, entries)


def queue_summary(items: Iterable[Fields]) -> list[QueueSummaryEntry]:
    return [QueueSummaryEntry(
        queue=item["Queue"], logged_in=_int(item.get("LoggedIn")),
        available=_int(item.get("Available")), callers=_int(item.get("Callers")),
        hold_time=_float(item.get("HoldTime")), talk_time=_float(item.get("TalkTime")),
        longest_hold_time=_float(item.get("LongestHoldTime")))
        for item in items if item.get("Event") == "QueueSummary" and item.get("Queue")]
