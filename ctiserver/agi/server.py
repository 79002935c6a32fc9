"""A small asyncio FastAGI server (panoramisk's is unfit: see docs/asterisk.md).

Per connection: the ``agi_*`` header is read under one deadline, so a client vanishing or
stalling inside it costs nothing but its own task; then the handler runs, under the session's
deadline, with an ``AgiSession`` that sends one command at a time, each under its own deadline.
Asterisk's inline ``HANGUP`` line (the caller hung up) only marks the session and never counts
as a reply; 520 usage replies are read to their last line. Connections are independent: whatever
one does is logged and closes only that one; over the concurrency limit a call is turned away at
once (its dialplan goes on). ``close()`` ends the sessions still running: no task outlives it.
"""
from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass

from ctiserver.agi.protocol import (
    HANGUP_LINE, USAGE_END, AgiEnvironment, AgiError, AgiHangup, AgiProtocolError, AgiReply,
    AgiUsageError, command_line, error_of, header_field, parse_reply,
)

log = logging.getLogger(__name__)

MAX_HEADER_LINES = 200
LINE_LIMIT = 16 * 1024
NO_DEADLINE = math.inf
"""A command's timeout for an application that runs as long as the call (``EXEC Queue``):
only the session's deadline bounds it."""


@dataclass(frozen=True, slots=True)
class AgiLimits:
    header_timeout: float = 5.0
    reply_timeout: float = 30.0
    """One command's reply; playing a long prompt or a GET DATA is one command."""
    session_timeout: float = 3600.0
    max_sessions: int = 500


Handler = Callable[["AgiSession"], Awaitable[None]]


class AgiSession:
    def __init__(self, environment: AgiEnvironment, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter, reply_timeout: float) -> None:
        self.environment = environment
        self.env = environment.raw
        self.script, self.params = environment.script, environment.params
        self.hungup = False
        self._reader, self._writer = reader, writer
        self._reply_timeout = reply_timeout
        self._lock = asyncio.Lock()
        self._broken = False

    async def command(self, verb: str, *args: str, timeout: float | None = None) -> AgiReply:
        """Send ``verb`` (e.g. ``SET VARIABLE``) with quoted ``args``; the 200 reply."""
        line = command_line(verb, *args)
        async with self._lock:
            if self._broken:
                raise AgiProtocolError("connection unusable after an earlier protocol error")
            self._writer.write(line.encode())
            try:
                deadline = timeout or self._reply_timeout
                async with asyncio.timeout(None if deadline == NO_DEADLINE else deadline):
                    await self._writer.drain()
                    reply = await self._reply()
                    log.debug("FastAGI %s: %s -> %s", self.env.get("agi_uniqueid"),
                              line.rstrip("\n"), reply)
                    return reply
            except (TimeoutError, AgiProtocolError, ConnectionError, ValueError) as exc:
                self._broken = True
                raise AgiProtocolError(f"{verb}: {exc!r}") from exc

    async def set_variable(self, name: str, value: str) -> None:
        await self.command("SET VARIABLE", name, value)

    async def get_variable(self, name: str) -> str | None:
        reply = await self.command("GET VARIABLE", name)
        return reply.data if reply.result == "1" else None

    async def _reply(self) -> AgiReply:
        while (line := await self._line()) == HANGUP_LINE:
            self.hungup = True
        if line.startswith("200 "):
            return parse_reply(line)
        error = error_of(line)
        if error is None:
            raise AgiProtocolError(f"unexpected reply {line!r}")
        if isinstance(error, AgiHangup):
            self.hungup = True
        elif line.startswith("520-"):
            error = AgiUsageError("\n".join([line[4:], *await self._usage()]))
        raise error

    async def _usage(self) -> list[str]:
        lines = []
        while (line := await self._line()) != USAGE_END:
            if line == HANGUP_LINE:
                self.hungup = True
            else:
                lines.append(line)
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
        name, value = header_field(line)
        env[name] = value
    raise AgiProtocolError(f"header longer than {MAX_HEADER_LINES} lines")


class FastAgiServer:
    """Listening and the sessions in flight. Stop: ``close()``, then ``wait_closed()``."""

    def __init__(self, handler: Handler, limits: AgiLimits) -> None:
        self.limits = limits
        self._handler = handler
        self._server: asyncio.Server | None = None
        self._sessions: set[asyncio.Task] = set()
        self._closing = False

    async def start(self, host: str, port: int) -> FastAgiServer:
        self._server = await asyncio.start_server(self._connection, host, port, limit=LINE_LIMIT)
        return self

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return self._server.sockets[0].getsockname()[1]

    @property
    def active(self) -> int:
        """Connections being served now (header or handler)."""
        return len(self._sessions)

    def close(self) -> None:
        self._closing = True
        if self._server is not None:
            self._server.close()
        for task in self._sessions:
            task.cancel()

    async def wait_closed(self) -> None:
        if self._server is not None:
            await self._server.wait_closed()
        await asyncio.gather(*self._sessions, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._sessions.add(task)
        try:
            if len(self._sessions) > self.limits.max_sessions:
                log.warning("FastAGI: %s sessions running, call turned away", self.limits.max_sessions)
                return
            await self._serve(reader, writer)
        except asyncio.CancelledError:
            if not self._closing:
                raise
            # ended by close(): asyncio's streams log a connection task that ends cancelled
        finally:
            writer.close()
            with suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)
            self._sessions.discard(task)  # last: wait_closed() waits for the closing too

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        limits = self.limits
        try:
            async with asyncio.timeout(limits.header_timeout):
                environment = AgiEnvironment.of(await read_header(reader))
            session = AgiSession(environment, reader, writer, limits.reply_timeout)
            async with asyncio.timeout(limits.session_timeout):
                await self._handler(session)
        except TimeoutError:
            log.warning("FastAGI %s: over its time (header %ss, session %ss)", peer,
                        limits.header_timeout, limits.session_timeout)
        except AgiHangup:
            log.debug("FastAGI %s: channel hung up", peer)
        except (AgiError, ConnectionError, ValueError) as exc:
            log.warning("FastAGI %s: %s", peer, exc)
        except Exception:
            log.exception("FastAGI %s: handler failed", peer)


async def serve(host: str, port: int, handler: Handler, limits: AgiLimits = AgiLimits()) -> FastAgiServer:
    return await FastAgiServer(handler, limits).start(host, port)


async def start_fastagi(host: str, port: int, handler: Handler,
                        limits: AgiLimits = AgiLimits()) -> FastAgiServer:
    """The FastAGI server on HOST:PORT, logged."""
    server = await serve(host, port, handler, limits)
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
