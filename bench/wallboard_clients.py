"""Wallboard websockets for benchmarks, in their own process: N connections with one token.
Every message is timed on arrival (time.time(), the clock the benchmark compares with) and
filed under its ``event_at`` (as written, which names the update). On a line on stdin the
connections go on reading for a moment (updates already on the way), then the process prints
one JSON object and ends: {"received": {event_at: [arrival, ...]}, "closed": [close code of
each connection the server closed before the stop]}."""
from __future__ import annotations

import asyncio
import json
import re
import sys
import time

import aiohttp

# The publisher writes its header first: {"v": 1, "type": "stats", "event_at": T, "changed": B, ...
HEADER = re.compile(r'\{(?:"v": \d+, )?"type": "stats", "event_at": (?P<at>[0-9.e+-]+), '
                    r'"changed": (?P<changed>true|false)')
SETTLE = 0.5
"""Seconds to go on reading after the stop line."""


async def wallboard(session: aiohttp.ClientSession, url: str, token: str,
                    received: dict[str, list[float]], closed: list[int | None]) -> None:
    async with session.ws_connect(f"{url}/ws/wallboard?token={token}", max_msg_size=0) as ws:
        async for message in ws:
            at = time.time()
            match = HEADER.match(message.data) if message.type == aiohttp.WSMsgType.TEXT else None
            if match:
                received.setdefault(match["at"], []).append(round(at, 6))
        closed.append(ws.close_code)


async def main(url: str, token: str, count: int) -> None:
    received: dict[str, list[float]] = {}
    closed: list[int | None] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = [asyncio.ensure_future(wallboard(session, url, token, received, closed))
                 for _ in range(count)]
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        await asyncio.sleep(SETTLE)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps({"received": received, "closed": closed}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
