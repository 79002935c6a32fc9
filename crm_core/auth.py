"""Password login with lockout after repeated failures.

Attempts are recorded by the username typed, whether it exists or not, so the lockout and the
answers look the same for unknown users. A lock starts when LOCKOUT_MAX_FAILURES failures (since
the last success) fall within LOCKOUT_WINDOW, and lasts LOCKOUT_DURATION from the last of them.
Attempts during a lock are refused without checking the password and do not extend it.
"""
from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select, update

from crm_core.db import Database
from crm_core.models import LoginAttempt, User
from crm_core.passwords import check_password
from crm_core.users import user_info
from crm_core.values import UserInfo

LOCKOUT_MAX_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
LOCKOUT_DURATION = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    max_failures: int = LOCKOUT_MAX_FAILURES
    window: timedelta = LOCKOUT_WINDOW
    duration: timedelta = LOCKOUT_DURATION


DEFAULT_LOCKOUT = LockoutPolicy()


@dataclass(frozen=True, slots=True)
class LoginResult:
    user: UserInfo | None = None
    locked_until: datetime | None = None
    """Set when the account is locked now (also right after the failure that locked it)."""


def locked_until(failures: Sequence[datetime], policy: LockoutPolicy) -> datetime | None:
    """End of the lock the failures (those since the last success) cause, or None."""
    if not failures:
        return None
    last = max(failures)
    burst = [at for at in failures if at > last - policy.window]
    return last + policy.duration if len(burst) >= policy.max_failures else None


def now_utc() -> datetime:
    return datetime.now(UTC)


async def login(
    db: Database,
    username: str,
    password: str,
    *,
    remote: str | None = None,
    now: datetime | None = None,
    policy: LockoutPolicy = DEFAULT_LOCKOUT,
) -> LoginResult:
    """Check a password login; records the attempt and upgrades an outdated hash."""
    now = now or now_utc()
    failures = await _failures_since_success(db, username, now - policy.window - policy.duration)
    until = locked_until(failures, policy)
    if until and until > now:
        await _record(db, username, "locked", remote, now)
        return LoginResult(locked_until=until)
    async with db.sessionmaker() as session:
        user = await session.scalar(select(User).where(User.username == username, User.active))
    stored = user.password_hash if user else None
    check = await asyncio.to_thread(check_password, stored, password)
    if not check.ok:
        await _record(db, username, "failure", remote, now)
        until = locked_until([*failures, now], policy)
        return LoginResult(locked_until=until if until and until > now else None)
    await _record(db, username, "success", remote, now)
    if check.new_hash:
        await _store_hash(db, user.id, check.new_hash)
    return LoginResult(user=user_info(user))


async def _failures_since_success(db: Database, username: str, since: datetime) -> list[datetime]:
    last_success = (
        select(func.max(LoginAttempt.at))
        .where(LoginAttempt.username == username, LoginAttempt.outcome == "success")
        .scalar_subquery()
    )
    stmt = select(LoginAttempt.at).where(
        LoginAttempt.username == username,
        LoginAttempt.outcome == "failure",
        LoginAttempt.at > since,
        LoginAttempt.at > func.coalesce(last_success, since),
    )
    async with db.sessionmaker() as session:
        return list(await session.scalars(stmt))


async def _record(
    db: Database, username: str, outcome: str, remote: str | None, at: datetime
) -> None:
    row = {"username": username, "outcome": outcome, "remote": remote, "at": at}
    async with db.sessionmaker.begin() as session:
        await session.execute(insert(LoginAttempt).values(row))


async def _store_hash(db: Database, user_id: int, password_hash: str) -> None:
    async with db.sessionmaker.begin() as session:
        await session.execute(
            update(User).where(User.id == user_id).values(password_hash=password_hash)
        )
