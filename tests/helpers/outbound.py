"""Dial attempts for the outbound tests: pacers that record what they are told (or pick every
ringing call to hang up), a hopper of
given leads that records what it is told, and placing an
attempt to a simulated customer of the sandbox while an ``AttemptTracker`` follows the CTI
server's bus until the attempt's outcome."""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from asterisk_conf.simulation import CUSTOMER_DIAL_STRING
from callcenter.settings import Settings
from ctiserver.ami import events as ev
from dialer.attempts import AttemptOutcome, AttemptTracker, DialAttempt
from dialer.hopper import ClaimedLead, DialedAttempt, LeadState
from dialer.originate import DialTarget, hang_up, place
from dialer.pacing import PacingController, Snapshot

from tests.helpers.product import new_number
from tests.helpers.waiting import BusWatch


@dataclass
class FakeHopper:
    """``dialer.hopper.Hopper`` handing out LEADS in order."""
    leads: list[ClaimedLead] = field(default_factory=list)
    wanted: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    recorded: list[tuple[int, DialedAttempt]] = field(default_factory=list)
    skipped: list[tuple[int, datetime]] = field(default_factory=list)

    async def claim(self, campaign: str, n: int, now: datetime) -> list[ClaimedLead]:
        self.wanted.append(n)
        taken, self.leads = self.leads[:n], self.leads[n:]
        return taken

    async def release(self, lead_ids: list[int]) -> int:
        self.released.extend(lead_ids)
        return len(lead_ids)

    async def skip(self, lead_id: int, until: datetime) -> bool:
        self.skipped.append((lead_id, until))
        return True

    async def record_outcome(self, lead_id: int, attempt: DialedAttempt) -> LeadState:
        self.recorded.append((lead_id, attempt))
        return LeadState("retry", None, "")


@dataclass
class RecordingPacer:
    """The Pacer protocol, writing down each call."""
    ended: list[tuple[float, bool]] = field(default_factory=list)
    handled: list[bool] = field(default_factory=list)
    finished: list[tuple[float, float]] = field(default_factory=list)

    def decide(self, now: Snapshot) -> int:
        return 0

    def hang_up(self, now: Snapshot) -> tuple[int, ...]:
        return ()

    def attempt_ended(self, seconds: float, human: bool, hung_up: bool = False) -> None:
        self.ended.append((seconds, human))

    def answer_handled(self, abandoned: bool) -> None:
        self.handled.append(abandoned)

    def call_finished(self, talk: float, wrap: float) -> None:
        self.finished.append((talk, wrap))


@dataclass
class PickingPacer(RecordingPacer):
    """Hangs up every ringing call, whatever it has rung."""
    seen: list[Snapshot] = field(default_factory=list)

    def hang_up(self, now: Snapshot) -> tuple[int, ...]:
        self.seen.append(now)
        return tuple(range(len(now.ringing)))


class HangUpWatch(PacingController):
    """The predictive controller, noting how long each call it had hung up had rung."""

    def __init__(self) -> None:
        super().__init__()
        self.hung_up: list[float] = []

    def attempt_ended(self, seconds: float, human: bool, hung_up: bool = False) -> None:
        if hung_up:
            self.hung_up.append(seconds)
        super().attempt_ended(seconds, human, hung_up)


def new_attempt(queue: str, **fields: object) -> DialAttempt:
    return DialAttempt(**{"attempt_id": str(uuid.uuid4()), "campaign": "Kampagne Jürgen 张伟",
                          "lead": str(uuid.uuid4().int)[:8], "number": new_number(),
                          "queue": queue, **fields})  # type: ignore[arg-type]


@dataclass
class Dialed:
    outcome: AttemptOutcome
    pacer: RecordingPacer
    steps: list[ev.DialerStep]
    """The dialplan's UserEvents of the attempt, in order."""


async def dial(cti, settings: Settings, attempt: DialAttempt, customer: dict[str, str],
               timeout: float = 40, *, hang_up_ringing: bool = False) -> Dialed:
    """Place ATTEMPT to a simulated customer behaving as CUSTOMER says
    (``customer_variables``); its outcome once the tracker has one. HANG_UP_RINGING: the
    dialer hangs the attempt up (``dialer.originate.hang_up``) once its channel exists."""
    pacer = RecordingPacer()
    tracker = AttemptTracker(pacer)
    outcomes: list[AttemptOutcome] = []
    target = DialTarget(CUSTOMER_DIAL_STRING, settings.dialer_context)
    with BusWatch(cti.server.bus, ev.AmiEvent) as watch:
        unsubscribe = cti.server.bus.subscribe(
            ev.AmiEvent, lambda event: outcomes.extend(filter(None, [tracker.handle(event)])))
        try:
            await place(cti.server.ami, tracker, attempt, target, time.time(), customer)
            if hang_up_ringing:
                await watch.until(lambda: any(getattr(e, "uniqueid", None) == attempt.attempt_id
                                              for e in watch.seen), "the attempt's channel", timeout)
                await hang_up(cti.server.ami, tracker, attempt.attempt_id, time.time())
            await watch.until(lambda: outcomes, f"the outcome of attempt {attempt.attempt_id}",
                              timeout)
        finally:
            unsubscribe()
        steps = [e for e in watch.seen if isinstance(e, ev.DialerStep)
                 and e.attempt == attempt.attempt_id]
    assert len(outcomes) == 1, outcomes
    return Dialed(outcomes[0], pacer, steps)
