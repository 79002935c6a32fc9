"""Our FastAGI server against a scripted Asterisk over loopback."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import pytest_asyncio

from ctiserver.agi.server import (
    AgiError, AgiHangup, AgiReply, AgiSession, AgiUsageError, dispatch, parse_reply, quote, serve,
)

HEADER = (b"agi_network: yes\nagi_network_script: route?queue=support&x=%2B49\n"
          b"agi_request: agi://127.0.0.1/route?queue=support\nagi_channel: Local/support@sim;2\n"
          b"agi_callerid: +4930123\n\n")
USAGE = (b"520-Invalid command syntax.  Proper usage follows:\n"
         b" Usage: SET VARIABLE <variablename> <value>\n"
         b"520 End of proper usage.\n")


class Scripted:
    """What the handler saw and raised."""

    def __init__(self) -> None:
        self.sessions: list[AgiSession] = []
        self.results: list[object] = []
        self.done = asyncio.Event()


Steps = Callable[[AgiSession, Scripted], Awaitable[None]]


@pytest_asyncio.fixture
async def agi() -> AsyncIterator[Callable[[Steps], Awaitable[tuple[asyncio.Server, Scripted]]]]:
    servers: list[asyncio.Server] = []

    async def start(steps: Steps) -> tuple[asyncio.Server, Scripted]:
        seen = Scripted()

        async def handler(session: AgiSession) -> None:
            seen.sessions.append(session)
            try:
                await steps(session, seen)
            except AgiError as exc:
                seen.results.append(exc)
                raise
            finally:
                seen.done.set()

        server = await serve("127.0.0.1", 0, handler, header_timeout=0.5, reply_timeout=1)
        servers.append(server)
        return server, seen

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


async def connect(server: asyncio.Server) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    port = server.sockets[0].getsockname()[1]
    return await asyncio.open_connection("127.0.0.1", port)


async def first_command(server: asyncio.Server) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connected, header sent, the handler's first command read."""
    reader, writer = await connect(server)
    writer.write(HEADER)
    await asyncio.wait_for(reader.readline(), 1)
    return reader, writer


async def set_two(session: AgiSession, seen: Scripted) -> None:
    for name in ("A", "B"):
        seen.results.append(await session.command("SET VARIABLE", name, "v"))


async def test_header_and_replies(agi) -> None:
    async def steps(session: AgiSession, seen: Scripted) -> None:
        seen.results.append(await session.get_variable("CC_QUEUE"))
        seen.results.append(await session.get_variable("MISSING"))
        seen.results.append(await session.command("STREAM FILE", "beep", ""))

    server, seen = await agi(steps)
    reader, writer = await connect(server)
    writer.write(HEADER)
    assert await reader.readline() == b'GET VARIABLE "CC_QUEUE"\n'
    writer.write(b"200 result=1 (sales (east))\n")
    assert await reader.readline() == b'GET VARIABLE "MISSING"\n'
    writer.write(b"200 result=0\n")
    assert await reader.readline() == b'STREAM FILE "beep" ""\n'
    writer.write(b"200 result=0 endpos=8000\n")
    await asyncio.wait_for(seen.done.wait(), 2)
    assert await reader.read() == b""  # the server closes when the handler returns
    session = seen.sessions[0]
    assert session.script == "route" and session.params == {"queue": "support", "x": "+49"}
    assert session.env["agi_callerid"] == "+4930123"
    assert seen.results == ["sales (east)", None, AgiReply(0, None, "endpos=8000")]


async def test_inline_hangup_does_not_shift_replies(agi) -> None:
    server, seen = await agi(set_two)
    reader, writer = await first_command(server)
    writer.write(b"HANGUP\n200 result=1\n")
    await reader.readline()
    writer.write(b"511 Command Not Permitted on a dead channel or intercept routine\n")
    await asyncio.wait_for(seen.done.wait(), 2)
    assert seen.results[0] == AgiReply(1)
    assert isinstance(seen.results[1], AgiHangup)
    assert seen.sessions[0].hungup


