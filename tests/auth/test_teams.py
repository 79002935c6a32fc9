"""Who sees whom: agents themselves, supervisors their teams, admins everyone."""
from crm_core.db import Database
from crm_core.teams import led_teams, set_led_teams, visible_user_ids
from crm_core.values import UserInfo
from tests.helpers.accounts import make_user


def info(account, role: str) -> UserInfo:
    return UserInfo(account.id, account.username, account.username, role, None, None)


async def test_visibility_by_role(db: Database) -> None:
    red1, red2 = await make_user(db, team="red-x"), await make_user(db, team="red-x")
    blue = await make_user(db, team="blue-x")
    lead = await make_user(db, "supervisor", team="leads-x")
    await set_led_teams(db, lead.id, ["red-x"])
    assert await led_teams(db, lead.id) == {"red-x"}
    assert await visible_user_ids(db, info(red1, "agent")) == {red1.id}
    assert await visible_user_ids(db, info(lead, "supervisor")) == {lead.id, red1.id, red2.id}
    await set_led_teams(db, lead.id, ["red-x", "blue-x"])
    assert blue.id in await visible_user_ids(db, info(lead, "supervisor"))
    await set_led_teams(db, lead.id, [])
    assert await visible_user_ids(db, info(lead, "supervisor")) == {lead.id}
    assert await visible_user_ids(db, info(lead, "admin")) is None
