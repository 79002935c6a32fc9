"""Teams: who a user may see. Agents see themselves, supervisors the members of the teams they
lead (and themselves), admins everyone."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert

from crm_core.db import Database
from crm_core.models import TeamLead, User
from crm_core.values import UserInfo


async def set_led_teams(db: Database, supervisor_id: int, teams: Iterable[str]) -> None:
    """Replace the teams this supervisor leads."""
    rows = [{"user_id": supervisor_id, "team": team} for team in set(teams)]
    async with db.sessionmaker.begin() as session:
        await session.execute(delete(TeamLead).where(TeamLead.user_id == supervisor_id))
        if rows:
            await session.execute(insert(TeamLead).values(rows))


async def led_teams(db: Database, supervisor_id: int) -> set[str]:
    async with db.sessionmaker() as session:
        teams = await session.scalars(
            select(TeamLead.team).where(TeamLead.user_id == supervisor_id)
        )
        return set(teams)


async def visible_user_ids(db: Database, viewer: UserInfo) -> frozenset[int] | None:
    """Ids of the users whose calls, callbacks and customers ``viewer`` may see; None: all."""
    if viewer.role == "admin":
        return None
    if viewer.role != "supervisor":
        return frozenset({viewer.id})
    led = select(TeamLead.team).where(TeamLead.user_id == viewer.id)
    stmt = select(User.id).where(or_(User.id == viewer.id, User.team.in_(led)))
    async with db.sessionmaker() as session:
        return frozenset(await session.scalars(stmt))
