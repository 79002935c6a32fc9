"""Disposition lists per queue and campaign on real PostgreSQL: what agents are offered, and
how admins replace a list (codes wrap-ups used are deactivated, not deleted)."""
import pytest

from crm_core.db import Database
from crm_core.dispositions import (
    DispositionInfo, Owner, dispositions_for, list_dispositions, parse_entries,
    replace_dispositions,
)
from crm_core.models import CallWrapup
from crm_core.users import create_user
from tests.helpers.records import unique


def entry(code: str, label: str | None = None, callback: bool = False) -> DispositionInfo:
    return DispositionInfo(code, label or code.title(), callback)


async def offered(db: Database, queue=None, campaign=None) -> list[str]:
    async with db.sessionmaker() as session:
        return [d.code for d in await dispositions_for(session, queue, campaign)]


async def test_campaign_then_queue_then_global(db: Database) -> None:
    queue, campaign = Owner("queue", unique("q")), Owner("campaign", unique("c"))
    await replace_dispositions(db, queue, [entry("q-only"), entry("resolved", "Gelöst ✓")])
    await replace_dispositions(db, campaign, [entry("c-only", callback=True), entry("q-only")])
    global_codes = await offered(db)
    assert "resolved" in global_codes and "q-only" not in global_codes
    by_queue = await offered(db, queue.name)
    assert by_queue[:2] == ["q-only", "resolved"] and by_queue[2:] == [
        c for c in global_codes if c != "resolved"]
    async with db.sessionmaker() as session:
        labels = {d.code: d.label for d in await dispositions_for(session, queue.name)}
    assert labels["resolved"] == "Gelöst ✓"  # the queue's entry overrides the global one
    assert (await offered(db, campaign=campaign.name))[:2] == ["c-only", "q-only"]
    assert (await offered(db, queue.name, campaign.name))[:3] == ["c-only", "q-only", "resolved"]


async def test_replace_keeps_order_and_deactivates_used_codes(db: Database) -> None:
    queue = Owner("queue", unique("q"))
    user_id, _ = await create_user(db, unique("agent"), display_name="A", role="agent")
    used = unique("used")
    await replace_dispositions(db, queue, [entry("a"), entry(used), entry("b")])
    async with db.sessionmaker.begin() as session:
        session.add(CallWrapup(call_key=unique("call"), user_id=user_id, disposition=used))
    await replace_dispositions(db, queue, [entry("b", "Bee", True), entry("c")])
    assert await list_dispositions(db, queue) == [
        {"code": "b", "label": "Bee", "requires_callback": True, "active": True},
        {"code": "c", "label": "C", "requires_callback": False, "active": True},
        {"code": used, "label": used.title(), "requires_callback": False, "active": False},
    ]
    assert (await offered(db, queue.name))[:2] == ["b", "c"]
    # the used code comes back: active again, one row
    await replace_dispositions(db, queue, [entry(used, "Back"), entry("b")])
    assert [(d["code"], d["label"], d["active"]) for d in await list_dispositions(db, queue)] == [
        (used, "Back", True), ("b", "B", True)]
    await replace_dispositions(db, queue, [])
    assert await list_dispositions(db, queue) == [
        {"code": used, "label": "Back", "requires_callback": False, "active": False}]


@pytest.mark.parametrize("entries, owner, fragment", [
    ("resolved", Owner("queue", "q1"), "must be a list"),
    ([{"code": "a", "label": "A"}, {"code": "a", "label": "B"}], Owner("queue", "q1"),
     "unique: a repeated"),
    ([{"code": "a"}], Owner("queue", "q1"), "dispositions[0].label is required"),
    ([{"code": "a", "label": "  "}], Owner("queue", "q1"), "label is required"),
    ([{"code": "a b", "label": "A"}], Owner("queue", "q1"), "dispositions[0].code"),
    ([{"code": "a", "label": "A", "requires_callback": "yes"}], Owner("queue", "q1"),
     "requires_callback must be true or false"),
    ([{"code": "a", "label": "A", "colour": "red"}], Owner("queue", "q1"), "unknown fields colour"),
    (["a"], Owner("queue", "q1"), "must be an object"),
    ([], Owner(), "the global list needs at least one"),
])
def test_bad_lists_are_refused(entries, owner, fragment) -> None:
    with pytest.raises(ValueError) as error:
        parse_entries(entries, owner)
    assert fragment in str(error.value)


def test_a_good_list_parses() -> None:
    assert parse_entries([{"code": "sale", "label": " Verkauf ", "requires_callback": True},
                          {"code": "no-sale", "label": "Kein Verkauf"}], Owner("queue", "q1")) == [
        DispositionInfo("sale", "Verkauf", True), DispositionInfo("no-sale", "Kein Verkauf", False)]
    assert parse_entries([], Owner("campaign", "c1")) == []
