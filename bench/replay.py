"""A replaying AMI server for benchmarks: answers the login and any action, then streams a
recorded capture of a real Asterisk 22 over loopback TCP, as fast as the reader takes it."""
from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

CAPTURE = Path(__file__).parent / "data" / "ami_capture.ami.gz"
EVENT_LISTS = {"coreshowchannels", "queuestatus", "queuesummary"}
"""Actions answered as (empty) event lists, as the CTI server expects after a connect."""
END_MARKER = b"Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: BenchEnd\r\n\r\n"
"""Appended to the stream: its arrival at the far end means everything before it did too."""


def load_capture(path: Path = CAPTURE) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def count_messages(data: bytes) -> int:
    return data.count(b"\r\n\r\n")


class ReplayServer:
    """Serves one capture per `play()` to every connected AMI client."""

    def __init__(self, capture: bytes) -> None:
        self.capture = capture + END_MARKER
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.AbstractServer | None = None
        self.port = 0
        self.logged_in = asyncio.Event()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for writer in self._writers:
            writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def clients(self) -> int:
        """AMI clients connected now."""
        return len(self._writers)

    async def play(self) -> None:
        for writer in self._writers:
            writer.write(self.capture)
            await writer.drain()

    async def play_paced(self, speed: float, *, until: float | None = None) -> None:
        """The capture at ``speed`` times the pace Asterisk sent it (its Timestamp headers);
        with ``until``, only its first ``until`` seconds (capture time, the end marker left
        out). Each frame goes to ``wrote`` right after it is written."""
        frames = [f + b"\r\n\r\n" for f in self.capture.split(b"\r\n\r\n") if f]
        loop = asyncio.get_running_loop()
        start, first = loop.time(), None
        for frame in frames:
            at = _timestamp(frame)
            if at is not None:
                first = first if first is not None else at
                if until is not None and at - first > until:
                    return
                delay = start + (at - first) / speed - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            for writer in self._writers:
                writer.write(frame)
            self.wrote(frame)

    def wrote(self, frame: bytes) -> None:
        """Hook for benchmarks that time deliveries against the moment a frame was written
        (called synchronously, so nothing has read it yet)."""

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/9.0.0\r\n")
        self._writers.append(writer)
        try:
            while True:
                action = await reader.readuntil(b"\r\n\r\n")
                writer.write(_reply(action))
                if b"Action: Login" in action:
                    self.logged_in.set()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if writer in self._writers:
                self._writers.remove(writer)


def _timestamp(frame: bytes) -> float | None:
    index = frame.find(b"\r\nTimestamp: ")
    if index < 0:
        return None
    return float(frame[index + 13:frame.index(b"\r\n", index + 13)])


def _reply(action: bytes) -> bytes:
    fields = dict(
        line.split(": ", 1) for line in action.decode().split("\r\n") if ": " in line
    )
    action_id = fields.get("ActionID", "")
    name = fields.get("Action", "")
    if name.lower() in EVENT_LISTS:
        return (
            f"Response: Success\r\nActionID: {action_id}\r\nEventList: start\r\n"
            f"Message: Items will follow\r\n\r\n"
            f"Event: {name}Complete\r\nActionID: {action_id}\r\n"
            f"EventList: Complete\r\nListItems: 0\r\n\r\n"
        ).encode()
    return f"Response: Success\r\nActionID: {action_id}\r\nMessage: ok\r\n\r\n".encode()
