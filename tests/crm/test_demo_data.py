from crm_core.customers import find_customer_by_number
from crm_core.db import Database
from crm_core.demo_data import seed


async def test_seed_is_idempotent(db: Database) -> None:
    await seed(db, default_region="DE")
    assert await seed(db, default_region="DE") == 0
    card = await find_customer_by_number(db, "030 1234567", default_region="DE")
    assert card["name"] == "Jürgen 张伟"
