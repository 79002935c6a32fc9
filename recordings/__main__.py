"""``python -m recordings work``: the converter as a process of its own (when the CTI server's
``recordings_worker`` is false, or to catch up), until SIGTERM or SIGINT; its keyword hits
reach the CTI server's wallboards over PostgreSQL (``recordings.alerts_channel``)."""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from callcenter.runtime import migrated_database
from callcenter.settings import get_settings
from callcenter.vosk_models import model_folders
from recordings.wiring import TranscriptionSettings, converter


async def work() -> None:
    settings = get_settings()
    db = await migrated_database(settings)
    worker, pool = converter(db, settings.effective_recordings_dir,
                             processes=settings.recordings_processes,
                             bitrate=settings.recordings_bitrate,
                             poll_interval=settings.recordings_poll_interval,
                             transcription=TranscriptionSettings(
                                 model_folders(settings.vosk_models),
                                 settings.transcription_language))
    task = asyncio.create_task(worker.run())
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, task.cancel)
    try:
        await asyncio.gather(task, return_exceptions=True)
    finally:
        pool.shutdown(cancel_futures=True)
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m recordings")
    parser.add_argument("command", choices=["work"], help="convert recordings until stopped")
    parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(work())


if __name__ == "__main__":
    main()
