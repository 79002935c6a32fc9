"""Server-side sessions on real PostgreSQL: idle and absolute expiry, logout, password change."""
from datetime import UTC, datetime, timedelta

from crm_core.db import Database
from crm_core.sessions import (
    SessionPolicy,
    create_session,
    end_session,
    resolve_session,
)
from crm_core.users import ensure_user, update_user
from tests.helpers.accounts import PASSWORD, make_user

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
POLICY = SessionPolicy(idle=timedelta(minutes=30), max_age=timedelta(hours=2))


async def test_session_resolves_to_its_user_with_a_csrf_token(db: Database) -> None:
    account = await make_user(db, team="red")
    session_id, csrf = await create_session(db, account.id)
    session = await resolve_session(db, session_id)
    assert session.user.id == account.id and session.user.team == "red"
    assert session.csrf_token == csrf and len(csrf) >= 40 and csrf != session_id
    assert await resolve_session(db, session_id + "x") is None


async def test_idle_sessions_expire(db: Database) -> None:
    account = await make_user(db)
    session_id, _ = await create_session(db, account.id, now=T0, policy=POLICY)
    later = T0 + timedelta(minutes=29)
    assert await resolve_session(db, session_id, now=later, policy=POLICY)  # and touches it
    assert await resolve_session(db, session_id, now=later + timedelta(minutes=29), policy=POLICY)
    gone = later + timedelta(minutes=60)
    assert await resolve_session(db, session_id, now=gone, policy=POLICY) is None


async def test_active_sessions_still_end_at_the_absolute_limit(db: Database) -> None:
    account = await make_user(db)
    session_id, _ = await create_session(db, account.id, now=T0, policy=POLICY)
    now = T0
    while now < T0 + POLICY.max_age - timedelta(minutes=20):
        now += timedelta(minutes=20)
        assert await resolve_session(db, session_id, now=now, policy=POLICY)
    end = T0 + POLICY.max_age
    assert await resolve_session(db, session_id, now=end, policy=POLICY) is None


async def test_logout_ends_only_that_session(db: Database) -> None:
    account = await make_user(db)
    first, _ = await create_session(db, account.id)
    second, _ = await create_session(db, account.id)
    await end_session(db, first)
    assert await resolve_session(db, first) is None
    assert await resolve_session(db, second)


async def test_new_password_or_deactivation_ends_all_sessions(db: Database) -> None:
    account = await make_user(db)
    session_id, _ = await create_session(db, account.id)
    await update_user(db, account.username, {}, password="another password")
    assert await resolve_session(db, session_id) is None
    session_id, _ = await create_session(db, account.id)
    await ensure_user(db, account.username, display_name="A", role="agent", password=PASSWORD)
    assert await resolve_session(db, session_id) is None
    session_id, _ = await create_session(db, account.id)
    await update_user(db, account.username, {"active": False})
    assert await resolve_session(db, session_id) is None
