"""Call controls for an agent's own call through AMI: hang up, hold/unhold, blind and attended
transfer (to an extension, a queue or an external number; an attended transfer completes when
the agent hangs up, or is cancelled), conference the supervisor in, click-to-dial and DTMF.
``CallControl`` finds the agent's channel in the live call (CoreShowChannels: the channel named
after the agent's interface that is in a bridge, see ``channels``) and sends typed actions.

Hold: Asterisk 22's AMI has no hold for a bridged call, and taking the caller out of the
bridge (Redirect to music, later the Bridge action) would end app_queue's call: the queue would
log it completed and its statistics would be wrong. So the call stays bridged: the agent's
channel is muted both ways with the MUTEAUDIO function (AMI Setvar, class ``call``; the
MuteAudio action would need ``system``), and a Local channel into the hold context runs
``ChanSpy(<caller's channel>,qwE)``, whispering music on hold to the caller alone; its other
half plays the music. Unhold hangs up the music half and unmutes. (Asterisk 22's ChanSpy
ignores a hangup of its own channel, so the ChanSpy half, now whispering silence, ends with
the caller's channel: option E.) The hold channels belong to no call (the CTI server keeps them
out of the call tracker), and the agent shows ``on_hold`` (``set_held``; a restarted CTI server
finds the hold music again in its resync: ``channels.held_agents``). A SIP phone's own hold key
works as well (Asterisk then plays music on hold itself).

Dialling out (click-to-dial, a transfer to a number) is checked against the dial policy of the
agent's team first (``dialpolicy``): a refusal is Forbidden with the reason in words. Every such
attempt, allowed or refused, is recorded (``DialAttempt``) with the call it made.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from callcenter.errors import Conflict, Forbidden, NotFound, Refused
from crm_core.values import DialAttempt, UserInfo
from ctiserver.acd.spy import spy_originate
from ctiserver.ami import actions as act
from ctiserver.ami.client import AmiError
from ctiserver.ami.results import ListedChannel
from ctiserver.control import schemas
from ctiserver.control.channels import (
    HOLD_EXTEN, channel_prefix, find_call, hold_music, transfer_target,
)
from ctiserver.control.dialpolicy import DialDecision, DialPolicy

DIAL_RING_TIMEOUT_MS = 30000


class AmiLink(Protocol):
    async def send(self, action: act.AmiAction) -> Any: ...
    async def originate(self, action: act.Originate) -> str: ...
    async def channels(self) -> list[ListedChannel]: ...


SupervisorOf = Callable[[UserInfo], Awaitable[UserInfo | None]]
"""A supervisor with a phone who leads the agent's team, or None."""
PolicyFor = Callable[[str | None], Awaitable[DialPolicy]]
"""The dial policy in force for an agent of a team (None: of no team)."""
RecordDial = Callable[[DialAttempt], Awaitable[None]]
"""Writes one row of the dial audit log."""


# --- the builders ----------------------------------------------------------------------------


def mute_actions(channel: str, on: bool) -> list[act.Setvar]:
    """MUTEAUDIO both ways on CHANNEL through AMI Setvar (a dialplan function write)."""
    value = "on" if on else "off"
    return [act.Setvar(channel, f"MUTEAUDIO({way})", value) for way in ("in", "out")]


def hold_music_action(held: str, hold_context: str, **ids: str) -> act.Originate:
    """Originate the hold music: ChanSpy whispers it to HELD (q quiet, w whisper, E end with
    HELD). ``/n``: the Local channel must stay, it is what whispers."""
    return act.Originate(f"Local/{HOLD_EXTEN}@{hold_context}/n", application="ChanSpy",
                         data=f"{held},qwE", caller_id='"on hold" <hold>', **ids)


def dtmf_actions(channel: str, digits: str, duration_ms: int = 250) -> list[act.PlayDTMF]:
    """AMI PlayDTMF plays one digit per action."""
    if not schemas.DTMF_DIGITS.match(digits):
        raise ValueError("DTMF digits are 0-9, *, #, A-D (1 to 32 of them)")
    return [act.PlayDTMF(channel, d, duration_ms) for d in digits]


def dial_action(interface: str, number: str, context: str, *, caller_id: str = "",
                **ids: str) -> act.Originate:
    """Click-to-dial: ring the agent's own phone, then dial NUMBER from CONTEXT."""
    channel_prefix(interface)  # validates
    return act.Originate(interface, context=context, exten=number, priority="1",
                         caller_id=caller_id or f"<{number}>", timeout=DIAL_RING_TIMEOUT_MS, **ids)


# --- the service ---------------------------------------------------------------------------


