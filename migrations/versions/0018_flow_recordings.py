"""Recording policies for IVR flows; who paused each stretch of a recording.

A flow's policy records its calls from the flow's start (recordings.capture). A paused
stretch is kept as ``[start, end, by]`` (``by``: "agent", or "ivr" while a caller keyed in a
card number): the stretches stored before, all the agent's, get their "agent".

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("recordings", "recording_jobs")


def upgrade() -> None:
    _kinds("'queue', 'campaign', 'flow'")
    for table in TABLES:
        op.execute(f"""UPDATE {table} SET pauses = (
            SELECT jsonb_agg(CASE WHEN jsonb_array_length(p) = 2 THEN p || '["agent"]' ELSE p END)
            FROM jsonb_array_elements(pauses) AS p) WHERE jsonb_array_length(pauses) > 0""")


def downgrade() -> None:
    op.execute("DELETE FROM recording_policies WHERE kind = 'flow'")
    _kinds("'queue', 'campaign'")
    for table in TABLES:
        op.execute(f"""UPDATE {table} SET pauses = (
            SELECT jsonb_agg(jsonb_build_array(p -> 0, p -> 1)) FROM jsonb_array_elements(pauses) AS p)
            WHERE jsonb_array_length(pauses) > 0""")


def _kinds(kinds: str) -> None:
    op.drop_constraint(op.f("ck_recording_policies_kind"), "recording_policies", type_="check")
    op.create_check_constraint(op.f("ck_recording_policies_kind"), "recording_policies",
                               f"kind IN ({kinds})")
