"""Users and API tokens on real PostgreSQL."""
from sqlalchemy import select, update

from crm_core.db import Database
from crm_core.models import User
from crm_core.users import (
    UserInfo,
    authenticate_token,
    create_user,
    ensure_user,
    hash_token,
    users_by_interface,
)
from tests.helpers.records import unique


def test_hash_token_is_sha256_hex() -> None:
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


async def test_token_authenticates_its_user_only(db: Database) -> None:
    username, interface = unique("anna"), unique("Local/1001@sim-agent/n")
    user_id, token = await create_user(
        db, username, display_name="Anna Ä", role="agent", extension="1001", interface=interface
    )
    assert len(token) >= 40
    assert await authenticate_token(db, token) == UserInfo(
        user_id, username, "Anna Ä", "agent", "1001", interface
    )
    assert await authenticate_token(db, token + "x") is None
    assert await authenticate_token(db, "") is None


async def test_only_the_hash_is_stored(db: Database) -> None:
    user_id, token = await create_user(db, unique("sup"), display_name="S", role="supervisor")
    async with db.sessionmaker() as session:
        stored = await session.scalar(select(User.api_token_hash).where(User.id == user_id))
    assert stored == hash_token(token) != token


async def test_inactive_users_are_rejected(db: Database) -> None:
    user_id, token = await create_user(db, unique("gone"), display_name="G", role="agent")
    async with db.sessionmaker.begin() as session:
        await session.execute(update(User).where(User.id == user_id).values(active=False))
    assert await authenticate_token(db, token) is None


async def test_ensure_user_updates_and_resets_the_token(db: Database) -> None:
    username, interface = unique("demo"), unique("PJSIP/demo")
    first_id, old_token = await ensure_user(db, username, display_name="Old", role="agent")
    again_id, new_token = await ensure_user(
        db, username, display_name="New", role="admin", interface=interface, token="fixed-token"
    )
    assert (again_id, new_token) == (first_id, "fixed-token")
    assert await authenticate_token(db, old_token) is None
    info = await authenticate_token(db, new_token)
    assert (info.display_name, info.role, info.interface) == ("New", "admin", interface)


async def test_users_by_interface(db: Database) -> None:
    interface = unique("PJSIP/1001")
    user_id, _ = await create_user(
        db, unique("agent"), display_name="A", role="agent", interface=interface
    )
    users = await users_by_interface(db)
    assert users[interface].id == user_id
    assert None not in users
