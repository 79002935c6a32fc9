"""Databases of their own on the test run's PostgreSQL server."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from callcenter.settings import Settings
from crm_core.db import (Database, create_database, ensure_embedded_postgres, open_database,
                         upgrade, with_database)


def fresh_database(settings: Settings, name: str) -> str:
    """Drop and re-create database ``name`` on the test server; returns its asyncpg URL.
    Fails the test (never skips) when PostgreSQL cannot be reached."""
    try:
        server = ensure_embedded_postgres(settings.database_url, settings.data_dir)
        url = with_database(server, name)
        create_database(url, replace=True)
    except Exception as exc:  # any reason is a failure of the environment, report it whole
        pytest.fail(f"PostgreSQL unavailable: {exc!r}", pytrace=False)
    return url


def fresh_migrated_database(settings: Settings, name: str) -> str:
    """``fresh_database`` with the product's schema."""
    url = fresh_database(settings, name)
    upgrade(url)
    return url


@asynccontextmanager
async def opened(url: str) -> AsyncIterator[Database]:
    db = await open_database(url)
    try:
        yield db
    finally:
        await db.close()
