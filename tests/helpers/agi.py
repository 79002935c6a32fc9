"""Playing Asterisk against our FastAGI server over loopback: connect, send the ``agi_*``
header, read the commands, write replies; and a handler that records what it saw."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from ctiserver.agi.server import AgiError, AgiSession, FastAgiServer

HEADER = (b"agi_network: yes\nagi_network_script: route?queue=support&x=%2B49\n"
          b"agi_request: agi://127.0.0.1/route?queue=support\nagi_channel: Local/support@sim;2\n"
          b"agi_callerid: +4930123\nagi_calleridname: J\xc3\xbcrgen \xe5\xbc\xa0\xe4\xbc\x9f\n"
          b"agi_arg_1: first\nagi_arg_2: \n\n")
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


def scripted_handler(steps: Steps, seen: Scripted) -> Callable[[AgiSession], Awaitable[None]]:
    async def handler(session: AgiSession) -> None:
        seen.sessions.append(session)
        try:
            await steps(session, seen)
        except AgiError as exc:
            seen.results.append(exc)
            raise
        finally:
            seen.done.set()

    return handler


async def connect(server: FastAgiServer) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", server.port)


async def first_command(server: FastAgiServer) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connected, header sent, the handler's first command read."""
    reader, writer = await connect(server)
    writer.write(HEADER)
    await asyncio.wait_for(reader.readline(), 1)
    return reader, writer


async def closed_by_server(reader: asyncio.StreamReader, timeout: float = 2) -> bool:
    """Nothing more came before the server closed (a reset: it closed with our bytes unread)."""
    try:
        return await asyncio.wait_for(reader.read(), timeout) == b""
    except ConnectionResetError:
        return True


async def converse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                   exchanges: list[tuple[str, str]]) -> list[str]:
    """Each (reply) written after its command is read; the commands read, to compare with
    the expected ones."""
    seen = []
    for _, reply in exchanges:
        seen.append((await asyncio.wait_for(reader.readline(), 2)).decode().rstrip("\n"))
        writer.write(reply.encode() + b"\n")
    return seen
