"""Asterisk configuration from templates: the queues a site's queues.conf #includes, and the
names the sandbox's configuration shares with production (WebRTC endpoints, the routed entry)."""
from __future__ import annotations

from dataclasses import dataclass, field

from jinja2 import Environment, PackageLoader, StrictUndefined


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
