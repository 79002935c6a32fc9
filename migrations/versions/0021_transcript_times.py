"""Transcripts carry their recording's time, indexed: a search for the newest hits reads the
last weeks' hits first (that index and the words' together) instead of every hit of a common
word (a two-syllable Korean prefix matches 3 % of 100,000 transcripts: 27-48 ms, against
3.5 ms for the last 30 days').

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("transcripts", sa.Column("recorded_at", sa.TIMESTAMP(timezone=True)))
    op.execute("UPDATE transcripts SET recorded_at = recordings.recorded_at FROM recordings "
               "WHERE recordings.id = transcripts.recording_id")
    op.alter_column("transcripts", "recorded_at", nullable=False)
    op.create_index(op.f("ix_transcripts_recorded_at"), "transcripts", ["recorded_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_transcripts_recorded_at"), table_name="transcripts")
    op.drop_column("transcripts", "recorded_at")
