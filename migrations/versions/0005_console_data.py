"""Console data in the CRM: what the IVR collected on a call, telemarketing scripts per queue
or campaign, and the after-call gate's pending wrap-ups (so a CTI restart keeps them).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("collected", postgresql.JSONB()))
    op.create_table(
        "scripts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.Text()),
        sa.Column("campaign", sa.Text()),
        sa.Column("title", sa.Text(), server_default="", nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.Integer()),
        sa.Column("updated_at", sa.TIMESTAMP(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.CheckConstraint("(queue IS NULL) <> (campaign IS NULL)", name=op.f("ck_scripts_owner")),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_scripts_updated_by_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scripts")),
        sa.UniqueConstraint("queue", name=op.f("uq_scripts_queue")),
        sa.UniqueConstraint("campaign", name=op.f("uq_scripts_campaign")),
    )
    op.create_table(
        "pending_wrapups",
        sa.Column("interface", sa.Text(), nullable=False),
        sa.Column("call_key", sa.Text(), nullable=False),
        sa.Column("since", sa.TIMESTAMP(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.PrimaryKeyConstraint("interface", "call_key", name=op.f("pk_pending_wrapups")),
    )


def downgrade() -> None:
    op.drop_table("pending_wrapups")
    op.drop_table("scripts")
    op.drop_column("calls", "collected")
