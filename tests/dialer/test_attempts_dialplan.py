"""The Asterisk side of an attempt without Asterisk: the Originate built from a DialAttempt, the
dialer's rendered context, and its UserEvents parsed into typed DialerStep events."""
from __future__ import annotations

import pytest

from asterisk_conf.render import DialerDialplan, render_dialer
from asterisk_conf.sandbox_config import render_config
from callcenter.settings import Settings
from ctiserver.ami.events import DialerStep, parse_event
from ctiserver.ami.stream import AmiStreamParser
from dialer.attempts import DialAttempt
from dialer.originate import DialTarget, originate_action


PLAN = {"context": "cc-dialer", "amd": (2500,), "connect_limit": 2, "safe_harbor": "im-sorry",
        "optout_key": "9"}


def attempt(**fields: object) -> DialAttempt:
    return DialAttempt(**{"attempt_id": "a-1", "campaign": "Sommer, (Jürgen) 张伟",
                          "lead": "42", "number": "+4930123456", "queue": "camp",
                          **fields})  # type: ignore[arg-type]


def test_the_originate_names_the_attempt_and_describes_it_to_the_dialplan():
    headers = originate_action(
        attempt(caller_id="+4930999", machine_message="custom/sommer-machine"),
        DialTarget("PJSIP/{number}@carrier", "cc-dialer"), extra={"SIM_ANSWER": "human"}).message()
    assert headers["Channel"] == "PJSIP/+4930123456@carrier"
    assert (headers["Context"], headers["Exten"], headers["Priority"]) == ("cc-dialer", "s", "1")
    assert headers["ChannelId"] == "a-1" and headers["Async"] == "true"
    assert headers["Timeout"] == "25000" and headers["CallerID"] == "+4930999"
    assert headers["Variable"] == (
        "CC_ATTEMPT=a-1,CC_CAMPAIGN=Sommer\\, \\(Jürgen\\) 张伟,CC_LEAD=42,CC_QUEUE=camp,"
        "CC_AMD=1,CC_MACHINE_MESSAGE=custom/sommer-machine,SIM_ANSWER=human")


def test_without_detection_and_with_the_campaigns_own_message():
    variables = originate_action(attempt(amd=False, safe_harbor="custom/sommer-sorry"),
                                 DialTarget("PJSIP/{number}@carrier", "cc-dialer")).message()["Variable"]
    assert "CC_AMD=0" in variables and "CC_SAFE_HARBOR=custom/sommer-sorry" in variables
    assert "CC_MACHINE_MESSAGE" not in variables


@pytest.mark.parametrize("number", ["4930123456", "+49301/2", "+4930@x", "+0301234"])
def test_only_e164_numbers_go_into_the_dial_string(number):
    with pytest.raises(ValueError, match="E.164"):
        originate_action(attempt(number=number), DialTarget("PJSIP/{number}@carrier", "cc-dialer"))


def test_the_dialer_context_from_the_settings():
    conf = render_config(Settings(sandbox_name="demo", dialer_connect_limit=3,
                                  dialer_optout_key="8"),
                         queues=[], ami_secret="x", sim_agents=[])["extensions.conf"]
    assert "[cc-dialer]" in conf and "[sim-customer]" in conf
    assert "AMD(2500,1500,800,5000,100,50,2,256)" in conf
    assert "Queue(${CC_QUEUE},t,,,3,,cc-record)" in conf
    assert '"${CC_KEY}" != "8"' in conf
    assert "${CC_SAFE_HARBOR}:im-sorry&please-try-call-later" in conf


def test_a_production_context_of_its_own():
    conf = render_dialer(DialerDialplan(**{**PLAN, "context": "outbound-sales", "amd": (2000, 1200)}))
    assert conf.startswith("; The dialer") and "[outbound-sales]" in conf
    assert "AMD(2000,1200)" in conf and "UserEvent(CcDialer,Step: amd," in conf


@pytest.mark.parametrize("fields", [{"optout_key": "99"}, {"optout_key": "x"},
                                    {"connect_limit": 0}])
def test_bad_dialplan_settings_are_refused(fields):
    with pytest.raises(ValueError):
        DialerDialplan(**{**PLAN, **fields})  # type: ignore[arg-type]


def test_the_dialplans_user_events_become_typed_steps():
    data = ("Event: UserEvent\r\nChannel: PJSIP/trunk-1\r\nChannelState: 6\r\nUniqueid: a-1\r\n"
            "Linkedid: a-1\r\nUserEvent: CcDialer\r\nStep: amd\r\nAttempt: a-1\r\n"
            "Status: MACHINE\r\nCause: MAXWORDS-2-2\r\n\r\n"
            "Event: UserEvent\r\nChannel: PJSIP/trunk-2\r\nUniqueid: a-2\r\nUserEvent: CcDialer\r\n"
            "Step: optout\r\nUniqueid: not-the-channel\r\n\r\n").encode()
    amd, optout = map(parse_event, AmiStreamParser().feed(data))
    assert isinstance(amd, DialerStep) and isinstance(optout, DialerStep)
    assert (amd.step, amd.attempt, amd.status, amd.cause) == ("amd", "a-1", "MACHINE",
                                                              "MAXWORDS-2-2")
    assert (optout.step, optout.attempt, optout.uniqueid) == ("optout", "a-2", "a-2")
