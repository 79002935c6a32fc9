"""Typed inputs of the agent state machine built from a few values (pure)."""
from __future__ import annotations

from datetime import datetime, timezone

from crm_core.values import CallRecord
from ctiserver.ami.events import QueueMemberChanged
from ctiserver.calls.tracker import CallEnded

A = "PJSIP/1001"
T0 = 1_800_000_000.0


def member(kind, queue="q", t=T0, *, status=1, paused=False, reason="", in_call=False, wrapup=0,
           interface=A):
    return QueueMemberChanged(timestamp=t, kind=kind, queue=queue, interface=interface,
                              member_name="Ann", state_interface="", status=status, paused=paused,
                              paused_reason=reason, in_call=in_call, calls_taken=0, penalty=0,
                              wrapup_time=wrapup)


def ended(key, t, talk, queue="q", interface=A):
    at = datetime.fromtimestamp(t, timezone.utc)
    record = CallRecord(key, key, key, "inbound", None, None, None, queue, interface, at, at, at,
                        0.0, talk, "answered", None, None, None)
    return CallEnded(record, frozenset({interface}))
