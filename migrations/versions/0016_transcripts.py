"""Transcripts of recordings (per-word timing, full-text search), keyword alert phrases and
their hits; a recording policy's language; a job's queue; the journal's transcription step.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.TIMESTAMP(timezone=True)
STATES = "'recording', 'pending', 'converting', 'stored', 'discard', 'done', 'failed'"
WITH_TRANSCRIBED = STATES + ", 'transcribed'"


def upgrade() -> None:
    op.add_column("recording_policies", sa.Column("language", sa.Text()))
    op.add_column("recording_jobs", sa.Column("queue", sa.Text()))
    _job_states(WITH_TRANSCRIBED)
    op.create_table(
        "transcripts",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("recording_id", sa.BigInteger(), nullable=False),
        sa.Column("call_key", sa.Text(), nullable=False),
        sa.Column("language", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("words", JSONB(), nullable=False),
        # 'simple': no stemming, which PostgreSQL has none of for Korean or Chinese anyway
        sa.Column("search", TSVECTOR(),
                  sa.Computed("to_tsvector('simple', text)", persisted=True), nullable=False),
        sa.Column("created_at", TIMESTAMP, server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["recording_id"], ["recordings.id"], ondelete="CASCADE",
                                name=op.f("fk_transcripts_recording_id_recordings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcripts")),
        sa.UniqueConstraint("call_key", name=op.f("uq_transcripts_call_key")),
    )
    op.create_index(op.f("ix_transcripts_search"), "transcripts", ["search"],
                    postgresql_using="gin")
    op.create_table(
        "keyword_phrases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("phrase", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('queue', 'campaign')", name=op.f("ck_keyword_phrases_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_keyword_phrases")),
        sa.UniqueConstraint("kind", "name", "phrase",
                            name=op.f("uq_keyword_phrases_kind_name_phrase")),
    )
    op.create_table(
        "keyword_hits",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("call_key", sa.Text(), nullable=False),
        sa.Column("phrase", sa.Text(), nullable=False),
        sa.Column("second", sa.Float(), nullable=False),
        sa.Column("created_at", TIMESTAMP, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_keyword_hits")),
        sa.UniqueConstraint("call_key", "phrase", name=op.f("uq_keyword_hits_call_key_phrase")),
    )


def downgrade() -> None:
    op.drop_table("keyword_hits")
    op.drop_table("keyword_phrases")
    op.drop_table("transcripts")
    op.execute("DELETE FROM recording_jobs WHERE state = 'transcribed'")
    _job_states(STATES)
    op.drop_column("recording_jobs", "queue")
    op.drop_column("recording_policies", "language")


def _job_states(states: str) -> None:
    op.drop_constraint(op.f("ck_recording_jobs_state"), "recording_jobs", type_="check")
    op.create_check_constraint(op.f("ck_recording_jobs_state"), "recording_jobs",
                               f"state IN ({states})")
