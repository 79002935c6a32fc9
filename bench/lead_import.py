"""Lead list import: ours against a raw COPY and a naive row-by-row loader, in the same run.

A generated CSV (``--rows``, default 1,000,000; semicolons, UTF-8 with a BOM, names such as
"Jürgen 张伟 😀") of German and US numbers in national and international forms, US rows with
a ZIP code or a state for the multi-zone area codes, 3 % repeats of a recent number with other
details, 2 % of the numbers on the national do-not-call list, 5 % of the numbers already CRM
customers, and 5 % bad rows of every kind (an unusable number, no number, an unusable
alternative number, an unknown time zone name): each bad row gives one line of the error report.

    raw copy  COPY of the file into a table of text columns: no checks at all
    ours      ``LeadImport`` (the web upload's and ``callcenter leads import``'s path): every
              check, duplicates merged, DNC flagged, known customers linked, the report
    naive     the same checks a row at a time (``LeadImporter``) and one INSERT per lead, its
              customer looked up row by row, on the first ``--naive-rows`` rows

Each side runs alone on a fresh campaign; rows/s are of wall time. Ours runs twice: first on
the run's new server (``first``: PostgreSQL creates and zero-fills each WAL file as it writes,
~500 MB for 1,000,000 leads), then on a server whose WAL files are recycled, as on one that
has been running, its leads table holding the first run's leads: that run is the figure.
Before the raw copy and before that run, the first run's leads are vacuumed and a CHECKPOINT
is made (no autovacuum of another side's rows while one runs); the raw copy's table is
dropped after it. Just before that run and just after it, the machine's speed is read in the
issue's yardstick: phonenumbers alone (parse, validity, E.164, time zones of the main number of
50,000 rows, on one core, the median of five parts: "about 31 µs per row per core here"; the
shared machine's speed moves by half within seconds, so the mean of the two readings), so a
slow spell shows as one, and ours' wall time per row on all cores is given as a share of it.
CPU times count from ours' start (python_cpu_s: this process and its workers; parent_cpu_s:
this process alone). A run has a data folder, PostgreSQL server and database of its own unless
CALLCENTER_BENCH_DATA_DIR names a folder (kept). peak_rss_mb is the highest resident memory
of this process plus its worker processes during ours (sampled every 0.5 s), with the figure
when ours started and the peaks of its first and second halves (flat memory: the second no
higher). The last line is JSON. Exit status 1 when the work went wrong: a row
lost (rows read, or loaded + merged + duplicates + bad, differ from rows written), a bad row
unreported (report lines differ from bad rows written), DNC or customer counts off, or a side
whose table holds other than its count.

    python -m bench.lead_import [--rows 1000000] [--naive-rows 20000] [--seed 1]
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import asyncpg
import phonenumbers
from phonenumbers import timezone as phone_timezones
from sqlalchemy import text

from callcenter.settings import Settings
from crm_core.db import (
    Database, asyncpg_url, create_database, ensure_embedded_postgres, open_database,
    stop_embedded_postgres, upgrade, with_database,
)
from dialer.campaigns import CampaignSettings
from dialer.leadfile import ErrorReport, LeadFile
from dialer.leadrows import ColumnMapping, LeadImporter, LeadStatus, Loaded, Merged
from dialer.store import Campaigns, ImportStatus, LeadImport

DATABASE = f"callcenter_bench_lead_import_{os.getpid()}"
"""Per run, as the default data folder: two runs never share a database or a server."""
HEADER = ["Telefon", "Mobil", "Vorname", "Nachname", "E-Mail", "PLZ", "Bundesland", "Land",
          "Zeitzone", "Tarif"]
MAPPING = ColumnMapping(phone="Telefon", alt_phones=["Mobil"], first_name="Vorname",
                        last_name="Nachname", email="E-Mail", postcode="PLZ", state="Bundesland",
                        country="Land", timezone="Zeitzone", custom=["Tarif"])
PHONENUMBERS_ROWS = 50_000
"""Rows phonenumbers alone reads for the machine's yardstick (~1.5 s)."""
NAMES = ["Jürgen 张伟 😀", "Anna", "Zoë", "Søren", "Ólafur", "María José", "Иван", "Οδυσσέας"]
US_AREAS = [("212", "10001", "NY"), ("605", "57501", "SD"), ("605", "57701", "SD"),
            ("850", "32501", "FL"), ("415", "94103", "CA")]
