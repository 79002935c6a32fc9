"""tests/i18n's fixtures are the shared ones: ``client`` (the whole web app on an aiohttp test
server), the session's ``db`` and ``browser`` (Debian's chromium); its helpers live in
tests.helpers (visible_text, accounts, webapp, browser)."""
