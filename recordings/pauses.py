"""The stretches of a recording that were paused (pure): a small state machine fed the pause
and resume requests' times, giving offsets in seconds from the recording's start and who
paused (the agent, or the IVR while a caller keys in a card number), which the recording's
metadata keeps (the audio of a stretch is silence: MixMonitor was muted)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from callcenter.errors import Conflict

PausedBy = Literal["agent", "ivr"]


class Stretch(NamedTuple):
    start: float
    end: float
    by: PausedBy = "agent"


@dataclass
class PauseLog:
    started_at: float
    """The recording's start (epoch seconds)."""
    paused_since: float | None = None
    """An on-demand recording starts paused: its start."""
    paused_by: PausedBy = "agent"
    ended_at: float | None = None
    _stretches: list[Stretch] = field(default_factory=list)

    @classmethod
    def starting(cls, started_at: float, *, paused: bool = False) -> PauseLog:
        return cls(started_at, started_at if paused else None)

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    @property
    def paused(self) -> bool:
        return self.paused_since is not None

    def pause(self, at: float, by: PausedBy = "agent") -> None:
        self._check_open()
        if self.paused:
            raise Conflict("the recording is paused already")
        self.paused_since, self.paused_by = max(at, self.started_at), by

    def resume(self, at: float) -> None:
        self._check_open()
        if self.paused_since is None:
            raise Conflict("the recording is not paused")
        self._close(at)

    def end(self, at: float) -> tuple[Stretch, ...]:
        """The recording ended: an open pause lasts until AT."""
        if self.ended_at is None:
            if self.paused_since is not None:
                self._close(at)
            self.ended_at = at
        return self.stretches

    @property
    def paused_throughout(self) -> bool:
        """An ended recording that holds nothing but silence (on demand, never started)."""
        if self.ended_at is None:
            return False
        length = round(max(self.ended_at - self.started_at, 0), 3)
        return [s[:2] for s in self.stretches] == [(0, length)]

    @property
    def stretches(self) -> tuple[Stretch, ...]:
        return tuple(self._stretches)

    def _close(self, at: float) -> None:
        assert self.paused_since is not None
        start = self.paused_since - self.started_at
        self._stretches.append(Stretch(round(start, 3), round(max(at - self.started_at, start), 3),
                                       self.paused_by))
        self.paused_since = None

    def _check_open(self) -> None:
        if self.ended:
            raise Conflict("the recording has ended")
