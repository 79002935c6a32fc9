"""Wallboard websockets for benchmarks, in their own process: N connections with one token.
Each update that reflects a change is timed against its ``event_at``; on a line on stdin the
latencies (seconds) are printed as one JSON list and the process ends."""
from __future__ import annotations

import asyncio
import json
import sys
import time

import aiohttp


async def wallboard(session: aiohttp.ClientSession, url: str, token: str, out: list[float]) -> None:
    async with session.ws_connect(f"{url}/ws/wallboard?token={token}", max_msg_size=0) as ws:
        async for message in ws:
            received = time.time()
            data = json.loads(message.data)
            if data.get("type") == "stats" and data.get("changed"):
                out.append(received - data["event_at"])


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
