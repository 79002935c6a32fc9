"""Console pop: how fast an agent sees who is calling, and the full customer card.

The recorded AMI capture of a real Asterisk 22 (400 calls, 10 queue members) is replayed over
loopback TCP into the CTI server. Every queue member has an agent user whose console (one
/ws/agent websocket each, in a separate process: bench.console_clients) takes the pops; for a
known caller it asks at once for the full card (GET /api/customers/{id}: timeline, tickets,
callbacks). The CRM holds the capture's callers (most of them known, each with 20-50 past
calls, wrap-ups, tickets, callbacks) among background customers with histories of their own.

Measured, on one clock (time.time() in both processes of this one machine):
  pop      the replay writes the AgentCalled frame for (call, agent) -> the pop arrives;
  card     the pop arrives -> the full card has arrived and is parsed;
  total    AgentCalled written -> full card: what the agent waits for.
Baseline in the same run: the capture's first calls (up to the first moment no call is in
flight) at its real pace, then the whole capture at --speed. Every AgentCalled for a connected
agent must give exactly one pop, and every card asked for must come: any missing, duplicate or
unexpected pop or any card error makes the exit status 1. The share of cards on screen within
1 s is of the cards asked for (one that failed counts as not within 1 s). Server CPU is this
process's (CTI server and replay) CPU time over the round's wall time; PostgreSQL's is its
processes' over the same time; db_connects counts the connections the server's pool opened.

    python -m bench.console_pop [--speed 10] [--known 0.9] [--background-customers 10000]
                                [--baseline-calls 30]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import make_url

from bench.replay import ReplayServer, load_capture
from callcenter.runtime import Running, start_services
from callcenter.settings import Settings
from crm_core.customers import create_customer
from crm_core.db import (
    Database, create_database, ensure_embedded_postgres, open_database, upgrade, with_database,
)
from crm_core.users import ensure_user
from ctiserver.calls.tracker import CallTracker

DATABASE = "callcenter_bench_console"
BASELINE_SPEED = 1.0
HISTORY = (20, 50)
"""Past calls of each known caller."""
BACKGROUND_HISTORY = (5, 15)
TRAILING = 2.0
"""Seconds after the last frame for the last pops and cards."""
SEED = 20240611
DB_CONNECTS = [0]
"""New connections the CTI server's pool opened (SQLAlchemy "connect" events)."""


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


# --- the capture ------------------------------------------------------------------------------

def _header(frame: bytes, name: bytes) -> str | None:
    index = frame.find(b"\r\n" + name + b": ")
    if index < 0:
        return None
    start = index + len(name) + 4
    end = frame.find(b"\r\n", start)
    return frame[start:end if end >= 0 else len(frame)].decode()


@dataclass(frozen=True)
class Capture:
    members: dict[str, str]
    """Queue member interface -> member name, from AgentCalled."""
    callers: list[tuple[str, str]]
    """(CallerIDNum, CallerIDName) of each queue caller, in order."""
    quiet_cut: float
    """Capture seconds of the first moment, after at least ``min_calls`` calls, when no call
    is in flight: the baseline ends there."""
    baseline_calls: int


def read_capture(data: bytes, min_calls: int) -> Capture:
    members: dict[str, str] = {}
    callers: list[tuple[str, str]] = []
    spans: dict[str, list[float]] = {}
    first = None
    for frame in data.split(b"\r\n\r\n"):
        stamp = _header(frame, b"Timestamp")
        if stamp is None:
            continue
        at = float(stamp)
        first = at if first is None else first
        if frame.startswith(b"Event: AgentCalled\r\n"):
            members[_header(frame, b"Interface")] = _header(frame, b"MemberName")
        elif frame.startswith(b"Event: QueueCallerJoin\r\n"):
            callers.append((_header(frame, b"CallerIDNum"), _header(frame, b"CallerIDName")))
        linkedid = _header(frame, b"Linkedid")
        if linkedid:
            span = spans.setdefault(linkedid, [at, at])
            span[1] = at
    calls = sorted(spans.values())
    latest_end = float("-inf")
    for index, (begin, end) in enumerate(calls):
        if index >= min_calls and latest_end < begin:
            return Capture(members, callers, begin - 0.001 - first, index)
        latest_end = max(latest_end, end)
    return Capture(members, callers, calls[-1][1] - first, len(calls))


