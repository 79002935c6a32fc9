"""The campaign runner on its own: the snapshot of the queue's agents, as many leads claimed as
the pacer wants, the ringing calls it picks hung up (none rung under 15 s) and recorded as no
answer, an Originate Asterisk refuses recorded as a failed attempt, and on a stop the leads
claimed but not placed handed back."""
from __future__ import annotations

import asyncio

from ctiserver.acd.agentstate import AVAILABLE, ON_CALL, WRAPUP, AgentView, HandledCall
from ctiserver.ami import events as ev
from ctiserver.ami.client import AmiError
from dialer.attempts import AttemptOutcome, AttemptResult, AttemptTracker, DialAttempt
from dialer.campaigns import CampaignSettings
from dialer.hopper import ClaimedLead
from dialer.runner import CampaignPlan, CampaignRunner, snapshot

from tests.helpers.outbound import FakeHopper, PickingPacer, RecordingPacer
from tests.helpers.waiting import poll_until

T0 = 1_800_000_000.0
QUEUE = "outbound-张"


def lead(lead_id: int) -> ClaimedLead:
    return ClaimedLead(lead_id, "c", f"+4420790000{lead_id:02d}", (), "Jürgen", None, {}, None,
                       0, "fresh")


def view(interface: str, state: str, since: float, queues: tuple[str, ...] = (QUEUE,)) -> AgentView:
    return AgentView(interface, "", state, "", "", since, list(queues))


AGENTS = {v.interface: v for v in [
    view("Local/1@agents", AVAILABLE, T0 - 50), view("Local/2@agents", AVAILABLE, T0 - 5),
    view("Local/3@agents", ON_CALL, T0 - 30), view("Local/4@agents", WRAPUP, T0 - 2),
    view("Local/5@agents", AVAILABLE, T0, queues=("other",))]}


async def no_hang_up(tracker: AttemptTracker, attempt_id: str, at: float) -> None:
    raise AssertionError("nothing to hang up")


def runner(hopper: FakeHopper, place, calls: list | None = None, hang_up=no_hang_up) -> CampaignRunner:
    async def record_call(outcome: AttemptOutcome, **linked: object) -> None:
        (calls if calls is not None else []).append((outcome, linked))

    # the loop never sleeps here: the stop test stops it within its first tick
    plan = CampaignPlan(7, "c", CampaignSettings(rule_set="UK", queue=QUEUE, mode="progressive"))
    return CampaignRunner(plan, hopper=hopper, place=place, hang_up=hang_up, record_call=record_call,
                          agents=lambda: AGENTS, ring_timeout=20, background=asyncio.ensure_future,
                          clock=lambda: T0, sleep=lambda seconds: asyncio.Event().wait())


async def placing(tracker: AttemptTracker, attempt: DialAttempt, at: float) -> None:
    tracker.placed(attempt, at)


def test_the_snapshot_counts_the_campaign_queues_agents_and_the_calls_in_flight():
    tracker = AttemptTracker(None)
    tracker.placed(DialAttempt("a1", "c", "1", "+442079000001", QUEUE), T0 - 3)
    now = snapshot(AGENTS, QUEUE, T0, tracker)
    assert (now.ready, now.talking, now.wrapping) == (2, (30.0,), (2.0,))
    assert now.ringing == (3.0,) and now.waiting == 0


async def test_each_tick_places_what_the_pacer_wants():
    hopper = FakeHopper([lead(i) for i in range(5)])
    dialing = runner(hopper, placing)
    assert await dialing.tick() == 2, "progressive: one call per free agent"
    assert await dialing.tick() == 0 and hopper.wanted == [2], "both still ringing"
    attempts = dialing.tracker.ringing(T0)
    assert len(attempts) == 2


