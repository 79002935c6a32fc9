"""The marketing role: staff who run campaigns, lead lists and do-not-call uploads, and watch
the live campaign view and the compliance report, without the consoles or the wallboard.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-13
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _roles(roles: str) -> None:
    op.drop_constraint(op.f("ck_users_role"), "users", type_="check")
    op.create_check_constraint(op.f("ck_users_role"), "users", f"role IN ({roles})")


def upgrade() -> None:
    _roles("'agent', 'supervisor', 'admin', 'marketing'")


def downgrade() -> None:
    op.execute("UPDATE users SET role = 'agent', active = false WHERE role = 'marketing'")
    _roles("'agent', 'supervisor', 'admin'")
