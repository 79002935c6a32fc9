"""The dialer's CRM storage (adapter): campaigns, lead list imports, do-not-call lists.

Imports stream: the file is read and checked a block at a time (``dialer.importpool``: by
worker processes for a large CSV file, else in a worker thread; the event loop stays free),
and each block is one transaction of set-based statements, however long the list: the block's
leads COPY'd into a temporary table and merged by one statement (a number the campaign has,
from an earlier list or an earlier block, fills what that lead lacked; the leads' CRM
customers linked by number, the oldest owner as the screen pop's lookup; a number no
customer has gets one when its lead is first reached, as dialers do: a list of numbers is not
a customer base), and the list's progress, with ``synchronous_commit`` off (a block stays
atomic; a crash may lose the last blocks committed, whose counts go with them). The do-not-call lists are applied in SQL too: a listed
number is loaded with status ``dnc``, a listed alternative number is left out.

A campaign starts only when the national do-not-call list of its rule set's country was
released at most ``DNC_MAX_AGE`` before (the US rule: a copy no older than 31 days).
"""
from __future__ import annotations

import asyncio
import csv
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import TextClause, delete, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.errors import Conflict, Invalid, NotFound
from crm_core.db import Database
from crm_core.models import Campaign, LeadList, NationalDncList, Queue
from crm_core.phones import normalize_number
from dialer.campaigns import DNC_COUNTRY, CampaignSettings
from dialer.importpool import BLOCK_BYTES, BLOCK_ROWS, COPY_OPTIONS, CheckedBlock, check_file
from dialer.leadfile import ErrorReport, LeadFile
from dialer.leadrows import TEXT_FIELDS, ColumnMapping, LeadImporter, not_listed
from dialer.schemas import NationalDncAnswer

DNC_MAX_AGE = timedelta(days=31)
DNC_BATCH = 10_000


def _now() -> datetime:
    return datetime.now(UTC)


# -- campaigns -------------------------------------------------------------------------------

SETTING_COLUMNS = tuple(CampaignSettings.model_fields)
TRANSITIONS = {"start": ({"draft", "paused", "stopped"}, "running"),
               "pause": ({"running"}, "paused"),
               "stop": ({"running", "paused"}, "stopped")}


def campaign_settings(row: Campaign) -> CampaignSettings:
    return CampaignSettings.model_validate({name: getattr(row, name) for name in SETTING_COLUMNS})


def campaign_json(row: Campaign) -> dict[str, Any]:
    stamps = {name: getattr(row, name) for name in
              ("created_at", "updated_at", "started_at", "stopped_at")}
    return {"name": row.name, "state": row.state,
            "actions": [action for action, (sources, _) in TRANSITIONS.items() if row.state in sources],
            **campaign_settings(row).model_dump(mode="json"),
            **{name: at.isoformat() if at else None for name, at in stamps.items()}}


