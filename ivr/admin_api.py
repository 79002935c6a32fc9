"""The IVR's admin API and page (admins change flows; supervisors and admins look at them).

- ``GET /admin/ivr``: the page, each flow drawn with its per-node counts for a period.
- ``GET /admin/ivr/flows``: the running flows (schemas.IvrFlowList).
- ``GET /admin/ivr/flows/{name}``: one (schemas.IvrFlowAnswer: structure, YAML, diagram).
- ``GET /admin/ivr/flows/{name}/counts?since=&until=``: its node counts (schemas.IvrCounts).
- ``PUT /admin/ivr/flows/{name}``: the flow's structure as JSON, checked as its file would be
  (400 naming file, line, path and reason), written to ``NAME.yaml`` and the flows reloaded.
- ``DELETE /admin/ivr/flows/{name}``: its file removed, the flows reloaded (404: no file).
- ``POST /admin/ivr/reload``: the flows folder read again (after editing files by hand).
- ``POST /admin/ivr/prompts``: multipart ``name`` and ``file`` (any audio ffmpeg reads),
  stored as the 8 kHz mono WAV a flow plays as ``prompt: {file: NAME}``.

Calls under way keep the flow they started with. Browser sessions send the CSRF token."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import BodyPartReader, web

from agent_console.auth import USER, page, require_role
from agent_console.jsonbody import answer, json_object, query
from agent_console.pages import html_page
from agent_console.schemas import (
    IvrCounts, IvrCountsQuery, IvrFlowAnswer, IvrFlowDeleted, IvrFlowList, IvrPromptSaved,
)
from callcenter.errors import Invalid, NotFound
from crm_core.db import Database
from ivr import admin
from ivr.diagram import diagram
from ivr.flow import Flow
from ivr.store import node_counts

VIEWERS = ("admin", "supervisor")
MAX_FLOW = 256 * 1024
MAX_PROMPT = 16 * 2**20
T = TypeVar("T")


async def _blocking(work: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(None, partial(work, *args))


class IvrAdmin:
    """The ``flows`` running now, read from ``folder`` by ``reload``; prompts go to ``uploads``."""

    def __init__(self, db: Database, flows: Mapping[str, Flow], *, folder: Path,
                 reload: Callable[[], Awaitable[None]], uploads: Path) -> None:
        self.db, self.flows, self.folder = db, flows, folder
        self.reload, self.uploads = reload, uploads

    def _flow(self, request: web.Request) -> Flow:
        flow = self.flows.get(request.match_info["name"])
        if flow is None:
            raise NotFound("no flow {name}", name=request.match_info["name"])
        return flow

    def _list(self) -> web.Response:
        return answer(IvrFlowList, {"flows": [
            {"name": f.name, "language": f.language, "start": f.start, "nodes": len(f.nodes)}
            for f in sorted(self.flows.values(), key=lambda f: f.name)]})

    async def _answer(self, flow: Flow) -> web.Response:
        return answer(IvrFlowAnswer, {
            "name": flow.name, "flow": admin.flow_data(flow), "diagram": diagram(flow),
            "yaml": await _blocking(admin.flow_text, self.folder, flow)})

    @page
    @require_role(*VIEWERS)
    async def ivr_page(self, request: web.Request) -> web.Response:
        return html_page(request, "ivr.html", user=request[USER], flows=sorted(self.flows),
                         config={"canEdit": request[USER].role == "admin"})

    @require_role(*VIEWERS)
    async def list_flows(self, request: web.Request) -> web.Response:
        return self._list()

    @require_role(*VIEWERS)
    async def get_flow(self, request: web.Request) -> web.Response:
        return await self._answer(self._flow(request))

    @require_role(*VIEWERS)
    async def counts(self, request: web.Request) -> web.Response:
        flow, period = self._flow(request), query(request, IvrCountsQuery)
        counted = await node_counts(self.db, flow.name, period.since, period.until)
        return answer(IvrCounts, {"flow": flow.name, "counts": counted})

    @require_role("admin")
    async def put_flow(self, request: web.Request) -> web.Response:
        data = await json_object(request, MAX_FLOW)
        flow = await _blocking(admin.save_flow, self.folder, request.match_info["name"], data)
        await self.reload()
        return await self._answer(self.flows.get(flow.name, flow))

    @require_role("admin")
    async def delete_flow(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        await _blocking(admin.delete_flow, self.folder, name)
        await self.reload()
        return answer(IvrFlowDeleted, {"deleted": name})

    @require_role("admin")
    async def reload_flows(self, request: web.Request) -> web.Response:
        await self.reload()
        return self._list()

    @require_role("admin")
    async def upload_prompt(self, request: web.Request) -> web.Response:
        name, audio = await _prompt_upload(request)
        await _blocking(admin.save_prompt, self.uploads, name, audio)
        return answer(IvrPromptSaved, {"name": name}, status=201)


async def _prompt_upload(request: web.Request) -> tuple[str, bytes]:
    """The multipart body's ``name`` and ``file`` (at most MAX_PROMPT bytes)."""
    if request.content_type != "multipart/form-data":
        raise Invalid("send the prompt as multipart/form-data")
    fields: dict[str, bytes] = {}
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name not in ("name", "file"):
            raise Invalid("{field}: unknown field", field=getattr(part, "name", None))
        data = bytearray()
        while chunk := await part.read_chunk():
            data += chunk
            if len(data) > MAX_PROMPT:
                raise Invalid("file: at most {megabytes} MB", megabytes=MAX_PROMPT // 2**20)
        fields[part.name] = bytes(data)
    if "file" not in fields or "name" not in fields:
        raise Invalid("the upload needs a name and a file")
    return admin.checked_name(fields["name"].decode("utf-8", "replace").strip()), fields["file"]


def add_routes(app: web.Application, ivr: IvrAdmin) -> None:
    app.router.add_get("/admin/ivr", ivr.ivr_page)
    app.router.add_get("/admin/ivr/flows", ivr.list_flows)
    app.router.add_get("/admin/ivr/flows/{name}", ivr.get_flow)
    app.router.add_get("/admin/ivr/flows/{name}/counts", ivr.counts)
    app.router.add_put("/admin/ivr/flows/{name}", ivr.put_flow)
    app.router.add_delete("/admin/ivr/flows/{name}", ivr.delete_flow)
    app.router.add_post("/admin/ivr/reload", ivr.reload_flows)
    app.router.add_post("/admin/ivr/prompts", ivr.upload_prompt)
