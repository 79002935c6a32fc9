"""A running campaign's compliance windows (pure logic): the tallies of its rule set's abandon
window (US: a trailing 30 days, which is the campaign itself until it is 30 days old; UK: 24 h
with Ofcom's estimate of the drops' live share), started from the campaign's past attempts and
kept up as each attempt ends, for the pacer's ``Snapshot.windows`` and the live view.

The counting is ``dialer.compliance.AbandonLedger``'s and the rates ``WindowTally``'s, the
formulas the compliance report uses too."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dialer import compliance
from dialer.compliance import AbandonLedger, AbandonRule, Outcome, RuleSet, WindowTally


@dataclass(frozen=True, slots=True)
class PastOutcome:
    at: float
    """When the attempt was placed (epoch seconds), as the report counts it."""
    outcome: Outcome


def abandon_rules(rules: RuleSet) -> tuple[AbandonRule, ...]:
    """The windows a campaign under ``rules`` is held to; a rule set without an abandon rule
    (France) is held to the US one, as the compliance report does."""
    return (rules.abandon or compliance.US.abandon,)


class CampaignWindows:
    def __init__(self, rules: RuleSet, past: Iterable[PastOutcome] = ()) -> None:
        self._ledger = AbandonLedger(abandon_rules(rules))
        for attempt in sorted(past, key=lambda p: p.at):
            self.record(attempt.at, attempt.outcome)

    def record(self, at: float, outcome: Outcome) -> None:
        self._ledger.record(at, outcome)

    def tallies(self, now: float) -> tuple[WindowTally, ...]:
        return self._ledger.tallies(now)
