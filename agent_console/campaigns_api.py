"""The dialer's campaigns, lead list uploads and do-not-call entries (JSON, bodies in
dialer.schemas), the live campaign view, and the campaigns admin page. Campaigns are managed
by admins, supervisors and marketing staff (dialer.campaigns.CAMPAIGN_MANAGERS).

- ``GET /admin/campaigns`` (CampaignList); ``POST /admin/campaigns`` (NewCampaignBody, 201);
  ``GET|PUT|DELETE /admin/campaigns/{name}`` (PUT: CampaignSettings; a running campaign is not
  deleted, 409); ``POST /admin/campaigns/{name}/start|pause|stop`` (409 when its state or the
  rules forbid it: a national do-not-call copy older than 31 days, no queue...).
- ``POST /admin/campaigns/{name}/lists``: multipart/form-data with ``mapping`` (a
  ColumnMapping as JSON), optional ``region`` and ``name``, and the ``file`` (CSV or XLSX),
  streamed to disk, never held; send the CSRF token as the X-CSRF-Token header. A file that is
  no lead list or lacks a mapped column is a 400; else 202 with the import (ImportAnswer),
  which goes on in the background. ``GET /admin/campaigns/{name}/lists`` lists them.
- ``GET /admin/campaigns/{name}/compliance``: the campaign's compliance report
  (ComplianceAnswer, dialer.report): abandon rates, calls out of hours or to do-not-call
  numbers, safe-harbor plays, attempts per lead; ``…/compliance.csv`` the same as a download,
  one figure a line (figure, value).
- ``GET /ws/campaigns``: the live campaign view (dialer.live's protocol), pushed once a second.
- ``GET /admin/imports/{id}``: the import's progress, to poll; ``GET /admin/imports/{id}/errors.csv``
  its error report (row, column, value, reason).
- ``POST /admin/dnc/national``: multipart/form-data with ``country``, ``released_on``, optional
  ``name`` (NationalDncFields) and the ``file`` (CSV), streamed to disk; the release replaces
  the country's earlier one (201, NationalDncAnswer).
- ``POST /api/dnc`` (DncBody, any logged-in user: an agent records a customer's opt-out):
  the number goes on the site's own do-not-call list (DncAnswer).
- ``GET /campaigns``: the page (its script and style: assets.py).
"""
from __future__ import annotations

import asyncio
import csv
import io
import logging
import uuid
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, unquote

from aiohttp import BodyPartReader, web

from ctiserver.web.agentsocket import MAX_WS_FRAME, converse
from ctiserver.web.hub import Client

from callcenter.errors import Invalid, NotFound
from crm_core.db import Database
from dialer.campaigns import CAMPAIGN_MANAGERS as MANAGERS
from dialer.campaigns import CampaignSettings
from dialer.leadfile import READERS
from dialer.liveview import CampaignViewPublisher
from dialer.reportstore import campaign_report
from dialer.schemas import (
    CampaignAnswer, CampaignDeleted, CampaignList, ComplianceAnswer, DncAnswer, DncBody,
    ImportAnswer, ImportList, NationalDncAnswer, NationalDncFields, NewCampaignBody, UploadFields,
)
from dialer.store import (
    Campaigns, LeadImport, add_dnc, campaign_json, campaign_lists, import_status,
    load_national_dnc,
)

from .auth import USER, every_role, page, require_role
from .jsonbody import NO_STORE, answer, read
from .pages import html_page

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024
MAX_UPLOAD = 512 * 1024 * 1024
F = TypeVar("F", UploadFields, NationalDncFields)


@dataclass(frozen=True, slots=True)
class UploadKind:
    """What an upload's file may be: the endings it may have, the refusal of another."""
    suffixes: Collection[str]
    refused: Callable[[str], Invalid]


LEAD_LIST = UploadKind(READERS, lambda kind: Invalid(
    "file: a lead list is a CSV or XLSX file, not {kind}", kind=kind))
NATIONAL_DNC = UploadKind((".csv", ".txt"), lambda kind: Invalid(
    "file: a do-not-call list is a CSV file, not {kind}", kind=kind))
CHUNK = 256 * 1024


def _name(request: web.Request) -> str:
    return request.match_info["name"]


def _list_id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise Invalid("an import id is a number") from None


