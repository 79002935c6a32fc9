"""The FastAGI protocol as values (pure): the ``agi_*`` environment, typed replies, errors.

Asterisk writes ``agi_*: value`` lines up to a blank line, then answers each command with
``200 result=R [(data)] [key=value ...]``, ``510`` (unknown command), ``511`` (dead channel) or
a ``520-`` usage text ending in ``520 End of proper usage.``; a caller hanging up adds an inline
``HANGUP`` line that is no reply (see docs/asterisk.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

HEADER_LINE = re.compile(r"^(agi_\w+): ?(.*)$")
REPLY_200 = re.compile(r"^200 result=(\S*)(.*)$")
USAGE_END = "520 End of proper usage."
HANGUP_LINE = "HANGUP"


class AgiError(Exception):
    """A command failed (510 invalid command, or an unexpected reply)."""
    code = 510


class AgiHangup(AgiError):
    """511: the channel is dead."""
    code = 511


class AgiUsageError(AgiError):
    """520: wrong syntax; the message carries Asterisk's usage text."""
    code = 520


class AgiProtocolError(AgiError):
    """The peer broke the protocol (garbage, a truncated header or reply, a timeout):
    the connection cannot continue."""
    code = 0


@dataclass(frozen=True, slots=True)
class AgiReply:
    """A ``200`` reply. ``result`` is the text Asterisk wrote: GET DATA's digits keep their
    leading zeros and a ``*``."""
    result: str
    data: str | None = None
    """The text in parentheses: a variable's value, ``timeout``, ``dtmf``, ``hangup``."""
    extra: str = ""
    """What follows, e.g. ``endpos=8000``."""
    code: int = 200

    @property
    def number(self) -> int:
        try:
            return int(self.result)
        except ValueError:
            raise AgiProtocolError(f"result {self.result!r} is no number") from None

    @property
    def fields(self) -> dict[str, str]:
        """The ``key=value`` words after the data."""
        return dict(word.split("=", 1) for word in self.extra.split() if "=" in word)

    @property
    def endpos(self) -> int | None:
        """Where playback or recording stopped, in samples."""
        value = self.fields.get("endpos")
        return int(value) if value is not None and value.lstrip("-").isdigit() else None

    @property
    def timed_out(self) -> bool:
        return self.data == "timeout"

    @property
    def digit(self) -> str | None:
        """The key of STREAM FILE, WAIT FOR DIGIT, GET OPTION (an ASCII code; 0: none) and
        of RECORD FILE when its data is ``dtmf`` (on a timeout its result is no key)."""
        code = self.number
        return chr(code) if code > 0 else None


def parse_reply(line: str) -> AgiReply:
    """A ``200 result=R [(data)] [extra]`` line."""
    match = REPLY_200.match(line)
    if match is None:
        raise AgiProtocolError(f"not a 200 reply: {line!r}")
    rest = match.group(2).strip()
    if rest.startswith("(") and ")" in rest:
        close = rest.rindex(")")
        return AgiReply(match.group(1), rest[1:close], rest[close + 1:].strip())
    return AgiReply(match.group(1), None, rest)


def error_of(line: str) -> AgiError | None:
    """The error a non-200 reply line stands for; None for a 200 or an unknown line.
    A ``520-`` opening has its usage text still to come."""
    if line.startswith("511"):
        return AgiHangup(line)
    if line.startswith("510"):
        return AgiError(line)
    if line.startswith("520"):
        return AgiUsageError(line[4:])
    return None


def quote(arg: str) -> str:
    """One command argument, quoted as Asterisk's AGI argument parser reads it."""
    if "\n" in arg or "\r" in arg:
        raise ValueError("AGI arguments cannot hold line breaks")
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def command_line(verb: str, *args: str) -> str:
    return " ".join([verb, *map(quote, args)]) + "\n"


def header_field(line: str) -> tuple[str, str]:
    match = HEADER_LINE.match(line)
    if match is None:
        raise AgiProtocolError(f"not an AGI header line: {line[:80]!r}")
    return match.group(1), match.group(2)


@dataclass(frozen=True, slots=True)
class AgiEnvironment:
    """The ``agi_*`` header of one call."""
    raw: dict[str, str]
    script: str = ""
    """The path of ``agi://host:port/SCRIPT?query``, without slashes at the ends."""
    params: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    """``AGI(url,arg1,arg2...)``'s arguments."""

    @classmethod
    def of(cls, raw: dict[str, str]) -> AgiEnvironment:
        target = urlsplit(raw.get("agi_network_script", ""))
        count = 1
        while f"agi_arg_{count}" in raw:
            count += 1
        return cls(raw, target.path.strip("/"), dict(parse_qsl(target.query)),
                   tuple(raw[f"agi_arg_{n}"] for n in range(1, count)))

    @property
    def caller(self) -> str:
        """The caller's number ("" for none)."""
        return _given(self.raw.get("agi_callerid"))

    @property
    def caller_name(self) -> str:
        return _given(self.raw.get("agi_calleridname"))


def _given(value: str | None) -> str:
    # AGI writes "unknown" for an absent caller id field.
    return "" if not value or value == "unknown" else value
