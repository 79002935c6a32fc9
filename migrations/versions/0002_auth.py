"""Accounts and access: teams and their supervisors, browser sessions, login attempts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def timestamp(name: str) -> sa.Column:
    return sa.Column(name, sa.TIMESTAMP(timezone=True), nullable=False)


def user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.add_column("users", sa.Column("team", sa.Text()))
    op.create_index(op.f("ix_users_team"), "users", ["team"])
    op.create_table(
        "team_leads",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team", sa.Text(), nullable=False),
        user_fk("team_leads"),
        sa.PrimaryKeyConstraint("user_id", "team", name=op.f("pk_team_leads")),
    )
    op.create_table(
        "user_sessions",
        sa.Column("id_hash", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.Text(), nullable=False),
        timestamp("created_at"),
        timestamp("last_seen_at"),
        timestamp("expires_at"),
        user_fk("user_sessions"),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_user_sessions")),
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("username", sa.Text(), nullable=False),
        timestamp("at"),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("remote", sa.Text()),
        sa.CheckConstraint(
            "outcome IN ('success', 'failure', 'locked')", name=op.f("ck_login_attempts_outcome")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    op.create_index(
        op.f("ix_login_attempts_username_at"), "login_attempts", ["username", "at"]
    )


def downgrade() -> None:
    op.drop_table("login_attempts")
    op.drop_table("user_sessions")
    op.drop_table("team_leads")
    op.drop_index(op.f("ix_users_team"), table_name="users")
    op.drop_column("users", "team")