class TimedReplay(ReplayServer):
    """Notes when each AgentCalled frame was written: (caller uniqueid, interface) -> times."""

    def __init__(self, capture: bytes) -> None:
        super().__init__(capture)
        self.agent_called: dict[tuple[str, str], list[float]] = {}
        self.joins = 0

    def wrote(self, frame: bytes) -> None:
        if frame.startswith(b"Event: AgentCalled\r\n"):
            at = time.time()
            key = (_header(frame, b"Uniqueid"), _header(frame, b"Interface"))
            self.agent_called.setdefault(key, []).append(at)
        elif frame.startswith(b"Event: QueueCallerJoin\r\n"):
            self.joins += 1

    def reset(self) -> None:
        self.agent_called = {}
        self.joins = 0


# --- the CRM ----------------------------------------------------------------------------------

DISPOSITIONS = ["resolved", "information", "complaint", "sale", "escalated", "no-action"]
NOTES = ["Asked about the last invoice; explained the line items.",
         "Router replaced under warranty, shipping label sent by e-mail.",
         "Wants a call back after the technician's visit.",
         "Upgraded to the business plan from next month.",
         "Complained about the waiting time; apologised, offered a credit.",
         None]
CATEGORIES = ["billing", "technical", "delivery", "contract"]
REASONS = ["billing", "technical", "sales", "moving"]


def history(rng: random.Random, customers: list[tuple[int, str]], agents: list[tuple[int, str]],
            size: tuple[int, int], now: datetime) -> tuple[list, list, list, list]:
    """Rows of past calls (with wrap-ups), tickets and callbacks for (customer id, number)."""
    calls, wrapups, tickets, callbacks = [], [], [], []
    for customer_id, number in customers:
        keys = []
        for n in range(rng.randint(*size)):
            key = f"hist-{customer_id}-{n}"
            entered = now - timedelta(seconds=rng.uniform(3600, 730 * 86400))
            r = rng.random()
            outcome = "answered" if r < 0.85 else "abandoned" if r < 0.95 else "timeout"
            agent_id, interface = rng.choice(agents) if outcome == "answered" else (None, None)
            wait = rng.uniform(2, 120)
            talk = rng.uniform(30, 900) if agent_id else 0.0
            collected = ({"Reason": rng.choice(REASONS), "Account": str(rng.randint(10**7, 10**8))}
                         if rng.random() < 0.3 else None)
            calls.append((
                key, key, key, "inbound", number, None, rng.choice(["support", "sales"]),
                interface, agent_id, customer_id, entered,
                entered + timedelta(seconds=wait) if agent_id else None,
                entered + timedelta(seconds=wait + talk), wait, talk, outcome,
                16, "Normal Clearing", "caller" if agent_id else None,
                json.dumps(collected) if collected else None,
            ))
            keys.append(key)
            if agent_id and rng.random() < 0.7:
                wrapups.append((key, agent_id, rng.choice(DISPOSITIONS), rng.choice(NOTES)))
        for _ in range(rng.randint(0, 4)):
            tickets.append((customer_id, rng.choice(keys) if keys else None,
                            rng.choice(CATEGORIES), rng.choice(["low", "normal", "high"]),
                            "Customer reports the connection drops every evening.",
                            rng.choice(["open", "closed"]),
                            now - timedelta(days=rng.uniform(0, 90))))
        for _ in range(rng.choice([0, 0, 1, 2])):
            agent_id = rng.choice(agents)[0] if rng.random() < 0.6 else None
            callbacks.append((customer_id, number, now + timedelta(hours=rng.uniform(1, 240)),
                              "Europe/Berlin", agent_id, agent_id, "Call back about the offer.",
                              "open"))
    return calls, wrapups, tickets, callbacks


CALL_COLUMNS = ["call_key", "linkedid", "uniqueid", "direction", "caller_number", "called_number",
                "queue", "agent_interface", "agent_user_id", "customer_id", "entered_at",
                "answered_at", "ended_at", "wait_seconds", "talk_seconds", "outcome",
                "hangup_cause", "hangup_cause_text", "completed_by", "collected"]


