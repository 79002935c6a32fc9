"""Record an AMI transcript of a scenario from a fresh sandbox instance.

    python -m asterisk_conf.record SCENARIO OUT      (OUT: x.ami or x.ami.gz)

Writes the raw bytes Asterisk sent after the login response to OUT and the queue_log
lines of the same run beside it (x.queue_log). Uses its own instance ("record", AMI port
15138) so a running demo or test sandbox is left alone.
"""
from __future__ import annotations

import argparse
import gzip
import sys
import time
from pathlib import Path

from callcenter.settings import Settings, get_settings

from .rawami import Message, RawAmi
from .sandbox import Sandbox, ensure_ami_secret
from .scenarios import SCENARIOS, Scenario

QUIET_SECONDS = 2.0
"""Silence after the last hangup before the capture ends (hangup handlers, device states)."""


def record_settings(base: Settings) -> Settings:
    return base.model_copy(
        update={"sandbox_name": "record", "ami_port": 15138, "sandbox_sip_port": 15160}
    )


def queue_log_path_for(out: Path) -> Path:
    name = out.name.removesuffix(".gz").removesuffix(".ami")
    return out.with_name(name + ".queue_log")


class _Calls:
    """Counts live channels so the capture ends once every call has settled."""

    def __init__(self) -> None:
        self.live: set[str] = set()

    def see(self, message: Message) -> None:
        event = message.get("Event")
        if event == "Newchannel":
            self.live.add(message["Uniqueid"])
        elif event == "Hangup":
            self.live.discard(message.get("Uniqueid", ""))


def play(ami: RawAmi, scenario: Scenario, max_extra: float = 120.0) -> None:
    """Send each step at its time, then read until every channel is gone and quiet."""
    calls = _Calls()
    start = time.monotonic()
    for at, action in scenario.steps:
        while (wait := start + at - time.monotonic()) > 0:
            for message in ami.read(wait):
                calls.see(message)
        ami.send(action)
    deadline = time.monotonic() + max_extra
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        messages = ami.read(0.2)
        for message in messages:
            calls.see(message)
        if messages or calls.live:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= QUIET_SECONDS:
            return
    raise RuntimeError(f"calls still up after {max_extra}s: {sorted(calls.live)[:5]}")


def record(scenario: Scenario, settings: Settings) -> tuple[bytes, str]:
    """(AMI bytes, queue_log text) of one run on a freshly started instance."""
    sandbox = Sandbox(settings, queues=scenario.queues, sim_agents=scenario.agents)
    sandbox.stop()
    sandbox.start()
    try:
        mark = sandbox.queue_log_mark()
        with RawAmi(settings.ami_host, settings.ami_port) as ami:
            ami.login(settings.ami_user, ensure_ami_secret(settings))
            play(ami, scenario)
            captured = bytes(ami.captured)
        return captured, sandbox.read_queue_log_since(mark)
    finally:
        sandbox.stop()


def write_capture(out: Path, data: bytes, queue_log: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".gz":
        out.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    else:
        out.write_bytes(data)
    queue_log_path_for(out).write_text(queue_log, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m asterisk_conf.record", description=__doc__)
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    data, queue_log = record(SCENARIOS[args.scenario](), record_settings(get_settings()))
    write_capture(args.out, data, queue_log)
    messages = data.count(b"\r\n\r\n")
    print(f"{args.out}: {len(data)} bytes, {messages} messages; "
          f"{len(queue_log.splitlines())} queue_log lines", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
