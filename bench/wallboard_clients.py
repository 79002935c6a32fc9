"""Wallboard websockets for benchmarks, in their own process: N connections with one token.
Each update that reflects a change is timed against its ``event_at``; on a line on stdin the
latencies (seconds) are printed as one JSON list and the process ends."""
from __future__ import annotations

import asyncio
import json
import re
import sys
import time

import aiohttp

# The publisher writes its header first: {"type": "stats", "event_at": T, "changed": B, ...
HEADER = re.compile(r'\{"type": "stats", "event_at": (?P<at>[0-9.e+-]+), "changed": (?P<changed>true|false)')


async def wallboard(session: aiohttp.ClientSession, url: str, token: str, out: list[float]) -> None:
    async with session.ws_connect(f"{url}/ws/wallboard?token={token}", max_msg_size=0) as ws:
        async for message in ws:
            received = time.time()
            match = HEADER.match(message.data)
            if match and match["changed"] == "true":
                out.append(received - float(match["at"]))


async def main(url: str, token: str, count: int) -> None:
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = [asyncio.ensure_future(wallboard(session, url, token, latencies)) for _ in range(count)]
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        for task in tasks:
            task.cancel()
    print(json.dumps(latencies))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
