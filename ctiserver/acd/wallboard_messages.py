"""The wallboard's websocket protocol (``/ws/wallboard``), version 1: server to wallboard only.

``stats``: ``event_at`` (when the oldest change it reflects arrived), ``changed``, ``full``
(the whole snapshot, or only the touched queue tiles and agents plus the "all" tile), then the
statistics snapshot's own keys (``queues``, ``agents``, ``day_start``, ``definitions``...: see
``QueueStats.snapshot``), flat beside them. An agent's and a queue tile's figures carry
``survey`` (``SurveyScore``: today's post-call survey answers and their mean, 1-5) once
there is one. The header comes first, so a reader can time an
update without parsing all of it.

``keyword_alert``: a recorded call's transcript has one of its queue's alert phrases
(``call_key``, ``queue``, ``agent``: the member interface or null, ``phrase``, ``second`` of
the recording it was said at), sent to the wallboards that see the agent.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ctiserver.web.messages import Message

VERSION = 1


@dataclass(frozen=True, slots=True)
class Stats(Message):
    type: ClassVar[str] = "stats"
    version: ClassVar[int] = VERSION
    event_at: float
    changed: bool
    full: bool
    snapshot: Mapping[str, Any]

    def payload(self) -> dict[str, Any]:
        return {"v": VERSION, "type": self.type, "event_at": self.event_at,
                "changed": self.changed, "full": self.full, **self.snapshot}


@dataclass(frozen=True, slots=True)
class SurveyScore:
    answers: int
    mean: float

    def payload(self) -> dict[str, Any]:
        return {"answers": self.answers, "mean": round(self.mean, 2)}


def with_surveys(snapshot: dict[str, Any], agents: Mapping[str, SurveyScore],
                 queues: Mapping[str, SurveyScore]) -> dict[str, Any]:
    """The snapshot with ``survey`` on the figures of the agents (by interface) and queues
    that have one; the snapshot's own figures are left as they are."""
    def scored(figures: Mapping[str, Any], scores: Mapping[str, SurveyScore]) -> dict[str, Any]:
        return {key: {**value, "survey": scores[key].payload()} if key in scores else value
                for key, value in figures.items()}

    return {**snapshot, "agents": scored(snapshot.get("agents", {}), agents),
            "queues": scored(snapshot.get("queues", {}), queues)}


@dataclass(frozen=True, slots=True)
class KeywordAlert(Message):
    type: ClassVar[str] = "keyword_alert"
    version: ClassVar[int] = VERSION
    call_key: str
    queue: str | None
    agent: str | None
    phrase: str
    second: float
