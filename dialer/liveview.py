"""The live campaign view's push (adapter): once a second, while anyone watches, every
campaign's counts from the database joined with the live figures of the runners of this
process (``dialer.live``) go to each ``/ws/campaigns`` client as one ``campaigns`` message."""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from ctiserver.web.hub import Client
from dialer.live import CampaignCounts, CampaignsUpdate, LiveBoard, combine

log = logging.getLogger(__name__)

Counts = Callable[[], Awaitable[Sequence[CampaignCounts]]]
"""``dialer.reportstore.campaign_counts`` with its database."""


class CampaignViewPublisher:
    def __init__(self, counts: Counts, board: LiveBoard, *, interval: float = 1.0,
                 clock: Callable[[], float] = time.time) -> None:
        self._counts = counts
        self._board = board
        self.interval = interval
        self._clock = clock
        self._clients: set[Client] = set()

    async def message(self) -> str:
        now = self._clock()
        update = CampaignsUpdate(now, tuple(combine(await self._counts(),
                                                    self._board.figures(now))))
        return json.dumps(update.payload(), ensure_ascii=False)

    async def add(self, client: Client) -> None:
        """A new watcher gets the figures at once."""
        self._clients.add(client)
        client.put(await self.message())

    def remove(self, client: Client) -> None:
        self._clients.discard(client)

    async def publish(self) -> None:
        if not self._clients:
            return
        text = await self.message()
        for client in list(self._clients):
            if not client.put(text):
                log.warning("campaign view of user %s cannot keep up; disconnecting",
                            client.user_id)
                self.remove(client)
                asyncio.ensure_future(client.socket.close(code=1013, message=b"too slow"))

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.publish()
            except Exception:
                log.exception("the campaign view's figures failed; trying again")

    async def close_all(self) -> None:
        await asyncio.gather(*(c.socket.close(code=1001, message=b"server shutdown")
                               for c in list(self._clients)), return_exceptions=True)
