"""IVR flows as data (pure): the node types, prompts and a flow, as pydantic models.

A flow is a named set of nodes, one of them the start; a node names the nodes it leads to
(``next``, a menu's choices, a lookup's ``found``...). ``targets()`` lists them with the path of
the field that names them, so a wrong name is reported where it was written.
"""
from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

Path = tuple[str | int, ...]
Value = str | int | float | bool | None
DIGITS = "0123456789*#"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Prompt(Strict):
    """Exactly one of: an uploaded audio file, an Asterisk sound, or text rendered to audio
    (espeak-ng) in the call's language. Text and values may name call data as ``{key}``."""
    file: str | None = None
    sound: str | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Prompt:
        if sum(v is not None for v in (self.file, self.sound, self.text)) != 1:
            raise ValueError("a prompt is exactly one of file, sound, text")
        return self


class Node(Strict):
    def targets(self) -> list[tuple[Path, str]]:
        """(field path, node name) of every node this one leads to."""
        found: list[tuple[Path, str]] = []
        for name in self.TARGET_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str):
                found.append(((name,), value))
            elif isinstance(value, dict):
                found += [((name, key), target) for key, target in value.items()]
        return found

    TARGET_FIELDS: ClassVar[tuple[str, ...]] = ()


def _phone_keys(choices: dict[str, str]) -> dict[str, str]:
    for key in choices:
        if len(key) != 1 or key not in DIGITS:
            raise ValueError(f"choice {key!r} is not a key of the phone (0-9, *, #)")
    return choices


class Play(Node):
    type: Literal["play"]
    prompt: Prompt
    next: str
    TARGET_FIELDS = ("next",)


class Say(Node):
    """Reads a value out: ``{ticket.status}`` or a literal."""
    type: Literal["say"]
    say: Literal["digits", "number", "date"]
    value: str
    next: str
    TARGET_FIELDS = ("next",)


class Retrying(Node):
    """Asks, waits ``timeout`` seconds, asks again up to ``retries`` times."""
    prompt: Prompt
    timeout: float = Field(5.0, gt=0, le=60)
    retries: int = Field(2, ge=0, le=10)
    invalid_prompt: Prompt | None = None
    timeout_prompt: Prompt | None = None
    on_failure: str | None = None
    """After the last try; None: hang up."""


class Menu(Retrying):
    type: Literal["menu"]
    choices: dict[str, str]
    TARGET_FIELDS = ("choices", "on_failure")
    _keys = field_validator("choices")(_phone_keys)


class Collect(Retrying):
    """Digits into call data ``into``: ``min_digits``..``max_digits``, ended by ``terminator``."""
    type: Literal["collect"]
    into: str
    min_digits: int = Field(1, ge=1, le=32)
    max_digits: int = Field(16, ge=1, le=32)
    terminator: Literal["#", ""] = "#"
    """"": a fixed length (``#`` still ends the input early: Asterisk's GET DATA)."""
    sensitive: StrictBool = False
    """A card number or the like: the call's recording is paused while the node runs, and
    the digits leave the IVR (the call data on the screen pop and the CRM's call row) masked
    to their last four; the flow's own conditions, lookups and say nodes see them whole."""
    next: str
    TARGET_FIELDS = ("next", "on_failure")

    @model_validator(mode="after")
    def _range(self) -> Collect:
        if self.min_digits > self.max_digits:
            raise ValueError("min_digits is more than max_digits")
        return self


class SpeechMenu(Retrying):
    """The caller says a phrase (recognised against ``phrases`` alone); on no match or low
    confidence the same try falls back to keys (``choices``)."""
    type: Literal["speech_menu"]
    phrases: dict[str, str]
    choices: dict[str, str] = {}
    min_confidence: float = Field(0.6, ge=0, le=1)
    max_seconds: float = Field(5.0, gt=0, le=30)
    silence_seconds: float = Field(1.5, gt=0, le=10)
    TARGET_FIELDS = ("phrases", "choices", "on_failure")
    _keys = field_validator("choices")(_phone_keys)

    @field_validator("phrases")
    @classmethod
    def _phrases(cls, phrases: dict[str, str]) -> dict[str, str]:
        if not phrases or any(not p.strip() for p in phrases):
            raise ValueError("a speech menu needs phrases, none of them empty")
        return phrases


class LanguageChoice(Retrying):
    """A key per language (``{"1": "en", "2": "zh"}``): the call's language from then on."""
    type: Literal["language"]
    languages: dict[str, str]
    next: str
    TARGET_FIELDS = ("next", "on_failure")
    _keys = field_validator("languages")(_phone_keys)