class Campaigns:
    """Campaigns in ``db``; ``today`` gives the date national lists' age is measured at."""

    def __init__(self, db: Database, *, today: Callable[[], date] = lambda: _now().date()) -> None:
        self.db = db
        self.today = today

    async def all(self) -> list[Campaign]:
        async with self.db.sessionmaker() as session:
            return list(await session.scalars(select(Campaign).order_by(Campaign.name)))

    async def get(self, name: str) -> Campaign:
        async with self.db.sessionmaker() as session:
            return await _campaign(session, name)

    async def create(self, name: str, settings: CampaignSettings, *,
                     by: int | None = None) -> Campaign:
        row = Campaign(name=name, created_by=by, **_columns(settings))
        async with self.db.sessionmaker.begin() as session:
            await _check_queue(session, settings.queue)
            session.add(row)
            try:
                await session.flush()
            except IntegrityError:
                raise Conflict("campaign {name} exists", name=name) from None
        return await self.get(name)

    async def update(self, name: str, settings: CampaignSettings) -> Campaign:
        async with self.db.sessionmaker.begin() as session:
            row = await _campaign(session, name, lock=True)
            await _check_queue(session, settings.queue)
            for column, value in _columns(settings).items():
                setattr(row, column, value)
            row.updated_at = _now()
        return await self.get(name)

    async def delete(self, name: str) -> None:
        async with self.db.sessionmaker.begin() as session:
            row = await _campaign(session, name, lock=True)
            if row.state == "running":
                raise Conflict("campaign {name} is running: stop it first", name=name)
            await session.delete(row)

    async def change_state(self, name: str, action: str) -> Campaign:
        """``start``, ``pause`` or ``stop``; Conflict when the state or the rules forbid it."""
        allowed_from, target = TRANSITIONS[action]
        async with self.db.sessionmaker.begin() as session:
            row = await _campaign(session, name, lock=True)
            if row.state not in allowed_from:
                raise Conflict("campaign {name} is {state}: it cannot {action}", name=name,
                               state=row.state, action=action)
            if action == "start":
                await self._check_startable(session, row)
                row.started_at = row.started_at or _now()
            if action == "stop":
                row.stopped_at = _now()
            row.state = target
            row.updated_at = _now()
        return await self.get(name)

    async def _check_startable(self, session: AsyncSession, row: Campaign) -> None:
        settings = campaign_settings(row)
        if problem := settings.start_problem():
            raise Conflict("campaign {name} cannot start: {problem}", name=row.name, problem=problem)
        country = DNC_COUNTRY[settings.rule_set]
        latest = await session.scalar(
            select(NationalDncList).where(NationalDncList.country == country)
            .order_by(NationalDncList.released_on.desc()).limit(1))
        if latest is None:
            raise Conflict("campaign {name} cannot start: no national do-not-call list for"
                           " {country} is loaded; load the current release (callcenter dnc load"
                           " FILE --country {country} --released DATE)", name=row.name,
                           country=country)
        age = self.today() - latest.released_on
        if age > DNC_MAX_AGE:
            raise Conflict("campaign {name} cannot start: the national do-not-call list for"
                           " {country} was released {released}, {days} days ago (at most {most}"
                           " allowed); load the current release (callcenter dnc load FILE"
                           " --country {country} --released DATE)", name=row.name,
                           country=country, released=latest.released_on.isoformat(),
                           days=age.days, most=DNC_MAX_AGE.days)


def _columns(settings: CampaignSettings) -> dict[str, Any]:
    return settings.model_dump(mode="json")


async def _campaign(session: AsyncSession, name: str, *, lock: bool = False) -> Campaign:
    stmt = select(Campaign).where(Campaign.name == name)
    row = await session.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise NotFound("no campaign {name}", name=name)
    return row


async def _check_queue(session: AsyncSession, queue: str | None) -> None:
    if queue is not None and await session.scalar(select(Queue.id).where(Queue.name == queue)) is None:
        raise Invalid("queue: no queue {queue}", queue=queue)


# -- lead list imports -----------------------------------------------------------------------

@dataclass(slots=True)
class ImportStatus:
    """A lead list's import as it stands (the lead_lists row)."""
    list_id: int
    campaign: str
    name: str
    source_file: str
    status: str = "importing"
    rows_read: int = 0
    loaded: int = 0
    merged: int = 0
    duplicates: int = 0
    bad: int = 0
    dnc: int = 0
    ambiguous: int = 0
    customers_linked: int = 0
    """New leads whose number a CRM customer has; the others get theirs at the first contact."""
    bytes_read: int = 0
    total_bytes: int = 0
    error_lines: int = 0
    error: str | None = None
    error_report_path: str | None = None

    @property
    def fraction(self) -> float:
        if self.status == "done":
            return 1.0
        return min(1.0, self.bytes_read / self.total_bytes) if self.total_bytes else 0.0

    def json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["error_report_path"]
        return data | {"fraction": self.fraction, "error_report": self.error_report_path is not None}


COUNTERS = ("rows_read", "loaded", "merged", "duplicates", "bad", "dnc", "ambiguous",
            "customers_linked", "bytes_read", "total_bytes", "error_lines")
ProgressListener = Callable[[ImportStatus], Awaitable[None] | None]


