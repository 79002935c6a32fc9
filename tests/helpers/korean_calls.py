"""Recorded calls in Korean on the real Asterisk: a queue whose calls are recorded and
transcribed in Korean, and a caller whose phone says espeak-ng's Korean to the agent."""
from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence

from asterisk_conf.sandbox_config import sound_file
from asterisk_conf.simulation import caller_originate
from ctiserver.ami import events as ev
from recordings.policy import Mode, RecordingPolicy

from tests.helpers.product import add_members, new_number, remove_members
from tests.helpers.speech import KO_SPOKEN, speak_korean
from tests.helpers.waiting import BusWatch


async def korean_queue(cti, new_queue: Callable[..., Awaitable[str]],
                       phrases: Sequence[str] = ()) -> str:
    """A fresh queue recording every call, transcribed in Korean, alerting on PHRASES."""
    recordings = cti.server.recordings
    queue = await new_queue("ko", product=cti)
    await recordings.policies.put("queue", queue, RecordingPolicy(Mode.ALL), language="ko")
    await recordings.phrases.put("queue", queue, list(phrases))
    return queue


async def korean_call(cti, queue: str, ext: str, *, talk: float = 1) -> str:
    """A call to the simulated agent EXT through QUEUE: the caller's phone says KO_SPOKEN as
    the agent answers, the caller hangs up TALK seconds after; the call's key, once it ended."""
    server = cti.server
    host_path, played = sound_file(server.settings, f"ko-{uuid.uuid4().hex}")
    speak_korean(KO_SPOKEN, host_path)
    channel_id = str(uuid.uuid4())
    await add_members(cti, queue, [ext])
    try:
        with BusWatch(server.bus) as watch:
            await server.ami.originate(caller_originate(
                queue, number=new_number(), name="Jürgen 张伟", patience=60, ring=0.5,
                talk=talk, hangup_by="caller", channel_id=channel_id, sound=played))
            await watch.first(ev.AgentCompleted, "the call to end", 30 + talk,
                              where=lambda e: e.queue == queue)
    finally:
        await remove_members(cti, queue, [ext])
    return f"{channel_id};2"  # the queue caller's uniqueid
