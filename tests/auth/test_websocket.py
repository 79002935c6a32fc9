"""The agent websocket: session cookie or API token, bad input answered, session end enforced."""
import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from crm_core.db import Database
from ctiserver.web.agentsocket import MAX_WS_FRAME, MAX_WS_MESSAGE, SESSION_ENDED
from tests.helpers.accounts import make_user
from tests.helpers.webapp import log_in


async def ping(ws: aiohttp.ClientWebSocketResponse) -> dict:
    await ws.send_json({"type": "ping"})
    return await ws.receive_json(timeout=5)


async def open_agent_socket(client: TestClient, path: str = "/ws/agent", **kwargs):
    ws = await client.ws_connect(path, **kwargs)
    hello = await ws.receive_json(timeout=5)
    assert hello["type"] == "hello"
    return ws, hello


async def test_anonymous_is_refused(client: TestClient) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/ws/agent")
    assert refused.value.status == 401


async def test_session_cookie_opens_the_socket(client: TestClient, db: Database) -> None:
    account = await make_user(db)
    await log_in(client, account)
    ws, hello = await open_agent_socket(client)
    assert hello["user"] == account.username
    assert await ping(ws) == {"v": 1, "type": "pong"}
    await ws.close()


async def test_api_token_still_opens_the_socket(client: TestClient, db: Database) -> None:
    """As tests/integration and bench/ connect: /ws/agent?token=..."""
    account = await make_user(db)
    ws, hello = await open_agent_socket(client, f"/ws/agent?token={account.token}")
    assert hello["user"] == account.username
    await ws.close()
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await client.ws_connect("/ws/agent?token=wrong")


async def test_socket_from_another_site_is_refused(client: TestClient, db: Database) -> None:
    await log_in(client, await make_user(db))
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/ws/agent", origin="https://evil.example")
    assert refused.value.status == 403
    ws, _ = await open_agent_socket(client, origin=str(client.make_url("")).rstrip("/"))
    await ws.close()


async def test_bad_messages_get_an_error_and_the_socket_lives_on(
    client: TestClient, db: Database
) -> None:
    account = await make_user(db)
    ws, _ = await open_agent_socket(client, f"/ws/agent?token={account.token}")
    bad = [
        lambda: ws.send_str("{not json"),
        lambda: ws.send_str("[1, 2]"),
        lambda: ws.send_json({"type": 5}),
        lambda: ws.send_json({"type": "launch"}),
        lambda: ws.send_bytes(b"\x00\x01"),
        lambda: ws.send_str('{"type": "ping", "pad": "' + "x" * MAX_WS_MESSAGE + '"}'),
    ]
    for send in bad:
        await send()
        reply = await ws.receive_json(timeout=5)
        assert reply["type"] == "error" and reply["error"]
        assert await ping(ws) == {"v": 1, "type": "pong"}
    await ws.close()


async def test_frames_past_the_hard_limit_close_the_socket(client: TestClient, db: Database) -> None:
    """Documented limit: aiohttp will not buffer more than MAX_WS_FRAME; it closes with 1009."""
    account = await make_user(db)
    ws, _ = await open_agent_socket(client, f"/ws/agent?token={account.token}")
    await ws.send_str("x" * (MAX_WS_FRAME + 1))
    message = await ws.receive(timeout=5)
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert ws.close_code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG


async def test_logout_closes_the_socket_at_its_next_ping(client: TestClient, db: Database) -> None:
    csrf = await log_in(client, await make_user(db))
    ws, _ = await open_agent_socket(client)
    await client.post("/logout", data={"csrf_token": csrf}, allow_redirects=False)
    await ws.send_json({"type": "ping"})
    message = await ws.receive(timeout=5)
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert ws.close_code == SESSION_ENDED
