"""Websocket consoles for benchmarks, in their own process: connect with each token given and
read until killed. Prints one line per second with the number of messages received."""
from __future__ import annotations

import asyncio
import sys

import aiohttp


async def console(session: aiohttp.ClientSession, url: str, token: str, counter: list[int]) -> None:
    async with session.ws_connect(f"{url}/ws/agent?token={token}", max_msg_size=0) as ws:
        async for _ in ws:
            counter[0] += 1


async def main(url: str, tokens: list[str]) -> None:
    counter = [0]
    async with aiohttp.ClientSession() as session:
        tasks = [asyncio.ensure_future(console(session, url, t, counter)) for t in tokens]
        while True:
            await asyncio.sleep(1)
            print(counter[0], flush=True)
            if all(t.done() for t in tasks):
                return


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2:]))
