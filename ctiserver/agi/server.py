"""A small asyncio FastAGI server (panoramisk's is unfit: see docs/asterisk.md).

Per connection: the ``agi_*`` header is read under one deadline, so a client vanishing or
stalling inside it costs nothing but its own task; then the handler runs with an ``AgiSession``
that sends one command at a time. Asterisk's inline ``HANGUP`` line (the caller hung up) only
marks the session and never counts as a reply; 520 usage replies are read to their last line.
Connections are independent: whatever one does is logged and closes only that one.
"""
from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit


log = logging.getLogger(__name__)

HEADER_TIMEOUT = 5.0
REPLY_TIMEOUT = 30.0
MAX_HEADER_LINES = 200
LINE_LIMIT = 16 * 1024
HEADER_LINE = re.compile(r"^(agi_\w+): ?(.*)$")
REPLY_200 = re.compile(r"^200 result=(-?\d+)(.*)$")
USAGE_END = "520 End of proper usage."


class AgiError(Exception):
    """A command failed (510 invalid command, or an unexpected reply)."""


class AgiHangup(AgiError):
    """511: the channel is dead."""


class AgiUsageError(AgiError):
    """520: wrong syntax; the message carries Asterisk's usage text."""


class AgiProtocolError(AgiError):
    """The peer broke the protocol (garbage, a truncated header or reply, a timeout):
    the connection cannot continue."""


@dataclass(frozen=True, slots=True)
class AgiReply:
    result: int
    data: str | None = None
    """The text in parentheses, e.g. a variable's value."""
    extra: str = ""
    """What follows, e.g. ``endpos=8000``."""


Handler = Callable[["AgiSession"], Awaitable[None]]


def parse_reply(line: str) -> AgiReply:
    """A ``200 result=N [(data)] [extra]`` line."""
    match = REPLY_200.match(line)
    if match is None:
        raise AgiProtocolError(f"not a 200 reply: {line!r}")
    rest = match.group(2).strip()
    if rest.startswith("(") and ")" in rest:
        close = rest.rindex(")")
        return AgiReply(int(match.group(1)), rest[1:close], rest[close + 1:].strip())
    return AgiReply(int(match.group(1)), None, rest)


def quote(arg: str) -> str:
    """One command argument, quoted as Asterisk's AGI argument parser reads it."""
    if "\n" in arg or "\r" in arg:
        raise ValueError("AGI arguments cannot hold line breaks")
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


class AgiSession:
    def __init__(self, env: dict[str, str], reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter, reply_timeout: float = REPLY_TIMEOUT) -> None:
        self.env = env
        self.hungup = False
        self._reader, self._writer = reader, writer
        self._reply_timeout = reply_timeout
        self._lock = asyncio.Lock()
        self._broken = False
        target = urlsplit(env.get("agi_network_script", ""))
        self.script = target.path.strip("/")
        self.params = dict(parse_qsl(target.query))

    async def command(self, verb: str, *args: str, timeout: float | None = None) -> AgiReply:
        """Send ``verb`` (e.g. ``SET VARIABLE``) with quoted ``args``; the 200 reply."""
        line = " ".join([verb, *map(quote, args)]) + "\n"
        async with self._lock:
            if self._broken:
                raise AgiProtocolError("connection unusable after an earlier protocol error")
            self._writer.write(line.encode())
            try:
                async with asyncio.timeout(timeout or self._reply_timeout):
                    await self._writer.drain()
                    return await self._reply()
            except (TimeoutError, AgiProtocolError, ConnectionError) as exc:
                self._broken = True
                raise AgiProtocolError(f"{verb}: {exc!r}") from exc

    async def set_variable(self, name: str, value: str) -> None:
        await self.command("SET VARIABLE", name, value)

    async def get_variable(self, name: str) -> str | None:
        reply = await self.command("GET VARIABLE", name)
        return reply.data if reply.result == 1 else None

    async def _reply(self) -> AgiReply:
        while True:
            line = await self._line()
            if line == "HANGUP":
                self.hungup = True
            elif line.startswith("200 "):
                return parse_reply(line)
            elif line.startswith("511"):
                self.hungup = True
                raise AgiHangup(line)
            elif line.startswith("510"):
                raise AgiError(line)
            elif line.startswith("520-"):
                raise AgiUsageError("\n".join([line[4:], *await self._usage()]))
            elif line.startswith("520"):
                raise AgiUsageError(line[4:])
            else:
                raise AgiProtocolError(f"unexpected reply {line!r}")

    async def _usage(self) -> list[str]:
        lines = []
        while (line := await self._line()) != USAGE_END:
            if line != "HANGUP":
                lines.append(line)
            else:
                self.hungup = True
        return lines

    async def _line(self) -> str:
        return await read_line(self._reader)


async def read_line(reader: asyncio.StreamReader) -> str:
    raw = await reader.readline()
    if not raw.endswith(b"\n"):
        raise AgiProtocolError("connection closed mid-line")
    return raw.decode("utf-8", errors="replace").rstrip("\r\n")


async def read_header(reader: asyncio.StreamReader) -> dict[str, str]:
    """``agi_*: value`` lines up to the blank line."""
    env: dict[str, str] = {}
    for _ in range(MAX_HEADER_LINES):
        line = await read_line(reader)
        if not line:
            return env
        match = HEADER_LINE.match(line)
        if match is None:
            raise AgiProtocolError(f"not an AGI header line: {line[:80]!r}")
        env[match.group(1)] = match.group(2)
    raise AgiProtocolError(f"header longer than {MAX_HEADER_LINES} lines")


async def serve(host: str, port: int, handler: Handler, *, header_timeout: float = HEADER_TIMEOUT,
                reply_timeout: float = REPLY_TIMEOUT) -> asyncio.Server:
    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        try:
            async with asyncio.timeout(header_timeout):
                env = await read_header(reader)
            await handler(AgiSession(env, reader, writer, reply_timeout))
        except TimeoutError:
            log.warning("FastAGI %s: no complete header within %ss", peer, header_timeout)
        except AgiHangup:
            log.debug("FastAGI %s: channel hung up", peer)
        except (AgiProtocolError, ConnectionError, ValueError) as exc:
            log.warning("FastAGI %s: %s", peer, exc)
        except Exception:
            log.exception("FastAGI %s: handler failed", peer)
        finally:
            writer.close()
            with suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    return await asyncio.start_server(connection, host, port, limit=LINE_LIMIT)


async def start_fastagi(host: str, port: int, handler: Handler) -> asyncio.Server:
    """The FastAGI server on HOST:PORT. Stop: ``close()``, ``wait_closed()``."""
    server = await serve(host, port, handler)
    log.info("FastAGI on %s:%s", host, port)
    return server


def dispatch(handlers: Mapping[str, Handler]) -> Handler:
    """One handler per script name (the path of ``agi://host:port/NAME?...``)."""
    async def handle(session: AgiSession) -> None:
        handler = handlers.get(session.script)
        if handler is None:
            log.warning("FastAGI: no handler for script %r", session.script)
            return
        await handler(session)

    return handle
