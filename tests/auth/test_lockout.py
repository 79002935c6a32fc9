"""Login with lockout on real PostgreSQL; the lock rule itself is pure."""
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import select, update

from crm_core.auth import LockoutPolicy, locked_until, login
from crm_core.db import Database
from crm_core.models import User
from crm_core.passwords import DEFAULT_HASHER, hash_password
from tests.helpers.accounts import make_user

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
POLICY = LockoutPolicy(max_failures=3, window=timedelta(minutes=5), duration=timedelta(minutes=10))


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_lock_needs_max_failures_within_the_window() -> None:
    assert locked_until([], POLICY) is None
    assert locked_until([at(0), at(10)], POLICY) is None
    assert locked_until([at(0), at(10), at(20)], POLICY) == at(20) + POLICY.duration
    spread = [at(0), at(200), at(400)]  # never three within five minutes
    assert locked_until(spread, POLICY) is None


async def test_failures_lock_then_the_lock_expires(db: Database) -> None:
    account = await make_user(db)
    for second in (0, 1):
        result = await login(db, account.username, "wrong", now=at(second), policy=POLICY)
        assert result.user is None and result.locked_until is None
    third = await login(db, account.username, "wrong", now=at(2), policy=POLICY)
    assert third.locked_until == at(2) + POLICY.duration
    during = await login(db, account.username, account.password, now=at(60), policy=POLICY)
    assert during.user is None and during.locked_until == third.locked_until
    after = await login(db, account.username, account.password, now=at(2 + 601), policy=POLICY)
    assert after.user is not None and after.user.id == account.id


async def test_success_resets_the_count(db: Database) -> None:
    account = await make_user(db)
    for second in (0, 1):
        await login(db, account.username, "wrong", now=at(second), policy=POLICY)
    assert (await login(db, account.username, account.password, now=at(2), policy=POLICY)).user
    result = await login(db, account.username, "wrong", now=at(3), policy=POLICY)
    assert result.locked_until is None


async def test_unknown_usernames_lock_the_same_way(db: Database) -> None:
    for second in range(3):
        result = await login(db, "nobody-at-all", "x", now=at(1000 + second), policy=POLICY)
    assert result.locked_until == at(1002) + POLICY.duration


async def test_inactive_users_cannot_log_in(db: Database) -> None:
    account = await make_user(db)
    async with db.sessionmaker.begin() as session:
        await session.execute(update(User).where(User.id == account.id).values(active=False))
    assert (await login(db, account.username, account.password)).user is None


async def test_login_upgrades_an_outdated_hash(db: Database) -> None:
    account = await make_user(db)
    weak = hash_password(account.password, PasswordHasher(time_cost=1, memory_cost=8192))
    async with db.sessionmaker.begin() as session:
        await session.execute(update(User).where(User.id == account.id).values(password_hash=weak))
    assert (await login(db, account.username, account.password)).user
    async with db.sessionmaker() as session:
        stored = await session.scalar(select(User.password_hash).where(User.id == account.id))
    assert stored != weak and not DEFAULT_HASHER.check_needs_rehash(stored)
