"""AMI actions of the call simulation (no Asterisk needed)."""
from __future__ import annotations

import pytest

from asterisk_conf.rawami import format_action
from asterisk_conf.simulation import agent_member, caller_originate, queue_add, queue_pause


def test_caller_originate():
    action = caller_originate("support", number="+49301234567", name="Müller, Hans (Büro)",
                              patience=30, talk=2.5, queue_timeout=60, channel_id="c1",
                              no_answer=["1001", "1002"])
    assert action["Channel"] == "Local/support@sim-inbound"
    assert (action["Context"], action["Exten"], action["Priority"]) == ("sim-phone", "s", "1")
    assert action["Async"] == "true" and action["ChannelId"] == "c1"
    variables = action["Variable"]
    assert isinstance(variables, list)
    # Asterisk splits each Variable header at commas; parentheses and quotes group.
    assert r"SIM_NAME=Müller\, Hans \(Büro\)" in variables
    assert "SIM_TALK=2.5" in variables and "SIM_RING=1" in variables
    assert "SIM_NOANSWER=1001&1002" in variables
    assert "CC_QUEUE_TIMEOUT=60" in variables
    # A list goes out as repeated headers.
    wire = format_action(action).decode()
    assert wire.count("\r\nVariable: ") == len(variables)


def test_caller_originate_checks_hangup_by():
    with pytest.raises(ValueError):
        caller_originate("q", number="1", name="", patience=1, talk=1, hangup_by="nobody")


def test_agent_actions():
    assert agent_member("1001") == ("Local/1001@sim-agent/n", "Custom:sim-1001")
    add = queue_add("sales", "1001", penalty=3, paused=True)
    assert add["Interface"] == "Local/1001@sim-agent/n"
    assert add["StateInterface"] == "Custom:sim-1001"
    assert (add["Penalty"], add["Paused"]) == ("3", "true")
    pause = queue_pause("sales", "1001", True, reason="lunch")
    assert (pause["Action"], pause["Paused"], pause["Reason"]) == ("QueuePause", "true", "lunch")
