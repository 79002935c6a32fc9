"""A campaign's compliance windows: the rule set's abandon window (US: 30 days, UK: 24 h with
Ofcom's estimate of the drops' live share, France: held to the US one), started from the
campaign's past attempts and kept up by each outcome a runner records; the pacer of a
predictive campaign dials more cautiously once its windows hold abandoned calls."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from dialer import compliance
from dialer.attempts import AttemptOutcome, AttemptResult
from dialer.campaigns import CampaignSettings
from dialer.compliance import Outcome
from dialer.hopper import ClaimedLead, DialedAttempt, LeadState
from dialer.runner import CampaignPlan, CampaignRunner
from dialer.windows import CampaignWindows, PastOutcome

from tests.helpers.outbound import new_attempt

T0 = 1_800_000_000.0
HOUR = 3600.0
DAY = 24 * HOUR


def past(*outcomes: tuple[float, Outcome]) -> list[PastOutcome]:
    return [PastOutcome(T0 - ago, outcome) for ago, outcome in outcomes]


def test_a_us_campaign_counts_abandoned_over_live_answered_for_30_days() -> None:
    windows = CampaignWindows(compliance.US, past(
        (29 * DAY, Outcome.ABANDONED), (2 * DAY, Outcome.CONNECTED), (HOUR, Outcome.CONNECTED),
        (HOUR, Outcome.AGENT_MACHINE), (HOUR, Outcome.MACHINE), (HOUR, Outcome.NO_ANSWER)))
    (tally,) = windows.tallies(T0)
    assert tally.rule is compliance.US.abandon
    assert (tally.abandoned, tally.connected, tally.agent_machines) == (1, 2, 1)
    assert tally.rate == pytest.approx(1 / 3)
    (later,) = windows.tallies(T0 + 2 * DAY)  # the abandoned call left the 30 days
    assert (later.abandoned, later.connected) == (0, 2) and later.rate == 0.0


def test_a_uk_campaign_counts_24_hours_with_the_live_share_of_the_drops() -> None:
    windows = CampaignWindows(compliance.UK, past(
        (2 * DAY, Outcome.ABANDONED), (HOUR, Outcome.ABANDONED), (HOUR, Outcome.CONNECTED),
        (HOUR, Outcome.CONNECTED), (HOUR, Outcome.CONNECTED), (HOUR, Outcome.AGENT_MACHINE)))
    windows.record(T0, Outcome.ABANDONED)
    (tally,) = windows.tallies(T0)
    assert (tally.abandoned, tally.connected, tally.agent_machines) == (2, 3, 1)
    drops = 2 * (1 - 1 / 4)  # D' = D (1 - AM / (AM + H))
    assert tally.counted_abandons == pytest.approx(drops)
    assert tally.rate == pytest.approx(drops / (3 + drops))


def test_a_rule_set_without_an_abandon_rule_is_held_to_the_us_one() -> None:
    (tally,) = CampaignWindows(compliance.FRANCE, past((HOUR, Outcome.ABANDONED))).tallies(T0)
    assert tally.rule is compliance.US.abandon and tally.abandoned == 1


class NoLeads:
    """A hopper with nothing to dial that keeps what it is told."""

    def __init__(self) -> None:
        self.recorded: list[DialedAttempt] = []

    async def claim(self, campaign: str, n: int, now: datetime) -> list[ClaimedLead]:
        return []

    async def release(self, lead_ids: list[int]) -> int:
        return 0

    async def record_outcome(self, lead_id: int, attempt: DialedAttempt) -> LeadState:
        self.recorded.append(attempt)
        return LeadState("done", None, "")


async def never_sleeps(seconds: float) -> None:
    raise AssertionError("these runners are not started")


def predictive_runner(history, hopper: NoLeads) -> CampaignRunner:
    async def no_call_row(outcome: AttemptOutcome, **linked: object) -> None:
        return None

    async def never_placed(*args: object) -> None:
        raise AssertionError("nothing is dialed here")

    plan = CampaignPlan(11, "Jürgen 张伟 😀", CampaignSettings(
        rule_set="UK", queue="q", mode="predictive", safe_harbor_message="sorry"))
    return CampaignRunner(plan, hopper=hopper, place=never_placed, hang_up=never_placed,
                          record_call=no_call_row,
                          agents=dict, ring_timeout=20, background=asyncio.ensure_future,
                          clock=lambda: T0, sleep=never_sleeps,
                          history=history)


async def started(runner: CampaignRunner) -> None:
    """What a runner does as it starts dialing: load its windows, tick."""
    await runner.load_windows()
    assert await runner.tick() == 0


async def test_a_runner_starts_from_the_past_attempts_and_counts_each_outcome() -> None:
    asked: list[tuple[int, datetime]] = []

    async def history(campaign_id: int, since: datetime) -> list[PastOutcome]:
        asked.append((campaign_id, since))
        return past((HOUR, Outcome.ABANDONED), *[(HOUR, Outcome.CONNECTED)] * 9)

    hopper = NoLeads()
    runner = predictive_runner(history, hopper)
    await started(runner)
    assert asked == [(11, datetime.fromtimestamp(T0, UTC) - timedelta(days=1))]
    (tally,) = runner.figures(T0).windows
    assert (tally.abandoned, tally.connected) == (1, 9)

    attempt = new_attempt("q", lead="5")
    await runner.finish(AttemptOutcome(attempt, AttemptResult.ABANDONED, 4.0, T0 - 10,
                                       answered_at=T0 - 20))
    assert [a.result for a in hopper.recorded] == [AttemptResult.ABANDONED]
    (tally,) = runner.figures(T0).windows
    assert (tally.abandoned, tally.connected) == (2, 9)


async def test_the_pacer_takes_less_risk_as_the_windows_fill_with_abandons() -> None:
    async def none(campaign_id: int, since: datetime) -> list[PastOutcome]:
        return []

    async def many_abandons(campaign_id: int, since: datetime) -> list[PastOutcome]:
        return past(*[(HOUR, Outcome.ABANDONED)] * 10, *[(HOUR, Outcome.CONNECTED)] * 90)

    clean, pressed = predictive_runner(none, NoLeads()), predictive_runner(many_abandons, NoLeads())
    await asyncio.gather(started(clean), started(pressed))
    assert pressed.figures(T0).allowance < clean.figures(T0).allowance
