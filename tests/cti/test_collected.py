"""What the IVR collected: UserEvent CcCollected at the AMI edge, limits and malformed input,
the tracker keeping it with the call (before the queue, across Local legs), the screen pop
and its updates, and the recorder our FastAGI code uses."""
from __future__ import annotations

import asyncio
import logging

import pytest

from ctiserver.agi.protocol import AgiEnvironment
from ctiserver.ami import events as ev
from ctiserver.ami.stream import AmiStreamParser
from ctiserver.calls.tracker import CallEnded, CallOffered, CallTracker, CollectedChanged
from ctiserver.calls.collected import CollectedRecorder
from ctiserver.calls.screenpop import ScreenPopService

from tests.helpers.transcripts import chunks

NAME = "Jürgen 张伟"
CALLER = "Local/support@sim-inbound-00000001;2"


def user_event(*headers: str, uniqueid: str = "u1;2", linkedid: str = "u1", name: str = "CcCollected",
               channel: str = CALLER) -> bytes:
    """A UserEvent as Asterisk 22 writes it for UserEvent(NAME,HEADER,...) in the dialplan."""
    lines = [
        "Event: UserEvent", "Privilege: user,all", "Timestamp: 1795510903.743150",
        f"Channel: {channel}", "ChannelState: 6", "ChannelStateDesc: Up",
        "CallerIDNum: +49301234567", f"CallerIDName: {NAME}", "ConnectedLineNum: <unknown>",
        "ConnectedLineName: <unknown>", "Language: en", "AccountCode: ", "Context: sim-inbound",
        "Exten: support", "Priority: 9", f"Uniqueid: {uniqueid}", f"Linkedid: {linkedid}",
        f"UserEvent: {name}", *headers,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def parse(data: bytes) -> ev.AmiEvent | None:
    (fields,) = AmiStreamParser(ev.BUILDERS).feed(data)
    return ev.parse_event(fields)


# --- the edge ------------------------------------------------------------------------------


def test_user_event_becomes_a_typed_event_with_the_senders_fields_only():
    event = parse(user_event("Account: 4711", f"Name: {NAME}", "Note: a:b c", "Language: de",
                             "Uniqueid: forged", "Empty:"))
    assert isinstance(event, ev.DataCollected)
    assert event.fields == {"Account": "4711", "Name": NAME, "Note": "a:b c", "Language": "de",
                            "Uniqueid": "forged", "Empty": ""}
    # the sender's headers never replace the channel's: the data lands on the right call
    assert (event.uniqueid, event.linkedid, event.channel) == ("u1;2", "u1", CALLER)
    assert event.timestamp == pytest.approx(1795510903.74315)


def test_non_ascii_value_split_across_reads_survives():
    data = user_event(f"Name: {NAME}")
    for seed in range(10):
        parser = AmiStreamParser(ev.BUILDERS)
        (fields,) = [m for read in chunks(data, seed, largest=30) for m in parser.feed(read)]
        assert ev.parse_event(fields).fields == {"Name": NAME}


def test_other_user_events_are_not_ours():
    assert parse(user_event("Queue: support", name="CcClosed")) is None


def test_user_event_passes_the_wanted_events_filter_and_others_still_drop():
    parser = AmiStreamParser(ev.BUILDERS)
    messages = parser.feed(b"Event: DeviceStateChange\r\nDevice: x\r\n\r\n" + user_event("A: 1"))
    assert [m["Event"] for m in messages] == ["UserEvent"] and parser.skipped == 1


def test_limits_keep_bad_input_small(caplog):
    caplog.set_level(logging.WARNING)
    headers = [f"F{i}: {i}" for i in range(40)]
    headers += ["Long: " + "x" * 1000, "N" * 65 + ": too long a name", ": no name",
                "F0: again", "Ctl: a\x00b\x07c"]
    event = parse(user_event(*headers))
    assert len(event.fields) == ev.MAX_FIELDS
    assert event.fields["F0"] == "again", "a name given again takes the new value"
    assert "Long" not in event.fields and "F39" not in event.fields
    assert "more than 32 fields" in caplog.text and "refused" in caplog.text


def test_values_are_cut_names_checked_control_characters_removed():
    fields, problems = ev.collected_fields([
        ("Phrase", "y" * 300), ("  ", "v"), ("Ctl", "a\x00b\tc"), ("Bad\x01name", "v"),
        ("Surrogate", "a\ud800b"),
    ])
    assert fields == {"Phrase": "y" * ev.MAX_VALUE, "Ctl": "a b c", "Surrogate": "a?b"}
    assert len(problems) == 3


def test_malformed_collected_events_are_logged_and_dropped(caplog):
    caplog.set_level(logging.WARNING)
    assert parse(user_event("no colon at all")) is None
    assert "no valid field" in caplog.text
    # e.g. sent with the AMI action UserEvent: no channel to attach the data to
    (fields,) = AmiStreamParser().feed(b"Event: UserEvent\r\nUserEvent: CcCollected\r\nA: 1\r\n\r\n")
    with pytest.raises(KeyError):  # AmiClient.deliver logs and skips it
        ev.parse_event(fields)


# --- the tracker ---------------------------------------------------------------------------


def _ch(cls, uid, linkedid, ts, name=None, **extra):
    return cls(timestamp=ts, channel=name or f"PJSIP/trunk-{uid}", uniqueid=uid, linkedid=linkedid,
               caller_num="+49301234567", caller_name=NAME, state=6, **extra)


def _collected(uid, linkedid, ts, **fields):
    return _ch(ev.DataCollected, uid, linkedid, ts, fields=fields)


def _agent(cls, uid, linkedid, ts, interface="Local/1001@sim-agent/n", **extra):
    return _ch(cls, uid, linkedid, ts, queue="support", interface=interface, member_name="1001",
               **extra)


class Run:
    def __init__(self) -> None:
        self.tracker = CallTracker()
        self.notices: list = []

    def __call__(self, event) -> list:
        out = self.tracker.handle(event, event.timestamp or 0.0)
        self.notices += out
        return out

    def of(self, kind):
        return [n for n in self.notices if isinstance(n, kind)]


def queued_call_via_local_legs(run: Run) -> None:
    """A trunk channel runs the IVR, then dials Local/support@queue: its ;2 leg queues."""
    run(_ch(ev.ChannelCreated, "t", "t", 1.0, exten="100", context="from-trunk"))
    run(_collected("t", "t", 2.0, Account="4711", Name=NAME))
    run(_ch(ev.ChannelCreated, "l;1", "t", 3.0, name="Local/support@queue-1;1", exten="support", context="q"))
    run(_ch(ev.ChannelCreated, "l;2", "t", 3.0, name="Local/support@queue-1;2", exten="support", context="q"))
    run(_collected("l;1", "t", 3.5, Reason="billing"))
    run(_ch(ev.QueueCallerJoined, "l;2", "t", 4.0, name="Local/support@queue-1;2", queue="support", position=1))


def test_data_collected_before_the_queue_on_another_leg_reaches_the_offer_and_the_record():
    run = Run()
    queued_call_via_local_legs(run)
    run(_agent(ev.AgentCalled, "l;2", "t", 5.0, dest_uniqueid="a1"))
    (offer,) = run.of(CallOffered)
    assert offer.collected == {"Account": "4711", "Name": NAME, "Reason": "billing"}
    for uid in ("t", "l;1", "l;2"):
        run(_ch(ev.ChannelHungUp, uid, "t", 9.0, cause=16, cause_text="x"))
    (ended,) = run.of(CallEnded)
    assert ended.record.call_key == "l;2"
    assert ended.record.collected == {"Account": "4711", "Name": NAME, "Reason": "billing"}


def test_updates_name_the_agents_ringing_or_talking_and_nobody_after_the_call():
    run = Run()
    queued_call_via_local_legs(run)
    assert [n.interfaces for n in run.of(CollectedChanged)] == [frozenset(), frozenset()]
    run(_agent(ev.AgentCalled, "l;2", "t", 5.0, dest_uniqueid="a1"))
    (ringing,) = run(_collected("t", "t", 5.5, Account="4712"))
    assert ringing.interfaces == {"Local/1001@sim-agent/n"} and ringing.call_key == "l;2"
    assert ringing.collected["Account"] == "4712", "collected again: the new value"
    run(_agent(ev.AgentConnected, "l;2", "t", 6.0, hold_time=2, ring_time=1, dest_uniqueid="a1",
               dest_channel="Local/1001@sim-agent-1;1"))
    (talking,) = run(_collected("l;2", "t", 7.0, Phrase="ich möchte kündigen"))
    assert talking.interfaces == {"Local/1001@sim-agent/n"}
    run(_agent(ev.AgentCompleted, "l;2", "t", 8.0, hold_time=2, talk_time=1, reason="caller"))
    (after,) = run(_collected("t", "t", 8.5, Late="1"))
    assert after.interfaces == frozenset()


def test_a_call_keeps_at_most_max_fields(caplog):
    run = Run()
    run(_ch(ev.ChannelCreated, "c", "c", 1.0, exten="100", context="x"))
    for batch in range(3):
        run(_collected("c", "c", 2.0, **{f"B{batch}F{i}": "v" for i in range(20)}))
    run(_collected("c", "c", 2.0, B0F0="changed"))
    (call,) = run.tracker.calls.values()
    assert len(call.collected) == ev.MAX_FIELDS and call.collected["B0F0"] == "changed"
    assert "at most 32 per call" in caplog.text


def test_data_recorded_after_a_leg_hung_up_still_joins_its_call():
    run = Run()
    queued_call_via_local_legs(run)
    run(_ch(ev.ChannelHungUp, "t", "t", 5.0, cause=16, cause_text="x"))
    run(_collected("t", "t", 5.1, Survey="5"))
    for uid in ("l;1", "l;2"):
        run(_ch(ev.ChannelHungUp, uid, "t", 9.0, cause=16, cause_text="x"))
    (ended,) = run.of(CallEnded)
    assert ended.record.collected["Survey"] == "5"


def test_a_call_with_nothing_collected_records_none():
    run = Run()
    run(_ch(ev.ChannelCreated, "c", "c", 1.0, exten="100", context="x"))
    run(_ch(ev.ChannelHungUp, "c", "c", 2.0, cause=16, cause_text="x"))
    (ended,) = run.of(CallEnded)
    assert ended.record.collected is None


# --- the screen pop ------------------------------------------------------------------------


class Hub:
    def __init__(self) -> None:
        self.sent: list[tuple[int, object]] = []

    def to_user(self, user_id: int, message: object) -> None:
        self.sent.append((user_id, message))


async def test_the_pop_carries_the_data_and_later_data_follows_as_an_update():
    hub = Hub()

    async def lookup(number):
        return None

    async def directory():
        return {"Local/1001@sim-agent/n": 7}

    pops = ScreenPopService(hub, lookup, directory, lambda shown: None)  # type: ignore[arg-type]
    await pops.load_agents()
    pops.handle(CallOffered(call_key="k", at=1.0, queue="support", interface="Local/1001@sim-agent/n",
                            member_name="1001", caller_num="+4930", caller_name=NAME,
                            collected={"Name": NAME}))
    pops.handle(CollectedChanged(call_key="k", at=2.0, collected={"Name": NAME, "Account": "1"},
                                 interfaces=frozenset({"Local/1001@sim-agent/n"})))
    (user, pop), (_, update) = hub.sent
    pop = (await pop).payload()
    assert user == 7 and pop["type"] == "pop" and pop["collected"] == {"Name": NAME}
    assert update.payload() == {"v": 1, "type": "collected", "call_id": "k", "collected": {"Name": NAME, "Account": "1"}}


# --- our own FastAGI code ------------------------------------------------------------------


class Session:
    environment = AgiEnvironment.of({"agi_uniqueid": "u1;2", "agi_channel": CALLER,
                                     "agi_callerid": "+4930", "agi_calleridname": "unknown"})
    env = environment.raw

    async def get_variable(self, name: str) -> str | None:
        assert name == "CHANNEL(linkedid)"
        await asyncio.sleep(0)
        return "u1"


async def test_fastagi_code_records_through_the_same_typed_event():
    seen: list[ev.AmiEvent] = []
    await CollectedRecorder(seen.append).record_agi(Session(), {"Menu": "2", "Name": NAME, "": "x"})
    (event,) = seen
    assert isinstance(event, ev.DataCollected)
    assert (event.uniqueid, event.linkedid, event.channel) == ("u1;2", "u1", CALLER)
    assert event.fields == {"Menu": "2", "Name": NAME}
    assert (event.caller_num, event.caller_name) == ("+4930", "")
