"""IVR load: N concurrent calls through the real Asterisk sandbox into our FastAGI server.

Each call is a simulated caller (a Local channel, asterisk_conf.simulation) that enters the
cc-ivr dialplan context and walks a DTMF menu by its keys (SendDTMF): a menu key, an account
number ended by #, a beep, a hangup, run by our FastAGI server, the flow engine and its AGI
runner (ivr.agirunner) with no database behind it. Measured on our server: the turnaround, from
a command's reply read to the next command written, p50/p99 over every step of every call, and
completed calls per second (from the first Originate to the last call's end). Baseline, alone
in the same run on the same port: a minimal FastAGI server that writes the same command lines
with no logic and reads the replies. At N = 50, 100, 200 (--concurrent).

A call is completed when its AGI session sent the whole sequence and its menu heard "2" and its
collect "4711"; the exit status is 1 unless every call of both servers completed.

The sandbox's limits: its asterisk.conf sets no maxcalls nor maxload (unlimited), Local
channels have no limit of their own (a call is a ;1/;2 pair), Asterisk inherits our open-files
limit; our server turns calls away over AgiLimits.max_sessions (500) and its listening socket
queues 100 connections (asyncio's backlog), enough as the originations spread over some ms.

    python -m bench.ivr_load [--concurrent 50 100 200]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asterisk_conf.rawami import AmiError, RawAmi
from asterisk_conf.sandbox import Sandbox, ensure_ami_secret
from asterisk_conf.simulation import caller_originate
from callcenter.settings import Settings
from ctiserver.agi.protocol import AgiReply, command_line
from ctiserver.agi.server import AgiLimits, AgiSession, read_header, serve
from ivr.agirunner import IvrService
from ivr.flowfile import parse_flow

FLOW = "benchmenu"
MENU = f"""\
name: {FLOW}
start: menu
nodes:
  menu: {{type: menu, prompt: {{sound: silence/1}}, timeout: 5, choices: {{1: bye, 2: account}}}}
  account: {{type: collect, prompt: {{sound: silence/1}}, into: account, max_digits: 8, next: beep}}
  beep: {{type: play, prompt: {{sound: beep}}, next: bye}}
  bye: {{type: hangup}}
