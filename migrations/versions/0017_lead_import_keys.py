"""Leads cost less to import: one foreign key checked per lead instead of two, and lighter
indexes. A lead's list and campaign are checked together against lead_lists (id,
campaign_id), which also cascades a campaign's deletion to its leads through its lists; the
list index is a BRIN one (leads arrive a list at a time, so a list's rows lie together); the
customer index holds only the leads that have a customer (most leads get theirs when first
reached).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
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


def downgrade() -> None:
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
