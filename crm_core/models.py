"""Tables of the CRM core. Text is PostgreSQL ``text`` (UTF-8 databases only, see db.py);
every timestamp is ``timestamp with time zone``."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    TIMESTAMP,
    BigInteger,
    CheckConstraint,
    Computed,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    SmallInteger,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Timestamp = TIMESTAMP(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def created_at_column() -> Mapped[datetime]:
    return mapped_column(Timestamp, server_default=func.now())


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    company: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    timezone: Mapped[str | None] = mapped_column(Text)
    """IANA name, e.g. Europe/Berlin: calling hours are in the customer's local time."""
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    notes: Mapped[str | None] = mapped_column(Text)
    vip: Mapped[bool] = mapped_column(server_default=text("false"))
    """VIP callers queue ahead of the others (routing gives them a higher QUEUE_PRIO)."""
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    """Who added the customer (agents see the customers they created)."""
    created_at: Mapped[datetime] = created_at_column()

    numbers: Mapped[list[ContactNumber]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="ContactNumber.id"
    )


class ContactNumber(Base):
    __tablename__ = "contact_numbers"
    __table_args__ = (UniqueConstraint("customer_id", "number_e164"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    # Not unique: a switchboard number can belong to several customers of one company.
    number_e164: Mapped[str] = mapped_column(Text, index=True)
    label: Mapped[str | None] = mapped_column(Text)

    customer: Mapped[Customer] = relationship(back_populates="numbers")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('agent', 'supervisor', 'admin', 'marketing')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(Text, unique=True)
    display_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    extension: Mapped[str | None] = mapped_column(Text)
    interface: Mapped[str | None] = mapped_column(Text, unique=True)
    """Asterisk queue-member interface, e.g. PJSIP/1001 or Local/1001@sim-agent/n."""
    password_hash: Mapped[str | None] = mapped_column(Text)
    api_token_hash: Mapped[str | None] = mapped_column(Text, unique=True)
    """sha256 hex of the API token; the token itself is never stored."""
    active: Mapped[bool] = mapped_column(server_default=text("true"))
    team: Mapped[str | None] = mapped_column(Text, index=True)
    """The team the user works in; supervisors see the teams they lead (TeamLead)."""
    language: Mapped[str | None] = mapped_column(Text)
    """The locale the user chose for the screens (e.g. zh_CN); None follows the browser."""
    created_at: Mapped[datetime] = created_at_column()


class TeamLead(Base):
    """A supervisor leads a team (by name); a team may have several supervisors."""

    __tablename__ = "team_leads"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    team: Mapped[str] = mapped_column(Text, primary_key=True)


class UserSession(Base):
    """A browser login. Only the sha256 of the cookie's random id is stored, as for API tokens."""

    __tablename__ = "user_sessions"

    id_hash: Mapped[str] = mapped_column(Text, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    last_seen_at: Mapped[datetime] = mapped_column(Timestamp)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    """Absolute end; the idle limit is checked against last_seen_at."""


class LoginAttempt(Base):
    """Every password login, by the username typed (known or not) and the source address: the
    login throttles count these (crm_core.auth). 'throttled': refused for being too early,
    without a password check; 'locked': the hard lock of before migration 0006."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        CheckConstraint("outcome IN ('success', 'failure', 'throttled', 'locked')",
                        name="outcome"),
        Index(None, "username", "at"),
        Index(None, "remote", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    username: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(Timestamp)
    outcome: Mapped[str] = mapped_column(Text)
    remote: Mapped[str | None] = mapped_column(Text)


class SecurityEvent(Base):
    """A suspicious burst the login throttles noticed (crm_core.securityevents), for admins."""

    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(Timestamp, index=True)
    kind: Mapped[str] = mapped_column(Text)
    remote: Mapped[str | None] = mapped_column(Text)
    username: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int]
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'"))


class Call(Base):
    """One row per finished call; ``call_key`` makes writes idempotent."""

    __tablename__ = "calls"
    __table_args__ = (
        CheckConstraint("direction IN ('inbound', 'outbound', 'internal')", name="direction"),
        CheckConstraint(
            "completed_by IS NULL OR completed_by IN ('caller', 'agent', 'transfer')",
            name="completed_by",
        ),
        # Reports filter by time range within a queue, agent or customer.
        Index(None, "queue", "entered_at"),
        Index(None, "agent_user_id", "entered_at"),
        Index(None, "customer_id", "entered_at"),
        Index(None, "campaign_id", "entered_at"),
        CheckConstraint("survey_score BETWEEN 1 AND 5", name="survey_score"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    call_key: Mapped[str] = mapped_column(Text, unique=True)
    linkedid: Mapped[str] = mapped_column(Text)
    uniqueid: Mapped[str] = mapped_column(Text)
    """The caller channel's."""
    direction: Mapped[str] = mapped_column(Text)
    caller_number: Mapped[str | None] = mapped_column(Text)
    caller_name: Mapped[str | None] = mapped_column(Text)
    called_number: Mapped[str | None] = mapped_column(Text)
    queue: Mapped[str | None] = mapped_column(Text)
    agent_interface: Mapped[str | None] = mapped_column(Text)
    agent_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL")
    )
    entered_at: Mapped[datetime] = mapped_column(Timestamp, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(Timestamp)
    ended_at: Mapped[datetime] = mapped_column(Timestamp)
    wait_seconds: Mapped[float]
    """Queue wait, or hold time before the answer."""
    talk_seconds: Mapped[float]
    outcome: Mapped[str] = mapped_column(Text)
    """answered, abandoned, timeout, exitempty, exitwithkey, unanswered, failed, ..."""
    hangup_cause: Mapped[int | None]
    hangup_cause_text: Mapped[str | None] = mapped_column(Text)
    completed_by: Mapped[str | None] = mapped_column(Text)
    collected: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    """What the IVR collected on this call ({field: value}), if anything."""
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    """A call the dialer placed: its campaign, lead, AMD's verdict and the attempt's outcome
    (``lead_attempts.outcome``)."""
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"),
                                                index=True)
    amd_result: Mapped[str | None] = mapped_column(Text)
    dial_outcome: Mapped[str | None] = mapped_column(Text)
    survey_score: Mapped[int | None] = mapped_column(SmallInteger)
    """The caller's post-call survey answer (1-5), credited to ``agent_user_id``."""
    created_at: Mapped[datetime] = created_at_column()


class Queue(Base):
    """An inbound queue: rendered into queues.conf, and the rules routing applies before Queue()."""

    __tablename__ = "queues"
    __table_args__ = (
        CheckConstraint(
            "closed_action IN ('announce', 'voicemail_ticket', 'callback_offer')",
            name="closed_action",
        ),
        CheckConstraint("name ~ '^[A-Za-z0-9][A-Za-z0-9_-]+$'", name="name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    """Asterisk's queue name and the inbound extension (letters, digits, _ and -)."""
    display_name: Mapped[str] = mapped_column(Text)
    strategy: Mapped[str] = mapped_column(Text, server_default="rrmemory")
    member_timeout: Mapped[int] = mapped_column(server_default=text("15"))
    """Seconds a member rings before the next try."""
    retry: Mapped[int] = mapped_column(server_default=text("5"))
    wrapup_seconds: Mapped[int] = mapped_column(server_default=text("0"))
    max_wait: Mapped[int | None]
    """Queue() timeout in seconds (EXITWITHTIMEOUT); NULL waits until answered or abandoned."""
    # Statistics: thresholds and targets (names as in ctiserver.acd.stats.QueueTargets).
    sl_threshold: Mapped[int] = mapped_column(server_default=text("20"))
    short_abandon: Mapped[int] = mapped_column(server_default=text("5"))
    sl_target: Mapped[float] = mapped_column(server_default=text("0.8"))
    max_wait_alert: Mapped[int] = mapped_column(server_default=text("60"))
    asa_target: Mapped[int] = mapped_column(server_default=text("30"))
    abandon_rate_target: Mapped[float] = mapped_column(server_default=text("0.05"))
    # Overflow: to overflow_queue when either limit is passed (NULL: that limit is off).
    overflow_queue: Mapped[str | None] = mapped_column(Text)
    overflow_max_wait: Mapped[int | None]
    """Estimated wait, seconds."""
    overflow_max_ratio: Mapped[float | None]
    """Callers waiting (the new one included) per available agent."""
    business_hours: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    """{"mon": [["08:00", "18:00"]], ...} in ``timezone``; a missing day is closed; NULL: always open."""
    timezone: Mapped[str] = mapped_column(Text, server_default="UTC")
    closed_action: Mapped[str] = mapped_column(Text, server_default="announce")
    created_at: Mapped[datetime] = created_at_column()


class Holiday(Base):
    """A day a queue is closed all day, in the queue's time zone; queue_id NULL: every queue."""

    __tablename__ = "holidays"
    __table_args__ = (Index(None, "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int | None] = mapped_column(
        ForeignKey("queues.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(Text)


class Disposition(Base):
    """An outcome an agent picks after a call; queue and campaign NULL: offered everywhere."""

    __tablename__ = "dispositions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text)
    queue: Mapped[str | None] = mapped_column(Text, index=True)
    campaign: Mapped[str | None] = mapped_column(Text)
    requires_callback: Mapped[bool] = mapped_column(server_default=text("false"))
    active: Mapped[bool] = mapped_column(server_default=text("true"))


class CallWrapup(Base):
    """An agent's after-call work on one call: one row per call and agent, updated on resubmit.
    ``call_key`` is not a foreign key: the call's row is written a moment after the call ends."""

    __tablename__ = "call_wrapups"
    __table_args__ = (UniqueConstraint("call_key", "user_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    call_key: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    disposition: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()


class Callback(Base):
    """A promise to call a customer back; assigned_user_id NULL: anyone may take it."""

    __tablename__ = "callbacks"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done', 'cancelled')", name="status"),
        Index(None, "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(Timestamp)
    timezone: Mapped[str] = mapped_column(Text)
    """IANA name the due time was given in (the customer's)."""
    assigned_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    call_key: Mapped[str | None] = mapped_column(Text, index=True)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="open")
    created_at: Mapped[datetime] = created_at_column()


class Ticket(Base):
    """A service ticket opened for a customer, usually from a call."""

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint("priority IN ('low', 'normal', 'high', 'urgent')", name="priority"),
        CheckConstraint("status IN ('open', 'closed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    call_key: Mapped[str | None] = mapped_column(Text, index=True)
    category: Mapped[str] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(Text, server_default="normal")
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="open")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()


class Script(Base):
    """A telemarketing script (jinja2 with the customer's fields) for one queue or campaign."""

    __tablename__ = "scripts"
    __table_args__ = (CheckConstraint("(queue IS NULL) <> (campaign IS NULL)", name="owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue: Mapped[str | None] = mapped_column(Text, unique=True)
    campaign: Mapped[str | None] = mapped_column(Text, unique=True)
    title: Mapped[str] = mapped_column(Text, server_default="")
    body: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class PendingWrapup(Base):
    """A call an agent finished and has not wrapped up yet: the after-call gate keeps the agent
    paused while any row for their interface exists (ctiserver.acd.wrapup)."""

    __tablename__ = "pending_wrapups"

    interface: Mapped[str] = mapped_column(Text, primary_key=True)
    call_key: Mapped[str] = mapped_column(Text, primary_key=True)
    since: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class DialPolicyRow(Base):
    """The dial rules (ctiserver.control.dialpolicy) of the site's default (scope 'default',
    team '') or of one team; admins edit them (PUT /admin/dial-policy)."""

    __tablename__ = "dial_policies"
    __table_args__ = (
        CheckConstraint("scope IN ('default', 'team')", name="scope"),
        CheckConstraint("(scope = 'default') = (team = '')", name="team"),
    )

    scope: Mapped[str] = mapped_column(Text, primary_key=True)
    team: Mapped[str] = mapped_column(Text, primary_key=True)
    allow: Mapped[list[str]] = mapped_column(ARRAY(Text))
    block: Mapped[list[str]] = mapped_column(ARRAY(Text))
    blocked_types: Mapped[list[str]] = mapped_column(ARRAY(Text))
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class DialAttemptRow(Base):
    """Every outbound dial an agent tried from the console (click-to-dial, transfer to a
    number), allowed or refused by the dial policy: the audit log (GET /admin/dials)."""

    __tablename__ = "dial_attempts"
    __table_args__ = (
        CheckConstraint("decision IN ('allowed', 'refused')", name="decision"),
        Index(None, "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now(), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(Text)
    """Kept as it was when the user dialled (the user may be renamed or deleted later)."""
    team: Mapped[str | None] = mapped_column(Text, index=True)
    kind: Mapped[str] = mapped_column(Text)
    """'dial', 'transfer' or 'atxfer'."""
    number: Mapped[str] = mapped_column(Text)
    """As the agent typed it."""
    number_e164: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    call_id: Mapped[str | None] = mapped_column(Text)
    """The call it made: the click-to-dial's Originate ChannelId (its linkedid, the CRM call's
    key), the transferred call's linkedid."""
    error: Mapped[str | None] = mapped_column(Text)
    """What Asterisk answered when it refused an allowed dial."""


# -- the dialer: campaigns, their lead lists and leads, attempts, do-not-call lists ----------

class Campaign(Base):
    """An outbound campaign: how it dials (dialer.campaigns.CampaignSettings validates the
    columns), which queue's agents work it, and its state. Its script and dispositions are the
    CRM's own, stored under a campaign name (``script``/``disposition_set``, else its own)."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("name ~ '^[A-Za-z0-9][A-Za-z0-9_-]+$'", name="name"),
        CheckConstraint("mode IN ('preview', 'progressive', 'predictive')", name="mode"),
        CheckConstraint("rule_set IN ('US', 'UK', 'FR')", name="rule_set"),
        CheckConstraint("state IN ('draft', 'running', 'paused', 'stopped')", name="state"),
        CheckConstraint("ratio >= 1", name="ratio"),
        CheckConstraint("abandon_target > 0 AND abandon_target <= 0.03", name="abandon_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    mode: Mapped[str] = mapped_column(Text, server_default="progressive")
    ratio: Mapped[float] = mapped_column(server_default=text("1"))
    """Progressive: calls per free agent; predictive: the pacer's ceiling."""
    queue: Mapped[str | None] = mapped_column(ForeignKey("queues.name", ondelete="RESTRICT"))
    caller_id: Mapped[str | None] = mapped_column(Text)
    rule_set: Mapped[str] = mapped_column(Text)
    """dialer.compliance's: US, UK or FR."""
    calling_hours: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    """Narrower calling hours than the rule set's ({"ranges": [["09:00", "18:00"]],
    "weekdays": [0, 1, 2, 3, 4]}); NULL: the rule set's."""
    retry_rules: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    """dialer.campaigns.RetryRules; NULL: dialer.compliance.DEFAULT_RETRY."""
    abandon_target: Mapped[float] = mapped_column(server_default=text("0.03"))
    safe_harbor_message: Mapped[str | None] = mapped_column(Text)
    """The recording played on an abandoned call (the seller's name and number)."""
    amd: Mapped[bool] = mapped_column(server_default=text("false"))
    script: Mapped[str | None] = mapped_column(Text)
    disposition_set: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(Text, server_default="draft")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    stopped_at: Mapped[datetime | None] = mapped_column(Timestamp)


class LeadList(Base):
    """One imported file of a campaign, its import's progress and its error report."""

    __tablename__ = "lead_lists"
    __table_args__ = (
        CheckConstraint("status IN ('importing', 'done', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(Text)
    source_file: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="importing")
    rows_read: Mapped[int] = mapped_column(server_default=text("0"))
    loaded: Mapped[int] = mapped_column(server_default=text("0"))
    """New leads of the campaign (the dnc ones included)."""
    merged: Mapped[int] = mapped_column(server_default=text("0"))
    """Rows whose number the campaign had from an earlier list: merged into that lead."""
    duplicates: Mapped[int] = mapped_column(server_default=text("0"))
    """Rows repeating a number of this file."""
    bad: Mapped[int] = mapped_column(server_default=text("0"))
    dnc: Mapped[int] = mapped_column(server_default=text("0"))
    ambiguous: Mapped[int] = mapped_column(server_default=text("0"))
    customers_linked: Mapped[int] = mapped_column(server_default=text("0"))
    customers_created: Mapped[int] = mapped_column(server_default=text("0"))
    bytes_read: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    total_bytes: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    error_lines: Mapped[int] = mapped_column(server_default=text("0"))
    error_report_path: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    """Why a failed import stopped."""
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)


class Lead(Base):
    """A number a campaign dials, once per campaign; linked to the CRM customer owning it."""

    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("campaign_id", "phone"),
        CheckConstraint(
            "status IN ('new', 'dialing', 'retry', 'done', 'dnc', 'failed')", name="status"
        ),
        # the hopper's retries, due first (its fresh leads' index follows the class)
        Index("ix_leads_retry", "campaign_id", "next_attempt_at", "id",
              postgresql_where=text("status = 'retry'")),
        # leads arrive a list at a time: a list's rows lie together, BRIN finds them
        Index(None, "list_id", postgresql_using="brin", postgresql_with={"autosummarize": "on"}),
        # most leads get their customer when first reached
        Index(None, "customer_id", postgresql_where=text("customer_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # A list of this campaign, as a foreign key with ON DELETE CASCADE would keep it, but
    # checked by triggers once per statement (migration 0022): a key's check per row cost an
    # import 18 % of its PostgreSQL CPU. A campaign's deletion reaches its leads via its lists.
    list_id: Mapped[int]
    campaign_id: Mapped[int]
    phone: Mapped[str] = mapped_column(Text)
    """E.164."""
    alt_phones: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    first_name: Mapped[str | None] = mapped_column(Text)
    last_name: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(Text)
    timezones: Mapped[list[str]] = mapped_column(ARRAY(Text))
    """Every IANA zone the lead may be in: dialed when all of them are in calling hours."""
    zone_source: Mapped[str] = mapped_column(Text)
    custom: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'"))
    status: Mapped[str] = mapped_column(Text, server_default="new")
    priority: Mapped[int] = mapped_column(server_default=text("0"))
    attempts: Mapped[int] = mapped_column(server_default=text("0"))
    last_attempt_at: Mapped[datetime | None] = mapped_column(Timestamp)
    last_outcome: Mapped[str | None] = mapped_column(Text)
    disposition: Mapped[str | None] = mapped_column(Text)
    """The disposition code the agent gave the call that reached a person."""
    next_attempt_at: Mapped[datetime | None] = mapped_column(Timestamp)
    """Not before then: a retry's delay, or the next opening of the lead's calling hours."""
    claimed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at_column()


# the hopper's fresh leads in the order it dials them: the first few read, not all sorted
Index("ix_leads_fresh", Lead.campaign_id, Lead.priority.desc(), Lead.id,
      postgresql_where=text("status = 'new'"))


class LeadAttempt(Base):
    """One call placed to a lead and how it ended."""

    __tablename__ = "lead_attempts"
    __table_args__ = (
        CheckConstraint(
            "outcome IN ('busy', 'no_answer', 'machine', 'human', 'congestion', 'failed',"
            " 'abandoned', 'dnc_refused')", name="outcome"),
        Index(None, "campaign_id", "placed_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    call_key: Mapped[str | None] = mapped_column(Text, index=True)
    """The call's linkedid (the CRM calls row's key)."""
    number: Mapped[str] = mapped_column(Text)
    placed_at: Mapped[datetime] = mapped_column(Timestamp)
    answered_at: Mapped[datetime | None] = mapped_column(Timestamp)
    ended_at: Mapped[datetime | None] = mapped_column(Timestamp)
    outcome: Mapped[str] = mapped_column(Text)
    amd_result: Mapped[str | None] = mapped_column(Text)
    """AMD()'s AMDSTATUS (HUMAN, MACHINE, NOTSURE, HANGUP) when detection ran."""
    agent_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


def tally_column() -> Mapped[int]:
    return mapped_column(BigInteger, server_default=text("0"))


class _CampaignFigures:
    """The live view's figures of one campaign: its attempts by outcome, its leads to dial."""

    dialed: Mapped[int] = tally_column()
    answered: Mapped[int] = tally_column()
    human: Mapped[int] = tally_column()
    machine: Mapped[int] = tally_column()
    abandoned: Mapped[int] = tally_column()
    leads_left: Mapped[int] = tally_column()


class CampaignTally(_CampaignFigures, Base):
    """A campaign's figures up to the last fold of its deltas (migration 0019's triggers).
    No foreign key: a deleted campaign's tally is dropped at the next fold."""

    __tablename__ = "campaign_tallies"

    campaign_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


class CampaignTallyDelta(_CampaignFigures, Base):
    """What one statement on lead_attempts or leads changed in a campaign's figures; insert-only
    so that writers never wait on each other, folded into campaign_tallies by the reader."""

    __tablename__ = "campaign_tally_deltas"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    campaign_id: Mapped[int]


class NationalDncList(Base):
    """A loaded release of a country's national do-not-call register; a newer load replaces it."""

    __tablename__ = "national_dnc_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    country: Mapped[str] = mapped_column(Text, index=True)
    """ISO 3166 alpha-2."""
    released_on: Mapped[date] = mapped_column(Date)
    loaded_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    count: Mapped[int]
    loaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class DncEntry(Base):
    """A number never to be dialed: the site's own list (an opt-out) or a national list's."""

    __tablename__ = "dnc_entries"
    __table_args__ = (
        CheckConstraint("source IN ('internal', 'national')", name="source"),
        CheckConstraint("(source = 'national') = (list_id IS NOT NULL)", name="list"),
        UniqueConstraint("list_id", "number"),
        Index("uq_dnc_entries_internal_number", "number", unique=True,
              postgresql_where=text("list_id IS NULL")),
        Index(None, "number"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[str] = mapped_column(Text)
    """E.164."""
    source: Mapped[str] = mapped_column(Text)
    list_id: Mapped[int | None] = mapped_column(
        ForeignKey("national_dnc_lists.id", ondelete="CASCADE")
    )
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    reason: Mapped[str | None] = mapped_column(Text)


class RecordingPolicyRow(Base):
    """Which calls of a queue, a campaign or an IVR flow are recorded (recordings.policy)."""

    __tablename__ = "recording_policies"
    __table_args__ = (
        CheckConstraint("kind IN ('queue', 'campaign', 'flow')", name="kind"),
        CheckConstraint("mode IN ('all', 'percent', 'on_demand', 'none')", name="mode"),
        CheckConstraint("percent BETWEEN 0 AND 100", name="percent"),
        CheckConstraint("retention_days IS NULL OR retention_days > 0", name="retention_days"),
        UniqueConstraint("kind", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(Text)
    percent: Mapped[int] = mapped_column(server_default=text("100"))
    announcement: Mapped[str | None] = mapped_column(Text)
    retention_days: Mapped[int | None]
    language: Mapped[str | None] = mapped_column(Text)
    """Of the calls' speech, for their transcripts; none: the site's default."""
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class RecordingJob(Base):
    """The journal of one recording's way from MixMonitor's raw WAV to a stored file:
    recording -> pending (the capture ended) -> converting -> stored (the compressed file is
    verified and in ``recordings``) -> done (the raw file deleted); discard (paused throughout:
    an on-demand recording never started) -> done, nothing kept; or failed, with the error."""

    __tablename__ = "recording_jobs"
    __table_args__ = (
        CheckConstraint(
            "state IN ('recording', 'pending', 'converting', 'stored', 'discard', 'done', 'failed',"
            " 'transcribed')",
            name="state"),
        Index(None, "state", "updated_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    call_key: Mapped[str] = mapped_column(Text, unique=True)
    raw_path: Mapped[str] = mapped_column(Text)
    """The WAV as the CTI server's host sees it."""
    channel: Mapped[str] = mapped_column(Text)
    """The channel MixMonitor runs on (pause and resume act on it)."""
    mode: Mapped[str] = mapped_column(Text)
    queue: Mapped[str | None] = mapped_column(Text)
    campaign: Mapped[str | None] = mapped_column(Text)
    """The queue the call came through and, a dialer call, its campaign: their policies'
    language and their keyword phrases apply, the campaign's first."""
    state: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(Timestamp)
    ended_at: Mapped[datetime | None] = mapped_column(Timestamp)
    pauses: Mapped[list[Any]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    """[[start, end], ...] seconds from the start."""
    retention_days: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(server_default=text("0"))
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class Recording(Base):
    """A stored, verified recording of a call (``calls.call_key``; the call's row may be
    written after the recording, so no foreign key)."""

    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    call_key: Mapped[str] = mapped_column(Text, unique=True)
    storage_key: Mapped[str] = mapped_column(Text)
    """Where the storage keeps it: YYYY/MM/DD/<call key>.<format>."""
    format: Mapped[str] = mapped_column(Text)
    duration_ms: Mapped[int]
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(Text)
    pauses: Mapped[list[Any]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    recorded_at: Mapped[datetime] = mapped_column(Timestamp)
    keep_until: Mapped[datetime | None] = mapped_column(Timestamp, index=True)
    created_at: Mapped[datetime] = created_at_column()
    waveform: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    """Peaks, one byte (0-255 of full scale) per 50 ms (recordings.waveform), once computed."""


class IvrNodeCount(Base):
    """How often callers did what at an IVR flow's node in an hour: reached, completed,
    timed_out, invalid, hung_up (the flow engine's node events), for the flow's diagram."""

    __tablename__ = "ivr_node_counts"
    __table_args__ = (
        CheckConstraint("kind IN ('reached', 'completed', 'timed_out', 'invalid', 'hung_up')",
                        name="kind"),
    )

    flow: Mapped[str] = mapped_column(Text, primary_key=True)
    node: Mapped[str] = mapped_column(Text, primary_key=True)
    kind: Mapped[str] = mapped_column(Text, primary_key=True)
    hour: Mapped[datetime] = mapped_column(Timestamp, primary_key=True)
    """The hour's start (UTC)."""
    count: Mapped[int]


class RecordingAudit(Base):
    """Who played, downloaded or deleted a recording (or was refused), when and from where;
    the system's deletions (retention) have no user. No foreign key to the recording: its
    entries outlive it."""

    __tablename__ = "recording_audit"
    __table_args__ = (CheckConstraint("action IN ('play', 'download', 'delete')", name="action"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now(), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(Text)
    """The username then (or "system")."""
    action: Mapped[str] = mapped_column(Text)
    allowed: Mapped[bool]
    recording_id: Mapped[int] = mapped_column(BigInteger, index=True)
    call_key: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    """E.g. the byte range asked for."""


class Transcript(Base):
    """What was said in a recording, word by word (vosk), searchable (``search``: PostgreSQL
    full text, 'simple' configuration: no stemming, which Korean or Chinese have none of)."""

    __tablename__ = "transcripts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    recording_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("recordings.id", ondelete="CASCADE"))
    call_key: Mapped[str] = mapped_column(Text, unique=True)
    language: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    words: Mapped[list[Any]] = mapped_column(JSONB)
    """[{"word", "start", "end", "conf"}, ...], seconds from the recording's start."""
    search: Mapped[Any] = mapped_column(
        TSVECTOR, Computed("to_tsvector('simple', text)", persisted=True))
    recorded_at: Mapped[datetime] = mapped_column(Timestamp, index=True)
    """Its recording's: a search for the newest hits reads the last weeks' first (its index
    and the words' together), not every hit of a common word."""
    created_at: Mapped[datetime] = created_at_column()

    __table_args__ = (Index(None, "search", postgresql_using="gin"),)


class KeywordPhrase(Base):
    """A phrase whose mention in a queue's or campaign's call alerts its supervisors."""

    __tablename__ = "keyword_phrases"
    __table_args__ = (
        CheckConstraint("kind IN ('queue', 'campaign')", name="kind"),
        UniqueConstraint("kind", "name", "phrase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    phrase: Mapped[str] = mapped_column(Text)


class KeywordHit(Base):
    """A call flagged: PHRASE was said at SECOND of its recording."""

    __tablename__ = "keyword_hits"
    __table_args__ = (UniqueConstraint("call_key", "phrase"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    call_key: Mapped[str] = mapped_column(Text)
    phrase: Mapped[str] = mapped_column(Text)
    second: Mapped[float]
    created_at: Mapped[datetime] = created_at_column()
