"""Our FastAGI server against a scripted Asterisk over loopback. After every test the server
has no session left running and no connection task left behind."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import suppress

import pytest
import pytest_asyncio

from ctiserver.agi.protocol import AgiError, AgiHangup, AgiProtocolError, AgiReply, AgiUsageError
from ctiserver.agi.server import AgiLimits, AgiSession, FastAgiServer, dispatch, serve
from tests.helpers.agi import HEADER, USAGE, Scripted, Steps, closed_by_server, connect, first_command, scripted_handler
from tests.helpers.waiting import poll_until

FAST = AgiLimits(header_timeout=0.5, reply_timeout=1, session_timeout=5, max_sessions=50)
Start = Callable[..., Awaitable[tuple[FastAgiServer, Scripted]]]


@pytest_asyncio.fixture
async def agi() -> AsyncIterator[Start]:
    servers: list[FastAgiServer] = []

    async def start(steps: Steps, limits: AgiLimits = FAST) -> tuple[FastAgiServer, Scripted]:
        seen = Scripted()
        servers.append(await serve("127.0.0.1", 0, scripted_handler(steps, seen), limits))
        return servers[-1], seen

    yield start
    for server in servers:
        await poll_until(lambda: server.active == 0, "every session to end", timeout=6, every=0.05)
        server.close()
        await server.wait_closed()
    assert connection_tasks() == set()


def connection_tasks() -> set[asyncio.Task]:
    """The tasks asyncio runs our connections in (other session-wide services run alongside)."""
    return {task for task in asyncio.all_tasks()
            if task.get_coro().__qualname__.startswith(FastAgiServer.__name__ + ".")}


async def set_two(session: AgiSession, seen: Scripted) -> None:
    for name in ("A", "B"):
        seen.results.append(await session.command("SET VARIABLE", name, "v"))


async def test_header_and_replies(agi) -> None:
    async def steps(session: AgiSession, seen: Scripted) -> None:
        seen.results.append(await session.get_variable("CC_QUEUE"))
        seen.results.append(await session.get_variable("MISSING"))
        seen.results.append(await session.command("STREAM FILE", "beep", "0123456789*#"))
        seen.results.append(await session.command("GET DATA", "beep", "3000", "4"))

    server, seen = await agi(steps)
    reader, writer = await connect(server)
    writer.write(HEADER)
    assert await reader.readline() == b'GET VARIABLE "CC_QUEUE"\n'
    writer.write("200 result=1 (sales (east) Jürgen 张伟 😀)\n".encode())
    assert await reader.readline() == b'GET VARIABLE "MISSING"\n'
    writer.write(b"200 result=0\n")
    assert await reader.readline() == b'STREAM FILE "beep" "0123456789*#"\n'
    writer.write(b"200 result=50 endpos=8000\n")
    assert await reader.readline() == b'GET DATA "beep" "3000" "4"\n'
    writer.write(b"200 result=0012 (timeout)\n")
    await asyncio.wait_for(seen.done.wait(), 2)
    assert await closed_by_server(reader)  # the server closes when the handler returns
    session = seen.sessions[0]
    assert session.script == "route" and session.params == {"queue": "support", "x": "+49"}
    assert session.environment.args == ("first", "")
    assert session.env["agi_calleridname"] == "Jürgen 张伟"
    got, missing, streamed, data = seen.results
    assert (got, missing) == ("sales (east) Jürgen 张伟 😀", None)
    assert streamed == AgiReply("50", None, "endpos=8000")
    assert (streamed.digit, streamed.endpos) == ("2", 8000)
    assert (data.result, data.timed_out) == ("0012", True)


async def test_inline_hangup_does_not_shift_replies(agi) -> None:
    server, seen = await agi(set_two)
    reader, writer = await first_command(server)
    writer.write(b"HANGUP\n200 result=1\n")
    await reader.readline()
    writer.write(b"511 Command Not Permitted on a dead channel or intercept routine\n")
    await asyncio.wait_for(seen.done.wait(), 2)
    assert seen.results[0] == AgiReply("1")
    assert isinstance(seen.results[1], AgiHangup) and seen.results[1].code == 511
    assert seen.sessions[0].hungup
    assert await closed_by_server(reader)


async def test_multiline_usage_then_next_command(agi) -> None:
    async def steps(session: AgiSession, seen: Scripted) -> None:
        for verb in ("SET VARIABLE", "NOPE", "NOOP"):
            try:
                seen.results.append(await session.command(verb))
            except AgiError as exc:
                seen.results.append(exc)

    server, seen = await agi(steps)
    reader, writer = await first_command(server)
    writer.write(USAGE.replace(b" Usage", b"HANGUP\n Usage"))  # a hangup inside the usage text
    await reader.readline()
    writer.write(b"510 Invalid or unknown command\n")
    await reader.readline()
    writer.write(b"200 result=1\n")
    await asyncio.wait_for(seen.done.wait(), 2)
    usage, invalid, ok = seen.results
    assert isinstance(usage, AgiUsageError) and "Usage: SET VARIABLE" in str(usage)
    assert "HANGUP" not in str(usage) and seen.sessions[0].hungup
    assert isinstance(invalid, AgiError) and "510" in str(invalid)
    assert ok == AgiReply("1")


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
    assert seen.results == [AgiReply("1"), AgiReply("1")]
    assert await closed_by_server(silent_reader)  # dropped after 0.5 s
    assert len(seen.sessions) == 1


@pytest.mark.parametrize("cut", [b"", b"200 res", b"520-Invalid command syntax.\n Usage: x\n"],
                         ids=["before-reply", "mid-reply", "mid-usage"])
async def test_client_vanishing_mid_command_leaves_others_served(agi, cut: bytes) -> None:
    server, seen = await agi(set_two)
    _, gone = await first_command(server)
    gone.write(cut)
    gone.close()
    await answer_second(*await first_command(server))
    broken = next(r for r in seen.results if isinstance(r, AgiError))
    assert isinstance(broken, AgiProtocolError) and "closed mid-line" in str(broken)
    assert seen.results.count(AgiReply("1")) == 2


@pytest.mark.parametrize("garbage", [
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"\xff\xfe\x00\n\n", b"x" * 70000 + b"\n",
    b"agi_network: yes\nnot a header\n\n", b"agi_x: y\n" * 201,
], ids=["http", "binary", "long-line", "bad-line", "endless"])
async def test_malformed_environment_is_dropped(agi, garbage: bytes) -> None:
    server, seen = await agi(set_two)
    reader, writer = await connect(server)
    writer.write(garbage)
    assert await closed_by_server(reader)
    assert seen.sessions == []


async def test_garbage_or_silence_as_reply_breaks_only_that_connection(agi) -> None:
    server, seen = await agi(set_two)
    reader, writer = await first_command(server)
    writer.write(b"what is this\n")
    assert await closed_by_server(reader)
    other_reader, _ = await first_command(server)  # no reply at all: the 1 s timeout ends it
    assert await closed_by_server(other_reader, 3)
    assert len(seen.sessions) == 2


async def test_session_deadline_ends_a_handler_that_never_finishes(agi) -> None:
    async def forever(session: AgiSession, seen: Scripted) -> None:
        while True:
            seen.results.append(await session.command("NOOP"))

    server, seen = await agi(forever, AgiLimits(header_timeout=0.5, reply_timeout=1, session_timeout=0.5))
    reader, writer = await first_command(server)
    writer.write(b"200 result=0\n")
    with suppress(ConnectionResetError):  # the server closes with our last reply unread
        while await asyncio.wait_for(reader.readline(), 2) == b"NOOP\n":  # answered at once
            writer.write(b"200 result=0\n")
    assert len(seen.results) > 1 and seen.done.is_set()


async def test_over_the_concurrency_limit_a_call_is_turned_away(agi) -> None:
    server, seen = await agi(set_two, AgiLimits(header_timeout=2, reply_timeout=2, max_sessions=2))
    held = [await first_command(server) for _ in range(2)]
    turned_away, _ = await connect(server)
    assert await closed_by_server(turned_away)
    for reader, writer in held:
        await answer_second(reader, writer)
    await poll_until(lambda: server.active == 0, "the held sessions to end", timeout=2, every=0.05)
    await answer_second(*await first_command(server))  # room again
    assert len(seen.sessions) == 3


async def answer_second(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """``set_two``'s session, its first command read: to its end."""
    writer.write(b"200 result=1\n")
    assert await reader.readline() == b'SET VARIABLE "B" "v"\n'
    writer.write(b"200 result=1\n")
    assert await closed_by_server(reader)


