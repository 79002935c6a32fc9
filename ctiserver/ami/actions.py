"""Outbound AMI actions, typed: each is a frozen dataclass whose fields are the action's
headers. ``message()`` turns one into AMI headers once, at the edge (``AmiClient.send``).

Header names come from the field names in CamelCase (``channel_id`` -> ``ChannelId``) unless a
field names its header (``metadata={"ami": "CallerID"}``); None fields are left out, booleans
are sent as ``true``/``false``.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import ClassVar

# Asterisk splits each Originate "Variable:" header like application arguments: commas
# separate, quotes, brackets and parentheses group, and a backslash escapes.
_ARG_SPECIALS = re.compile(r'([\\,"()\[\]|])')


def escape_argument(value: str) -> str:
    """VALUE as one dialplan application argument."""
    return _ARG_SPECIALS.sub(r"\\\1", value)


def channel_variables(values: Mapping[str, str]) -> str:
    """Originate's ``variable``: NAME=value pairs, each value kept whole."""
    return ",".join(f"{name}={escape_argument(value)}" for name, value in values.items())


def _header(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True)
class AmiAction:
    action: ClassVar[str]

    def message(self) -> dict[str, str]:
        headers = {"Action": self.action}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                headers[f.metadata.get("ami", _header(f.name))] = _value(value)
        return headers


def _caller_id() -> object:
    return field(default=None, metadata={"ami": "CallerID"})


@dataclass(frozen=True, slots=True)
class Hangup(AmiAction):
    action: ClassVar[str] = "Hangup"
    channel: str


@dataclass(frozen=True, slots=True)
class _Transfer(AmiAction):
    channel: str
    exten: str
    context: str


@dataclass(frozen=True, slots=True)
class BlindTransfer(_Transfer):
    """CHANNEL (the agent's) transfers its bridge peer to EXTEN@CONTEXT."""
    action: ClassVar[str] = "BlindTransfer"


@dataclass(frozen=True, slots=True)
class Atxfer(_Transfer):
    """The caller waits on hold while CHANNEL (the agent's) calls EXTEN@CONTEXT; the agent
    hanging up completes the transfer."""
    action: ClassVar[str] = "Atxfer"


@dataclass(frozen=True, slots=True)
class CancelAtxfer(AmiAction):
    action: ClassVar[str] = "CancelAtxfer"
    channel: str


@dataclass(frozen=True, slots=True)
class Setvar(AmiAction):
    """A channel variable or a dialplan function write (``MUTEAUDIO(in)``)."""
    action: ClassVar[str] = "Setvar"
    channel: str
    variable: str
    value: str


@dataclass(frozen=True, slots=True)
class MixMonitorMute(AmiAction):
    """Mute (state True: silence is written) or unmute a channel's MixMonitor (class call)."""
    action: ClassVar[str] = "MixMonitorMute"
    channel: str
    state: bool
    direction: str = "both"

    def message(self) -> dict[str, str]:
        return {**AmiAction.message(self), "State": "1" if self.state else "0"}


@dataclass(frozen=True, slots=True)
class PlayDTMF(AmiAction):
    action: ClassVar[str] = "PlayDTMF"
    channel: str
    digit: str
    duration: int = 250
    """Milliseconds."""


@dataclass(frozen=True, slots=True)
class Originate(AmiAction):
    """Always asynchronous, always with a ChannelId (the client relies on both): either
    CONTEXT/EXTEN/PRIORITY or APPLICATION/DATA runs once CHANNEL answers."""
    action: ClassVar[str] = "Originate"
    channel: str
    context: str | None = None
    exten: str | None = None
    priority: str | None = None
    application: str | None = None
    data: str | None = None
    caller_id: str | None = _caller_id()
    timeout: int | None = None
    """Milliseconds CHANNEL rings."""
    variable: str | None = None
    """``NAME=value,NAME2=value2``."""
    async_: bool = field(default=True, metadata={"ami": "Async"})
    channel_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True, slots=True)
class QueueAdd(AmiAction):
    action: ClassVar[str] = "QueueAdd"
    queue: str
    interface: str
    penalty: int = 0
    member_name: str | None = None
    state_interface: str | None = None


@dataclass(frozen=True, slots=True)
class QueueRemove(AmiAction):
    action: ClassVar[str] = "QueueRemove"
    queue: str
    interface: str


@dataclass(frozen=True, slots=True)
class QueuePause(AmiAction):
    action: ClassVar[str] = "QueuePause"
    interface: str
    paused: bool
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class QueueReload(AmiAction):
    """Static members follow the file; dynamic ones (QueueAdd) survive any reload."""
    action: ClassVar[str] = "QueueReload"
    members: str = "yes"
    rules: str = "no"
    parameters: str = "yes"


@dataclass(frozen=True, slots=True)
class Login(AmiAction):
    action: ClassVar[str] = "Login"
    username: str
    secret: str


@dataclass(frozen=True, slots=True)
class Ping(AmiAction):
    action: ClassVar[str] = "Ping"


@dataclass(frozen=True, slots=True)
class CoreShowChannels(AmiAction):
    action: ClassVar[str] = "CoreShowChannels"


@dataclass(frozen=True, slots=True)
class QueueStatus(AmiAction):
    action: ClassVar[str] = "QueueStatus"
    queue: str | None = None


@dataclass(frozen=True, slots=True)
class QueueSummary(AmiAction):
    action: ClassVar[str] = "QueueSummary"
    queue: str | None = None
