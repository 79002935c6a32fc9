"""Every campaign's live figures kept by triggers instead of counted each second: statement
triggers on lead_attempts and leads append per-campaign deltas to campaign_tally_deltas (an
insert-only table, so writers share no counter row and never wait for each other); the reader
sums campaign_tallies and the deltas, and now and then folds the deltas into the tallies.

Neither table has a foreign key: a campaign's delete cascades to its leads and attempts, whose
triggers then write deltas of a campaign already gone; the reader ignores and drops those.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each figure as a condition on one lead_attempts row (dialed: every row), as the live view
# has always counted them.
ATTEMPT_FIGURES = {
    "dialed": "true",
    "answered": "outcome IN ('human', 'abandoned', 'dnc_refused', 'machine')",
    "human": "outcome IN ('human', 'abandoned', 'dnc_refused')",
    "machine": "outcome = 'machine'",
    "abandoned": "outcome = 'abandoned'",
}
LEAD_FIGURES = {"leads_left": "status IN ('new', 'retry', 'dialing')"}
FIGURES = [*ATTEMPT_FIGURES, *LEAD_FIGURES]
# What each trigger sees as signed rows: +1 for a row now there, -1 for one gone.
CHANGES = {
    "INSERT": "SELECT 1 AS sign, {columns} FROM new_rows",
    "DELETE": "SELECT -1 AS sign, {columns} FROM old_rows",
    "UPDATE": "SELECT 1 AS sign, {columns} FROM new_rows"
              " UNION ALL SELECT -1 AS sign, {columns} FROM old_rows",
}
# Each table's figures and the columns they read.
TABLES = {"lead_attempts": (ATTEMPT_FIGURES, "campaign_id, outcome"),
          "leads": (LEAD_FIGURES, "campaign_id, status")}


def _figures() -> list[sa.Column]:
    return [sa.Column(name, sa.BigInteger(), server_default=sa.text("0"), nullable=False)
            for name in FIGURES]


def _delta(figures: dict[str, str], changes: str) -> str:
    """The statement appending one delta per campaign the changed rows move."""
    sums = ", ".join(f"sum(sign * ({condition})::int) AS {name}"
                     for name, condition in figures.items())
    nonzero = " OR ".join(f"{name} <> 0" for name in figures)
    return (f"INSERT INTO campaign_tally_deltas (campaign_id, {', '.join(figures)})"
            f" SELECT * FROM (SELECT campaign_id, {sums} FROM ({changes}) c"
            f" GROUP BY campaign_id) d WHERE {nonzero};")


def _trigger_function(table: str, figures: dict[str, str], columns: str) -> str:
    branches = " ELS".join(
        f"IF TG_OP = '{event}' THEN {_delta(figures, changes.format(columns=columns))}"
        for event, changes in CHANGES.items())
    return (f"CREATE FUNCTION {table}_tally() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN {branches} END IF; RETURN NULL; END $$")


def _trigger(table: str, event: str) -> str:
    tables = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows",
              "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows"}[event]
    return (f"CREATE TRIGGER {table}_tally_{event.lower()} AFTER {event} ON {table}"
            f" REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {table}_tally()")


def upgrade() -> None:
    op.create_table("campaign_tallies", sa.Column("campaign_id", sa.Integer()), *_figures(),
                    sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_campaign_tallies")))
    op.create_table("campaign_tally_deltas", sa.Column("id", sa.BigInteger()),
                    sa.Column("campaign_id", sa.Integer(), nullable=False), *_figures(),
                    sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_tally_deltas")))
    for table, (figures, columns) in TABLES.items():
        op.execute(_trigger_function(table, figures, columns))
        for event in CHANGES:
            op.execute(_trigger(table, event))
    # The rows there now, as deltas the first reader folds. After the triggers: creating them
    # locked out writers until this transaction commits, so no change is missed or counted twice.
    for table, (figures, columns) in TABLES.items():
        op.execute(_delta(figures, f"SELECT 1 AS sign, {columns} FROM {table}"))


def downgrade() -> None:
    for table in TABLES:
        for event in CHANGES:
            op.execute(f"DROP TRIGGER {table}_tally_{event.lower()} ON {table}")
        op.execute(f"DROP FUNCTION {table}_tally()")
    op.drop_table("campaign_tally_deltas")
    op.drop_table("campaign_tallies")
