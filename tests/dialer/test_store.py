"""The dialer's storage on the real PostgreSQL: migration 0009's tables through lead list
imports (CSV and XLSX with bad rows, counts, the error report, CRM customers linked at import
and created when the lead is first reached, non-ASCII kept, a second import of the same numbers merging, batches and their progress), the
do-not-call lists (internal and national) and a campaign's start refused on a stale national
copy."""
from __future__ import annotations

import asyncio
import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from callcenter.errors import Conflict, Invalid, NotFound
from crm_core.customers import create_customer
from crm_core.db import Database
from crm_core.models import ContactNumber, Customer
from dialer.campaigns import CampaignSettings
from dialer.crmcalls import lead_customer
from dialer.leadrows import ColumnMapping
from dialer.store import (
    Campaigns, LeadImport, add_dnc, dnc_listing, import_status, load_national_dnc,
)
from tests.helpers.campaigns import (
    fresh_numbers, import_rows, leads_of, load_fresh_dnc, new_campaign,
)
from tests.helpers.leadlists import write_csv, write_xlsx

NAME = "Jürgen 张伟 😀"


def report_lines(path: str) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))[1:]


async def customer_of(db: Database, number: str) -> list[tuple[int, str]]:
    async with db.sessionmaker() as session:
        found = await session.execute(
            select(Customer.id, Customer.name).join(ContactNumber)
            .where(ContactNumber.number_e164 == number).order_by(Customer.id))
        return [tuple(row) for row in found]


async def test_a_csv_with_bad_rows_loads_the_good_ones_and_links_customers(
        db: Database, tmp_path: Path) -> None:
    campaign = await new_campaign(db)
    known, new, other, dup = fresh_numbers(4)
    owner = await create_customer(db, "Known Customer", [known], default_region="GB")
    national = "0" + new.removeprefix("+44")  # as written in Britain
    status = await import_rows(db, campaign, tmp_path / "leads.csv", [
        [known, "Anna", "Known", ""],
        [national, NAME, "Müller", "j@example.org"],
        ["12345", "Bad", "Number", ""],
        ["", "No", "Number", ""],
        [other, "", "", "o@example.org"],
        [dup, "Dup", "", ""],
        [dup, "Dup Again", "Later", "d@example.org"],  # fills only what the first row lacked
    ])
    assert (status.status, status.rows_read, status.loaded, status.bad, status.duplicates,
            status.merged, status.dnc) == ("done", 7, 4, 2, 1, 0, 0)
    assert status.customers_linked == 1  # the others get a customer when first reached
    assert status.fraction == 1.0 and status.error_lines == 2
    lines = report_lines(status.error_report_path)
    assert [(row, column, value) for row, column, value, _ in lines] == [
        ("4", "Phone", "12345"), ("5", "Phone", "")]
    assert "not a valid phone number" in lines[0][3] and lines[1][3] == "no phone number"

    leads = await leads_of(db, campaign)
    assert list(leads) == [known, new, other, dup]
    assert (leads[new]["first_name"], leads[new]["last_name"]) == (NAME, "Müller")
    assert leads[new]["timezones"] == ["Europe/London"] and leads[new]["status"] == "new"
    assert (leads[dup]["first_name"], leads[dup]["last_name"], leads[dup]["email"]) == (
        "Dup", "Later", "d@example.org")
    assert leads[known]["customer_id"] == owner
    assert leads[new]["customer_id"] is None and await customer_of(db, new) == []
    assert (await import_status(db, status.list_id)).json() == status.json()



async def test_a_lead_first_reached_gets_its_customer_once(db: Database, tmp_path: Path) -> None:
    campaign, other_campaign = await new_campaign(db), await new_campaign(db)
    known, new = fresh_numbers(2)
    owner = await create_customer(db, "Known Customer", [known], default_region="GB")
    rows = [[known, "Anna", "Known", ""], [new, NAME, "Müller", "j@example.org"]]
    await import_rows(db, campaign, tmp_path / "a.csv", rows)
    await import_rows(db, other_campaign, tmp_path / "b.csv", rows)
    leads, other_leads = await leads_of(db, campaign), await leads_of(db, other_campaign)
    assert leads[new]["customer_id"] is None

    made = await lead_customer(db, leads[new]["id"])
    assert await customer_of(db, new) == [(made, f"{NAME} Müller")]
    assert await lead_customer(db, leads[new]["id"]) == made
    assert await lead_customer(db, other_leads[new]["id"]) == made  # the number's one customer
    assert await lead_customer(db, leads[known]["id"]) == owner
    assert (await leads_of(db, campaign))[new]["customer_id"] == made
    with pytest.raises(NotFound):
        await lead_customer(db, -1)


