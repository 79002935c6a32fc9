"""The IVR's FastAGI script against a scripted Asterisk over loopback: the AGI commands each
step of a flow becomes, the answers read back, the call data recorded, the events counted, the
call's recording paused while a sensitive node collects keys."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest_asyncio

from callcenter.errors import Conflict
from ctiserver.agi.server import FastAgiServer, dispatch, serve
from ctiserver.ami import events as ev
from ctiserver.calls.collected import CollectedRecorder
from ivr.agirunner import IvrService
from ivr.commands import Heard, Lookup
from tests.helpers.agi import closed_by_server, connect, converse
from tests.helpers.ivrflows import CALENDARS, HOLIDAY, OPEN_MONDAY, SUPPORT, Finished, counts
from ivr.flowfile import parse_flows

HEADER = ("agi_network: yes\nagi_network_script: ivr?flow=support\nagi_channel: Local/x@sim;1\n"
          "agi_uniqueid: u1\nagi_callerid: +4930123456\nagi_language: en\n\n")
LINKEDID = ('GET VARIABLE "CHANNEL(linkedid)"', "200 result=1 (link-1)")
OPT_OUT = """\
name: optout
start: out
nodes:
  out: {type: opt_out, next: bye}
  bye: {type: hangup, prompt: {sound: goodbye}}
"""
READOUTS = """\
name: readouts
start: number
nodes:
  number: {type: say, say: number, value: "42", next: day}
  day: {type: say, say: date, value: "2026-11-30", next: word}
  word: {type: say, say: number, value: "forty-two", next: bye}
  bye: {type: hangup}
"""
CRM_DOWN = "9999"
"""An account number the fixture's CRM lookup fails for."""
RECORDS = {("account", "4711"): {"vip": True, "name": "Jürgen 张伟"}, ("ticket", "004711"): {"status_code": "042"}}


class Ears:
    """Speech menus' hearing: every answer recorded as ``/heard/answer``, heard as ``said``."""

    def __init__(self) -> None:
        self.said, self.heard, self.discarded = Heard("sales", 0.9), [], []

    def record_as(self, name: str) -> tuple[str, str]:
        return "/heard/answer", "wav"

    async def hear(self, name: str, language: str, phrases: object) -> Heard:
        self.heard.append(name)
        return self.said

    def discard(self, name: str) -> None:
        self.discarded.append(name)


CARD = """\
name: card
start: card
nodes:
  card: {type: collect, prompt: {sound: enter-card}, into: card, max_digits: 16, sensitive: true,
         next: bye}
  bye: {type: hangup}
"""


