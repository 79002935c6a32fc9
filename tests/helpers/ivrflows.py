"""Flow files the IVR tests walk: a support line (language, hours, menu, account lookup, VIP
queue, ticket readout, speech menu) and a second flow it goes to."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from ctiserver.acd.routing import QueueRule
from ivr.commands import Answer, Command
from ivr.engine import FlowEngine, NodeEvent
from ivr.flowfile import parse_flows
from tests.helpers.waiting import Changes

SUPPORT = """\
name: support
language: en
start: language
nodes:
  language:
    type: language
    prompt: {sound: "press-1-english-2-chinese"}
    languages: {1: en, 2: zh}
    next: hours
  hours:
    type: hours
    calendar: support
    open: welcome
    closed: closed
    holiday: holiday
  welcome:
    type: play
    prompt: {text: "Welcome, Jürgen 张伟 😀"}
    next: menu
  menu:
    type: menu
    prompt: {file: main-menu}
    invalid_prompt: {sound: option-is-invalid}
    timeout: 4
    retries: 2
    choices: {1: account, 2: ticket, 3: speech, 0: other}
    on_failure: operator
  account:
    type: collect
    prompt: {text: "Your account number, then hash"}
    into: account
    min_digits: 4
    max_digits: 8
    next: find_account
  find_account:
    type: lookup
    record: account
    by: data
    key: account
    into: customer
    found: is_vip
    not_found: operator
  is_vip:
    type: condition
    field: customer.vip
    equals: true
    then: greet_vip
    else: operator
  greet_vip:
    type: set
    values: {Greeting: "VIP {customer.name}"}
    next: operator
  operator:
    type: queue
    queue: support
    vip_priority: 10
  ticket:
    type: collect
    prompt: {sound: enter-ticket}
    into: ticket
    terminator: ""
    max_digits: 6
    min_digits: 6
    next: find_ticket
  find_ticket:
    type: lookup
    record: ticket
    by: data
    key: ticket
    into: ticket
    found: readout
    not_found: operator
  readout:
    type: say
    say: digits
    value: "{ticket.status_code}"
    next: bye
  bye:
    type: hangup
    prompt: {sound: goodbye}
  speech:
    type: speech_menu
    prompt: {text: "Say sales or billing, or press 1 or 2"}
    phrases: {sales: sales_queue, billing: voicemail}
    choices: {1: sales_queue, 2: voicemail}
    retries: 1
  sales_queue:
    type: queue
    queue: sales
  voicemail:
    type: voicemail
    mailbox: billing
  closed:
    type: hangup
    prompt: {sound: closed}
  holiday:
    type: goto
    flow: holiday line
  other:
    type: goto
    flow: holiday line
"""
HOLIDAY = """\
name: holiday line
language: en
start: sorry
nodes:
  sorry:
    type: play
    prompt: {sound: holiday}
    next: box
  box:
    type: voicemail
    mailbox: support
"""
OPEN_MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # a Monday
CALENDARS = {"support": QueueRule("support", hours={"mon": [["08:00", "18:00"]]}, timezone="UTC")}


def support_engine(now: datetime = OPEN_MONDAY, calendars: Mapping[str, QueueRule] = CALENDARS) -> FlowEngine:
    flows = parse_flows([("support.yaml", SUPPORT), ("holiday.yaml", HOLIDAY)])
    return FlowEngine(flows, "support", caller="+4930123456", now=now, calendars=calendars)


def walk(engine: FlowEngine, *answers: Answer) -> list[Command]:
    """The commands the engine gives for ANSWERS, the first from ``start()``."""
    commands = [engine.start()]
    commands += [engine.feed(answer) for answer in answers]
    return commands


def counts(events: list[NodeEvent]) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for event in events:
        found[(event.node, event.kind)] = found.get((event.node, event.kind), 0) + 1
    return found


class Finished(Changes):
    """The node events of every call that left the flow."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[NodeEvent] = []

    def add(self, events: list[NodeEvent]) -> None:
        self.events += events
        self.notify()
