"""Queues in the CRM on real PostgreSQL: CRUD, holidays, queues.conf specs, targets, VIPs."""
from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from pydantic import ValidationError

from agent_console.schemas import QueueAnswer, QueueFields
from asterisk_conf.queuefile import QueuesInclude
from asterisk_conf.render import QueueSpec
from crm_core.customers import create_customer
from crm_core.db import Database
from crm_core.queues import (
    EDITABLE, QueueNotFound, add_holiday, apply_queue_config, create_queue, delete_holiday,
    delete_queue, get_queue, holiday_days, is_vip, queue_specs, set_vip, targets, update_queue,
)
from ctiserver.acd.stats import QueueTargets
from ctiserver.acd.routeagi import RoutingService, load_rules
from tests.helpers.records import berlin_number, unique

HOURS = {"mon": [["08:00", "18:00"]], "sat": [["10:00", "14:00"]]}


def name() -> str:
    return unique("q")


async def test_create_read_update_delete(db: Database) -> None:
    q = name()
    await create_queue(db, q, display_name="Support 支持", strategy="leastrecent",
                       business_hours=HOURS, timezone="Asia/Tokyo", closed_action="callback_offer")
    queue = await get_queue(db, q)
    assert queue is not None and queue.display_name == "Support 支持"
    assert (queue.member_timeout, queue.retry, queue.sl_target) == (15, 5, 0.8)
    assert queue.business_hours == HOURS
    await update_queue(db, q, overflow_queue="backup", overflow_max_wait=90, wrapup_seconds=10)
    queue = await get_queue(db, q)
    assert (queue.overflow_queue, queue.overflow_max_wait, queue.wrapup_seconds) == ("backup", 90, 10)
    assert await delete_queue(db, q)
    assert await get_queue(db, q) is None
    assert not await delete_queue(db, q)
    with pytest.raises(QueueNotFound):
        await update_queue(db, q, retry=1)


@pytest.mark.parametrize("bad", [
    {"strategy": "roundrobin"}, {"closed_action": "hangup"}, {"timezone": "Mars/Olympus"},
    {"business_hours": {"mon": [["9", "5"]]}}, {"colour": "red"},
])
async def test_invalid_fields_are_refused(db: Database, bad: dict) -> None:
    with pytest.raises(ValueError):
        await create_queue(db, name(), **bad)


def test_the_admin_apis_body_declares_every_editable_field() -> None:
    """agent_console.schemas.QueueFields is the request body of PUT /admin/queues/{name}."""
    assert set(QueueFields.model_fields) == EDITABLE
    assert set(QueueAnswer.model_fields) == EDITABLE | {"name"}


@pytest.mark.parametrize("bad", [
    {"strategy": "roundrobin"}, {"closed_action": "hangup"}, {"timezone": "Mars/Olympus"},
    {"business_hours": {"mon": [["9", "5"]]}}, {"colour": "red"}, {"retry": "5"},
    {"sl_target": 80}, {"member_timeout": -1}, {"overflow_queue": "has space"},
])
def test_the_admin_apis_body_refuses_what_the_crm_would(bad: dict) -> None:
    with pytest.raises(ValidationError) as refused:
        QueueFields.model_validate(bad)
    assert {problem["loc"][0] for problem in refused.value.errors()} == set(bad)


async def test_a_stored_queue_matches_the_admin_apis_answer(db: Database) -> None:
    q = name()
    await create_queue(db, q, business_hours=HOURS, overflow_queue="backup")
    answer = QueueAnswer.model_validate(await get_queue(db, q)).model_dump()
    assert answer["name"] == q and answer["business_hours"] == HOURS
    assert (answer["strategy"], answer["sl_target"], answer["max_wait"]) == ("rrmemory", 0.8, None)


@pytest.mark.parametrize("bad_name", ["x", "has space", "semi;colon", "-lead", "ünï"])
async def test_names_asterisk_can_use(db: Database, bad_name: str) -> None:
    with pytest.raises(ValueError):
        await create_queue(db, bad_name)


