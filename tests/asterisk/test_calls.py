"""Simulated calls on the real sandbox produce real queue events and queue_log lines."""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from asterisk_conf.rawami import Message, RawAmi
from asterisk_conf.sandbox import Sandbox
from asterisk_conf.simulation import agent_member, caller_originate, queue_add

from tests.helpers.sandbox import wait_queue_log

NAME = "Jürgen 张伟"


def settle(ami: RawAmi, linkedid: str, timeout: float = 30) -> list[Message]:
    """Read until every channel of the call has hung up; the call's messages."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ami.read(0.2)
        mine = [m for m in ami.messages if m.get("Linkedid") == linkedid]
        made = {m["Uniqueid"] for m in mine if m.get("Event") == "Newchannel"}
        gone = {m["Uniqueid"] for m in mine if m.get("Event") == "Hangup"}
        if made and made <= gone:
            return mine
    raise AssertionError(f"call {linkedid} did not end within {timeout}s")


def seen_or_wait(ami: RawAmi, predicate: Callable[[Message], bool]) -> Message:
    for message in ami.messages:
        if predicate(message):
            return message
    return ami.wait_for(predicate, timeout=5)


def agent_complete(ami: RawAmi, queue: str) -> Message:
    return seen_or_wait(ami, lambda m: m.get("Event") == "AgentComplete" and m.get("Queue") == queue)


def events(messages: list[Message]) -> list[str]:
    return [m["Event"] for m in messages if "Event" in m]


def originate(ami: RawAmi, queue: str, **kwargs: object) -> str:
    channel_id = str(uuid.uuid4())
    action = caller_originate(queue, channel_id=channel_id, **kwargs)  # type: ignore[arg-type]
    assert ami.action(action)["Response"] == "Success"
    return channel_id


def add_agent(ami: RawAmi, queue: str, ext: str) -> None:
    reply = ami.action(queue_add(queue, ext))
    assert reply["Response"] == "Success", reply


def raw_message(captured: bytes, *needles: bytes) -> bytes:
    for raw in captured.split(b"\r\n\r\n"):
        if all(n in raw for n in needles):
            return raw
    raise AssertionError(f"no message with {needles}")


def test_answered_call_caller_hangs_up(asterisk: Sandbox, ami: RawAmi, queue_log_mark: int,
                                       sandbox_queue, new_extension):
    queue, ext = sandbox_queue(), new_extension()
    add_agent(ami, queue, ext)
    cid = originate(ami, queue, number="+49301234567", name=NAME,
                    patience=20, talk=1, ring=0.5, hangup_by="caller")
    messages = settle(ami, cid)

    # AgentComplete often comes after the caller's channel is gone, and then without any
    # channel fields (no Linkedid): find it by queue and member.
    complete = agent_complete(ami, queue)
    seq = events(messages) + ["AgentComplete"]
    for before, after in [("QueueCallerJoin", "AgentCalled"), ("AgentCalled", "AgentConnect"),
                          ("AgentConnect", "AgentComplete")]:
        assert seq.index(before) < seq.index(after), seq
    assert complete["Reason"] == "caller"
    assert complete["Interface"] == agent_member(ext)[0]
    # The queue sees the ;2 leg of the Local channel; its uniqueid is the ChannelId + ";2".
    join = next(m for m in messages if m.get("Event") == "QueueCallerJoin")
    assert join["Uniqueid"] == f"{cid};2"
    # Exact UTF-8 bytes on the wire, read as bytes, not through a per-read decoder.
    raw = raw_message(bytes(ami.captured), b"Event: QueueCallerJoin", cid.encode())
    assert f"CallerIDName: {NAME}\r\n".encode() in raw
    assert b"CallerIDNum: +49301234567\r\n" in raw

    entries = wait_queue_log(asterisk, ami, queue_log_mark, f"{cid};2", "COMPLETECALLER")
    assert [e.event for e in entries] == ["ENTERQUEUE", "CONNECT", "COMPLETECALLER"]
    assert entries[0].data[1] == "+49301234567"
    assert entries[1].agent == ext


def test_answered_call_agent_hangs_up(asterisk: Sandbox, ami: RawAmi, queue_log_mark: int,
                                      sandbox_queue, new_extension):
    queue, ext = sandbox_queue(), new_extension()
    add_agent(ami, queue, ext)
    cid = originate(ami, queue, number="030123", name="Agent Ends",
                    patience=20, talk=1, ring=0.3, hangup_by="agent")
    settle(ami, cid)
    complete = agent_complete(ami, queue)
    assert complete["Reason"] == "agent"
    entries = wait_queue_log(asterisk, ami, queue_log_mark, f"{cid};2", "COMPLETEAGENT")
    assert [e.event for e in entries] == ["ENTERQUEUE", "CONNECT", "COMPLETEAGENT"]
    # The hangup handler puts the agent's custom device state back to idle.
    member_idle = seen_or_wait(
        ami, lambda m: m.get("Event") == "QueueMemberStatus" and m.get("Queue") == queue
        and m.get("Status") == "1" and m.get("InCall") == "0")
    assert member_idle["StateInterface"] == f"Custom:sim-{ext}"


def test_abandon(asterisk: Sandbox, ami: RawAmi, queue_log_mark: int, sandbox_queue):
    queue = sandbox_queue()  # no members: the caller waits (joinempty=yes) and gives up
    name = 'Müller, "Hans" (Büro)'  # commas, quotes, parentheses survive the Variable header
    cid = originate(ami, queue, number="+4940555", name=name, patience=1, talk=1)
    messages = settle(ami, cid)
    join = next(m for m in messages if m.get("Event") == "QueueCallerJoin")
    # AMI C-escapes caller names (ast_escape_c): quotes arrive as \".
    assert join["CallerIDName"] == name.replace('"', '\\"')
    seq = events(messages)
    assert seq.index("QueueCallerJoin") < seq.index("QueueCallerAbandon")
    entries = wait_queue_log(asterisk, ami, queue_log_mark, f"{cid};2", "ABANDON")
    assert [e.event for e in entries] == ["ENTERQUEUE", "ABANDON"]


def test_queue_timeout(asterisk: Sandbox, ami: RawAmi, queue_log_mark: int, sandbox_queue,
                       new_extension):
    queue, ext = sandbox_queue(), new_extension()
    add_agent(ami, queue, ext)
    cid = originate(ami, queue, number="+4940556", name="Zu spät", patience=60,
                    talk=1, queue_timeout=3, no_answer=[ext])
    messages = settle(ami, cid)
    seq = events(messages)
    assert "AgentCalled" in seq and "AgentRingNoAnswer" in seq
    caller_gone = next(i for i, m in enumerate(messages)
                       if m.get("Event") == "Hangup" and m["Uniqueid"] == f"{cid};2")
    # Surprise for the call tracker: a Queue() timeout is also sent as QueueCallerAbandon
    # (then QueueCallerLeave) while the caller is still up; queue_log says EXITWITHTIMEOUT.
    assert seq.index("QueueCallerAbandon") < seq.index("QueueCallerLeave") < caller_gone
    entries = wait_queue_log(asterisk, ami, queue_log_mark, f"{cid};2", "EXITWITHTIMEOUT")
    assert entries[-1].event == "EXITWITHTIMEOUT"
    assert "RINGNOANSWER" in [e.event for e in entries]
