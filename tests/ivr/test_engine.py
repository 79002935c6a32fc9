"""The flow engine on scripted answers: the commands it gives and the per-node events."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctiserver.acd.routing import QueueRule
from ivr.commands import (
    Callback, Digits, Done, Found, GetDigits, Hangup, Heard, HungUp, Lookup, OptOut, Play, Record,
    Route, Say, Score, SetData, Voicemail,
)
from ivr.engine import MAX_HOPS, FlowEngine, FlowFinished
from ivr.flow import DIGITS, Prompt
from ivr.flowfile import parse_flows
from tests.helpers.ivrflows import OPEN_MONDAY, counts, support_engine, walk

TO_MENU = (Digits("1"), Done(), Done())
"""English, the welcome played: at the main menu."""
SPEECH_ONLY = """\
name: say
start: ask
nodes:
  ask: {type: speech_menu, prompt: {sound: beep}, phrases: {yes: bye}}
  bye: {type: hangup}
"""
CRM_DOWN = """\
name: crm
start: find
nodes:
  find: {{type: lookup, record: customer, into: customer, {on_error}found: vip, not_found: agent}}
  vip: {{type: queue, queue: vip}}
  sorry: {{type: play, prompt: {{text: "Your details cannot be found now"}}, next: agent}}
  agent: {{type: queue, queue: support}}
