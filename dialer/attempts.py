"""Dial attempts from placement to one final outcome (pure logic, fed typed AMI events).

An attempt is the customer's channel the dialer originated (``dialer.originate``): its
uniqueid is the attempt id. What becomes of it:

- never answered: OriginateResponse's Reason (5 busy, 8 congestion, 3 rang until the timeout,
  1 hung up — no answer if it rang, else failed —, 0 no channel at all) ends the attempt;
  one the dialer hung up while it rang (``hang_up``) is a no answer;
- answered: the dialplan's UserEvents (``DialerStep``) tell AMD's verdict, an abandoned call
  (no agent within the connect limit), its safe-harbor message and the opt-out key;
  AgentConnect names the agent; the channel's Hangup ends the attempt.

Answered calls that reach no agent and are no detected machine are abandoned, also when the
customer hangs up during AMD or while waiting: the reading of the abandon rules that never
undercounts.

The pacer hears each attempt's outcome as it is known: ``attempt_ended`` once a person (or
nobody) answered, ``answer_handled`` when a person reached an agent or was abandoned,
``call_finished`` when told the wrap-up time (``wrapped``).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ctiserver.ami import events as ev
from dialer.compliance import Outcome as RuleOutcome
from dialer.pacing import MIN_RING_SECONDS, Pacer

UP, RINGING = 6, 5
"""Channel states."""


@dataclass(frozen=True, slots=True)
class DialAttempt:
    """One call to place: what the dialplan is told (variables) and how long it rings."""
    attempt_id: str
    campaign: str
    lead: str
    number: str
    """E.164."""
    queue: str
    """The campaign's queue, whose agents take the answered calls."""
    amd: bool = True
    ring_timeout: int = 25
    caller_id: str | None = None
    """The number the customer sees (the rules want a returnable one)."""
    safe_harbor: str | None = None
    """The campaign's abandoned-call message; None: the dialplan's default."""
    machine_message: str | None = None
    """A message left on a detected machine; None: hang up."""

    def __post_init__(self) -> None:
        if self.ring_timeout < MIN_RING_SECONDS:
            raise ValueError(f"ring at least {MIN_RING_SECONDS} s, not {self.ring_timeout}")


class AttemptResult(StrEnum):
    HUMAN = "human"
    """A person answered and reached an agent."""
    MACHINE = "machine"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    CONGESTION = "congestion"
    FAILED = "failed"
    ABANDONED = "abandoned"
    """A person answered and no agent took the call within the connect limit."""


RULE_OUTCOMES = {
    AttemptResult.HUMAN: RuleOutcome.CONNECTED, AttemptResult.MACHINE: RuleOutcome.MACHINE,
    AttemptResult.BUSY: RuleOutcome.BUSY, AttemptResult.NO_ANSWER: RuleOutcome.NO_ANSWER,
    AttemptResult.CONGESTION: RuleOutcome.FAILED, AttemptResult.FAILED: RuleOutcome.FAILED,
    AttemptResult.ABANDONED: RuleOutcome.ABANDONED,
}

_NOT_ANSWERED = {5: AttemptResult.BUSY, 8: AttemptResult.CONGESTION, 3: AttemptResult.NO_ANSWER}


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    """The one final account of an attempt. Times are Asterisk's (epoch seconds)."""
    attempt: DialAttempt
    result: AttemptResult
    ring_seconds: float
    """From the channel's creation to the answer, or to the end when never answered."""
    ended_at: float
    answered_at: float | None = None
    amd_status: str | None = None
    """AMD()'s AMDSTATUS (HUMAN, MACHINE, NOTSURE, HANGUP); None without AMD."""
    amd_cause: str | None = None
    agent: str | None = None
    """The queue member who took the call (its member name, else its interface)."""
    connected_at: float | None = None
    talk_seconds: float = 0.0
    safe_harbor: str | None = None
    """The abandoned call's message: Read()'s READSTATUS (TIMEOUT: played through, OK: cut
    by a key, HANGUP); None: not played."""
    opted_out: bool = False
    """The customer pressed the opt-out key: never call the number again."""
    originate_reason: int | None = None
    hangup_cause: int | None = None

    @property
    def rule_outcome(self) -> RuleOutcome:
        """What the calling rules count (``dialer.compliance``)."""
        return RULE_OUTCOMES[self.result]


@dataclass(slots=True)
class _Live:
    attempt: DialAttempt
    started_at: float
    channel_seen: bool = False
    rang: bool = False
    human: bool = False
    answered_at: float | None = None
    amd_status: str | None = None
    amd_cause: str | None = None
    agent: str | None = None
    connected_at: float | None = None
    abandoned: bool = False
    safe_harbor: str | None = None
    opted_out: bool = False
    originate_reason: int | None = None
    told_ended: bool = False
    told_handled: bool = False
    hung_up: bool = False
    """We hung it up while it rang."""
    last_at: float = 0.0


