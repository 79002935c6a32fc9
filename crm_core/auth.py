"""Password login, slowed by growing delays (crm_core.throttling) instead of a hard lock.

Attempts are recorded by the username typed, whether it exists or not, and by the source
address, so the throttles and the answers look the same for unknown users. Three throttles:

- the address: failures from it over every name typed there (spraying many names is slowed),
  leaving out names that logged in from it before;
- the account: failures of the name from addresses it never logged in from (a success at an
  address makes it a usual one, which forgives the failures from there; the owner logging in
  elsewhere does not forgive an attacker's);
- the account at a usual address (one it logged in from successfully before): only its own
  failures from there since its last success from there count, and only this throttle applies
  there, so failures elsewhere (anyone's, any number) never keep the user out.

An attempt the throttles do not allow yet is refused without checking the password (and
without counting as a failure), with the time to wait: the web answers 429 with Retry-After;
nothing sleeps. Reaching a throttle's burst thresholds records a security event.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm_core.db import Database
from crm_core.models import LoginAttempt, User
from crm_core.passwords import check_password
from crm_core.securityevents import record_event
from crm_core.throttling import DEFAULT_THROTTLES, LoginThrottles, Throttle
from crm_core.users import user_info
from crm_core.values import UserInfo


@dataclass(frozen=True, slots=True)
class LoginResult:
    user: UserInfo | None = None
    retry_after: timedelta | None = None
    """How long until the next attempt will be checked (None: at once)."""
    throttled: bool = False
    """This attempt came too early: refused without checking the password."""


@dataclass(slots=True)
class _Key:
    """One throttle's view of an attempt: the failures that count for it."""

    kind: str
    """'address', 'account' or 'usual address' (the security events' kinds, with ' burst')."""
    throttle: Throttle
    failures: list[datetime] = field(default_factory=list)
    others: set[str] = field(default_factory=set)
    """Names typed (address) or addresses used (account) in those failures."""

    def next_attempt(self, *more: datetime) -> datetime | None:
        return self.throttle.next_attempt([*self.failures, *more])


def now_utc() -> datetime:
    return datetime.now(UTC)


async def login(
    db: Database,
    username: str,
    password: str,
    *,
    remote: str | None = None,
    now: datetime | None = None,
    throttles: LoginThrottles = DEFAULT_THROTTLES,
) -> LoginResult:
    """Check a password login; records the attempt and upgrades an outdated hash."""
    now = now or now_utc()
    async with db.sessionmaker() as session:
        keys = await _keys(session, username, remote, now, throttles)
        user = await session.scalar(select(User).where(User.username == username, User.active))
    wait = _wait(keys, now)
    if wait is not None:
        await _record(db, username, "throttled", remote, now)
        return LoginResult(retry_after=wait, throttled=True)
    stored = user.password_hash if user else None
    check = await asyncio.to_thread(check_password, stored, password)
    if not check.ok:
        await _record(db, username, "failure", remote, now, keys=keys)
        return LoginResult(retry_after=_wait(keys, now, now))
    await _record(db, username, "success", remote, now)
    if check.new_hash:
        await _store_hash(db, user.id, check.new_hash)
    return LoginResult(user=user_info(user))


def _wait(keys: list[_Key], now: datetime, *more: datetime) -> timedelta | None:
    until = max((t for key in keys if (t := key.next_attempt(*more))), default=None)
    return until - now if until and until > now else None


async def _keys(session: AsyncSession, username: str, remote: str | None, now: datetime,
                throttles: LoginThrottles) -> list[_Key]:
    """The throttles this attempt answers to, with the failures that count for each."""
    attempt, success = LoginAttempt, aliased(LoginAttempt)
    failed = attempt.outcome == "failure"
    # a success of the failure's name from the failure's address: its usual address
    usual_pair = exists().where(success.username == attempt.username,
                                success.remote == attempt.remote, success.outcome == "success")
    if remote is not None and await session.scalar(select(exists().where(
            attempt.username == username, attempt.remote == remote,
            attempt.outcome == "success"))):
        key = _Key("usual address", throttles.usual)
        rows = await session.execute(select(attempt.at, attempt.remote).where(
            failed, attempt.username == username, attempt.remote == remote,
            attempt.at > now - key.throttle.window, attempt.at > _last_success(username, remote)))
        _fill(key, rows)
        return [key]
    account = _Key("account", throttles.account)
    _fill(account, await session.execute(select(attempt.at, attempt.remote).where(
        failed, attempt.username == username, ~usual_pair,
        attempt.at > now - account.throttle.window)))
    if remote is None:
        return [account]
    address = _Key("address", throttles.address)
    _fill(address, await session.execute(select(attempt.at, attempt.username).where(
        failed, attempt.remote == remote, ~usual_pair,
        attempt.at > now - address.throttle.window)))
    return [account, address]


def _last_success(username: str, remote: str):
    return select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.remote == remote,
        LoginAttempt.outcome == "success").scalar_subquery()


def _fill(key: _Key, rows) -> None:
    for at, other in rows:
        key.failures.append(at)
        if other is not None:
            key.others.add(other)


async def _record(db: Database, username: str, outcome: str, remote: str | None, at: datetime,
                  *, keys: list[_Key] = ()) -> None:
    """Store the attempt; a failure that brings a throttle to a burst threshold also stores
    a security event (in the same transaction)."""
    row = {"username": username, "outcome": outcome, "remote": remote, "at": at}
    async with db.sessionmaker.begin() as session:
        await session.execute(insert(LoginAttempt).values(row))
        for key in keys:
            failures = len(key.failures) + 1
            if not key.throttle.is_burst(failures):
                continue
            others = key.others | {username if key.kind == "address" else remote or "?"}
            detail = {"usernames" if key.kind == "address" else "addresses": len(others),
                      "wait_seconds": key.throttle.delay(failures).total_seconds()}
            await record_event(session, f"{key.kind} burst", at=at, remote=remote,
                               username=None if key.kind == "address" else username,
                               failures=failures, detail=detail)


async def _store_hash(db: Database, user_id: int, password_hash: str) -> None:
    async with db.sessionmaker.begin() as session:
        await session.execute(
            update(User).where(User.id == user_id).values(password_hash=password_hash)
        )