"""


def test_menu_account_lookup_and_vip_priority() -> None:
    engine = support_engine()
    *_, account, stored, lookup, greeting, route = walk(
        engine, *TO_MENU, Digits("1"), Done(), Digits("4711"), Done(),
        Found({"vip": True, "name": "Jürgen 张伟"}), Done())
    assert account == GetDigits((Prompt(text="Your account number, then hash"),), "en", 5.0, 8, "#")
    assert stored == SetData({"account": "4711"})
    assert lookup == Lookup("account", "data", "4711")
    assert greeting == SetData({"Greeting": "VIP Jürgen 张伟"})
    assert isinstance(route, Route) and (route.queue, route.priority) == ("support", 10)
    assert route.data["menu"] == "1" and route.data["customer.name"] == "Jürgen 张伟"
    assert engine.finished
    with pytest.raises(FlowFinished):
        engine.feed(Done())


def test_not_vip_and_not_found_go_to_the_queue_at_normal_priority() -> None:
    engine = support_engine()
    route = walk(engine, *TO_MENU, Digits("1"), Done(), Digits("4711"), Done(), Found({"vip": False}))[-1]
    assert route == Route("support", 0, engine.data)
    engine = support_engine()
    assert walk(engine, *TO_MENU, Digits("1"), Done(), Digits("4711"), Done(), Found(None))[-1].priority == 0
    assert counts(engine.take_events())[("find_account", "completed")] == 1


def test_collect_rejects_too_few_digits_and_counts_it() -> None:
    engine = support_engine()
    retry = walk(engine, *TO_MENU, Digits("1"), Done(), Digits("12"))[-1]
    assert isinstance(retry, GetDigits) and retry.max_digits == 8
    assert counts(engine.take_events())[("account", "invalid")] == 1


def test_menu_retries_then_its_failure_node() -> None:
    engine = support_engine()
    commands = walk(engine, *TO_MENU, Digits("9"), Digits(""), Digits("7"))
    invalid_again = commands[-2]
    assert invalid_again.prompts == (Prompt(file="main-menu"),)  # no timeout prompt given
    assert commands[-1] == Route("support", 0, engine.data)
    seen = counts(engine.take_events())
    assert (seen[("menu", "invalid")], seen[("menu", "timed_out")]) == (2, 1)
    assert ("menu", "completed") not in seen and seen[("operator", "completed")] == 1


def test_chinese_chosen_carries_into_every_command() -> None:
    engine = support_engine()
    commands = walk(engine, Digits("2"), Done(), Done(), Digits("2"), Done(), Digits("123456"), Done(),
                    Found({"status_code": "042"}), Done())
    assert commands[1] == SetData({"language": "zh"})
    assert commands[-2] == Say("digits", "042", "zh")
    assert commands[-1] == Hangup(Prompt(sound="goodbye"), "zh", "flow")


def test_speech_menu_by_phrase_by_keys_and_failing() -> None:
    engine = support_engine()
    record = walk(engine, *TO_MENU, Digits("3"), Done())[-1]
    assert isinstance(record, Record) and record.phrases == ("sales", "billing")
    assert engine.feed(Heard(" Sales ", 0.9)) == SetData({"speech": "sales"})
    assert engine.feed(Done()) == Route("sales", 0, engine.data)

    engine = support_engine()
    walk(engine, *TO_MENU, Digits("3"), Done())
    fallback = engine.feed(Heard("sales", 0.3))  # too unsure: the caller's keys decide
    assert isinstance(fallback, GetDigits) and fallback.prompts == ()
    assert engine.feed(Digits("2")) == SetData({"speech": "2"})
    assert isinstance(engine.feed(Done()), Voicemail)

    engine = support_engine()
    walk(engine, *TO_MENU, Digits("3"), Done())
    assert isinstance(engine.feed(Heard("something else", 0.9)), GetDigits)
    assert isinstance(engine.feed(Digits("8")), Record)  # invalid: asked again
    engine.feed(Heard("", 0))
    assert engine.feed(Digits("")) == Hangup(language="en", reason="failed")
    seen = counts(engine.take_events())
    assert (seen[("speech", "invalid")], seen[("speech", "timed_out")]) == (1, 1)


def test_a_key_pressed_while_a_speech_menu_records_is_its_answer() -> None:
    engine = support_engine()
    record = walk(engine, *TO_MENU, Digits("3"), Done())[-1]
    assert isinstance(record, Record) and record.keys == DIGITS  # the menu has choices
    assert engine.feed(Digits("8")) == record  # no such choice: asked again
    assert engine.feed(Digits("1")) == SetData({"speech": "1"})
    assert engine.feed(Done()) == Route("sales", 0, engine.data)
    assert counts(engine.take_events())[("speech", "invalid")] == 1


def test_a_speech_menu_without_choices_takes_no_keys() -> None:
    flows = parse_flows([("say.yaml", SPEECH_ONLY)])
    record = FlowEngine(flows, "say", caller="+4930123456", now=OPEN_MONDAY, calendars={}).start()
    assert isinstance(record, Record) and record.keys == ""


@pytest.mark.parametrize(("on_error", "then"), [("sorry", Play), (None, Route)])
def test_a_lookup_the_crm_cannot_answer_goes_to_its_error_branch_or_else_not_found(
        on_error: str | None, then: type) -> None:
    flow = CRM_DOWN.format(on_error=f"on_error: {on_error}, " if on_error else "")
    engine = FlowEngine(parse_flows([("crm.yaml", flow)]), "crm", caller="+4930123456",
                        now=OPEN_MONDAY, calendars={})
    assert engine.start() == Lookup("customer", "caller", "+4930123456")
    assert isinstance(engine.feed(Found(failed=True)), then)
    assert ("find", "completed") not in counts(engine.take_events())


@pytest.mark.parametrize(("now", "first"), [
    (datetime(2026, 11, 30, 19, 0, tzinfo=UTC), Hangup(Prompt(sound="closed"), "en")),
    (datetime(2026, 12, 1, 19, 0, tzinfo=UTC), Hangup(Prompt(sound="closed"), "en")),
], ids=["after-hours", "tuesday-not-in-hours"])
def test_closed_hours(now: datetime, first: object) -> None:
    assert walk(support_engine(now), Digits("1"), Done())[-1] == first


def test_holiday_goes_to_another_flow() -> None:
    calendars = {"support": QueueRule("support", holidays=frozenset({OPEN_MONDAY.date()}))}
    engine = support_engine(calendars=calendars)
    commands = walk(engine, Digits("1"), Done(), Done())
    assert commands[-2] == Play(Prompt(sound="holiday"), "en")
    assert commands[-1] == Voicemail("support", None, "en", engine.data)
    events = engine.take_events()
    assert {(e.flow, e.node) for e in events if e.kind == "completed"} >= {
        ("support", "holiday"), ("holiday line", "sorry"), ("holiday line", "box")}


def test_unknown_calendar_is_open_and_hang_up_is_counted_where_it_happened() -> None:
    engine = support_engine(calendars={})
    menu = walk(engine, *TO_MENU)[-1]
    assert isinstance(menu, GetDigits)
    assert engine.feed(HungUp()) == Hangup(language="en", reason="caller")
    assert counts(engine.take_events())[("menu", "hung_up")] == 1
    assert engine.take_events() == []


def test_a_loop_without_input_hangs_up() -> None:
    flows = parse_flows([("loop.yaml", "name: loop\nstart: a\nnodes:\n"
                          "  a: {type: condition, field: x, exists: true, then: b, else: b}\n"
                          "  b: {type: goto, flow: loop}\n")])
    engine = FlowEngine(flows, "loop", caller="", now=OPEN_MONDAY, calendars={})
    assert engine.start() == Hangup(language="en", reason="loop")


def test_a_loop_through_set_and_lookup_nodes_hangs_up_too() -> None:
    """Each of them waits for its command's answer: the hops count on across the answers
    until the caller keys something."""
    flows = parse_flows([("loop.yaml", "name: loop\nstart: a\nnodes:\n"
                          "  a: {type: set, values: {seen: 'yes'}, next: b}\n"
                          "  b: {type: lookup, record: customer, into: c, found: a, not_found: a}\n")])
    engine = FlowEngine(flows, "loop", caller="", now=OPEN_MONDAY, calendars={})
    command = engine.start()
    for _ in range(MAX_HOPS):
        if engine.finished:
            break
        command = engine.feed(Found(None) if isinstance(command, Lookup) else Done())
    assert command == Hangup(language="en", reason="loop")


def test_the_callers_input_starts_the_hop_count_again() -> None:
    flows = parse_flows([("menu.yaml", "name: menu\nstart: m\nnodes:\n"
                          "  m: {type: menu, prompt: {sound: beep}, choices: {1: s}}\n"
                          "  s: {type: set, values: {pressed: '1'}, next: m}\n")])
    engine = FlowEngine(flows, "menu", caller="", now=OPEN_MONDAY, calendars={})
    command = engine.start()
    for _ in range(3 * MAX_HOPS):
        command = engine.feed(Digits("1") if isinstance(command, GetDigits) else Done())
    assert not engine.finished


def test_lookup_by_caller_and_conditions() -> None:
    text = ("name: c\nstart: who\nnodes:\n"
            "  who: {type: lookup, record: customer, into: c, found: rich, not_found: anon}\n"
            "  rich: {type: condition, field: c.balance, above: 1000, then: gold, else: tier}\n"
            "  tier: {type: condition, field: c.tier, one_of: [silver, 2], then: silver, else: anon}\n"
            "  gold: {type: queue, queue: gold}\n  silver: {type: queue, queue: silver}\n"
            "  anon: {type: queue, queue: all}\n")
    flows = parse_flows([("c.yaml", text)])

    def route(caller: str, record: dict | None) -> str:
        engine = FlowEngine(flows, "c", caller=caller, now=OPEN_MONDAY, calendars={})
        first = engine.start()
        if not caller:
            return first.queue
        assert first == Lookup("customer", "caller", caller)
        return engine.feed(Found(record)).queue

    assert route("+4930", {"balance": "1500.5"}) == "gold"
    assert route("+4930", {"balance": "n/a", "tier": 2}) == "silver"
    assert route("+4930", {"balance": 10, "tier": "bronze"}) == "all"
    assert route("", None) == "all"  # no caller number: not looked up


ANSWERS = st.one_of(
    st.builds(Digits, st.text("0123456789*#", max_size=9)),
    st.builds(Heard, st.sampled_from(["", "sales", "BILLING", "no idea", "张伟"]), st.floats(0, 1)),
    st.builds(Found, st.one_of(st.none(), st.fixed_dictionaries(
        {"vip": st.booleans(), "status_code": st.text("0123456789", min_size=1, max_size=4)}))),
)


@given(st.lists(st.tuples(ANSWERS, st.integers(0, 30)), max_size=40))
def test_any_answers_end_the_call_with_consistent_events(script: list) -> None:
    """Whatever the caller does, the walk ends (every node's tries are bounded) and a node is
    never completed more often than reached."""
    engine = support_engine()
    command = engine.start()
    for step in range(200):
        if engine.finished:
            break
        answer, hang_up = script[step] if step < len(script) else (Digits(""), 1)
        command = engine.feed(HungUp() if hang_up == 0 else fitting(command, answer))
    assert engine.finished and isinstance(command, (Route, Voicemail, Hangup))
    seen = counts(engine.take_events())
    for (node, kind), count in seen.items():
        # a failed try at most retries + 1 (3) times per visit
        assert kind == "reached" or count <= seen.get((node, "reached"), 0) * 3, (node, kind)
        assert kind != "completed" or count <= seen[(node, "reached")]


PLAIN = {GetDigits: Digits(""), Record: Heard(""), Lookup: Found()}


def fitting(command: object, answer: object) -> object:
    """ANSWER if it answers COMMAND, else the plain answer for it."""
    plain = PLAIN.get(type(command), Done())
    return answer if type(answer) is type(plain) else plain


SELF_SERVICE = """\
name: self
start: menu
nodes:
  menu: {type: menu, prompt: {sound: menu}, choices: {1: callback, 2: opt_out, 3: agent}}
  callback: {type: callback, queue: support, next: bye}
  opt_out: {type: opt_out, next: bye}
  agent: {type: queue, queue: support, survey: rate}
  bye: {type: hangup}
"""
RATE = """\
name: rate
start: ask
nodes:
  ask: {type: survey, prompt: {sound: rate}, retries: 1, next: bye}
  bye: {type: hangup}
"""


def self_service_engine(flow: str = "self") -> FlowEngine:
    flows = parse_flows([("self.yaml", SELF_SERVICE), ("rate.yaml", RATE)])
    return FlowEngine(flows, flow, caller="+4930123456", now=OPEN_MONDAY, calendars={})


@pytest.mark.parametrize(("key", "action"), [
    ("1", Callback("support", "+4930123456")), ("2", OptOut("+4930123456"))])
def test_callback_and_opt_out_act_for_the_caller_s_number(key: str, action: object) -> None:
    *_, acted, bye = walk(self_service_engine(), Digits(key), Done(), Done())
    assert acted == action and bye == Hangup(language="en")


def test_a_queue_names_its_survey_and_the_survey_scores_1_to_5() -> None:
    *_, route = walk(self_service_engine(), Digits("3"), Done())
    assert isinstance(route, Route) and route.survey == "rate"
    engine = self_service_engine("rate")
    *_, again, score, bye = walk(engine, Digits("7"), Digits("4"), Done())
    assert isinstance(again, GetDigits) and score == Score(4) and bye == Hangup(language="en")
    assert engine.data == {"ask": "4"}
    seen = counts(engine.take_events())
    assert (seen[("ask", "invalid")], seen[("ask", "completed")]) == (1, 1)


def test_a_sensitive_nodes_digits_leave_the_engine_masked_but_the_flow_sees_them_whole() -> None:
    flows = parse_flows([("pay.yaml", "name: pay\nstart: card\nnodes:\n"
                          "  card: {type: collect, prompt: {sound: beep}, into: card, max_digits: 16,"
                          " sensitive: true, next: copy}\n"
                          "  copy: {type: set, values: {note: 'card {card}'}, next: check}\n"
                          "  check: {type: condition, field: card, equals: '4111111111111111',"
                          " then: agent, else: bye}\n"
                          "  agent: {type: queue, queue: payments}\n  bye: {type: hangup}\n")])
    engine = FlowEngine(flows, "pay", caller="", now=OPEN_MONDAY, calendars={})
    assert isinstance(engine.start(), GetDigits)
    assert engine.feed(Digits("4111111111111111")) == SetData({"card": "••••••••••••1111"})
    assert engine.feed(Done()) == SetData({"note": "card ••••••••••••1111"})
    route = engine.feed(Done())
    assert isinstance(route, Route) and route.queue == "payments"  # the condition saw them whole
    assert route.data == {"card": "••••••••••••1111", "note": "card ••••••••••••1111"}
