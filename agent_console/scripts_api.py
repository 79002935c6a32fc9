"""Admin API for what agents see at work: telemarketing scripts and disposition lists, per queue
or campaign (``{kind}`` is ``queue`` or ``campaign``), plus the global disposition list.

- ``GET /admin/scripts`` (schemas.ScriptList); ``GET``, ``PUT`` (schemas.ScriptBody),
  ``DELETE`` ``/admin/scripts/{kind}/{name}``: a script is a jinja2 template with ``customer``
  and ``agent``; one that does not compile is refused.
- ``GET``, ``PUT`` (schemas.DispositionsBody) ``/admin/dispositions`` (the global list) and
  ``/admin/dispositions/{kind}/{name}`` (schemas.DispositionsAnswer): a PUT replaces the whole
  list; codes dropped that wrap-ups used are deactivated, not deleted.

JSON in and out, ``{"error": "..."}`` with 400 (bad input, naming the field), 403, 404 (no
such script, or a kind other than queue or campaign); admin only (as the queue API); browser
sessions send the CSRF token (X-CSRF-Token)."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from callcenter.errors import Invalid, NotFound
from crm_core.db import Database
from crm_core.dispositions import (
    KINDS, Owner, dispositions_for, list_dispositions, parse_entries, replace_dispositions,
)
from crm_core.scripts import MAX_BODY as MAX_SCRIPT
from crm_core.scripts import delete_script, get_script, list_scripts, put_script

from .auth import USER, require_role
from .jsonbody import answer, read
from .schemas import (
    DispositionsAnswer, DispositionsBody, ScriptAnswer, ScriptBody, ScriptDeleted, ScriptList,
)

MAX_BODY = 6 * MAX_SCRIPT + 4096
"""The longest script even if every character comes \\uXXXX-escaped, and the rest."""


def _owner(request: web.Request) -> Owner:
    kind, name = request.match_info["kind"], request.match_info["name"]
    try:
        return Owner(kind, name)
    except Invalid:
        if kind in KINDS:
            raise
        raise NotFound("not found") from None


def _path_owner(request: web.Request) -> Owner:
    return _owner(request) if "kind" in request.match_info else Owner()


def _no_script(owner: Owner) -> NotFound:
    return NotFound("no script for {kind} {name}", kind=owner.kind, name=owner.name)


class ScriptsResource:
    """The scripts and disposition lists of ``db``, for admins."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @require_role("admin")
    async def scripts(self, request: web.Request) -> web.Response:
        found = await list_scripts(self.db)
        return answer(ScriptList, {"scripts": [s.json() for s in found]})

    @require_role("admin")
    async def script(self, request: web.Request) -> web.Response:
        owner = _owner(request)
        found = await get_script(self.db, owner)
        if found is None:
            raise _no_script(owner)
        return answer(ScriptAnswer, found.json())

    @require_role("admin")
    async def save_script(self, request: web.Request) -> web.Response:
        owner = _owner(request)
        script = await read(request, ScriptBody, MAX_BODY)
        saved = await put_script(self.db, owner, script.body, title=script.title,
                                 user_id=request[USER].id)  # a ScriptError when it does not compile
        return answer(ScriptAnswer, saved.json())

    @require_role("admin")
    async def remove_script(self, request: web.Request) -> web.Response:
        owner = _owner(request)
        if not await delete_script(self.db, owner):
            raise _no_script(owner)
        return answer(ScriptDeleted, {"deleted": {"kind": owner.kind, "name": owner.name}})

    # --- dispositions ----------------------------------------------------------------------

    async def _dispositions(self, owner: Owner) -> dict[str, Any]:
        """The owner's own list and what agents are offered for its calls."""
        async with self.db.sessionmaker() as session:
            offered = await dispositions_for(session, owner.queue, owner.campaign)
        return {"kind": owner.kind, "name": owner.name,
                "dispositions": await list_dispositions(self.db, owner),
                "offered": [d.json() for d in offered]}

    @require_role("admin")
    async def dispositions(self, request: web.Request) -> web.Response:
        return answer(DispositionsAnswer, await self._dispositions(_path_owner(request)))

    @require_role("admin")
    async def save_dispositions(self, request: web.Request) -> web.Response:
        owner = _path_owner(request)
        listing = await read(request, DispositionsBody, MAX_BODY)
        # the rules on the whole list (codes unique, the global list not empty): Invalid
        entries = parse_entries([e.model_dump() for e in listing.dispositions], owner)
        await replace_dispositions(self.db, owner, entries)
        return answer(DispositionsAnswer, await self._dispositions(owner))


def add_routes(app: web.Application, scripts: ScriptsResource) -> None:
    app.router.add_get("/admin/scripts", scripts.scripts)
    app.router.add_get("/admin/scripts/{kind}/{name}", scripts.script)
    app.router.add_put("/admin/scripts/{kind}/{name}", scripts.save_script)
    app.router.add_delete("/admin/scripts/{kind}/{name}", scripts.remove_script)
    app.router.add_get("/admin/dispositions", scripts.dispositions)
    app.router.add_put("/admin/dispositions", scripts.save_dispositions)
    app.router.add_get("/admin/dispositions/{kind}/{name}", scripts.dispositions)
    app.router.add_put("/admin/dispositions/{kind}/{name}", scripts.save_dispositions)
