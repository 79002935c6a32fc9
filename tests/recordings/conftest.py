"""Fixtures of the recordings tests: a database of the test module's own, where the test
product's converter takes no part."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from callcenter.settings import Settings
from crm_core.db import Database

from tests.helpers.database import fresh_migrated_database, opened


@pytest.fixture(scope="module")
def own_database_url(settings: Settings, request: pytest.FixtureRequest) -> str:
    return fresh_migrated_database(settings, f"callcenter_{request.module.__name__.split('.')[-1]}")


@pytest_asyncio.fixture(loop_scope="session")
async def own_db(own_database_url: str) -> AsyncIterator[Database]:
    async with opened(own_database_url) as db:
        yield db
