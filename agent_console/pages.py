"""The pages' jinja2 templates (autoescaped), rendered in the request's language: templates
write ``{{ _("text") }}`` / ``{{ _("Hello %(name)s", name=x) }}`` / ``{% trans %}`` (jinja2's
i18n extension, newstyle), one Environment per language. Every page also gets:

- ``html_lang`` for ``<html lang>``;
- ``i18n_catalog``: its scripts' catalog, for ``<script id="i18n" type="application/json">``;
- what the language chooser (``language.html``) needs: ``languages`` (code, name),
  ``chosen_language`` (a logged-in user's saved choice, "" for the browser's; on the login
  page the language shown) and ``session_csrf`` (a browser session's CSRF token, to save the
  choice; "" without a session);
- ``nav``: the site's pages the user's role may open (``NAV``), the one shown marked current,
  for the pages built on ``layout.html``."""
from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from callcenter.errors import Phrase

from .auth import SESSION, USER, request_language
from .i18n import Language, languages
from .jsonbody import NO_STORE, script_json

NAV: tuple[tuple[str, Phrase, frozenset[str]], ...] = (
    ("/console", Phrase("Console"), frozenset({"agent", "supervisor", "admin"})),
    ("/wallboard", Phrase("Wallboard"), frozenset({"supervisor", "admin"})),
    ("/campaigns", Phrase("Campaigns"), frozenset({"admin", "supervisor", "marketing"})),
    ("/admin/ivr", Phrase("IVR flows"), frozenset({"admin", "supervisor"})),
    ("/recordings/audit", Phrase("Recordings' audit log"), frozenset({"admin"})),
)
"""The pages a header links to, and the roles each lets in (tests/auth/test_nav.py holds them
to the routes' own rules)."""


@dataclass(frozen=True, slots=True)
class NavLink:
    path: str
    label: str
    current: bool


def nav_links(role: str | None, here: str, gettext) -> list[NavLink]:
    return [NavLink(path, label.translated(gettext), path == here)
            for path, label, roles in NAV if role in roles]


@functools.cache
def _environment(language: Language) -> Environment:
    environment = Environment(
        loader=PackageLoader("agent_console", "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_gettext_translations(  # type: ignore[attr-defined]
        language.translations, newstyle=True)
    return environment


def render(request: web.Request, name: str, **context: Any) -> str:
    language = request_language(request)
    user = request.get(USER)
    return _environment(language).get_template(name).render(
        html_lang=language.html_lang,
        i18n_catalog=Markup(language.script_catalog),
        languages=[(code, known.name) for code, known in languages().items()],
        chosen_language=(user.language or "") if user else language.code,
        session_csrf=session.csrf_token if (session := request.get(SESSION)) else "",
        nav=nav_links(user.role if user else None, request.path, language.translations.gettext),
        **context,
    )


def html_page(request: web.Request, name: str, *, status: int = 200,
              config: Mapping[str, Any] | None = None, **context: Any) -> web.Response:
    """A page rendered by ``render``, never cached (it carries the session's CSRF token);
    ``config``: its scripts' data (``config`` in the template, a JSON script element's text),
    the session's CSRF token added as ``csrf``."""
    if config is not None:
        session = request.get(SESSION)
        context["config"] = script_json({"csrf": session.csrf_token if session else "", **config})
    return web.Response(text=render(request, name, **context), content_type="text/html",
                        charset="utf-8", status=status, headers=NO_STORE)
