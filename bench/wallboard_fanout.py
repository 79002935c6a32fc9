"""Wallboard fan-out: delivery latency of live statistics to many wallboard websockets.

A recorded AMI capture of a real Asterisk 22 (400 calls) is replayed over loopback TCP at a
sped-up pace into the CTI server, whose wallboard publisher pushes statistics to N connected
supervisor websockets (clients in separate processes). Latency is measured from the arrival
of the oldest event an update reflects (``event_at``, stamped by the server) to the update's
receipt by a client, on the same clock. Baseline in the same run: the same replay with 10
clients. Server CPU is the server process's CPU time over the replay's wall time.

    python -m bench.wallboard_fanout [--clients 2000] [--speed 10]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.replay import ReplayServer, load_capture
from callcenter.runtime import start_services
from callcenter.settings import Settings
from crm_core.db import create_database, ensure_embedded_postgres, open_database, upgrade, with_database
from crm_core.users import ensure_user
from ctiserver.calls.tracker import CallTracker

CLIENT_PROCESSES = 2
BASELINE_CLIENTS = 10


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run_round(running, server: ReplayServer, token: str, clients: int, speed: float) -> dict:
    cti = running.server
    cti.tracker = CallTracker()
    per_process = [clients // CLIENT_PROCESSES + (i < clients % CLIENT_PROCESSES)
                   for i in range(CLIENT_PROCESSES)]
    procs = [subprocess.Popen([sys.executable, "-m", "bench.wallboard_clients", running.url, token, str(n)],
                              stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
             for n in per_process if n]
    while len(cti.wallboard) < clients:
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await server.play_paced(speed)
    await asyncio.sleep(1.5)  # the last updates arrive
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0
    latencies: list[float] = []
    for proc in procs:
        out, _ = proc.communicate("stop\n", timeout=60)
        latencies += json.loads(out.strip().splitlines()[-1])
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = (children.ru_utime + children.ru_stime) - (children0.ru_utime + children0.ru_stime)
    return {
        "clients": clients,
        "updates": cti.wallboard.sent,
        "deliveries": len(latencies),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "cpu_pct": round(100 * cpu / wall, 1),
        "client_cpu_pct": round(100 * client_cpu / wall, 1),
    }


async def main(clients: int, speed: float) -> dict:
    logging.basicConfig(level=logging.WARNING)
    settings = Settings(data_dir=Path(os.environ.get("CALLCENTER_BENCH_DATA_DIR", "/tmp/callcenter-bench")),
                        http_port=18182, fastagi_port=14699)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    loop = asyncio.get_running_loop()
    url = with_database(await loop.run_in_executor(None, ensure_embedded_postgres, settings),
                        "callcenter_bench_wallboard")
    await loop.run_in_executor(None, lambda: create_database(url, replace=True))
    await loop.run_in_executor(None, upgrade, url)
    db = await open_database(settings, url=url)
    server = ReplayServer(load_capture())
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
        "p50_ms": full["p50_ms"],
        "p99_ms": full["p99_ms"],
        "cpu_pct": full["cpu_pct"],
        "client_cpu_pct": full["client_cpu_pct"],
        "updates": full["updates"],
        "deliveries": full["deliveries"],
        "baseline_clients": BASELINE_CLIENTS,
        "baseline_p99_ms": baseline["p99_ms"],
        "p99_ratio_vs_baseline": round(full["p99_ms"] / max(baseline["p99_ms"], 0.1), 2),
        "speed": speed,
    }


def print_table(f: dict) -> None:
    print(f"replayed 400-call capture at {f['speed']}x; {f['updates']} wallboard updates")
    print(f"{'clients':>8}{'p99 ms':>10}")
    print(f"{f['baseline_clients']:>8}{f['baseline_p99_ms']:>10}")
    print(f"{f['clients']:>8}{f['p99_ms']:>10}   p50 {f['p50_ms']} ms, server CPU {f['cpu_pct']}%, "
          f"client processes CPU {f['client_cpu_pct']}% (same 2 cores)")
    print(json.dumps(f))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--speed", type=float, default=10.0)
    args = parser.parse_args()
    print_table(asyncio.run(main(args.clients, args.speed)))