async def test_multiline_usage_then_next_command(agi) -> None:
    server, seen = await agi(set_usage_then_ok)
    reader, writer = await first_command(server)
    writer.write(USAGE)
    await reader.readline()
    writer.write(b"510 Invalid or unknown command\n")
    await reader.readline()
    writer.write(b"200 result=1\n")
    await asyncio.wait_for(seen.done.wait(), 2)
    usage, invalid, ok = seen.results
    assert isinstance(usage, AgiUsageError) and "Usage: SET VARIABLE" in str(usage)
    assert isinstance(invalid, AgiError) and "510" in str(invalid)
    assert ok == AgiReply(1)


async def set_usage_then_ok(session: AgiSession, seen: Scripted) -> None:
    for verb in ("SET VARIABLE", "NOPE", "NOOP"):
        try:
            seen.results.append(await session.command(verb))
        except AgiError as exc:
            seen.results.append(exc)


async def test_client_vanishing_mid_header_leaves_others_served(agi) -> None:
    server, seen = await agi(set_two)
    silent_reader, silent = await connect(server)
    silent.write(b"agi_network: yes\nagi_chan")  # stalls inside a line: hits the timeout
    gone_reader, gone = await connect(server)
    gone.write(b"agi_network: yes\n")
    gone.close()  # vanishes inside the header
    reader, writer = await connect(server)
    writer.write(HEADER)
    for _ in range(2):
        await asyncio.wait_for(reader.readline(), 1)
        writer.write(b"200 result=1\n")
    await asyncio.wait_for(seen.done.wait(), 2)
    assert seen.results == [AgiReply(1), AgiReply(1)]
    assert await asyncio.wait_for(silent_reader.read(), 2) == b""  # dropped after 0.5 s
    assert len(seen.sessions) == 1


@pytest.mark.parametrize("garbage", [b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"\xff\xfe\x00\n\n",
                                     b"x" * 70000 + b"\n"])
async def test_garbage_header_is_dropped(agi, garbage: bytes) -> None:
    server, seen = await agi(set_two)
    reader, writer = await connect(server)
    writer.write(garbage)
    assert await asyncio.wait_for(reader.read(), 2) == b""
    assert seen.sessions == []


async def test_garbage_or_silence_as_reply_breaks_only_that_connection(agi) -> None:
    server, seen = await agi(set_two)
    reader, writer = await first_command(server)
    writer.write(b"what is this\n")
    assert await asyncio.wait_for(reader.read(), 2) == b""
    other_reader, _ = await first_command(server)  # no reply at all: the 1 s timeout ends it
    assert await asyncio.wait_for(other_reader.read(), 3) == b""
    assert len(seen.sessions) == 2


async def test_handler_errors_are_contained(caplog) -> None:
    async def broken(session: AgiSession) -> None:
        raise RuntimeError("boom")

    server = await serve("127.0.0.1", 0, broken)
    try:
        for _ in range(2):
            reader, writer = await connect(server)
            writer.write(HEADER)
            assert await asyncio.wait_for(reader.read(), 2) == b""
    finally:
        server.close()
        await server.wait_closed()
    assert caplog.text.count("handler failed") == 2


async def test_dispatch_by_script(agi) -> None:
    called: list[str] = []

    async def route(session: AgiSession) -> None:
        called.append(session.script)

    handler = dispatch({"route": route})
    server = await serve("127.0.0.1", 0, handler)
    try:
        for script in (b"route", b"other"):
            reader, writer = await connect(server)
            writer.write(b"agi_network_script: " + script + b"?queue=a\n\n")
            assert await asyncio.wait_for(reader.read(), 2) == b""
    finally:
        server.close()
        await server.wait_closed()
    assert called == ["route"]


def test_reply_parsing_and_quoting() -> None:
    assert parse_reply("200 result=-1") == AgiReply(-1)
    assert parse_reply("200 result=1 (timeout) endpos=1234") == AgiReply(1, "timeout", "endpos=1234")
    assert quote('say "hi" \\ now') == '"say \\"hi\\" \\\\ now"'
    with pytest.raises(ValueError):
        quote("two\nlines")
