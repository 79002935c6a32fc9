"""The statistics on the real Asterisk: what the wallboard's websocket sends equals what this test
computes itself from Asterisk's queue_log, after 300 randomized calls and after a scenario of
every way out of a queue (answered, hang-ups, Queue()'s timeout, keys, an empty queue), where
figures rebuilt from queue_log by a fresh statistics instance are compared too."""
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
from ctiserver.acd.agentstate import WRAPUP, AgentStateMachine
from ctiserver.acd.queue_log import QueueLogEntry, parse_queue_log
from ctiserver.acd.stats import WINDOWS, QueueStats, QueueTargets, StatsFeed, rebuild_from_queue_log
from ctiserver.ami import events as ev
from ctiserver.ami.client import AmiError
from ctiserver.calls.tracker import CallAnswered, CallEnded, Notice, OfferEnded, QueueCallerDeparted

from tests.helpers.product import new_number
from tests.helpers.waiting import BusWatch, Changes

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

QUEUES = {"support": ["1001", "1002", "1003", "1004"], "sales": ["1005", "1006", "1007", "1008"]}
CALLS = 300
# How a caller leaves unanswered -> the figure it counts in, and where its wait is:
# EXITWITHKEY key|pos|origpos|wait, the others pos|origpos|wait.
LEFT = {"ABANDON": ("abandoned", 2), "EXITWITHTIMEOUT": ("timed_out", 2),
        "EXITEMPTY": ("exit_empty", 2), "EXITWITHKEY": ("exit_key", 3)}
COMPLETED = {"COMPLETECALLER": 1, "COMPLETEAGENT": 1, "BLINDTRANSFER": 3}  # index of the talk


def queue_log_period(entries: list[QueueLogEntry], queue: str, targets: QueueTargets,
                     since: float, until: float, *, from_day_start: bool) -> dict:
    """One queue's figures for lines stamped in the period, straight from queue_log by the
    formulas the statistics module documents: today is [day start, until], a window
    (until - span, until]. Occupancy, hold and wrap-up are not in queue_log: hold and wrap-up
    are 0 here (who calls this knows no call was held and the queue has no wrap-up)."""
    f: dict[str, float] = defaultdict(float)
    for e in entries:
        before = e.time < since if from_day_start else e.time <= since
        if e.queue != queue or e.time > until or before:
            continue
        if e.event == "ENTERQUEUE":
            f["offered"] += 1
        elif e.event == "CONNECT":
            wait = float(e.data[0])
            f["answered"] += 1
            f["wait"] += wait
            f["answered_within"] += wait <= targets.sl_threshold
        elif e.event in LEFT:
            figure, index = LEFT[e.event]
            wait = float(e.data[index])
            f[figure] += 1
            f["short_abandoned"] += figure == "abandoned" and wait < targets.short_abandon
            f["lost_within"] += wait <= targets.sl_threshold
        elif e.event in COMPLETED:
            f["talk"] += float(e.data[COMPLETED[e.event]])
            f["handled"] += 1
    answered, within, short = f["answered"], f["answered_within"], f["short_abandoned"]
    lost = sum(f[name] for name, _ in LEFT.values())
    lost_within, handled = f["lost_within"], f["handled"]
    return {
        **{k: int(f[k]) for k in ("offered", "answered", "answered_within", "abandoned",
                                  "short_abandoned", "timed_out", "exit_empty", "exit_key",
                                  "lost_within", "handled")},
        "lost": int(lost),
        "service_level": {
            "answered_only": _ratio(within, answered),
            "abandons_within_success": _ratio(within + lost_within, answered + lost),
            "all_abandons_fail": _ratio(within, answered + lost),
            "abandons_within_excluded": _ratio(within, answered + lost - lost_within),
        },
        "asa": _ratio(f["wait"], answered),
        "abandon_rate": _ratio(f["abandoned"] - short, answered + lost - short),
        "talk": f["talk"], "hold": 0.0, "wrapup": 0.0,
        "avg_talk": _ratio(f["talk"], handled), "avg_hold": _ratio(0.0, handled),
        "avg_wrapup": _ratio(0.0, handled), "aht": _ratio(f["talk"], handled),
    }


def expected_figures(entries: list[QueueLogEntry], day_start: float, now: float,
                     targets: QueueTargets) -> dict[str, dict]:
    """Today's figures per queue of the random scenario."""
    return {q: queue_log_period(entries, q, targets, day_start, now, from_day_start=True)
            for q in QUEUES}


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
            # two of the queue's four agents let it ring: rrmemory rings one of them first
            # about half the time (one agent alone gave a single RINGNOANSWER in 1 of ~8 runs)
            kwargs["no_answer"] = rng.sample(QUEUES[queue], 2)
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