async def import_status(db: Database, list_id: int) -> ImportStatus:
    async with db.sessionmaker() as session:
        found = (await session.execute(
            select(LeadList, Campaign.name).join(Campaign, Campaign.id == LeadList.campaign_id)
            .where(LeadList.id == list_id))).first()
    if found is None:
        raise NotFound("no lead list {list_id}", list_id=list_id)
    row, campaign = found
    return ImportStatus(row.id, campaign, row.name, row.source_file, row.status,
                        **{name: getattr(row, name) for name in COUNTERS},
                        error=row.error, error_report_path=row.error_report_path)


async def campaign_lists(db: Database, campaign: str) -> list[ImportStatus]:
    async with db.sessionmaker() as session:
        row = await _campaign(session, campaign)
        ids = await session.scalars(select(LeadList.id).where(LeadList.campaign_id == row.id)
                                    .order_by(LeadList.id))
    return [await import_status(db, list_id) for list_id in ids]


# A block is copied (COPY) into this table, then merged into leads by one statement.
_STAGING = text(f"""
CREATE TEMP TABLE IF NOT EXISTS lead_import_rows (
    ord integer, phone text, {", ".join(f"{name} text" for name in TEXT_FIELDS)},
    alt_phones text[], custom jsonb, timezones text[], zone_source text) ON COMMIT DELETE ROWS
""")

# One statement merges a block. Numbers new to the campaign are inserted, with the CRM customer
# owning the number (the oldest, as the screen pop's lookup finds it; a number no customer has
# gets its customer when the lead is first reached, ``dialer.crmcalls``); the block's other
# numbers (an earlier block's, another list's) fill what their lead lacks. Not one INSERT ...
# ON CONFLICT: its speculative insertion costs ~1 µs a row more, and the campaign's lock
# (``_LOCK``) keeps a concurrent import from inserting a number between the check and the
# insert. The update sees the campaign's leads as they were before the insert. Only the
# block's counts come back.
#
# Both halves find a number's lead by one probe of the (campaign, phone) index, whatever the
# planner thinks the campaign holds: a new campaign's statistics say it has no leads while the
# import gives it a million, and a join planned on that (a hash join reading all the campaign's
# leads, or a nested loop reading the block for each of them) turns the import quadratic.
# ``OFFSET 0`` keeps the check a per-row subplan rather than an anti-join; the update takes its
# leads by id from the probes (ids ``= ANY``: an index scan of a few rows whatever the sizes).
_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('leads of campaign'), :campaign_id)")

# A block's transaction: a crash loses at most the last blocks committed, never part of one
# (each is atomic); the merge's estimated cost would have PostgreSQL JIT-compile it for every
# block (tens of ms each, more than the merge of a block's rows saves with it). One round trip.
_SETTINGS = text("SELECT set_config('synchronous_commit', 'off', true), "
                 "set_config('jit', 'off', true)")
