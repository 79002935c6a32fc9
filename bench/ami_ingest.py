"""AMI ingest: bare panoramisk against the full CTI pipeline, on a real Asterisk 22 capture.

Both read the same recorded AMI stream (400 calls, ~25k messages) over loopback TCP from a
replaying server, in the same run:
  (a) bare panoramisk 1.4: its protocol parses and its Manager dispatches every event to a
      callback (one that does nothing);
  (b) the CTI server: parse, typed events, CallTracker, stats hooks, screen pops fanned out to
      100 websocket clients (10 consoles per agent, in a separate process), and every finished
      call written to the real PostgreSQL through the batching CRM writer. A pass ends when
      the last call is in the database and every websocket outbox is empty.
Prints messages/s of each and the ratio b/a; the last line is JSON.

    python -m bench.ami_ingest [--passes N]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from panoramisk import Manager
from sqlalchemy import text

from bench.replay import ReplayServer, count_messages, load_capture
from ctiserver.ami.events import AmiEvent
from callcenter.runtime import Running, start_services
from callcenter.settings import Settings
from crm_core.db import create_database, ensure_embedded_postgres, open_database, upgrade, with_database
from crm_core.users import ensure_user
from ctiserver.ami import events as ev
from ctiserver.calls.tracker import CallTracker

CLIENTS_PER_AGENT = 10


def capture_agents(capture: bytes) -> list[str]:
    """The queue member interfaces the capture's queues ring (AgentCalled's Interface)."""
    return sorted({m.decode() for m in re.findall(rb"\r\nInterface: (\S+)\r\n", capture)})


async def bare_panoramisk(server: ReplayServer, messages: int) -> float:
    done = asyncio.get_running_loop().create_future()
    seen = 0

    def on_event(manager, event) -> None:
        nonlocal seen
        seen += 1
        if event.get("Status") == "BenchEnd" and not done.done():
            done.set_result(None)

    manager = Manager(host="127.0.0.1", port=server.port, username="bench", secret="x",
                      ping_delay=3600)
    manager.register_event("*", on_event)
    server.logged_in.clear()
    await manager.connect()
    await server.logged_in.wait()
    await asyncio.sleep(0.1)
    start = time.perf_counter()
    await server.play()
    await done
    elapsed = time.perf_counter() - start
    manager.close()
    return messages / elapsed


async def pipeline(running: Running, server: ReplayServer, db, messages: int) -> tuple[float, int]:
    """messages/s, and how many screen pops went out (to agents, each with several consoles)."""
    cti = running.server
    cti.tracker = CallTracker()  # a fresh pass: the same calls are new again
    pops = []
    count_pop = lambda user_id, offer, customer_id: pops.append(offer.call_key)  # noqa: E731
    cti.pops.pop_listeners.append(count_pop)
    async with db.sessionmaker.begin() as session:
        await session.execute(text("TRUNCATE calls"))
    done = asyncio.get_running_loop().create_future()

    def on_end(event: ev.AmiEvent) -> None:
        if isinstance(event, ev.AsteriskBooted) and not done.done():
            done.set_result(None)

    unsubscribe = cti.bus.subscribe(AmiEvent, on_end)
    start = time.perf_counter()
    await server.play()
    await done
    cti._publish(cti.tracker.tick(float("inf")))
    await cti.writer.drained()
    await cti.hub.flushed()
    elapsed = time.perf_counter() - start
    unsubscribe()
    cti.pops.pop_listeners.remove(count_pop)
    async with db.sessionmaker() as session:
        written = await session.scalar(text("SELECT count(*) FROM calls"))
    assert written == 400, f"{written} calls in the CRM, expected 400"
    assert pops, "no screen pop went out: the agents are not the capture's queue members"
    return messages / elapsed, len(pops)


def start_clients(url: str, tokens: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.wsclients", url, *tokens],
        stdout=subprocess.PIPE, text=True,
    )


async def main(passes: int) -> dict:
    logging.basicConfig(level=logging.WARNING)
    capture = load_capture()
    messages = count_messages(capture)
    settings = Settings(data_dir=Path(os.environ.get("CALLCENTER_BENCH_DATA_DIR", "/tmp/callcenter-bench")),
                        http_port=18181, crm_flush_interval=0.05)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    loop = asyncio.get_running_loop()
    url = with_database(await loop.run_in_executor(None, ensure_embedded_postgres, settings),
                        "callcenter_bench")
    await loop.run_in_executor(None, lambda: create_database(url, replace=True))
    await loop.run_in_executor(None, upgrade, url)
    db = await open_database(settings, url=url)

    server = ReplayServer(capture)
    await server.start()
    settings = settings.model_copy(update={"ami_port": server.port, "ami_ping_interval": 3600})
    running = await start_services(settings, db, ami_secret="bench")
    tokens = []
    for n, interface in enumerate(capture_agents(capture)):
        _, token = await ensure_user(db, f"bench{n}", display_name=f"Bench {n}", role="agent",
                                     interface=interface)
        tokens += [token] * CLIENTS_PER_AGENT
    clients = start_clients(running.url, tokens)
    while len(running.server.hub) < len(tokens):
        await asyncio.sleep(0.1)
    await asyncio.wait_for(running.server.ami.connected.wait(), 10)

    bare, full, pops = [], [], 0
    for _ in range(passes):
        bare.append(await bare_panoramisk(server, messages))
        rate, pops = await pipeline(running, server, db, messages)
        full.append(rate)
    clients.terminate()
    await running.stop()
    await server.stop()
    await db.close()

    best_bare, best_full = max(bare), max(full)
    return {
        "messages": messages,
        "passes": passes,
        "clients": len(tokens),
        "pops_per_pass": pops,
        "bare_msgs_per_s": round(best_bare),
        "pipeline_msgs_per_s": round(best_full),
        "ratio": round(best_full / best_bare, 3),
    }


def print_table(figures: dict) -> None:
    print(f"AMI capture: {figures['messages']} messages, best of {figures['passes']} passes, "
          f"{figures['clients']} websocket clients, {figures['pops_per_pass']} screen pops per pass")
    print(f"{'path':<44}{'msgs/s':>12}")
    print(f"{'(a) bare panoramisk parse + dispatch':<44}{figures['bare_msgs_per_s']:>12,}")
    print(f"{'(b) CTI pipeline (tracker, pops, ws, CRM)':<44}{figures['pipeline_msgs_per_s']:>12,}")
    print(f"{'ratio b/a':<44}{figures['ratio']:>12}")
    print(json.dumps(figures))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=5)
    print_table(asyncio.run(main(parser.parse_args().passes)))
