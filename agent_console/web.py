"""Agent console pages. The page authenticates like the websocket it opens."""
from __future__ import annotations

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from ctiserver.web import current_user, request_token

_templates = Environment(
    loader=PackageLoader("agent_console", "templates"),
    autoescape=select_autoescape(["html"]),
)


async def console_page(request: web.Request) -> web.Response:
    user = await current_user(request)
    html = _templates.get_template("console.html").render(user=user, token=request_token(request))
    return web.Response(text=html, content_type="text/html", charset="utf-8")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/console", console_page)
