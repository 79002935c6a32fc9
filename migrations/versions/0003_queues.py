"""Queues defined in the CRM (queues.conf and routing rules), holidays, VIP customers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def number(name: str, default: str, kind: type[sa.types.TypeEngine] = sa.Integer) -> sa.Column:
    return sa.Column(name, kind(), server_default=sa.text(default), nullable=False)


def upgrade() -> None:
    op.add_column(
        "customers", sa.Column("vip", sa.Boolean(), server_default=sa.text("false"), nullable=False)
    )
    op.create_table(
        "queues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("strategy", sa.Text(), server_default="rrmemory", nullable=False),
        number("member_timeout", "15"),
        number("retry", "5"),
        number("wrapup_seconds", "0"),
        sa.Column("max_wait", sa.Integer()),
        number("sl_threshold", "20"),
        number("short_abandon", "5"),
        number("sl_target", "0.8", sa.Double),
        number("max_wait_alert", "60"),
        number("asa_target", "30"),
        number("abandon_rate_target", "0.05", sa.Double),
        sa.Column("overflow_queue", sa.Text()),
        sa.Column("overflow_max_wait", sa.Integer()),
        sa.Column("overflow_max_ratio", sa.Double()),
        sa.Column("business_hours", postgresql.JSONB()),
        sa.Column("timezone", sa.Text(), server_default="UTC", nullable=False),
        sa.Column("closed_action", sa.Text(), server_default="announce", nullable=False),
        sa.Column(
            "created_at", sa.TIMESTAMP(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "closed_action IN ('announce', 'voicemail_ticket', 'callback_offer')",
            name=op.f("ck_queues_closed_action"),
        ),
        sa.CheckConstraint("name ~ '^[A-Za-z0-9][A-Za-z0-9_-]+$'", name=op.f("ck_queues_name")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queues")),
        sa.UniqueConstraint("name", name=op.f("uq_queues_name")),
    )
    op.create_table(
        "holidays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer()),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"], ["queues.id"], name=op.f("fk_holidays_queue_id_queues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holidays")),
    )
    op.create_index(op.f("ix_holidays_day"), "holidays", ["day"])
    op.create_index(op.f("ix_holidays_queue_id"), "holidays", ["queue_id"])


def downgrade() -> None:
    op.drop_table("holidays")
    op.drop_table("queues")
    op.drop_column("customers", "vip")
