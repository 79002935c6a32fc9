"""The live view's campaign figures on the real PostgreSQL, kept by migration 0019's triggers:
always what a full count of the leads and attempts gives, after claims, attempts, retries,
releases, an import merging into leads, the delete of a lead list and of a campaign, folds
(read-triggered and concurrent); writers inserting attempts for one campaign at once never wait
for each other, nor for a fold; a database migrated with rows already there starts exact."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from callcenter.settings import Settings
from crm_core.db import Database, open_database, upgrade
from dialer import reportstore
from dialer.attempts import AttemptResult
from dialer.hopper import DialedAttempt, Hopper
from dialer.live import CampaignCounts
from dialer.reportstore import campaign_counts, fold_tallies
from dialer.store import Campaigns
from tests.helpers.campaigns import (
    fresh_numbers, import_rows, leads_of, new_campaign, running_campaign,
)
from tests.helpers.database import fresh_database
from tests.helpers.tallies import counted_afresh, pending_deltas, tally_rows

NOON = datetime(2026, 6, 10, 11, 0, tzinfo=UTC)
"""A Wednesday, 12:00 in London: within UK calling hours."""
WAIT = 10.0
"""Seconds a statement may take before the test calls it blocked."""


async def figures_of(db: Database, campaign: str) -> CampaignCounts:
    """The campaign's live figures, after checking every campaign's against a full count."""
    counts = await campaign_counts(db)
    assert counts == await counted_afresh(db)
    return next(c for c in counts if c.name == campaign)


async def campaign_id(db: Database, campaign: str) -> int:
    return (await Campaigns(db).get(campaign)).id


def figures(counts: CampaignCounts) -> tuple[int, ...]:
    return (counts.dialed, counts.answered, counts.human, counts.machine, counts.abandoned,
            counts.leads_left)


async def insert_attempt(session, lead: dict, outcome: str) -> None:
    await session.execute(text(
        "INSERT INTO lead_attempts (lead_id, campaign_id, number, placed_at, outcome)"
        " VALUES (:lead, :campaign, :number, :at, :outcome)"),
        {"lead": lead["id"], "campaign": lead["campaign_id"], "number": lead["phone"],
         "at": NOON, "outcome": outcome})


async def test_figures_follow_claims_attempts_retries_releases_and_merges(
        db: Database, tmp_path: Path) -> None:
    campaign = await running_campaign(db, tmp_path)
    untouched = await new_campaign(db)  # no leads, no attempts: zeros
    numbers = fresh_numbers(6)
    await import_rows(db, campaign, tmp_path / "a.csv",
                      [[n, "Jürgen 张伟 😀", "", ""] for n in numbers[:5]])
    assert figures(await figures_of(db, campaign)) == (0, 0, 0, 0, 0, 5)
    assert figures(await figures_of(db, untouched)) == (0,) * 6

    hopper = Hopper(db)
    claimed = await hopper.claim(campaign, 5, NOON)
    assert figures(await figures_of(db, campaign)) == (0, 0, 0, 0, 0, 5)  # dialing is left
    results = [AttemptResult.HUMAN, AttemptResult.MACHINE, AttemptResult.ABANDONED,
               AttemptResult.BUSY]
    for lead, result in zip(claimed, results):
        await hopper.record_outcome(lead.lead_id, DialedAttempt(
            result, NOON, ended_at=NOON + timedelta(seconds=30)))
    await hopper.release([claimed[4].lead_id])
    # human: done; machine, abandoned, busy: retries; the released one: new again
    assert figures(await figures_of(db, campaign)) == (4, 3, 2, 1, 1, 4)

    merged = await import_rows(db, campaign, tmp_path / "b.csv",
                               [[numbers[0], "Other", "", ""], [numbers[5], "New", "", ""]])
    assert (merged.loaded, merged.merged) == (1, 1)  # ON CONFLICT DO UPDATE: both triggers
    assert figures(await figures_of(db, campaign)) == (4, 3, 2, 1, 1, 5)


async def test_deleting_a_lead_list_then_the_campaign(db: Database, tmp_path: Path) -> None:
    campaign = await new_campaign(db)
    ident = await campaign_id(db, campaign)
    numbers = fresh_numbers(4)
    first = await import_rows(db, campaign, tmp_path / "a.csv", [[n, "", "", ""] for n in numbers[:2]])
    await import_rows(db, campaign, tmp_path / "b.csv", [[n, "", "", ""] for n in numbers[2:]])
    leads = await leads_of(db, campaign)
    async with db.sessionmaker.begin() as session:
        for number, outcome in zip(numbers, ["human", "machine", "abandoned", "no_answer"]):
            await insert_attempt(session, leads[number], outcome)
    await fold_tallies(db)
    assert figures(await figures_of(db, campaign)) == (4, 3, 2, 1, 1, 4)

    async with db.sessionmaker.begin() as session:  # cascades to its leads and their attempts
        await session.execute(text("DELETE FROM lead_lists WHERE id = :id"), {"id": first.list_id})
    assert figures(await figures_of(db, campaign)) == (2, 1, 1, 0, 1, 2)

    await Campaigns(db).delete(campaign)
    assert campaign not in [c.name for c in await figures_of_all(db)]
    assert await pending_deltas(db, ident) > 0  # written by the cascade, for a campaign gone
    await fold_tallies(db)
    assert (await pending_deltas(db, ident), await tally_rows(db, ident)) == (0, 0)


async def figures_of_all(db: Database) -> list[CampaignCounts]:
    counts = await campaign_counts(db)
    assert counts == await counted_afresh(db)
    return counts


async def test_a_read_folds_once_enough_deltas_are_pending(
        db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    campaign = await new_campaign(db)
    number, = fresh_numbers(1)
    await import_rows(db, campaign, tmp_path / "a.csv", [[number, "", "", ""]])
    lead = (await leads_of(db, campaign))[number]
    for outcome in ["busy", "machine", "human"]:
        async with db.sessionmaker.begin() as session:
            await insert_attempt(session, lead, outcome)
    monkeypatch.setattr(reportstore, "FOLD_AT", await pending_deltas(db) + 1)
    assert figures(await figures_of(db, campaign)) == (3, 2, 1, 1, 0, 1)
    assert await pending_deltas(db) > 0  # below the threshold: summed, not folded

    monkeypatch.setattr(reportstore, "FOLD_AT", 1)
    assert figures(await figures_of(db, campaign)) == (3, 2, 1, 1, 0, 1)
    assert await pending_deltas(db) == 0
    assert figures(await figures_of(db, campaign)) == (3, 2, 1, 1, 0, 1)  # from the tallies


async def test_writers_and_folds_never_wait_for_each_other(db: Database, tmp_path: Path) -> None:
    campaign = await new_campaign(db)
    numbers = fresh_numbers(2)
    await import_rows(db, campaign, tmp_path / "a.csv", [[n, "", "", ""] for n in numbers])
    leads = await leads_of(db, campaign)
    async with db.sessionmaker.begin() as first:
        await insert_attempt(first, leads[numbers[0]], "human")
        await first.execute(text("UPDATE leads SET status = 'done' WHERE id = :id"),
                            {"id": leads[numbers[0]]["id"]})

        async def second() -> None:
            async with db.sessionmaker.begin() as session:
                await insert_attempt(session, leads[numbers[1]], "machine")
                await session.execute(text("UPDATE leads SET status = 'failed' WHERE id = :id"),
                                      {"id": leads[numbers[1]]["id"]})

        await asyncio.wait_for(second(), WAIT)  # committed while the first is still open
        await asyncio.wait_for(fold_tallies(db), WAIT)
        assert figures(await figures_of(db, campaign)) == (1, 1, 0, 1, 0, 1)
        await asyncio.gather(*(fold_tallies(db) for _ in range(3)))  # folds at once: exact
        assert figures(await figures_of(db, campaign)) == (1, 1, 0, 1, 0, 1)
    assert figures(await figures_of(db, campaign)) == (2, 2, 1, 1, 0, 0)


async def test_a_database_migrated_with_rows_starts_exact(settings: Settings) -> None:
    url = fresh_database(settings, "callcenter_tallies_test")
    await asyncio.to_thread(upgrade, url, "0016")
    migrated = await open_database(url)
    try:
        async with migrated.sessionmaker.begin() as session:
            await session.execute(text(
                "INSERT INTO campaigns (name, rule_set) VALUES ('full', 'UK'), ('empty', 'US')"))
            await session.execute(text(
                "INSERT INTO lead_lists (campaign_id, name, source_file)"
                " SELECT id, 'list', 'list.csv' FROM campaigns WHERE name = 'full'"))
            await session.execute(text(
                "INSERT INTO leads (list_id, campaign_id, phone, timezones, zone_source, status)"
                " SELECT l.id, l.campaign_id, '+44207946' || g, '{Europe/London}', 'number',"
                " (ARRAY['new', 'retry', 'dialing', 'done', 'dnc', 'failed'])[1 + g % 6]"
                " FROM lead_lists l, generate_series(1000, 1029) g"))
            await session.execute(text(
                "INSERT INTO lead_attempts (lead_id, campaign_id, number, placed_at, outcome)"
                " SELECT id, campaign_id, phone, now(), (ARRAY['busy', 'no_answer', 'machine',"
                " 'human', 'congestion', 'failed', 'abandoned', 'dnc_refused'])[1 + id % 8]"
                " FROM leads"))
        await asyncio.to_thread(upgrade, url)
        counts = await campaign_counts(migrated)
        assert counts == await counted_afresh(migrated)
        assert [(c.name, c.dialed, c.leads_left) for c in counts] == [
            ("empty", 0, 0), ("full", 30, 15)]
    finally:
        await migrated.close()
