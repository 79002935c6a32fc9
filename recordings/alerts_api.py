"""Keyword alert phrases for admins (JSON).

- ``GET /admin/keyword-alerts``: every queue's and campaign's phrases,
  ``{"queue": {NAME: [...]}, "campaign": {...}}``.
- ``GET|PUT /admin/keyword-alerts/KIND/NAME`` (KIND ``queue`` or ``campaign``): one list;
  PUT ``{"phrases": [...]}`` replaces it. A transcript that contains a phrase flags its call
  and tells the supervisors who see its agent on the wallboard.
"""
from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import Field, StringConstraints

from agent_console.auth import require_role
from agent_console.jsonbody import NO_STORE, answer, read
from agent_console.schemas import MAX_TEXT, Answer, Body
from callcenter.errors import NotFound
from recordings.alerts_store import Phrases

MAX_PHRASES = 200
MAX_BODY = 64 * 1024
KINDS = ("queue", "campaign")

Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                          max_length=MAX_TEXT)]


class PhrasesBody(Body):
    phrases: Annotated[list[Phrase], Field(max_length=MAX_PHRASES)]


class PhrasesAnswer(Answer):
    phrases: list[str]


class AllPhrases(Answer):
    queue: dict[str, list[str]]
    campaign: dict[str, list[str]]


class KeywordAlertsResource:
    def __init__(self, phrases: Phrases) -> None:
        self.phrases = phrases

    @require_role("admin")
    async def everywhere(self, request: web.Request) -> web.Response:
        return answer(AllPhrases, await self.phrases.everywhere(), headers=NO_STORE)

    @require_role("admin")
    async def get(self, request: web.Request) -> web.Response:
        kind, name = owner(request)
        return answer(PhrasesAnswer, {"phrases": await self.phrases.of(kind, name)},
                      headers=NO_STORE)

    @require_role("admin")
    async def put(self, request: web.Request) -> web.Response:
        kind, name = owner(request)
        body = await read(request, PhrasesBody, MAX_BODY)
        await self.phrases.put(kind, name, list(dict.fromkeys(body.phrases)))
        return answer(PhrasesAnswer, {"phrases": await self.phrases.of(kind, name)})


def owner(request: web.Request) -> tuple[str, str]:
    """The route's queue or campaign (also the recording policies')."""
    kind = request.match_info["kind"]
    if kind not in KINDS:
        raise NotFound("not found")
    return kind, request.match_info["name"]


def add_routes(app: web.Application, alerts: KeywordAlertsResource) -> None:
    app.router.add_get("/admin/keyword-alerts", alerts.everywhere)
    app.router.add_get("/admin/keyword-alerts/{kind}/{name}", alerts.get)
    app.router.add_put("/admin/keyword-alerts/{kind}/{name}", alerts.put)