BAD_NUMBER, NO_NUMBER, BAD_ALT, BAD_ZONE = 0.02, 0.01, 0.01, 0.01
REPEAT, DNC, KNOWN = 0.03, 0.02, 0.05
RECENT = 10_000
"""Repeats copy one of the last RECENT numbers (the generator's memory stays small)."""


@dataclass
class Written:
    rows: int = 0
    bad: int = 0
    repeats: int = 0
    dnc: set[str] = field(default_factory=set)
    known: list[str] = field(default_factory=list)
    """Numbers made CRM customers before the import."""


def generate(path: Path, rows: int, seed: int) -> Written:
    rng = random.Random(seed)
    recent: deque[str] = deque(maxlen=RECENT)
    out = Written(rows)
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, delimiter=";")
        writer.writerow(HEADER)
        for n in range(rows):
            draw = rng.random()
            if draw < BAD_NUMBER + NO_NUMBER:
                out.bad += 1
                phone = rng.choice(["12", "n/a", "+49 30", "0000"]) if draw < BAD_NUMBER else ""
                writer.writerow([phone, "", rng.choice(NAMES)] + [""] * 7)
                continue
            if draw < BAD_NUMBER + NO_NUMBER + REPEAT and recent:
                out.repeats += 1
                writer.writerow([rng.choice(recent), "", "", f"Nachname {n}", f"r{n}@example.org"]
                                + [""] * 5)
                continue
            phone, cells = _lead(rng, n)
            if draw > 1 - BAD_ALT:
                out.bad, cells[0] = out.bad + 1, "0151 12"
            elif draw > 1 - BAD_ALT - BAD_ZONE:
                out.bad, cells[7] = out.bad + 1, "Mars/Olympus_Mons"
            recent.append(phone)
            if rng.random() < DNC:
                out.dnc.add(_e164(phone))
            elif rng.random() < KNOWN:
                out.known.append(_e164(phone))
            writer.writerow([phone, *cells])
    return out


def _lead(rng: random.Random, n: int) -> tuple[str, list[str]]:
    """A unique number (the row index is in it) and the rest of its row."""
    name, tier = rng.choice(NAMES), rng.choice(["gold", "silver", ""])
    if rng.random() < 0.6:
        mobile = f"0151 {rng.randrange(10_000_000, 99_999_999)}" if rng.random() < 0.3 else ""
        return f"030 {20_000_000 + n}", [mobile, name, f"Müller {n}", f"m{n}@example.org", "10115",
                                         "", "DE", "", tier]
    area, zip_code, state = rng.choice(US_AREAS)
    number = f"+1 {area} {200 + n // 10_000} {n % 10_000:04d}"
    address = [zip_code, ""] if rng.random() < 0.5 else ["", state]
    return number, ["", name, f"Smith {n}", f"s{n}@example.com", *address, "US", "", tier]


def _e164(raw: str) -> str:
    return phonenumbers.format_number(phonenumbers.parse(raw, "DE"), phonenumbers.PhoneNumberFormat.E164)


def head(path: Path, target: Path, rows: int) -> Path:
    """The file's first ``rows`` rows (after its header) as another file."""
    with path.open("rb") as source, target.open("wb") as out:
        for _ in range(rows + 1):
            out.write(source.readline())
    return target


async def seed(db: Database, url: str, written: Written) -> None:
    """The national DNC list (released today) and the known customers, by COPY."""
    connection = await asyncpg.connect(_dsn(url))
    try:
        async with connection.transaction():
            listed = await connection.fetchval(
                "INSERT INTO national_dnc_lists (name, country, released_on, count)"
                " VALUES ('bench', 'DE', $1, $2) RETURNING id", date.today(), len(written.dnc))
            await connection.copy_records_to_table(
                "dnc_entries", columns=("number", "source", "list_id"),
                records=[(number, "national", listed) for number in written.dnc])
            ids = await connection.fetch(
                "INSERT INTO customers (name) SELECT 'Known ' || n FROM generate_series(1, $1) n"
                " RETURNING id", len(written.known))
            await connection.copy_records_to_table(
                "contact_numbers", columns=("customer_id", "number_e164"),
                records=[(row["id"], number) for row, number in zip(ids, written.known)])
        await connection.execute("ANALYZE dnc_entries, customers, contact_numbers")
    finally:
        await connection.close()


def _dsn(url: str) -> str:
    return asyncpg_url(url).replace("postgresql+asyncpg://", "postgresql://")


async def new_campaign(db: Database, name: str) -> int:
    row = await Campaigns(db).create(name, CampaignSettings.model_validate({"rule_set": "UK"}))
    return row.id


