"""The in-page softphone: its scripts and the logged-in agent's SIP credentials.

- ``GET /softphone/softphone.js`` and ``GET /softphone/jssip-VERSION.min.js``: the scripts (any
  logged-in user; the console page includes both, JsSIP first).
- ``GET /api/softphone/config``: ``{"wsUrl", "sipUri", "password", "endpoint"}``
  (schemas.SoftphoneConfig) for the logged-in user's WebRTC endpoint ``webrtc-EXT``
  (render.webrtc_endpoint); a JSON 409 when the user has no extension. The password is
  derived from a secret generated into the data folder
  (asterisk_conf.credentials.softphone_password), never stored in the repository.
- ``GET /softphone``: a bare page (agents) that registers the softphone and shows its state,
  with answer and hang-up buttons.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from asterisk_conf.render import webrtc_endpoint
from callcenter.errors import Conflict

from .auth import USER, page, require_role
from .jsonbody import NO_STORE, answer
from .pages import html_page
from .schemas import SoftphoneConfig

STATIC = Path(__file__).with_name("static")
SCRIPT = STATIC / "softphone.js"
JSSIP = STATIC / "vendor" / "jssip-3.13.8.min.js"
JSSIP_URL = f"/softphone/{JSSIP.name}"


@dataclass(frozen=True)
class SoftphoneSite:
    """Where the agents' browsers reach Asterisk's SIP websocket, and their SIP passwords."""

    sip_host: str
    ws_url: str
    password: Callable[[str], str]
    """Extension -> its WebRTC endpoint's SIP password."""

    def config(self, extension: str) -> dict[str, str]:
        endpoint = webrtc_endpoint(extension)
        return {"wsUrl": self.ws_url, "sipUri": f"sip:{endpoint}@{self.sip_host}",
                "password": self.password(extension), "endpoint": endpoint}

    async def config_api(self, request: web.Request) -> web.Response:
        user = request[USER]
        if not user.extension:
            raise Conflict("this user has no extension")
        return answer(SoftphoneConfig, self.config(user.extension), headers=NO_STORE)


@page
async def script(request: web.Request) -> web.FileResponse:
    return web.FileResponse(SCRIPT, headers={"Cache-Control": "no-cache",
                                             "Content-Type": "application/javascript"})


@page
async def jssip(request: web.Request) -> web.FileResponse:
    # The file name carries the version: cache it for good.
    return web.FileResponse(JSSIP, headers={"Cache-Control": "max-age=31536000, immutable",
                                            "Content-Type": "application/javascript"})


@page
@require_role("agent")
async def softphone_page(request: web.Request) -> web.Response:
    return html_page(request, "softphone.html", user=request[USER], jssip_url=JSSIP_URL)


def add_routes(app: web.Application, site: SoftphoneSite) -> None:
    app.router.add_get("/softphone", softphone_page)
    app.router.add_get("/softphone/softphone.js", script)
    app.router.add_get(JSSIP_URL, jssip)
    app.router.add_get("/api/softphone/config", site.config_api)
