"""tests/auth's fixtures are the shared ones: ``client`` (tests/fixtures/webapp.py, the whole web
app on an aiohttp test server) and the session's ``db``; its helpers live in tests.helpers
(accounts, webapp)."""
