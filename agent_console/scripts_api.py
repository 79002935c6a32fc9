"""Admin API for what agents see at work: telemarketing scripts and disposition lists, per queue
or campaign (``{kind}`` is ``queue`` or ``campaign``), plus the global disposition list.

- ``GET /admin/scripts``; ``GET``, ``PUT`` ``{"body", "title"?}``, ``DELETE``
  ``/admin/scripts/{kind}/{name}``: a script is a jinja2 template with ``customer`` and
  ``agent``; one that does not compile is refused.
- ``GET``, ``PUT`` ``{"dispositions": [{"code", "label", "requires_callback"?}, ...]}``
  ``/admin/dispositions`` (the global list) and ``/admin/dispositions/{kind}/{name}``: a PUT
  replaces the whole list; codes dropped that wrap-ups used are deactivated, not deleted.

JSON in and out, ``{"error": "..."}`` on failure; admin only (as the queue API); browser
sessions send the CSRF token (X-CSRF-Token)."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from crm_core.dispositions import (
    KINDS, Owner, dispositions_for, list_dispositions, parse_entries, replace_dispositions,
)
from crm_core.scripts import MAX_BODY as MAX_SCRIPT
from crm_core.scripts import ScriptError, delete_script, get_script, list_scripts, put_script
from agent_console.auth import USER

from .auth import db_key, require_role
from .jsonbody import ApiError, json_errors, json_object

MAX_BODY = 6 * MAX_SCRIPT + 4096
"""The longest script even if every character comes \\uXXXX-escaped, and the rest."""


def _owner(request: web.Request) -> Owner:
    kind, name = request.match_info["kind"], request.match_info["name"]
    try:
        return Owner(kind, name)
    except ValueError as exc:
        if kind in KINDS:
            raise ApiError(400, str(exc)) from None
        raise ApiError(404, "not found") from None


# --- scripts ---------------------------------------------------------------------------------


@require_role("admin")
@json_errors
async def scripts(request: web.Request) -> web.Response:
    found = await list_scripts(request.app[db_key])
    return web.json_response({"scripts": [s.json() for s in found]})


@require_role("admin")
@json_errors
async def script(request: web.Request) -> web.Response:
    owner = _owner(request)
    found = await get_script(request.app[db_key], owner)
    if found is None:
        raise ApiError(404, f"no script for {owner.kind} {owner.name}")
    return web.json_response(found.json())


@require_role("admin")
@json_errors
async def save_script(request: web.Request) -> web.Response:
    owner, data = _owner(request), await json_object(request, MAX_BODY)
    unknown = set(data) - {"body", "title"}
    if unknown:
        raise ApiError(400, f"unknown fields: {', '.join(sorted(unknown))}")
    try:
        saved = await put_script(request.app[db_key], owner, data.get("body"),
                                 title=data.get("title", ""), user_id=request[USER].id)
    except ScriptError as exc:
        raise ApiError(400, str(exc)) from None
    return web.json_response(saved.json())


@require_role("admin")
@json_errors
async def remove_script(request: web.Request) -> web.Response:
    owner = _owner(request)
    if not await delete_script(request.app[db_key], owner):
        raise ApiError(404, f"no script for {owner.kind} {owner.name}")
    return web.json_response({"deleted": {"kind": owner.kind, "name": owner.name}})


# --- dispositions ----------------------------------------------------------------------------


async def _dispositions_json(request: web.Request, owner: Owner) -> dict[str, Any]:
    """The owner's own list and what agents are offered for its calls."""
    db = request.app[db_key]
    async with db.sessionmaker() as session:
        offered = await dispositions_for(session, owner.queue, owner.campaign)
    return {"kind": owner.kind, "name": owner.name,
            "dispositions": await list_dispositions(db, owner),
            "offered": [d.json() for d in offered]}


def _path_owner(request: web.Request) -> Owner:
    return _owner(request) if "kind" in request.match_info else Owner()


@require_role("admin")
@json_errors
async def dispositions(request: web.Request) -> web.Response:
    return web.json_response(await _dispositions_json(request, _path_owner(request)))


@require_role("admin")
@json_errors
async def save_dispositions(request: web.Request) -> web.Response:
    owner, data = _path_owner(request), await json_object(request, MAX_BODY)
    if set(data) != {"dispositions"}:
        raise ApiError(400, "expected {\"dispositions\": [...]} and nothing else")
    try:
        entries = parse_entries(data["dispositions"], owner)
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None
    await replace_dispositions(request.app[db_key], owner, entries)
    return web.json_response(await _dispositions_json(request, owner))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/admin/scripts", scripts)
    app.router.add_get("/admin/scripts/{kind}/{name}", script)
    app.router.add_put("/admin/scripts/{kind}/{name}", save_script)
    app.router.add_delete("/admin/scripts/{kind}/{name}", remove_script)
    app.router.add_get("/admin/dispositions", dispositions)
    app.router.add_put("/admin/dispositions", save_dispositions)
    app.router.add_get("/admin/dispositions/{kind}/{name}", dispositions)
    app.router.add_put("/admin/dispositions/{kind}/{name}", save_dispositions)
