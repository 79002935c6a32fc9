"""The JSON bodies of the console's APIs, requests and answers, declared once (an OpenAPI
document can be generated from them): the admin's users, queues, scripts and disposition lists,
the security events; the agent's work (customers, a call's details, wrap-ups, callbacks); the
console's queue membership and script; the softphone's configuration. The call controls'
bodies are ctiserver.control.schemas'.

Requests take JSON's own types (strict: ``"5"`` is no number, ``1`` no boolean) and refuse
unknown fields; a validation error names the field and the problem (ctiserver.web.errors
answers it as a 400). Text fields are stripped; an optional one given empty is null. Answers
are checked against their model on the way out (jsonbody.answer): a mismatch is our bug."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, RootModel,
    StringConstraints, ValidationInfo, field_validator,
)
from pydantic_core import PydanticCustomError

from callcenter.errors import Invalid
from crm_core.callbacks import zone
from crm_core.dialpolicies import DECISIONS, MAX_DIALS
from crm_core.dispositions import CODE, KINDS, MAX_ENTRIES, MAX_LABEL
from crm_core.passwords import password_problem
from crm_core.queues import NAME as QUEUE_NAME
from crm_core.queues import STRATEGIES
from crm_core.scripts import MAX_BODY as MAX_SCRIPT
from crm_core.scripts import MAX_TITLE
from crm_core.securityevents import MAX_EVENTS
from crm_core.tickets import PRIORITIES
from crm_core.users import ROLES
from ctiserver.acd.routing import CLOSED_ACTIONS, validate_hours
from ctiserver.control.channels import QUEUE_NAME as MEMBER_QUEUE_NAME
from ctiserver.control.dialpolicy import number_type, pattern
from ivr.diagram import Diagram

from .i18n import languages

MAX_TEXT = 200
MAX_LONG_TEXT = 4000
MAX_NUMBERS = 10
MAX_NUMBER = 40
MAX_QUERY = 100
INT32_MAX = 2**31 - 1
CUSTOMER_ID = re.compile(r"[0-9]{1,9}\Z")


class Body(BaseModel):
    """A request body: JSON types as they are, no unknown fields."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    """A request's query parameters (strings; parameters not declared are ignored)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Answer(BaseModel):
    """A response body."""

    model_config = ConfigDict(extra="forbid")


def problem(message: str) -> PydanticCustomError:
    """A validation error that reads ``message`` (pydantic puts "Value error, " before a
    ValueError's)."""
    return PydanticCustomError("invalid", "{message}", {"message": message})


def _blank_is_none(value: str | None) -> str | None:
    return (value.strip() or None) if value is not None else None


