"""calls.collected on real PostgreSQL: JSONB through the unnest batch, SQL NULL when nothing."""
from sqlalchemy import func, select

from crm_core.calls import record_calls
from crm_core.db import Database
from crm_core.models import Call
from tests.helpers.records import call_record

REGION = "DE"
COLLECTED = {"Account": "4711", "Name": "Jürgen 张伟", "Quote": 'say "hi", \\o/ {}', "Empty": ""}


async def test_collected_round_trips_and_nothing_collected_is_sql_null(db: Database) -> None:
    rich, plain = call_record(collected=COLLECTED), call_record()
    assert await record_calls(db, [rich, plain, rich], default_region=REGION) == 2
    assert await record_calls(db, [rich], default_region=REGION) == 0
    async with db.sessionmaker() as session:
        rows = {c.call_key: c for c in await session.scalars(
            select(Call).where(Call.call_key.in_([rich.call_key, plain.call_key])))}
        null_rows = await session.scalar(select(func.count()).where(
            Call.call_key == plain.call_key, Call.collected.is_(None)))
        account = await session.scalar(select(Call.collected["Account"].astext).where(
            Call.call_key == rich.call_key))
    assert rows[rich.call_key].collected == COLLECTED
    assert rows[plain.call_key].collected is None and null_rows == 1, "SQL NULL, not JSON null"
    assert account == "4711", "stored as a JSON object, not as a JSON string"
