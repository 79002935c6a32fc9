"""The sandbox instance: starts, takes the least-privileged AMI user, runs side by side."""
from __future__ import annotations

from asterisk_conf.rawami import RawAmi
from asterisk_conf.render import QueueSpec
from asterisk_conf.sandbox import Sandbox, ami_login_ok
from callcenter.settings import Settings


def test_running(asterisk: Sandbox):
    status = asterisk.status()
    assert status["running"] and status["name"] == "test"
    assert "Asterisk 22" in asterisk.cli("core show version")
    assert "itest1" in asterisk.cli("queue show itest1")


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
    other = Sandbox(
        settings.model_copy(update={"sandbox_name": "test2", "ami_port": 15238,
                                    "sandbox_sip_port": 15260}),
        queues=[QueueSpec("other")],
    )
    try:
        other.start()
        assert other.pid() != asterisk.pid()
        assert ami_login_ok("127.0.0.1", 15238, settings.ami_user, ami_secret)
        assert asterisk.status()["running"]
    finally:
        other.stop()
    assert not other.status()["running"]
    assert asterisk.status()["running"]
