"""What the agent gets from the dialer, on its own: the lead's fields, the book of reserved
leads, the desk's calls (agent first, then the customer) and its messages, and a preview
campaign's runner offering each free agent of its queue a lead."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from callcenter.errors import Conflict
from ctiserver.acd.agentstate import AVAILABLE, ON_CALL, AgentView
from ctiserver.ami import events as ev
from ctiserver.ami.actions import Originate
from ctiserver.calls import agent_messages as msg
from ctiserver.calls.screenpop import PopShown
from ctiserver.calls.tracker import CallCompleted
from dialer.attempts import AttemptOutcome, AttemptResult, DialAttempt
from dialer.campaigns import CampaignSettings
from dialer.desk import PreviewDesk
from dialer.hopper import ClaimedLead
from dialer.preview import Reservations, Reserved, direct_result, direct_variables, lead_fields
from dialer.runner import CampaignPlan, CampaignRunner

from tests.helpers.outbound import FakeHopper

T0 = 1_800_000_000.0
QUEUE = "preview-张"
AGENT = "Local/1@agents"


def attempt(lead_id: int = 1) -> DialAttempt:
    return DialAttempt(f"a{lead_id}", "c", str(lead_id), f"+44207900000{lead_id}", QUEUE,
                       amd=False, ring_timeout=20, caller_id="+442071234567")


def reserved(interface: str = AGENT, lead_id: int = 1, at: float = T0, auto: bool = False) -> Reserved:
    return Reserved(interface, "Zoë 李", lead_id, attempt(lead_id), at, auto,
                    "Local/+442079000001@customers", {"SIM_ANSWER": "human", "__SIM_RING": "0"})


def test_dial_statuses_are_attempt_results():
    assert [direct_result(s) for s in ("ANSWER", "BUSY", "NOANSWER", "CONGESTION", "CHANUNAVAIL",
                                       "CANCEL", "")] == [
        AttemptResult.HUMAN, AttemptResult.BUSY, AttemptResult.NO_ANSWER, AttemptResult.CONGESTION,
        AttemptResult.FAILED, AttemptResult.FAILED, AttemptResult.FAILED]


def test_a_leads_fields_tell_its_local_time():
    now = datetime(2026, 12, 2, 12, 30, tzinfo=UTC)
    fields = lead_fields(phone="+81312345678", first_name="Jürgen", last_name="张伟 😀",
                         timezones=["Asia/Tokyo", "UTC"], custom={"plan": "金"}, now=now)
    assert fields == {"first_name": "Jürgen", "last_name": "张伟 😀", "phone": "+81312345678",
                      "timezone": "Asia/Tokyo", "local_time": "21:30", "custom": {"plan": "金"}}
    assert lead_fields(phone="+1", first_name=None, last_name=None, timezones=[], custom={},
                       now=now)["local_time"] is None
    part = msg.LeadPart("c", 1, fields, "script")
    assert part.name == "Jürgen 张伟 😀"
    assert msg.Pop("k", QUEUE, "+1", "", None, False, {}, part).payload()["lead"] == {
        "campaign": "c", "lead_id": 1, "fields": fields, "script": "script"}


def test_the_book_holds_one_lead_per_agent_until_taken_or_expired():
    book = Reservations()
    book.reserve(reserved())
    with pytest.raises(ValueError):
        book.reserve(reserved(lead_id=2))
    book.reserve(reserved("Local/2@agents", 3, at=T0 + 50))
    book.reserve(reserved("Local/3@agents", 4, auto=True))
    assert [r.lead_id for r in book.of_campaign("c")] == [1, 3, 4]
    assert [r.lead_id for r in book.expired(T0 + 60, 60)] == [1], "a callback being dialed stays"
    assert book.of(AGENT) is None and book.take("Local/2@agents").lead_id == 3
    assert book.take("Local/2@agents") is None


def test_the_agents_channel_carries_the_call_and_passes_the_customers_variables_on():
    assert direct_variables(reserved()) == {
        "CC_ATTEMPT": "a1", "CC_CAMPAIGN": "c", "CC_LEAD": "1",
        "CC_DIAL": "Local/+442079000001@customers", "CC_RING": "20",
        "CC_CALLER_ID": "+442071234567", "__CC_AGENT_INTERFACE": AGENT,
        "_SIM_ANSWER": "human", "__SIM_RING": "0"}


# --- the desk, with fakes for Asterisk, the hopper and the lead cards ---------------------------


@dataclass
class FakeAmi:
    sent: list[Originate] = field(default_factory=list)

    async def originate(self, action: Originate) -> str:
        self.sent.append(action)
        return action.channel_id


class Desk:
    """A desk whose agents 1-3 are user ids 11-13, all at their consoles."""

    def __init__(self) -> None:
        self.ami, self.hopper = FakeAmi(), FakeHopper()
        self.sent: list[tuple[int, msg.AgentMessage]] = []
        self.published: list[object] = []
        self.outcomes: list[AttemptOutcome] = []
        self.tasks: list[asyncio.Future] = []
        self.now = T0

        async def card(lead_id: int, agent: str) -> tuple[msg.LeadPart, dict]:
            return msg.LeadPart("c", lead_id, {"first_name": "Åsa", "phone": "+1"},
                                f"Hi from {agent}"), {"id": 40 + lead_id, "name": "Åsa"}

        self.desk = PreviewDesk(
            self.ami, self.hopper, card, context="cc-dialer",
            send=lambda user, message: self.sent.append((user, message)),
            user_of=lambda interface: 10 + int(interface[6]), at_console=lambda user: True,
            publish=self.published.append,
            background=lambda coro: self.tasks.append(asyncio.ensure_future(coro)),
            clock=lambda: self.now, timeout=60)

    async def settled(self) -> None:
        """What the desk started in the background is done."""
        await asyncio.gather(*self.tasks)

    async def finish(self, outcome: AttemptOutcome) -> None:
        self.outcomes.append(outcome)

    def messages(self, kind: type) -> list:
        return [m for _, m in self.sent if isinstance(m, kind)]


async def test_the_desk_shows_the_lead_and_dials_the_agent_then_the_customer():
    d = Desk()
    await d.desk.offer(reserved(), d.finish)
    [preview] = d.messages(msg.Preview)
    assert (preview.name, preview.number, preview.seconds) == ("Åsa", "+442079000001", 60)
    assert preview.lead.script == "Hi from Zoë 李" and preview.customer["id"] == 41
    assert not d.desk.free(AGENT)
    d.now = T0 + 15
    d.desk.show_again(AGENT)  # the console reloaded
    assert [p.seconds for p in d.messages(msg.Preview)] == [60, 45]

    assert await d.desk.dial(AGENT) == (1, "a1")
    [action] = d.ami.sent
    assert (action.channel, action.context, action.exten, action.channel_id) == (
        AGENT, "cc-dialer", "agent", "a1")
    assert action.caller_id == '"Åsa" <+442079000001>'
    assert "CC_DIAL=Local/+442079000001@customers" in action.variable
    [shown] = [p for p in d.published if isinstance(p, PopShown)]
    assert (shown.user_id, shown.offer.call_key, shown.customer_id, shown.campaign) == (
        11, "a1", 41, "c")
    assert d.messages(msg.PreviewEnded) == [msg.PreviewEnded(1, "dialed", "a1")]
    with pytest.raises(Conflict):
        await d.desk.dial(AGENT)

    d.desk.handle(ev.DialerStep(channel=AGENT, uniqueid="a1", linkedid="a1", caller_num="",
                                caller_name="", state=6, step="direct", attempt="a1",
                                status="ANSWER", cause="42", timestamp=T0 + 50))
    await d.settled()
    [outcome] = d.outcomes
    assert (outcome.result, outcome.talk_seconds, outcome.agent, outcome.ended_at) == (
        AttemptResult.HUMAN, 42.0, AGENT, T0 + 50)
    assert outcome.answered_at == outcome.connected_at == T0 + 8
    assert d.messages(msg.Hangup) == [msg.Hangup("a1", "human", 42.0)]
    [completed] = [p for p in d.published if isinstance(p, CallCompleted)]
    assert (completed.call_key, completed.interface, completed.queue) == ("a1", AGENT, QUEUE)
    assert d.desk.free(AGENT)


async def test_a_lead_skipped_expired_or_not_answered_goes_back():
    d = Desk()
    await d.desk.offer(reserved(), d.finish)
    assert await d.desk.skip(AGENT) == 1
    assert d.hopper.skipped[0][0] == 1 and d.hopper.skipped[0][1] > datetime.fromtimestamp(T0, UTC)

    await d.desk.offer(reserved(lead_id=2), d.finish)
    d.now = T0 + 61
    await d.desk.expire()
    await d.desk.offer(reserved(lead_id=3, at=d.now), d.finish)
    await d.desk.dial(AGENT)
    d.desk.handle(ev.OriginateResult(action_id="x", success=False, reason=3, channel=AGENT,
                                     uniqueid="a3", timestamp=None))
    await d.settled()
    assert d.hopper.released == [2, 3]
    assert [(m.lead_id, m.reason) for m in d.messages(msg.PreviewEnded)] == [
        (1, "skipped"), (2, "expired"), (3, "dialed"), (3, "missed")]
    assert d.desk.free(AGENT) and not d.outcomes


async def test_a_callback_for_its_agent_is_dialed_at_once():
    d = Desk()
    await d.desk.offer(reserved(auto=True), d.finish)
    assert d.messages(msg.Preview)[0].seconds is None and [a.channel for a in d.ami.sent] == [AGENT]


# --- a preview campaign's runner ----------------------------------------------------------------


def claimed(lead_id: int, for_agent: str | None = None) -> ClaimedLead:
    return ClaimedLead(lead_id, "c", f"+44207900000{lead_id}", (), "Åsa", None, {}, None, 0,
                       "callback" if for_agent else "fresh", agent_user_id=5 if for_agent else None,
                       agent_interface=for_agent)


async def test_a_preview_campaign_offers_each_free_agent_a_lead_and_holds_callbacks_for_theirs():
    d = Desk()
    agents = {i: AgentView(i, f"Agent {i[6]}", s, "", "", T0, [QUEUE]) for i, s in
              (("Local/1@agents", AVAILABLE), ("Local/2@agents", AVAILABLE),
               ("Local/3@agents", ON_CALL))}
    d.hopper.leads = [claimed(1, for_agent="Local/3@agents"), claimed(2), claimed(3)]

    async def record_call(outcome: AttemptOutcome, **linked: object) -> None: ...

    plan = CampaignPlan(7, "c", CampaignSettings(rule_set="UK", queue=QUEUE, mode="preview"))
    runner = CampaignRunner(plan, hopper=d.hopper, place=None, hang_up=None,
                            record_call=record_call,
                            agents=lambda: agents, ring_timeout=20, background=asyncio.ensure_future,
                            clock=lambda: d.now, sleep=asyncio.sleep, desk=d.desk,
                            channel=lambda number: f"Local/{number}@customers")
    assert await runner.tick() == 1, "agent 3's callback is held, agent 1 gets lead 2"
    assert [(d.desk.book.of(i) or None) and d.desk.book.of(i).lead_id for i in agents] == [2, None, None]
    assert await runner.tick() == 1 and d.desk.book.of("Local/2@agents").lead_id == 3
    assert not d.ami.sent, "nobody dialed before their agent says so"

    agents["Local/3@agents"] = AgentView("Local/3@agents", "Agent 3", AVAILABLE, "", "", T0, [QUEUE])
    await runner.tick()
    [action] = d.ami.sent
    assert action.channel == "Local/3@agents" and "CC_LEAD=1" in action.variable
    await runner.stop()
    assert sorted(d.hopper.released) == [2, 3], "the leads not dialed go back on a stop"
