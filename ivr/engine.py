"""The flow engine (pure): one call's walk through its flows, as a state machine.

``start()`` gives the first command; each answer fed back (``feed``) gives the next, until a
final one (``Route``, ``Voicemail``, ``Hangup``). Nodes that ask the caller nothing (conditions,
business hours, goto) are passed through at once; set and lookup wait for their command's
answer. A walk of more than ``MAX_HOPS`` nodes without the caller keying or saying anything is
a loop in the flow: the call is hung up. What the caller entered or said becomes
call data (a ``SetData`` command) before the walk goes on. Per-node events (``take_events``)
count what happened where: reached, completed, timed out, invalid input, hung up there.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ctiserver.acd.routing import QueueRule, closed_reason
from ivr import commands as cmd
from ivr import flow as fl

MAX_HOPS = 100
"""Nodes walked since the caller last keyed or said something (set, lookup and play nodes
included, though each waits for its command's answer): more is a loop in the flow."""
TEMPLATE = re.compile(r"\{([\w.-]+)\}")
SCORES = "12345"
EventKind = Literal["reached", "completed", "timed_out", "invalid", "hung_up"]


@dataclass(frozen=True, slots=True)
class NodeEvent:
    flow: str
    node: str
    kind: EventKind


class FlowFinished(RuntimeError):
    """An answer fed after the final command."""


def masked(digits: str) -> str:
    """All but the last four characters hidden (what a card's receipt shows)."""
    return "•" * max(len(digits) - 4, 0) + digits[-4:] if len(digits) > 4 else "•" * len(digits)


def text_of(value: fl.Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class FlowEngine:
    def __init__(self, flows: Mapping[str, fl.Flow], flow: str, *, caller: str, now: datetime,
                 calendars: Mapping[str, QueueRule], data: Mapping[str, fl.Value] | None = None) -> None:
        self.flows = flows
        self.flow = flows[flow]
        self.language = self.flow.language
        self.caller = caller
        self.data: dict[str, fl.Value] = dict(data or {})
        self.finished = False
        self._now, self._calendars = now, calendars
        self._node = self.flow.start
        self._tries = 0
        self._hops = 0
        self._sensitive: set[str] = set()
        """Call data keys a sensitive node collected: they leave the engine masked."""
        self._answer: Callable[[cmd.Answer], cmd.Command] | None = None
        self._events: list[NodeEvent] = []

    def start(self) -> cmd.Command:
        return self._walk(self.flow.start)

    def feed(self, answer: cmd.Answer) -> cmd.Command:
        if self.finished or self._answer is None:
            raise FlowFinished("the flow has ended")
        if isinstance(answer, cmd.HungUp):
            self._event("hung_up")
            return self._final(cmd.Hangup(language=self.language, reason="caller"))
        if isinstance(answer, cmd.Digits | cmd.Heard):
            self._hops = 0
        return self._answer(answer)

    def take_events(self) -> list[NodeEvent]:
        events, self._events = self._events, []
        return events

    # the walk

    def _walk(self, target: str) -> cmd.Command:
        while self._hops < MAX_HOPS:
            self._hops += 1
            self._node, self._tries = target, 0
            self._event("reached")
            node = self.flow.nodes[target]
            step = self._visit(node)
            if not isinstance(step, str):
                return step
            self._event("completed")
            if isinstance(node, fl.Goto):
                self.flow = self.flows[node.flow]
            target = step
        return self._final(cmd.Hangup(language=self.language, reason="loop"))

    def _visit(self, node: fl.Node) -> cmd.Command | str:
        """A command to send, or the node to go on to."""
        match node:
            case fl.Play():
                return self._then_done(cmd.Play(self._prompt(node.prompt), self.language), node.next)
            case fl.Say():
                return self._then_done(cmd.Say(node.say, self._render(node.value), self.language), node.next)
            case fl.Menu() | fl.LanguageChoice() | fl.Collect() | fl.Survey():
                return self._ask(node, node.prompt)
            case fl.SpeechMenu():
                return self._record(node, (node.prompt,))
            case fl.Hours():
                return self._hours(node)
            case fl.Lookup():
                return self._lookup(node)
            case fl.Condition():
                return node.then if self._holds(node) else node.otherwise
            case fl.SetData():
                values = {key: self._render(value, self._shown(self.data))
                          for key, value in node.values.items()}
                return self._remember(values, node.next)
            case fl.Goto():
                return self.flows[node.flow].start
            case fl.Callback():
                return self._then_done(cmd.Callback(node.queue, self.caller), node.next)
            case fl.OptOut():
                return self._then_done(cmd.OptOut(self.caller), node.next)
            case fl.Queue():
                return self._final(cmd.Route(node.queue, self._priority(node), self._shown(self.data),
                                             node.survey), done=True)
            case fl.Voicemail():
                return self._final(cmd.Voicemail(node.mailbox, self._prompt(node.prompt), self.language,
                                                 self._shown(self.data)), done=True)
            case fl.Hangup():
                return self._final(cmd.Hangup(self._prompt(node.prompt), self.language), done=True)
        raise TypeError(f"unknown node {node!r}")

    def _then_done(self, command: cmd.Command, target: str) -> cmd.Command:
        def answer(_: cmd.Answer) -> cmd.Command:
            self._event("completed")
            return self._walk(target)

        self._answer = answer
        return command

    def _remember(self, values: Mapping[str, str], target: str) -> cmd.Command:
        """What the caller chose becomes call data, then the walk goes on at ``target``."""
        self.data.update(values)

        def answer(_: cmd.Answer) -> cmd.Command:
            return self._walk(target)

        self._answer = answer
        return cmd.SetData(self._shown(values))

    def _shown(self, values: Mapping[str, fl.Value]) -> dict[str, fl.Value]:
        """VALUES as they may leave the IVR (screen pop, the CRM's call row): a sensitive
        node's digits masked to their last four."""
        return {key: masked(str(value)) if key in self._sensitive else value
                for key, value in values.items()}

    def _final(self, command: cmd.Command, done: bool = False) -> cmd.Command:
        if done:
            self._event("completed")
        self.finished, self._answer = True, None
        return command

    # asking the caller

    def _ask(self, node: fl.Menu | fl.LanguageChoice | fl.Collect | fl.SpeechMenu | fl.Survey,
             *prompts: fl.Prompt | None) -> cmd.Command:
        collect = isinstance(node, fl.Collect)
        self._answer = lambda answer: self._digits(node, answer)
        return cmd.GetDigits(tuple(self._prompt(p) for p in prompts if p is not None), self.language,
                             node.timeout, node.max_digits if collect else 1,
                             node.terminator if collect else "",
                             isinstance(node, fl.Collect) and node.sensitive)

    def _record(self, node: fl.SpeechMenu, prompts: tuple[fl.Prompt | None, ...]) -> cmd.Command:
        self._answer = lambda answer: self._heard(node, answer)
        return cmd.Record(tuple(self._prompt(p) for p in prompts if p is not None), self.language,
                          tuple(node.phrases), node.max_seconds, node.silence_seconds,
                          fl.DIGITS if node.choices else "")

    def _heard(self, node: fl.SpeechMenu, answer: cmd.Answer) -> cmd.Command:
        if isinstance(answer, cmd.Digits):  # a key pressed instead of speaking
            return self._digits(node, answer)
        assert isinstance(answer, cmd.Heard), answer
        phrase = next((p for p in node.phrases if p.casefold() == answer.text.strip().casefold()), None)
        if phrase is not None and answer.confidence >= node.min_confidence:
            return self._chosen({self._node: phrase}, node.phrases[phrase])
        if node.choices:  # this try goes on with keys
            return self._ask(node)
        return self._retry(node, "invalid" if answer.text.strip() else "timed_out")

    def _digits(self, node: fl.Menu | fl.LanguageChoice | fl.Collect | fl.SpeechMenu | fl.Survey,
                answer: cmd.Answer) -> cmd.Command:
        assert isinstance(answer, cmd.Digits), answer
        keys = answer.value
        if not keys:
            return self._retry(node, "timed_out")
        match node:
            case fl.Collect() if node.min_digits <= len(keys) <= node.max_digits and keys.isdigit():
                if node.sensitive:
                    self._sensitive.add(node.into)
                return self._chosen({node.into: keys}, node.next)
            case fl.LanguageChoice() if keys in node.languages:
                self.language = node.languages[keys]
                return self._chosen({"language": self.language}, node.next)
            case fl.Menu() | fl.SpeechMenu() if keys in node.choices:
                return self._chosen({self._node: keys}, node.choices[keys])
            case fl.Survey() if keys in SCORES:
                self._event("completed")
                self.data[self._node] = keys
                self._answer = lambda _: self._walk(node.next)
                return cmd.Score(int(keys))
        return self._retry(node, "invalid")

    def _chosen(self, values: Mapping[str, str], target: str) -> cmd.Command:
        self._event("completed")
        return self._remember(values, target)

    def _retry(self, node: fl.Retrying, kind: EventKind) -> cmd.Command:
        self._event(kind)
        self._tries += 1
        if self._tries > node.retries:
            if node.on_failure is None:
                return self._final(cmd.Hangup(language=self.language, reason="failed"))
            return self._walk(node.on_failure)
        extra = node.timeout_prompt if kind == "timed_out" else node.invalid_prompt
        if isinstance(node, fl.SpeechMenu):
            return self._record(node, (extra, node.prompt))
        return self._ask(node, extra, node.prompt)

    # nodes that ask nothing

    def _hours(self, node: fl.Hours) -> str:
        rule = self._calendars.get(node.calendar)
        reason = closed_reason(rule, self._now) if rule is not None else None
        if reason == "holiday":
            return node.holiday or node.closed
        return node.closed if reason else node.open

    def _lookup(self, node: fl.Lookup) -> cmd.Command | str:
        value = self.caller if node.by == "caller" else text_of(self.data.get(node.key or ""))
        if not value:
            return node.not_found

        def answer(found: cmd.Answer) -> cmd.Command:
            assert isinstance(found, cmd.Found), found
            if found.failed:
                return self._walk(node.on_error or node.not_found)
            self._event("completed")
            if found.record is None:
                return self._walk(node.not_found)
            self.data.update({f"{node.into}.{key}": v for key, v in found.record.items()})
            return self._walk(node.found)

        self._answer = answer
        return cmd.Lookup(node.record, node.by, value)

    def _holds(self, node: fl.Condition) -> bool:
        value = self.data.get(node.field)
        if node.exists is not None:
            return (text_of(value) != "") == node.exists
        if node.one_of is not None:
            return text_of(value) in {text_of(v) for v in node.one_of}
        if node.above is not None or node.below is not None:
            number = _number(value)
            bound = node.above if node.above is not None else node.below
            return number is not None and (number > bound if node.above is not None else number < bound)
        return text_of(value) == text_of(node.equals)

    def _priority(self, node: fl.Queue) -> int:
        vip = text_of(self.data.get(node.vip_field)) in ("true", "1", "yes")
        return node.vip_priority if vip and node.vip_priority is not None else node.priority

    # helpers

    def _render(self, text: str, data: Mapping[str, fl.Value] | None = None) -> str:
        data = self.data if data is None else data
        return TEMPLATE.sub(lambda m: text_of(data.get(m[1])), text)

    def _prompt(self, prompt: fl.Prompt | None) -> fl.Prompt | None:
        if prompt is None or prompt.text is None:
            return prompt
        return prompt.model_copy(update={"text": self._render(prompt.text)})

    def _event(self, kind: EventKind) -> None:
        self._events.append(NodeEvent(self.flow.name, self._node, kind))


def _number(value: fl.Value) -> float | None:
    try:
        return float(text_of(value))
    except ValueError:
        return None
