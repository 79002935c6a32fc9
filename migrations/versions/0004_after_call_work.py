"""After-call work: dispositions (seeded with a global default list), wrap-ups, callbacks,
tickets, and who created a customer.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_DISPOSITIONS = [
    ("resolved", "Resolved", False),
    ("follow-up", "Follow-up needed", True),
    ("sale", "Sale", False),
    ("no-sale", "No sale", False),
    ("wrong-number", "Wrong number", False),
    ("escalated", "Escalated", False),
]


def created_at() -> sa.Column:
    return sa.Column(
        "created_at", sa.TIMESTAMP(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def user_ref(table: str, column: str, ondelete: str = "SET NULL") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete=ondelete
    )


def customer_ref(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["customer_id"], ["customers.id"], name=op.f(f"fk_{table}_customer_id_customers"),
        ondelete="CASCADE",
    )


def status(default: str) -> sa.Column:
    return sa.Column("status", sa.Text(), server_default=default, nullable=False)


def _dispositions() -> None:
    table = op.create_table(
        "dispositions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("queue", sa.Text()),
        sa.Column("campaign", sa.Text()),
        sa.Column("requires_callback", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispositions")),
    )
    op.create_index(op.f("ix_dispositions_queue"), "dispositions", ["queue"])
    op.bulk_insert(table, [
        {"code": code, "label": label, "requires_callback": callback, "active": True}
        for code, label, callback in DEFAULT_DISPOSITIONS
    ])


def _wrapups() -> None:
    op.create_table(
        "call_wrapups",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("call_key", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("disposition", sa.Text(), nullable=False),
        sa.Column("note", sa.Text()),
        created_at(),
        user_ref("call_wrapups", "user_id", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_wrapups")),
        sa.UniqueConstraint("call_key", "user_id", name=op.f("uq_call_wrapups_call_key_user_id")),
    )
    op.create_index(op.f("ix_call_wrapups_user_id"), "call_wrapups", ["user_id"])


def _callbacks() -> None:
    op.create_table(
        "callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Text()),
        sa.Column("due_at", sa.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("timezone", sa.Text(), nullable=False),
        sa.Column("assigned_user_id", sa.Integer()),
        sa.Column("created_by", sa.Integer()),
        sa.Column("call_key", sa.Text()),
        sa.Column("note", sa.Text()),
        status("open"),
        created_at(),
        sa.CheckConstraint(
            "status IN ('open', 'done', 'cancelled')", name=op.f("ck_callbacks_status")
        ),
        customer_ref("callbacks"),
        user_ref("callbacks", "assigned_user_id"),
        user_ref("callbacks", "created_by"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callbacks")),
    )
    for columns in (["customer_id"], ["assigned_user_id"], ["call_key"]):
        op.create_index(op.f(f"ix_callbacks_{columns[0]}"), "callbacks", columns)
    op.create_index(op.f("ix_callbacks_status_due_at"), "callbacks", ["status", "due_at"])


def _tickets() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("call_key", sa.Text()),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("priority", sa.Text(), server_default="normal", nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        status("open"),
        sa.Column("created_by", sa.Integer()),
        created_at(),
        sa.CheckConstraint(
            "priority IN ('low', 'normal', 'high', 'urgent')", name=op.f("ck_tickets_priority")
        ),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_tickets_status")),
        customer_ref("tickets"),
        user_ref("tickets", "created_by"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
    )
    op.create_index(op.f("ix_tickets_customer_id"), "tickets", ["customer_id"])
    op.create_index(op.f("ix_tickets_call_key"), "tickets", ["call_key"])


def upgrade() -> None:
    op.add_column("customers", sa.Column("created_by", sa.Integer()))
    op.create_foreign_key(
        op.f("fk_customers_created_by_users"), "customers", "users", ["created_by"], ["id"],
        ondelete="SET NULL",
    )
    _dispositions()
    _wrapups()
    _callbacks()
    _tickets()


def downgrade() -> None:
    for table in ("tickets", "callbacks", "call_wrapups", "dispositions"):
        op.drop_table(table)
    op.drop_constraint(op.f("fk_customers_created_by_users"), "customers", type_="foreignkey")
    op.drop_column("customers", "created_by")
