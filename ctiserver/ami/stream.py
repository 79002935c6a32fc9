"""AMI wire framing: bytes from the socket to header dictionaries, one per message.

Text is decoded per *complete* message, never per TCP read, so a UTF-8 name split across
reads ("Jürgen 张伟") survives. Events nobody listens to are recognised from their first
line and dropped before they are decoded or split into headers: most AMI traffic is such
events, and skipping them is what keeps the pipeline fast.

A UserEvent's own headers (the ones its sender wrote, after its ``UserEvent:`` line) are kept
apart from the channel's: a sender may write ``Uniqueid`` or ``Language`` too, and must neither
replace the channel's fields nor be lost (see ``UserEventFields``).
"""
from __future__ import annotations

import logging
from typing import Collection

log = logging.getLogger(__name__)

SEPARATOR = b"\r\n\r\n"
_EVENT_PREFIX = b"Event: "
_USER_EVENT = b"Event: UserEvent\r\n"


class UserEventFields(dict[str, str]):
    """A UserEvent: its envelope (event name, channel fields, ``UserEvent``) as the dict, and
    the headers its sender wrote, in order, as ``payload``."""

    __slots__ = ("payload",)

    def __init__(self, envelope: dict[str, str], payload: list[tuple[str, str]]) -> None:
        super().__init__(envelope)
        self.payload = payload


class AmiStreamParser:
    def __init__(self, wanted_events: Collection[str] | None = None) -> None:
        self._buffer = b""
        self._wanted = (
            None if wanted_events is None else {name.encode() for name in wanted_events}
        )
        self.skipped = 0
        self.malformed = 0

    def feed(self, data: bytes) -> list[dict[str, str]]:
        """Messages completed by ``data``: events, responses and event-list items."""
        buffer = self._buffer + data if self._buffer else data
        frames = buffer.split(SEPARATOR)
        self._buffer = frames.pop()
        wanted = self._wanted
        messages = []
        for frame in frames:
            if frame.startswith(b"\r\n"):  # Asterisk ends some events with an extra blank line
                frame = frame.lstrip(b"\r\n")
            if wanted is not None and frame.startswith(_EVENT_PREFIX):
                end = frame.find(b"\r\n")
                if frame[7:end if end >= 0 else None] not in wanted and b"\r\nActionID: " not in frame:
                    self.skipped += 1
                    continue
            user_event = frame.startswith(_USER_EVENT)
            fields = self._user_event(frame) if user_event else self._fields(frame)
            if fields:
                messages.append(fields)
        return messages

    def _user_event(self, frame: bytes) -> UserEventFields:
        envelope: dict[str, str] = {}
        payload: list[tuple[str, str]] = []
        for line in frame.decode("utf-8", "replace").split("\r\n"):
            key, sep, value = line.partition(":")
            if not sep:
                continue  # not a header; Asterisk itself refuses such UserEvent arguments
            value = value.removeprefix(" ")
            if "UserEvent" in envelope:
                payload.append((key, value))
            else:
                envelope[key] = value
        return UserEventFields(envelope, payload)

    def _fields(self, frame: bytes) -> dict[str, str] | None:
        fields: dict[str, str] = {}
        for line in frame.decode("utf-8", "replace").split("\r\n"):
            key, sep, value = line.partition(": ")
            if sep:
                fields[key] = value
            elif line and not line.startswith("Asterisk Call Manager/"):
                # A header without ": " (e.g. "Key:" with an empty value is fine, garbage is not).
                if line.endswith(":"):
                    fields[line[:-1]] = ""
        if "Event" in fields or "Response" in fields:
            return fields
        if frame.strip():
            self.malformed += 1
            log.warning("malformed AMI message skipped: %r", frame[:200])
        return None
