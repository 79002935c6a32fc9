"""Customers, their contact numbers, users and the call history.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def created_at() -> sa.Column:
    return sa.Column(
        "created_at", sa.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("company", sa.Text()),
        sa.Column("email", sa.Text()),
        sa.Column("timezone", sa.Text()),
        sa.Column("tags", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("notes", sa.Text()),
        created_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    op.create_table(
        "contact_numbers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("number_e164", sa.Text(), nullable=False),
        sa.Column("label", sa.Text()),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"],
            name=op.f("fk_contact_numbers_customer_id_customers"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_numbers")),
        sa.UniqueConstraint(
            "customer_id", "number_e164", name=op.f("uq_contact_numbers_customer_id_number_e164")
        ),
    )
    op.create_index(op.f("ix_contact_numbers_number_e164"), "contact_numbers", ["number_e164"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("extension", sa.Text()),
        sa.Column("interface", sa.Text()),
        sa.Column("password_hash", sa.Text()),
        sa.Column("api_token_hash", sa.Text()),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        created_at(),
        sa.CheckConstraint("role IN ('agent', 'supervisor', 'admin')", name=op.f("ck_users_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("api_token_hash", name=op.f("uq_users_api_token_hash")),
        sa.UniqueConstraint("interface", name=op.f("uq_users_interface")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "calls",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("call_key", sa.Text(), nullable=False),
        sa.Column("linkedid", sa.Text(), nullable=False),
        sa.Column("uniqueid", sa.Text(), nullable=False),
        sa.Column("direction", sa.Text(), nullable=False),
        sa.Column("caller_number", sa.Text()),
        sa.Column("caller_name", sa.Text()),
        sa.Column("called_number", sa.Text()),
        sa.Column("queue", sa.Text()),
        sa.Column("agent_interface", sa.Text()),
        sa.Column("agent_user_id", sa.Integer()),
        sa.Column("customer_id", sa.Integer()),
        sa.Column("entered_at", sa.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("answered_at", sa.TIMESTAMP(timezone=True)),
        sa.Column("ended_at", sa.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("wait_seconds", sa.Double(), nullable=False),
        sa.Column("talk_seconds", sa.Double(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("hangup_cause", sa.Integer()),
        sa.Column("hangup_cause_text", sa.Text()),
        sa.Column("completed_by", sa.Text()),
        created_at(),
        sa.CheckConstraint(
            "completed_by IS NULL OR completed_by IN ('caller', 'agent', 'transfer')",
            name=op.f("ck_calls_completed_by"),
        ),
        sa.CheckConstraint(
            "direction IN ('inbound', 'outbound', 'internal')", name=op.f("ck_calls_direction")
        ),
        sa.ForeignKeyConstraint(
            ["agent_user_id"], ["users.id"],
            name=op.f("fk_calls_agent_user_id_users"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"],
            name=op.f("fk_calls_customer_id_customers"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("call_key", name=op.f("uq_calls_call_key")),
    )
    op.create_index(op.f("ix_calls_entered_at"), "calls", ["entered_at"])
    op.create_index(op.f("ix_calls_queue_entered_at"), "calls", ["queue", "entered_at"])
    op.create_index(
        op.f("ix_calls_agent_user_id_entered_at"), "calls", ["agent_user_id", "entered_at"]
    )
    op.create_index(op.f("ix_calls_customer_id_entered_at"), "calls", ["customer_id", "entered_at"])


def downgrade() -> None:
    # Dropping a table drops its indexes and constraints too.
    op.drop_table("calls")
    op.drop_table("users")
    op.drop_table("contact_numbers")
    op.drop_table("customers")
