"""Console hold and attended-transfer builders, finding the hold music of a call, and the
agent state the console's hold gives (pure logic)."""
from __future__ import annotations

from ctiserver.acd.agentstate import AgentStateMachine
from ctiserver.ami.actions import CancelAtxfer
from ctiserver.control.callcontrol import hold_music_action, mute_actions
from ctiserver.control.channels import held_agents, hold_channel_prefix, hold_music
from ctiserver.calls.tracker import CallAnswered

from tests.helpers.ami import as_listed
from tests.helpers.agentstate import A, T0, ended, member

CALLER = "Local/itest3@sim-inbound-00000001;2"


def test_hold_mutes_the_agent_both_ways_and_whispers_music_to_the_caller() -> None:
    assert [a.message() for a in mute_actions("PJSIP/1001-2a", True)] == [
        {"Action": "Setvar", "Channel": "PJSIP/1001-2a", "Variable": "MUTEAUDIO(in)", "Value": "on"},
        {"Action": "Setvar", "Channel": "PJSIP/1001-2a", "Variable": "MUTEAUDIO(out)", "Value": "on"},
    ]
    assert {a.value for a in mute_actions("PJSIP/1001-2a", False)} == {"off"}
    assert hold_music_action(CALLER, "cc-hold", channel_id="h-1").message() == {
        "Action": "Originate", "Channel": "Local/hold@cc-hold/n", "Application": "ChanSpy",
        "Data": f"{CALLER},qwE", "CallerID": '"on hold" <hold>', "Async": "true", "ChannelId": "h-1",
    }
    assert CancelAtxfer("PJSIP/1001-2a").message() == {"Action": "CancelAtxfer", "Channel": "PJSIP/1001-2a"}


def test_hold_music_is_the_other_half_of_a_channel_spying_on_the_held_party() -> None:
    prefix = hold_channel_prefix("cc-hold")
    listing = [
        {"Channel": prefix + "00000007;1", "Application": "ChanSpy", "ApplicationData": f"{CALLER},qwE"},
        {"Channel": prefix + "00000007;2", "Application": "MusicOnHold", "ApplicationData": "cc-hold"},
        {"Channel": prefix + "00000009;1", "Application": "ChanSpy",
         "ApplicationData": "Local/itest3@sim-inbound-00000011;2,qwE"},
        {"Channel": "PJSIP/2001-00000001", "Application": "ChanSpy", "ApplicationData": f"{CALLER},qwE"},
    ]
    assert hold_music(as_listed(listing), CALLER, "cc-hold") == [prefix + "00000007;2"]
    assert hold_music(as_listed(listing), "Local/itest3@sim-inbound-00000001;1", "cc-hold") == []
    # after unhold the ChanSpy half lingers (silent) until the caller hangs up: not on hold
    assert hold_music(as_listed(listing[:1] + listing[2:]), CALLER, "cc-hold") == []
    bridged = [{"Channel": "Local/1010@sim-agent-00000003;1", "BridgeId": "b1"},
               {"Channel": CALLER, "BridgeId": "b1"}]
    assert held_agents(as_listed(bridged + listing), ["Local/1010@sim-agent/n", "PJSIP/1001", "odd"],
                       "cc-hold") == ["Local/1010@sim-agent/n"]
    assert held_agents(as_listed(bridged + listing[:1]), ["Local/1010@sim-agent/n"], "cc-hold") == []


def test_console_hold_is_counted_as_hold_and_ends_with_the_call() -> None:
    m = AgentStateMachine()
    m.handle_event(member("added"), T0)
    m.handle_notice(CallAnswered("c1", T0 + 1, "q", A, 0.0))
    assert [c.new for c in m.set_held(A, True, T0 + 5)] == ["on_hold"]
    # the device stays in use while the console holds: still on hold
    assert m.handle_event(member("status", t=T0 + 6, status=2, in_call=True), T0 + 6) == []
    assert [c.new for c in m.set_held(A, False, T0 + 9)] == ["on_call"]
    m.set_held(A, True, T0 + 15)
    (change,) = m.handle_notice(ended("c1", T0 + 21, 20.0))
    assert (change.new, change.handled.talk, change.handled.hold) == ("available", 10, 10)
    assert m.set_held(A, True, T0 + 30) == []  # no call: nothing to hold
