"""Recording policies over HTTP (JSON): admins set them, supervisors read them.

- ``GET|PUT /admin/recording-policies/KIND/NAME`` (KIND ``queue``, ``campaign`` or ``flow``,
  an IVR flow, whose calls are then recorded from the flow's start): one policy, ``{"mode", "percent", "announcement", "keep_days", "language"}``; PUT replaces it,
  GET answers 404 for a queue or campaign without one (its calls are not recorded).
"""
from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import Field, StringConstraints

from agent_console.auth import require_role
from agent_console.jsonbody import NO_STORE, answer, read
from agent_console.schemas import Answer, Body
from callcenter.errors import NotFound
from recordings.journal import Policies
from recordings.policy import Mode, RecordingPolicy

MAX_BODY = 4 * 1024
KINDS = "queue|campaign|flow"

Sound = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200,
                                         pattern=r"^[\w/.&-]+$")]
"""A sound Asterisk plays (``&`` joins several): nothing the dialplan would read as syntax."""
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")]


class PolicyFields(Body):
    mode: Annotated[Mode, Field(strict=False)]
    """Its value ("all", "percent", "on_demand", "none")."""
    percent: Annotated[int, Field(ge=0, le=100)] = 100
    announcement: Sound | None = None
    keep_days: Annotated[int, Field(ge=1, le=36_500)] | None = None
    language: Language | None = None
    """The calls' spoken language (transcription); none: the site's default."""


class PolicyAnswer(Answer):
    mode: Mode
    percent: int
    announcement: str | None
    keep_days: int | None
    language: str | None


class RecordingPoliciesResource:
    def __init__(self, policies: Policies) -> None:
        self.policies = policies

    @require_role("admin", "supervisor")
    async def get(self, request: web.Request) -> web.Response:
        return answer(PolicyAnswer, await self._answer(*_owner(request)), headers=NO_STORE)

    @require_role("admin")
    async def put(self, request: web.Request) -> web.Response:
        kind, name = _owner(request)
        body = await read(request, PolicyFields, MAX_BODY)
        await self.policies.put(kind, name, RecordingPolicy(
            body.mode, body.percent, body.announcement, body.keep_days), language=body.language)
        return answer(PolicyAnswer, await self._answer(kind, name))

    async def _answer(self, kind: str, name: str) -> dict[str, object]:
        policy = await self.policies.get(kind, name)
        if policy is None:
            raise NotFound("no recording policy for {kind} {name}", kind=kind, name=name)
        return dict(mode=policy.mode, percent=policy.percent, announcement=policy.announcement,
                    keep_days=policy.retention_days,
                    language=await self.policies.language(kind, name))


def _owner(request: web.Request) -> tuple[str, str]:
    """The route's queue, campaign or flow (its pattern admits no other kind)."""
    return request.match_info["kind"], request.match_info["name"]


def add_routes(app: web.Application, policies: RecordingPoliciesResource) -> None:
    path = f"/admin/recording-policies/{{kind:{KINDS}}}/{{name}}"
    app.router.add_get(path, policies.get)
    app.router.add_put(path, policies.put)
