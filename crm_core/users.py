"""Users (agents, supervisors, admins): accounts, API tokens and passwords."""
from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert

from callcenter.errors import Invalid
from crm_core.db import Database
from crm_core.models import User, UserSession
from crm_core.passwords import hash_password
from crm_core.values import UserInfo

ROLES = ("agent", "supervisor", "admin", "marketing")
EDITABLE_FIELDS = frozenset({"display_name", "role", "extension", "interface", "team", "active"})
"""What update_user may change besides the password."""


def hash_token(token: str) -> str:
    """sha256 hex: tokens are long and random, so a fast unsalted hash is enough to keep the
    stored form useless to whoever reads the database."""
    return hashlib.sha256(token.encode()).hexdigest()


def user_info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        extension=user.extension,
        interface=user.interface,
        team=user.team,
        language=user.language,
    )


async def _values(
    username: str,
    display_name: str,
    role: str,
    extension: str | None,
    interface: str | None,
    team: str | None,
    token: str,
    password: str | None,
) -> dict[str, Any]:
    values = {
        "username": username,
        "display_name": display_name,
        "role": role,
        "extension": extension,
        "interface": interface,
        "team": team,
        "api_token_hash": hash_token(token),
    }
    if password is not None:
        # argon2 takes tens of milliseconds of CPU: keep it off the event loop
        values["password_hash"] = await asyncio.to_thread(hash_password, password)
    return values


async def create_user(
    db: Database,
    username: str,
    *,
    display_name: str,
    role: str,
    extension: str | None = None,
    interface: str | None = None,
    team: str | None = None,
    password: str | None = None,
    token: str | None = None,
) -> tuple[int, str]:
    """Add a user; role is agent, supervisor, admin or marketing. Returns (id, API token); only hashes of
    the token and password are stored. Raises IntegrityError when the username or interface is
    taken."""
    token = token or secrets.token_urlsafe(32)
    values = await _values(
        username, display_name, role, extension, interface, team, token, password
    )
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
    team: str | None = None,
    password: str | None = None,
    token: str | None = None,
) -> tuple[int, str]:
    """Create the user, or update the one with this username (reactivating it); either way the
    API token is replaced, and the password too when one is given (ending the user's browser
    sessions). Returns (id, token)."""
    token = token or secrets.token_urlsafe(32)
    values = await _values(
        username, display_name, role, extension, interface, team, token, password
    )
    stmt = insert(User).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[User.username],
        set_={**{k: stmt.excluded[k] for k in values if k != "username"}, "active": True},
    ).returning(User.id)
    async with db.sessionmaker.begin() as session:
        user_id = await session.scalar(stmt)
        if password is not None:
            await session.execute(delete(UserSession).where(UserSession.user_id == user_id))
    return user_id, token


async def update_user(
    db: Database,
    username: str,
    changes: Mapping[str, Any],
    *,
    password: str | None = None,
) -> UserInfo | None:
    """Change fields (see EDITABLE_FIELDS) and optionally the password of the user with this
    username; None if there is none. A new password or deactivation ends the user's browser
    sessions. Raises IntegrityError when the interface is taken."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise Invalid("cannot change {fields}", fields=", ".join(sorted(unknown)))
    values = dict(changes)
    if password is not None:
        values["password_hash"] = await asyncio.to_thread(hash_password, password)
    async with db.sessionmaker.begin() as session:
        user = await session.scalar(select(User).where(User.username == username))
        if user is None:
            return None
        for name, value in values.items():
            setattr(user, name, value)
        if password is not None or values.get("active") is False:
            await session.execute(delete(UserSession).where(UserSession.user_id == user.id))
        await session.flush()
        return user_info(user)


async def set_language(db: Database, user_id: int, language: str | None) -> None:
    """Save the screens' language of the user (None: follow the browser)."""
    async with db.sessionmaker.begin() as session:
        await session.execute(update(User).where(User.id == user_id).values(language=language))


async def authenticate_token(db: Database, token: str) -> UserInfo | None:
    """The active user holding this API token, or None."""
    stmt = select(User).where(User.api_token_hash == hash_token(token), User.active)
    async with db.sessionmaker() as session:
        user = await session.scalar(stmt)
    return user_info(user) if user else None


async def users_by_interface(db: Database) -> dict[str, UserInfo]:
    """Active users that have a queue-member interface, keyed by it."""
    stmt = select(User).where(User.interface.is_not(None), User.active)
    async with db.sessionmaker() as session:
        users = await session.scalars(stmt)
        return {u.interface: user_info(u) for u in users}
