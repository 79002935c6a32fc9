"""The live campaign view's figures and protocol (pure logic).

Counts (attempts by outcome, leads left) come from the database for every campaign; a campaign
dialing in this process adds its live figures (``RunnerFigures``: agents, calls in flight, the
pacer's last decision, its compliance windows), which the runners of a ``LiveBoard`` give.

``/ws/campaigns`` protocol, version 1, server to client only: ``campaigns`` messages,
``{"v": 1, "type": "campaigns", "at": <epoch seconds>, "campaigns": [<CampaignFigures.json()>]}``,
one a second and one at connect."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from ctiserver.web.messages import Message
from dialer.compliance import WindowTally

VERSION = 1


@dataclass(frozen=True, slots=True)
class CampaignCounts:
    """A campaign's attempts so far (database) and the leads still to dial."""
    name: str
    state: str
    dialed: int = 0
    answered: int = 0
    """Answered by a person or a machine."""
    human: int = 0
    """Answered by a person (reached an agent, abandoned or opted out)."""
    machine: int = 0
    abandoned: int = 0
    leads_left: int = 0


@dataclass(frozen=True, slots=True)
class RunnerFigures:
    """What a runner knows now."""
    talking: int
    """Agents of the campaign's queue on a call (or being rung for one)."""
    waiting: int
    """Agents ready for a call."""
    wrapping: int
    in_flight: int
    """Calls ringing or answered and waiting for an agent."""
    mode: str
    decision: int
    """Calls the pacer asked for at its last tick."""
    allowance: float | None
    """Predictive: the drop risk a new call may take, as the compliance windows press it."""
    windows: tuple[WindowTally, ...]


def window_json(tally: WindowTally) -> dict[str, Any]:
    return {"rule": tally.rule.name, "seconds": tally.rule.window, "target": tally.rule.target,
            "rate": tally.rate, "abandoned": tally.counted_abandons,
            "live_answered": tally.live_answered, "over": tally.rate > tally.rule.target}


@dataclass(frozen=True, slots=True)
class CampaignFigures:
    counts: CampaignCounts
    live: RunnerFigures | None = None
    """None: the campaign does not dial in this process."""

    def json(self) -> dict[str, Any]:
        c, live = self.counts, self.live
        body: dict[str, Any] = {
            "name": c.name, "state": c.state, "dialing_here": live is not None,
            "dialed": c.dialed, "answered": c.answered, "human": c.human, "machine": c.machine,
            "abandoned": c.abandoned, "leads_left": c.leads_left,
            "windows": [], "agents": None, "in_flight": None, "pacing": None}
        if live is not None:
            body.update(
                windows=[window_json(w) for w in live.windows],
                agents={"talking": live.talking, "waiting": live.waiting,
                        "wrapping": live.wrapping},
                in_flight=live.in_flight,
                pacing={"mode": live.mode, "decision": live.decision,
                        "allowance": live.allowance})
        return body


FigureSource = Callable[[float], Mapping[str, RunnerFigures]]
"""Campaign name to its runner's figures at a moment (``DialerDomain.figures``)."""


class LiveBoard:
    """The dialers of this process, as the live view reads them: each attaches its figures."""

    def __init__(self) -> None:
        self._sources: list[FigureSource] = []

    def attach(self, source: FigureSource) -> None:
        self._sources.append(source)

    def detach(self, source: FigureSource) -> None:
        self._sources.remove(source)

    def figures(self, now: float) -> dict[str, RunnerFigures]:
        found: dict[str, RunnerFigures] = {}
        for source in self._sources:
            found.update(source(now))
        return found


def combine(counts: Sequence[CampaignCounts],
            live: Mapping[str, RunnerFigures]) -> list[CampaignFigures]:
    return [CampaignFigures(c, live.get(c.name)) for c in counts]


@dataclass(frozen=True, slots=True)
class CampaignsUpdate(Message):
    type: ClassVar[str] = "campaigns"
    version: ClassVar[int] = VERSION
    at: float
    campaigns: tuple[CampaignFigures, ...]

    def payload(self) -> dict[str, Any]:
        return {"v": VERSION, "type": self.type, "at": self.at,
                "campaigns": [c.json() for c in self.campaigns]}
