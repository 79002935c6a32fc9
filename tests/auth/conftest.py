"""tests/auth's fixtures: ``client`` (tests/fixtures/webapp.py, the whole web app on an aiohttp
test server) and the session's ``db``.

The helpers live in tests.helpers (accounts, webapp); the names below are imported here only for
the test files that still import them from this conftest (they are being edited elsewhere)."""
from __future__ import annotations

from tests.fixtures.webapp import client  # noqa: F401  (the fixture)
from tests.helpers.accounts import PASSWORD, Account, make_user  # noqa: F401
from tests.helpers.webapp import build_app, form_csrf, log_in, post_login  # noqa: F401