class AttemptTracker:
    """Attempts in flight, keyed by attempt id (= the customer channel's uniqueid)."""

    def __init__(self, pacer: Pacer) -> None:
        self._pacer = pacer
        self._live: dict[str, _Live] = {}

    def placed(self, attempt: DialAttempt, at: float) -> None:
        """Before the Originate is sent (its first events may come before its response)."""
        self._live[attempt.attempt_id] = _Live(attempt, started_at=at, last_at=at)

    def forget(self, attempt_id: str) -> None:
        """The Originate was refused (never placed)."""
        self._live.pop(attempt_id, None)

    def ringing(self, now: float) -> tuple[float, ...]:
        """Seconds since each unanswered attempt was placed (``Snapshot.ringing``)."""
        return tuple(now - live.started_at for live in self._ringing())

    def ringing_ids(self) -> tuple[str, ...]:
        """The same attempts' ids, in the same order."""
        return tuple(live.attempt.attempt_id for live in self._ringing())

    def _ringing(self) -> list[_Live]:
        return [live for live in self._live.values() if live.answered_at is None and not live.hung_up]

    def hang_up(self, attempt_id: str, at: float) -> None:
        """We are hanging the ringing attempt up: the pacer hears it ended, unanswered, by us;
        its outcome (when Asterisk reports it) is a no answer."""
        live = self._live.get(attempt_id)
        if live is None or live.answered_at is not None:
            return
        live.hung_up, live.last_at = True, at
        self._ended(live, human=False)

    def waiting(self) -> int:
        """Answered by a person, waiting for an agent (``Snapshot.waiting``); a call AMD is
        still listening to counts too: it may be a person, and then wants an agent at once (not
        counted, a progressive dialer places a call the free agent cannot take)."""
        return sum(1 for live in self._live.values() if not live.told_handled and (
            live.human or (live.answered_at is not None and not live.told_ended)))

    def wrapped(self, outcome: AttemptOutcome, wrap_seconds: float) -> None:
        """The agent finished the after-call work of OUTCOME's call."""
        self._pacer.call_finished(outcome.talk_seconds, wrap_seconds)

    def handle(self, event: ev.AmiEvent) -> AttemptOutcome | None:
        """The attempt's final outcome when EVENT ends it."""
        key = _attempt_key(event)
        live = self._live.get(key) if key else None
        if live is None:
            return None
        at = event.timestamp if event.timestamp is not None else live.last_at
        live.last_at = at
        if isinstance(event, ev.OriginateResult):
            return self._originated(live, event, at)
        if isinstance(event, ev.ChannelCreated):
            if not live.channel_seen:  # not a resync's listing
                live.channel_seen, live.started_at = True, at
        elif isinstance(event, ev.ChannelUpdated):
            self._state(live, event.state, at)
        elif isinstance(event, ev.DialerStep):
            self._step(live, event)
        elif isinstance(event, ev.AgentConnected):
            live.agent = event.member_name or event.interface
            live.connected_at = at
            self._handled(live, abandoned=False)
        elif isinstance(event, ev.ChannelHungUp):
            return self._hung_up(live, event, at)
        return None

    # -- the steps ----------------------------------------------------------------------------

    def _state(self, live: _Live, state: int, at: float) -> None:
        if state == RINGING:
            live.rang = True
        elif state == UP and live.answered_at is None:
            live.answered_at = at
            if not live.attempt.amd:
                self._ended(live, human=True)

    def _step(self, live: _Live, step: ev.DialerStep) -> None:
        if step.step == "amd":
            live.amd_status, live.amd_cause = step.status, step.cause
            self._ended(live, human=step.status != "MACHINE")
        elif step.step == "abandoned":
            live.abandoned = True
            self._handled(live, abandoned=True)
        elif step.step == "safe_harbor":
            live.safe_harbor = step.status
        elif step.step == "optout":
            live.opted_out = True

    def _originated(self, live: _Live, result: ev.OriginateResult, at: float) -> AttemptOutcome | None:
        live.originate_reason = result.reason
        if result.success:
            self._state(live, UP, at)
            return None
        if live.hung_up or (result.reason == 1 and live.rang):
            kind = AttemptResult.NO_ANSWER
        else:
            kind = _NOT_ANSWERED.get(result.reason, AttemptResult.FAILED)
        self._ended(live, human=False)
        return self._final(live, kind, at, None)

    def _hung_up(self, live: _Live, hangup: ev.ChannelHungUp, at: float) -> AttemptOutcome | None:
        if live.answered_at is None:
            return None  # OriginateResponse's reason tells what happened
        if live.connected_at is not None:
            kind = AttemptResult.HUMAN
        elif live.amd_status == "MACHINE":
            kind = AttemptResult.MACHINE
        else:
            kind = AttemptResult.ABANDONED
            self._ended(live, human=True)
            self._handled(live, abandoned=True)
        return self._final(live, kind, at, hangup.cause)

    # -- what the pacer is told, once each ----------------------------------------------------

    def _ended(self, live: _Live, human: bool) -> None:
        if not live.told_ended:
            live.told_ended, live.human = True, human
            end = live.answered_at if live.answered_at is not None else live.last_at
            self._pacer.attempt_ended(max(0.0, end - live.started_at), human, hung_up=live.hung_up)

    def _handled(self, live: _Live, abandoned: bool) -> None:
        if not live.told_handled:
            live.told_handled = True
            self._pacer.answer_handled(abandoned)

    def _final(self, live: _Live, kind: AttemptResult, at: float,
               cause: int | None) -> AttemptOutcome:
        del self._live[live.attempt.attempt_id]
        answered = live.answered_at
        return AttemptOutcome(
            attempt=live.attempt, result=kind,
            ring_seconds=max(0.0, (answered if answered is not None else at) - live.started_at),
            ended_at=at, answered_at=answered, amd_status=live.amd_status,
            amd_cause=live.amd_cause, agent=live.agent, connected_at=live.connected_at,
            talk_seconds=max(0.0, at - live.connected_at) if live.connected_at else 0.0,
            safe_harbor=live.safe_harbor, opted_out=live.opted_out,
            originate_reason=live.originate_reason, hangup_cause=cause,
        )


def _attempt_key(event: ev.AmiEvent) -> str | None:
    if isinstance(event, ev.DialerStep):
        return event.attempt
    if isinstance(event, (ev.ChannelEvent, ev.OriginateResult)):
        return event.uniqueid
    return None
