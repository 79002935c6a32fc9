"""People in the CRM for a test: unique users with a known password, and their API header."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from crm_core.db import Database
from crm_core.users import create_user

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    password: str
    token: str


async def make_user(db: Database, role: str = "agent", *, team: str | None = None) -> Account:
    username = f"{role}-{uuid.uuid4().hex[:10]}"
    user_id, token = await create_user(
        db, username, display_name=username.title(), role=role, team=team, password=PASSWORD
    )
    return Account(user_id, username, PASSWORD, token)


def bearer(account: Account) -> dict[str, str]:
    """The API token header of ACCOUNT."""
    return {"Authorization": f"Bearer {account.token}"}
