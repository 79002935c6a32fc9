"""Tables of the CRM core. Text is PostgreSQL ``text`` (UTF-8 databases only, see db.py);
every timestamp is ``timestamp with time zone``."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    TIMESTAMP,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    MetaData,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
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
    __table_args__ = (CheckConstraint("role IN ('agent', 'supervisor', 'admin')", name="role"),)

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
    """Every password login, by the username typed (known or not): the lockout counts these."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        CheckConstraint("outcome IN ('success', 'failure', 'locked')", name="outcome"),
        Index(None, "username", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    username: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(Timestamp)
    outcome: Mapped[str] = mapped_column(Text)
    remote: Mapped[str | None] = mapped_column(Text)


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
    created_at: Mapped[datetime] = created_at_column()
