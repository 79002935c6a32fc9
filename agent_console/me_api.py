"""The logged-in user's own settings (any role; browsers send X-CSRF-Token).

- ``PUT /api/me/language`` ``{"language": "zh_CN" | "en" | null}`` (schemas.LanguageChoice):
  the language of the user's screens and messages, saved in ``users.language``; null follows
  the browser (agent_console.i18n). Answers ``{"language": ...}``.
"""
from __future__ import annotations

from aiohttp import web

from crm_core.db import Database
from crm_core.users import set_language

from .auth import USER, every_role
from .jsonbody import answer, read
from .schemas import LanguageChoice, LanguageSaved

MAX_BODY = 1024


class MeResource:
    """The users of ``db``, each changing their own settings."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @every_role
    async def language(self, request: web.Request) -> web.Response:
        choice = await read(request, LanguageChoice, MAX_BODY)
        await set_language(self.db, request[USER].id, choice.language)
        return answer(LanguageSaved, {"language": choice.language})


def add_routes(app: web.Application, me: MeResource) -> None:
    app.router.add_put("/api/me/language", me.language)