_NOT_LISTED = "NOT EXISTS (SELECT 1 FROM dnc_entries d WHERE d.number = p)"
_MERGE = text(f"""
WITH added AS (
    INSERT INTO leads (list_id, campaign_id, phone, alt_phones, {", ".join(TEXT_FIELDS)},
                       timezones, zone_source, custom, status, customer_id)
    SELECT :list_id, :campaign_id, s.phone,
           CASE WHEN cardinality(s.alt_phones) = 0 THEN s.alt_phones  -- most leads: no probe
                ELSE ARRAY(SELECT p FROM unnest(s.alt_phones) p WHERE {_NOT_LISTED}) END,
           {", ".join(f"s.{name}" for name in TEXT_FIELDS)}, s.timezones, s.zone_source, s.custom,
           CASE WHEN EXISTS (SELECT 1 FROM dnc_entries d WHERE d.number = s.phone)
                THEN 'dnc' ELSE 'new' END,
           (SELECT min(c.customer_id) FROM contact_numbers c WHERE c.number_e164 = s.phone)
    FROM lead_import_rows s
    WHERE NOT EXISTS (SELECT FROM leads o WHERE o.campaign_id = :campaign_id AND o.phone = s.phone
                      OFFSET 0)
    ORDER BY s.ord
    RETURNING phone, status, cardinality(timezones) > 1 AS ambiguous,
              customer_id IS NOT NULL AS linked),
filled AS (
    UPDATE leads l SET
        {", ".join(f"{name} = COALESCE(l.{name}, s.{name})" for name in TEXT_FIELDS)},
        alt_phones = l.alt_phones || ARRAY(SELECT p FROM unnest(s.alt_phones) p
                                           WHERE p <> ALL(l.alt_phones) AND p <> l.phone
                                                 AND {_NOT_LISTED}),
        custom = s.custom || l.custom,
        timezones = CASE WHEN cardinality(l.timezones) > 1 AND cardinality(s.timezones) = 1
                         THEN s.timezones ELSE l.timezones END,
        zone_source = CASE WHEN cardinality(l.timezones) > 1 AND cardinality(s.timezones) = 1
                           THEN s.zone_source ELSE l.zone_source END,
        customer_id = COALESCE(l.customer_id, (SELECT min(c.customer_id) FROM contact_numbers c
                                               WHERE c.number_e164 = s.phone))
    FROM lead_import_rows s
    WHERE l.id = ANY(ARRAY(
              SELECT (SELECT o.id FROM leads o
                      WHERE o.campaign_id = :campaign_id AND o.phone = r.phone)
              FROM lead_import_rows r
              WHERE r.phone NOT IN (SELECT phone FROM added)))  -- a hash: the others probe
          AND l.phone = s.phone
    RETURNING l.list_id = :list_id AS this_list)
SELECT count(*) AS loaded,
       (SELECT count(*) FROM filled WHERE this_list) AS repeats,
       (SELECT count(*) FROM filled WHERE NOT this_list) AS merged,
       count(*) FILTER (WHERE status = 'dnc') AS dnc,
       count(*) FILTER (WHERE ambiguous) AS ambiguous,
       count(*) FILTER (WHERE linked) AS linked
FROM added
""")