async def raw_copy(url: str, path: Path) -> dict:
    connection = await asyncpg.connect(_dsn(url))
    try:
        await connection.execute(f"CREATE TABLE raw_leads ({', '.join(f'c{i} text' for i in range(len(HEADER)))})")
        started = time.perf_counter()
        with path.open("rb") as file:
            file.read(3)  # the BOM: COPY reads the header as a row to skip
            await connection.copy_to_table("raw_leads", source=file, format="csv", delimiter=";",
                                           header=True)
        seconds = time.perf_counter() - started
        rows = await connection.fetchval("SELECT count(*) FROM raw_leads")
        await connection.execute("DROP TABLE raw_leads")  # not vacuumed while ours runs
    finally:
        await connection.close()
    return {"rows": rows, "seconds": seconds}


class ProcessSampler:
    """This process and its descendants (the import's workers) every 0.5 s, on a thread: their
    resident memory summed, and the CPU time each used (its last sample, so workers that have
    ended count)."""

    def __init__(self) -> None:
        self.rss_mb: list[float] = []
        self._cpu: dict[int, float] = {}
        self._cpu_before: dict[int, float] = {}
        """At the start: what this process used before (generating the file, seeding)."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def cpu_s(self) -> float:
        """Since the start."""
        return sum(cpu - self._cpu_before.get(pid, 0.0) for pid, cpu in self._cpu.items())

    def __enter__(self) -> ProcessSampler:
        self._sample()
        self._cpu_before = dict(self._cpu)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self._sample()
        self._sample()

    def _sample(self) -> None:
        pids = [os.getpid(), *_descendants(os.getpid())]
        self.rss_mb.append(sum(map(_rss_mb, pids)))
        for pid in pids:
            with contextlib.suppress(OSError, IndexError):
                fields = _proc_stat(pid)
                self._cpu[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    """From one pass over /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if entry.isdigit():
                children.setdefault(int(_proc_stat(entry)[1]), []).append(int(entry))
    found, waiting = [], [pid]
    while waiting:
        below = children.get(waiting.pop(), [])
        found += below
        waiting += below
    return found


