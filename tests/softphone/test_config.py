"""The softphone's Asterisk configuration (rendered, no Asterisk) and its config API."""
from __future__ import annotations

import aiohttp
import pytest

from asterisk_conf.sandbox_config import render_config
from asterisk_conf.credentials import softphone_password
from callcenter.settings import Settings
from crm_core.users import ensure_user


def test_webrtc_endpoints_and_websocket_transport(tmp_path):
    settings = Settings(data_dir=tmp_path, sandbox_http_port=28088)
    files = render_config(settings, queues=[], ami_secret="x", sim_agents=[],
                          softphones={"1090": "pw1090"})
    pjsip, http = files["pjsip.conf"], files["http.conf"]
    assert "[transport-ws]\ntype = transport\nprotocol = ws\n" in pjsip
    assert pjsip.count("[webrtc-1090]") == 3  # endpoint, aor, auth
    for line in ("webrtc = yes", "dtls_auto_generate_cert = yes", "password = pw1090",
                 "username = webrtc-1090", "max_contacts = 1"):
        assert line in pjsip
    assert "enabled = yes\nbindaddr = 127.0.0.1\nbindport = 28088\n" in http
    assert "webrtc = yes" not in render_config(settings, queues=[], ami_secret="x",
                                               sim_agents=[])["pjsip.conf"]


def test_passwords_are_per_extension_stable_and_secret(tmp_path):
    first = softphone_password(tmp_path, "1090")
    assert first == softphone_password(tmp_path, "1090") != softphone_password(tmp_path, "1091")
    assert len(first) == 32
    assert (tmp_path / "softphone_secret").stat().st_mode & 0o077 == 0
    assert softphone_password(tmp_path / "other", "1090") != first


@pytest.mark.integration
@pytest.mark.asyncio(loop_scope="session")
async def test_config_api_gives_the_logged_in_agent_its_own_endpoint(cti, db, settings,
                                                                     new_extension) -> None:
    ext = new_extension()
    _, token = await ensure_user(db, f"softphone-api-{ext}", display_name="Api Agent", role="agent",
                                 extension=ext, interface=f"PJSIP/webrtc-{ext}")
    _, no_ext = await ensure_user(db, f"softphone-noext-{ext}", display_name="No Ext", role="agent")
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{cti.url}/api/softphone/config",
                            headers={"Authorization": f"Bearer {token}"}) as reply:
            assert reply.status == 200 and reply.headers["Cache-Control"] == "no-store"
            assert await reply.json() == {
                "wsUrl": f"ws://127.0.0.1:{settings.sandbox_http_port}/ws",
                "sipUri": f"sip:webrtc-{ext}@127.0.0.1",
                "password": softphone_password(settings.data_dir, ext),
                "endpoint": f"webrtc-{ext}",
            }
        async with http.get(f"{cti.url}/api/softphone/config",
                            headers={"Authorization": f"Bearer {no_ext}"}) as reply:
            assert reply.status == 409
        async with http.get(f"{cti.url}/api/softphone/config") as reply:
            assert reply.status == 401
        async with http.get(f"{cti.url}/softphone/jssip-3.13.8.min.js",
                            headers={"Authorization": f"Bearer {token}"}) as reply:
            assert reply.status == 200 and "javascript" in reply.headers["Content-Type"]
            assert "JsSIP" in await reply.text()
