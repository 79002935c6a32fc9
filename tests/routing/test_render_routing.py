"""The routed dialplan and the queue sections as rendered (no Asterisk needed)."""
from __future__ import annotations

from asterisk_conf.render import QueueSpec, render_queues
from asterisk_conf.sandbox_config import render_config
from asterisk_conf.simulation import caller_originate
from callcenter.settings import Settings


def extensions(**settings: object) -> str:
    conf = render_config(Settings(sandbox_name="demo", **settings), queues=[],  # type: ignore[arg-type]
                         ami_secret="s", sim_agents=[])
    return conf["extensions.conf"]


def context(conf: str, name: str) -> list[str]:
    lines = conf.split(f"[{name}]\n", 1)[1].split("\n\n", 1)[0].splitlines()
    return [line for line in lines if not line.startswith(";")]


def test_inbound_asks_the_configured_fastagi_and_always_queues() -> None:
    lines = context(extensions(fastagi_host="10.0.0.5", fastagi_port=4600), "cc-inbound")
    assert lines[:4] == [
        "exten => _[A-Za-z0-9].,1,Answer()",
        " same => n,Set(CC_QUEUE=${EXTEN})",
        " same => n,Set(CC_CLOSED=0)",
        " same => n,AGI(agi://10.0.0.5:4600/route?queue=${EXTEN})",
    ]
    assert lines[-2:] == [
        ' same => n,GotoIf($["${CC_CLOSED}" = "1"]?cc-closed,${CC_CLOSED_ACTION},1)',
        " same => n,Goto(cc-queues,${CC_QUEUE},1)",
    ]


def test_closed_actions_and_their_hooks() -> None:
    conf = extensions()
    closed = "\n".join(context(conf, "cc-closed"))
    for action in ("announce", "voicemail_ticket", "callback_offer"):
        assert f"exten => {action},1,Set(CHANNEL(hangup_handler_push)=cc-closed-end,s,1)" in closed
    assert "Playback(im-sorry&please-try-call-later)" in closed
    assert "Record(${CC_RECORDING},3,120,k)" in closed
    assert "agi://127.0.0.1:4573/voicemail_ticket?queue=${CC_QUEUE}" in closed
    assert "agi://127.0.0.1:4573/callback_offer?queue=${CC_QUEUE}" in closed
    assert context(conf, "cc-closed-end")[0].startswith("exten => s,1,UserEvent(CcClosed,Queue: ")


def test_simulated_callers_can_take_the_routed_entry() -> None:
    sim = context(extensions(), "sim-inbound")
    assert sim[-1] == (' same => n,Goto(${IF($["${SIM_ROUTE}" = "1"]?cc-inbound:cc-queues)},'
                       "${EXTEN},1)")
    routed = caller_originate("support", number="1", name="n", patience=1, talk=1, routed=True)
    plain = caller_originate("support", number="1", name="n", patience=1, talk=1)
    assert "SIM_ROUTE=1" in routed["Variable"] and "SIM_ROUTE=1" not in plain["Variable"]


def test_queue_sections_alone_for_an_include() -> None:
    text = render_queues([QueueSpec("a"), QueueSpec("b", strategy="ringall")])
    assert text.startswith("[a]\n") and "\n[b]\nstrategy = ringall\n" in text
    assert "[general]" not in text
