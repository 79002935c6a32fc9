"""Call controls for an agent's own call through AMI: hang up, blind and attended transfer (to
an extension, a queue or an external number), conference the supervisor in, click-to-dial and
DTMF. The AMI actions are built by pure functions; ``CallControl`` finds the agent's channel
in the live call (CoreShowChannels: the channel named after the agent's interface that is in a
bridge) and sends them.

Hold: Asterisk 22's AMI has no hold for a bridged call. Redirecting the caller out of the bridge
(to music on hold, later joined back with the AMI Bridge action) ends app_queue's call (the
queue logs a completed call and the agent is put in after-call work), and MuteAudio needs the
AMI class ``system``, which the CTI user must not have. So hold is the phone's: a SIP phone or
the in-page softphone puts the call on hold with a re-INVITE, Asterisk plays music on hold to
the caller inside the same bridge, and app_queue, the statistics and the call stay intact. The
console's Hold/Unhold buttons drive the in-page softphone when it is registered.

Channels: an agent's channel names start with ``channel_prefix(interface) + "-"``
(``PJSIP/1001-0000002a``; the simulated ``Local/1001@sim-agent-0000000b;1``); of those, the one
in a bridge is the agent's side of the call, and the other channel of that bridge is the
caller's.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from crm_core.teams import visible_user_ids
from crm_core.users import UserInfo, users_by_interface

from .ami import AmiError
from .supervision import SupervisionError, channel_prefix, spy_originate

if TYPE_CHECKING:
    from .server import CTIServer

TRANSFER_KINDS = ("extension", "queue", "number")
DTMF_DIGITS = re.compile(r"^[0-9*#A-Da-d]{1,32}$")
EXTENSION = re.compile(r"^[0-9A-Za-z*#+_.-]{1,40}$")
NUMBER = re.compile(r"^\+?[0-9]{2,20}$")
QUEUE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DIAL_RING_TIMEOUT_MS = 30000
DEFAULT_INTERNAL_CONTEXT = "cc-internal"
"""Where extensions are dialled (settings.internal_context when the lead adds it)."""
DEFAULT_OUTBOUND_CONTEXT = "cc-outbound"
"""Where external numbers are dialled (settings.outbound_context when the lead adds it)."""
ACTIONS = ("hangup", "transfer", "atxfer", "conference", "dial", "dtmf")


CallControlError = SupervisionError
"""Same shape as the supervisor actions' error: ``status`` is the HTTP status."""


# --- the pure builders ---------------------------------------------------------------------


def hangup_action(channel: str) -> dict[str, str]:
    return {"Action": "Hangup", "Channel": channel}


def blind_transfer_action(channel: str, exten: str, context: str) -> dict[str, str]:
    """AMI BlindTransfer: CHANNEL (the agent's) transfers its bridge peer to EXTEN@CONTEXT."""
    return {"Action": "BlindTransfer", "Channel": channel, "Exten": exten, "Context": context}


def atxfer_action(channel: str, exten: str, context: str) -> dict[str, str]:
    """AMI Atxfer: the caller waits on hold while CHANNEL (the agent's) calls EXTEN@CONTEXT;
    the agent hanging up completes the transfer."""
    return {"Action": "Atxfer", "Channel": channel, "Exten": exten, "Context": context}


def dtmf_actions(channel: str, digits: str, duration_ms: int = 250) -> list[dict[str, str]]:
    """AMI PlayDTMF plays one digit per action."""
    if not DTMF_DIGITS.match(digits):
        raise ValueError("DTMF digits are 0-9, *, #, A-D (1 to 32 of them)")
    return [{"Action": "PlayDTMF", "Channel": channel, "Digit": d, "Duration": str(duration_ms)}
            for d in digits]


def dial_action(interface: str, number: str, context: str, *, caller_id: str = "",
                channel_id: str | None = None) -> dict[str, str]:
    """Click-to-dial: ring the agent's own phone, then dial NUMBER from CONTEXT."""
    channel_prefix(interface)  # validates
    return {
        "Action": "Originate", "Channel": interface, "Context": context, "Exten": number,
        "Priority": "1", "CallerID": caller_id or f"<{number}>",
        "Timeout": str(DIAL_RING_TIMEOUT_MS), "Async": "true",
        "ChannelId": channel_id or str(uuid.uuid4()),
    }


def transfer_target(data: Mapping[str, Any], contexts: Mapping[str, str]) -> tuple[str, str]:
    """(exten, context) from ``{"kind": "extension|queue|number", "target": "..."}``."""
    kind, target = data.get("kind"), data.get("target")
    if kind not in TRANSFER_KINDS:
        raise CallControlError(400, f"'kind' must be one of {', '.join(TRANSFER_KINDS)}")
    if not isinstance(target, str) or not target.strip():
        raise CallControlError(400, "'target' is required")
    target = target.strip()
    pattern = {"extension": EXTENSION, "queue": QUEUE_NAME, "number": NUMBER}[kind]
    if not pattern.match(target):
        raise CallControlError(400, f"{target!r} is not a valid {kind}")
    return target, contexts[kind]