def text(limit: int) -> Any:
    """A required string, stripped, 1 to ``limit`` characters."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=limit)]


def optional_text(limit: int) -> Any:
    """A string of at most ``limit`` characters, stripped; null or empty is None."""
    return Annotated[Annotated[str, StringConstraints(max_length=limit)] | None,
                     AfterValidator(_blank_is_none)]


def checked_by(check: Callable[[Any], object]) -> AfterValidator:
    """A validator that runs ``check`` on a value given (not null): its Invalid is the problem
    (in the user's language: ctiserver.web.errors)."""

    def validate(value: Any) -> Any:
        if value is not None:
            check(value)
        return value

    return AfterValidator(validate)


def spelled_by(canonical: Callable[[Any], Any]) -> AfterValidator:
    """A validator that takes ``canonical(value)`` in the value's place: its Invalid is the
    problem."""
    return AfterValidator(canonical)


ShortText = text(MAX_TEXT)
LongText = text(MAX_LONG_TEXT)
OptionalShortText = optional_text(MAX_TEXT)
OptionalLongText = optional_text(MAX_LONG_TEXT)
TimeZone = Annotated[ShortText, checked_by(zone)]
"""An IANA time zone name ("Europe/Berlin")."""
OptionalTimeZone = Annotated[OptionalShortText, checked_by(zone)]
RowId = Annotated[int, Field(gt=0, le=INT32_MAX)]
Seconds = Annotated[int, Field(ge=0, le=INT32_MAX)]
Fraction = Annotated[float, Field(ge=0, le=1)]


class Done(Answer):
    ok: Literal[True] = True


# --- admin: users ----------------------------------------------------------------------------


def _settable(password: str) -> str:
    why = password_problem(password)
    if why:
        raise problem(why)
    return password


Password = Annotated[str, AfterValidator(_settable)]
Role = Literal[ROLES]  # type: ignore[valid-type]
TeamName = Annotated[str, StringConstraints(min_length=1)]


class UserFields(Body):
    extension: OptionalShortText = None
    interface: OptionalShortText = None
    """Asterisk's queue-member interface (PJSIP/1001, Local/1001@sim-agent/n), unique."""
    team: OptionalShortText = None
    password: Password | None = None
    leads: list[TeamName] | None = None
    """The teams a supervisor leads (replaces the list)."""


class UserCreate(UserFields):
    """``POST /admin/users``."""

    username: ShortText
    role: Role
    display_name: OptionalShortText = None
    """Defaults to the username."""


class UserChange(UserFields):
    """``PATCH /admin/users/{username}``: only the fields given change; a text field given
    null or empty is cleared. The username cannot change."""

    display_name: ShortText = None
    role: Role = None
    active: bool = None
    """false ends the user's sessions and refuses their logins and token."""


class UserAnswer(Answer):
    id: int
    username: str
    display_name: str
    role: Role
    extension: str | None
    interface: str | None
    team: str | None
    leads: list[str]


# --- admin: queues ---------------------------------------------------------------------------


QueueName = Annotated[str, StringConstraints(pattern=QUEUE_NAME.pattern)]
BusinessHours = Annotated[dict[str, list[list[str]]] | None, checked_by(validate_hours)]


class QueueFields(Body):
    """``PUT /admin/queues/{name}``: creates the queue with the fields given (the others take
    their defaults) or changes the fields given. The fields are crm_core.models.Queue's."""

    display_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] = None
    strategy: Literal[STRATEGIES] = None  # type: ignore[valid-type]
    member_timeout: Seconds = None
    retry: Seconds = None
    wrapup_seconds: Seconds = None
    max_wait: Seconds | None = None
    sl_threshold: Seconds = None
    short_abandon: Seconds = None
    sl_target: Fraction = None
    max_wait_alert: Seconds = None
    asa_target: Seconds = None
    abandon_rate_target: Fraction = None
    overflow_queue: QueueName | None = None
    overflow_max_wait: Seconds | None = None
    overflow_max_ratio: Annotated[float, Field(ge=0)] | None = None
    business_hours: BusinessHours = None
    """{"mon": [["08:00", "18:00"]], ...}; a day left out is closed; null: always open."""
    timezone: TimeZone = None
    closed_action: Literal[CLOSED_ACTIONS] = None  # type: ignore[valid-type]

    def given(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class QueueAnswer(QueueFields):
    """A stored queue: every field of QueueFields, and its name."""

    model_config = ConfigDict(extra="forbid", strict=False, from_attributes=True)
    name: str


QueueList = RootModel[list[QueueAnswer]]


class QueueSaved(Answer):
    queue: QueueAnswer
    changed: list[str]
    """The Asterisk configuration files that changed (and were reloaded)."""


class QueueDeleted(Answer):
    deleted: str
    changed: list[str]


# --- admin: scripts and disposition lists ----------------------------------------------------


class ScriptBody(Body):
    """``PUT /admin/scripts/{kind}/{name}``: a jinja2 template with ``customer`` and ``agent``."""

    body: Annotated[str, StringConstraints(min_length=1, max_length=MAX_SCRIPT)]
    title: Annotated[str, StringConstraints(max_length=MAX_TITLE)] = ""


Kind = Literal[KINDS]  # type: ignore[valid-type]


class ScriptAnswer(Answer):
    kind: Kind
    name: str
    title: str
    body: str
    updated_by: int | None
    updated_at: str


class ScriptList(Answer):
    scripts: list[ScriptAnswer]


class OwnerName(Answer):
    kind: Kind
    name: str


class ScriptDeleted(Answer):
    deleted: OwnerName


Label = text(MAX_LABEL)


class DispositionEntry(Body):
    code: Annotated[str, StringConstraints(pattern=CODE.pattern)]
    """1 to 64 letters, digits, '.', '_' and '-'."""
    label: Label
    requires_callback: bool = False


class DispositionsBody(Body):
    """``PUT /admin/dispositions[/{kind}/{name}]``: the whole list, in order; codes unique; the
    global list needs at least one."""

    dispositions: Annotated[list[DispositionEntry], Field(max_length=MAX_ENTRIES)]


class Disposition(Answer):
    code: str
    label: str
    requires_callback: bool


class StoredDisposition(Disposition):
    active: bool
    """Dropped from the list after wrap-ups used it: kept for their history."""


class DispositionsAnswer(Answer):
    kind: Kind | None
    name: str | None
    dispositions: list[StoredDisposition]
    """The owner's own list."""
    offered: list[Disposition]
    """What agents are offered for its calls (its own entries, then the global ones)."""


class OfferedDispositions(Answer):
    dispositions: list[Disposition]


# --- admin: security events ----------------------------------------------------------------


class SecurityEventsQuery(Query):
    """``GET /admin/security/events``."""

    limit: Annotated[int, Field(gt=0, le=MAX_EVENTS)] = 100
    since: Annotated[AwareDatetime | None, BeforeValidator(lambda v: v or None)] = None
    """ISO 8601 with a time zone (2026-05-04T09:00:00+00:00): the events from then on."""


class SecurityEvent(Answer):
    id: int
    at: str
    kind: str
    """'address burst', 'account burst' or 'usual address burst'."""
    remote: str | None
    username: str | None
    failures: int
    detail: dict[str, Any]
    """``usernames`` (address bursts) or ``addresses`` (account bursts), ``wait_seconds``."""


class SecurityEvents(Answer):
    events: list[SecurityEvent]


# --- admin: the dial policy and the dial audit log -------------------------------------------

MAX_PATTERNS = 200
DialPattern = Annotated[str, spelled_by(pattern)]
"""``national``, an E.164 prefix (``+44``) or a region code (``FR``)."""
NumberType = Annotated[str, spelled_by(number_type)]
"""A phonenumbers number type name (``PREMIUM_RATE``)."""


class DialRulesBody(Body):
    """``PUT /admin/dial-policy`` (the default) and ``/admin/dial-policy/{team}``: the whole
    set of rules, stored as given (a field left out is empty)."""

    allow: Annotated[list[DialPattern], Field(max_length=MAX_PATTERNS)] = []
    """Empty: any number the other rules let through."""
    block: Annotated[list[DialPattern], Field(max_length=MAX_PATTERNS)] = []
    blocked_types: Annotated[list[NumberType], Field(max_length=MAX_PATTERNS)] = []


class DialRulesAnswer(Answer):
    team: str | None
    """None: the site's default rules, which hold for every team."""
    allow: list[str]
    block: list[str]
    blocked_types: list[str]
    stored: bool
    """False: the built-in default (the settings'), no admin stored one yet."""
    updated_by: int | None
    updated_at: str | None


class DialPolicyList(Answer):
    policies: list[DialRulesAnswer]
    """The default first, then each team's by name."""


class DialPolicyDeleted(Answer):
    deleted: str | None
    """The team whose rules went (None: the stored default; the built-in one holds again)."""


class DialsQuery(Query):
    """``GET /admin/dials``."""

    user: OptionalShortText = None
    """A username: that user's attempts only."""
    since: Annotated[AwareDatetime | None, BeforeValidator(lambda v: v or None)] = None
    decision: Annotated[Literal[DECISIONS] | None,  # type: ignore[valid-type]
                        BeforeValidator(lambda v: v or None)] = None
    before: Annotated[int, Field(gt=0)] | None = None
    """The previous page's ``next``: the attempts older than those."""
    limit: Annotated[int, Field(gt=0, le=MAX_DIALS)] = 100


class DialRow(Answer):
    id: int
    at: str
    user_id: int | None
    username: str
    team: str | None
    kind: str
    """'dial' (click-to-dial), 'transfer' or 'atxfer' (to a number)."""
    number: str
    """As typed."""
    number_e164: str | None
    decision: str
    reason: str
    call_id: str | None
    """The call it made: its linkedid (a click-to-dial's is the CRM call's key)."""
    error: str | None


class Dials(Answer):
    dials: list[DialRow]
    """Newest first."""
    next: int | None
    """``before`` for the next page; None: no more."""


# --- the agent's work ------------------------------------------------------------------------


class SearchQuery(Query):
    q: Annotated[str, StringConstraints(min_length=1, max_length=MAX_QUERY)]
    """A name, email address (parts of either) or phone number (any format)."""


class DispositionsQuery(Query):
    queue: OptionalShortText = None


class CustomerBody(Body):
    """``POST /api/customers``."""

    name: ShortText
    numbers: Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=MAX_NUMBER)]],
                       Field(max_length=MAX_NUMBERS)] = []
    """Phone numbers in any format (national ones in the site's region)."""
    company: OptionalShortText = None
    email: OptionalShortText = None
    timezone: OptionalTimeZone = None


