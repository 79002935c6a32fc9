"""The dial policy (dial_policies: the site's default rules and each team's) and the outbound
dial audit log (dial_attempts: every click-to-dial and transfer to a number, allowed or not).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXTS = postgresql.ARRAY(sa.Text())
NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "dial_policies",
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("team", sa.Text(), nullable=False),
        sa.Column("allow", TEXTS, nullable=False),
        sa.Column("block", TEXTS, nullable=False),
        sa.Column("blocked_types", TEXTS, nullable=False),
        sa.Column("updated_by", sa.Integer()),
        sa.Column("updated_at", sa.TIMESTAMP(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint("scope IN ('default', 'team')", name=op.f("ck_dial_policies_scope")),
        sa.CheckConstraint("(scope = 'default') = (team = '')", name=op.f("ck_dial_policies_team")),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_dial_policies_updated_by_users")),
        sa.PrimaryKeyConstraint("scope", "team", name=op.f("pk_dial_policies")),
    )
    op.create_table(
        "dial_attempts",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.TIMESTAMP(timezone=True), server_default=NOW, nullable=False),
        sa.Column("user_id", sa.Integer()),
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("team", sa.Text()),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("number_e164", sa.Text()),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("call_id", sa.Text()),
        sa.Column("error", sa.Text()),
        sa.CheckConstraint("decision IN ('allowed', 'refused')",
                           name=op.f("ck_dial_attempts_decision")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_dial_attempts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dial_attempts")),
    )
    op.create_index(op.f("ix_dial_attempts_at"), "dial_attempts", ["at"])
    op.create_index(op.f("ix_dial_attempts_team"), "dial_attempts", ["team"])
    op.create_index(op.f("ix_dial_attempts_user_id_at"), "dial_attempts", ["user_id", "at"])


def downgrade() -> None:
    op.drop_table("dial_attempts")
    op.drop_table("dial_policies")