def find_call(channels: Sequence[Mapping[str, str]], interface: str) -> tuple[str, str | None] | None:
    """(agent channel, peer channel or None) of the agent's bridged call in a CoreShowChannels
    listing, or None when the agent has no call in a bridge."""
    prefix = channel_prefix(interface) + "-"
    mine = [c for c in channels if c.get("Channel", "").startswith(prefix) and c.get("BridgeId")]
    if not mine:
        return None
    agent = mine[0]
    peers = [c["Channel"] for c in channels
             if c.get("BridgeId") == agent["BridgeId"] and c.get("Channel") != agent["Channel"]]
    return agent["Channel"], (peers[0] if peers else None)


def _fields(data: object, allowed: set[str]) -> dict:
    if not isinstance(data, dict):
        raise CallControlError(400, "expected a JSON object")
    unknown = set(data) - allowed
    if unknown:
        raise CallControlError(400, f"unknown fields: {', '.join(sorted(unknown))}")
    return data


# --- the service ---------------------------------------------------------------------------


@dataclass
class CallControl:
    """Carries out an agent's call controls on the agent's own call. The CTI server's web app
    holds one under ``callcontrol_key`` (``app[callcontrol_key] = CallControl(self)``)."""

    server: CTIServer

    @property
    def contexts(self) -> dict[str, str]:
        s = self.server.settings
        return {
            "queue": s.queue_context,
            "extension": getattr(s, "internal_context", DEFAULT_INTERNAL_CONTEXT),
            "number": getattr(s, "outbound_context", DEFAULT_OUTBOUND_CONTEXT),
        }

    async def current_call(self, interface: str) -> tuple[str, str | None]:
        listing = await self.server.ami.event_list({"Action": "CoreShowChannels"})
        found = find_call([c for c in listing if c.get("Event") == "CoreShowChannel"], interface)
        if found is None:
            raise CallControlError(409, "you are not on a call")
        return found

    async def act(self, user: UserInfo, action: str, data: object) -> dict:
        """Check and run one control on USER's own call; the JSON answer. Raises
        CallControlError (400 bad input, 409 no call / no phone, 502 Asterisk refused)."""
        if action not in ACTIONS:
            raise CallControlError(404, f"unknown call control {action!r}; one of {', '.join(ACTIONS)}")
        if not user.interface:
            raise CallControlError(409, "your user has no phone (interface)")
        try:
            return {"ok": True, "action": action, **await getattr(self, "_" + action)(user, data)}
        except AmiError as exc:
            raise CallControlError(502, f"Asterisk refused: {exc}") from None

    async def _hangup(self, user: UserInfo, data: object) -> dict:
        _fields(data, set())
        channel, _ = await self.current_call(user.interface)
        await self.server.ami.send(hangup_action(channel))
        return {"channel": channel}

    async def _transfer(self, user: UserInfo, data: object, *, attended: bool = False) -> dict:
        exten, context = transfer_target(_fields(data, {"kind", "target"}), self.contexts)
        channel, _ = await self.current_call(user.interface)
        build = atxfer_action if attended else blind_transfer_action
        await self.server.ami.send(build(channel, exten, context))
        return {"channel": channel, "exten": exten, "context": context}

    async def _atxfer(self, user: UserInfo, data: object) -> dict:
        return await self._transfer(user, data, attended=True)

    async def _dtmf(self, user: UserInfo, data: object) -> dict:
        digits = _fields(data, {"digits"}).get("digits")
        if not isinstance(digits, str) or not DTMF_DIGITS.match(digits):
            raise CallControlError(400, "'digits' must be 1 to 32 of 0-9, *, #, A-D")
        _, peer = await self.current_call(user.interface)
        if peer is None:
            raise CallControlError(409, "no other party on your call")
        for action in dtmf_actions(peer, digits):
            await self.server.ami.send(action)
        return {"channel": peer, "digits": digits}

    async def _dial(self, user: UserInfo, data: object) -> dict:
        number = _fields(data, {"number"}).get("number")
        if not isinstance(number, str) or not NUMBER.match(number.replace(" ", "")):
            raise CallControlError(400, "'number' must be a phone number (digits, optional +)")
        number = number.replace(" ", "")
        channel_id = await self.server.ami.originate(
            dial_action(user.interface, number, self.contexts["number"]))
        return {"channel_id": channel_id, "number": number}

    async def _conference(self, user: UserInfo, data: object) -> dict:
        """Barge the agent's supervisor in: ChanSpy with B on the supervisor's phone."""
        _fields(data, set())
        await self.current_call(user.interface)
        supervisor = await self.supervisor_of(user)
        if supervisor is None:
            raise CallControlError(409, "no supervisor with a phone leads your team")
        channel_id = await self.server.ami.originate(spy_originate(
            "barge", user.interface, supervisor.interface,
            caller_id=f'"conference" <{channel_prefix(user.interface)}>'))
        return {"channel_id": channel_id, "supervisor": supervisor.display_name}

    async def supervisor_of(self, user: UserInfo) -> UserInfo | None:
        """A supervisor with a phone who leads the agent's team."""
        for candidate in (await users_by_interface(self.server.db)).values():
            if candidate.role != "supervisor" or candidate.id == user.id:
                continue
            visible = await visible_user_ids(self.server.db, candidate)
            if visible is not None and user.id in visible:
                return candidate
        return None


callcontrol_key = web.AppKey("callcontrol", CallControl)
