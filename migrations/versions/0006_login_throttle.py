"""Login throttling instead of the hard lock: attempts refused for being too early
('throttled'), attempts by source address (index), and the suspicious bursts for admins
(security_events).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTCOME = op.f("ck_login_attempts_outcome")


def upgrade() -> None:
    op.drop_constraint(OUTCOME, "login_attempts", type_="check")
    op.create_check_constraint(
        OUTCOME, "login_attempts", "outcome IN ('success', 'failure', 'throttled', 'locked')")
    op.create_index(op.f("ix_login_attempts_remote_at"), "login_attempts", ["remote", "at"])
    op.create_table(
        "security_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("remote", sa.Text()),
        sa.Column("username", sa.Text()),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("detail", postgresql.JSONB(), server_default=sa.text("'{}'"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_events")),
    )
    op.create_index(op.f("ix_security_events_at"), "security_events", ["at"])


def downgrade() -> None:
    op.drop_table("security_events")
    op.drop_index(op.f("ix_login_attempts_remote_at"), table_name="login_attempts")
    op.execute("UPDATE login_attempts SET outcome = 'locked' WHERE outcome = 'throttled'")
    op.drop_constraint(OUTCOME, "login_attempts", type_="check")
    op.create_check_constraint(
        OUTCOME, "login_attempts", "outcome IN ('success', 'failure', 'locked')")