"""
KEYS = "2wwww4711#"
"""What each caller presses: 2 in the menu, then (two seconds later) its account."""
SEQUENCE = [command_line("GET DATA", "silence/1", "5000", "1"),
            command_line("GET DATA", "silence/1", "5000", "8"),
            command_line("STREAM FILE", "beep", ""), command_line("HANGUP")]
HEARD = ["2", "4711"]
"""The GET DATA results of a completed call."""
CALL_TIMEOUT = 60.0
TARGET_P99_MS, TARGET_RATIO = 5.0, 0.8


@dataclass
class Phase:
    """One server's calls: each call's turnarounds, and whether it completed."""
    calls: int
    turnarounds: list[float] = field(default_factory=list)
    completed: int = 0
    ended: int = 0
    first_sent: float = 0.0
    last_end: float = 0.0
    all_ended: asyncio.Event = field(default_factory=asyncio.Event)
    wrong: Counter = field(default_factory=Counter)
    """What the calls that did not complete got (lines sent, the results)."""

    def end(self, lines: list[str], results: list[str]) -> None:
        ok = lines == SEQUENCE and results[:2] == HEARD
        self.completed += ok
        if not ok:
            self.wrong[(len(lines), tuple(results))] += 1
        self.ended += 1
        self.last_end = time.perf_counter()
        if self.ended >= self.calls:
            self.all_ended.set()

    @property
    def calls_per_s(self) -> float:
        wall = self.last_end - self.first_sent
        return self.completed / wall if wall > 0 else 0.0


def timed(service: IvrService, phase: Phase):
    """Our IVR's handler, its session's commands timed: reply read -> next command written."""
    async def handle(session: AgiSession) -> None:
        send = session.command
        lines: list[str] = []
        results: list[str] = []
        replied: list[float] = []

        async def command(verb: str, *args: str, timeout: float | None = None) -> AgiReply:
            if replied:
                phase.turnarounds.append(time.perf_counter() - replied[-1])
            lines.append(command_line(verb, *args))
            reply = await send(verb, *args, timeout=timeout)
            replied.append(time.perf_counter())
            results.append(reply.result)
            return reply

        session.command = command  # type: ignore[method-assign]
        try:
            await service.handle(session)
        finally:
            phase.end(lines, results)
    return handle


def minimal(phase: Phase):
    """The baseline: the same command lines, whatever the replies say."""
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        results: list[str] = []
        try:
            await read_header(reader)
            replied = None
            for line in SEQUENCE:
                if replied is not None:
                    phase.turnarounds.append(time.perf_counter() - replied)
                writer.write(line.encode())
                await writer.drain()
                reply = (await reader.readline()).decode()
                replied = time.perf_counter()
                results.append(reply.partition("result=")[2].split(" ")[0].strip())
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()
            phase.end(SEQUENCE[:len(results)], results)
    return handle


def service() -> IvrService:
    async def nothing_found(_: Any) -> None:
        return None

    async def no_calendars(_: Any) -> dict:
        return {}

    return IvrService({FLOW: parse_flow(MENU, f"{FLOW}.yaml")}, lookup=nothing_found,
                      calendars=no_calendars, on_events=lambda _: None, queue_context="unused")


def originate_all(settings: Settings, secret: str, calls: int) -> None:
    """Blocking (a thread): the N callers, all Async, each acknowledged (a session closed
    before Asterisk read its actions loses them)."""
    with RawAmi(settings.ami_host, settings.ami_port) as ami:
        ami.login(settings.ami_user, secret, events=False)
        for n in range(calls):
            reply = ami.action(caller_originate("none", number=f"+4930{n:07d}", name=f"Bench {n} 张伟",
                                      patience=30, talk=1, channel_id=str(uuid.uuid4()), ivr=FLOW,
                                      key=KEYS, key_after=1.5))
            if reply.get("Response") != "Success":
                raise AmiError(f"Originate refused: {reply.get('Message')}")


async def run_phase(settings: Settings, secret: str, calls: int, ours: bool) -> Phase:
    phase = Phase(calls)
    if ours:
        server: Any = await serve(settings.fastagi_host, settings.fastagi_port,
                                  timed(service(), phase), AgiLimits())
    else:
        server = await asyncio.start_server(minimal(phase), settings.fastagi_host,
                                            settings.fastagi_port)
    try:
        phase.first_sent = time.perf_counter()
        await asyncio.to_thread(originate_all, settings, secret, calls)
        try:
            await asyncio.wait_for(phase.all_ended.wait(), CALL_TIMEOUT)
        except TimeoutError:
            pass
    finally:
        server.close()
        await server.wait_closed()
    await asyncio.sleep(2)  # the callers' ;1 legs hang up behind the sessions
    return phase


def quantile_ms(values: list[float], q: int) -> float:
    """The q-th percentile in ms."""
    if len(values) < 2:
        return round(values[0] * 1000, 3) if values else 0.0
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000, 3)


async def measure(settings: Settings, secret: str, calls: int) -> dict[str, Any]:
    baseline = await run_phase(settings, secret, calls, ours=False)
    ours = await run_phase(settings, secret, calls, ours=True)
    for name, phase in (("baseline", baseline), ("ours", ours)):
        if phase.wrong:
            print(f"{calls} calls, {name}: not completed: {dict(phase.wrong.most_common(5))}",
                  file=sys.stderr)
    return {"concurrent": calls,
            "turnaround_p50_ms": quantile_ms(ours.turnarounds, 50),
            "turnaround_p99_ms": quantile_ms(ours.turnarounds, 99),
            "calls_per_s": round(ours.calls_per_s, 2),
            "baseline_calls_per_s": round(baseline.calls_per_s, 2),
            "ratio": round(ours.calls_per_s / baseline.calls_per_s, 3)
            if baseline.calls_per_s else 0.0,
            "failed_calls": calls - ours.completed,
            "baseline_failed_calls": calls - baseline.completed,
            "baseline_turnaround_p99_ms": quantile_ms(baseline.turnarounds, 99)}


async def main(concurrent: list[int]) -> list[dict[str, Any]]:
    logging.basicConfig(level=logging.WARNING)
    data_dir = Path(os.environ.get("CALLCENTER_BENCH_DATA_DIR", "/tmp/callcenter-bench-ivr"))
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=data_dir, sandbox_name="benchivr", ami_port=15938,
                        sandbox_sip_port=15960, sandbox_http_port=18988, fastagi_port=14973,
                        http_port=18980)
    sandbox = Sandbox(settings)
    sandbox.stop()
    sandbox.start()
    try:
        secret = ensure_ami_secret(settings)
        return [await measure(settings, secret, calls) for calls in concurrent]
    finally:
        sandbox.stop()


def print_table(runs: list[dict[str, Any]]) -> None:
    print(f"{'calls':>6} {'p50 ms':>8} {'p99 ms':>8} {'calls/s':>8} {'base/s':>8} {'ratio':>6} "
          f"{'failed':>6} {'base failed':>11}")
    for r in runs:
        print(f"{r['concurrent']:>6} {r['turnaround_p50_ms']:>8} {r['turnaround_p99_ms']:>8} "
              f"{r['calls_per_s']:>8} {r['baseline_calls_per_s']:>8} {r['ratio']:>6} "
              f"{r['failed_calls']:>6} {r['baseline_failed_calls']:>11}")


def failures(runs: list[dict[str, Any]]) -> list[str]:
    """Work that went wrong (the targets are reported, not enforced)."""
    return [f"{r['concurrent']} calls: {r['failed_calls']} failed on our server, "
            f"{r['baseline_failed_calls']} on the baseline"
            for r in runs if r["failed_calls"] or r["baseline_failed_calls"]]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrent", type=int, nargs="+", default=[50, 100, 200])
    runs = asyncio.run(main(parser.parse_args().concurrent))
    print_table(runs)
    for problem in failures(runs):
        print(f"FAILED: {problem}", file=sys.stderr)
    for r in runs:
        met = r["turnaround_p99_ms"] <= TARGET_P99_MS and r["ratio"] >= TARGET_RATIO
        print(f"{r['concurrent']} calls: targets (p99 <= {TARGET_P99_MS} ms, ratio >= "
              f"{TARGET_RATIO}) {'met' if met else 'missed'}")
    print(json.dumps({"runs": runs}))
    sys.exit(1 if failures(runs) else 0)