class LeadImport:
    """One lead file on its way into a campaign: ``open`` checks the file and the mapping and
    makes the lead list, ``run`` imports it."""

    def __init__(self, db: Database, status: ImportStatus, campaign_id: int, source: LeadFile,
                 importer: LeadImporter, report_path: Path) -> None:
        self.db = db
        self.status = status
        self._campaign_id = campaign_id
        self._source = source
        self._importer = importer
        self._report_path = report_path

    @classmethod
    async def open(cls, db: Database, campaign: str, path: Path, mapping: ColumnMapping, *,
                   default_region: str, report_dir: Path, list_name: str | None = None,
                   source_name: str | None = None, created_by: int | None = None) -> LeadImport:
        """Invalid when the file is no lead list or lacks a mapped column."""
        source = await asyncio.to_thread(LeadFile, path)
        try:
            importer = LeadImporter(mapping.bind(source.header), default_region=default_region,
                                    is_dnc=not_listed,  # applied in SQL, per batch
                                    total_bytes=source.total_bytes)
            source_name = source_name or path.name
            async with db.sessionmaker.begin() as session:
                row = await _campaign(session, campaign)
                listed = LeadList(campaign_id=row.id, name=list_name or source_name,
                                  source_file=source_name, total_bytes=source.total_bytes,
                                  created_by=created_by)
                session.add(listed)
                await session.flush()
                report_path = report_dir / f"lead-list-{listed.id}-errors.csv"
                listed.error_report_path = str(report_path)
        except BaseException:
            source.close()
            raise
        status = ImportStatus(listed.id, campaign, listed.name, source_name,
                              total_bytes=source.total_bytes, error_report_path=str(report_path))
        return cls(db, status, row.id, source, importer, report_path)

    async def run(self, on_progress: ProgressListener | None = None, *,
                  batch_size: int = BLOCK_ROWS, workers: int = 0,
                  block_bytes: int = BLOCK_BYTES) -> ImportStatus:
        """Import every row, a block per transaction (``dialer.importpool``: ``workers``
        processes check blocks of ``block_bytes`` of a larger CSV file, else this process
        blocks of ``batch_size`` rows); the status after each block goes to ``on_progress``. A file that stops
        being readable (a row that is not UTF-8) fails the import with the reason; the blocks
        before it stay."""
        self._report_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._source, ErrorReport(self._report_path) as report:
                blocks = check_file(self._source, self._importer, workers=workers,
                                    block_bytes=block_bytes, block_rows=batch_size)
                # the next block is read and checked while this one is written
                coming = asyncio.ensure_future(asyncio.to_thread(next, blocks, None))
                try:
                    while (block := await coming) is not None:
                        coming = asyncio.ensure_future(asyncio.to_thread(next, blocks, None))
                        report.write(block.errors)
                        await self._write(block, report.lines)
                        await _tell(on_progress, self.status)
                        block.raise_fault()
                finally:  # the worker processes end, the file closes
                    await asyncio.gather(coming, return_exceptions=True)
                    await asyncio.to_thread(blocks.close)
        except Invalid as error:
            await self._finish("failed", str(error))
            raise
        except BaseException:
            await self._finish("failed", "the import stopped on an internal error")
            raise
        await self._finish("done")
        await _tell(on_progress, self.status)
        return self.status

    async def _write(self, block: CheckedBlock, error_lines: int) -> None:
        """The block and the counts after it, in one transaction."""
        status = self.status
        ids = {"campaign_id": self._campaign_id}
        async with self.db.sessionmaker.begin() as session:
            await session.execute(_SETTINGS)
            if block.leads:
                await session.execute(_LOCK, ids)
                await _copy(session, block.copy)
                written = (await session.execute(_MERGE, {
                    **ids, "list_id": status.list_id})).one()
                status.loaded += written.loaded
                status.merged += written.merged
                status.duplicates += written.repeats  # numbers of the file's earlier blocks
                status.dnc += written.dnc
                status.ambiguous += written.ambiguous
                status.customers_linked += written.linked
            status.rows_read += block.rows
            status.bad += block.bad
            status.duplicates += block.duplicates
            status.bytes_read, status.error_lines = block.bytes_read, error_lines
            await session.execute(update(LeadList).where(LeadList.id == status.list_id)
                                  .values(**{name: getattr(status, name) for name in COUNTERS}))

    async def _finish(self, outcome: str, error: str | None = None) -> None:
        self.status.status, self.status.error = outcome, error
        async with self.db.sessionmaker.begin() as session:
            await session.execute(update(LeadList).where(LeadList.id == self.status.list_id)
                                  .values(status=outcome, error=error, finished_at=_now(),
                                          error_lines=self.status.error_lines))


async def _copy(session: AsyncSession, payload: bytes) -> None:
    """The block's COPY payload as the worker made it: this process never touches its rows."""
    await session.execute(_STAGING)
    connection = await (await session.connection()).get_raw_connection()
    await connection.driver_connection.copy_to_table(  # a memoryview: bytes would read as a path
        "lead_import_rows", source=memoryview(payload), **COPY_OPTIONS)


async def _tell(listener: ProgressListener | None, status: ImportStatus) -> None:
    if listener is not None and (pending := listener(status)) is not None:
        await pending


# -- do-not-call lists -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DncListing:
    number: str
    sources: tuple[str, ...]
    """internal and/or national; empty: not listed."""

    def json(self) -> dict[str, Any]:
        return {"number": self.number, "listed": bool(self.sources), "sources": list(self.sources)}


def _e164(raw: str, region: str) -> str:
    number = normalize_number(raw, region)
    if number is None:
        raise Invalid("number: not a valid phone number: {number}", number=repr(raw))
    return number


def _mark_leads_dnc(entries: str) -> TextClause:
    """Every campaign's leads whose number is on the do-not-call entries ``entries`` picks."""
    return text("UPDATE leads SET status = 'dnc' WHERE status <> 'dnc'"
                f" AND phone IN (SELECT number FROM dnc_entries WHERE {entries})")


async def add_dnc(db: Database, raw_number: str, *, default_region: str,
                  reason: str | None = None, added_by: int | None = None) -> DncListing:
    """Put a number on the site's own list (again: no change)."""
    number = _e164(raw_number, default_region)
    async with db.sessionmaker.begin() as session:
        await list_internally(session, number, reason=reason, added_by=added_by)
    return await dnc_listing(db, number, default_region=default_region)


