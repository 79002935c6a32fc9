"""The IVR: per-node counts of the flows (for their diagrams) and the post-call survey score
on the call.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("survey_score", sa.SmallInteger()))
    op.create_check_constraint(op.f("ck_calls_survey_score"), "calls",
                               "survey_score BETWEEN 1 AND 5")
    op.create_table(
        "ivr_node_counts",
        sa.Column("flow", sa.Text(), nullable=False),
        sa.Column("node", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("hour", sa.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('reached', 'completed', 'timed_out', 'invalid', 'hung_up')",
                           name=op.f("ck_ivr_node_counts_kind")),
        sa.PrimaryKeyConstraint("flow", "node", "kind", "hour", name=op.f("pk_ivr_node_counts")),
    )


def downgrade() -> None:
    op.drop_table("ivr_node_counts")
    op.drop_constraint(op.f("ck_calls_survey_score"), "calls", type_="check")
    op.drop_column("calls", "survey_score")
