"""Live queue figures for routing, from AMI QueueSummary or a QueueStats tile."""
from __future__ import annotations

from ctiserver.acd.routeagi import ami_live_source, figures_from_summary, figures_from_tile
from ctiserver.acd.routing import LiveFigures
from ctiserver.ami import results

SUMMARY = {"Event": "QueueSummary", "Queue": "support", "LoggedIn": "4", "Available": "1",
           "Callers": "3", "HoldTime": "33", "TalkTime": "95", "LongestHoldTime": "41"}


def test_from_queue_summary() -> None:
    (summary,) = results.queue_summary([SUMMARY, {"Event": "QueueSummaryComplete"}])
    assert figures_from_summary(summary) == LiveFigures(3, 1, 3, 95.0)
    (idle,) = results.queue_summary([{**SUMMARY, "TalkTime": "0"}])
    assert figures_from_summary(idle).aht is None


async def test_ami_source_asks_for_the_queue() -> None:
    asked: list[str] = []

    async def queue_summary(queue: str) -> list[results.QueueSummaryEntry]:
        asked.append(queue)
        return results.queue_summary([SUMMARY] if queue == "support" else [])

    live = ami_live_source(queue_summary)
    assert await live("support") == LiveFigures(3, 1, 3, 95.0)
    assert await live("gone") is None
    assert asked == ["support", "gone"]


def test_from_stats_tile() -> None:
    tile = {"waiting": 2, "agents_by_state": {"available": 1, "on_call": 2, "wrapup": 1,
                                               "paused": 3}, "last60": {"aht": 150.0}}
    assert figures_from_tile(tile) == LiveFigures(2, 1, 3, 150.0)
    assert figures_from_tile(None) is None
