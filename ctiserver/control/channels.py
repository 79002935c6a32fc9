"""Pure rules about channels in a live listing (typed CoreShowChannel results): which channel
is an agent's, which call is theirs, whether hold music plays to its caller; and the input
checks of the call controls.

Channels: an agent's channel names start with ``channel_prefix(interface) + "-"``
(``PJSIP/1001-0000002a``; the simulated ``Local/1001@sim-agent-0000000b;1``); of those, the one
in a bridge is the agent's side of the call, and the other channel of that bridge is the
caller's. The prefix is the queue member interface without dial options (``PJSIP/1001`` ->
``PJSIP/1001``; ``Local/1001@sim-agent/n`` -> ``Local/1001@sim-agent``), so the trailing ``-``
keeps 1001 from matching 10010.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from callcenter.errors import Invalid
from ctiserver.ami.results import ListedChannel

TRANSFER_KINDS = ("extension", "queue", "number")
DTMF_DIGITS = re.compile(r"^[0-9*#A-Da-d]{1,32}$")
EXTENSION = re.compile(r"^[0-9A-Za-z*#+_.-]{1,40}$")
NUMBER = re.compile(r"^\+?[0-9]{2,20}$")
QUEUE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
HOLD_EXTEN = "hold"


def channel_prefix(interface: str) -> str:
    """The agent's channel name prefix from its queue member interface (dial options off)."""
    tech, sep, resource = interface.partition("/")
    if not sep or not tech or not resource:
        raise ValueError(f"not a channel interface: {interface!r}")
    return f"{tech}/{resource.split('/', 1)[0]}"


def hold_channel_prefix(hold_context: str) -> str:
    return f"Local/{HOLD_EXTEN}@{hold_context}-"


def find_call(channels: Sequence[ListedChannel], interface: str) -> tuple[str, str | None] | None:
    """(agent channel, peer channel or None) of the agent's bridged call, or None when the
    agent has no call in a bridge."""
    prefix = channel_prefix(interface) + "-"
    agent = next((c for c in channels if c.channel.startswith(prefix) and c.bridge_id), None)
    if agent is None:
        return None
    peer = next((c.channel for c in channels
                 if c.bridge_id == agent.bridge_id and c.channel != agent.channel), None)
    return agent.channel, peer


def hold_music(channels: Sequence[ListedChannel], held: str, hold_context: str) -> list[str]:
    """The music halves (``;2``) of the hold channels whispering to HELD that still play:
    HELD is on hold while there is one."""
    prefix = hold_channel_prefix(hold_context)
    spies = {c.channel[:-2] for c in channels
             if c.channel.startswith(prefix) and c.channel.endswith(";1")
             and c.application == "ChanSpy" and c.application_data.startswith(held + ",")}
    return [c.channel for c in channels if c.channel.endswith(";2") and c.channel[:-2] in spies]


def held_agents(channels: Sequence[ListedChannel], interfaces: Iterable[str],
                hold_context: str) -> list[str]:
    """The agents (of INTERFACES) whose call has hold music playing: after a restart of the
    CTI server, the holds the console started before."""
    held = []
    for interface in interfaces:
        try:
            found = find_call(channels, interface)
        except ValueError:  # not a channel interface: no call to find
            continue
        if found and found[1] and hold_music(channels, found[1], hold_context):
            held.append(interface)
    return held


def transfer_target(kind: str, target: str, contexts: dict[str, str]) -> tuple[str, str]:
    """(exten, context) of a transfer to an extension, a queue or an external number."""
    if kind not in TRANSFER_KINDS:
        raise Invalid("'kind' must be one of {kinds}", kinds=", ".join(TRANSFER_KINDS))
    target = target.strip()
    if not target:
        raise Invalid("'target' is required")
    pattern = {"extension": EXTENSION, "queue": QUEUE_NAME, "number": NUMBER}[kind]
    if not pattern.match(target):
        raise Invalid("{target} is not a valid {kind}", target=repr(target), kind=kind)
    return target, contexts[kind]
