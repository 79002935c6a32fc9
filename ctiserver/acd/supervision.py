"""Supervisor actions on agents: listen, whisper or barge on an agent's call (ChanSpy on the
supervisor's own phone, ``spy``), pause, unpause and log out. ``Supervision`` checks who may act
on whom (admins on everyone, supervisors on the agents of the teams they lead) and sends them.
"""
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from callcenter.errors import Conflict, Forbidden, Invalid, Refused
from crm_core.values import UserInfo
from ctiserver.acd.agentcontrol import AgentControl
from ctiserver.acd.agentstate import ON_CALL, ON_HOLD, AgentStateMachine
from ctiserver.acd.spy import SPY_OPTIONS, spy_originate
from ctiserver.ami.actions import Originate
from ctiserver.ami.client import AmiError
from ctiserver.control.channels import channel_prefix

AGENT_ACTIONS = ("pause", "unpause", "logout")
ACTIONS = (*SPY_OPTIONS, *AGENT_ACTIONS)
_CALLER_ID_SPECIALS = re.compile(r'["<>\\]')

MayActOn = Callable[[UserInfo, str], Awaitable[bool]]
"""Whether USER may act on the agent with that queue member interface."""


class Originator(Protocol):
    async def originate(self, action: Originate) -> str: ...


class SupervisorAction(BaseModel):
    """``POST /wallboard/actions``."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["listen", "whisper", "barge", "pause", "unpause", "logout"]
    agent: str = Field(min_length=1, max_length=200, description="the agent's interface, e.g. PJSIP/1001")
    reason: str = ""

    @field_validator("agent")
    @classmethod
    def _interface(cls, value: str) -> str:
        channel_prefix(value)  # a ValueError says why
        return value


class SupervisorResult(BaseModel):
    ok: bool = True
    action: str
    agent: str
    channel_id: str | None = None
    reason: str | None = None
    queues: list[str] | None = None


def check_request(data: Mapping[str, Any], pause_reasons: Sequence[str]) -> SupervisorAction:
    """The request, checked; raises pydantic's ValidationError or Invalid."""
    request = SupervisorAction.model_validate(data)
    if request.action == "pause":
        if request.reason not in pause_reasons:
            raise Invalid("'reason' must be one of {reasons}", reasons=", ".join(pause_reasons))
    elif request.reason:
        raise Invalid("'reason' only goes with 'pause', not {action}", action=repr(request.action))
    return request


class Supervision:
    def __init__(self, ami: Originator, agent_control: AgentControl, agents: AgentStateMachine,
                 may_act_on: MayActOn) -> None:
        self._ami = ami
        self._control = agent_control
        self._agents = agents
        self._may_act_on = may_act_on

    @property
    def pause_reasons(self) -> tuple[str, ...]:
        return self._control.pause_reasons

    async def act(self, user: UserInfo, data: Mapping[str, Any]) -> SupervisorResult:
        """Check and run one request. Raises domain errors (Invalid, Forbidden, Conflict,
        Refused) or a ValidationError."""
        request = check_request(data, self.pause_reasons)
        if not await self._may_act_on(user, request.agent):
            raise Forbidden("you may act only on agents of the teams you lead")
        try:
            result = await self._run(user, request)
        except AmiError as exc:
            raise Refused("Asterisk refused: {cause}", cause=exc) from None
        return SupervisorResult(action=request.action, agent=request.agent, **result)

    async def _run(self, user: UserInfo, request: SupervisorAction) -> dict:
        action, interface = request.action, request.agent
        if action in SPY_OPTIONS:
            return {"channel_id": await self.spy(user, action, interface)}
        if action == "pause":
            await self._control.pause(interface, request.reason)
            return {"reason": request.reason}
        if action == "unpause":
            await self._control.unpause(interface)
            return {}
        queues = sorted(self._agents.queues_of(interface))
        if not queues:
            raise Conflict("the agent is not logged in to any queue")
        await self._control.log_out(interface, queues)
        return {"queues": queues}

    async def spy(self, user: UserInfo, mode: str, interface: str) -> str:
        if not user.interface:
            raise Conflict("your user has no phone (interface) to listen on")
        view = self._agents.agents().get(interface)
        if view is None or view.state not in (ON_CALL, ON_HOLD):
            raise Conflict("the agent is not on a call")
        name = _CALLER_ID_SPECIALS.sub("", view.name or interface)
        return await self._ami.originate(
            spy_originate(mode, interface, user.interface, caller_id=f'"{mode}: {name}" <{mode}>'))