class Pauses:
    """The recordings' pauses: what the IVR asked; a call not recorded is a conflict."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, ...]] = []
        self.recorded = True

    async def pause(self, call_key: str, by: str) -> None:
        self.asked.append(("pause", call_key, by))
        if not self.recorded:
            raise Conflict("call {call} is not being recorded", call=call_key)

    async def resume(self, call_key: str) -> None:
        self.asked.append(("resume", call_key))


class CrmDown:
    """Self-service whose every action fails."""

    async def callback(self, *_: object) -> None:
        raise ConnectionError("the CRM does not answer")

    opt_out = callback


class Ivr:
    def __init__(self, server: FastAgiServer, finished: Finished, collected: list[ev.AmiEvent],
                 looked_up: list[Lookup], ears: Ears, flows: dict, pauses: Pauses) -> None:
        self.server, self.finished, self.collected, self.looked_up = server, finished, collected, looked_up
        self.ears, self.flows, self.pauses = ears, flows, pauses

    async def call(self, exchanges: list[tuple[str, str]], flow: str = "support") -> list[str]:
        reader, writer = await connect(self.server)
        writer.write(HEADER.replace("flow=support", f"flow={flow}").encode())
        seen = await converse(reader, writer, exchanges)
        assert await closed_by_server(reader)
        await self.finished.until(lambda: self.finished.events, "the call to leave the flow")
        return seen


@pytest_asyncio.fixture
async def ivr() -> AsyncIterator[Ivr]:
    finished, collected, looked_up, ears = Finished(), [], [], Ears()

    async def lookup(request: Lookup) -> dict | None:
        looked_up.append(request)
        if request.value == CRM_DOWN:
            raise ConnectionError("the CRM does not answer")
        return RECORDS.get((request.record, request.value))

    async def calendars(_: object) -> dict:
        return CALENDARS

    async def voice(text: str, language: str) -> str:
        return f"/tts/{language}/{text}"

    flows = parse_flows([("support.yaml", SUPPORT), ("holiday.yaml", HOLIDAY),
                         ("optout.yaml", OPT_OUT), ("readouts.yaml", READOUTS),
                         ("card.yaml", CARD)])
    pauses = Pauses()
    service = IvrService(flows,
                         lookup=lookup, calendars=calendars, on_events=finished.add,
                         queue_context="cc-queues", collected=CollectedRecorder(collected.append),
                         voice=voice, hearing=ears, self_service=CrmDown(), recording=pauses,
                         prompt_folder="/prompts/", clock=lambda: OPEN_MONDAY)
    server = await serve("127.0.0.1", 0, dispatch(service.handlers()))
    yield Ivr(server, finished, collected, looked_up, ears, flows, pauses)
    server.close()
    await server.wait_closed()


async def test_chinese_ticket_readout(ivr: Ivr) -> None:
    exchanges = [
        ('GET DATA "press-1-english-2-chinese" "5000" "1"', "200 result=2"),
        LINKEDID,
        ('SET VARIABLE "CHANNEL(language)" "zh"', "200 result=1"),
        ('STREAM FILE "/tts/zh/Welcome, Jürgen 张伟 😀" ""', "200 result=0 endpos=8000"),
        ('GET DATA "/prompts/main-menu" "4000" "1"', "200 result=2"),
        LINKEDID,
        ('GET DATA "enter-ticket" "5000" "6"', "200 result=004711"),
        LINKEDID,
        ('SAY DIGITS "042" ""', "200 result=0"),
        ('STREAM FILE "goodbye" ""', "200 result=0 endpos=12000"),
        ("HANGUP", "200 result=1"),
    ]
    assert await ivr.call(exchanges) == [command for command, _ in exchanges]
    assert [e.fields for e in ivr.collected] == [{"language": "zh"}, {"menu": "2"}, {"ticket": "004711"}]
    assert ivr.collected[0].linkedid == "link-1" and ivr.looked_up == [Lookup("ticket", "data", "004711")]
    assert counts(ivr.finished.events)[("bye", "completed")] == 1


async def test_vip_queues_ahead_after_a_wrong_key(ivr: Ivr) -> None:
    exchanges = [
        ('GET DATA "press-1-english-2-chinese" "5000" "1"', "200 result=1"), LINKEDID,
        ('STREAM FILE "/tts/en/Welcome, Jürgen 张伟 😀" ""', "200 result=0 endpos=8000"),
        ('GET DATA "/prompts/main-menu" "4000" "1"', "200 result=7"),
        ('STREAM FILE "option-is-invalid" "0123456789*#"', "200 result=49 endpos=100"),  # "1" cuts it short
        LINKEDID,
        ('GET DATA "/tts/en/Your account number, then hash" "5000" "8"', "200 result=4711"),
        LINKEDID,
        LINKEDID,  # the greeting set for the VIP
        ('SET VARIABLE "QUEUE_PRIO" "10"', "200 result=1"),
        ('SET VARIABLE "CC_QUEUE" "support"', "200 result=1"),
        ('SET VARIABLE "CC_SURVEY" ""', "200 result=1"),
        ('SET CONTEXT "cc-queues"', "200 result=0"),  # handed back to the dialplan's queue entry
        ('SET EXTENSION "support"', "200 result=0"),
        ('SET PRIORITY "1"', "200 result=0"),
    ]
    assert await ivr.call(exchanges) == [command for command, _ in exchanges]
    assert ivr.collected[-1].fields == {"Greeting": "VIP Jürgen 张伟"}
    assert counts(ivr.finished.events)[("menu", "invalid")] == 1


async def test_a_caller_hanging_up_mid_menu_is_counted_there(ivr: Ivr) -> None:
    exchanges = [
        ('GET DATA "press-1-english-2-chinese" "5000" "1"', "200 result=1"), LINKEDID,
        ('STREAM FILE "/tts/en/Welcome, Jürgen 张伟 😀" ""', "200 result=0 endpos=8000"),
        ('GET DATA "/prompts/main-menu" "4000" "1"', "HANGUP\n200 result=-1"),
    ]
    assert await ivr.call(exchanges) == [command for command, _ in exchanges]
    seen = counts(ivr.finished.events)
    assert seen[("menu", "hung_up")] == 1 and ("menu", "completed") not in seen


TO_SPEECH = [
    ('GET DATA "press-1-english-2-chinese" "5000" "1"', "200 result=1"), LINKEDID,
    ('STREAM FILE "/tts/en/Welcome, Jürgen 张伟 😀" ""', "200 result=0 endpos=8000"),
    ('GET DATA "/prompts/main-menu" "4000" "1"', "200 result=3"), LINKEDID,
]
SPEECH_PROMPT = 'STREAM FILE "/tts/en/Say sales or billing, or press 1 or 2" "0123456789*#"'
RECORD = 'RECORD FILE "/heard/answer" "wav" "0123456789*#" "5000" "0" "s=2"'
TO_SALES = [('SET VARIABLE "QUEUE_PRIO" "0"', "200 result=1"),
            ('SET VARIABLE "CC_QUEUE" "sales"', "200 result=1"),
            ('SET VARIABLE "CC_SURVEY" ""', "200 result=1"),
            ('SET CONTEXT "cc-queues"', "200 result=0"), ('SET EXTENSION "sales"', "200 result=0"),
            ('SET PRIORITY "1"', "200 result=0")]


async def test_a_spoken_phrase_routes_the_call_and_is_its_data(ivr: Ivr) -> None:
    exchanges = [*TO_SPEECH, (SPEECH_PROMPT, "200 result=0 endpos=8000"),
                 (RECORD, "200 result=1682 (timeout) endpos=12000"),  # silence: 1682 is no key
                 LINKEDID, *TO_SALES]
    assert await ivr.call(exchanges) == [command for command, _ in exchanges]
    assert ivr.collected[-1].fields == {"speech": "sales"} and len(ivr.ears.heard) == 1


async def test_a_key_pressed_while_the_answer_is_recorded_is_the_answer(ivr: Ivr) -> None:
    exchanges = [*TO_SPEECH, (SPEECH_PROMPT, "200 result=0 endpos=8000"),
                 (RECORD, "200 result=49 (dtmf) endpos=4000"), LINKEDID, *TO_SALES]
    assert await ivr.call(exchanges) == [command for command, _ in exchanges]
    assert ivr.collected[-1].fields == {"speech": "1"}
    assert ivr.ears.heard == [] and len(ivr.ears.discarded) == 1  # the recording is not kept


async def test_a_key_cutting_the_speech_prompt_short_is_the_answer(ivr: Ivr) -> None:
    exchanges = [*TO_SPEECH, (SPEECH_PROMPT, "200 result=49 endpos=100"), LINKEDID, *TO_SALES]
    assert await ivr.call(exchanges) == [command for command, _ in exchanges]
    assert ivr.collected[-1].fields == {"speech": "1"} and ivr.ears.discarded == []


async def test_a_lookup_that_fails_sends_the_caller_on_as_not_found(ivr: Ivr) -> None:
    exchanges = [
        ('GET DATA "press-1-english-2-chinese" "5000" "1"', "200 result=1"), LINKEDID,
        ('STREAM FILE "/tts/en/Welcome, Jürgen 张伟 😀" ""', "200 result=0 endpos=8000"),
        ('GET DATA "/prompts/main-menu" "4000" "1"', "200 result=1"), LINKEDID,
        ('GET DATA "/tts/en/Your account number, then hash" "5000" "8"', f"200 result={CRM_DOWN}"),
        LINKEDID,
        *[(command.replace("sales", "support"), reply) for command, reply in TO_SALES],
    ]
    assert await ivr.call(exchanges) == [command for command, _ in exchanges]
    assert ivr.looked_up == [Lookup("account", "data", CRM_DOWN)]


async def test_a_menu_whose_prompt_does_not_play_still_takes_the_caller_s_key(ivr: Ivr) -> None:
    exchanges = [
        ('GET DATA "press-1-english-2-chinese" "5000" "1"', "200 result=1"), LINKEDID,
        ('STREAM FILE "/tts/en/Welcome, Jürgen 张伟 😀" ""', "200 result=0 endpos=8000"),
        ('GET DATA "/prompts/main-menu" "4000" "1"', "200 result=-1"),  # no such file
        ('GET DATA "silence/1" "4000" "1"', "200 result=0"), LINKEDID,
        ('STREAM FILE "holiday" ""', "200 result=0 endpos=8000"),
        ('SET VARIABLE "CC_QUEUE" "support"', "200 result=1"),
        ('SET VARIABLE "CC_CLOSED_ACTION" "voicemail_ticket"', "200 result=1"),
        ('SET VARIABLE "CC_ROUTE_REASON" "ivr"', "200 result=1"),
        ('SET CONTEXT "cc-closed"', "200 result=0"), ('SET EXTENSION "voicemail_ticket"', "200 result=0"),
        ('SET PRIORITY "1"', "200 result=0"),
    ]
    assert await ivr.call(exchanges) == [command for command, _ in exchanges]
    assert ivr.collected[-1].fields == {"menu": "0"}
    assert ("menu", "hung_up") not in counts(ivr.finished.events)


async def test_a_self_service_that_fails_goes_on_to_the_flow_s_next_node(ivr: Ivr) -> None:
    exchanges = [('STREAM FILE "goodbye" ""', "200 result=0 endpos=8000"),
                 ("HANGUP", "200 result=1")]
    assert await ivr.call(exchanges, flow="optout") == [command for command, _ in exchanges]
    assert counts(ivr.finished.events)[("out", "completed")] == 1


async def test_numbers_and_dates_are_read_out_and_what_is_neither_is_passed_over(ivr: Ivr) -> None:
    noon = int(datetime(2026, 11, 30, 12, tzinfo=UTC).timestamp())  # that day in any time zone
    exchanges = [('SAY NUMBER "42" ""', "200 result=0"), (f'SAY DATE "{noon}" ""', "200 result=0"),
                 ("HANGUP", "200 result=1")]
    assert await ivr.call(exchanges, flow="readouts") == [command for command, _ in exchanges]
    assert counts(ivr.finished.events)[("word", "completed")] == 1


async def test_a_call_under_way_keeps_the_flows_it_started_with(ivr: Ivr) -> None:
    reader, writer = await connect(ivr.server)
    writer.write(HEADER.encode())
    at_menu = [*TO_SPEECH[:3], ('GET DATA "/prompts/main-menu" "4000" "1"', "200 result=0")]
    assert await converse(reader, writer, at_menu) == [command for command, _ in at_menu]
    ivr.flows.clear()  # reloaded meanwhile from a folder without them
    rest = [LINKEDID, ('STREAM FILE "holiday" ""', "200 result=0 endpos=8000")]
    assert await converse(reader, writer, rest) == [command for command, _ in rest]
    writer.close()


CARD_KEYED = ('GET DATA "enter-card" "5000" "16"', "200 result=4111111111111111")


async def test_a_sensitive_node_pauses_the_recording_while_the_keys_are_collected(ivr: Ivr) -> None:
    exchanges = [CARD_KEYED, LINKEDID, ("HANGUP", "200 result=1")]
    assert await ivr.call(exchanges, flow="card") == [command for command, _ in exchanges]
    assert ivr.pauses.asked == [("pause", "u1", "ivr"), ("resume", "u1")]
    assert [e.fields for e in ivr.collected] == [{"card": "••••••••••••1111"}]  # masked: the pop, the CRM


async def test_a_caller_hanging_up_in_a_sensitive_node_leaves_the_recording_paused(ivr: Ivr) -> None:
    exchanges = [('GET DATA "enter-card" "5000" "16"', "HANGUP\n200 result=-1")]
    assert await ivr.call(exchanges, flow="card") == [command for command, _ in exchanges]
    assert ivr.pauses.asked == [("pause", "u1", "ivr")], "the recording's end closes the stretch"


async def test_a_sensitive_node_of_a_call_not_recorded_resumes_nothing(ivr: Ivr) -> None:
    ivr.pauses.recorded = False
    exchanges = [CARD_KEYED, LINKEDID, ("HANGUP", "200 result=1")]
    assert await ivr.call(exchanges, flow="card") == [command for command, _ in exchanges]
    assert ivr.pauses.asked == [("pause", "u1", "ivr")]
