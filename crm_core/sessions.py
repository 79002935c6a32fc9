"""Server-side browser sessions: a random id in the cookie, its sha256 in the database, a CSRF
token per session, an idle and an absolute expiry."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, or_, update

from crm_core.auth import now_utc
from crm_core.db import Database
from crm_core.models import User, UserSession
from crm_core.users import hash_token
from crm_core.values import UserInfo

SESSION_IDLE_TIMEOUT = timedelta(hours=1)
"""An open console keeps its session alive (see the agent websocket's pings)."""
SESSION_MAX_AGE = timedelta(hours=12)
"""About a shift: log in again the next day."""


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle: timedelta = SESSION_IDLE_TIMEOUT
    max_age: timedelta = SESSION_MAX_AGE


DEFAULT_SESSION = SessionPolicy()
_USER_COLUMNS = (
    User.id, User.username, User.display_name, User.role, User.extension, User.interface, User.team,
    User.language,
)


@dataclass(frozen=True, slots=True)
class Session:
    user: UserInfo
    csrf_token: str
    expires_at: datetime


async def create_session(
    db: Database,
    user_id: int,
    *,
    now: datetime | None = None,
    policy: SessionPolicy = DEFAULT_SESSION,
) -> tuple[str, str]:
    """A new session for the user; returns (session id for the cookie, CSRF token). The
    user's expired sessions are cleared on the way."""
    now = now or now_utc()
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    row = {
        "id_hash": hash_token(session_id),
        "user_id": user_id,
        "csrf_token": csrf,
        "created_at": now,
        "last_seen_at": now,
        "expires_at": now + policy.max_age,
    }
    async with db.sessionmaker.begin() as session:
        await session.execute(
            delete(UserSession).where(UserSession.user_id == user_id, _expired(now, policy))
        )
        await session.execute(insert(UserSession).values(row))
    return session_id, csrf


def _expired(now: datetime, policy: SessionPolicy):
    return or_(UserSession.expires_at <= now, UserSession.last_seen_at <= now - policy.idle)


async def resolve_session(
    db: Database,
    session_id: str,
    *,
    now: datetime | None = None,
    policy: SessionPolicy = DEFAULT_SESSION,
) -> Session | None:
    """The live session with this id, of an active user, marked as seen now; else None."""
    now = now or now_utc()
    stmt = (
        update(UserSession)
        .where(
            UserSession.id_hash == hash_token(session_id),
            UserSession.user_id == User.id,
            User.active,
            ~_expired(now, policy),
        )
        .values(last_seen_at=now)
        .returning(*_USER_COLUMNS, UserSession.csrf_token, UserSession.expires_at)
    )
    async with db.sessionmaker.begin() as session:
        row = (await session.execute(stmt)).one_or_none()
    if row is None:
        return None
    *user, csrf, expires_at = row
    return Session(UserInfo(*user), csrf, expires_at)


async def end_session(db: Database, session_id: str) -> None:
    async with db.sessionmaker.begin() as session:
        await session.execute(
            delete(UserSession).where(UserSession.id_hash == hash_token(session_id))
        )
