"""AMI ingest: bare panoramisk against the full CTI pipeline, on a real Asterisk 22 capture.

Both sides read the same recorded AMI stream (400 calls, 24,807 messages) over loopback TCP,
each from a replaying server of its own, one side at a time, in the same run: while one side
is timed the other's connection is idle, so neither side's figure includes the other's work.
  (a) bare panoramisk 1.4: its protocol parses every message and its Manager dispatches every
      event to a callback (one that counts);
  (b) the CTI server: parse, typed events, CallTracker, statistics, a CRM lookup per queue
      caller, screen pops to the capture's 10 queue members with 10 consoles each (100
      websockets, in a separate process), the after-call gate pausing those agents (an AMI
      action and a pending_wrapups row per answered call), and every finished call written to
      PostgreSQL through the batching CRM writer. The CRM is bench.console_pop's: 10,366
      customers, 90 % of the capture's callers known, each with 20-50 past calls, so most
      lookups find a customer and build the card the pop carries. A pass ends when the last
      call is in the database, every websocket outbox is empty and every task the pass
      started (lookups, pops, after-call gate) has finished.
Passes alternate which side goes first. Checked on every pass, else the exit status is 1:
(a) saw every event of the capture; (b) wrote the 400 calls and sent exactly one pop per
AgentCalled (383), a known caller's with its customer and an unknown caller's without.
Prints messages/s of each side (best, and the range over the passes) and the ratio b/a of the
bests; the last line is JSON.

    python -m bench.ami_ingest [--passes N] [--known 0.9] [--background-customers 10000]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from panoramisk import Manager
from sqlalchemy import text

from bench.console_pop import read_capture, seed_crm
from bench.replay import END_MARKER, ReplayServer, count_messages, load_capture
from callcenter.runtime import Running, start_services
from callcenter.settings import Settings
from crm_core.db import (
    create_database, ensure_embedded_postgres, open_database, upgrade, with_database,
)
from ctiserver.ami import events as ev
from ctiserver.calls.screenpop import PopShown
from ctiserver.calls.tracker import CallTracker

DATABASE = "callcenter_bench"
CLIENTS_PER_AGENT = 10
PASS_TIMEOUT = 60.0
OURS = "call_key NOT LIKE 'hist-%'"
"""The calls a pass writes; the seeded histories' keys start with hist-."""


def expected_pops(capture: bytes) -> tuple[Counter, dict[str, str]]:
    """(caller uniqueid, member interface) of every AgentCalled, counted; and each queue
    caller's number by uniqueid (the number the pop's lookup uses)."""
    offers: Counter = Counter()
    numbers: dict[str, str] = {}
    for frame in capture.split(b"\r\n\r\n"):
        if frame.startswith(b"Event: AgentCalled\r\n"):
            offers[(_header(frame, b"Uniqueid"), _header(frame, b"Interface"))] += 1
        elif frame.startswith(b"Event: QueueCallerJoin\r\n"):
            numbers[_header(frame, b"Uniqueid")] = _header(frame, b"CallerIDNum") or ""
    return offers, numbers


def _header(frame: bytes, name: bytes) -> str | None:
    match = re.search(rb"\r\n" + name + rb": ([^\r\n]*)", frame)
    return match[1].decode() if match else None


class Bare:
    """Side (a): panoramisk's Manager on a replay server of its own."""

    def __init__(self, server: ReplayServer, events: int) -> None:
        self.server = server
        self.events = events
        self.seen = 0
        self._done: asyncio.Future | None = None
        self.manager = Manager(host="127.0.0.1", port=server.port, username="bench", secret="x",
                               ping_delay=3600)
        self.manager.register_event("*", self._on_event)

    def _on_event(self, manager, event) -> None:
        self.seen += 1
        if event.get("Status") == "BenchEnd" and self._done is not None and not self._done.done():
            self._done.set_result(None)

    async def connect(self) -> None:
        await self.manager.connect()
        await asyncio.wait_for(self.server.logged_in.wait(), 10)

    async def run_pass(self, messages: int) -> tuple[float, list[str]]:
        if self.server.clients != 1:
            return 0.0, [f"(a): {self.server.clients} clients on its replay server, expected 1"]
        self.seen = 0
        self._done = asyncio.get_running_loop().create_future()
        start = time.perf_counter()
        await self.server.play()
        await asyncio.wait_for(self._done, PASS_TIMEOUT)
        elapsed = time.perf_counter() - start
        errors = [] if self.seen == self.events else [
            f"(a): {self.seen} events dispatched, expected {self.events}"]
        return messages / elapsed, errors

    def close(self) -> None:
        self.manager.close()