class CallbackBody(Body):
    due_local: ShortText
    """Wall-clock time "YYYY-MM-DDTHH:MM" in ``timezone`` (else the customer's, else the
    queue's)."""
    timezone: OptionalTimeZone = None
    for_: Literal["me", "anyone"] = Field("me", alias="for")
    note: OptionalLongText = None


class TicketBody(Body):
    category: ShortText
    priority: Literal[PRIORITIES] = "normal"  # type: ignore[valid-type]
    description: LongText


class WrapupBody(Body):
    """``POST /api/calls/{call_key}/wrapup``."""

    disposition: ShortText
    note: OptionalLongText = None
    callback: CallbackBody | None = None
    ticket: TicketBody | None = None
    customer_id: RowId | None = None
    """The call's customer, when the call has none yet."""


class CustomerCreated(Answer):
    id: int


class FoundCustomer(Answer):
    id: int
    name: str
    company: str | None
    email: str | None
    numbers: list[str]


class FoundCustomers(Answer):
    customers: list[FoundCustomer]


class ContactNumber(Answer):
    number: str
    label: str | None


class PastCall(Answer):
    call_key: str
    when: str
    queue: str | None
    direction: str
    outcome: str
    talk_seconds: float
    agent: str | None
    disposition: str | None
    note: str | None
    collected: dict[str, Any] | None
    """What the IVR collected on the call."""


