"""VICIdial's adaptive predictive pacing, the open-source reference (``bin/AST_VDadapt.pl``),
as docs/telemarketing.md describes it; a baseline for our ``PacingController``.

Every tick it samples ready agents, answered calls waiting and active agents; every 15
ticks, over the last 15 samples:
    m = (avg_ready - avg_waiting + diff_target) / avg_agents,  k = 1 +/- intensity / 100,
    level = level * (1 + k * m), clamped to [1.0, max_level];
and when the drop rate since the start (drops / people answering) is over the target the
level goes down to 1.0 ("hard limit") or to half ("average"). Each tick places
round(level x active agents) - lines in use. VICIdial's active agents are those ready or
talking (wrap-up is a pause there) and its lines are every live call, talking ones too.
"""
from __future__ import annotations

import math
from collections import deque
from enum import StrEnum

from dialer.pacing import Snapshot


class DropAction(StrEnum):
    HARD_LIMIT = "hard_limit"
    AVERAGE = "average"


class AdaptiveLevel:
    def __init__(self, *, target: float = 0.03, intensity: float = 0.0, max_level: float = 3.0,
                 diff_target: float = 0.0, samples: int = 15,
                 on_drops: DropAction = DropAction.HARD_LIMIT) -> None:
        self.level = 1.0
        self._target, self._intensity, self._max_level = target, intensity, max_level
        self._diff_target, self._on_drops = diff_target, on_drops
        self._samples: deque[tuple[int, int, int]] = deque(maxlen=samples)
        self._ticks = 0
        self._answered = self._dropped = 0

    def decide(self, now: Snapshot) -> int:
        active = now.ready + len(now.talking)
        self._samples.append((now.ready, now.waiting, active))
        self._ticks += 1
        if self._ticks % self._samples.maxlen == 0:
            self._adapt()
        lines = len(now.ringing) + now.waiting + len(now.talking)
        return max(0, round(self.level * active) - lines)

    def _adapt(self) -> None:
        ready, waiting, agents = (sum(column) / len(self._samples) for column in zip(*self._samples))
        if agents > 0:
            m = (ready - waiting + self._diff_target) / agents
            k = 1 + math.copysign(self._intensity / 100, m)
            self.level = min(self._max_level, max(1.0, self.level * (1 + k * m)))
        if self._answered and self._dropped / self._answered > self._target:
            self.level = 1.0 if self._on_drops is DropAction.HARD_LIMIT else max(1.0, self.level / 2)

    def hang_up(self, now: Snapshot) -> tuple[int, ...]:
        """Never: VICIdial lets every call ring to its end."""
        return ()

    def attempt_ended(self, seconds: float, human: bool, hung_up: bool = False) -> None:
        """Not used: VICIdial keeps no call-progress model."""

    def answer_handled(self, abandoned: bool) -> None:
        self._answered += 1
        self._dropped += abandoned

    def call_finished(self, talk: float, wrap: float) -> None:
        """Not used."""
