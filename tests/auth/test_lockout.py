"""Login throttling on real PostgreSQL (the delay rules themselves are pure): growing delays per
source address and per account instead of a hard lock, the right password from the user's usual
address always works (no lockout DoS), spraying names from one address is slowed, bursts become
security events for admins. Over HTTP: 429 with a growing Retry-After, the client address behind
a trusted proxy."""
from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from argon2 import PasswordHasher
from sqlalchemy import select, update

from agent_console.login import LoginResource, wait_text
from callcenter.settings import Settings
from crm_core.auth import login
from crm_core.db import Database
from crm_core.models import LoginAttempt, User
from crm_core.passwords import DEFAULT_HASHER, hash_password
from crm_core.securityevents import recent_events
from crm_core.throttling import LoginThrottles, Throttle

from tests.helpers.accounts import make_user
from tests.helpers.webapp import build_app, form_csrf, log_in, route_owner

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)
THROTTLES = LoginThrottles(
    address=Throttle(free=6, base=10 * SECOND, cap=timedelta(minutes=10), window=HOUR),
    account=Throttle(free=3, base=10 * SECOND, cap=timedelta(minutes=10), window=HOUR),
    usual=Throttle(free=3, base=5 * SECOND, cap=timedelta(minutes=1), window=HOUR),
)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


_addresses = itertools.count()


def address() -> str:
    """A source address of its own (TEST-NET-2 and beyond), so tests never share a throttle."""
    n = next(_addresses)
    return f"198.51.{n // 250}.{n % 250 + 1}"


async def attempt(db: Database, username: str, password: str, second: float, remote: str):
    return await login(db, username, password, remote=remote, now=at(second), throttles=THROTTLES)


# --- the rules (pure) ---------------------------------------------------------------------------

def test_delays_start_after_the_free_failures_and_double_up_to_the_cap() -> None:
    rule = Throttle(free=3, base=SECOND, cap=60 * SECOND, window=timedelta(hours=1))
    assert [rule.delay(n).total_seconds() for n in range(9)] == [0, 0, 0, 1, 2, 4, 8, 16, 32]
    assert rule.delay(10) == rule.delay(10_000) == 60 * SECOND
    assert rule.next_attempt([at(0), at(5)]) is None
    assert rule.next_attempt([at(0), at(5), at(7), at(9)]) == at(9) + 2 * SECOND


def test_bursts_are_reported_when_the_count_reaches_the_free_failures_then_doubles() -> None:
    rule = Throttle(free=5, base=SECOND, cap=60 * SECOND, window=timedelta(hours=1))
    assert [n for n in range(1, 100) if rule.is_burst(n)] == [5, 10, 20, 40, 80]


# --- one account --------------------------------------------------------------------------------

async def test_failures_slow_the_account_down_without_locking_it(db: Database) -> None:
    account, remote = await make_user(db), address()
    for second in (0, 1):
        result = await attempt(db, account.username, "wrong", second, remote)
        assert result.user is None and result.retry_after is None and not result.throttled
    third = await attempt(db, account.username, "wrong", 2, remote)
    assert not third.throttled and third.retry_after == 10 * SECOND
    # too early: refused without a password check, even the right one; the wait does not grow
    early = await attempt(db, account.username, account.password, 7, remote)
    assert early.throttled and early.user is None and early.retry_after == 5 * SECOND
    again = await attempt(db, account.username, account.password, 9, remote)
    assert again.throttled and again.retry_after == 3 * SECOND
    # once the wait is over, the right password works
    assert (await attempt(db, account.username, account.password, 12, remote)).user


async def test_each_further_failure_doubles_the_wait(db: Database) -> None:
    name, remote, second, waits = f"nobody-{uuid.uuid4().hex[:8]}", address(), 0.0, []
    for _ in range(3):
        result = await attempt(db, name, "x", second, remote)
    for _ in range(4):
        waits.append(result.retry_after.total_seconds())
        second += waits[-1]
        result = await attempt(db, name, "x", second, remote)
        assert not result.throttled  # each came exactly when allowed
    assert waits == [10, 20, 40, 80]