async def seed_crm(db: Database, url: str, capture: Capture, known: float,
                   background: int) -> dict[str, Any]:
    """Agents for the capture's queue members, customers for most of its callers, histories."""
    started = time.perf_counter()
    rng = random.Random(SEED)
    agents: list[tuple[int, str]] = []
    tokens: list[str] = []
    for interface, member in sorted(capture.members.items()):
        user_id, token = await ensure_user(db, f"console{member}", display_name=f"Agent {member}",
                                           role="agent", extension=member, interface=interface)
        agents.append((user_id, interface))
        tokens.append(token)
    known_callers: list[tuple[int, str]] = []
    for number, name in capture.callers:
        if rng.random() >= known:
            continue
        customer_id = await create_customer(
            db, name or number, [number],
            company=rng.choice([None, None, "Müller & Söhne GmbH", "Kiezbäckerei"]),
            email=f"caller{len(known_callers)}@example.org", timezone="Europe/Berlin",
            tags=rng.sample(["newsletter", "business", "reseller", "complaint-2024"], 2),
            default_region="DE")
        known_callers.append((customer_id, number))
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        ids = await conn.fetch(
            "INSERT INTO customers (name, company, email, timezone, tags)"
            " SELECT 'Customer ' || g, 'Company ' || (g % 997), 'customer' || g || '@example.com',"
            " 'Europe/Berlin', '{}' FROM generate_series(1, $1) g RETURNING id", background)
        others = [(row["id"], f"+4940{row['id']:08d}") for row in ids]
        await conn.copy_records_to_table("contact_numbers", columns=["customer_id", "number_e164"],
                                         records=others)
        now = datetime.now(UTC)
        rows = [a + b for a, b in zip(history(rng, known_callers, agents, HISTORY, now),
                                      history(rng, others, agents, BACKGROUND_HISTORY, now))]
        calls, wrapups, tickets, callbacks = rows
        await conn.copy_records_to_table("calls", columns=CALL_COLUMNS, records=calls)
        await conn.copy_records_to_table("call_wrapups", records=wrapups,
                                         columns=["call_key", "user_id", "disposition", "note"])
        await conn.copy_records_to_table("tickets", records=tickets, columns=[
            "customer_id", "call_key", "category", "priority", "description", "status",
            "created_at"])
        await conn.copy_records_to_table("callbacks", records=callbacks, columns=[
            "customer_id", "number", "due_at", "timezone", "assigned_user_id", "created_by",
            "note", "status"])
        await conn.execute("VACUUM ANALYZE")  # autovacuum would do it during a round
    finally:
        await conn.close()
    return {
        "tokens": tokens,
        "interfaces": {interface for _, interface in agents},
        "known_numbers": {number for _, number in known_callers},
        "callers": len(capture.callers),
        "known": len(known_callers),
        "unknown": len(capture.callers) - len(known_callers),
        "customers": len(known_callers) + background,
        "calls": len(calls),
        "wrapups": len(wrapups),
        "tickets": len(tickets),
        "callbacks": len(callbacks),
        "seconds": round(time.perf_counter() - started, 1),
    }


# --- CPU ----------------------------------------------------------------------------------------

