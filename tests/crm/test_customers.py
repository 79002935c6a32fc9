"""Customers and the screen-pop card on real PostgreSQL."""
from datetime import timedelta

import pytest
from sqlalchemy import text

from crm_core.calls import record_calls
from crm_core.customers import create_customer, find_customer_by_number, find_customers_by_numbers
from crm_core.db import Database
from tests.helpers.records import berlin_number, call_record

REGION = "DE"


async def test_database_is_utf8(db: Database) -> None:
    async with db.engine.connect() as conn:
        assert await conn.scalar(text("SHOW server_encoding")) == "UTF8"


async def test_found_by_any_spelling_of_the_number(db: Database) -> None:
    e164, national = berlin_number()
    customer_id = await create_customer(
        db, "Jürgen 张伟", [national], company="Müller & Zhang", tags=["vip", "日本"],
        default_region=REGION,
    )
    spellings = [e164, national, "0049" + e164[3:], f"+49 (0)30 {national[4:]}"]
    for raw in spellings:
        card = await find_customer_by_number(db, raw, default_region=REGION)
        assert card is not None, raw
        assert card["id"] == customer_id
    assert card["name"] == "Jürgen 张伟"
    assert card["company"] == "Müller & Zhang"
    assert card["tags"] == ["vip", "日本"]
    assert card["numbers"] == [{"number": e164, "label": None}]


async def test_unknown_and_invalid_numbers(db: Database) -> None:
    assert await find_customer_by_number(db, berlin_number()[0], default_region=REGION) is None
    assert await find_customer_by_number(db, "garbage", default_region=REGION) is None


async def test_card_shows_the_five_latest_calls(db: Database) -> None:
    e164, _ = berlin_number()
    await create_customer(db, "Frequent Caller", [e164], default_region=REGION)
    base = call_record().entered_at
    calls = [
        call_record(caller_number=e164, entered_at=base + timedelta(minutes=i), queue=f"q{i}")
        for i in range(7)
    ]
    await record_calls(db, calls, default_region=REGION)
    card = await find_customer_by_number(db, e164, default_region=REGION)
    assert [c["queue"] for c in card["recent_calls"]] == ["q6", "q5", "q4", "q3", "q2"]
    latest = card["recent_calls"][0]
    assert latest["entered_at"] == calls[6].entered_at.isoformat()
    assert (latest["outcome"], latest["talk_seconds"]) == ("answered", 87.5)


async def test_create_rejects_invalid_numbers(db: Database) -> None:
    with pytest.raises(ValueError, match="not a valid phone number"):
        await create_customer(db, "Nobody", ["12"], default_region=REGION)


async def test_create_stores_each_number_once(db: Database) -> None:
    e164, national = berlin_number()
    await create_customer(db, "Twice", [e164, national], default_region=REGION)
    card = await find_customer_by_number(db, e164, default_region=REGION)
    assert card["numbers"] == [{"number": e164, "label": None}]


async def test_several_numbers_in_one_lookup(db: Database) -> None:
    first, first_national = berlin_number()
    second, _ = berlin_number()
    shared, _ = berlin_number()
    oldest = await create_customer(db, "Oldest", [first, shared], default_region=REGION)
    await create_customer(db, "Younger", [second, shared], default_region=REGION)
    unknown = berlin_number()[0]
    raw = [first_national, second, shared, unknown, "garbage", first_national]
    cards = await find_customers_by_numbers(db, raw, default_region=REGION)
    assert set(cards) == set(raw)
    for number in raw:
        assert cards[number] == await find_customer_by_number(db, number, default_region=REGION)
    assert cards[shared]["id"] == oldest
    assert cards[shared]["numbers"] == [{"number": first, "label": None},
                                        {"number": shared, "label": None}]
    assert cards[unknown] is None and cards["garbage"] is None
    assert await find_customers_by_numbers(db, [], default_region=REGION) == {}