async def test_a_success_forgives_the_failures_from_its_address(db: Database) -> None:
    account, remote, other = await make_user(db), address(), address()
    for second in (0, 1):
        await attempt(db, account.username, "wrong", second, remote)
    assert (await attempt(db, account.username, account.password, 2, remote)).user
    for second in (3, 4):
        assert (await attempt(db, account.username, "wrong", second, other)).retry_after is None
    # but not those from elsewhere: the owner logging in does not reset an attacker's count
    assert (await attempt(db, account.username, "wrong", 5, other)).retry_after == 10 * SECOND
    assert (await attempt(db, account.username, account.password, 6, remote)).user
    assert (await attempt(db, account.username, account.password, 7, other)).throttled


# --- no lockout DoS -----------------------------------------------------------------------------

async def test_nobody_can_keep_a_user_out_of_their_usual_address(db: Database) -> None:
    """Five wrong passwords used to lock an account for 15 minutes, even against its owner: now
    an attacker hammering every agent's account (from one address or many) slows only
    themselves; each agent logs in at once from where they logged in before."""
    victims = [await make_user(db) for _ in range(3)]
    homes = [address() for _ in victims]
    for victim, home in zip(victims, homes):
        assert (await attempt(db, victim.username, victim.password, 0, home)).user  # earlier
    attackers = [address() for _ in range(5)]
    refused = 0
    for round_ in range(20):  # 100 wrong passwords for each account, within 20 seconds
        for victim in victims:
            for attacker in attackers:
                result = await attempt(db, victim.username, "guess", 100 + round_, attacker)
                refused += result.throttled
    assert refused > 250  # most were not even checked
    for victim, home in zip(victims, homes):
        result = await attempt(db, victim.username, victim.password, 120, home)
        assert result.user is not None and result.user.id == victim.id
    # from a new address the account is throttled (that is where the attack comes from)
    elsewhere = await attempt(db, victims[0].username, victims[0].password, 121, address())
    assert elsewhere.throttled and elsewhere.user is None


async def test_unknown_names_lock_nobody_out(db: Database) -> None:
    victim, home, attacker = await make_user(db), address(), address()
    assert (await attempt(db, victim.username, victim.password, 0, home)).user
    for second in range(30):  # unknown names from the attacker's address
        await attempt(db, f"ghost-{uuid.uuid4().hex[:8]}", "x", 100 + second, attacker)
    assert (await attempt(db, victim.username, victim.password, 130, home)).user
    # the victim's own typos at home slow only that pair, and briefly
    for second in (131, 132, 133):
        await attempt(db, victim.username, "typo", second, home)
    typo = await attempt(db, victim.username, victim.password, 134, home)
    assert typo.throttled and typo.retry_after == 4 * SECOND
    assert (await attempt(db, victim.username, victim.password, 138, home)).user


# --- spraying from one address ------------------------------------------------------------------

async def test_spraying_many_names_from_one_address_is_slowed(db: Database) -> None:
    sprayer, bystander = address(), address()
    names = [f"spray-{uuid.uuid4().hex[:8]}" for _ in range(8)]
    results = [await attempt(db, name, "123456", index * 0.1, sprayer)
               for index, name in enumerate(names[:6])]
    assert all(r.retry_after is None for r in results[:5])
    assert results[5].retry_after == 10 * SECOND  # the sixth name: the address's free failures
    slowed = await attempt(db, names[6], "123456", 1, sprayer)  # a name never tried before
    assert slowed.throttled and slowed.retry_after == timedelta(seconds=9.5)
    # another address, and the sprayed names from it, are not slowed
    assert (await attempt(db, names[7], "123456", 1, bystander)).retry_after is None
    events = [e for e in await recent_events(db, limit=500) if e["remote"] == sprayer]
    assert [(e["kind"], e["failures"], e["detail"]["usernames"]) for e in events] == [
        ("address burst", 6, 6)]


async def test_bursts_against_an_account_are_security_events(db: Database) -> None:
    account = await make_user(db)
    attackers = [address() for _ in range(3)]
    second = 0.0
    for index in range(6):  # the 3rd and the 6th failure: a burst, then twice as many
        result = await attempt(db, account.username, "guess", second, attackers[index % 3])
        second += result.retry_after.total_seconds() if result.retry_after else 1
    events = [e for e in await recent_events(db, limit=500) if e["username"] == account.username]
    assert [(e["kind"], e["failures"], e["detail"]["addresses"]) for e in events] == [
        ("account burst", 6, 3), ("account burst", 3, 3)]
    assert events[0]["detail"]["wait_seconds"] == 80


# --- as before ----------------------------------------------------------------------------------

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