class Pipeline:
    """Side (b): the CTI server on a replay server of its own."""

    def __init__(self, running: Running, server: ReplayServer, db, capture: bytes,
                 known_numbers: set[str], interfaces: list[str]) -> None:
        self.running = running
        self.server = server
        self.db = db
        self.offers, numbers = expected_pops(capture)
        self.known_offers = sum(n for (uniqueid, _), n in self.offers.items()
                                if numbers.get(uniqueid) in known_numbers)
        self.known_numbers = known_numbers
        self.interfaces = interfaces
        self.pops: list[tuple[str, str, str, int | None]] = []
        self.gated = 0
        """pending_wrapups rows after the last pass: the after-call gate's work."""
        self.running.server.bus.subscribe(PopShown, self._count_pop)

    def _count_pop(self, shown: PopShown) -> None:
        offer = shown.offer
        self.pops.append((offer.call_key, offer.interface, offer.caller_num, shown.customer_id))

    async def reset(self) -> None:
        """Untimed: the calls of the previous pass out of the CRM, its agents released from
        the after-call gate (each pass does the same work, the first pause included)."""
        cti = self.running.server
        cti.tracker = CallTracker()  # a fresh pass: the same calls are new again
        for interface in self.interfaces:
            for call_key in cti.wrapups.pending(interface):
                await cti.wrapups.on_wrapup_submitted(interface, call_key)
        async with self.db.engine.begin() as conn:
            await conn.execute(text(f"DELETE FROM calls WHERE {OURS}"))
            await conn.execute(text("DELETE FROM pending_wrapups"))
        async with self.db.autocommit.connect() as conn:
            await conn.execute(text("VACUUM calls, pending_wrapups"))
        self.pops = []

    async def run_pass(self, messages: int) -> tuple[float, list[str]]:
        await self.reset()
        cti = self.running.server
        if self.server.clients != 1:
            return 0.0, [f"(b): {self.server.clients} clients on its replay server, expected 1"]
        loop = asyncio.get_running_loop()
        done = loop.create_future()

        def on_end(event: ev.AsteriskBooted) -> None:  # the replay's end marker
            if not done.done():
                done.set_result(None)

        unsubscribe = cti.bus.subscribe(ev.AsteriskBooted, on_end)
        before = asyncio.all_tasks()
        start = time.perf_counter()
        try:
            await self.server.play()
            await asyncio.wait_for(done, PASS_TIMEOUT)
            cti._publish(cti.tracker.tick(float("inf")))
            await asyncio.wait_for(cti.writer.drained(), PASS_TIMEOUT)
            await asyncio.wait_for(cti.hub.flushed(), PASS_TIMEOUT)
            await asyncio.wait_for(_started_since(before), PASS_TIMEOUT)
            elapsed = time.perf_counter() - start
        finally:
            unsubscribe()
        return messages / elapsed, await self.check()

    async def check(self) -> list[str]:
        errors = []
        async with self.db.engine.connect() as conn:
            written = await conn.scalar(text(f"SELECT count(*) FROM calls WHERE {OURS}"))
            gated = await conn.scalar(text("SELECT count(*) FROM pending_wrapups"))
        if written != 400:
            errors.append(f"(b): {written} calls in the CRM, expected 400")
        got = Counter((call_key, interface) for call_key, interface, _, _ in self.pops)
        missing = sum((self.offers - got).values())
        extra = sum((got - self.offers).values())
        if missing or extra:
            errors.append(f"(b): {len(self.pops)} pops, expected {sum(self.offers.values())}: "
                          f"{missing} missing, {extra} duplicate or unexpected")
        wrong = sum(1 for _, _, number, customer in self.pops
                    if (customer is not None) != (number in self.known_numbers))
        if wrong:
            errors.append(f"(b): {wrong} pops with the wrong customer (known caller without, "
                          "or unknown caller with one)")
        self.gated = gated
        return errors

    @property
    def known_pops(self) -> int:
        return sum(1 for *_, customer in self.pops if customer is not None)


async def _started_since(before: set[asyncio.Task]) -> None:
    """Wait for the tasks started since ``before`` (lookups, pops, after-call gate), but for
    the wallboard publisher's wake-up waiters, which are no work."""
    me = asyncio.current_task()
    while True:
        pending = [t for t in asyncio.all_tasks() - before
                   if t is not me and not t.done()
                   and getattr(t.get_coro(), "__qualname__", "") != "Event.wait"]
        if not pending:
            return
        await asyncio.wait(pending)


def start_clients(url: str, tokens: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bench.wsclients", url, *tokens],
        stdout=subprocess.DEVNULL, text=True,
    )


def span(values: list[float]) -> list[int]:
    return [round(min(values)), round(max(values))]


