"""Our own FastAGI code records what it collected on a call (an account number, a menu choice,
a phrase) straight into the CTI server, without a UserEvent's round trip through AMI.

The data takes the same path as a dialplan's ``UserEvent(CcCollected,Name: value,...)``: one
typed ``DataCollected`` event, cleaned to the same limits, handed to the server's event path.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from ctiserver.ami import events as ev
from ctiserver.agi.server import AgiSession

log = logging.getLogger(__name__)

EventSink = Callable[[ev.AmiEvent], None]


class CollectedRecorder:
    def __init__(self, sink: EventSink) -> None:
        self._sink = sink

    def record(self, *, channel: str, uniqueid: str, linkedid: str, fields: Mapping[str, str],
               caller_num: str = "", caller_name: str = "") -> None:
        """Collected on channel ``uniqueid`` of call ``linkedid`` (both as Asterisk has them:
        the call is found by them)."""
        cleaned, problems = ev.collected_fields(fields.items())
        if problems:
            log.warning("collected on %s: %s", channel or uniqueid, "; ".join(problems))
        if cleaned:
            self._sink(ev.DataCollected(
                timestamp=None, channel=channel, uniqueid=uniqueid, linkedid=linkedid,
                caller_num=caller_num, caller_name=caller_name, state=0, fields=cleaned))

    async def record_agi(self, session: AgiSession, fields: Mapping[str, str]) -> None:
        """Collected on the channel a FastAGI session runs on. Its linkedid is asked from
        Asterisk (one AGI command): the AGI environment does not carry it."""
        env = session.env
        uniqueid = env.get("agi_uniqueid", "")
        linkedid = await session.get_variable("CHANNEL(linkedid)")
        if not uniqueid or not linkedid:
            log.warning("collected data of %s dropped: no uniqueid/linkedid", env.get("agi_channel"))
            return
        self.record(channel=env.get("agi_channel", ""), uniqueid=uniqueid, linkedid=linkedid,
                    fields=fields, caller_num=session.environment.caller,
                    caller_name=session.environment.caller_name)