async def test_an_xlsx_with_dnc_numbers_and_bad_cells(db: Database, tmp_path: Path) -> None:
    campaign = await new_campaign(db)
    good, listed, alt_listed, alt_ok = fresh_numbers(4)
    await add_dnc(db, listed, default_region="GB", reason="asked")
    await add_dnc(db, alt_listed, default_region="GB")
    path = write_xlsx(tmp_path / "leads.xlsx", [
        ["Telefon", "Mobil", "Vorname", "Zone", "Stufe"],
        [good, alt_listed, NAME, "Europe/London", "gold"],
        [listed, alt_ok, "Listed", "", ""],
        ["not a number", "", "Bad", "", ""],
        [alt_ok, "", "Alt", "Mars/Olympus", 7],
    ])
    mapping = ColumnMapping(phone="Telefon", alt_phones=["Mobil"], first_name="Vorname",
                            timezone="Zone", custom={"tier": "Stufe"})
    job = await LeadImport.open(db, campaign, path, mapping, default_region="GB",
                                report_dir=tmp_path)
    status = await job.run()
    assert (status.rows_read, status.loaded, status.bad, status.dnc) == (4, 3, 1, 1)
    leads = await leads_of(db, campaign)
    assert leads[good]["alt_phones"] == [] and leads[good]["custom"] == {"tier": "gold"}
    assert leads[good]["first_name"] == NAME and leads[good]["zone_source"] == "override"
    assert (leads[listed]["status"], leads[listed]["alt_phones"]) == ("dnc", [alt_ok])
    assert leads[alt_ok]["custom"] == {"tier": "7"}
    reasons = [line[3] for line in report_lines(status.error_report_path)]
    assert len(reasons) == 2 and "time zone" in reasons[1]
    assert (await dnc_listing(db, listed, default_region="GB")).sources == ("internal",)


async def test_importing_the_same_numbers_again_merges_into_the_leads(
        db: Database, tmp_path: Path) -> None:
    campaign = await new_campaign(db)
    first, second, third = fresh_numbers(3)
    await import_rows(db, campaign, tmp_path / "a.csv",
                      [[first, NAME, "", ""], [second, "Bob", "", ""]])
    before = await leads_of(db, campaign)
    again = await import_rows(db, campaign, tmp_path / "b.csv", [
        [first, "Other Name", "Last", "first@example.org"], [third, "New", "", ""]])
    assert (again.loaded, again.merged, again.customers_linked) == (1, 1, 0)
    leads = await leads_of(db, campaign)
    assert list(leads) == [first, second, third]
    assert (leads[first]["first_name"], leads[first]["last_name"], leads[first]["email"]) == (
        NAME, "Last", "first@example.org")
    assert leads[first]["id"] == before[first]["id"]
    assert leads[first]["list_id"] == before[first]["list_id"] != leads[third]["list_id"]
    assert await customer_of(db, first) == []  # made when the lead is first reached


