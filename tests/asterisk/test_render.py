"""Rendered configuration (no Asterisk needed)."""
from __future__ import annotations

from asterisk_conf.render import QueueSpec
from asterisk_conf.sandbox_config import render_config
from asterisk_conf.simulation import agent_member
from callcenter.settings import Settings


def render(**kwargs: object) -> dict[str, str]:
    settings = Settings(sandbox_name="demo", ami_port=25038, sandbox_sip_port=25060)
    members = [(*agent_member("1001"), 2)]
    return render_config(
        settings, queues=[QueueSpec("support", members=members), QueueSpec("sales")],
        ami_secret="s3cret", sim_agents=["1001", "1002"], **kwargs,  # type: ignore[arg-type]
    )


def test_instance_folders_are_inside_srv():
    conf = render()["asterisk.conf"]
    for key in ("astetcdir", "astrundir", "astspooldir", "astlogdir", "astvarlibdir", "astdbdir"):
        assert f"{key} => /srv/demo/" in conf


def test_manager_least_privilege():
    conf = render()["manager.conf"]
    assert "port = 25038" in conf and "bindaddr = 127.0.0.1" in conf
    assert "disabledevents = Newexten,VarSet" in conf
    assert "[cti]" in conf and "secret = s3cret" in conf
    assert "permit = 127.0.0.1/255.255.255.255" in conf
    rights = [line for line in conf.splitlines() if line.startswith(("read =", "write ="))]
    assert rights == ["read = call,agent,user,dtmf,reporting,cdr,originate",
                      "write = call,agent,user,originate,reporting"]
    assert not any(c in r for r in rights for c in ("system", "command", "config"))


def test_queues_are_silent_and_members_static():
    conf = render()["queues.conf"]
    assert "[support]" in conf and "[sales]" in conf
    assert "persistentmembers = no" in conf
    assert conf.count("announce-position = no") == 2
    assert conf.count("ringinuse = no") == 2
    assert "member => Local/1001@sim-agent/n,2,,Custom:sim-1001" in conf


def test_dialplan_contexts():
    conf = render()["extensions.conf"]
    for context in ("[cc-queues]", "[cc-internal]", "[cc-outbound]", "[cc-hold]", "[sim-inbound]",
                    "[sim-phone]", "[sim-agent]", "[sim-agent-hangup]", "[sim-hints]",
                    "[cc-record]", "[cc-ivr]"):
        assert context in conf
    assert "exten => 1002,hint,Custom:sim-1002" in conf
    assert ("Queue(${EXTEN},t${IF($[${LEN(${CC_SURVEY})} > 0]?c)},,,"
            "${IF(${EXISTS(${CC_QUEUE_TIMEOUT})}?${CC_QUEUE_TIMEOUT}:)},,cc-record)") in conf
    # the sandbox's recordings spool, as Asterisk sees it from inside its root
    assert "Set(CC_RECORD_FILE=/srv/demo/spool/recordings/" in conf
    assert "MusicOnHold(cc-hold)" in conf


def test_hold_music_and_attended_transfer_feature():
    files = render()
    assert "[cc-hold]" in files["musiconhold.conf"] and "/lib/moh-hold" in files["musiconhold.conf"]
    assert "atxfer => *2" in files["features.conf"]


def test_other_files():
    files = render()
    assert "bind = 127.0.0.1:25060" in files["pjsip.conf"]
    assert "queue_log = yes" in files["logger.conf"]
    assert "bindaddr = 127.0.0.1" in files["http.conf"] and "bindport = 8088" in files["http.conf"]
    assert "noload => chan_iax2.so" in files["modules.conf"]
    assert "noload => app_queue.so" not in files["modules.conf"]


def test_the_ivr_context_runs_flows_and_the_configured_entries() -> None:
    settings = Settings(sandbox_name="demo", ivr_entries={"800": "hotline", "+4930123": "survey"})
    conf = render_config(settings, queues=[], ami_secret="s", sim_agents=[])["extensions.conf"]
    ivr = conf[conf.index("[cc-ivr]"):].split("\n\n")[0].splitlines()
    assert ivr[1:4] == ["exten => 800,1,Goto(hotline,1)", "exten => +4930123,1,Goto(survey,1)",
                        "exten => _[A-Za-z].,1,Answer()"]
    assert " same => n,AGI(agi://127.0.0.1:4573/ivr?flow=${EXTEN})" in ivr
    assert "exten => cc-survey,1,AGI(agi://127.0.0.1:4573/ivr?flow=${CC_SURVEY})" in ivr
