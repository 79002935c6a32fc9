"""Listening in, pure: the ChanSpy Originate that rings a supervisor's phone into an agent's call.

ChanSpy options (Asterisk 22): ``b`` only channels in a bridged call, ``q`` no beep and no
channel name read out, ``E`` end when the spied-on channel hangs up, ``S`` end when there is
nothing to spy on; ``w`` whisper (the agent hears the supervisor, the caller does not), ``B``
barge (both hear the supervisor). The agent's channels are found by their name prefix
(``channels.channel_prefix``), with the trailing ``-``.
"""
from __future__ import annotations

from ctiserver.ami.actions import Originate
from ctiserver.control.channels import channel_prefix

SPY_OPTIONS = {"listen": "bqES", "whisper": "bqwES", "barge": "bqBES"}
"""ChanSpy options per supervisor action."""
SPY_RING_TIMEOUT_MS = 30000
"""How long the supervisor's phone rings before the Originate gives up."""


def spy_data(mode: str, agent_interface: str) -> str:
    """ChanSpy's arguments for listen / whisper / barge on the agent's channel."""
    if mode not in SPY_OPTIONS:
        raise ValueError(f"spy mode must be one of {', '.join(SPY_OPTIONS)}, not {mode!r}")
    return f"{channel_prefix(agent_interface)}-,{SPY_OPTIONS[mode]}"


def spy_originate(mode: str, agent_interface: str, supervisor_interface: str, *,
                  caller_id: str = "", **ids: str) -> Originate:
    """AMI Originate ringing the supervisor's phone into ChanSpy on the agent's call."""
    channel_prefix(supervisor_interface)  # validates
    return Originate(supervisor_interface, application="ChanSpy",
                     data=spy_data(mode, agent_interface),
                     caller_id=caller_id or f"{mode} <{channel_prefix(agent_interface)}>",
                     timeout=SPY_RING_TIMEOUT_MS, **ids)
