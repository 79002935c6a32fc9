"""Wallboard fan-out: delivery latency of live statistics to many wallboard websockets.

A recorded AMI capture of a real Asterisk 22 (400 calls) is replayed over loopback TCP at a
sped-up pace into the CTI server, whose wallboard publisher pushes statistics to N connected
supervisor websockets (clients in separate processes). Latency, on one clock (time.time() in
every process of this one machine), is measured from the moment the replay wrote the AMI frame
whose event started an update (its first change: an update coalesces the changes of up to 50
ms) to the update's receipt by a client, as bench.console_pop times its pops. Updates that no
AMI frame started (the periodic full snapshots, changes from the server's clock) are delivered
and counted, not timed. Also shown: the latency from ``event_at``, the server's own stamp of
the update's first change.

Every update the publisher sends during the round must reach every client: deliveries are
checked against updates x clients, and clients the server dropped as too slow are reported;
any delivery missing makes the exit status 1. Baseline in the same run: the same replay with
10 clients. Server CPU is the server process's CPU time over the replay's wall time.

    python -m bench.wallboard_fanout [--clients 2000] [--speed 10]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.replay import ReplayServer, _timestamp, load_capture
from callcenter.runtime import start_services
from callcenter.settings import Settings
from crm_core.db import (
    create_database, ensure_embedded_postgres, open_database, upgrade, with_database,
)
from crm_core.users import ensure_user
from ctiserver.calls.tracker import CallTracker
from ctiserver.web.hub import Client

CLIENT_PROCESSES = 2
BASELINE_CLIENTS = 10
TRAILING = 1.5
"""Seconds after the last frame for the last updates."""
HEADER = re.compile(rb'\{(?:"v": \d+, )?"type": "stats", "event_at": ([0-9.e+-]+), '
                    rb'"changed": (true|false)')
NOT_SET = object()


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


class TimedReplay(ReplayServer):
    """Notes when each frame was written, by its Timestamp (the typed event's ``timestamp``)."""

    def __init__(self, capture: bytes) -> None:
        super().__init__(capture)
        self.written: dict[float, float] = {}

    def wrote(self, frame: bytes) -> None:
        at = _timestamp(frame)
        if at is not None:
            self.written.setdefault(at, time.time())


@dataclass
class Update:
    event_at: str
    changed: bool
    origin: float | None
    """When the replay wrote the AMI frame whose event started the update; None: no frame did."""


@dataclass(eq=False)
class Spy(Client):
    """A wallboard client inside the server: sees each update as it is sent (the same frame
    every client gets), so the round knows which updates went out and what started each."""

    updates: list[Update] = field(default_factory=list)
    recording: bool = False
    origin: Any = NOT_SET
    """What started the pending update: set at its first change, cleared when one is sent."""

    def write_now(self, frame: bytes) -> bool:
        match = HEADER.search(frame, 0, 160)
        if match and self.recording:
            changed = match[2] == b"true"
            self.updates.append(Update(match[1].decode(), changed,
                                       self.origin if changed and self.origin is not NOT_SET
                                       else None))
        self.origin = NOT_SET
        return True

    def put(self, message) -> bool:  # the snapshot for a new client
        return True


class Origins:
    """Which AMI frame, if any, made each first change of an update: the frame whose event the
    AMI link is delivering when the publisher is told of a change; none outside a delivery."""

    def __init__(self, cti, replay: TimedReplay, spy: Spy) -> None:
        self.cti, self.replay, self.spy = cti, replay, spy
        self.current: float | None = None
        self._deliver = cti.ami.deliver
        self._changed = cti.wallboard.changed

    def deliver(self, fields) -> None:
        try:
            self.current = self.replay.written.get(float(fields.get("Timestamp") or "nan"))
        except ValueError:
            self.current = None
        try:
            self._deliver(fields)
        finally:
            self.current = None

    def changed(self, *args, **kwargs) -> None:
        if self.spy.origin is NOT_SET:
            self.spy.origin = self.current
        self._changed(*args, **kwargs)

    def __enter__(self) -> "Origins":
        self.cti.ami.deliver = self.deliver
        self.cti.wallboard.changed = self.changed
        return self

    def __exit__(self, *exc) -> None:
        del self.cti.ami.deliver
        del self.cti.wallboard.changed


async def run_round(running, server: TimedReplay, token: str, clients: int, speed: float) -> dict:
    cti = running.server
    cti.tracker = CallTracker()
    while len(cti.wallboard):  # the previous round's clients are gone
        await asyncio.sleep(0.05)
    per_process = [clients // CLIENT_PROCESSES + (i < clients % CLIENT_PROCESSES)
                   for i in range(CLIENT_PROCESSES)]
    procs = [subprocess.Popen([sys.executable, "-m", "bench.wallboard_clients", running.url,
                               token, str(n)],
                              stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
             for n in per_process if n]
    deadline = time.monotonic() + 60
    while len(cti.wallboard) < clients:
        if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
            raise RuntimeError(f"only {len(cti.wallboard)} of {clients} wallboards connected")
        await asyncio.sleep(0.1)
    spy = Spy(socket=None, user_id=0, role="admin")
    cti.wallboard.add(spy, None)
    try:
        await asyncio.sleep(1.0)
        server.written = {}
        with Origins(cti, server, spy):
            children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            spy.recording = True
            await server.play_paced(speed)
            await asyncio.sleep(TRAILING)  # the last updates arrive
            spy.recording = False
            cpu = time.process_time() - cpu0
            wall = time.perf_counter() - wall0
        connected = len(cti.wallboard) - 1
    finally:
        cti.wallboard.remove(spy)
    loop = asyncio.get_running_loop()
    received: dict[str, list[float]] = {}
    closed: list[int | None] = []
    for proc in procs:
        out, _ = await loop.run_in_executor(
            None, lambda p=proc: p.communicate("stop\n", timeout=120))
        figures = json.loads(out.strip().splitlines()[-1])
        for at, times in figures["received"].items():
            received.setdefault(at, []).extend(times)
        closed += figures["closed"]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = (children.ru_utime + children.ru_stime) - (children0.ru_utime + children0.ru_stime)

    sent = Counter(u.event_at for u in spy.updates)
    deliveries = sum(min(len(received.get(at, ())), n * clients) for at, n in sent.items())
    latencies, server_latencies = [], []
    for update in spy.updates:
        if not update.changed:
            continue
        times = received.get(update.event_at, ())
        server_latencies += [t - float(update.event_at) for t in times]
        if update.origin is not None:
            latencies += [t - update.origin for t in times]
    timed = sum(1 for u in spy.updates if u.origin is not None)
    return {
        "clients": clients,
        "updates": len(spy.updates),
        "updates_from_frames": timed,
        "updates_changed_other": sum(1 for u in spy.updates if u.changed and u.origin is None),
        "updates_unchanged": sum(1 for u in spy.updates if not u.changed),
        "deliveries": deliveries,
        "deliveries_expected": len(spy.updates) * clients,
        "missing": len(spy.updates) * clients - deliveries,
        "dropped": clients - connected,
        "closed_by_server": dict(Counter(str(code) for code in closed)),
        "p50_ms": ms(percentile(latencies, 0.50)),
        "p99_ms": ms(percentile(latencies, 0.99)),
        "max_ms": ms(max(latencies, default=None)),
        "event_at_p50_ms": ms(percentile(server_latencies, 0.50)),
        "event_at_p99_ms": ms(percentile(server_latencies, 0.99)),
        "cpu_pct": round(100 * cpu / wall, 1),
        "client_cpu_pct": round(100 * client_cpu / wall, 1),
    }


async def main(clients: int, speed: float) -> dict:
    logging.basicConfig(level=logging.WARNING)
    data_dir = Path(os.environ.get("CALLCENTER_BENCH_DATA_DIR", "/tmp/callcenter-bench"))
    settings = Settings(data_dir=data_dir,
                        http_port=18182, fastagi_port=14699)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    loop = asyncio.get_running_loop()
    url = with_database(await loop.run_in_executor(None, ensure_embedded_postgres,
                                            settings.database_url, settings.data_dir),
                        "callcenter_bench_wallboard")
    await loop.run_in_executor(None, lambda: create_database(url, replace=True))
    await loop.run_in_executor(None, upgrade, url)
    db = await open_database(url)
    server = TimedReplay(load_capture())
    await server.start()
    settings = settings.model_copy(update={"ami_port": server.port, "ami_ping_interval": 3600,
                                           "queue_log_path": Path("/nonexistent")})
    running = await start_services(settings, db, ami_secret="bench")
    _, token = await ensure_user(db, "bench-supervisor", display_name="Bench", role="admin")
    await asyncio.wait_for(running.server.ami.connected.wait(), 10)
    try:
        baseline = await run_round(running, server, token, BASELINE_CLIENTS, speed)
        full = await run_round(running, server, token, clients, speed)
    finally:
        await running.stop()
        await server.stop()
        await db.close()
    return {
        "clients": clients,
        "speed": speed,
        "p50_ms": full["p50_ms"],
        "p99_ms": full["p99_ms"],
        "baseline_clients": BASELINE_CLIENTS,
        "baseline_p99_ms": baseline["p99_ms"],
        "p99_ratio_vs_baseline": (None if full["p99_ms"] is None or baseline["p99_ms"] is None
                                  else round(full["p99_ms"] / max(baseline["p99_ms"], 0.1), 2)),
        "baseline": baseline,
        "load": full,
    }


def failures(name: str, r: dict) -> list[str]:
    problems = []
    if r["missing"]:
        problems.append(f"{name}: {r['deliveries']} of {r['deliveries_expected']} deliveries "
                        f"({r['updates']} updates x {r['clients']} clients), {r['missing']} "
                        f"missing; {r['dropped']} clients dropped by the server")
    if not r["updates_from_frames"]:
        problems.append(f"{name}: no update was started by an AMI frame")
    return problems


def print_table(f: dict) -> None:
    print(f"replayed 400-call capture at {f['speed']:g}x; latency ms from the AMI frame written "
          "(that started the update) to its receipt; event_at: from the server's stamp")
    print(f"{'round':<10}{'clients':>8}{'updates':>9}{'timed':>7}{'deliveries':>12}{'missing':>9}"
          f"{'dropped':>9}{'p50':>8}{'p99':>8}{'max':>8}{'event_at p50/p99':>18}{'CPU%':>7}"
          f"{'clients CPU%':>14}")
    for name in ("baseline", "load"):
        r = {key: "-" if value is None else value for key, value in f[name].items()}
        print(f"{name:<10}{r['clients']:>8}{r['updates']:>9}{r['updates_from_frames']:>7}"
              f"{r['deliveries']:>12}{r['missing']:>9}{r['dropped']:>9}{r['p50_ms']:>8}"
              f"{r['p99_ms']:>8}{r['max_ms']:>8}"
              f"{str(r['event_at_p50_ms']) + '/' + str(r['event_at_p99_ms']):>18}"
              f"{r['cpu_pct']:>7}{r['client_cpu_pct']:>14}")
    print(f"p99 {f['clients']} clients / {f['baseline_clients']}: {f['p99_ratio_vs_baseline']}; "
          "timed: updates an AMI frame started (the others: full snapshots, clock changes); "
          "CPU%: server process, of one core; clients in 2 processes on the same 2 cores")
    print(json.dumps(f))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--speed", type=float, default=10.0)
    args = parser.parse_args()
    figures = asyncio.run(main(args.clients, args.speed))
    failed = failures("baseline", figures["baseline"]) + failures("load", figures["load"])
    for failure in failed:
        print(f"FAILED {failure}", file=sys.stderr)
    print_table(figures)
    sys.exit(1 if failed else 0)
