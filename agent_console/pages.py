"""The console's jinja2 templates (autoescaped), with jinja2's i18n extension: templates write
``{{ _("text") }}`` / ``{% trans %}``; until per-request catalogs exist the text is English."""
from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

_environment = Environment(
    loader=PackageLoader("agent_console", "templates"),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
)
_environment.install_null_translations(newstyle=True)  # type: ignore[attr-defined]


def render(name: str, **context: Any) -> str:
    return _environment.get_template(name).render(**context)