async def test_a_leads_list_and_campaign_are_kept_together_and_go_with_the_campaign(
        db: Database, tmp_path: Path) -> None:
    """Migration 0022's triggers keep what a foreign key from leads (list, campaign) to
    lead_lists with ON DELETE CASCADE kept; migration 0020's partial customer index."""
    campaign, other = await new_campaign(db), await new_campaign(db)
    known, number, alone = fresh_numbers(3)
    owner = await create_customer(db, NAME, [known], default_region="GB")
    status = await import_rows(db, campaign, tmp_path / "a.csv",
                               [[known, NAME, "", ""], [number, "Bob", "", ""]])
    other_id = (await Campaigns(db).get(other)).id
    refused = [  # a list of one campaign, a lead of another; a list moved between campaigns
        ("UPDATE leads SET campaign_id = :other WHERE list_id = :list", "does not exist"),
        ("INSERT INTO leads (list_id, campaign_id, phone, timezones, zone_source)"
         " VALUES (:list, :other, '+442079460000', '{}', 'number')", "does not exist"),
        ("UPDATE lead_lists SET campaign_id = :other WHERE id = :list", "keeps its id"),
    ]
    for statement, reason in refused:
        with pytest.raises(IntegrityError, match=reason):
            async with db.sessionmaker.begin() as session:
                await session.execute(text(statement), {"other": other_id, "list": status.list_id})
    second = await import_rows(db, campaign, tmp_path / "b.csv", [[alone, "Solo", "", ""]])
    async with db.sessionmaker.begin() as session:  # a list's deletion takes its leads alone
        await session.execute(text("DELETE FROM lead_lists WHERE id = :id"), {"id": second.list_id})
    assert list(await leads_of(db, campaign)) == [known, number]
    async with db.sessionmaker.begin() as session:
        await session.execute(text("DELETE FROM customers WHERE id = :id"), {"id": owner})
    assert (await leads_of(db, campaign))[known]["customer_id"] is None
    await Campaigns(db).delete(campaign)
    async with db.engine.connect() as conn:
        left = await conn.scalar(text("SELECT count(*) FROM leads WHERE list_id = :list"),
                                 {"list": status.list_id})
    assert left == 0
    with pytest.raises(NotFound):
        await import_status(db, status.list_id)


async def test_two_imports_into_one_campaign_at_once_give_each_number_one_lead(
        db: Database, tmp_path: Path) -> None:
    """The merge checks which numbers the campaign has, then inserts the others: the
    campaign's lock keeps the other import from inserting one of them in between."""
    campaign = await new_campaign(db)
    numbers = fresh_numbers(400)
    first, second = numbers[:300], numbers[100:][::-1]  # 200 numbers in both lists
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    done = await asyncio.gather(*[
        import_rows(db, campaign, tmp_path / name / "list.csv",
                    [[number, name, "", ""] for number in rows], batch_size=10)
        for name, rows in (("a", first), ("b", second))])
    assert [status.status for status in done] == ["done", "done"]
    assert sum(status.loaded for status in done) == 400
    assert sum(status.merged for status in done) == 200
    leads = await leads_of(db, campaign)
    assert sorted(leads) == sorted(numbers)


async def test_batches_report_progress_and_merge_across_batches(
        db: Database, tmp_path: Path) -> None:
    campaign = await new_campaign(db)
    numbers = fresh_numbers(5)
    rows = [[number, f"Name {i}", "", ""] for i, number in enumerate(numbers)]
    rows.append([numbers[0], "", "Late", "late@example.org"])  # its lead was written batches ago
    seen = []
    status = await import_rows(db, campaign, tmp_path / "batches.csv", rows, batch_size=2,
                               on_progress=lambda s: seen.append((s.status, s.rows_read,
                                                                  s.fraction)))
    assert (status.loaded, status.duplicates) == (5, 1)
    assert [read for _, read, _ in seen] == [2, 4, 6, 6]
    assert [fraction for _, _, fraction in seen] == sorted(f for _, _, f in seen)
    assert seen[-1] == ("done", 6, 1.0)
    lead = (await leads_of(db, campaign))[numbers[0]]
    assert (lead["first_name"], lead["last_name"], lead["email"]) == (
        "Name 0", "Late", "late@example.org")


async def test_a_file_without_a_mapped_column_or_campaign_is_refused(
        db: Database, tmp_path: Path) -> None:
    campaign = await new_campaign(db)
    path = write_csv(tmp_path / "x.csv", [["Tel", "Name"], ["+442079460000", "x"]])
    with pytest.raises(Invalid, match="no column 'Phone' in the file"):
        await LeadImport.open(db, campaign, path, ColumnMapping(phone="Phone"),
                              default_region="GB", report_dir=tmp_path)
    with pytest.raises(Exception, match="no campaign nope"):
        await LeadImport.open(db, "nope", path, ColumnMapping(phone="Tel"),
                              default_region="GB", report_dir=tmp_path)


