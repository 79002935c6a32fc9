"""Recording policies through the API on the real PostgreSQL: admins set a queue's or a
campaign's, supervisors read them, agents neither; bad values are refused."""
from __future__ import annotations

import uuid

import pytest

from recordings.journal import Policies
from recordings.policy import Mode, RecordingPolicy

from tests.helpers.accounts import bearer, make_user

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_admins_set_a_policy_and_supervisors_read_it(client, db) -> None:
    admin, supervisor = await make_user(db, "admin"), await make_user(db, "supervisor")
    campaign = f"Jürgen 张伟 😀 {uuid.uuid4().hex[:6]}"
    url = f"/admin/recording-policies/campaign/{campaign}"
    assert (await client.get(url, headers=bearer(admin))).status == 404
    policy = {"mode": "percent", "percent": 30, "announcement": "this-call-may-be-recorded",
              "keep_days": 90, "language": "ko"}
    put = await client.put(url, headers=bearer(admin), json=policy)
    assert put.status == 200, await put.text()
    assert await put.json() == policy
    read = await client.get(url, headers=bearer(supervisor))
    assert await read.json() == policy
    stored = await Policies(db).get("campaign", campaign)
    assert stored == RecordingPolicy(Mode.PERCENT, 30, "this-call-may-be-recorded", 90)
    replaced = await client.put(url, headers=bearer(admin), json={"mode": "none"})
    assert await replaced.json() == {"mode": "none", "percent": 100, "announcement": None,
                                     "keep_days": None, "language": None}


async def test_bad_policies_and_other_roles_are_refused(client, db) -> None:
    admin, supervisor, agent = (await make_user(db, "admin"), await make_user(db, "supervisor"),
                                await make_user(db))
    url = f"/admin/recording-policies/queue/q-{uuid.uuid4().hex[:6]}"
    for bad in ({"mode": "sometimes"}, {"mode": "all", "percent": 101},
                {"mode": "all", "keep_days": 0}, {"mode": "all", "announcement": "x,System(rm)"},
                {"mode": "all", "language": "Korean!"}, {"mode": "all", "extra": 1}):
        assert (await client.put(url, headers=bearer(admin), json=bad)).status == 400, bad
    assert (await client.put(url, headers=bearer(supervisor), json={"mode": "all"})).status == 403
    assert (await client.get(url, headers=bearer(agent))).status == 403
    assert (await client.get("/admin/recording-policies/team/x",
                             headers=bearer(admin))).status == 404