async def main(passes: int, known: float, background: int) -> tuple[dict, list[str]]:
    logging.basicConfig(level=logging.WARNING)
    data = load_capture()
    messages = count_messages(data)
    events = sum(1 for frame in (data + END_MARKER).split(b"\r\n\r\n")
                 if frame.startswith(b"Event: "))
    data_dir = Path(os.environ.get("CALLCENTER_BENCH_DATA_DIR", "/tmp/callcenter-bench"))
    settings = Settings(data_dir=data_dir,
                        http_port=18181, fastagi_port=14698, crm_flush_interval=0.05)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    loop = asyncio.get_running_loop()
    url = with_database(await loop.run_in_executor(None, ensure_embedded_postgres,
                                            settings.database_url, settings.data_dir),
                        DATABASE)
    await loop.run_in_executor(None, lambda: create_database(url, replace=True))
    await loop.run_in_executor(None, upgrade, url)
    db = await open_database(url)
    crm = await seed_crm(db, url, read_capture(data, 30), known, background)

    bare_server, cti_server = ReplayServer(data), ReplayServer(data)
    await bare_server.start()
    await cti_server.start()
    settings = settings.model_copy(update={"ami_port": cti_server.port, "ami_ping_interval": 3600,
                                           "queue_log_path": Path("/nonexistent")})
    running = await start_services(settings, db, ami_secret="bench")
    tokens = [token for token in crm["tokens"] for _ in range(CLIENTS_PER_AGENT)]
    clients = start_clients(running.url, tokens)
    bare = Bare(bare_server, events)
    errors: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while len(running.server.hub) < len(tokens):
            if time.monotonic() > deadline or clients.poll() is not None:
                raise RuntimeError(f"only {len(running.server.hub)} of {len(tokens)} consoles")
            await asyncio.sleep(0.1)
        await asyncio.wait_for(running.server.ami.connected.wait(), 10)
        await bare.connect()
        pipeline = Pipeline(running, cti_server, db, data, crm["known_numbers"],
                            sorted(crm["interfaces"]))
        rates: dict[str, list[float]] = {"bare": [], "pipeline": []}
        sides = {"bare": bare, "pipeline": pipeline}
        for n in range(passes):
            for name in (("bare", "pipeline") if n % 2 == 0 else ("pipeline", "bare")):
                await asyncio.sleep(0.2)
                rate, failed = await sides[name].run_pass(messages)
                rates[name].append(rate)
                errors += [f"pass {n + 1} {e}" for e in failed]
    finally:
        bare.close()
        clients.terminate()
        await running.stop()
        await bare_server.stop()
        await cti_server.stop()
        await db.close()

    best_bare, best_full = max(rates["bare"]), max(rates["pipeline"])
    return {
        "messages": messages,
        "passes": passes,
        "clients": len(tokens),
        "customers": crm["customers"],
        "callers_known": crm["known"],
        "pops_per_pass": len(pipeline.pops),
        "pops_expected": sum(pipeline.offers.values()),
        "pops_known": pipeline.known_pops,
        "pops_known_expected": pipeline.known_offers,
        "gated_per_pass": pipeline.gated,
        "bare_msgs_per_s": round(best_bare),
        "pipeline_msgs_per_s": round(best_full),
        "bare_range": span(rates["bare"]),
        "pipeline_range": span(rates["pipeline"]),
        "ratio": round(best_full / best_bare, 3),
        "ratio_median": round(statistics.median(rates["pipeline"])
                              / statistics.median(rates["bare"]), 3),
        "errors": len(errors),
    }, errors


def print_table(figures: dict) -> None:
    print(f"AMI capture: {figures['messages']} messages, {figures['passes']} passes per side, "
          f"{figures['clients']} websocket clients; per pass {figures['pops_per_pass']} screen "
          f"pops (expected {figures['pops_expected']}), {figures['pops_known']} of known callers "
          f"(expected {figures['pops_known_expected']}); CRM {figures['customers']:,} customers")
    print(f"{'path':<44}{'best msgs/s':>12}{'range':>20}")
    for key, label in (("bare", "(a) bare panoramisk parse + dispatch"),
                       ("pipeline", "(b) CTI pipeline (tracker, pops, ws, CRM)")):
        low, high = figures[f"{key}_range"]
        print(f"{label:<44}{figures[f'{key}_msgs_per_s']:>12,}{f'{low:,}-{high:,}':>20}")
    print(f"{'ratio b/a (bests; medians)':<44}{figures['ratio']:>12}{figures['ratio_median']:>20}")
    print(json.dumps(figures))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--known", type=float, default=0.9, help="share of the callers in the CRM")
    parser.add_argument("--background-customers", type=int, default=10000)
    args = parser.parse_args()
    figures, failures = asyncio.run(main(args.passes, args.known, args.background_customers))
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    print_table(figures)
    sys.exit(1 if failures else 0)