async def test_the_pacer_picks_ringing_calls_to_hang_up_and_none_rung_under_15_s_is():
    hung_up: list[str] = []

    async def hang_up(tracker: AttemptTracker, attempt_id: str, at: float) -> None:
        tracker.hang_up(attempt_id, at)
        hung_up.append(attempt_id)

    hopper, calls = FakeHopper(), []
    dialing = runner(hopper, placing, calls, hang_up)
    dialing.pacer = pacer = PickingPacer()
    dialing.tracker = AttemptTracker(pacer)
    for attempt_id, rung in [("old", 15.0), ("young", 14.5), ("older", 24.0)]:
        dialing.tracker.placed(DialAttempt(attempt_id, "c", "1", "+442079000001", QUEUE), T0 - rung)
    assert await dialing.tick() == 0
    assert pacer.seen[0].ringing == (15.0, 14.5, 24.0)
    assert hung_up == ["old", "older"]
    assert pacer.ended == [(15.0, False), (24.0, False)]
    assert dialing.tracker.ringing(T0) == (14.5,), "hung up: no longer in flight"
    dialing.handle(ev.OriginateResult(timestamp=T0 + 0.2, action_id="x", success=False, reason=1,
                                      channel="Local/x", uniqueid="old"))
    await poll_until(lambda: hopper.recorded, "the hung-up attempt recorded", 5, every=0.01)
    [(lead_id, attempt)] = hopper.recorded
    assert attempt.result is AttemptResult.NO_ANSWER and attempt.call_key == "old"
    assert calls[0][0].result is AttemptResult.NO_ANSWER


async def test_an_originate_asterisk_refuses_is_a_failed_attempt_with_its_call_row():
    async def refused(tracker: AttemptTracker, attempt: DialAttempt, at: float) -> None:
        raise AmiError("Originate failed")

    hopper, calls = FakeHopper([lead(1)]), []
    dialing = runner(hopper, refused, calls)
    assert await dialing.tick() == 0
    [(lead_id, attempt)] = hopper.recorded
    assert lead_id == 1 and attempt.result is AttemptResult.FAILED and attempt.call_key
    [(outcome, linked)] = calls
    assert linked == {"placed_at": T0, "agent_interface": None, "campaign_id": 7, "lead_id": 1}


async def test_a_stop_hands_back_the_leads_claimed_but_not_placed():
    gate, first = asyncio.Event(), asyncio.Event()

    async def slow(tracker: AttemptTracker, attempt: DialAttempt, at: float) -> None:
        first.set()
        await gate.wait()
        tracker.placed(attempt, at)

    hopper = FakeHopper([lead(1), lead(2)])
    dialing = runner(hopper, slow)
    dialing.start(dialing.plan)
    await asyncio.wait_for(first.wait(), 5)
    stopping = asyncio.ensure_future(dialing.stop())  # runs before the Originate resumes
    gate.set()
    await asyncio.wait_for(stopping, 5)
    assert hopper.released == [2] and len(dialing.tracker.ringing(T0)) == 1
    assert not dialing.running



def on_channel(at: float, uniqueid: str) -> dict:
    return {"timestamp": T0 + at, "channel": "Local/+442079000001@sim-customer-1;1",
            "uniqueid": uniqueid, "linkedid": uniqueid, "caller_num": "", "caller_name": "",
            "state": 6}


async def test_the_pacer_hears_talk_and_wrap_up_when_the_after_call_work_of_its_call_ends():
    dialing = runner(FakeHopper([]), placing)
    pacer = RecordingPacer()
    dialing.tracker = AttemptTracker(pacer)
    call = DialAttempt("a-7", "c", "1", "+442079000001", QUEUE, amd=False)
    dialing.tracker.placed(call, T0)
    for event in [ev.ChannelUpdated(**on_channel(2, call.attempt_id)),
                  ev.AgentConnected(**on_channel(2.5, call.attempt_id), queue=QUEUE,
                                    interface="Local/1@agents", member_name="", hold_time=0,
                                    ring_time=0, dest_uniqueid="ag-1", dest_channel="Local/1@a;1"),
                  ev.ChannelHungUp(**on_channel(32.5, call.attempt_id), cause=16, cause_text="")]:
        dialing.handle(event)
    dialing.wrapped(HandledCall("someone-else", QUEUE, 10, 0, 5))
    assert pacer.finished == []
    dialing.wrapped(HandledCall(call.attempt_id, QUEUE, 30, 0, 12))
    assert pacer.finished == [(30.0, 12)]
