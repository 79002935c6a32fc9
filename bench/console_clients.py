"""Agent consoles for bench.console_pop, in their own process: one /ws/agent websocket per token
given (one agent each). Every pop is timed on arrival (time.time(), the clock the benchmark
compares with); for a known caller the console at once asks for the full customer card
(GET /api/customers/{id}, Bearer token) and times its arrival, body read and parsed. On a line
on stdin the pops are printed as one JSON list and the process ends."""
from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import aiohttp

SETTLE = 0.5
"""Seconds to go on reading after the stop line: frames already on the way."""
CARD_TIMEOUT = 10.0


async def card(session: aiohttp.ClientSession, url: str, token: str, pop: dict[str, Any]) -> None:
    try:
        async with session.get(f"{url}/api/customers/{pop['customer_id']}",
                               headers={"Authorization": f"Bearer {token}"}) as response:
            body = await response.json()
            pop["card_at"] = time.time()
            pop["status"] = response.status
            if response.status == 200:
                pop["timeline"] = len(body["timeline"])
                pop["tickets"] = len(body["tickets"])
                pop["callbacks"] = len(body["callbacks"])
    except Exception as exc:  # a figure, not a crash
        pop["error"] = repr(exc)


async def console(session: aiohttp.ClientSession, url: str, token: str,
                  pops: list[dict[str, Any]], cards: list[asyncio.Task]) -> None:
    interface = None
    async with session.ws_connect(f"{url}/ws/agent?token={token}", max_msg_size=0) as ws:
        async for message in ws:
            received = time.time()
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            kind = data.get("type")
            if kind == "hello":
                interface = data["interface"]
            elif kind == "pop":
                customer = data.get("customer")
                pop = {"call_id": data["call_id"], "interface": interface, "received": received,
                       "customer_id": customer["id"] if customer else None}
                pops.append(pop)
                if customer:
                    cards.append(asyncio.ensure_future(card(session, url, token, pop)))


async def main(url: str, tokens: list[str]) -> None:
    pops: list[dict[str, Any]] = []
    cards: list[asyncio.Task] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        sockets = [asyncio.ensure_future(console(session, url, t, pops, cards)) for t in tokens]
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        await asyncio.sleep(SETTLE)
        if cards:
            await asyncio.wait(cards, timeout=CARD_TIMEOUT)
        for task in sockets + cards:
            task.cancel()
        await asyncio.gather(*sockets, *cards, return_exceptions=True)
    print(json.dumps(pops))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2:]))
