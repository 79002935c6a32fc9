"""The console's jinja2 templates (autoescaped)."""
from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

_environment = Environment(
    loader=PackageLoader("agent_console", "templates"),
    autoescape=select_autoescape(["html"]),
)


def render(name: str, **context: Any) -> str:
    return _environment.get_template(name).render(**context)
