"""Queues defined in the CRM through the admin API reach Asterisk (queues.conf reloaded) and
the statistics targets at once."""
from __future__ import annotations

import uuid

import aiohttp
import pytest

from crm_core.users import create_user

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_admin_defines_a_queue_and_asterisk_reloads_it(cti, db, asterisk):
    _, admin = await create_user(db, f"qadmin-{uuid.uuid4().hex[:8]}", display_name="Q Admin", role="admin")
    _, agent = await create_user(db, f"qagent-{uuid.uuid4().hex[:8]}", display_name="Q Agent", role="agent")
    name = f"q{uuid.uuid4().hex[:8]}"
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {admin}"}) as session:
        async with session.put(f"{cti.url}/admin/queues/{name}",
                               json={"strategy": "ringall", "sl_threshold": 30, "wrapup_seconds": 3}) as r:
            assert r.status == 200, await r.text()
            assert "queues.conf" in (await r.json())["changed"]
        assert "'ringall' strategy" in asterisk.cli(f"queue show {name}")
        assert cti.server.feed.stats.targets[name].sl_threshold == 30

        async with session.put(f"{cti.url}/admin/queues/{name}", json={"strategy": "leastrecent"}) as r:
            assert r.status == 200
        assert "'leastrecent' strategy" in asterisk.cli(f"queue show {name}")

        async with session.put(f"{cti.url}/admin/queues/{name}", json={"strategy": "fastest"}) as r:
            assert r.status == 400 and "strategy: Input should be" in (await r.json())["error"]
        async with session.put(f"{cti.url}/admin/queues/{name}", data=b"{not json") as r:
            assert r.status == 400 and (await r.json())["error"] == "the body must be JSON"
        async with session.put(f"{cti.url}/admin/queues/x y", json={}) as r:
            assert r.status == 400 and "queue name" in (await r.json())["error"]
        async with session.get(f"{cti.url}/admin/queues") as r:
            assert name in [q["name"] for q in await r.json()]
        async with session.delete(f"{cti.url}/admin/queues/{name}") as r:
            assert r.status == 200
        assert "No such queue" in asterisk.cli(f"queue show {name}")
        async with session.delete(f"{cti.url}/admin/queues/{name}") as r:
            assert r.status == 404 and (await r.json())["error"] == f"no queue {name!r}"

    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {agent}"}) as session:
        async with session.get(f"{cti.url}/admin/queues") as r:
            assert r.status == 403 and (await r.json())["error"] == "this needs the role admin"
