"""Leads cost less to import: one foreign key checked per lead instead of two, and lighter
indexes. A lead's list and campaign are checked together against lead_lists (id,
campaign_id), which also cascades a campaign's deletion to its leads through its lists; the
list index is a BRIN one (leads arrive a list at a time, so a list's rows lie together); the
customer index holds only the leads that have a customer (most leads get theirs when first
reached). The hopper's index becomes two partial ones in the orders it reads (fresh leads by
priority and id, retries by when they are due): a campaign's next fresh leads are the first
entries of its index instead of all its leads sorted (~3 s for 1,000,000 leads, now <1 ms),
at no extra cost per imported lead.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_unique_constraint(op.f("uq_lead_lists_id_campaign_id"), "lead_lists",
                                ["id", "campaign_id"])
    op.drop_constraint(op.f("fk_leads_list_id_lead_lists"), "leads", type_="foreignkey")
    op.drop_constraint(op.f("fk_leads_campaign_id_campaigns"), "leads", type_="foreignkey")
    op.create_foreign_key(op.f("fk_leads_list_id_lead_lists"), "leads", "lead_lists",
                          ["list_id", "campaign_id"], ["id", "campaign_id"], ondelete="CASCADE")
    op.drop_index(op.f("ix_leads_list_id"), table_name="leads")
    op.create_index(op.f("ix_leads_list_id"), "leads", ["list_id"], postgresql_using="brin",
                    postgresql_with={"autosummarize": "on"})
    op.drop_index(op.f("ix_leads_customer_id"), table_name="leads")
    op.create_index(op.f("ix_leads_customer_id"), "leads", ["customer_id"],
                    postgresql_where="customer_id IS NOT NULL")
    op.drop_index(op.f("ix_leads_campaign_id_status_next_attempt_at"), table_name="leads")
    op.create_index("ix_leads_fresh", "leads", ["campaign_id", sa.text("priority DESC"), "id"],
                    postgresql_where="status = 'new'")
    op.create_index("ix_leads_retry", "leads", ["campaign_id", "next_attempt_at", "id"],
                    postgresql_where="status = 'retry'")


def downgrade() -> None:
    op.drop_index("ix_leads_retry", table_name="leads")
    op.drop_index("ix_leads_fresh", table_name="leads")
    op.create_index(op.f("ix_leads_campaign_id_status_next_attempt_at"), "leads",
                    ["campaign_id", "status", "next_attempt_at"])
    op.drop_index(op.f("ix_leads_customer_id"), table_name="leads")
    op.create_index(op.f("ix_leads_customer_id"), "leads", ["customer_id"])
    op.drop_index(op.f("ix_leads_list_id"), table_name="leads")
    op.create_index(op.f("ix_leads_list_id"), "leads", ["list_id"])
    op.drop_constraint(op.f("fk_leads_list_id_lead_lists"), "leads", type_="foreignkey")
    op.create_foreign_key(op.f("fk_leads_campaign_id_campaigns"), "leads", "campaigns",
                          ["campaign_id"], ["id"], ondelete="CASCADE")
    op.create_foreign_key(op.f("fk_leads_list_id_lead_lists"), "leads", "lead_lists",
                          ["list_id"], ["id"], ondelete="CASCADE")
    op.drop_constraint(op.f("uq_lead_lists_id_campaign_id"), "lead_lists", type_="unique")