class CampaignsResource:
    """The campaigns and lead lists of ``db``; uploads wait in ``dialer_dir``/uploads while
    they import, error reports stay in ``dialer_dir``/reports."""

    def __init__(self, db: Database, *, dialer_dir: Path, default_region: str) -> None:
        self.db = db
        self.campaigns = Campaigns(db)
        self.uploads = dialer_dir / "uploads"
        self.reports = dialer_dir / "reports"
        self.default_region = default_region
        self.imports: set[asyncio.Task] = set()

    # --- campaigns ---------------------------------------------------------------------------

    @require_role(*MANAGERS)
    async def list_campaigns(self, request: web.Request) -> web.Response:
        rows = await self.campaigns.all()
        return answer(CampaignList, {"campaigns": [campaign_json(r) for r in rows]},
                      headers=NO_STORE)

    @require_role(*MANAGERS)
    async def create(self, request: web.Request) -> web.Response:
        body = await read(request, NewCampaignBody, MAX_BODY)
        settings = CampaignSettings.model_validate(body.model_dump(exclude={"name"}))
        row = await self.campaigns.create(body.name, settings, by=request[USER].id)
        return answer(CampaignAnswer, campaign_json(row), status=201)

    @require_role(*MANAGERS)
    async def get(self, request: web.Request) -> web.Response:
        row = await self.campaigns.get(_name(request))
        return answer(CampaignAnswer, campaign_json(row), headers=NO_STORE)

    @require_role(*MANAGERS)
    async def update(self, request: web.Request) -> web.Response:
        settings = await read(request, CampaignSettings, MAX_BODY)
        return answer(CampaignAnswer, campaign_json(await self.campaigns.update(_name(request),
                                                                                settings)))

    @require_role(*MANAGERS)
    async def delete(self, request: web.Request) -> web.Response:
        await self.campaigns.delete(_name(request))
        return answer(CampaignDeleted, {"deleted": _name(request)})

    @require_role(*MANAGERS)
    async def change_state(self, request: web.Request) -> web.Response:
        row = await self.campaigns.change_state(_name(request), request.match_info["action"])
        return answer(CampaignAnswer, campaign_json(row))

    @require_role(*MANAGERS)
    async def compliance(self, request: web.Request) -> web.Response:
        found = await campaign_report(self.db, _name(request))
        return answer(ComplianceAnswer, found.json(), headers=NO_STORE)

    @require_role(*MANAGERS)
    async def compliance_csv(self, request: web.Request) -> web.Response:
        found = await campaign_report(self.db, _name(request))
        out = io.StringIO()
        csv.writer(out).writerows([("figure", "value"), *found.rows()])
        return web.Response(text=out.getvalue(), content_type="text/csv", charset="utf-8",
                            headers={**NO_STORE, "Content-Disposition": _attachment(
                                f"{_name(request)}-compliance.csv")})

    # --- lead lists ----------------------------------------------------------------------------

    @require_role(*MANAGERS)
    async def lists(self, request: web.Request) -> web.Response:
        found = await campaign_lists(self.db, _name(request))
        return answer(ImportList, {"lists": [s.json() for s in found]}, headers=NO_STORE)

    @require_role(*MANAGERS)
    async def upload(self, request: web.Request) -> web.Response:
        path, filename, fields = await self._receive(request, UploadFields, LEAD_LIST)
        try:
            job = await LeadImport.open(
                self.db, _name(request), path, fields.mapping,
                default_region=fields.region or self.default_region, report_dir=self.reports,
                list_name=fields.name, source_name=filename, created_by=request[USER].id)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        self._start(job.run(), cleanup=path)
        return answer(ImportAnswer, job.status.json(), status=202)

    async def _receive(self, request: web.Request, model: type[F],
                       kind: UploadKind) -> tuple[Path, str, F]:
        """The upload's file (of ``kind``), streamed to a file of our own, and its text
        fields (``model``)."""
        if request.content_type != "multipart/form-data":
            raise Invalid("send the lead list as multipart/form-data")
        reader = await request.multipart()
        texts: dict[str, str] = {}
        path: Path | None = None
        filename = ""
        try:
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader):
                    raise Invalid("nested multipart bodies are not lead lists")
                if part.name == "file":
                    # aiohttp's own client percent-encodes the name; browsers send it as UTF-8
                    filename = unquote(part.filename or "upload.csv")
                    path = await self._save(part, Path(filename).suffix.lower(), kind)
                elif part.name in model.model_fields:
                    texts[part.name] = await _text(part)
                else:
                    raise Invalid("{field}: unknown field", field=part.name)
            if path is None:
                raise Invalid("file: the upload has no file")
            return path, filename, model.model_validate(texts)
        except BaseException:
            if path is not None:
                path.unlink(missing_ok=True)
            raise

    async def _save(self, part: BodyPartReader, suffix: str, kind: UploadKind) -> Path:
        if suffix not in kind.suffixes:
            raise kind.refused(suffix or "that")
        self.uploads.mkdir(parents=True, exist_ok=True)
        path = self.uploads / f"{uuid.uuid4().hex}{suffix}"
        size = 0
        with path.open("wb") as out:
            while chunk := await part.read_chunk(CHUNK):
                size += len(chunk)
                if size > MAX_UPLOAD:
                    out.close()
                    path.unlink()
                    raise Invalid("file: at most {megabytes} MB", megabytes=MAX_UPLOAD // 2**20)
                await asyncio.to_thread(out.write, chunk)
        return path

    def _start(self, work: Awaitable[Any], *, cleanup: Path) -> None:
        async def run() -> None:
            try:
                await work
            except Exception:  # the list row says it failed, and why
                log.exception("lead import failed")
            finally:
                cleanup.unlink(missing_ok=True)
        task = asyncio.create_task(run())
        self.imports.add(task)
        task.add_done_callback(self.imports.discard)

    async def stop_imports(self, app: web.Application) -> None:
        for task in list(self.imports):
            task.cancel()
        await asyncio.gather(*self.imports, return_exceptions=True)

    @require_role(*MANAGERS)
    async def progress(self, request: web.Request) -> web.Response:
        status = await import_status(self.db, _list_id(request))
        return answer(ImportAnswer, status.json(), headers=NO_STORE)

    @require_role(*MANAGERS)
    async def error_report(self, request: web.Request) -> web.StreamResponse:
        status = await import_status(self.db, _list_id(request))
        path = Path(status.error_report_path or "")
        if not status.error_report_path or not path.is_file():
            raise NotFound("lead list {list_id} has no error report", list_id=status.list_id)
        return web.FileResponse(path, headers={
            "Content-Type": "text/csv; charset=utf-8", **NO_STORE,
            "Content-Disposition": _attachment(f"{Path(status.source_file).stem}-errors.csv")})

    # --- do-not-call -----------------------------------------------------------------------------

    @require_role(*MANAGERS)
    async def national_dnc(self, request: web.Request) -> web.Response:
        path, filename, fields = await self._receive(request, NationalDncFields, NATIONAL_DNC)
        try:
            loaded = await load_national_dnc(
                self.db, path, country=fields.country, released_on=fields.released_on,
                name=fields.name or filename, loaded_by=request[USER].id)
        finally:
            path.unlink(missing_ok=True)
        return answer(NationalDncAnswer, loaded, status=201)

    @every_role
    async def add_dnc(self, request: web.Request) -> web.Response:
        body = await read(request, DncBody, MAX_BODY)
        listing = await add_dnc(self.db, body.number, default_region=self.default_region,
                                reason=body.reason or "opt-out", added_by=request[USER].id)
        return answer(DncAnswer, listing.json())

    # --- the page --------------------------------------------------------------------------------

    @page
    @require_role(*MANAGERS)
    async def campaigns_page(self, request: web.Request) -> web.Response:
        return html_page(request, "campaigns.html", user=request[USER],
                         config={"defaultRegion": self.default_region})


def _attachment(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


def view_socket(publisher: CampaignViewPublisher):
    """``GET /ws/campaigns``: the live campaign view, for the campaigns' managers."""

    @require_role(*MANAGERS)
    async def campaigns_socket(request: web.Request) -> web.WebSocketResponse:
        user = request[USER]
        socket = web.WebSocketResponse(heartbeat=30, max_msg_size=MAX_WS_FRAME)
        await socket.prepare(request)
        client = Client(socket=socket, user_id=user.id, role=user.role)
        await publisher.add(client)
        try:
            await converse(request, client)
        finally:
            publisher.remove(client)
        return socket
    return campaigns_socket


def _publishing(publisher: CampaignViewPublisher):
    """The app's cleanup context: the publisher runs while the app does."""
    async def run(app: web.Application):
        task = asyncio.create_task(publisher.run(), name="campaign-view")
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return run


async def _text(part: BodyPartReader) -> str:
    """A text field of the upload, refused when longer than MAX_BODY."""
    data = bytearray()
    while chunk := await part.read_chunk(CHUNK):
        data += chunk
        if len(data) > MAX_BODY:
            raise Invalid("{field}: at most {limit} bytes", field=part.name, limit=MAX_BODY)
    try:
        return data.decode()
    except UnicodeDecodeError:
        raise Invalid("{field}: not UTF-8 text", field=part.name) from None


def add_routes(app: web.Application, resource: CampaignsResource,
               publisher: CampaignViewPublisher) -> None:
    app.router.add_get("/admin/campaigns", resource.list_campaigns)
    app.router.add_post("/admin/campaigns", resource.create)
    app.router.add_get("/admin/campaigns/{name}", resource.get)
    app.router.add_put("/admin/campaigns/{name}", resource.update)
    app.router.add_delete("/admin/campaigns/{name}", resource.delete)
    app.router.add_post("/admin/campaigns/{name}/{action:start|pause|stop}", resource.change_state)
    app.router.add_get("/admin/campaigns/{name}/compliance", resource.compliance)
    app.router.add_get("/admin/campaigns/{name}/compliance.csv", resource.compliance_csv)
    app.router.add_get("/admin/campaigns/{name}/lists", resource.lists)
    app.router.add_post("/admin/campaigns/{name}/lists", resource.upload)
    app.router.add_get("/admin/imports/{id}", resource.progress)
    app.router.add_get("/admin/imports/{id}/errors.csv", resource.error_report)
    app.router.add_post("/admin/dnc/national", resource.national_dnc)
    app.router.add_post("/api/dnc", resource.add_dnc)
    app.router.add_get("/campaigns", resource.campaigns_page)
    app.router.add_get("/ws/campaigns", view_socket(publisher))
    app.on_cleanup.append(resource.stop_imports)
    app.on_shutdown.append(lambda app: publisher.close_all())
    app.cleanup_ctx.append(_publishing(publisher))