# --- over HTTP ----------------------------------------------------------------------------------

@pytest_asyncio.fixture(loop_scope="session")
async def proxied(settings: Settings, db: Database) -> AsyncIterator[TestClient]:
    """The production app behind a trusted proxy (this test client), with the short test
    throttles: X-Forwarded-For says which address each request comes from."""
    app = build_app(settings.model_copy(update={"trusted_proxies": ["127.0.0.1"]}), db)
    route_owner(app, LoginResource).throttles = THROTTLES
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def post_from(client: TestClient, remote: str, username: str, password: str):
    page = await client.get("/login")
    data = {"csrf_token": form_csrf(await page.text()), "username": username, "password": password}
    return await client.post("/login", data=data, allow_redirects=False,
                             headers={"X-Forwarded-For": f"10.9.9.9, {remote}"})


async def test_too_early_is_429_with_a_growing_retry_after(
        proxied: TestClient, db: Database) -> None:
    victim, home, attacker = await make_user(db), address(), address()
    assert (await post_from(proxied, home, victim.username, victim.password)).status == 303
    proxied.session.cookie_jar.clear()
    statuses = [(await post_from(proxied, attacker, victim.username, "guess")).status
                for _ in range(3)]
    assert statuses == [401, 401, 401]
    refused = await post_from(proxied, attacker, victim.username, "guess")
    assert refused.status == 429 and 1 <= int(refused.headers["Retry-After"]) <= 10
    assert "Too many failed logins. Try again in" in await refused.text()
    # the right password from the victim's usual address works at once (no lockout DoS)
    assert (await post_from(proxied, home, victim.username, victim.password)).status == 303
    proxied.session.cookie_jar.clear()
    # the attacker's wait grows with each failure it is allowed to make
    async with db.sessionmaker.begin() as session:  # as if the first wait were over
        await session.execute(update(LoginAttempt).where(
            LoginAttempt.username == victim.username, LoginAttempt.remote == attacker)
            .values(at=LoginAttempt.at - timedelta(seconds=11)))
    fourth = await post_from(proxied, attacker, victim.username, "guess")
    assert fourth.status == 401 and "Wait 20 seconds before the next try." in await fourth.text()
    refused = await post_from(proxied, attacker, victim.username, "guess")
    assert refused.status == 429 and 10 < int(refused.headers["Retry-After"]) <= 20


async def test_admins_see_the_bursts(proxied: TestClient, db: Database) -> None:
    sprayer = address()
    for index in range(6):
        await post_from(proxied, sprayer, f"spray-{uuid.uuid4().hex[:8]}", "letmein")
    agent, admin = await make_user(db), await make_user(db, "admin")
    await log_in(proxied, agent)
    assert (await proxied.get("/admin/security/events")).status == 403
    proxied.session.cookie_jar.clear()
    await log_in(proxied, admin)
    response = await proxied.get("/admin/security/events", params={"limit": "500"})
    assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
    mine = [e for e in (await response.json())["events"] if e["remote"] == sprayer]
    assert [(e["kind"], e["failures"], e["detail"]["usernames"]) for e in mine] == [
        ("address burst", 6, 6)]
    for params, field in (({"limit": "0"}, "limit"), ({"limit": "many"}, "limit"),
                          ({"since": "2026-05-04T09:00:00"}, "since"), ({"since": "x"}, "since")):
        refused = await proxied.get("/admin/security/events", params=params)
        assert refused.status == 400, params
        assert (await refused.json())["error"].startswith(f"{field}: "), params
    since = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    later = await proxied.get("/admin/security/events", params={"since": since})
    assert (await later.json())["events"] == []


async def test_forwarded_for_counts_only_from_a_trusted_proxy(
        client: TestClient, db: Database) -> None:
    account = await make_user(db)
    response = await post_from(client, "203.0.113.77", account.username, account.password)
    assert response.status == 303  # the production default trusts no proxy: the peer counts
    async with db.sessionmaker() as session:
        remotes = set(await session.scalars(select(LoginAttempt.remote).where(
            LoginAttempt.username == account.username)))
    assert remotes == {"127.0.0.1"}


def test_waits_are_told_rounded_up() -> None:
    assert wait_text(timedelta(seconds=0.2)) == "1 second"
    assert wait_text(timedelta(seconds=61)) == "61 seconds"
    assert wait_text(timedelta(seconds=121)) == "3 minutes"
