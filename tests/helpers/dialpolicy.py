"""The dial policy in a test: a fresh team (non-ASCII), its console agent, and the audit log's
rows of one user as the CRM holds them."""
from __future__ import annotations

import uuid
from typing import Any

from crm_core.db import Database
from crm_core.dialpolicies import DialFilter, dial_attempts
from crm_core.users import update_user

from tests.helpers.console import ConsoleAgent, console_agent

PREMIUM = "09001234567"
"""A German premium-rate number (0900): the built-in default refuses it."""
FRENCH = "+33142345678"
"""A Paris landline: no national number in Germany."""


def new_team() -> str:
    return f"Vertrieb 张伟 😀 {uuid.uuid4().hex[:6]}"


async def team_agent(db: Database, ext: str, team: str, queue: str = "") -> ConsoleAgent:
    """A console agent (tests.helpers.console) on simulated extension EXT, in TEAM, who works
    QUEUE (none: dials out only)."""
    agent = await console_agent(db, ext, queue)
    await update_user(db, agent.username, {"team": team})
    return agent


async def attempts_of(db: Database, username: str) -> list[dict[str, Any]]:
    """USERNAME's dial attempts in the audit log, newest first."""
    rows, _ = await dial_attempts(db, DialFilter(viewer=0, username=username))
    return rows