class CallControl:
    """Carries out an agent's call controls on the agent's own call."""

    def __init__(self, ami: AmiLink, *, contexts: Mapping[str, str], hold_context: str,
                 set_held: Callable[[str, bool], None], supervisor_of: SupervisorOf,
                 policy_for: PolicyFor, record_dial: RecordDial) -> None:
        self._ami = ami
        self.contexts = dict(contexts)
        """Transfer kind (queue, extension, number) -> dialplan context."""
        self._hold_context = hold_context
        self._set_held = set_held
        self._supervisor_of = supervisor_of
        self._policy_for = policy_for
        self._record_dial = record_dial

    async def current_call(self, interface: str,
                           channels: list[ListedChannel] | None = None) -> tuple[str, str | None]:
        found = find_call(channels if channels is not None else await self._ami.channels(), interface)
        if found is None:
            raise Conflict("you are not on a call")
        return found

    async def act(self, user: UserInfo, action: str, data: Mapping[str, Any]) -> schemas.CallControlResult:
        """Check and run one control on USER's own call. Raises Invalid (bad input), NotFound
        (no such control), Conflict (no call, no phone), Forbidden (the dial policy refuses the
        number), Refused (Asterisk said no)."""
        body_type = schemas.BODIES.get(action)
        if body_type is None:
            raise NotFound("unknown call control {action}; one of {actions}", action=repr(action),
                           actions=", ".join(schemas.ACTIONS))
        body = body_type.model_validate(data)
        if not user.interface:
            raise Conflict("your user has no phone (interface)")
        try:
            result = await getattr(self, "_" + action)(user.interface, body, user)
        except AmiError as exc:
            raise Refused("Asterisk refused: {cause}", cause=exc) from None
        return schemas.CallControlResult(action=action, **result)

    async def _dial_out(self, user: UserInfo, kind: str, number: str,
                        place: Callable[[], Awaitable[str]]) -> str:
        """PLACE (which dials NUMBER and answers the call's id) if the policy allows NUMBER;
        the attempt is recorded either way. The call's id."""
        decision = (await self._policy_for(user.team)).check(number, user.team)
        if not decision.allowed:
            await self._record(user, kind, number, decision)
            raise Forbidden("{why}", why=decision.why)
        try:
            call_id = await place()
        except AmiError as exc:
            await self._record(user, kind, number, decision, error=str(exc))
            raise
        await self._record(user, kind, number, decision, call_id=call_id)
        return call_id

    async def _record(self, user: UserInfo, kind: str, number: str, decision: DialDecision,
                      **outcome: str) -> None:
        await self._record_dial(DialAttempt(
            user.id, user.username, user.team, kind, number, decision.e164, decision.allowed,
            decision.reason, **outcome))

    async def _send_all(self, actions: list[act.AmiAction]) -> None:
        for action in actions:
            await self._ami.send(action)

    async def _hangup(self, interface: str, body: schemas.NoFields, user: UserInfo) -> dict:
        channel, _ = await self.current_call(interface)
        await self._ami.send(act.Hangup(channel))
        return {"channel": channel}

    async def _hold(self, interface: str, body: schemas.NoFields, user: UserInfo) -> dict:
        channels = await self._ami.channels()
        channel, peer = await self.current_call(interface, channels)
        if peer is None:
            raise Conflict("no other party on your call")
        if hold_music(channels, peer, self._hold_context):
            raise Conflict("the call is already on hold")
        await self._send_all(mute_actions(channel, True))
        try:
            await self._ami.originate(hold_music_action(peer, self._hold_context))
        except AmiError:
            await self._send_all(mute_actions(channel, False))
            raise
        self._set_held(interface, True)
        return {"channel": channel, "held": peer}

    async def _unhold(self, interface: str, body: schemas.NoFields, user: UserInfo) -> dict:
        channels = await self._ami.channels()
        channel, peer = await self.current_call(interface, channels)
        music = hold_music(channels, peer, self._hold_context) if peer else []
        await self._send_all([act.Hangup(name) for name in music])
        await self._send_all(mute_actions(channel, False))
        self._set_held(interface, False)
        return {"channel": channel, "was_held": bool(music)}

    async def _transfer(self, interface: str, body: schemas.TransferBody, user: UserInfo, *,
                        attended: bool = False) -> dict:
        exten, context = transfer_target(body.kind, body.target, self.contexts)
        channels = await self._ami.channels()
        channel, _ = await self.current_call(interface, channels)
        transfer = (act.Atxfer if attended else act.BlindTransfer)(channel, exten, context)
        if body.kind != "number":
            await self._ami.send(transfer)
            return {"channel": channel, "exten": exten, "context": context}

        async def send() -> str:  # the call it makes is the one transferred
            await self._ami.send(transfer)
            return next(c.linkedid for c in channels if c.channel == channel)
        await self._dial_out(user, "atxfer" if attended else "transfer", exten, send)
        return {"channel": channel, "exten": exten, "context": context}

    async def _atxfer(self, interface: str, body: schemas.TransferBody, user: UserInfo) -> dict:
        return await self._transfer(interface, body, user, attended=True)

    async def _atxfer_cancel(self, interface: str, body: schemas.NoFields, user: UserInfo) -> dict:
        channel, _ = await self.current_call(interface)
        await self._ami.send(act.CancelAtxfer(channel))
        return {"channel": channel}

    async def _dtmf(self, interface: str, body: schemas.DtmfBody, user: UserInfo) -> dict:
        _, peer = await self.current_call(interface)
        if peer is None:
            raise Conflict("no other party on your call")
        await self._send_all(dtmf_actions(peer, body.digits))
        return {"channel": peer, "digits": body.digits}

    async def _dial(self, interface: str, body: schemas.DialBody, user: UserInfo) -> dict:
        channel_id = await self._dial_out(user, "dial", body.number, lambda: self._ami.originate(
            dial_action(interface, body.number, self.contexts["number"])))
        return {"channel_id": channel_id, "number": body.number}

    async def _conference(self, interface: str, body: schemas.NoFields, user: UserInfo) -> dict:
        """Barge the agent's supervisor in: ChanSpy with B on the supervisor's phone."""
        await self.current_call(interface)
        supervisor = await self._supervisor_of(user)
        if supervisor is None:
            raise Conflict("no supervisor with a phone leads your team")
        channel_id = await self._ami.originate(spy_originate(
            "barge", interface, supervisor.interface,
            caller_id=f'"conference" <{channel_prefix(interface)}>'))
        return {"channel_id": channel_id, "supervisor": supervisor.display_name}

