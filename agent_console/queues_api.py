"""Admin API for queue definitions: the CRM holds them; every change is written to Asterisk's
queues.conf (the sandbox's, or the file a site #includes) and app_queue reloads.

JSON in and out; admin only; browser sessions send the CSRF token (X-CSRF-Token)."""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from crm_core.queues import EDITABLE, create_queue, delete_queue, get_queue, list_queues, update_queue

from .auth import db_key, require_role
from .jsonbody import BodyError, json_object

ApplyQueues = Callable[[], Awaitable[list[str]]]
apply_key = web.AppKey("apply_queues", ApplyQueues)
MAX_BODY = 16 * 1024


def _public(queue) -> dict[str, Any]:
    return {"name": queue.name, **{key: getattr(queue, key) for key in sorted(EDITABLE)}}


async def _fields(request: web.Request) -> dict[str, Any]:
    try:
        return await json_object(request, MAX_BODY)
    except BodyError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None


@require_role("admin")
async def queues(request: web.Request) -> web.Response:
    return web.json_response([_public(q) for q in await list_queues(request.app[db_key])])


@require_role("admin")
async def put_queue(request: web.Request) -> web.Response:
    """Create or update; the answer lists the Asterisk files that changed."""
    db, name = request.app[db_key], request.match_info["name"]
    fields = await _fields(request)
    try:
        if await get_queue(db, name) is None:
            await create_queue(db, name, **fields)
        else:
            await update_queue(db, name, **fields)
    except (ValueError, TypeError) as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    except IntegrityError:
        raise web.HTTPConflict(text=f"queue {name!r} conflicts with another") from None
    changed = await request.app[apply_key]()
    return web.json_response({"queue": _public(await get_queue(db, name)), "changed": changed})


@require_role("admin")
async def remove_queue(request: web.Request) -> web.Response:
    db, name = request.app[db_key], request.match_info["name"]
    if not await delete_queue(db, name):
        raise web.HTTPNotFound(text=f"no queue {name!r}")
    return web.json_response({"deleted": name, "changed": await request.app[apply_key]()})


def add_routes(app: web.Application, apply: ApplyQueues) -> None:
    app[apply_key] = apply
    app.router.add_get("/admin/queues", queues)
    app.router.add_put("/admin/queues/{name}", put_queue)
    app.router.add_delete("/admin/queues/{name}", remove_queue)
