"""Call controls for an agent's own call through AMI: hang up, hold/unhold, blind and attended
transfer (to an extension, a queue or an external number; an attended transfer completes when
the agent hangs up, or is cancelled), conference the supervisor in, click-to-dial and DTMF.
The AMI actions are built by pure functions; ``CallControl`` finds the agent's channel in the
live call (CoreShowChannels: the channel named after the agent's interface that is in a
bridge) and sends them.

Hold: Asterisk 22's AMI has no hold for a bridged call, and taking the caller out of the
bridge (Redirect to music, later the Bridge action) would end app_queue's call: the queue would
log it completed and its statistics would be wrong. So the call stays bridged: the agent's
channel is muted both ways with the MUTEAUDIO function (AMI Setvar, class ``call``; the
MuteAudio action would need ``system``), and a Local channel into the hold context runs
``ChanSpy(<caller's channel>,qwE)``, whispering music on hold to the caller alone; its other
half plays the music. Unhold hangs up the music half and unmutes. (Asterisk 22's ChanSpy
ignores a hangup of its own channel, so the ChanSpy half, now whispering silence, ends with
the caller's channel: option E.) The hold channels belong to no call (the CTI server keeps them
out of the call tracker), and the agent shows ``on_hold`` (AgentStateMachine.set_held; a
restarted CTI server finds the hold music again in its resync: ``held_agents``). A SIP
phone's own hold key works as well (Asterisk then plays music on hold itself).

Channels: an agent's channel names start with ``channel_prefix(interface) + "-"``
(``PJSIP/1001-0000002a``; the simulated ``Local/1001@sim-agent-0000000b;1``); of those, the one
in a bridge is the agent's side of the call, and the other channel of that bridge is the
caller's.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from crm_core.teams import visible_user_ids
from crm_core.users import UserInfo, users_by_interface

from ctiserver.ami.client import AmiError
from ctiserver.acd.supervision import SupervisionError, channel_prefix, spy_originate

if TYPE_CHECKING:
    from ctiserver.server import CTIServer

TRANSFER_KINDS = ("extension", "queue", "number")
DTMF_DIGITS = re.compile(r"^[0-9*#A-Da-d]{1,32}$")
EXTENSION = re.compile(r"^[0-9A-Za-z*#+_.-]{1,40}$")
NUMBER = re.compile(r"^\+?[0-9]{2,20}$")
QUEUE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DIAL_RING_TIMEOUT_MS = 30000
HOLD_EXTEN = "hold"
ACTIONS = ("hangup", "hold", "unhold", "transfer", "atxfer", "atxfer_cancel", "conference",
           "dial", "dtmf")


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


def cancel_atxfer_action(channel: str) -> dict[str, str]:
    """AMI CancelAtxfer: the agent (CHANNEL) drops the consultation and is back with the caller."""
    return {"Action": "CancelAtxfer", "Channel": channel}


def mute_actions(channel: str, on: bool) -> list[dict[str, str]]:
    """MUTEAUDIO both ways on CHANNEL through AMI Setvar (a dialplan function write)."""
    value = "on" if on else "off"
    return [{"Action": "Setvar", "Channel": channel, "Variable": f"MUTEAUDIO({way})", "Value": value}
            for way in ("in", "out")]


def hold_channel_prefix(hold_context: str) -> str:
    return f"Local/{HOLD_EXTEN}@{hold_context}-"


def hold_music_action(held: str, hold_context: str, *, channel_id: str | None = None) -> dict[str, str]:
    """Originate the hold music: ChanSpy whispers it to HELD (q quiet, w whisper, E end with
    HELD). ``/n``: the Local channel must stay, it is what whispers."""
    return {
        "Action": "Originate", "Channel": f"Local/{HOLD_EXTEN}@{hold_context}/n",
        "Application": "ChanSpy", "Data": f"{held},qwE", "CallerID": '"on hold" <hold>',
        "Async": "true", "ChannelId": channel_id or str(uuid.uuid4()),
    }


def hold_music(channels: Sequence[Mapping[str, str]], held: str, hold_context: str) -> list[str]:
    """The music halves (``;2``) of the hold channels whispering to HELD that still play, in a
    CoreShowChannels listing: HELD is on hold while there is one."""
    prefix = hold_channel_prefix(hold_context)
    spies = {c["Channel"][:-2] for c in channels
             if c.get("Channel", "").startswith(prefix) and c["Channel"].endswith(";1")
             and c.get("Application") == "ChanSpy" and c.get("ApplicationData", "").startswith(held + ",")}
    return [c["Channel"] for c in channels
            if c.get("Channel", "").endswith(";2") and c["Channel"][:-2] in spies]


def held_agents(channels: Sequence[Mapping[str, str]], interfaces: Iterable[str],
                hold_context: str) -> list[str]:
    """The agents (of INTERFACES) whose call has hold music playing, in a CoreShowChannels
    listing: after a restart of the CTI server, the holds the console started before."""
    held = []
    for interface in interfaces:
        try:
            found = find_call(channels, interface)
        except ValueError:  # not a channel interface: no call to find
            continue
        if found and found[1] and hold_music(channels, found[1], hold_context):
            held.append(interface)
    return held


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
        return {"queue": s.queue_context, "extension": s.internal_context, "number": s.outbound_context}

    async def channels(self) -> list[dict[str, str]]:
        listing = await self.server.ami.event_list({"Action": "CoreShowChannels"})
        return [c for c in listing if c.get("Event") == "CoreShowChannel"]

    async def current_call(self, interface: str,
                           channels: list[dict[str, str]] | None = None) -> tuple[str, str | None]:
        found = find_call(channels if channels is not None else await self.channels(), interface)
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

    async def _hold(self, user: UserInfo, data: object) -> dict:
        _fields(data, set())
        context = self.server.settings.hold_context
        channels = await self.channels()
        channel, peer = await self.current_call(user.interface, channels)
        if peer is None:
            raise CallControlError(409, "no other party on your call")
        if hold_music(channels, peer, context):
            raise CallControlError(409, "the call is already on hold")
        for action in mute_actions(channel, True):
            await self.server.ami.send(action)
        try:
            await self.server.ami.originate(hold_music_action(peer, context))
        except AmiError:
            for action in mute_actions(channel, False):
                await self.server.ami.send(action)
            raise
        self.server.set_held(user.interface, True)
        return {"channel": channel, "held": peer}

    async def _unhold(self, user: UserInfo, data: object) -> dict:
        _fields(data, set())
        channels = await self.channels()
        channel, peer = await self.current_call(user.interface, channels)
        music = hold_music(channels, peer, self.server.settings.hold_context) if peer else []
        for name in music:
            await self.server.ami.send(hangup_action(name))
        for action in mute_actions(channel, False):
            await self.server.ami.send(action)
        self.server.set_held(user.interface, False)
        return {"channel": channel, "was_held": bool(music)}

    async def _transfer(self, user: UserInfo, data: object, *, attended: bool = False) -> dict:
        exten, context = transfer_target(_fields(data, {"kind", "target"}), self.contexts)
        channel, _ = await self.current_call(user.interface)
        build = atxfer_action if attended else blind_transfer_action
        await self.server.ami.send(build(channel, exten, context))
        return {"channel": channel, "exten": exten, "context": context}

    async def _atxfer(self, user: UserInfo, data: object) -> dict:
        return await self._transfer(user, data, attended=True)

    async def _atxfer_cancel(self, user: UserInfo, data: object) -> dict:
        _fields(data, set())
        channel, _ = await self.current_call(user.interface)
        await self.server.ami.send(cancel_atxfer_action(channel))
        return {"channel": channel}

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
