"""300 randomized calls through the real Asterisk; every queue figure the wallboard's websocket
sends at the end equals what this test computes itself from Asterisk's queue_log."""
from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict

import aiohttp
import pytest

from ctiserver.ami.events import AmiEvent
from asterisk_conf.simulation import agent_member, caller_originate
from crm_core.users import create_user
from ctiserver.ami import events as ev
from ctiserver.ami.client import AmiError
from ctiserver.acd.queue_log import QueueLogEntry, parse_queue_log
from ctiserver.acd.stats import QueueTargets

from .conftest import new_number

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

QUEUES = {"support": ["1001", "1002", "1003", "1004"], "sales": ["1005", "1006", "1007", "1008"]}
CALLS = 300
EXITS = ("EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY")


def expected_figures(entries: list[QueueLogEntry], day_start: float,
                     targets: QueueTargets) -> dict[str, dict]:
    """Today's figures per queue, straight from queue_log lines, by the formulas the
    statistics module documents."""
    q: dict[str, dict] = defaultdict(lambda: defaultdict(float))
    for e in entries:
        if e.time < day_start or e.queue in ("NONE", ""):
            continue
        f = q[e.queue]
        if e.event == "ENTERQUEUE":
            f["offered"] += 1
        elif e.event == "CONNECT":
            wait = float(e.data[0])
            f["answered"] += 1
            f["wait"] += wait
            f["answered_within"] += wait <= targets.sl_threshold
        elif e.event == "ABANDON" or e.event in EXITS:
            wait = float(e.data[2])
            f["abandoned" if e.event == "ABANDON" else "timed_out"] += 1
            f["short_abandoned"] += e.event == "ABANDON" and wait < targets.short_abandon
            f["lost_within"] += wait <= targets.sl_threshold
        elif e.event in ("COMPLETECALLER", "COMPLETEAGENT", "BLINDTRANSFER"):
            f["talk"] += float(e.data[1 if e.event != "BLINDTRANSFER" else 3])
            f["completed"] += 1
    out = {}
    for name, f in q.items():
        lost = f["abandoned"] + f["timed_out"]
        short = f["short_abandoned"]
        out[name] = {
            "offered": f["offered"], "answered": f["answered"], "abandoned": f["abandoned"],
            "short_abandoned": short, "timed_out": f["timed_out"],
            "asa": f["wait"] / f["answered"] if f["answered"] else None,
            "abandon_rate": _ratio(f["abandoned"] - short, f["answered"] + lost - short),
            "service_level": {
                "answered_only": _ratio(f["answered_within"], f["answered"]),
                "abandons_within_success": _ratio(f["answered_within"] + f["lost_within"], f["answered"] + lost),
                "all_abandons_fail": _ratio(f["answered_within"], f["answered"] + lost),
                "abandons_within_excluded": _ratio(f["answered_within"], f["answered"] + lost - f["lost_within"]),
            },
            "talk": f["talk"], "handled": f["completed"],
        }
    return out


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


async def place_calls(cti, rng: random.Random) -> None:
    ami = cti.server.ami
    for i in range(CALLS):
        queue = rng.choice(list(QUEUES))
        roll = rng.random()
        kwargs = dict(patience=120.0, queue_timeout=None, no_answer=None)
        if roll < 0.12:
            kwargs["patience"] = rng.uniform(0.5, 3.5)  # short abandon
        elif roll < 0.20:
            kwargs["patience"] = rng.uniform(6, 9)  # long abandon, when agents are busy
        elif roll < 0.26:
            kwargs["queue_timeout"] = 4  # timeout, when agents are busy
        elif roll < 0.32:
            kwargs["no_answer"] = [rng.choice(QUEUES[queue])]  # an agent lets it ring
        await ami.originate(caller_originate(
            queue, number=new_number(), name=f"Kunde {i} Zoë 王", ring=rng.uniform(0.3, 1.0),
            talk=rng.uniform(0.5, 2.5), hangup_by=rng.choice(("caller", "agent")), **kwargs))
        await asyncio.sleep(rng.uniform(0.05, 0.45))


