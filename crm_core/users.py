"""Users (agents, supervisors, admins) and their API tokens."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from crm_core.db import Database
from crm_core.models import User


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: str
    extension: str | None
    interface: str | None


def hash_token(token: str) -> str:
    """sha256 hex: tokens are long and random, so a fast unsalted hash is enough to keep the
    stored form useless to whoever reads the database."""
    return hashlib.sha256(token.encode()).hexdigest()


def _user_info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        extension=user.extension,
        interface=user.interface,
    )


def _values(
    username: str,
    display_name: str,
    role: str,
    extension: str | None,
    interface: str | None,
    token: str,
) -> dict[str, Any]:
    return {
        "username": username,
        "display_name": display_name,
        "role": role,
        "extension": extension,
        "interface": interface,
        "api_token_hash": hash_token(token),
    }


async def create_user(
    db: Database,
    username: str,
    *,
    display_name: str,
    role: str,
    extension: str | None = None,
    interface: str | None = None,
    token: str | None = None,
) -> tuple[int, str]:
    """Add a user; role is agent, supervisor or admin. Returns (id, API token); only the token's
    hash is stored. Raises IntegrityError when the username or interface is taken."""
    token = token or secrets.token_urlsafe(32)
    values = _values(username, display_name, role, extension, interface, token)
    async with db.sessionmaker.begin() as session:
        user_id = await session.scalar(insert(User).values(values).returning(User.id))
    return user_id, token


async def ensure_user(
    db: Database,
    username: str,
    *,
    display_name: str,
    role: str,
    extension: str | None = None,
    interface: str | None = None,
    token: str | None = None,
) -> tuple[int, str]:
    """Create the user, or update the one with this username (reactivating it); either way the
    API token is replaced. Returns (id, token)."""
    token = token or secrets.token_urlsafe(32)
    values = _values(username, display_name, role, extension, interface, token)
    stmt = insert(User).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[User.username],
        set_={**{k: stmt.excluded[k] for k in values if k != "username"}, "active": True},
    ).returning(User.id)
    async with db.sessionmaker.begin() as session:
        user_id = await session.scalar(stmt)
    return user_id, token


async def authenticate_token(db: Database, token: str) -> UserInfo | None:
    """The active user holding this API token, or None."""
    stmt = select(User).where(User.api_token_hash == hash_token(token), User.active)
    async with db.sessionmaker() as session:
        user = await session.scalar(stmt)
    return _user_info(user) if user else None


async def users_by_interface(db: Database) -> dict[str, UserInfo]:
    """Active users that have a queue-member interface, keyed by it."""
    stmt = select(User).where(User.interface.is_not(None), User.active)
    async with db.sessionmaker() as session:
        users = await session.scalars(stmt)
        return {u.interface: _user_info(u) for u in users}
