"""Typed AMI results built from the headers a test writes down."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from ctiserver.ami import events as ev
from ctiserver.ami.results import ListedChannel


def as_listed(items: Iterable[Mapping[str, str]]) -> list[ListedChannel]:
    """CoreShowChannel results from a few headers each (Channel, BridgeId, Application...)."""
    listed = []
    for item in items:
        created = ev.ChannelCreated(
            timestamp=None, channel=item["Channel"], uniqueid=item.get("Uniqueid", ""),
            linkedid=item.get("Linkedid", ""), caller_num="", caller_name="", state=6,
            exten="", context="")
        listed.append(ListedChannel(
            channel=item["Channel"], uniqueid=created.uniqueid, linkedid=created.linkedid,
            bridge_id=item.get("BridgeId", ""), application=item.get("Application", ""),
            application_data=item.get("ApplicationData", ""), created=created))
    return listed
