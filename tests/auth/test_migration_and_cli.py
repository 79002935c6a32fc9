"""Migration 0002 both ways; `callcenter user add --password-stdin` on the test database."""
import asyncio
import io

from alembic import command
from sqlalchemy import inspect

from callcenter.cli import build_parser, cmd_user
from callcenter.settings import Settings
from crm_core.auth import login
from crm_core.db import Database, alembic_config, open_database, run_blocking, upgrade
from tests.helpers.database import fresh_database

AUTH_TABLES = {"team_leads", "user_sessions", "login_attempts"}


def schema(settings: Settings, url: str) -> tuple[set[str], set[str]]:
    """(tables, columns of users)."""
    async def read() -> tuple[set[str], set[str]]:
        db = await open_database(url)
        try:
            async with db.engine.connect() as conn:
                return await conn.run_sync(
                    lambda c: (
                        set(inspect(c).get_table_names()),
                        {col["name"] for col in inspect(c).get_columns("users")},
                    )
                )
        finally:
            await db.close()

    return run_blocking(read())


def test_0002_downgrades_to_0001_and_back(settings: Settings) -> None:
    url = fresh_database(settings, "callcenter_auth_migration_test")
    upgrade(url, "0002")
    tables, columns = schema(settings, url)
    assert AUTH_TABLES <= tables and "team" in columns
    command.downgrade(alembic_config(url), "0001")
    tables, columns = schema(settings, url)
    assert not AUTH_TABLES & tables and "team" not in columns
    upgrade(url)
    assert AUTH_TABLES <= schema(settings, url)[0]


async def test_user_add_reads_the_password_from_stdin(
    settings: Settings, database_url: str, db: Database, monkeypatch, capsys
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("first admin password\n"))
    args = build_parser().parse_args(
        ["user", "add", "root-cli", "--role", "admin", "--password-stdin"]
    )
    cli_settings = settings.model_copy(update={"database_url": database_url})
    assert await asyncio.to_thread(cmd_user, args, cli_settings) == 0  # runs its own loop
    assert "password set" in capsys.readouterr().out
    result = await login(db, "root-cli", "first admin password")
    assert result.user and result.user.role == "admin"
