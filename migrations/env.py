"""Alembic environment: runs migrations over asyncpg (the project's only driver)."""
from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

from crm_core.db import asyncpg_url, ensure_embedded_postgres, run_blocking
from crm_core.models import Base

config = context.config
target_metadata = Base.metadata


def given_url() -> str | None:
    """From code (crm_core.db.alembic_config), else `-x url=...`."""
    url = config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url")
    return asyncpg_url(url) if url else None


def database_url() -> str:
    """The given URL, else the one the settings name (DATABASE_URL or embedded PostgreSQL)."""
    from callcenter.settings import Settings

    settings = Settings()
    return given_url() or ensure_embedded_postgres(settings.database_url, settings.data_dir)


def run_offline(url: str) -> None:
    """`alembic upgrade head --sql`: print the SQL instead of running it."""
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def migrate(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


async def run_online(url: str) -> None:
    engine = async_engine_from_config(
        {"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    try:
        async with engine.connect() as connection:
            await connection.run_sync(migrate)
    finally:
        await engine.dispose()


if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

if context.is_offline_mode():
    # Only the dialect matters for printing SQL: no server is started.
    run_offline(given_url() or "postgresql+asyncpg://")
else:
    run_blocking(run_online(database_url()))
