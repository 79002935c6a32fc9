"""A recording job's campaign: a dialer call is transcribed in its campaign's language and
matched against its campaign's keyword phrases.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("recording_jobs", sa.Column("campaign", sa.Text()))


def downgrade() -> None:
    op.drop_column("recording_jobs", "campaign")
