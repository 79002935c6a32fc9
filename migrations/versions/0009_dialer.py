"""The dialer: campaigns, lead lists, leads, attempts, do-not-call entries and the national
do-not-call lists they come from.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOW = sa.text("now()")
ZERO = sa.text("0")
TEXTS = postgresql.ARRAY(sa.Text())


def _stamp(name: str, *, now: bool = False) -> sa.Column:
    return sa.Column(name, sa.TIMESTAMP(timezone=True), server_default=NOW if now else None,
                     nullable=not now)


def _user(name: str, table: str) -> tuple[sa.Column, sa.ForeignKeyConstraint]:
    return (sa.Column(name, sa.Integer()),
            sa.ForeignKeyConstraint([name], ["users.id"], ondelete="SET NULL",
                                    name=op.f(f"fk_{table}_{name}_users")))


def _counts(*names: str, big: bool = False) -> list[sa.Column]:
    kind = sa.BigInteger() if big else sa.Integer()
    return [sa.Column(name, kind, server_default=ZERO, nullable=False) for name in names]


def upgrade() -> None:
    _campaigns()
    _lead_lists()
    _leads()
    _lead_attempts()
    _dnc()


def _campaigns() -> None:
    by, by_fk = _user("created_by", "campaigns")
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("mode", sa.Text(), server_default="progressive", nullable=False),
        sa.Column("ratio", sa.Float(), server_default=sa.text("1"), nullable=False),
        sa.Column("queue", sa.Text()),
        sa.Column("caller_id", sa.Text()),
        sa.Column("rule_set", sa.Text(), nullable=False),
        sa.Column("calling_hours", postgresql.JSONB()),
        sa.Column("retry_rules", postgresql.JSONB()),
        sa.Column("abandon_target", sa.Float(), server_default=sa.text("0.03"), nullable=False),
        sa.Column("safe_harbor_message", sa.Text()),
        sa.Column("amd", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("script", sa.Text()),
        sa.Column("disposition_set", sa.Text()),
        sa.Column("state", sa.Text(), server_default="draft", nullable=False),
        by,
        _stamp("created_at", now=True),
        _stamp("updated_at", now=True),
        _stamp("started_at"),
        _stamp("stopped_at"),
        sa.CheckConstraint("name ~ '^[A-Za-z0-9][A-Za-z0-9_-]+$'", name=op.f("ck_campaigns_name")),
        sa.CheckConstraint("mode IN ('preview', 'progressive', 'predictive')",
                           name=op.f("ck_campaigns_mode")),
        sa.CheckConstraint("rule_set IN ('US', 'UK', 'FR')", name=op.f("ck_campaigns_rule_set")),
        sa.CheckConstraint("state IN ('draft', 'running', 'paused', 'stopped')",
                           name=op.f("ck_campaigns_state")),
        sa.CheckConstraint("ratio >= 1", name=op.f("ck_campaigns_ratio")),
        sa.CheckConstraint("abandon_target > 0 AND abandon_target <= 0.03",
                           name=op.f("ck_campaigns_abandon_target")),
        sa.ForeignKeyConstraint(["queue"], ["queues.name"], ondelete="RESTRICT",
                                name=op.f("fk_campaigns_queue_queues")),
        by_fk,
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("name", name=op.f("uq_campaigns_name")),
    )


def _lead_lists() -> None:
    by, by_fk = _user("created_by", "lead_lists")
    op.create_table(
        "lead_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="importing", nullable=False),
        *_counts("rows_read", "loaded", "merged", "duplicates", "bad", "dnc", "ambiguous",
                 "customers_linked", "customers_created"),
        *_counts("bytes_read", "total_bytes", big=True),
        *_counts("error_lines"),
        sa.Column("error_report_path", sa.Text()),
        sa.Column("error", sa.Text()),
        by,
        _stamp("created_at", now=True),
        _stamp("finished_at"),
        sa.CheckConstraint("status IN ('importing', 'done', 'failed')",
                           name=op.f("ck_lead_lists_status")),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE",
                                name=op.f("fk_lead_lists_campaign_id_campaigns")),
        by_fk,
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_lists")),
    )
    op.create_index(op.f("ix_lead_lists_campaign_id"), "lead_lists", ["campaign_id"])


def _leads() -> None:
    op.create_table(
        "leads",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=False),
        sa.Column("alt_phones", TEXTS, server_default=sa.text("'{}'"), nullable=False),
        *(sa.Column(name, sa.Text()) for name in
          ("first_name", "last_name", "email", "address", "postcode", "state", "country")),
        sa.Column("timezones", TEXTS, nullable=False),
        sa.Column("zone_source", sa.Text(), nullable=False),
        sa.Column("custom", postgresql.JSONB(), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("status", sa.Text(), server_default="new", nullable=False),
        *_counts("priority", "attempts"),
        _stamp("last_attempt_at"),
        sa.Column("last_outcome", sa.Text()),
        _stamp("next_attempt_at"),
        _stamp("claimed_at"),
        sa.Column("customer_id", sa.Integer()),
        _stamp("created_at", now=True),
        sa.CheckConstraint("status IN ('new', 'dialing', 'retry', 'done', 'dnc', 'failed')",
                           name=op.f("ck_leads_status")),
        sa.ForeignKeyConstraint(["list_id"], ["lead_lists.id"], ondelete="CASCADE",
                                name=op.f("fk_leads_list_id_lead_lists")),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE",
                                name=op.f("fk_leads_campaign_id_campaigns")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="SET NULL",
                                name=op.f("fk_leads_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
        sa.UniqueConstraint("campaign_id", "phone", name=op.f("uq_leads_campaign_id_phone")),
    )
    op.create_index(op.f("ix_leads_list_id"), "leads", ["list_id"])
    op.create_index(op.f("ix_leads_customer_id"), "leads", ["customer_id"])
    op.create_index(op.f("ix_leads_campaign_id_status_next_attempt_at"), "leads",
                    ["campaign_id", "status", "next_attempt_at"])


def _lead_attempts() -> None:
    agent, agent_fk = _user("agent_user_id", "lead_attempts")
    op.create_table(
        "lead_attempts",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("lead_id", sa.BigInteger(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("call_key", sa.Text()),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("placed_at", sa.TIMESTAMP(timezone=True), nullable=False),
        _stamp("answered_at"),
        _stamp("ended_at"),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("amd_result", sa.Text()),
        agent,
        sa.CheckConstraint(
            "outcome IN ('busy', 'no_answer', 'machine', 'human', 'congestion', 'failed',"
            " 'abandoned', 'dnc_refused')", name=op.f("ck_lead_attempts_outcome")),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], ondelete="CASCADE",
                                name=op.f("fk_lead_attempts_lead_id_leads")),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"], ondelete="CASCADE",
                                name=op.f("fk_lead_attempts_campaign_id_campaigns")),
        agent_fk,
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_attempts")),
    )
    op.create_index(op.f("ix_lead_attempts_lead_id"), "lead_attempts", ["lead_id"])
    op.create_index(op.f("ix_lead_attempts_call_key"), "lead_attempts", ["call_key"])
    op.create_index(op.f("ix_lead_attempts_campaign_id_placed_at"), "lead_attempts",
                    ["campaign_id", "placed_at"])


def _dnc() -> None:
    loaded_by, loaded_by_fk = _user("loaded_by", "national_dnc_lists")
    op.create_table(
        "national_dnc_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("country", sa.Text(), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=False),
        _stamp("loaded_at", now=True),
        sa.Column("count", sa.Integer(), nullable=False),
        loaded_by,
        loaded_by_fk,
        sa.PrimaryKeyConstraint("id", name=op.f("pk_national_dnc_lists")),
    )
    op.create_index(op.f("ix_national_dnc_lists_country"), "national_dnc_lists", ["country"])
    added_by, added_by_fk = _user("added_by", "dnc_entries")
    op.create_table(
        "dnc_entries",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("list_id", sa.Integer()),
        added_by,
        _stamp("added_at", now=True),
        sa.Column("reason", sa.Text()),
        sa.CheckConstraint("source IN ('internal', 'national')", name=op.f("ck_dnc_entries_source")),
        sa.CheckConstraint("(source = 'national') = (list_id IS NOT NULL)",
                           name=op.f("ck_dnc_entries_list")),
        sa.ForeignKeyConstraint(["list_id"], ["national_dnc_lists.id"], ondelete="CASCADE",
                                name=op.f("fk_dnc_entries_list_id_national_dnc_lists")),
        added_by_fk,
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dnc_entries")),
        sa.UniqueConstraint("list_id", "number", name=op.f("uq_dnc_entries_list_id_number")),
    )
    op.create_index(op.f("ix_dnc_entries_number"), "dnc_entries", ["number"])
    op.create_index("uq_dnc_entries_internal_number", "dnc_entries", ["number"], unique=True,
                    postgresql_where=sa.text("list_id IS NULL"))


def downgrade() -> None:
    for table in ("dnc_entries", "national_dnc_lists", "lead_attempts", "leads", "lead_lists",
                  "campaigns"):
        op.drop_table(table)
