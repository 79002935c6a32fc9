"""Admin API for queue definitions: the CRM holds them; every change is written to Asterisk's
queues.conf (the sandbox's, or the file a site #includes) and app_queue reloads.

- ``GET /admin/queues``: every queue (schemas.QueueList).
- ``PUT /admin/queues/{name}`` (schemas.QueueFields): creates the queue or changes the fields
  given; answers the queue and the Asterisk files that changed (schemas.QueueSaved); 409 when
  the queue conflicts with another.
- ``DELETE /admin/queues/{name}``: schemas.QueueDeleted; 404 when there is no such queue.

JSON in and out, ``{"error": "..."}`` with 400 (bad input, naming the field), 403, 404, 409;
admin only; browser sessions send the CSRF token (X-CSRF-Token)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from callcenter.errors import Conflict, NotFound
from crm_core.db import Database
from crm_core.queues import create_queue, delete_queue, get_queue, list_queues, update_queue

from .auth import require_role
from .jsonbody import answer, read
from .schemas import QueueDeleted, QueueFields, QueueList, QueueSaved

ApplyQueues = Callable[[], Awaitable[list[str]]]
"""Writes the CRM's queues to Asterisk and reloads them; the files that changed."""
MAX_BODY = 16 * 1024


class QueuesResource:
    """The queues of ``db``, for admins; ``apply`` takes every change to Asterisk."""

    def __init__(self, db: Database, apply: ApplyQueues) -> None:
        self.db = db
        self.apply = apply

    @require_role("admin")
    async def queues(self, request: web.Request) -> web.Response:
        return answer(QueueList, await list_queues(self.db))

    @require_role("admin")
    async def put_queue(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        fields = (await read(request, QueueFields, MAX_BODY)).given()
        try:
            if await get_queue(self.db, name) is None:
                await create_queue(self.db, name, **fields)
            else:
                await update_queue(self.db, name, **fields)
        except IntegrityError:
            raise Conflict("queue {queue} conflicts with another", queue=repr(name)) from None
        changed = await self.apply()
        return answer(QueueSaved, {"queue": await get_queue(self.db, name), "changed": changed})

    @require_role("admin")
    async def remove_queue(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if not await delete_queue(self.db, name):
            raise NotFound("no queue {queue}", queue=repr(name))
        return answer(QueueDeleted, {"deleted": name, "changed": await self.apply()})


def add_routes(app: web.Application, queues: QueuesResource) -> None:
    app.router.add_get("/admin/queues", queues.queues)
    app.router.add_put("/admin/queues/{name}", queues.put_queue)
    app.router.add_delete("/admin/queues/{name}", queues.remove_queue)