async def test_a_row_that_is_not_utf8_fails_the_import_with_the_reason(
        db: Database, tmp_path: Path) -> None:
    campaign = await new_campaign(db)
    good, = fresh_numbers(1)
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"Phone,First,Last,Mail\n{good},Ann,,\n".encode()
                     + "+442079460001,Jürgen,,\n".encode("latin-1"))
    job = await LeadImport.open(db, campaign, path, ColumnMapping(phone="Phone"),
                                default_region="GB", report_dir=tmp_path)
    with pytest.raises(Invalid, match="row 3 is not UTF-8"):
        await job.run()
    status = await import_status(db, job.status.list_id)
    assert status.status == "failed" and "row 3 is not UTF-8" in status.error


async def test_national_lists_replace_each_other_and_mark_leads(
        db: Database, tmp_path: Path) -> None:
    campaign = await new_campaign(db, rule_set="US")
    listed, kept, later = fresh_numbers(3, "+1212", 12)
    await import_rows(db, campaign, tmp_path / "us.csv", [[n, "", "", ""] for n in (listed, kept)],
                      region="US")
    area, rest = listed[2:5], listed[5:]
    path = write_csv(tmp_path / "dnc.csv", [["AreaCode", "Number"], [area, rest], ["555", "x"],
                                            [later[2:5], later[5:]], [area, rest]])
    loaded = await load_national_dnc(db, path, country="US", released_on=date(2026, 11, 20))
    assert (loaded.count, loaded.bad, loaded.leads_marked) == (2, 1, 1)
    leads = await leads_of(db, campaign)
    assert (leads[listed]["status"], leads[kept]["status"]) == ("dnc", "new")
    assert (await dnc_listing(db, later, default_region="US")).json() == {
        "number": later, "listed": True, "sources": ["national"]}

    newer = write_csv(tmp_path / "dnc2.csv", [[kept[2:]]])
    await load_national_dnc(db, newer, country="US", released_on=date(2026, 12, 1))
    assert (await dnc_listing(db, later, default_region="US")).sources == ()
    async with db.engine.connect() as conn:
        lists = (await conn.execute(text(
            "SELECT released_on, count FROM national_dnc_lists WHERE country = 'US'"))).all()
    assert lists == [(date(2026, 12, 1), 1)]


async def test_a_campaign_starts_only_on_a_fresh_national_list(
        db: Database, tmp_path: Path) -> None:
    released = date(2026, 11, 20)
    campaign = await new_campaign(db, rule_set="FR")
    await load_fresh_dnc(db, tmp_path, "FR", released=released)
    stale = Campaigns(db, today=lambda: released + timedelta(days=32))
    with pytest.raises(Conflict) as refused:
        await stale.change_state(campaign, "start")
    assert str(refused.value) == (
        f"campaign {campaign} cannot start: the national do-not-call list for FR was released"
        " 2026-11-20, 32 days ago (at most 31 allowed); load the current release (callcenter"
        " dnc load FILE --country FR --released DATE)")
    assert (await stale.get(campaign)).state == "draft"

    fresh = Campaigns(db, today=lambda: released + timedelta(days=31))
    started = await fresh.change_state(campaign, "start")
    assert started.state == "running" and started.started_at is not None
    assert (await fresh.change_state(campaign, "pause")).state == "paused"
    with pytest.raises(Conflict, match="is paused: it cannot pause"):
        await fresh.change_state(campaign, "pause")
    with pytest.raises(Conflict, match="cannot start: the national do-not-call list"):
        await stale.change_state(campaign, "start")


async def test_a_campaign_without_what_it_needs_does_not_start(db: Database) -> None:
    campaigns = Campaigns(db)
    name = await new_campaign(db, rule_set="UK", mode="predictive")
    with pytest.raises(Conflict, match="plays a message on abandoned calls"):
        await campaigns.change_state(name, "start")
    with pytest.raises(Invalid, match="queue: no queue nowhere"):
        await campaigns.update(name, CampaignSettings(rule_set="UK", queue="nowhere"))
    with pytest.raises(Conflict, match=f"campaign {name} exists"):
        await campaigns.create(name, CampaignSettings(rule_set="UK"))
