"""Recordings' playback and retention: the access audit log (who played, downloaded or deleted
which recording, when, from where; the system deletes expired ones) and each recording's
waveform, computed once.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.TIMESTAMP(timezone=True)


def upgrade() -> None:
    op.create_table(
        "recording_audit",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("at", TIMESTAMP, server_default=sa.func.now(), nullable=False),
        sa.Column("user_id", sa.Integer()),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("recording_id", sa.BigInteger(), nullable=False),
        sa.Column("call_key", sa.Text(), nullable=False),
        sa.Column("address", sa.Text()),
        sa.Column("detail", sa.Text()),
        sa.CheckConstraint("action IN ('play', 'download', 'delete')",
                           name=op.f("ck_recording_audit_action")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_audit")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL",
                                name=op.f("fk_recording_audit_user_id_users")),
    )
    op.create_index(op.f("ix_recording_audit_at"), "recording_audit", ["at"])
    op.create_index(op.f("ix_recording_audit_recording_id"), "recording_audit", ["recording_id"])
    op.add_column("recordings", sa.Column("waveform", sa.LargeBinary()))


def downgrade() -> None:
    op.drop_column("recordings", "waveform")
    op.drop_table("recording_audit")
