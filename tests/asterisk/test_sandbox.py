"""The sandbox instance: starts, takes the least-privileged AMI user, runs side by side."""
from __future__ import annotations

from asterisk_conf.rawami import RawAmi
from asterisk_conf.render import QueueSpec
from asterisk_conf.sandbox import Sandbox, ami_login_ok
from callcenter.settings import Settings


def test_running(asterisk: Sandbox, settings: Settings):
    status = asterisk.status()
    assert status["running"] and status["name"] == settings.sandbox_name
    assert "Asterisk 22" in asterisk.cli("core show version")
    assert "support" in asterisk.cli("queue show support")  # started with its queues


def test_ami_user_cannot_run_commands(ami: RawAmi):
    reply = ami.action({"Action": "Command", "Command": "core show version"})
    assert reply["Response"] == "Error"
    assert "Permission denied" in reply["Message"]


def test_wrong_secret_refused(asterisk: Sandbox, settings: Settings):
    assert not ami_login_ok(settings.ami_host, settings.ami_port, settings.ami_user, "wrong")


def test_start_is_idempotent_and_config_unchanged(asterisk: Sandbox):
    pid = asterisk.pid()
    asterisk.start()
    assert asterisk.pid() == pid
    assert asterisk.write_config() == []


def test_second_instance_side_by_side(asterisk: Sandbox, settings: Settings, ami_secret: str):
    # The slot's own ports shifted by 70 (slots are 100 apart; the demo test takes +50).
    shifted = {name: getattr(settings, name) + 70
               for name in ("ami_port", "sandbox_sip_port", "sandbox_http_port")}
    other = Sandbox(
        settings.model_copy(update={"sandbox_name": f"{settings.sandbox_name}side", **shifted}),
        queues=[QueueSpec("other")],
    )
    try:
        other.start()
        assert other.pid() != asterisk.pid()
        assert ami_login_ok("127.0.0.1", shifted["ami_port"], settings.ami_user, ami_secret)
        assert asterisk.status()["running"]
    finally:
        other.stop()
    assert not other.status()["running"]
    assert asterisk.status()["running"]
