"""Predictive pacing: our PacingController against VICIdial's adaptive dial level, simulated.

For each team size (10, 20, 50, 100 agents) both pacers drive the same simulated campaign
(dialer.simulation: the same seed, so the k-th call either places has the same fate: 30 %
people, 20 % machines, 10 % busy, 3 % failed, the rest no answer; talk 90 s mean, wrap-up 15 s)
for the same simulated hours. Reported per pacer: agents' utilisation (talk + wrap-up over
logged-in time), idle seconds per connected call, the abandon rate (the worst of the US 30-day
and UK 24-hour windows; a run is shorter than both, so both are the whole run), calls placed;
with the open-loop Erlang-B floor at 3 % loss and the utilisation ratio ours / VICIdial.
The last line is JSON. Exit status 1 when our abandon rate passes 3 % for any team or a run
connected no call.

    python -m bench.pacing [--hours 4] [--seed 1] [--agents 10 20 50 100]
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from dialer.adaptive import AdaptiveLevel
from dialer.pacing import PacingController, open_loop_busy_share
from dialer.simulation import Report, Scenario, simulate

LIMIT = 0.03


def figures(report: Report, cpu: float) -> dict:
    return {"utilisation": round(report.utilisation, 4), "abandon_rate": round(report.abandon_rate, 4),
            "agent_wait_s": round(report.agent_wait, 1), "placed": report.placed,
            "connected": report.connected, "abandoned": report.abandoned, "cpu_s": round(cpu, 1)}


def run(agents: int, hours: float, seed: int) -> dict:
    row: dict = {"agents": agents, "floor": round(open_loop_busy_share(agents, LIMIT), 4)}
    for name, pacer in (("ours", PacingController()), ("vicidial", AdaptiveLevel())):
        started = time.process_time()
        report = simulate(Scenario(agents, hours=hours, seed=seed), pacer)
        row[name] = figures(report, time.process_time() - started)
    row["utilisation_ratio"] = round(row["ours"]["utilisation"] / row["vicidial"]["utilisation"], 3)
    return row


def print_table(rows: list[dict], hours: float, seed: int) -> None:
    print(f"simulated predictive campaign, {hours:g} h per run, seed {seed}; "
          "utilisation = talk + wrap-up over logged-in time; abandon = worst window")
    print(f"{'agents':>6}{'floor':>7} | {'ours util':>9}{'abandon':>8}{'wait s':>7}{'placed':>8} | "
          f"{'vici util':>9}{'abandon':>8}{'wait s':>7}{'placed':>8} | {'ratio':>6}")
    for r in rows:
        o, v = r["ours"], r["vicidial"]
        print(f"{r['agents']:>6}{r['floor']:>7.1%} | {o['utilisation']:>9.1%}{o['abandon_rate']:>8.2%}"
              f"{o['agent_wait_s']:>7.1f}{o['placed']:>8} | {v['utilisation']:>9.1%}"
              f"{v['abandon_rate']:>8.2%}{v['agent_wait_s']:>7.1f}{v['placed']:>8} | "
              f"{r['utilisation_ratio']:>6.2f}")


def failures(rows: list[dict]) -> list[str]:
    wrong = []
    for r in rows:
        if r["ours"]["abandon_rate"] > LIMIT:
            wrong.append(f"{r['agents']} agents: our abandon rate {r['ours']['abandon_rate']:.2%} > 3%")
        if not (r["ours"]["connected"] and r["vicidial"]["connected"]):
            wrong.append(f"{r['agents']} agents: a run connected no call")
    return wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--agents", type=int, nargs="+", default=[10, 20, 50, 100])
    args = parser.parse_args()
    rows = [run(agents, args.hours, args.seed) for agents in args.agents]
    print_table(rows, args.hours, args.seed)
    wrong = failures(rows)
    print(json.dumps({"hours": args.hours, "seed": args.seed, "runs": rows, "ok": not wrong}))
    for failure in wrong:
        print(f"FAILED {failure}", file=sys.stderr)
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
