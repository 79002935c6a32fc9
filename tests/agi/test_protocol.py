"""The FastAGI protocol's values: replies, errors, quoting, the environment."""
from __future__ import annotations

import pytest

from ctiserver.agi.protocol import (
    AgiEnvironment, AgiHangup, AgiProtocolError, AgiReply, AgiUsageError, error_of, header_field,
    parse_reply, quote,
)


def test_reply_parsing() -> None:
    assert parse_reply("200 result=-1") == AgiReply("-1")
    assert parse_reply("200 result=1 (timeout) endpos=1234") == AgiReply("1", "timeout", "endpos=1234")
    assert parse_reply("200 result=12*3") == AgiReply("12*3")
    assert parse_reply("200 result=1 (a (b) c)").data == "a (b) c"
    record = parse_reply("200 result=35 (dtmf) endpos=16000")
    assert (record.digit, record.data, record.endpos, record.code) == ("#", "dtmf", 16000, 200)
    assert parse_reply("200 result=0").digit is None
    with pytest.raises(AgiProtocolError):
        parse_reply("200 result=12*3").number
    with pytest.raises(AgiProtocolError):
        parse_reply("100 result=0 Trying...")


def test_error_lines() -> None:
    assert isinstance(error_of("511 Command Not Permitted on a dead channel"), AgiHangup)
    usage = error_of("520 Invalid command syntax.")
    assert isinstance(usage, AgiUsageError) and usage.code == 520
    assert error_of("510 Invalid or unknown command").code == 510
    assert error_of("200 result=1") is None and error_of("HANGUP") is None


def test_quoting() -> None:
    assert quote('say "hi" \\ now') == '"say \\"hi\\" \\\\ now"'
    assert quote("Jürgen 张伟 😀") == '"Jürgen 张伟 😀"'
    with pytest.raises(ValueError):
        quote("two\nlines")


def test_environment() -> None:
    raw = dict(header_field(line) for line in (
        "agi_network_script: ivr/main?flow=support&lang=zh", "agi_callerid: unknown",
        "agi_arg_1: a", "agi_arg_2: b", "agi_arg_4: gap"))
    env = AgiEnvironment.of(raw)
    assert (env.script, env.params, env.args, env.caller) == (
        "ivr/main", {"flow": "support", "lang": "zh"}, ("a", "b"), "")
    assert AgiEnvironment.of({}).script == ""
    with pytest.raises(AgiProtocolError):
        header_field("agi network: yes")
