"""A minimal blocking AMI client that keeps the exact bytes Asterisk sends.

For recording transcripts and for integration tests that must see raw bytes (the
product's client lives in ctiserver). Messages are decoded only once complete, so
UTF-8 split across TCP reads survives.
"""
from __future__ import annotations

import itertools
import select
import socket
import time
from collections.abc import Callable

Message = dict[str, str]
END = b"\r\n\r\n"


class AmiError(RuntimeError):
    pass


def parse_message(raw: bytes) -> Message:
    """One complete AMI message -> its fields (a repeated key keeps its last value)."""
    fields: Message = {}
    for line in raw.decode("utf-8", errors="replace").split("\r\n"):
        key, sep, value = line.partition(": ")
        if sep:
            fields[key] = value
    return fields


def format_action(action: dict[str, str | list[str]]) -> bytes:
    """Key: value lines; a list value becomes repeated headers (Originate Variable)."""
    lines = []
    for key, value in action.items():
        for item in value if isinstance(value, list) else [value]:
            lines.append(f"{key}: {item}\r\n")
    return ("".join(lines) + "\r\n").encode()


class RawAmi:
    def __init__(self, host: str, port: int, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.captured = bytearray()
        """Every byte received after the login response."""
        self.messages: list[Message] = []
        self._pending = b""
        self._ids = itertools.count(1)
        self._capturing = False

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> RawAmi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def login(self, user: str, secret: str, events: bool = True) -> None:
        while b"\r\n" not in self._pending:  # "Asterisk Call Manager/x.y.z" banner line
            self._pending += self._recv(5.0)
        self._pending = self._pending.split(b"\r\n", 1)[1]
        self.send({"Action": "Login", "Username": user, "Secret": secret,
                   "Events": "on" if events else "off"})
        while END not in self._pending:
            self._pending += self._recv(5.0)
        raw, self._pending = self._pending.split(END, 1)
        reply = parse_message(raw)
        if reply.get("Response") != "Success":
            raise AmiError(f"AMI login refused: {reply.get('Message')}")
        # Whatever came after the login response is the start of the capture.
        self.captured += self._pending
        self._capturing = True

    def send(self, action: dict[str, str | list[str]]) -> str:
        """Send without waiting; returns the ActionID."""
        action_id = str(action.get("ActionID") or f"a{next(self._ids)}")
        self.sock.sendall(format_action({**action, "ActionID": action_id}))
        return action_id

    def action(self, action: dict[str, str | list[str]], timeout: float = 5.0) -> Message:
        action_id = self.send(action)
        return self.wait_for(
            lambda m: "Response" in m and m.get("ActionID") == action_id, timeout
        )

    def read(self, timeout: float) -> list[Message]:
        """Messages completed by one read (none when nothing arrived in time)."""
        if END not in self._pending:
            ready, _, _ = select.select([self.sock], [], [], max(timeout, 0))
            if not ready:
                return []
            self._pending += self._recv(timeout)
        *complete, self._pending = self._pending.split(END)
        new = [parse_message(raw) for raw in complete]
        self.messages += new
        return new

    def wait_for(self, predicate: Callable[[Message], bool], timeout: float) -> Message:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            for message in self.read(left):
                if predicate(message):
                    return message
        raise AmiError(f"no matching AMI message within {timeout}s")

    def _recv(self, timeout: float) -> bytes:
        self.sock.settimeout(max(timeout, 0.1))
        data = self.sock.recv(65536)
        if not data:
            raise AmiError("AMI connection closed")
        if self._capturing:
            self.captured += data
        return data
