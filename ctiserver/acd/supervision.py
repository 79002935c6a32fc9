"""Supervisor actions on agents: listen, whisper or barge on an agent's call, pause, unpause
and log out. The AMI actions are built by pure functions; ``Supervision`` checks who may act
on whom and sends them.

Listening is ChanSpy run on the supervisor's own phone: an Originate (Async) rings the
supervisor's interface and, once answered, runs ``ChanSpy(<agent channel prefix>-,<options>)``.
ChanSpy options (Asterisk 22): ``b`` only channels in a bridged call, ``q`` no beep and no
channel name read out, ``E`` end when the spied-on channel hangs up, ``S`` end when there is
nothing to spy on; ``w`` whisper (the agent hears the supervisor, the caller does not), ``B``
barge (both hear the supervisor).

The channel prefix is the agent's queue member interface without dial options
(``PJSIP/1001`` -> ``PJSIP/1001``; ``Local/1001@sim-agent/n`` -> ``Local/1001@sim-agent``);
channel names are ``<that>-<sequence>`` (``PJSIP/1001-0000002a``,
``Local/1001@sim-agent-0000000b;1``), so the trailing ``-`` keeps 1001 from matching 10010.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aiohttp import web

from crm_core.teams import visible_user_ids
from crm_core.users import UserInfo, users_by_interface

from ctiserver.acd.agentstate import ON_CALL, ON_HOLD
from ctiserver.ami.client import AmiError

if TYPE_CHECKING:
    from ctiserver.server import CTIServer

SPY_OPTIONS = {"listen": "bqES", "whisper": "bqwES", "barge": "bqBES"}
"""ChanSpy options per supervisor action."""
SPY_RING_TIMEOUT_MS = 30000
"""How long the supervisor's phone rings before the Originate gives up."""
AGENT_ACTIONS = ("pause", "unpause", "logout")
ACTIONS = (*SPY_OPTIONS, *AGENT_ACTIONS)


_CALLER_ID_SPECIALS = re.compile(r'["<>\\]')


class SupervisionError(Exception):
    """A request that cannot be carried out; ``status`` is the HTTP status that says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def channel_prefix(interface: str) -> str:
    """The agent's channel name prefix from its queue member interface (dial options off)."""
    tech, sep, resource = interface.partition("/")
    if not sep or not tech or not resource:
        raise ValueError(f"not a channel interface: {interface!r}")
    return f"{tech}/{resource.split('/', 1)[0]}"


def spy_data(mode: str, agent_interface: str) -> str:
    """ChanSpy's arguments for listen / whisper / barge on the agent's channel."""
    if mode not in SPY_OPTIONS:
        raise ValueError(f"spy mode must be one of {', '.join(SPY_OPTIONS)}, not {mode!r}")
    return f"{channel_prefix(agent_interface)}-,{SPY_OPTIONS[mode]}"


def spy_originate(mode: str, agent_interface: str, supervisor_interface: str, *,
                  caller_id: str = "", channel_id: str | None = None) -> dict[str, str]:
    """AMI Originate ringing the supervisor's phone into ChanSpy on the agent's call."""
    channel_prefix(supervisor_interface)  # validates
    return {
        "Action": "Originate",
        "Channel": supervisor_interface,
        "Application": "ChanSpy",
        "Data": spy_data(mode, agent_interface),
        "CallerID": caller_id or f"{mode} <{channel_prefix(agent_interface)}>",
        "Timeout": str(SPY_RING_TIMEOUT_MS),
        "Async": "true",
        "ChannelId": channel_id or str(uuid.uuid4()),
    }


def check_request(data: object, pause_reasons: Sequence[str]) -> tuple[str, str, str]:
    """(action, agent interface, reason) from a JSON body; raises SupervisionError(400)."""
    if not isinstance(data, dict):
        raise SupervisionError(400, "expected a JSON object")
    unknown = set(data) - {"action", "agent", "reason"}
    if unknown:
        raise SupervisionError(400, f"unknown fields: {', '.join(sorted(unknown))}")
    action, agent, reason = data.get("action"), data.get("agent"), data.get("reason", "")
    if action not in ACTIONS:
        raise SupervisionError(400, f"'action' must be one of {', '.join(ACTIONS)}")
    if not isinstance(agent, str) or not agent or len(agent) > 200:
        raise SupervisionError(400, "'agent' must be the agent's interface, e.g. PJSIP/1001")
    try:
        channel_prefix(agent)
    except ValueError as exc:
        raise SupervisionError(400, f"'agent': {exc}") from None
    if action == "pause":
        if reason not in pause_reasons:
            raise SupervisionError(400, f"'reason' must be one of {', '.join(pause_reasons)}")
    elif reason:
        raise SupervisionError(400, f"'reason' only goes with 'pause', not {action!r}")
    return action, agent, reason


async def may_act_on(db, user: UserInfo, interface: str) -> bool:
    """Admins act on every agent, supervisors on the agents of the teams they lead."""
    if user.role == "admin":
        return True
    if user.role != "supervisor":
        return False
    agent = (await users_by_interface(db)).get(interface)
    visible = await visible_user_ids(db, user)
    return agent is not None and visible is not None and agent.id in visible


class Supervision:
    """Carries out supervisor actions through the CTI server's AMI link and agent control.
    The CTI server's web app holds one under ``supervision_key``."""

    def __init__(self, server: CTIServer) -> None:
        self.server = server

    @property
    def pause_reasons(self) -> tuple[str, ...]:
        return self.server.agent_control.pause_reasons

    async def act(self, user: UserInfo, data: object) -> dict:
        """Check and run one request; the JSON answer. Raises SupervisionError."""
        action, interface, reason = check_request(data, self.pause_reasons)
        if not await may_act_on(self.server.db, user, interface):
            raise SupervisionError(403, "you may act only on agents of the teams you lead")
        try:
            result = await self._run(user, action, interface, reason)
        except AmiError as exc:
            raise SupervisionError(502, f"Asterisk refused: {exc}") from None
        return {"ok": True, "action": action, "agent": interface, **result}

    async def _run(self, user: UserInfo, action: str, interface: str, reason: str) -> dict:
        control = self.server.agent_control
        if action in SPY_OPTIONS:
            return {"channel_id": await self.spy(user, action, interface)}
        if action == "pause":
            await control.pause(interface, reason)
            return {"reason": reason}
        if action == "unpause":
            await control.unpause(interface)
            return {}
        queues = sorted(self.server.feed.agents.queues_of(interface))
        if not queues:
            raise SupervisionError(409, "the agent is not logged in to any queue")
        await control.log_out(interface, queues)
        return {"queues": queues}

    async def spy(self, user: UserInfo, mode: str, interface: str) -> str:
        if not user.interface:
            raise SupervisionError(409, "your user has no phone (interface) to listen on")
        view = self.server.feed.agents.agents().get(interface)
        if view is None or view.state not in (ON_CALL, ON_HOLD):
            raise SupervisionError(409, "the agent is not on a call")
        name = _CALLER_ID_SPECIALS.sub("", view.name or interface)
        return await self.server.ami.originate(
            spy_originate(mode, interface, user.interface, caller_id=f'"{mode}: {name}" <{mode}>'))


supervision_key = web.AppKey("supervision", Supervision)