def _proc_stat(pid: int | str) -> list[str]:
    """/proc/PID/stat after the command name: state, ppid, ... (utime is [11])."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _rss_mb(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def ours(db: Database, path: Path, reports: Path, pgdata: Path, campaign: str) -> tuple[
        dict, ImportStatus, list[float]]:
    # here, not at the top: the import's worker processes import this module again
    from bench.console_pop import postgres_cpu
    await new_campaign(db, campaign)
    pg_before = postgres_cpu(pgdata) or 0.0
    with ProcessSampler() as processes:
        started, parent_before = time.perf_counter(), time.process_time()
        job = await LeadImport.open(db, campaign, path, MAPPING, default_region="DE",
                                    report_dir=reports)
        status = await job.run()
        seconds, parent_cpu = time.perf_counter() - started, time.process_time() - parent_before
    cpu = {"python_cpu_s": processes.cpu_s, "parent_cpu_s": parent_cpu,
           "postgres_cpu_s": (postgres_cpu(pgdata) or 0.0) - pg_before,
           "load_avg": os.getloadavg()}  # the machine is shared: how busy it was
    assert status.error_report_path is not None  # an import always has its report
    return {"rows": status.rows_read, "seconds": seconds, **cpu, **await _stored(db, campaign),
            "report_lines": _lines(Path(status.error_report_path))}, status, processes.rss_mb


async def settle(url: str) -> None:
    """The first run's leads vacuumed and analyzed (no autovacuum of them during the next
    side), and a checkpoint, after which PostgreSQL recycles the WAL files written so far."""
    connection = await asyncpg.connect(_dsn(url))
    try:
        await connection.execute("VACUUM ANALYZE leads")
        await connection.execute("CHECKPOINT")
    finally:
        await connection.close()


async def _stored(db: Database, campaign: str) -> dict[str, int]:
    """What the campaign's leads table holds, to check against the import's counts."""
    async with db.sessionmaker() as session:
        row = (await session.execute(text(
            "SELECT count(*) AS leads, count(*) FILTER (WHERE l.status = 'dnc') AS dnc,"
            " count(l.customer_id) AS linked FROM leads l JOIN campaigns c ON c.id = l.campaign_id"
            " WHERE c.name = :name"), {"name": campaign})).one()
    return {"leads": row.leads, "stored_dnc": row.dnc, "stored_linked": row.linked}


async def naive(db: Database, url: str, path: Path, report: Path, dnc: set[str]) -> dict:
    """Every check, one statement per lead and per customer lookup."""
    campaign = await new_campaign(db, "naive")
    connection = await asyncpg.connect(_dsn(url))
    try:
        listed = await connection.fetchval(
            "INSERT INTO lead_lists (campaign_id, name, source_file) VALUES ($1, 'naive', 'naive.csv')"
            " RETURNING id", campaign)
        started = time.perf_counter()
        with LeadFile(path) as source, ErrorReport(report) as errors:
            importer = LeadImporter(MAPPING.bind(source.header), default_region="DE",
                                    is_dnc=dnc.__contains__)
            for result in importer.run(source.rows()):
                errors.write(result.errors)
                if isinstance(result, Loaded | Merged):
                    await _naive_write(connection, campaign, listed, result)
        seconds = time.perf_counter() - started
        leads = await connection.fetchval("SELECT count(*) FROM leads WHERE campaign_id = $1", campaign)
    finally:
        await connection.close()
    return {"rows": importer.progress.rows_read, "seconds": seconds, "leads": leads,
            "loaded": importer.progress.loaded}


async def _naive_write(connection: asyncpg.Connection, campaign: int, listed: int,
                       result: Loaded | Merged) -> None:
    if isinstance(result, Merged):
        d = result.fills
        await connection.execute(
            "UPDATE leads SET last_name = COALESCE(last_name, $3), email = COALESCE(email, $4)"
            " WHERE campaign_id = $1 AND phone = $2", campaign, result.phone, d.last_name, d.email)
        return
    lead = result.lead
    d = lead.details
    async with connection.transaction():
        lead_id = await connection.fetchval(
            "INSERT INTO leads (list_id, campaign_id, phone, alt_phones, first_name, last_name,"
            " email, address, postcode, state, country, timezones, zone_source, custom, status)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
            " RETURNING id", listed, campaign, lead.phone, list(d.alt_phones), d.first_name,
            d.last_name, d.email, d.address, d.postcode, d.state, d.country, list(lead.zones.zones),
            lead.zones.source.value, json.dumps(d.custom), lead.status.value)
        customer = await connection.fetchval(
            "SELECT customer_id FROM contact_numbers WHERE number_e164 = $1"
            " ORDER BY customer_id LIMIT 1", lead.phone)
        if customer is not None:
            await connection.execute("UPDATE leads SET customer_id = $1 WHERE id = $2", customer, lead_id)


def failures(written: Written, copy: dict, naive_side: dict) -> list[str]:
    wrong = []
    if copy["rows"] != written.rows:
        wrong.append(f"{copy['rows']} rows copied of {written.rows} written")
    if naive_side["leads"] != naive_side["loaded"]:
        wrong.append(f"naive wrote {naive_side['leads']} leads of {naive_side['loaded']}")
    return wrong


def import_failures(name: str, written: Written, s: ImportStatus, report_lines: int,
                    side: dict) -> list[str]:
    """What one run of ours got wrong, each line naming the run."""
    wrong = []
    if s.status != "done":
        wrong.append(f"import {s.status}: {s.error}")
    if s.rows_read != written.rows:
        wrong.append(f"{s.rows_read} rows read of {written.rows} written")
    if s.loaded + s.merged + s.duplicates + s.bad != s.rows_read:
        wrong.append(f"loaded {s.loaded} + merged {s.merged} + duplicates {s.duplicates} + bad "
                     f"{s.bad} != {s.rows_read} rows")
    if report_lines != written.bad or s.error_lines != written.bad:
        wrong.append(f"{report_lines} report lines ({s.error_lines} counted), {written.bad} bad rows written")
    if s.duplicates < written.repeats:
        wrong.append(f"{s.duplicates} duplicates found, {written.repeats} written")
    if s.dnc != len(written.dnc):
        wrong.append(f"{s.dnc} leads flagged dnc, {len(written.dnc)} listed")
    if s.customers_linked != len(written.known):
        wrong.append(f"customers linked {s.customers_linked}, {len(written.known)} known")
    mine = {"leads": s.loaded, "stored_dnc": s.dnc, "stored_linked": s.customers_linked}
    if held := {key: side[key] for key in mine if side[key] != mine[key]}:
        wrong.append(f"the leads table holds {held}, its counts say {mine}")
    return [f"{name}: {line}" for line in wrong]


async def run(args: argparse.Namespace, folder: Path, data_dir: Path) -> dict:
    settings = Settings(data_dir=data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    server = await asyncio.to_thread(ensure_embedded_postgres, settings.database_url, settings.data_dir)
    url = with_database(server, DATABASE)
    await asyncio.to_thread(lambda: create_database(url, replace=True))
    await asyncio.to_thread(upgrade, url)
    path = folder / "leads.csv"
    written = await asyncio.to_thread(generate, path, args.rows, args.seed)
    db = await open_database(url)
    try:
        await seed(db, url, written)
        pgdata = settings.data_dir / "pgdata"
        first, first_status, _ = await ours(db, path, folder / "reports-first", pgdata, "first")
        await settle(url)  # each side alone: no vacuum of the first run's leads during it
        copy = await raw_copy(url, path)
        await settle(url)
        numbers = await asyncio.to_thread(main_numbers, path, PHONENUMBERS_ROWS)
        before = await asyncio.to_thread(phonenumbers_alone, numbers)
        mine, status, rss = await ours(db, path, folder / "reports", pgdata, "ours")
        yardstick = [before, await asyncio.to_thread(phonenumbers_alone, numbers)]
        subset = head(path, folder / "naive.csv", args.naive_rows)
        slow = await naive(db, url, subset, folder / "naive-errors.csv", written.dnc)
    finally:
        await db.close()
    return {"written": written, "size": path.stat().st_size, "copy": copy, "ours": mine,
            "status": status, "rss": rss, "naive": slow, "first": first,
            "first_status": first_status, "yardstick": yardstick}


def main_numbers(path: Path, rows: int) -> list[str]:
    """The main number's cell of the file's first ``rows`` rows."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.reader(file, delimiter=";")
        at = next(reader).index(HEADER[0])
        return [row[at] for _, row in zip(range(rows), reader)]