class Hours(Node):
    """Business hours and holidays of ``calendar`` (a queue's); unknown calendars are open."""
    type: Literal["hours"]
    calendar: str
    open: str
    closed: str
    holiday: str | None = None
    """None: as closed."""
    TARGET_FIELDS = ("open", "closed", "holiday")


class Lookup(Node):
    """A CRM record (``customer`` by the caller's number or by digits in ``key``; ``account``
    or ``ticket`` by digits in ``key``): its fields go into call data as ``INTO.field``."""
    type: Literal["lookup"]
    record: Literal["customer", "account", "ticket"]
    by: Literal["caller", "data"] = "caller"
    key: str | None = None
    into: str
    found: str
    not_found: str
    on_error: str | None = None
    """Where the call goes when the CRM cannot be asked; None: as not found."""
    TARGET_FIELDS = ("found", "not_found", "on_error")

    @model_validator(mode="after")
    def _key(self) -> Lookup:
        if (self.by == "data") != (self.key is not None):
            raise ValueError("key names the call data to look up by, and only with by: data")
        if self.record != "customer" and self.by == "caller":
            raise ValueError(f"a {self.record} is looked up by data (digits the caller entered)")
        return self


class Condition(Node):
    """``field`` of call data compared with one of the tests; ``then`` or ``else``."""
    model_config = ConfigDict(populate_by_name=True)
    type: Literal["condition"]
    field: str
    equals: Value = None
    one_of: list[Value] | None = None
    above: float | None = None
    below: float | None = None
    exists: bool | None = None
    then: str
    otherwise: str = Field(alias="else")
    TARGET_FIELDS = ("then", "otherwise")

    @model_validator(mode="before")
    @classmethod
    def _one_test(cls, data: object) -> object:
        if isinstance(data, dict):
            tests = [k for k in ("equals", "one_of", "above", "below", "exists") if k in data]
            if len(tests) != 1:
                raise ValueError("a condition has exactly one of equals, one_of, above, below, exists")
        return data


class SetData(Node):
    """Call data (shown on the agent's screen pop); values may name other data as ``{key}``."""
    type: Literal["set"]
    values: dict[str, str]
    next: str
    TARGET_FIELDS = ("next",)


class Queue(Node):
    """The call goes to ``queue``; with ``vip_priority``, a caller whose ``vip_field`` is true
    gets that priority instead."""
    type: Literal["queue"]
    queue: str
    priority: int = Field(0, ge=0)
    vip_priority: int | None = Field(None, ge=0)
    vip_field: str = "customer.vip"
    survey: str | None = None
    """A flow the caller stays for once the agent hangs up (a ``survey`` node's score)."""


class Callback(Node):
    """Self-service "call me back": a callback to the caller's number, due now, booked in the
    CRM for ``queue`` (the dialer dials it for a campaign lead with that number; agents see it
    in their callback list)."""
    type: Literal["callback"]
    queue: str
    next: str
    TARGET_FIELDS = ("next",)


class OptOut(Node):
    """Self-service opt-out of marketing: the caller's number on the do-not-call list."""
    type: Literal["opt_out"]
    next: str
    TARGET_FIELDS = ("next",)


class Survey(Retrying):
    """A score 1-5 for the call the caller just had (a queue node's ``survey`` flow runs once
    the agent hangs up): stored on the call, credited to its agent."""
    type: Literal["survey"]
    next: str
    TARGET_FIELDS = ("next", "on_failure")


class Voicemail(Node):
    type: Literal["voicemail"]
    mailbox: str
    prompt: Prompt | None = None


class Hangup(Node):
    type: Literal["hangup"]
    prompt: Prompt | None = None


class Goto(Node):
    """Another flow, at its start."""
    type: Literal["goto"]
    flow: str


AnyNode = Annotated[Play | Say | Menu | Collect | SpeechMenu | LanguageChoice | Hours | Lookup
                    | Condition | SetData | Queue | Callback | OptOut | Survey | Voicemail | Hangup
                    | Goto,
                    Field(discriminator="type")]


class Flow(Strict):
    name: str = Field(min_length=1)
    language: str = "en"
    start: str
    nodes: dict[str, AnyNode] = Field(min_length=1)

    def problems(self) -> list[tuple[Path, str]]:
        """(path, reason) of every name that leads nowhere in this flow."""
        found: list[tuple[Path, str]] = []
        if self.start not in self.nodes:
            found.append((("start",), f"start node {self.start!r} does not exist"))
        for name, node in self.nodes.items():
            found += [(("nodes", name, *path), f"node {target!r} does not exist")
                      for path, target in node.targets() if target not in self.nodes]
        return found
