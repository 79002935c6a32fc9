"""Asterisk configuration from templates: the queues a site's queues.conf #includes, and the
names the sandbox's configuration shares with production (WebRTC endpoints, the routed entry)."""
from __future__ import annotations

from dataclasses import dataclass, field

from jinja2 import Environment, PackageLoader, StrictUndefined

from ctiserver.ami.events import DIALER_EVENT


Member = tuple[str, str, int]
"""A static queue member: (interface, state interface, penalty)."""

INBOUND_CONTEXT = "cc-inbound"
"""Routed entry: FastAGI decides queue, priority or closed, then Queue() (see extensions.conf)."""

templates = Environment(
    loader=PackageLoader("asterisk_conf", "templates"),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    autoescape=False,
)


@dataclass(frozen=True)
class QueueSpec:
    name: str
    strategy: str = "rrmemory"
    timeout: int = 15
    """Seconds a member rings before the next try."""
    wrapuptime: int = 0
    servicelevel: int = 20
    members: list[Member] = field(default_factory=list)
    retry: int = 5
    """Seconds between ring rounds."""
    leavewhenempty: str = "no"
    """When a waiting caller leaves because no member can take calls (EXITEMPTY): app_queue's
    setting, e.g. ``paused`` (every member paused) or ``strict``; ``no``: never."""
    context: str = ""
    """Dialplan context of the keys a waiting caller may press to leave (EXITWITHKEY): a digit
    matching an extension there sends the caller to it; empty: keys do nothing."""


def webrtc_endpoint(extension: str) -> str:
    """The PJSIP endpoint (also its AOR, auth and SIP user name) of an agent's in-browser
    softphone; ``PJSIP/webrtc-EXT`` is the agent's queue member interface."""
    return f"webrtc-{extension}"


def render_queues(queues: list[QueueSpec]) -> str:
    """Queue sections alone: the file a production queues.conf #includes."""
    return templates.get_template("queue_sections.j2").render(queues=queues).lstrip("\n")


@dataclass(frozen=True)
class DialerDialplan:
    """The context the dialer's answered calls run in (see templates/dialer.conf.j2); the
    values come from the settings (``CALLCENTER_DIALER_*``)."""
    context: str
    amd: tuple[int, ...]
    """AMD()'s arguments, in its order."""
    connect_limit: int
    """Queue()'s timeout: seconds for an agent to take the call, else abandoned."""
    safe_harbor: str
    """The default message of an abandoned call (sounds joined by &)."""
    optout_key: str
    optout_wait: int = 5
    """Seconds after the message for the opt-out key."""
    machine_silence_ms: int = 1500
    """A message for a machine starts after this much silence (its beep has gone)..."""
    machine_wait: int = 20
    """...or after this many seconds."""

    def __post_init__(self) -> None:
        if len(self.optout_key) != 1 or self.optout_key not in "0123456789*#":
            raise ValueError(f"the opt-out key must be one DTMF digit, not {self.optout_key!r}")
        if self.connect_limit < 1:
            raise ValueError("the connect limit is whole seconds, at least 1")


def render_dialer(plan: DialerDialplan) -> str:
    """The dialer's context, for a production extensions.conf (the sandbox includes it)."""
    return templates.get_template("dialer.conf.j2").render(
        plan=plan, amd=",".join(map(str, plan.amd)), event=DIALER_EVENT)
