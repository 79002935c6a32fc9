"""Wiring of recordings: the capture hears every typed AMI event of the bus; the converter
(unless another process runs it: ``python -m recordings work``) runs in the CTI server's
loop, its audio work in a process pool."""
from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from crm_core.db import Database
from ctiserver.ami import events as ev
from ctiserver.ami.client import AmiClient
from ctiserver.bus import EventBus
from recordings.capture import RecordingCapture
from recordings.journal import Journal, Policies
from recordings.storage import FolderStorage
from recordings.worker import Converter


def converter(db: Database, store_dir: Path, *, processes: int, bitrate: str,
              poll_interval: float) -> tuple[Converter, ProcessPoolExecutor]:
    """A converter and its pool (spawned processes: nothing of the event loop's is forked)."""
    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
    return Converter(Journal(db), FolderStorage(store_dir), pool, bitrate=bitrate,
                     poll_interval=poll_interval), pool


class RecordingsDomain:
    def __init__(self, bus: EventBus, ami: AmiClient, db: Database, *, spool: Path,
                 store_dir: Path, bitrate: str, processes: int, poll_interval: float,
                 convert: bool, background: Callable[[Awaitable[None]], None]) -> None:
        self.policies = Policies(db)
        self.capture = RecordingCapture(ami, Journal(db), self.policies, spool=spool,
                                        background=background)
        self.converter, self._pool = converter(
            db, store_dir, processes=processes, bitrate=bitrate,
            poll_interval=poll_interval) if convert else (None, None)
        self._task: asyncio.Task | None = None
        bus.subscribe(ev.AmiEvent, self.capture.handle)

    def start(self) -> None:
        if self.converter is not None:
            self._task = asyncio.create_task(self.converter.run(), name="recordings")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
