"""Keyword alert phrases per queue or campaign (``keyword_phrases``) and the calls they
flagged (``keyword_hits``), in PostgreSQL."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from crm_core.db import Database
from crm_core.models import Call, KeywordHit, KeywordPhrase
from recordings.alerts import Hit


@dataclass(frozen=True, slots=True)
class KeywordAlerted:
    """A call flagged: what its supervisors are told."""

    call_key: str
    queue: str | None
    agent: str | None
    """The agent's queue member interface, when the call's row is there to say."""
    phrase: str
    second: float


@dataclass(frozen=True, slots=True)
class FlaggedCall:
    call_key: str
    phrase: str
    second: float
    at: datetime


class Phrases:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def of(self, kind: str, name: str | None) -> list[str]:
        async with self._db.sessionmaker() as session:
            return list(await session.scalars(
                select(KeywordPhrase.phrase).where(KeywordPhrase.kind == kind,
                                                   KeywordPhrase.name == name)
                .order_by(KeywordPhrase.phrase)))

    async def put(self, kind: str, name: str, phrases: list[str]) -> None:
        """KIND NAME's phrases are PHRASES from now on."""
        async with self._db.sessionmaker.begin() as session:
            await session.execute(delete(KeywordPhrase).where(
                KeywordPhrase.kind == kind, KeywordPhrase.name == name))
            if phrases:
                await session.execute(insert(KeywordPhrase).values(
                    [dict(kind=kind, name=name, phrase=p) for p in phrases])
                    .on_conflict_do_nothing())

    async def everywhere(self) -> dict[str, dict[str, list[str]]]:
        """Kind -> name -> phrases."""
        found: dict[str, dict[str, list[str]]] = {"queue": {}, "campaign": {}}
        async with self._db.sessionmaker() as session:
            rows = await session.execute(select(
                KeywordPhrase.kind, KeywordPhrase.name, KeywordPhrase.phrase)
                .order_by(KeywordPhrase.kind, KeywordPhrase.name, KeywordPhrase.phrase))
        for kind, name, phrase in rows:
            found[kind].setdefault(name, []).append(phrase)
        return found

    async def alerted(self, call_key: str, queue: str | None, hit: Hit) -> KeywordAlerted:
        async with self._db.sessionmaker() as session:
            agent = await session.scalar(
                select(Call.agent_interface).where(Call.call_key == call_key))
        return KeywordAlerted(call_key, queue, agent, hit.phrase, hit.second)

    async def flagged(self, call_key: str) -> list[FlaggedCall]:
        async with self._db.sessionmaker() as session:
            rows = await session.scalars(select(KeywordHit).where(KeywordHit.call_key == call_key)
                                         .order_by(KeywordHit.second))
            return [FlaggedCall(r.call_key, r.phrase, r.second, r.created_at) for r in rows]