async def test_close_ends_sessions_in_flight(agi) -> None:
    server, seen = await agi(set_two, AgiLimits(reply_timeout=30))
    reader, _ = await first_command(server)  # the session waits for a reply
    assert server.active == 1 and len(connection_tasks()) == 1
    server.close()
    await asyncio.wait_for(server.wait_closed(), 1)  # at once, not after the reply's 30 s
    assert server.active == 0 and seen.done.is_set() and connection_tasks() == set()
    assert await closed_by_server(reader)


async def test_handler_errors_are_contained(caplog) -> None:
    async def broken(session: AgiSession) -> None:
        raise RuntimeError("boom")

    server = await serve("127.0.0.1", 0, broken)
    try:
        for _ in range(2):
            reader, writer = await connect(server)
            writer.write(HEADER)
            assert await closed_by_server(reader)
    finally:
        server.close()
        await server.wait_closed()
    assert caplog.text.count("handler failed") == 2


async def test_dispatch_by_script() -> None:
    called: list[str] = []

    async def route(session: AgiSession) -> None:
        called.append(session.script)

    server = await serve("127.0.0.1", 0, dispatch({"route": route}))
    try:
        for script in (b"route", b"/route/", b"other"):
            reader, writer = await connect(server)
            writer.write(b"agi_network_script: " + script + b"?queue=a\n\n")
            assert await closed_by_server(reader)
    finally:
        server.close()
        await server.wait_closed()
    assert called == ["route", "route"]
