"""Call recordings: the policies per queue and campaign, the conversion journal, the stored
recordings.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.TIMESTAMP(timezone=True)
EMPTY_LIST = sa.text("'[]'::jsonb")


def upgrade() -> None:
    op.create_table(
        "recording_policies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column("percent", sa.Integer(), server_default=sa.text("100"), nullable=False),
        sa.Column("announcement", sa.Text()),
        sa.Column("retention_days", sa.Integer()),
        sa.Column("updated_at", TIMESTAMP, server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("kind IN ('queue', 'campaign')", name=op.f("ck_recording_policies_kind")),
        sa.CheckConstraint("mode IN ('all', 'percent', 'on_demand', 'none')",
                           name=op.f("ck_recording_policies_mode")),
        sa.CheckConstraint("percent BETWEEN 0 AND 100", name=op.f("ck_recording_policies_percent")),
        sa.CheckConstraint("retention_days IS NULL OR retention_days > 0",
                           name=op.f("ck_recording_policies_retention_days")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_policies")),
        sa.UniqueConstraint("kind", "name", name=op.f("uq_recording_policies_kind_name")),
    )
    op.create_table(
        "recording_jobs",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("call_key", sa.Text(), nullable=False),
        sa.Column("raw_path", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("ended_at", TIMESTAMP),
        sa.Column("pauses", JSONB(), server_default=EMPTY_LIST, nullable=False),
        sa.Column("retention_days", sa.Integer()),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("updated_at", TIMESTAMP, server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "state IN ('recording', 'pending', 'converting', 'stored', 'discard', 'done', 'failed')",
            name=op.f("ck_recording_jobs_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_jobs")),
        sa.UniqueConstraint("call_key", name=op.f("uq_recording_jobs_call_key")),
    )
    op.create_index(op.f("ix_recording_jobs_state_updated_at"), "recording_jobs",
                    ["state", "updated_at"])
    op.create_table(
        "recordings",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("call_key", sa.Text(), nullable=False),
        sa.Column("storage_key", sa.Text(), nullable=False),
        sa.Column("format", sa.Text(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("pauses", JSONB(), server_default=EMPTY_LIST, nullable=False),
        sa.Column("recorded_at", TIMESTAMP, nullable=False),
        sa.Column("keep_until", TIMESTAMP),
        sa.Column("created_at", TIMESTAMP, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
        sa.UniqueConstraint("call_key", name=op.f("uq_recordings_call_key")),
    )
    op.create_index(op.f("ix_recordings_keep_until"), "recordings", ["keep_until"])


def downgrade() -> None:
    op.drop_table("recordings")
    op.drop_table("recording_jobs")
    op.drop_table("recording_policies")