async def list_internally(session: AsyncSession, number: str, *, reason: str | None,
                          added_by: int | None) -> None:
    """``number`` (E.164) on the site's own do-not-call list; every campaign's lead with it is
    dnc from now on (one being dialed keeps it when its outcome comes)."""
    await session.execute(text(
        "INSERT INTO dnc_entries (number, source, added_by, reason)"
        " VALUES (:number, 'internal', :by, :reason)"
        " ON CONFLICT (number) WHERE list_id IS NULL DO NOTHING"),
        {"number": number, "by": added_by, "reason": reason})
    await session.execute(_mark_leads_dnc("number = :number"), {"number": number})


async def dnc_listing(db: Database, raw_number: str, *, default_region: str) -> DncListing:
    number = _e164(raw_number, default_region)
    async with db.sessionmaker() as session:
        sources = await session.scalars(text(
            "SELECT DISTINCT source FROM dnc_entries WHERE number = :number ORDER BY source"),
            {"number": number})
        return DncListing(number, tuple(sources))


def _dnc_numbers(path: Path, region: str, bad: list[int]) -> Iterator[list[str]]:
    """The file's numbers in E.164, in chunks. A row's cells are joined, so both "2015550123"
    and the FTC's "201,5550123" (area code, number) read; a first row that is no number is a
    header; other such rows are counted in ``bad``."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        chunk: list[str] = []
        for index, cells in enumerate(csv.reader(file)):
            raw = "".join(cells).strip()
            if not raw:
                continue
            number = normalize_number(raw, region)
            if number is None:
                bad[0] += index > 0
                continue
            chunk.append(number)
            if len(chunk) >= DNC_BATCH:
                yield chunk
                chunk = []
        yield chunk


async def load_national_dnc(db: Database, path: Path, *, country: str, released_on: date,
                            name: str | None = None, loaded_by: int | None = None) -> NationalDncAnswer:
    """Load a release of ``country``'s national register (a CSV of its numbers); it replaces
    the country's earlier one, all in one transaction."""
    bad = [0]
    chunks = _dnc_numbers(path, country, bad)
    async with db.sessionmaker.begin() as session:
        listed = NationalDncList(name=name or path.name, country=country,
                                 released_on=released_on, count=0, loaded_by=loaded_by)
        session.add(listed)
        await session.flush()
        while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
            await session.execute(text(
                "INSERT INTO dnc_entries (number, source, list_id)"
                " SELECT DISTINCT unnest(CAST(:numbers AS text[])), 'national', CAST(:list_id AS integer)"
                " ON CONFLICT DO NOTHING"), {"numbers": chunk, "list_id": listed.id})
        listed.count = await session.scalar(text(
            "SELECT count(*) FROM dnc_entries WHERE list_id = :id"), {"id": listed.id})
        await session.execute(delete(NationalDncList).where(
            NationalDncList.country == country, NationalDncList.id != listed.id))
        marked = await session.execute(_mark_leads_dnc("list_id = :id"), {"id": listed.id})
    return NationalDncAnswer(list_id=listed.id, country=country, released_on=released_on,
                             count=listed.count, bad=bad[0], leads_marked=marked.rowcount)


def parse_mapping(pairs: Iterable[str]) -> ColumnMapping:
    """A mapping from ``field=Column`` pairs (the command line's): ``alt_phones`` may repeat,
    ``custom.NAME=Column`` keeps a column as custom field NAME."""
    fields: dict[str, Any] = {"alt_phones": [], "custom": {}}
    for pair in pairs:
        name, sep, column = pair.partition("=")
        if not sep or not column.strip():
            raise Invalid("{pair}: write FIELD=Column", pair=repr(pair))
        name = name.strip()
        if name == "alt_phones":
            fields["alt_phones"].append(column)
        elif name.startswith("custom."):
            fields["custom"][name.removeprefix("custom.")] = column
        else:
            fields[name] = column
    return ColumnMapping.model_validate(fields)