def phonenumbers_alone(numbers: list[str], rounds: int = 5) -> float:
    """The machine's speed in the issue's own yardstick ("phonenumbers alone costs about 31 µs
    per row per core here"): µs of one core's CPU per number for phonenumbers' parse, validity
    check, E.164 form and time zones, the median of ``rounds`` equal parts (a moment's hiccup
    of the shared machine moves one)."""
    phone_timezones.time_zones_for_number(phonenumbers.parse("+4930123456"))  # its data loaded
    size = len(numbers) // rounds
    parts = [_phonenumbers_part(numbers[at:at + size]) for at in range(0, size * rounds, size)]
    valid = sum(part[1] for part in parts)
    if valid < size * rounds * 0.9:
        raise AssertionError(f"phonenumbers read {valid} of {size * rounds} numbers")
    return sorted(part[0] for part in parts)[rounds // 2]


def _phonenumbers_part(numbers: list[str]) -> tuple[float, int]:
    """µs of CPU per number, and the valid numbers."""
    started, valid = time.process_time(), 0
    for raw in numbers:
        try:
            number = phonenumbers.parse(raw, "DE")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            phone_timezones.time_zones_for_number(number)
            valid += 1
    return (time.process_time() - started) / len(numbers) * 1e6, valid


def _lines(report: Path) -> int:
    """Of an error report, its header left out."""
    with report.open(encoding="utf-8-sig") as file:
        return sum(1 for _ in file) - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--naive-rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lead-import-") as folder:
        given = os.environ.get("CALLCENTER_BENCH_DATA_DIR")
        # by default a data folder (and PostgreSQL server) of this run's own, removed after it
        data_dir = Path(given) if given else Path(folder) / "data"
        try:
            got = asyncio.run(run(args, Path(folder), data_dir))
        finally:
            if not given:
                stop_embedded_postgres(data_dir)
    written, status = got["written"], got["status"]
    sides = {name: got[name] for name in ("first", "copy", "ours", "naive")}
    for side in sides.values():
        side["rows_per_s"] = round(side["rows"] / side["seconds"]) if side["seconds"] else 0
    ratio = round(sides["ours"]["rows_per_s"] / sides["copy"]["rows_per_s"], 3)
    rss = got["rss"] or [0.0]
    halves = rss[:len(rss) // 2] or rss, rss[len(rss) // 2:]
    print(f"{args.rows} generated rows ({got['size'] / 1e6:.1f} MB CSV), seed {args.seed}; wall time")
    print(f"{'side':<10}{'rows':>9}{'seconds':>9}{'rows/s':>9}")
    for name, side in sides.items():
        print(f"{name:<10}{side['rows']:>9}{side['seconds']:>9.2f}{side['rows_per_s']:>9}")
    first = sides["first"]
    print(f"first (ours on the new server, WAL files created as it wrote) used "
          f"{first['python_cpu_s']:.1f} CPU s in Python and {first['postgres_cpu_s']:.1f} in PostgreSQL")
    s = status
    cpu = sides["ours"]["python_cpu_s"] + sides["ours"]["postgres_cpu_s"]
    print(f"ours used {sides['ours']['python_cpu_s']:.1f} CPU s in Python (this process and its "
          f"workers; this process alone {sides['ours']['parent_cpu_s']:.1f}, "
          f"{sides['ours']['parent_cpu_s'] / args.rows * 1e6:.1f} µs per row) and "
          f"{sides['ours']['postgres_cpu_s']:.1f} in PostgreSQL: "
          f"{args.rows / cpu:.0f} rows per CPU second, "
          f"{sides['ours']['postgres_cpu_s'] / args.rows * 1e6:.1f} µs of PostgreSQL CPU per row")
    print(f"ours / raw copy {ratio:.2f}; loaded {s.loaded} (dnc {s.dnc}, ambiguous zone "
          f"{s.ambiguous}), merged {s.merged}, duplicates {s.duplicates} ({written.repeats} "
          f"written), bad {s.bad}; {sides['ours']['report_lines']} report lines ({written.bad} bad rows "
          f"written); customers linked {s.customers_linked}; "
          f"memory (this process and its workers) {rss[0]:.0f} MB at the start, peak "
          f"{max(halves[0]):.0f} MB in the first half, {max(halves[1]):.0f} MB in the second")
    yardstick = sum(got["yardstick"]) / 2
    core_us = 1e6 * len(os.sched_getaffinity(0)) / sides["ours"]["rows_per_s"]
    print(f"the machine: phonenumbers alone {yardstick:.1f} µs per row on one core (before ours "
          f"{got['yardstick'][0]:.1f}, after {got['yardstick'][1]:.1f}; the issue's "
          f"~31 here); ours {core_us:.1f} µs of a core per row, wall time ({core_us / yardstick:.2f} "
          f"of phonenumbers alone, with every check and the database)")
    wrong = [*import_failures("first", written, got["first_status"], first["report_lines"], first),
             *import_failures("ours", written, status, sides["ours"]["report_lines"], sides["ours"]),
             *failures(written, sides["copy"], sides["naive"])]
    print(json.dumps({
        "rows": args.rows, "seed": args.seed, "bytes": got["size"],
        "rows_per_s": sides["ours"]["rows_per_s"], "raw_copy_rows_per_s": sides["copy"]["rows_per_s"],
        "naive_rows_per_s": sides["naive"]["rows_per_s"], "naive_rows": sides["naive"]["rows"],
        "first_rows_per_s": first["rows_per_s"], "first_python_cpu_s": round(first["python_cpu_s"], 1),
        "first_postgres_cpu_s": round(first["postgres_cpu_s"], 1),
        "python_cpu_s": round(sides["ours"]["python_cpu_s"], 1),
        "parent_cpu_s": round(sides["ours"]["parent_cpu_s"], 1),
        "parent_us_per_row": round(sides["ours"]["parent_cpu_s"] / args.rows * 1e6, 2),
        "postgres_cpu_s": round(sides["ours"]["postgres_cpu_s"], 1),
        "rows_per_cpu_s": round(args.rows / cpu),
        "postgres_us_per_row": round(sides["ours"]["postgres_cpu_s"] / args.rows * 1e6, 2),
        "phonenumbers_us_per_row": round(yardstick, 1),
        "phonenumbers_us_per_row_before_after": [round(value, 1) for value in got["yardstick"]],
        "core_us_per_row": round(core_us, 1), "core_us_to_phonenumbers": round(core_us / yardstick, 3),
        "load_avg_1_5_15": [round(load, 2) for load in sides["ours"]["load_avg"]],
        "ratio_to_copy": ratio, "bad_rows_reported": sides["ours"]["report_lines"],
        "bad_rows_written": written.bad, "loaded": s.loaded, "merged": s.merged,
        "duplicates": s.duplicates, "dnc": s.dnc, "customers_linked": s.customers_linked,
        "peak_rss_mb": round(max(rss)),
        "start_rss_mb": round(rss[0]), "first_half_peak_rss_mb": round(max(halves[0])),
        "second_half_peak_rss_mb": round(max(halves[1])), "ok": not wrong}))
    for failure in wrong:
        print(f"FAILED {failure}", file=sys.stderr)
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
