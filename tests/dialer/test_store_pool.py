"""A lead list imported by worker processes, a block per transaction, on the real PostgreSQL,
stores what the same list imported by one process does: the same leads in list order with the
same details (repeats blocks apart merged, do-not-call numbers flagged, customers linked or
created), the same counts adding up, the same error report; and a file that breaks midway keeps
the blocks before the break, whole."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import text

from callcenter.errors import Invalid
from crm_core.customers import create_customer
from crm_core.db import Database
from dialer.store import ImportStatus, LeadImport, add_dnc
from tests.helpers.campaigns import (
    HEADER, MAPPING, fresh_numbers, import_rows, leads_of, new_campaign,
)
from tests.helpers.leadlists import write_csv

NAME = "Jürgen 张伟 😀"
COMPARED = ("phone", "first_name", "last_name", "email", "alt_phones", "timezones", "status")


def rows_of(numbers: list[str]) -> list[list[str]]:
    """Each number twice, 40 rows apart (the second fills the last name), and bad rows."""
    rows = []
    for n, number in enumerate(numbers):
        rows.append([number, f"{NAME} {n}", "", f"m{n}@example.org"])
        if n % 9 == 0:
            rows.append(["12345", "Bad", "", ""])
        if n >= 40:
            rows.append([numbers[n - 40], "", f"Later {n}", ""])
    return rows


def report(status: ImportStatus) -> list[list[str]]:
    with open(status.error_report_path, encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


async def imported(db: Database, path: Path, rows: list[list[str]], **run: object) -> tuple[
        ImportStatus, list[dict]]:
    campaign = await new_campaign(db)
    status = await import_rows(db, campaign, path, rows, **run)
    leads = [{name: lead[name] for name in COMPARED} for lead in (await leads_of(db, campaign)).values()]
    return status, leads


async def test_worker_processes_store_what_one_process_stores(db: Database, tmp_path: Path) -> None:
    numbers = fresh_numbers(150)
    await create_customer(db, "Known Customer", [numbers[3]], default_region="GB")
    await add_dnc(db, numbers[5], default_region="GB")
    rows = rows_of(numbers)
    pool, pool_leads = await imported(db, tmp_path / "pool.csv", rows, workers=2, block_bytes=600)
    one, one_leads = await imported(db, tmp_path / "one.csv", rows, workers=1)
    counts = ("status", "rows_read", "loaded", "merged", "duplicates", "bad", "dnc",
              "error_lines", "bytes_read")
    assert [getattr(pool, name) for name in counts] == [getattr(one, name) for name in counts]
    assert (one.loaded, one.duplicates, one.bad, one.dnc) == (150, 110, 17, 1)
    assert pool.customers_linked == one.customers_linked == 1
    assert one.loaded + one.merged + one.duplicates + one.bad == one.rows_read == len(rows)
    assert pool_leads == one_leads
    assert pool_leads[0]["first_name"] == f"{NAME} 0" and pool_leads[0]["last_name"] == "Later 40"
    assert report(pool) == report(one) and len(report(one)) == 1 + 17


async def stored_counts(db: Database, list_id: int) -> tuple[str, int, int]:
    async with db.engine.connect() as conn:
        return tuple((await conn.execute(text(
            "SELECT status, rows_read, loaded FROM lead_lists WHERE id = :id"), {"id": list_id})).one())


async def test_a_row_that_is_not_utf8_keeps_the_rows_before_it(db: Database, tmp_path: Path) -> None:
    numbers = fresh_numbers(120)
    campaign = await new_campaign(db)
    path = write_csv(tmp_path / "broken.csv", [HEADER, *([n, NAME, "", ""] for n in numbers)])
    data = path.read_bytes()
    cut = data.index(numbers[100].encode())
    path.write_bytes(data[:cut] + b"\xff" + data[cut:])
    job = await LeadImport.open(db, campaign, path, MAPPING, default_region="GB",
                                report_dir=tmp_path / "reports")
    with pytest.raises(Invalid, match="row 102 is not UTF-8"):
        await job.run(workers=2, block_bytes=500)
    assert await stored_counts(db, job.status.list_id) == ("failed", 100, 100)
    assert list(await leads_of(db, campaign)) == numbers[:100]


async def test_an_import_stopped_midway_leaves_no_half_block(db: Database, tmp_path: Path) -> None:
    numbers = fresh_numbers(200)
    campaign = await new_campaign(db)
    path = write_csv(tmp_path / "leads.csv", [HEADER, *([n, NAME, "", ""] for n in numbers)])
    job = await LeadImport.open(db, campaign, path, MAPPING, default_region="GB",
                                report_dir=tmp_path / "reports")
    told = []

    def stop_at_the_third_block(status: ImportStatus) -> None:
        told.append(status.rows_read)
        if len(told) == 3:
            raise RuntimeError("the server stops")

    with pytest.raises(RuntimeError):
        await job.run(stop_at_the_third_block, workers=2, block_bytes=700)
    status, rows_read, loaded = await stored_counts(db, job.status.list_id)
    assert (status, rows_read, loaded) == ("failed", told[-1], told[-1])
    assert list(await leads_of(db, campaign)) == numbers[:told[-1]]
    assert 0 < told[0] < told[1] < told[2] < len(numbers)