async def test_names_are_unique(db: Database) -> None:
    q = name()
    await create_queue(db, q)
    with pytest.raises(IntegrityError):
        await create_queue(db, q)


async def test_specs_and_targets(db: Database) -> None:
    q = name()
    await create_queue(db, q, strategy="ringall", member_timeout=7, retry=2, wrapup_seconds=15,
                       sl_threshold=30, sl_target=0.9, max_wait_alert=45)
    spec = next(s for s in await queue_specs(db) if s.name == q)
    assert spec == QueueSpec(q, strategy="ringall", timeout=7, wrapuptime=15, servicelevel=30,
                             retry=2)
    mine = (await targets(db))[q]
    assert set(mine) == {f.name for f in fields(QueueTargets)}
    assert QueueTargets(**mine) == QueueTargets(sl_threshold=30, sl_target=0.9, max_wait_alert=45)


async def test_holidays_for_one_queue_or_all(db: Database) -> None:
    q, other = name(), name()
    await create_queue(db, q)
    await create_queue(db, other)
    own = await add_holiday(db, date(2031, 5, 1), "Labour Day", queue=q)
    await add_holiday(db, date(2031, 12, 25), "Christmas")
    await add_holiday(db, date(2020, 1, 1), "past")
    days = await holiday_days(db, date(2031, 1, 1))
    assert (None, date(2031, 12, 25)) in days and date(2020, 1, 1) not in {d for _, d in days}
    rules = await load_rules_at(db, date(2031, 1, 2))
    assert rules[q].holidays >= {date(2031, 5, 1), date(2031, 12, 25)}
    assert date(2031, 5, 1) not in rules[other].holidays
    assert await delete_holiday(db, own)
    with pytest.raises(QueueNotFound):
        await add_holiday(db, date(2031, 1, 1), "x", queue=name())


async def load_rules_at(db: Database, day: date) -> dict:
    return await load_rules(db, datetime.combine(day, time(12), UTC))


async def test_vip_customers(db: Database) -> None:
    e164, national = berlin_number()
    customer = await create_customer(db, "Ana Vip", [national], default_region="DE")
    assert not await is_vip(db, e164, default_region="DE")
    await set_vip(db, customer)
    assert await is_vip(db, national, default_region="DE")
    assert not await is_vip(db, "garbage", default_region="DE")


async def test_routing_service_decides_from_the_crm(db: Database) -> None:
    q = name()
    await create_queue(db, q, business_hours={}, closed_action="voicemail_ticket")
    e164, _ = berlin_number()
    await set_vip(db, await create_customer(db, "V", [e164], default_region="DE"))
    service = RoutingService(db, default_region="DE", clock=lambda: datetime(2031, 1, 6, tzinfo=UTC))
    closed = await service.decide(q, e164)
    assert (closed.closed_action, closed.priority, closed.reason) == ("voicemail_ticket", 10, "hours")
    unknown = await service.decide(name(), "+4930000")
    assert (unknown.closed, unknown.priority) == (False, 0)


class FakeTarget:
    def __init__(self) -> None:
        self.specs: list[QueueSpec] = []

    async def apply_queues(self, specs: list[QueueSpec]) -> list[str]:
        self.specs = specs
        return ["queues.conf"]


async def test_apply_queue_config(db: Database) -> None:
    q = name()
    await create_queue(db, q)
    target = FakeTarget()
    assert await apply_queue_config(db, target) == ["queues.conf"]
    assert q in {s.name for s in target.specs}


async def test_production_include_file_reloads_only_on_change(tmp_path: Path) -> None:
    sent: list[dict] = []

    async def send(action) -> None:
        sent.append(action.message())

    include = QueuesInclude(tmp_path / "callcenter_queues.conf", send)
    specs = [QueueSpec("support", strategy="ringall")]
    assert await include.apply_queues(specs) == ["callcenter_queues.conf"]
    assert await include.apply_queues(specs) == []
    text = include.path.read_text()
    assert text.startswith("[support]\nstrategy = ringall\n") and "[general]" not in text
    assert sent == [{"Action": "QueueReload", "Members": "yes", "Rules": "no", "Parameters": "yes"}]
