"""The dial policy in the CRM (table dial_policies: the site's default rules and each team's,
edited by admins) and the outbound dial audit log (table dial_attempts). The decisions are
ctiserver.control.dialpolicy's; the rules are read afresh for every dial, so an admin's change
holds from the next one on."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert

from crm_core.db import Database
from crm_core.models import DialAttemptRow, DialPolicyRow
from crm_core.values import DialAttempt
from ctiserver.control.dialpolicy import DialPolicy, DialRules

DEFAULT, TEAM = "default", "team"
MAX_DIALS = 500
DECISIONS = ("allowed", "refused")


@dataclass(frozen=True, slots=True)
class StoredRules:
    """The rules of TEAM (None: the site's default); not ``stored``: the built-in default."""

    team: str | None
    rules: DialRules
    stored: bool = True
    updated_by: int | None = None
    updated_at: datetime | None = None

    def json(self) -> dict[str, Any]:
        return {"team": self.team, "allow": list(self.rules.allow), "block": list(self.rules.block),
                "blocked_types": list(self.rules.blocked_types), "stored": self.stored,
                "updated_by": self.updated_by,
                "updated_at": self.updated_at.isoformat() if self.updated_at else None}


def _key(team: str | None) -> dict[str, str]:
    return {"scope": TEAM, "team": team} if team else {"scope": DEFAULT, "team": ""}


def _stored(row: DialPolicyRow) -> StoredRules:
    return StoredRules(row.team if row.scope == TEAM else None,
                       DialRules(tuple(row.allow), tuple(row.block), tuple(row.blocked_types)),
                       updated_by=row.updated_by, updated_at=row.updated_at)


class DialPolicies:
    """The dial policies of ``db``. REGION reads national numbers; BUILTIN is the default
    rules until an admin stores some (from the settings)."""

    def __init__(self, db: Database, *, region: str, builtin: DialRules,
                 extension_max_digits: int) -> None:
        self.db = db
        self.region = region
        self.builtin = builtin
        self.extension_max_digits = extension_max_digits

    async def policy_for(self, team: str | None) -> DialPolicy:
        """The rules in force for an agent of TEAM: the default's and the team's own."""
        teams = [team] if team else []
        async with self.db.sessionmaker() as session:
            rows = await session.scalars(select(DialPolicyRow).where(or_(
                DialPolicyRow.scope == DEFAULT, DialPolicyRow.team.in_(teams))))
            found = {stored.team: stored.rules for stored in map(_stored, rows)}
        default = found.pop(None, self.builtin)
        return DialPolicy(self.region, default, found,
                          extension_max_digits=self.extension_max_digits)

    async def get(self, team: str | None) -> StoredRules | None:
        """TEAM's rules (None: the default's, built-in when none are stored)."""
        async with self.db.sessionmaker() as session:
            row = await session.get(DialPolicyRow, _key(team))
        if row is not None:
            return _stored(row)
        return None if team else StoredRules(None, self.builtin, stored=False)

    async def all(self) -> list[StoredRules]:
        """The default's rules, then every team's by name."""
        async with self.db.sessionmaker() as session:
            rows = await session.scalars(select(DialPolicyRow).where(DialPolicyRow.scope == TEAM)
                                         .order_by(DialPolicyRow.team))
            teams = [_stored(row) for row in rows]
        return [await self.get(None), *teams]

    async def put(self, team: str | None, rules: DialRules, *, by: int | None) -> StoredRules:
        values = {"allow": list(rules.allow), "block": list(rules.block),
                  "blocked_types": list(rules.blocked_types), "updated_by": by,
                  "updated_at": func.now()}
        stmt = insert(DialPolicyRow).values(**_key(team), **values).on_conflict_do_update(
            index_elements=["scope", "team"], set_=values).returning(DialPolicyRow)
        async with self.db.sessionmaker.begin() as session:
            return _stored(await session.scalar(stmt))

    async def delete(self, team: str | None) -> bool:
        """Remove TEAM's own rules (None: the stored default, back to the built-in one)."""
        key = _key(team)
        async with self.db.sessionmaker.begin() as session:
            done = await session.execute(delete(DialPolicyRow).where(
                DialPolicyRow.scope == key["scope"], DialPolicyRow.team == key["team"]))
        return done.rowcount > 0


# --- the audit log ---------------------------------------------------------------------------


async def record_dial(db: Database, attempt: DialAttempt) -> None:
    async with db.sessionmaker.begin() as session:
        session.add(DialAttemptRow(
            user_id=attempt.user_id, username=attempt.username, team=attempt.team,
            kind=attempt.kind, number=attempt.number, number_e164=attempt.number_e164,
            decision=DECISIONS[0] if attempt.allowed else DECISIONS[1], reason=attempt.reason,
            call_id=attempt.call_id, error=attempt.error))


def _row(row: DialAttemptRow) -> dict[str, Any]:
    return {"id": row.id, "at": row.at.isoformat(), "user_id": row.user_id,
            "username": row.username, "team": row.team, "kind": row.kind, "number": row.number,
            "number_e164": row.number_e164, "decision": row.decision, "reason": row.reason,
            "call_id": row.call_id, "error": row.error}


@dataclass(frozen=True, slots=True)
class DialFilter:
    """Which rows: by USERNAME, from SINCE on, of DECISION; ``teams``: only rows of these
    teams (and VIEWER's own), None: all; newest first, ids below BEFORE (the next page)."""

    viewer: int
    teams: frozenset[str] | None = None
    username: str | None = None
    since: datetime | None = None
    decision: str | None = None
    before: int | None = None
    limit: int = 100


async def dial_attempts(db: Database, wanted: DialFilter) -> tuple[list[dict[str, Any]], int | None]:
    """The rows WANTED asks for, as JSON-ready dicts, and the ``before`` of the next page
    (None: this is the last)."""
    stmt = select(DialAttemptRow).order_by(DialAttemptRow.id.desc())
    if wanted.teams is not None:
        stmt = stmt.where(or_(DialAttemptRow.team.in_(wanted.teams),
                              DialAttemptRow.user_id == wanted.viewer))
    for column, value in ((DialAttemptRow.username, wanted.username),
                          (DialAttemptRow.decision, wanted.decision)):
        if value is not None:
            stmt = stmt.where(column == value)
    if wanted.since is not None:
        stmt = stmt.where(DialAttemptRow.at >= wanted.since)
    if wanted.before is not None:
        stmt = stmt.where(DialAttemptRow.id < wanted.before)
    limit = min(wanted.limit, MAX_DIALS)
    async with db.sessionmaker() as session:
        rows = list(await session.scalars(stmt.limit(limit + 1)))
    more = len(rows) > limit
    return [_row(row) for row in rows[:limit]], rows[limit - 1].id if more else None