async def blind_transfers(cti, count: int) -> int:
    """Blind-transfer the first answered sales calls to the support queue."""
    done = 0
    connected: asyncio.Queue = asyncio.Queue()

    def watch(event) -> None:
        if isinstance(event, ev.AgentConnected) and event.queue == "sales":
            connected.put_nowait(event)

    unsubscribe = cti.server.bus.subscribe(AmiEvent, watch)
    try:
        while done < count:
            event = await asyncio.wait_for(connected.get(), 60)
            try:
                await cti.server.ami.send({"Action": "BlindTransfer", "Channel": event.dest_channel,
                                           "Context": cti.server.settings.queue_context,
                                           "Exten": "support"})
            except AmiError:  # that call ended first
                continue
            done += 1
    finally:
        unsubscribe()
    return done


async def pause_during(cti, ext: str) -> None:
    interface = agent_member(ext)[0]
    await asyncio.sleep(8)
    await cti.server.agent_control.pause(interface, "break")
    await asyncio.sleep(15)
    await cti.server.agent_control.unpause(interface)


def scenario_calls(cti) -> list:
    """Calls of this scenario still in progress (other tests' calls do not count)."""
    return [c for c in cti.server.tracker.calls.values() if any(j.queue in QUEUES for j in c.journeys)]


async def settled(cti, quiet: float = 3.0, timeout: float = 240) -> None:
    """No call of the scenario in progress and nothing new for a while (wrap-ups over)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not scenario_calls(cti):
            await asyncio.sleep(quiet)
            if not scenario_calls(cti):
                return
        await asyncio.sleep(0.5)
    pytest.fail(f"calls still in progress: {scenario_calls(cti)[:3]}")


async def test_wallboard_figures_equal_queue_log_after_300_random_calls(cti, db, asterisk, queue_log_mark):
    _, token = await create_user(db, f"admin{new_number()}", display_name="Admin", role="admin")
    for queue, exts in QUEUES.items():
        for ext in exts:
            interface, state = agent_member(ext)
            await cti.server.agent_control.log_in(interface, [queue], name=ext, state_interface=state)
    latest: list[dict] = []
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{cti.url}/ws/wallboard?token={token}", max_msg_size=0)

        async def read() -> None:
            async for message in ws:
                data = message.json()
                if data.get("type") == "stats":
                    latest.append(data)

        reader = asyncio.ensure_future(read())
        rng = random.Random(300)
        try:
            transfers = asyncio.ensure_future(blind_transfers(cti, 5))
            await asyncio.gather(place_calls(cti, rng), pause_during(cti, "1007"))
            assert await asyncio.wait_for(transfers, 60) == 5
            await settled(cti)
            await asyncio.sleep(1.5)  # one more periodic refresh after the last change
        finally:
            for queue, exts in QUEUES.items():
                for ext in exts:
                    await cti.server.ami.send({"Action": "QueueRemove", "Queue": queue,
                                               "Interface": agent_member(ext)[0]})
            reader.cancel()
            await ws.close()

    snapshot = [m for m in latest if m["full"]][-1]  # settled: nothing changed since
    entries = parse_queue_log(asterisk.queue_log_path.read_text("utf-8"))
    expected = expected_figures(entries, snapshot["day_start"], QueueTargets())
    kinds = defaultdict(int)
    for e in parse_queue_log(asterisk.read_queue_log_since(queue_log_mark)):
        kinds[e.event] += 1
    assert kinds["ABANDON"] >= 10 and kinds["EXITWITHTIMEOUT"] >= 3 and kinds["RINGNOANSWER"] >= 2
    assert kinds["BLINDTRANSFER"] == 5 and kinds["PAUSE"] >= 1

    for queue in QUEUES:
        shown, truth = snapshot["queues"][queue]["today"], expected[queue]
        for figure in ("offered", "answered", "abandoned", "short_abandoned", "timed_out", "handled"):
            assert shown[figure] == truth[figure], (queue, figure)
        assert shown["asa"] == pytest.approx(truth["asa"], abs=1)
        assert shown["talk"] == pytest.approx(truth["talk"], abs=1)
        assert shown["abandon_rate"] == pytest.approx(truth["abandon_rate"], abs=1e-9)
        for variant, value in truth["service_level"].items():
            assert shown["service_level"][variant] == pytest.approx(value, abs=1e-9), (queue, variant)
        assert snapshot["queues"][queue]["waiting"] == 0
