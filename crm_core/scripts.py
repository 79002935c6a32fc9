"""Telemarketing scripts: one jinja2 template per queue or campaign, rendered for the agent with
the customer's fields in a sandbox (a script is admin input; it must not reach Python's
internals). A script is stored only when it compiles."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from callcenter.errors import Invalid
from crm_core.db import Database
from crm_core.dispositions import Owner
from crm_core.models import Script

MAX_BODY = 64 * 1024
MAX_TITLE = 200

_sandbox = SandboxedEnvironment(autoescape=False)
NO_LEAD: dict[str, Any] = {"custom": {}}
"""What a campaign script sees as its lead when shown outside a dialer's call."""


class ScriptError(Invalid):
    """A script that does not compile (it is not stored) or fails when rendered: the message
    says why."""


@dataclass(frozen=True, slots=True)
class ScriptInfo:
    owner: Owner
    title: str
    body: str
    updated_by: int | None
    updated_at: datetime

    def json(self) -> dict[str, Any]:
        return {"kind": self.owner.kind, "name": self.owner.name, "title": self.title,
                "body": self.body, "updated_by": self.updated_by,
                "updated_at": self.updated_at.isoformat()}


def check_script(body: Any, title: Any = "") -> None:
    """ScriptError unless ``body`` is a jinja2 template the sandbox compiles."""
    if not isinstance(title, str) or len(title) > MAX_TITLE:
        raise ScriptError("'title' must be a string of at most {count} characters", count=MAX_TITLE)
    if not isinstance(body, str) or not body.strip() or len(body) > MAX_BODY:
        raise ScriptError("'body' is required: a jinja2 template of at most {count} characters",
                          count=MAX_BODY)
    try:
        _sandbox.from_string(body)
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        problem = exc.message or str(exc)  # jinja2's own words
        if line:
            raise ScriptError("the script is not a valid template (line {line}): {problem}",
                              line=line, problem=problem) from None
        raise ScriptError("the script is not a valid template: {problem}", problem=problem) from None


def render_script(body: str, customer: dict[str, Any] | None, agent: str,
                  lead: dict[str, Any] | None = None) -> str:
    """The script for ``agent``; a dialer's call has its ``lead`` ({{ lead.first_name }},
    {{ lead.custom.tier }}): without one, a lead's fields read as empty, its custom ones too."""
    try:
        return _sandbox.from_string(body).render(customer=customer or {}, agent=agent,
                                                 lead=lead or NO_LEAD)
    except Exception as exc:  # a template runs admin code: it may raise anything (1/0 too)
        raise ScriptError("{error}: {detail}", error=type(exc).__name__, detail=str(exc)) from exc


def _owned_by(owner: Owner):
    column = Script.queue if owner.kind == "queue" else Script.campaign
    return column == owner.name


def _info(row: Script) -> ScriptInfo:
    owner = Owner("queue", row.queue) if row.queue is not None else Owner("campaign", row.campaign)
    return ScriptInfo(owner, row.title, row.body, row.updated_by, row.updated_at)


async def get_script(db: Database, owner: Owner) -> ScriptInfo | None:
    async with db.sessionmaker() as session:
        row = await session.scalar(select(Script).where(_owned_by(owner)))
        return _info(row) if row else None


async def list_scripts(db: Database) -> list[ScriptInfo]:
    async with db.sessionmaker() as session:
        rows = await session.scalars(select(Script).order_by(Script.queue, Script.campaign))
        return [_info(row) for row in rows]


async def put_script(db: Database, owner: Owner, body: str, *, title: str = "",
                     user_id: int | None = None) -> ScriptInfo:
    """Create or replace the owner's script; ScriptError when it does not compile."""
    check_script(body, title)
    values = {"title": title, "body": body, "updated_by": user_id, "updated_at": func.now()}
    stmt = insert(Script).values(queue=owner.queue, campaign=owner.campaign, **values)
    stmt = stmt.on_conflict_do_update(index_elements=[owner.kind], set_=values).returning(Script)
    async with db.sessionmaker.begin() as session:
        return _info(await session.scalar(stmt))


async def delete_script(db: Database, owner: Owner) -> bool:
    async with db.sessionmaker.begin() as session:
        done = await session.execute(delete(Script).where(_owned_by(owner)))
    return done.rowcount > 0
