"""Migrations on real PostgreSQL: from empty, down to nothing and up again; models agree."""
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from callcenter.settings import Settings
from crm_core.db import Database, alembic_config, open_database, run_blocking, upgrade
from crm_core.models import Base
from tests.helpers.database import fresh_database

APP_TABLES = {
    "customers", "contact_numbers", "users", "calls", "team_leads", "user_sessions", "login_attempts",
    "queues", "holidays", "dispositions", "call_wrapups", "callbacks", "tickets",
    "scripts", "pending_wrapups", "security_events", "dial_policies", "dial_attempts",
    "campaigns", "lead_lists", "leads", "lead_attempts", "dnc_entries", "national_dnc_lists",
    "recording_policies", "recording_jobs", "recordings", "recording_audit",
    "ivr_node_counts",
    "recording_policies", "recording_jobs", "recordings", "transcripts", "keyword_phrases",
    "keyword_hits", "campaign_tallies", "campaign_tally_deltas",
}


async def table_names(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


def tables_at(settings: Settings, url: str) -> set[str]:
    async def read() -> set[str]:
        db = await open_database(url)
        try:
            return await table_names(db)
        finally:
            await db.close()

    return run_blocking(read())


def test_upgrade_downgrade_upgrade(settings: Settings) -> None:
    url = fresh_database(settings, "callcenter_migrations_test")
    assert tables_at(settings, url) == set()
    upgrade(url)
    assert tables_at(settings, url) == APP_TABLES | {"alembic_version"}
    command.downgrade(alembic_config(url), "base")
    assert tables_at(settings, url) == {"alembic_version"}
    upgrade(url)
    assert tables_at(settings, url) == APP_TABLES | {"alembic_version"}


async def test_models_match_the_migrated_schema(db: Database) -> None:
    def diff(conn):
        return compare_metadata(MigrationContext.configure(conn), Base.metadata)

    async with db.engine.connect() as conn:
        assert await conn.run_sync(diff) == []