class OpenTicket(Answer):
    id: int
    call_key: str | None
    category: str
    priority: str
    description: str
    status: str
    created_at: str


class CallbackAnswer(Answer):
    id: int
    customer_id: int
    number: str | None
    due_at: str
    due_local: str
    timezone: str
    for_: Literal["anyone", "user"] = Field(alias="for")
    assigned_user_id: int | None
    call_key: str | None
    note: str | None
    status: str


class CustomerCard(Answer):
    id: int
    name: str
    company: str | None
    email: str | None
    timezone: str | None
    tags: list[str]
    numbers: list[ContactNumber]
    vip: bool
    timeline: list[PastCall]
    tickets: list[OpenTicket]
    callbacks: list[CallbackAnswer]


class WrapupSaved(Answer):
    call_key: str
    customer_id: int | None
    callback_id: int | None
    ticket_id: int | None


class CallCustomer(Answer):
    id: int
    name: str
    company: str | None
    timezone: str | None
    vip: bool


class StoredWrapup(Answer):
    disposition: str
    note: str | None


class CallDetails(Answer):
    """``GET /api/calls/{call_key}``: what the after-call form needs."""

    call_key: str
    recorded: bool
    """False while the CRM's row is not written yet: the pop's data meanwhile."""
    queue: str | None
    caller_number: str | None
    caller_name: str | None
    entered_at: str | None
    answered_at: str | None
    ended_at: str | None
    outcome: str | None
    customer: CallCustomer | None
    dispositions: list[Disposition]
    """What the user may pick for the call's queue."""
    wrapup: StoredWrapup | None
    """The user's own stored wrap-up of the call."""
    pending: bool
    """The after-call gate waits for the user's wrap-up of it."""


