"""Retention: a job that, every interval (an hour by default), deletes the recordings whose
policy's days have run out (``keep_until`` passed, ``recordings.policy.expired``): the file
first, then in one transaction the row (its waveform with it) and the audit log's entry with
the system as the actor; a crash between the two leaves a row whose file is gone, deleted
again on the next run."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from recordings.access import Action
from recordings.playback_store import SYSTEM, AuditEntry, PlaybackStore, StoredInfo
from recordings.storage import Storage

log = logging.getLogger(__name__)

BATCH = 500
"""Recordings deleted per look; a larger backlog goes in several."""


class Retention:
    def __init__(self, store: PlaybackStore, storage: Storage, *, interval: float,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._store = store
        self._storage = storage
        self._interval = interval
        self._clock = clock
        self._sleep = sleep

    async def run(self) -> None:
        """Delete what has expired, every interval, until cancelled."""
        while True:
            try:
                await self.delete_expired()
            except Exception:
                log.exception("deleting expired recordings failed; trying again later")
            await self._sleep(self._interval)

    async def delete_expired(self) -> list[StoredInfo]:
        """Everything expired by now; what was deleted."""
        deleted: list[StoredInfo] = []
        while batch := await self._store.expired(self._clock(), BATCH):
            for recording in batch:
                await self._delete(recording)
            deleted += batch
        return deleted

    async def _delete(self, recording: StoredInfo) -> None:
        self._storage.delete(recording.storage_key)
        until = recording.keep_until.isoformat() if recording.keep_until else None
        await self._store.delete(recording, AuditEntry(
            self._clock(), SYSTEM, Action.DELETE, True, recording.id, recording.call_key,
            None, f"retention: kept until {until}"))
        log.info("recording %s (call %s) expired: deleted", recording.id, recording.call_key)
