"""What the flow engine asks of the call (commands) and what it is told back (answers): typed
values, the only contract between the pure engine and the FastAGI adapter that runs it.

Every command but the final ones (``Route``, ``Voicemail``, ``Hangup``) waits for one answer;
``HungUp`` may answer any of them.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ivr.flow import Prompt, Value


@dataclass(frozen=True, slots=True)
class Play:
    """Answered by ``Done``."""
    prompt: Prompt
    language: str


@dataclass(frozen=True, slots=True)
class Say:
    """Answered by ``Done``."""
    kind: Literal["digits", "number", "date"]
    value: str
    language: str


@dataclass(frozen=True, slots=True)
class GetDigits:
    """Play ``prompts`` (keys cut them short), then wait ``timeout`` seconds for up to
    ``max_digits`` keys ended by ``terminator``; ``sensitive``: with the call's recording
    paused. Answered by ``Digits``."""
    prompts: tuple[Prompt, ...]
    language: str
    timeout: float
    max_digits: int = 1
    terminator: str = ""
    sensitive: bool = False


@dataclass(frozen=True, slots=True)
class Record:
    """Play ``prompts``, record the answer (ends on ``silence_seconds`` of silence or after
    ``max_seconds``) and recognise it against ``phrases`` alone. Answered by ``Heard``, or by
    ``Digits`` when one of ``keys`` cut the prompts or the recording short."""
    prompts: tuple[Prompt, ...]
    language: str
    phrases: tuple[str, ...]
    max_seconds: float
    silence_seconds: float
    keys: str = ""


@dataclass(frozen=True, slots=True)
class Lookup:
    """A CRM record by ``value`` (a number or digits). Answered by ``Found``."""
    record: Literal["customer", "account", "ticket"]
    by: Literal["caller", "data"]
    value: str


@dataclass(frozen=True, slots=True)
class SetData:
    """Call data to keep with the call (channel variables, the screen pop). Answered by ``Done``."""
    values: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Callback:
    """Book a callback to ``number`` for ``queue``. Answered by ``Done``."""
    queue: str
    number: str


@dataclass(frozen=True, slots=True)
class OptOut:
    """Put ``number`` on the do-not-call list. Answered by ``Done``."""
    number: str


@dataclass(frozen=True, slots=True)
class Score:
    """The caller's survey score (1-5) for the call. Answered by ``Done``."""
    score: int


@dataclass(frozen=True, slots=True)
class Route:
    queue: str
    priority: int
    data: Mapping[str, Value]
    survey: str | None = None
    """The flow the caller stays for once the agent hangs up."""


@dataclass(frozen=True, slots=True)
class Voicemail:
    mailbox: str
    prompt: Prompt | None
    language: str
    data: Mapping[str, Value]


@dataclass(frozen=True, slots=True)
class Hangup:
    prompt: Prompt | None = None
    language: str = "en"
    reason: str = "flow"
    """``flow`` (a hangup node), ``caller`` (hung up), ``failed`` (retries spent, nowhere to
    go), ``loop`` (nodes leading round without asking the caller anything)."""


Command = (Play | Say | GetDigits | Record | Lookup | SetData | Callback | OptOut | Score | Route
           | Voicemail | Hangup)
FINAL = (Route, Voicemail, Hangup)


@dataclass(frozen=True, slots=True)
class Done:
    pass


@dataclass(frozen=True, slots=True)
class Digits:
    value: str
    """Without the terminator; empty: nothing pressed (timed out)."""


@dataclass(frozen=True, slots=True)
class Heard:
    text: str
    """Empty: nothing recognised."""
    confidence: float = 0.0


@dataclass(frozen=True, slots=True)
class Found:
    record: Mapping[str, Value] | None = field(default=None)
    """None: no such record."""
    failed: bool = False
    """The CRM could not be asked."""


@dataclass(frozen=True, slots=True)
class HungUp:
    pass


Answer = Done | Digits | Heard | Found | HungUp
