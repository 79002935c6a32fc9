"""How a queue's figures stand against its targets, as the wallboard shows them (pure logic):
the colour of each figure and the alerts.

Figures are compared at the precision the wallboard shows them — durations in whole seconds,
cut as a clock shows them (30.9 s reads 0:30), ratios in tenths of a percent (79.96 % reads
80 %) — so what the screen says is always true: an ASA of 30.9 s against a 30 s target reads
0:30 and is at the target, not over it.

Levels: ``bad`` the target is missed (each such figure of today is an alert), ``warn`` close to
missing it, ``good`` met; a figure without a value (no call yet) has none.
- longest wait (now): bad above ``max_wait_alert``, warn from half of it;
- service level: bad below ``sl_target``, warn below 5 points above it (100 % is met);
- ASA and abandon rate: bad above their target, warn from 80 % of it.

Today's figures are alerted once the day has ``MIN_CALLS_TO_ALERT`` offered calls: one late
call of the first four is 75 %, a red alert that says nothing yet (the colours still show).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

GOOD, WARN, BAD = "good", "warn", "bad"
MIN_CALLS_TO_ALERT = 10


class Targets(Protocol):
    """A queue's targets (``ctiserver.acd.stats.QueueTargets``)."""

    max_wait_alert: float
    sl_target: float
    asa_target: float
    abandon_rate_target: float


def shown_seconds(seconds: float) -> int:
    """A duration as the wallboard shows it: whole seconds, cut."""
    return math.floor(seconds)


def shown_permille(ratio: float) -> int:
    """A ratio as the wallboard shows it: tenths of a percent, rounded half up."""
    return math.floor(ratio * 1000 + 0.5)


@dataclass(frozen=True, slots=True)
class _Rule:
    target: str
    """The Targets field."""
    shown: Callable[[float], int]
    close: Callable[[int], int]
    """The shown target -> the shown value from which the figure is close to missing it."""
    at_most: bool
    """The target is a maximum (else a minimum)."""


RULES = {
    "longest_wait": _Rule("max_wait_alert", shown_seconds, lambda t: math.ceil(t / 2), True),
    "service_level": _Rule("sl_target", shown_permille, lambda t: min(t + 50, 1000), False),
    "asa": _Rule("asa_target", shown_seconds, lambda t: math.ceil(t * 0.8), True),
    "abandon_rate": _Rule("abandon_rate_target", shown_permille, lambda t: math.ceil(t * 0.8), True),
}


def level(metric: str, value: float | None, targets: Targets) -> str | None:
    if value is None:
        return None
    rule = RULES[metric]
    shown, target = rule.shown(value), rule.shown(getattr(targets, rule.target))
    if rule.at_most:
        return BAD if shown > target else WARN if shown >= rule.close(target) else GOOD
    return BAD if shown < target else WARN if shown < rule.close(target) else GOOD


def period_figures(period: Mapping[str, Any], variant: str) -> dict[str, float | None]:
    """A period's figures that have a target (the service level in ``variant``)."""
    return {"service_level": period["service_level"][variant], "asa": period["asa"],
            "abandon_rate": period["abandon_rate"]}


def period_levels(period: Mapping[str, Any], variant: str, targets: Targets) -> dict[str, str]:
    """The level of each of a period's figures that has a value."""
    levels = {m: level(m, v, targets) for m, v in period_figures(period, variant).items()}
    return {m: lv for m, lv in levels.items() if lv is not None}


def alerts(longest: float, today: Mapping[str, Any], variant: str, targets: Targets) -> list[dict]:
    """The missed targets: today's figures and the caller waiting longest now, each with its
    value and target."""
    figures: dict[str, float | None] = {"longest_wait": longest}
    if today["offered"] >= MIN_CALLS_TO_ALERT:
        figures.update(period_figures(today, variant))
    return [{"metric": m, "value": v, "target": getattr(targets, RULES[m].target)}
            for m, v in figures.items() if level(m, v, targets) == BAD]
