"""The whole web app on an aiohttp test server (as tests/auth), real PostgreSQL."""
from tests.auth.conftest import client  # noqa: F401  (the fixture)
