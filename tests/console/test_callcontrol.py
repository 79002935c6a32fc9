"""The pure call-control builders, target checks, the agent's call in a channel listing and the
state interface of a console user."""
from __future__ import annotations

import pytest

from asterisk_conf.simulation import state_interface
from callcenter.errors import Invalid
from ctiserver.ami.actions import Atxfer, BlindTransfer, Hangup
from ctiserver.control.callcontrol import dial_action, dtmf_actions
from ctiserver.control.channels import find_call, transfer_target
from tests.helpers.ami import as_listed

CONTEXTS = {"queue": "cc-queues", "extension": "cc-internal", "number": "cc-outbound"}


def test_hangup_and_transfers() -> None:
    assert Hangup("PJSIP/1001-0000002a").message() == {"Action": "Hangup", "Channel": "PJSIP/1001-0000002a"}
    assert BlindTransfer("PJSIP/1001-2a", "sales", "cc-queues").message() == {
        "Action": "BlindTransfer", "Channel": "PJSIP/1001-2a", "Exten": "sales", "Context": "cc-queues"}
    assert Atxfer("PJSIP/1001-2a", "1002", "cc-internal").message() == {
        "Action": "Atxfer", "Channel": "PJSIP/1001-2a", "Exten": "1002", "Context": "cc-internal"}


def test_dtmf_is_one_action_per_digit() -> None:
    assert [a.digit for a in dtmf_actions("X/1-1", "12#*")] == ["1", "2", "#", "*"]
    assert dtmf_actions("X/1-1", "5")[0].message() == {"Action": "PlayDTMF", "Channel": "X/1-1", "Digit": "5", "Duration": "250"}
    for bad in ("", "12x", "1" * 33, "1\r\nAction: Command"):
        with pytest.raises(ValueError):
            dtmf_actions("X/1-1", bad)


def test_click_to_dial_rings_the_agent_first() -> None:
    action = dial_action("PJSIP/1001", "+4930123456", "cc-outbound", channel_id="d-1")
    assert action.message() == {
        "Action": "Originate", "Channel": "PJSIP/1001", "Context": "cc-outbound",
        "Exten": "+4930123456", "Priority": "1", "CallerID": "<+4930123456>", "Timeout": "30000",
        "Async": "true", "ChannelId": "d-1",
    }
    with pytest.raises(ValueError):
        dial_action("nonsense", "123", "cc-outbound")


def test_transfer_targets_are_checked() -> None:
    assert transfer_target("queue", " sales ", CONTEXTS) == ("sales", "cc-queues")
    assert transfer_target("extension", "1002", CONTEXTS) == ("1002", "cc-internal")
    assert transfer_target("number", "+4930123", CONTEXTS) == ("+4930123", "cc-outbound")
    for kind, target in (("planet", "x"), ("queue", ""), ("number", "call me"),
                         ("queue", "a\r\nb"), ("extension", "1,2")):
        with pytest.raises(Invalid):
            transfer_target(kind, target, CONTEXTS)


def test_find_call_picks_the_agents_bridged_channel_and_its_peer() -> None:
    listing = [
        {"Channel": "Local/1010@sim-agent-00000003;2", "BridgeId": ""},
        {"Channel": "Local/1010@sim-agent-00000003;1", "BridgeId": "b1"},
        {"Channel": "Local/itest3@sim-inbound-00000001;2", "BridgeId": "b1"},
        {"Channel": "Local/10100@sim-agent-00000009;1", "BridgeId": "b2"},
        {"Channel": "PJSIP/1001-0000000a", "BridgeId": "b3"},
    ]
    assert find_call(as_listed(listing), "Local/1010@sim-agent/n") == (
        "Local/1010@sim-agent-00000003;1", "Local/itest3@sim-inbound-00000001;2")
    assert find_call(as_listed(listing), "PJSIP/1001") == ("PJSIP/1001-0000000a", None)
    assert find_call(as_listed(listing), "PJSIP/1002") is None
    assert find_call(as_listed(listing[:1]), "Local/1010@sim-agent/n") is None  # not in a bridge: no call


def test_state_interface() -> None:
    assert state_interface("Local/1010@sim-agent/n") == "Custom:sim-1010"
    assert state_interface("PJSIP/1001") == "PJSIP/1001"

