"""Keyword alerts between processes, over PostgreSQL's LISTEN/NOTIFY: the converter, wherever
it runs (in the CTI server or as ``python -m recordings work``), sends each new hit on the
channel ``keyword_alerts``; the CTI server listens and tells the wallboards. The payload is a
typed message as the sockets' are, ``{"v": 1, "type": "keyword_alert", ...}``."""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import asdict

import asyncpg
from pydantic import TypeAdapter
from sqlalchemy import func, select

from crm_core.db import Database
from recordings.alerts_store import KeywordAlerted

log = logging.getLogger(__name__)

CHANNEL = "keyword_alerts"
APPLICATION_NAME = "callcenter keyword alerts"
"""The listener's connection, as pg_stat_activity names it."""
RETRY_SECONDS = 1.0
"""Between attempts to (re)connect the listener."""


ENVELOPE = {"v": 1, "type": "keyword_alert"}
_ALERTED = TypeAdapter(KeywordAlerted)


async def send_alert(db: Database, alerted: KeywordAlerted) -> None:
    """ALERTED to every process listening (delivered when this statement commits: at once)."""
    payload = json.dumps({**ENVELOPE, **asdict(alerted)}, ensure_ascii=False)
    async with db.autocommit.connect() as connection:
        await connection.execute(select(func.pg_notify(CHANNEL, payload)))


class AlertListener:
    """Hears the alerts sent on the database at DSN (a plain ``postgresql://`` URL), on a
    connection of its own, reconnected whenever it is lost (alerts sent meanwhile are not
    heard: the calls stay flagged in ``keyword_hits``)."""

    def __init__(self, dsn: str, on_alert: Callable[[KeywordAlerted], None]) -> None:
        self._dsn = dsn
        self._on_alert = on_alert
        self.listening = asyncio.Event()
        """Set while the listener is subscribed."""

    async def run(self) -> None:
        while True:
            try:
                await self._listen()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("keyword alerts: not listening (%s); trying again", exc)
            self.listening.clear()
            await asyncio.sleep(RETRY_SECONDS)

    async def _listen(self) -> None:
        connection = await asyncpg.connect(
            self._dsn, server_settings={"application_name": APPLICATION_NAME})
        try:
            lost = asyncio.Event()
            connection.add_termination_listener(lambda _: lost.set())
            await connection.add_listener(CHANNEL, self._heard)
            self.listening.set()
            await lost.wait()
        finally:
            await connection.close()

    def _heard(self, connection: object, pid: int, channel: str, payload: str) -> None:
        try:
            data = json.loads(payload)
            if {key: data.pop(key, None) for key in ENVELOPE} != ENVELOPE:
                raise ValueError("not a keyword alert of version 1")
            alerted = _ALERTED.validate_python(data)
        except (ValueError, AttributeError, TypeError):  # JSON, pydantic's ValidationError too
            log.error("keyword alerts: a notice not understood: %r", payload[:200])
            return
        self._on_alert(alerted)
