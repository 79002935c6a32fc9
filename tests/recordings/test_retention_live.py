"""Retention on the real product's storage and PostgreSQL: the job deletes an expired
recording (file, row, waveform) and logs it with the system as the actor; a fresh one and
one kept without end stay."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from recordings.retention import Retention

from tests.helpers.accounts import make_user
from tests.helpers.playback import audit_of, recording_row, stored_call_recording

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_retention_deletes_the_expired_and_keeps_the_fresh(cti, db, tmp_path: Path) -> None:
    agent = await make_user(db, "agent")
    domain = cti.server.recordings
    now = datetime.now(timezone.utc)
    expired = await stored_call_recording(db, domain.storage, agent, tmp_path,
                                          keep_until=now - timedelta(minutes=1))
    fresh = await stored_call_recording(db, domain.storage, agent, tmp_path,
                                        keep_until=now + timedelta(days=30))
    kept = await stored_call_recording(db, domain.storage, agent, tmp_path)

    deleted = await Retention(domain.playback_store, domain.storage, interval=3600,
                              clock=lambda: now).delete_expired()

    assert expired.id in [r.id for r in deleted]
    assert not {fresh.id, kept.id} & {r.id for r in deleted}
    assert await recording_row(db, expired.id) is None
    assert not domain.storage.path(expired.storage_key).exists()
    for staying in (fresh, kept):
        assert await recording_row(db, staying.id) is not None
        assert domain.storage.path(staying.storage_key).exists()
    [entry] = await audit_of(db, expired.id)
    assert (entry.actor, entry.user_id, entry.action, entry.allowed) == ("system", None, "delete", True)
    assert entry.call_key == expired.call_key and entry.detail.startswith("retention: kept until")