async def settled(cti, timeout: float = 240) -> None:
    """No call of the scenario in progress and none of its agents in wrap-up: re-checked on
    every event and notice the CTI server handles (the agents' wrap-up ends on its tick)."""
    agents = {agent_member(ext)[0] for exts in QUEUES.values() for ext in exts}

    def quiet() -> bool:
        views = cti.server.feed.agents.agents()
        return not scenario_calls(cti) and not any(
            views[a].state == WRAPUP for a in agents if a in views)

    with BusWatch(cti.server.bus) as watch:
        await watch.until(quiet, "the scenario's calls and wrap-ups to end", timeout, every=1.0)


async def test_wallboard_figures_equal_queue_log_after_300_random_calls(cti, db, asterisk, queue_log_mark):
    _, token = await create_user(db, f"admin{new_number()}", display_name="Admin", role="admin")
    for queue, exts in QUEUES.items():
        for ext in exts:
            interface, state = agent_member(ext)
            await cti.server.agent_control.log_in(interface, [queue], name=ext, state_interface=state)
    latest: list[dict] = []
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{cti.url}/ws/wallboard?token={token}", max_msg_size=0)

        arrived = Changes()

        async def read() -> None:
            async for message in ws:
                data = message.json()
                if data.get("type") == "stats":
                    latest.append(data)
                    arrived.notify()

        reader = asyncio.ensure_future(read())
        rng = random.Random(300)
        try:
            transfers = asyncio.ensure_future(blind_transfers(cti, 5))
            await asyncio.gather(place_calls(cti, rng), pause_during(cti, "1007"))
            assert await asyncio.wait_for(transfers, 60) == 5
            await settled(cti)
            since = time.time()  # the next full snapshot shows the settled figures
            await arrived.until(lambda: any(m["full"] and m["event_at"] >= since for m in latest),
                                "a full wallboard snapshot after the scenario", 10)
        finally:
            for queue, exts in QUEUES.items():
                for ext in exts:
                    await cti.server.ami.send({"Action": "QueueRemove", "Queue": queue,
                                               "Interface": agent_member(ext)[0]})
            reader.cancel()
            await ws.close()

    snapshot = [m for m in latest if m["full"]][-1]  # settled: nothing changed since
    entries = parse_queue_log(asterisk.queue_log_path.read_text("utf-8"))
    expected = expected_figures(entries, snapshot["day_start"], snapshot["at"], QueueTargets())
    kinds = defaultdict(int)
    for e in parse_queue_log(asterisk.read_queue_log_since(queue_log_mark)):
        kinds[e.event] += 1
    assert kinds["ABANDON"] >= 10 and kinds["EXITWITHTIMEOUT"] >= 3 and kinds["RINGNOANSWER"] >= 2
    assert kinds["BLINDTRANSFER"] == 5 and kinds["PAUSE"] >= 1

    for queue in QUEUES:
        shown, truth = snapshot["queues"][queue]["today"], expected[queue]
        for figure in ("offered", "answered", "abandoned", "short_abandoned", "timed_out",
                       "exit_empty", "exit_key", "lost", "handled"):
            assert shown[figure] == truth[figure], (queue, figure)
        assert shown["asa"] == pytest.approx(truth["asa"], abs=1)
        assert shown["talk"] == pytest.approx(truth["talk"], abs=1)
        assert shown["abandon_rate"] == pytest.approx(truth["abandon_rate"], abs=1e-9)
        for variant, value in truth["service_level"].items():
            assert shown["service_level"][variant] == pytest.approx(value, abs=1e-9), (queue, variant)
        assert snapshot["queues"][queue]["waiting"] == 0

    # What a restarted CTI server would show: a fresh statistics instance rebuilt from queue_log.
    feed = StatsFeed(QueueStats(), AgentStateMachine())
    names = {ext: agent_member(ext)[0] for exts in QUEUES.values() for ext in exts}
    rebuild_from_queue_log(entries, snapshot["at"], feed, names)
    rebuilt = feed.stats.snapshot(snapshot["at"])
    for queue in QUEUES:
        for period in ("today", *WINDOWS):
            shown, again = snapshot["queues"][queue][period], rebuilt["queues"][queue][period]
            for figure in ("offered", "answered", "answered_within", "abandoned", "short_abandoned",
                           "timed_out", "exit_empty", "exit_key", "lost", "lost_within", "handled",
                           "service_level", "asa", "abandon_rate"):
                assert_same(again[figure], shown[figure], f"rebuilt {queue} {period} {figure}")
            # queue_log's talk seconds and AgentComplete's are each Asterisk's whole seconds,
            # taken apart: they may straddle a second (as live against queue_log above)
            assert again["talk"] == pytest.approx(shown["talk"], abs=1), (queue, period)


