"""A lead's list is checked once per statement instead of once per row: the foreign key from
leads (list_id, campaign_id) to lead_lists becomes triggers that keep its guarantees. A
foreign key runs one lookup query per inserted row (18 % of PostgreSQL's CPU in a
1,000,000-row import); an import's block names one list, so a statement trigger checks it
once, locking it as the key did (FOR KEY SHARE: the list's deletion waits for the import's
commit, then takes its leads too).

- leads, after each INSERT statement: every (list_id, campaign_id) the new rows name is a
  list of that campaign (SQLSTATE 23503, foreign_key_violation, as before);
- leads, before an UPDATE of a row that changes them: the same check, for that row;
- lead_lists, after each DELETE statement: the deleted lists' leads go (the key's ON DELETE
  CASCADE, so a campaign's deletion still reaches its leads through its lists);
- lead_lists, before an UPDATE that changes a list's id or campaign: refused.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (list_id, campaign_id) must be a list of that campaign, locked as a foreign key locks it.
_CHECK = """
PERFORM 1 FROM lead_lists WHERE id = {list_id} AND campaign_id = {campaign_id} FOR KEY SHARE;
IF NOT FOUND THEN
    RAISE foreign_key_violation USING
        MESSAGE = format('lead list %s of campaign %s does not exist', {list_id}, {campaign_id}),
        TABLE = 'leads', CONSTRAINT = 'leads_list_check';
END IF;
"""

UPGRADE = [
    f"""CREATE FUNCTION leads_list_check() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE named record;
    BEGIN
        FOR named IN SELECT DISTINCT list_id, campaign_id FROM new_rows LOOP
            {_CHECK.format(list_id="named.list_id", campaign_id="named.campaign_id")}
        END LOOP;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER leads_list_check AFTER INSERT ON leads REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION leads_list_check()""",
    f"""CREATE FUNCTION leads_list_change_check() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {_CHECK.format(list_id="NEW.list_id", campaign_id="NEW.campaign_id")}
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER leads_list_change_check BEFORE UPDATE ON leads FOR EACH ROW
    WHEN (NEW.list_id IS DISTINCT FROM OLD.list_id OR NEW.campaign_id IS DISTINCT FROM OLD.campaign_id)
    EXECUTE FUNCTION leads_list_change_check()""",
    """CREATE FUNCTION lead_lists_cascade() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM leads USING old_rows WHERE leads.list_id = old_rows.id;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER lead_lists_cascade AFTER DELETE ON lead_lists REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION lead_lists_cascade()""",
    """CREATE FUNCTION lead_lists_keep_key() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE foreign_key_violation USING
            MESSAGE = format('lead list %s keeps its id and campaign', OLD.id),
            TABLE = 'lead_lists', CONSTRAINT = 'leads_list_check';
    END $$""",
    """CREATE TRIGGER lead_lists_keep_key BEFORE UPDATE ON lead_lists FOR EACH ROW
    WHEN (NEW.id <> OLD.id OR NEW.campaign_id <> OLD.campaign_id)
    EXECUTE FUNCTION lead_lists_keep_key()""",
]
TRIGGERS = [("leads_list_check", "leads"), ("leads_list_change_check", "leads"),
            ("lead_lists_cascade", "lead_lists"), ("lead_lists_keep_key", "lead_lists")]
"""Each trigger and its table; its function has its name."""


def upgrade() -> None:
    op.drop_constraint(op.f("fk_leads_list_id_lead_lists"), "leads", type_="foreignkey")
    op.drop_constraint(op.f("uq_lead_lists_id_campaign_id"), "lead_lists", type_="unique")
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for trigger, table in TRIGGERS:
        op.execute(f"DROP TRIGGER {trigger} ON {table}")
    for function, _ in TRIGGERS:
        op.execute(f"DROP FUNCTION {function}()")
    op.create_unique_constraint(op.f("uq_lead_lists_id_campaign_id"), "lead_lists",
                                ["id", "campaign_id"])
    op.create_foreign_key(op.f("fk_leads_list_id_lead_lists"), "leads", "lead_lists",
                          ["list_id", "campaign_id"], ["id", "campaign_id"], ondelete="CASCADE")