class OpenCallbacks(Answer):
    callbacks: list[CallbackAnswer]


class CallbackDone(Answer):
    id: int
    status: Literal["done"]


# --- the console -----------------------------------------------------------------------------


def _member_queues(queues: list[str]) -> list[str]:
    bad = [q for q in queues if not MEMBER_QUEUE_NAME.match(q)]
    if bad:
        raise problem(f"not queue names: {', '.join(map(repr, bad))}")
    return queues


MemberQueues = Annotated[list[str], Field(min_length=1, max_length=50),
                         AfterValidator(_member_queues)]


class QueuesBody(Body):
    """``POST /api/agent/login``."""

    queues: MemberQueues


class LogoutBody(Body):
    """``POST /api/agent/logout``: these queues, or all the agent's."""

    queues: MemberQueues | None = None


class PauseBody(Body):
    reason: str


class AgentState(Answer):
    interface: str
    state: str
    reason: str
    since: float | None
    now: float
    queues: list[str]
    """The queues the agent is in."""
    available: list[str]
    """The queues Asterisk has."""
    pending_wrapups: list[str]
    """Calls still waiting for the agent's disposition."""
    pending_complete: bool
    """False while a restarted CTI server has not taken over the calls waiting from before:
    ``pending_wrapups`` may miss some until then."""


class QueuesDone(Done):
    queues: list[str]


class Paused(Done):
    reason: str


class PreviewDialed(Done):
    """``POST /api/preview/dial``: the call ringing the agent, then the lead."""
    lead_id: int
    call_id: str


class PreviewSkipped(Done):
    """``POST /api/preview/skip``."""
    lead_id: int


def _customer_id(raw: str | None) -> str | None:
    if raw is not None and not CUSTOMER_ID.match(raw):
        raise problem("must be a customer id")
    return raw


class ScriptQuery(Query):
    queue: str | None = None
    campaign: str | None = None
    customer_id: Annotated[OptionalShortText, AfterValidator(_customer_id)] = None
    """Render the script with this customer's fields."""


class RenderedScript(Answer):
    """``{"script": null}`` when the queue or campaign has no script."""

    script: str | None
    title: str | None = None
    queue: str | None = None
    campaign: str | None = None


# --- the softphone ---------------------------------------------------------------------------


class SoftphoneConfig(Answer):
    wsUrl: str
    sipUri: str
    password: str
    endpoint: str


# --- the user's own settings -----------------------------------------------------------------


def _screen_language(code: str | None) -> str | None:
    if code is not None and code not in languages():
        raise problem(f"one of {', '.join(languages())}, or null to follow the browser")
    return code


class LanguageChoice(Body):
    """PUT /api/me/language: the screens' language (a catalog's code: en, zh_CN), or null to
    follow the browser's Accept-Language."""

    language: Annotated[str | None, AfterValidator(_screen_language)]


class LanguageSaved(Answer):
    language: str | None


class IvrFlowSummary(Answer):
    name: str
    language: str
    start: str
    nodes: int


class IvrFlowList(Answer):
    flows: list[IvrFlowSummary]


class IvrFlowAnswer(Answer):
    """A flow: its structure (what ``PUT`` takes), its file's YAML and its diagram."""
    name: str
    flow: dict[str, Any]
    yaml: str
    diagram: Diagram


class IvrFlowDeleted(Answer):
    deleted: str


class IvrCountsQuery(Query):
    """``GET /admin/ivr/flows/{name}/counts``: the hours from ``since`` up to ``until``."""
    since: AwareDatetime
    until: AwareDatetime

    @field_validator("until")
    @classmethod
    def _after_since(cls, until: datetime, info: ValidationInfo) -> datetime:
        if "since" in info.data and until <= info.data["since"]:
            raise Invalid("must be after since")
        return until


class IvrCounts(Answer):
    flow: str
    counts: dict[str, dict[str, int]]
    """Node -> what happened there (reached, completed, timed_out, invalid, hung_up) -> times."""


class IvrPromptSaved(Answer):
    name: str
    """What a flow's prompt names: ``{file: NAME}``."""