# --- every way out of a queue --------------------------------------------------------------

EXITS_QUEUE = "exits"
"""leavewhenempty = paused, context = sim-queue-keys (tests/fixtures/asterisk.py)."""
EXITS_AGENTS = ("1041", "1042")
EXITS_TARGETS = QueueTargets(sl_threshold=2, short_abandon=2)
"""Short thresholds, so the scenario's waits of 0 to 4 s fall on both sides of each."""


class Notices:
    """The CTI server's tracker notices of the scenario's calls, to wait on."""

    def __init__(self) -> None:
        self.by_call: dict[str, list] = defaultdict(list)
        self._changed = asyncio.Event()

    def __call__(self, notice) -> None:
        if isinstance(notice, CallEnded):
            key = notice.record.call_key
        else:
            key = getattr(notice, "call_key", None)
        if key is not None:
            self.by_call[key].append(notice)
            self._changed.set()

    def of(self, key: str, kind: type) -> list:
        return [n for n in self.by_call[key] if isinstance(n, kind)]

    async def until(self, what: str, done, timeout: float = 20.0) -> None:
        """Wait for ``done()`` to hold after some notice; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not done():
            self._changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                pytest.fail(f"timed out waiting for {what}")
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except asyncio.TimeoutError:
                pass

    async def answered(self, *keys: str) -> None:
        await self.until(f"answers of {keys}", lambda: all(self.of(k, CallAnswered) for k in keys))

    async def departed(self, *keys: str) -> None:
        await self.until(f"departures of {keys}",
                         lambda: all(self.of(k, QueueCallerDeparted) for k in keys))

    async def ended(self, *keys: str) -> None:
        await self.until(f"ends of {keys}", lambda: all(self.of(k, CallEnded) for k in keys))

    async def ringing(self, key: str) -> None:
        await self.until(f"an agent ringing for {key}",
                         lambda: len(self.by_call[key]) > 1 and not self.of(key, CallAnswered))


async def exits_scenario(cti, notices: Notices) -> dict[str, str]:
    """Callers of every kind, each step waiting on the tracker; returns call key -> how the
    call ends, as queue_log will name it."""
    ami, agents = cti.server.ami, [agent_member(ext)[0] for ext in EXITS_AGENTS]
    expected: dict[str, str] = {}

    async def call(outcome: str, **kwargs) -> str:
        params = dict(patience=60.0, talk=1.0, ring=0.3, hangup_by="caller") | kwargs
        channel_id = await ami.originate(caller_originate(
            EXITS_QUEUE, number=new_number(), name=f"Ausgang {len(expected)} Zoë 王", **params))
        key = f"{channel_id};2"  # the queue caller is the Local channel's ;2 leg
        expected[key] = outcome
        return key

    # Both agents talk (the first caller hangs up mid-talk, the second's agent does) while
    # callers behind them press a key (from position 1 and 2) or hang up, short and long.
    first = await call("answered", talk=7, hangup_by="caller")
    second = await call("answered", talk=7, hangup_by="agent")
    await notices.answered(first, second)
    behind = [await call("exitwithkey", key="5", key_after=1.0),
              await call("exitwithkey", key="7", key_after=3.2),
              await call("abandoned", patience=0.8),
              await call("abandoned", patience=3.2)]
    await notices.departed(*behind)
    await notices.ended(first, second)
    # Free agents: a key pressed while they ring, a key that is no exit (then answered), and
    # Queue()'s timeout while nobody answers.
    nobody = list(EXITS_AGENTS)
    await notices.departed(await call("exitwithkey", key="3", key_after=1.2, no_answer=nobody))
    kept = await call("answered", key="#", key_after=0.3, ring=1.5, talk=1.5)
    await notices.ended(kept)
    await notices.departed(await call("timeout", queue_timeout=2, no_answer=nobody))
    # Every member pauses: the waiting caller leaves once its ring round ends, and a caller who
    # arrives now leaves at once (joinempty = yes lets it in first).
    waiting = await call("exitempty", no_answer=nobody)
    await notices.ringing(waiting)
    for interface in agents:
        await cti.server.agent_control.pause(interface, "break")
    await notices.departed(waiting)
    await notices.departed(await call("exitempty"))
    for interface in agents:
        await cti.server.agent_control.unpause(interface)
    # Back: a caller hangs up while an agent's phone rings, one talks and hangs up mid-talk.
    await notices.departed(await call("abandoned", patience=1.0, ring=4))
    await notices.ended(await call("answered", talk=2, hangup_by="caller"))
    await notices.ended(*expected)
    return expected


async def test_every_way_out_live_equals_rebuilt_equals_queue_log(cti, db, asterisk,
                                                                  queue_log_mark):
    """Keys, an empty queue, timeouts, hang-ups waiting and mid-talk: the wallboard's figures,
    the figures a freshly started statistics instance rebuilds from queue_log and this test's
    own queue_log computation agree on every call figure of every period (occupancy, hold
    and wrap-up are agent time, which queue_log does not have)."""
    _, token = await create_user(db, f"admin{new_number()}", display_name="Admin", role="admin")
    stats = cti.server.feed.stats
    stats.targets[EXITS_QUEUE] = EXITS_TARGETS
    for ext in EXITS_AGENTS:
        interface, state = agent_member(ext)
        await cti.server.agent_control.log_in(interface, [EXITS_QUEUE], name=ext,
                                              state_interface=state)
    notices = Notices()
    unsubscribe = cti.server.bus.subscribe(Notice, notices)
    full: asyncio.Queue = asyncio.Queue()
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{cti.url}/ws/wallboard?token={token}", max_msg_size=0)

        async def read() -> None:
            async for message in ws:
                data = message.json()
                if data.get("type") == "stats" and data["full"]:
                    full.put_nowait(data)

        reader = asyncio.ensure_future(read())
        try:
            expected = await exits_scenario(cti, notices)
            done = time.time()
            while (snapshot := await asyncio.wait_for(full.get(), 10))["at"] <= done:
                pass  # the first whole snapshot sent after the scenario's last call ended
        finally:
            unsubscribe()
            for ext in EXITS_AGENTS:
                await cti.server.ami.send({"Action": "QueueRemove", "Queue": EXITS_QUEUE,
                                           "Interface": agent_member(ext)[0]})
            reader.cancel()
            await ws.close()

    mine = parse_queue_log(asterisk.read_queue_log_since(queue_log_mark))
    outcomes = {e.uniqueid: e.event for e in mine
                if e.queue == EXITS_QUEUE and e.event in (*LEFT, "CONNECT")}
    named = {"CONNECT": "answered", "ABANDON": "abandoned", "EXITWITHTIMEOUT": "timeout",
             "EXITEMPTY": "exitempty", "EXITWITHKEY": "exitwithkey"}
    assert {k: named[v] for k, v in outcomes.items()} == expected, "each caller left as meant"
    for key, outcome in expected.items():  # the tracker told each exit apart itself
        departed = notices.of(key, QueueCallerDeparted)
        assert [d.outcome for d in departed] == ([] if outcome == "answered" else [outcome]), key
    key_ringing = [k for k, o in expected.items()
                   if o == "exitwithkey" and notices.of(k, OfferEnded)]
    assert {n.reason for k in key_ringing for n in notices.of(k, OfferEnded)} == {"exitwithkey"}

    now = snapshot["at"]
    entries = parse_queue_log(asterisk.queue_log_path.read_text("utf-8"))
    rebuilt_feed = StatsFeed(QueueStats({EXITS_QUEUE: EXITS_TARGETS}), AgentStateMachine())
    names = {ext: agent_member(ext)[0] for ext in EXITS_AGENTS}
    rebuild_from_queue_log(entries, now, rebuilt_feed, names)
    rebuilt = rebuilt_feed.stats.snapshot(now)["queues"][EXITS_QUEUE]
    live = snapshot["queues"][EXITS_QUEUE]
    assert live["waiting"] == rebuilt["waiting"] == 0
    starts = {"today": snapshot["day_start"],
              **{name: now - span for name, span in WINDOWS.items()}}
    for period, since in starts.items():
        ours = queue_log_period(entries, EXITS_QUEUE, EXITS_TARGETS, since, now,
                                from_day_start=period == "today")
        assert ours["offered"] == len(expected) and ours["lost"] == 9, period
        assert set(live[period]) == set(rebuilt[period]) == set(ours) | {"occupancy", "levels"}
        for figure, value in ours.items():
            assert_same(live[period][figure], value, f"live {period} {figure}")
            assert_same(rebuilt[period][figure], value, f"rebuilt {period} {figure}")


def assert_same(shown, truth, where: str) -> None:
    if isinstance(truth, dict):
        assert shown.keys() == truth.keys(), where
        for key, value in truth.items():
            assert_same(shown[key], value, f"{where}.{key}")
    elif truth is None:
        assert shown is None, where
    else:
        assert shown == pytest.approx(truth, abs=1e-9), where
