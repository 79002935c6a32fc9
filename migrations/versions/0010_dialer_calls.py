"""The dialer's attempts in the call history: a call the dialer placed names its campaign, its
lead, AMD's verdict and the attempt's outcome.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-12
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("campaign_id", sa.Integer()))
    op.add_column("calls", sa.Column("lead_id", sa.BigInteger()))
    op.add_column("calls", sa.Column("amd_result", sa.Text()))
    op.add_column("calls", sa.Column("dial_outcome", sa.Text()))
    op.create_foreign_key(op.f("fk_calls_campaign_id_campaigns"), "calls", "campaigns",
                          ["campaign_id"], ["id"], ondelete="SET NULL")
    op.create_foreign_key(op.f("fk_calls_lead_id_leads"), "calls", "leads",
                          ["lead_id"], ["id"], ondelete="SET NULL")
    op.create_index(op.f("ix_calls_campaign_id_entered_at"), "calls", ["campaign_id", "entered_at"])
    op.create_index(op.f("ix_calls_lead_id"), "calls", ["lead_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_calls_lead_id"), table_name="calls")
    op.drop_index(op.f("ix_calls_campaign_id_entered_at"), table_name="calls")
    op.drop_constraint(op.f("fk_calls_lead_id_leads"), "calls", type_="foreignkey")
    op.drop_constraint(op.f("fk_calls_campaign_id_campaigns"), "calls", type_="foreignkey")
    for column in ("dial_outcome", "amd_result", "lead_id", "campaign_id"):
        op.drop_column("calls", column)
