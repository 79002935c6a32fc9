"""Queues defined in the CRM: CRUD, holidays, and what Asterisk and the statistics need from them
(queues.conf specs, targets). A change takes effect through ``apply_queue_config``."""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, select

from asterisk_conf.render import QueueSpec
from callcenter.errors import Invalid
from crm_core.db import Database
from crm_core.models import ContactNumber, Customer, Holiday, Queue
from crm_core.phones import normalize_number
from ctiserver.acd.routing import CLOSED_ACTIONS, validate_hours

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]+$")
STRATEGIES = ("ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "rrordered",
              "linear", "wrandom")
TARGET_FIELDS = ("sl_threshold", "short_abandon", "sl_target", "max_wait_alert", "asa_target",
                 "abandon_rate_target")
"""Named as ctiserver.acd.stats.QueueTargets' fields."""
EDITABLE = frozenset(
    c.key for c in Queue.__table__.columns if c.key not in ("id", "name", "created_at")
)


class QueueNotFound(KeyError):
    pass


def validate(fields: dict[str, Any]) -> None:
    """ValueError on an unknown field or a value Asterisk or routing could not use."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise Invalid("unknown queue fields: {fields}", fields=sorted(unknown))
    if fields.get("strategy", "rrmemory") not in STRATEGIES:
        raise Invalid("strategy must be one of {strategies}", strategies=STRATEGIES)
    if fields.get("closed_action", "announce") not in CLOSED_ACTIONS:
        raise Invalid("closed_action must be one of {actions}", actions=CLOSED_ACTIONS)
    if fields.get("business_hours") is not None:
        validate_hours(fields["business_hours"])
    if "timezone" in fields:
        _check_timezone(fields["timezone"])


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Invalid("unknown time zone {zone}", zone=repr(name)) from exc


async def create_queue(db: Database, name: str, *, display_name: str | None = None,
                       **fields: Any) -> int:
    """Add a queue; fields are Queue's columns. Returns its id."""
    if not NAME.match(name):
        raise Invalid("queue name {name}: letters, digits, _ and -, at least two", name=repr(name))
    validate(fields)
    queue = Queue(name=name, display_name=display_name or name, **fields)
    async with db.sessionmaker.begin() as session:
        session.add(queue)
    return queue.id


async def update_queue(db: Database, name: str, **fields: Any) -> None:
    validate(fields)
    async with db.sessionmaker.begin() as session:
        queue = await session.scalar(select(Queue).where(Queue.name == name))
        if queue is None:
            raise QueueNotFound(name)
        for key, value in fields.items():
            setattr(queue, key, value)


async def delete_queue(db: Database, name: str) -> bool:
    async with db.sessionmaker.begin() as session:
        done = await session.execute(delete(Queue).where(Queue.name == name))
    return done.rowcount > 0


async def get_queue(db: Database, name: str) -> Queue | None:
    async with db.sessionmaker() as session:
        return await session.scalar(select(Queue).where(Queue.name == name))


async def list_queues(db: Database) -> list[Queue]:
    async with db.sessionmaker() as session:
        return list(await session.scalars(select(Queue).order_by(Queue.name)))


async def add_holiday(db: Database, day: date, name: str, *, queue: str | None = None) -> int:
    """A closed day for ``queue``, or for every queue when None. Returns its id."""
    async with db.sessionmaker.begin() as session:
        queue_id = None
        if queue is not None:
            queue_id = await session.scalar(select(Queue.id).where(Queue.name == queue))
            if queue_id is None:
                raise QueueNotFound(queue)
        holiday = Holiday(queue_id=queue_id, day=day, name=name)
        session.add(holiday)
    return holiday.id


async def delete_holiday(db: Database, holiday_id: int) -> bool:
    async with db.sessionmaker.begin() as session:
        done = await session.execute(delete(Holiday).where(Holiday.id == holiday_id))
    return done.rowcount > 0


async def holiday_days(db: Database, since: date) -> list[tuple[int | None, date]]:
    """(queue id or None for all queues, day) from ``since`` on."""
    async with db.sessionmaker() as session:
        rows = await session.execute(select(Holiday.queue_id, Holiday.day).where(Holiday.day >= since))
    return [(queue_id, day) for queue_id, day in rows]


def queue_spec(queue: Queue) -> QueueSpec:
    return QueueSpec(
        queue.name, strategy=queue.strategy, timeout=queue.member_timeout,
        wrapuptime=queue.wrapup_seconds, servicelevel=queue.sl_threshold, retry=queue.retry,
    )


async def queue_specs(db: Database) -> list[QueueSpec]:
    """The CRM's queues as queues.conf sections (members are added live with QueueAdd)."""
    return [queue_spec(q) for q in await list_queues(db)]


async def targets(db: Database) -> dict[str, dict[str, float]]:
    """Queue name -> keyword arguments of ctiserver.acd.stats.QueueTargets."""
    return {q.name: {f: float(getattr(q, f)) for f in TARGET_FIELDS} for q in await list_queues(db)}


async def is_vip(db: Database, raw_number: str, *, default_region: str) -> bool:
    """Whether any customer owning this number is a VIP."""
    number = normalize_number(raw_number, default_region)
    if number is None:
        return False
    find = (select(Customer.id).join(ContactNumber)
            .where(ContactNumber.number_e164 == number, Customer.vip).limit(1))
    async with db.sessionmaker() as session:
        return await session.scalar(find) is not None


async def set_vip(db: Database, customer_id: int, vip: bool = True) -> None:
    async with db.sessionmaker.begin() as session:
        customer = await session.get(Customer, customer_id)
        if customer is None:
            raise KeyError(customer_id)
        customer.vip = vip


class QueueConfigTarget(Protocol):
    async def apply_queues(self, specs: list[QueueSpec]) -> list[str]: ...


async def apply_queue_config(db: Database, target: QueueConfigTarget) -> list[str]:
    """Render the CRM's queues into ``target`` (a Sandbox, or asterisk_conf.queuefile.
    QueuesInclude in production) and reload app_queue when they changed. The changed files."""
    return await target.apply_queues(await queue_specs(db))