def _stat(pid: int | str) -> list[str]:
    """/proc/PID/stat after the command name: state, ppid, ... (utime is [11])."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def postgres_cpu(pgdata: Path) -> float | None:
    """CPU seconds PostgreSQL has used: the postmaster, its children alive now, and (the
    postmaster's cutime and cstime) its children that have ended, e.g. closed connections."""
    try:
        postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
        fields = _stat(postmaster)
    except (OSError, ValueError, IndexError):  # not the embedded server
        return None
    ticks = sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = _stat(entry)
            except OSError:
                continue
            if int(fields[1]) == postmaster:
                ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


# --- one round ----------------------------------------------------------------------------------

async def run_round(running: Running, server: TimedReplay, crm: dict[str, Any], pgdata: Path,
                    speed: float, until: float | None) -> dict[str, Any]:
    cti = running.server
    cti.tracker = CallTracker()  # the replayed calls are new again
    loop = asyncio.get_running_loop()
    while len(cti.hub):  # the previous round's consoles are gone
        await asyncio.sleep(0.05)
    tokens = crm["tokens"]
    proc = subprocess.Popen([sys.executable, "-m", "bench.console_clients", running.url, *tokens],
                            stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while len(cti.hub) < len(tokens):
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError(f"only {len(cti.hub)} of {len(tokens)} consoles connected")
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    server.reset()
    connects0 = DB_CONNECTS[0]
    pg0 = await loop.run_in_executor(None, postgres_cpu, pgdata)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await server.play_paced(speed, until=until)
    await asyncio.sleep(TRAILING)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    pg1 = await loop.run_in_executor(None, postgres_cpu, pgdata)
    await asyncio.wait_for(cti.hub.flushed(), 10)
    out, _ = await loop.run_in_executor(None, lambda: proc.communicate("stop\n", timeout=60))
    pops = json.loads(out.strip().splitlines()[-1])
    return score(server.agent_called, pops, crm["interfaces"]) | {
        "speed": speed,
        "calls": server.joins,
        "seconds": round(wall, 1),
        "cpu_pct": round(100 * cpu / wall, 1),
        "pg_cpu_pct": None if None in (pg0, pg1) else round(100 * (pg1 - pg0) / wall, 1),
        "db_connects": DB_CONNECTS[0] - connects0,
    }


def score(written: dict[tuple[str, str], list[float]], pops: list[dict[str, Any]],
          interfaces: set[str]) -> dict[str, Any]:
    """Pair each AgentCalled written for a connected agent with its pop, in order."""
    received: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for pop in pops:
        received.setdefault((pop["call_id"], pop["interface"]), []).append(pop)
    expected = {key: sorted(times) for key, times in written.items() if key[1] in interfaces}
    missing = duplicates = 0
    pop_lat, card_lat, total_lat = [], [], []
    for key, times in expected.items():
        got = sorted(received.get(key, []), key=lambda p: p["received"])
        missing += max(0, len(times) - len(got))
        duplicates += max(0, len(got) - len(times))
        for at, pop in zip(times, got):
            pop_lat.append(pop["received"] - at)
            if pop.get("status") == 200:
                card_lat.append(pop["card_at"] - pop["received"])
                total_lat.append(pop["card_at"] - at)
    known = [p for p in pops if p["customer_id"] is not None]
    return {
        "agent_called": sum(len(t) for t in expected.values()),
        "pops": len(pops),
        "pops_known": len(known),
        "pops_unknown": len(pops) - len(known),
        "missing": missing,
        "duplicates": duplicates,
        "unexpected": sum(len(v) for k, v in received.items() if k not in expected),
        "cards": len(card_lat),
        "card_errors": sum(1 for p in known if p.get("status") != 200),
        "timeline_rows_p50": percentile([p["timeline"] for p in known if "timeline" in p], 0.5),
        "pop_p50_ms": ms(percentile(pop_lat, 0.50)),
        "pop_p99_ms": ms(percentile(pop_lat, 0.99)),
        "card_p50_ms": ms(percentile(card_lat, 0.50)),
        "card_p99_ms": ms(percentile(card_lat, 0.99)),
        "total_p50_ms": ms(percentile(total_lat, 0.50)),
        "total_p99_ms": ms(percentile(total_lat, 0.99)),
        "total_max_ms": ms(max(total_lat, default=None)),
        # Of the cards asked for: one that failed or never came is not on screen within 1 s.
        "cards_within_1s_pct": round(
            100 * sum(t <= 1.0 for t in total_lat) / max(len(known), 1), 1),
    }


def failures(name: str, figures: dict[str, Any]) -> list[str]:
    """What went wrong in a round: any missing, duplicate or unexpected pop, any card error."""
    return [f"{name}: {figures[key]} {label}" for key, label in (
        ("missing", "pops missing"), ("duplicates", "duplicate pops"),
        ("unexpected", "unexpected pops"), ("card_errors", "card errors")) if figures[key]]


# --- the run ------------------------------------------------------------------------------------

async def main(speed: float, known: float, background: int, baseline_calls: int) -> dict[str, Any]:
    logging.basicConfig(level=logging.WARNING)
    data_dir = Path(os.environ.get("CALLCENTER_BENCH_DATA_DIR", "/tmp/callcenter-bench"))
    settings = Settings(data_dir=data_dir, http_port=18183, fastagi_port=14700)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    data = load_capture()
    capture = read_capture(data, baseline_calls)
    loop = asyncio.get_running_loop()
    server_url = await loop.run_in_executor(None, ensure_embedded_postgres,
                                            settings.database_url, settings.data_dir)
    url = with_database(server_url, DATABASE)
    await loop.run_in_executor(None, lambda: create_database(url, replace=True))
    await loop.run_in_executor(None, upgrade, url)
    db = await open_database(url)
    event.listen(db.engine.sync_engine, "connect",
                 lambda *_: DB_CONNECTS.__setitem__(0, DB_CONNECTS[0] + 1))
    crm = await seed_crm(db, url, capture, known, background)
    server = TimedReplay(data)
    await server.start()
    settings = settings.model_copy(update={"ami_port": server.port, "ami_ping_interval": 3600,
                                           "queue_log_path": Path("/nonexistent")})
    running = await start_services(settings, db, ami_secret="bench")
    await asyncio.wait_for(running.server.ami.connected.wait(), 10)
    pgdata = settings.data_dir / "pgdata"
    try:
        baseline = await run_round(running, server, crm, pgdata, BASELINE_SPEED, capture.quiet_cut)
        load = await run_round(running, server, crm, pgdata, speed, None)
    finally:
        await running.stop()
        await server.stop()
        await db.close()

    def ratio(name: str) -> float | None:
        if load[name] is None or baseline[name] is None:
            return None
        return round(load[name] / max(baseline[name], 0.1), 2)

    return {
        "speed": speed,
        "agents": len(crm["tokens"]),
        "crm": {k: crm[k] for k in ("callers", "known", "unknown", "customers", "calls",
                                    "wrapups", "tickets", "callbacks")},
        "baseline": baseline,
        "load": load,
        "p99_ratio": {"pop": ratio("pop_p99_ms"), "card": ratio("card_p99_ms"),
                      "total": ratio("total_p99_ms")},
    }


def print_table(f: dict[str, Any]) -> None:
    crm = f["crm"]
    print(f"replayed 400-call capture; {f['agents']} agent consoles; callers {crm['known']} known, "
          f"{crm['unknown']} unknown; CRM {crm['customers']:,} customers, "
          f"{crm['calls']:,} past calls, {crm['wrapups']:,} wrap-ups, {crm['tickets']:,} tickets, "
          f"{crm['callbacks']:,} callbacks")
    print("latency ms, p50/p99: pop = AgentCalled written -> pop received; card = pop -> full card;"
          " total = AgentCalled -> full card")
    head = (f"{'round':<10}{'speed':>6}{'calls':>6}{'pops':>6}{'known':>6}{'miss':>5}{'dup':>4}"
            f"{'unex':>5}{'cerr':>5}{'pop p50/p99':>15}{'card p50/p99':>15}{'total p50/p99':>15}"
            f"{'<=1s':>7}{'CPU%':>6}{'PG%':>6}")
    print(head)
    for name in ("baseline", "load"):
        r = {key: "-" if value is None else value for key, value in f[name].items()}
        print(f"{name:<10}{r['speed']:>6g}{r['calls']:>6}{r['pops']:>6}{r['pops_known']:>6}"
              f"{r['missing']:>5}{r['duplicates']:>4}{r['unexpected']:>5}{r['card_errors']:>5}"
              f"{r['pop_p50_ms']:>8}/{r['pop_p99_ms']:<6}"
              f"{r['card_p50_ms']:>8}/{r['card_p99_ms']:<6}"
              f"{r['total_p50_ms']:>8}/{r['total_p99_ms']:<6}{r['cards_within_1s_pct']:>6}%"
              f"{r['cpu_pct']:>6}{r['pg_cpu_pct']:>6}")
    ratios = f["p99_ratio"]
    print(f"p99 load/baseline: pop {ratios['pop']}, card {ratios['card']}, "
          f"total {ratios['total']}; "
          "unex: unexpected pops, cerr: card errors; <=1s: share of the cards asked for that were "
          "on screen within 1 s of the AgentCalled; CPU%: this process (CTI "
          "server and replay), PG%: PostgreSQL, of one core; times: time.time() in both processes")
    print(json.dumps(f))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=10.0)
    parser.add_argument("--known", type=float, default=0.9, help="share of the callers in the CRM")
    parser.add_argument("--background-customers", type=int, default=10000)
    parser.add_argument("--baseline-calls", type=int, default=30,
                        help="the baseline ends at the first quiet moment after this many calls")
    args = parser.parse_args()
    figures = asyncio.run(main(args.speed, args.known, args.background_customers,
                               args.baseline_calls))
    failed = failures("baseline", figures["baseline"]) + failures("load", figures["load"])
    for failure in failed:
        print(f"FAILED {failure}", file=sys.stderr)
    print_table(figures)
    sys.exit(1 if failed else 0)
