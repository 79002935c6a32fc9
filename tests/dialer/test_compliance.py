"""Abandon-rate formulas against docs/telemarketing.md; calling windows across DST changes and
public holidays; redial rules."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialer.compliance import (
    DAY, DEFAULT_RETRY, FRANCE, UK, US, AbandonLedger, AbandonRule, Attempt, Lead, Outcome,
    RetryPolicy, RetryRule, WindowTally, check,
)

NEW_YORK = Lead(("America/New_York",), "US")
PARIS = Lead(("Europe/Paris",), "FR")
LONDON = Lead(("Europe/London",), "GB")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_ofcom_rate_counts_the_live_share_of_drops():
    tally = WindowTally(AbandonRule("UK", DAY, amd_estimate=True), abandoned=29, connected=9,
                        agent_machines=7)
    assert tally.counted_abandons == pytest.approx(29 * (1 - 7 / 16))
    assert round(tally.rate * 100, 2) == 64.44


def test_us_rate_is_abandoned_over_live_answered():
    tally = WindowTally(AbandonRule("US", 30 * DAY), abandoned=3, connected=97, agent_machines=40)
    assert tally.rate == pytest.approx(0.03)


def test_ledger_windows_trail_by_their_own_length():
    hour = 3600.0
    ledger = AbandonLedger([US.abandon, UK.abandon])
    for k in range(50):
        ledger.record(k * 60.0, Outcome.CONNECTED)
    ledger.record(10.0, Outcome.ABANDONED)
    ledger.record(20.0, Outcome.NO_ANSWER)  # not counted anywhere
    ledger.record(25 * hour, Outcome.ABANDONED)
    us, uk = ledger.tallies(25 * hour)
    assert (us.abandoned, us.connected) == (2, 50)
    assert (uk.abandoned, uk.connected) == (1, 0)  # the first day has left the 24 h window
    assert ledger.tallies(32 * DAY)[0].abandoned == 0


@pytest.mark.parametrize(("now", "expected"), [
    (utc(2025, 3, 8, 12, 30), utc(2025, 3, 8, 13, 0)),  # 07:30 EST -> 08:00 EST
    (utc(2025, 3, 9, 11, 30), utc(2025, 3, 9, 12, 0)),  # 07:30 EDT, the day DST starts
    (utc(2025, 3, 9, 0, 30), utc(2025, 3, 9, 0, 30)),   # 19:30 EST on the 8th: open
    (utc(2025, 3, 10, 1, 0), utc(2025, 3, 10, 12, 0)),  # 21:00 EDT: closed till 08:00 EDT
])
def test_us_hours_follow_the_lead_across_dst(now, expected):
    verdict = check(US, DEFAULT_RETRY, NEW_YORK, now)
    assert verdict.next_at == expected
    assert verdict.allowed == (now == expected)


def test_a_lead_in_two_zones_waits_for_both():
    lead = Lead(("America/New_York", "America/Chicago"), "US")
    assert check(US, DEFAULT_RETRY, lead, utc(2025, 6, 2, 12, 30)).next_at == utc(2025, 6, 2, 13, 0)


@pytest.mark.parametrize(("now", "expected", "reason"), [
    (utc(2025, 4, 18, 17, 30), utc(2025, 4, 18, 17, 30), "ok"),  # Friday 19:30 CEST
    (utc(2025, 4, 18, 11, 30), utc(2025, 4, 18, 12, 0), "outside calling hours"),  # lunch
    # Friday 20:00 -> Tuesday 10:00: the weekend, then Easter Monday
    (utc(2025, 4, 18, 18, 0), utc(2025, 4, 22, 8, 0), "outside calling hours"),
    # Friday 20:30 CET -> Monday 10:00 CEST, the clocks changed on Sunday
    (utc(2025, 3, 28, 19, 30), utc(2025, 3, 31, 8, 0), "outside calling hours"),
    (utc(2025, 3, 27, 8, 30), utc(2025, 3, 27, 9, 0), "outside calling hours"),  # 09:30 CET
])
def test_france_weekdays_hours_and_holidays(now, expected, reason):
    verdict = check(FRANCE, DEFAULT_RETRY, PARIS, now)
    assert (verdict.next_at, verdict.reason) == (expected, reason)


def test_france_region_holidays():
    moselle = Lead(("Europe/Paris",), "FR", subdivision="57")
    good_friday = utc(2025, 4, 18, 9, 0)
    assert check(FRANCE, DEFAULT_RETRY, PARIS, good_friday).allowed
    assert check(FRANCE, DEFAULT_RETRY, moselle, good_friday).next_at == utc(2025, 4, 22, 8, 0)


def test_france_caps_attempts_at_four_in_thirty_days():
    retry = RetryPolicy({Outcome.NO_ANSWER: RetryRule(timedelta(hours=1))})
    days = [utc(2025, 6, d, 8, 0) for d in (2, 3, 4, 5)]  # Monday to Thursday, 10:00
    lead = Lead(PARIS.timezones, "FR", attempts=tuple(Attempt(d, Outcome.NO_ANSWER) for d in days))
    verdict = check(FRANCE, retry, lead, utc(2025, 6, 6, 8, 0))
    assert (verdict.next_at, verdict.reason) == (utc(2025, 7, 2, 8, 0), "attempt cap")


def test_uk_waits_72_hours_after_an_abandoned_call():
    abandoned = Lead(LONDON.timezones, "GB", attempts=(Attempt(utc(2025, 3, 28, 10), Outcome.ABANDONED),))
    verdict = check(UK, DEFAULT_RETRY, abandoned, utc(2025, 3, 29, 10))
    assert (verdict.next_at, verdict.reason) == (utc(2025, 3, 31, 10), "retry delay")
    with_agent = check(UK, DEFAULT_RETRY, abandoned, utc(2025, 3, 29, 10), agent_guaranteed=True)
    assert with_agent.allowed  # the campaign's own 1 h delay has passed
    assert check(US, DEFAULT_RETRY, abandoned, utc(2025, 3, 29, 14)).allowed


def test_uk_waits_24_hours_after_a_detected_machine():
    machine = Lead(LONDON.timezones, "GB", attempts=(Attempt(utc(2025, 3, 28, 10), Outcome.MACHINE),))
    assert check(UK, DEFAULT_RETRY, machine, utc(2025, 3, 28, 18)).next_at == utc(2025, 3, 29, 10)


def test_retry_delays_and_counts_per_outcome():
    retry = RetryPolicy({Outcome.BUSY: RetryRule(timedelta(minutes=10), max_attempts=2),
                         Outcome.NO_ANSWER: RetryRule(timedelta(hours=2))}, max_attempts=5)
    t = utc(2025, 6, 2, 15)
    busy = Attempt(t, Outcome.BUSY)

    def verdict(*attempts: Attempt, at: datetime = t + timedelta(minutes=5)):
        return check(US, retry, Lead(NEW_YORK.timezones, "US", attempts=attempts), at)

    assert verdict(busy).next_at == t + timedelta(minutes=10)
    assert verdict(busy, Attempt(t, Outcome.NO_ANSWER)).next_at == t + timedelta(hours=2)
    assert verdict(busy, busy).reason == "exhausted"
    assert verdict(busy, Attempt(t, Outcome.CONNECTED)).reason == "final"
    five = [Attempt(t, Outcome.NO_ANSWER)] * 5
    assert verdict(*five).next_at is None


def test_france_refusal_holds_for_sixty_days():
    retry = RetryPolicy({Outcome.REFUSED: RetryRule(timedelta(days=1))})
    refused = Lead(PARIS.timezones, "FR", attempts=(Attempt(utc(2025, 6, 2, 8), Outcome.REFUSED),))
    assert check(FRANCE, retry, refused, utc(2025, 6, 10, 8)).next_at == utc(2025, 8, 1, 8)


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        check(US, DEFAULT_RETRY, NEW_YORK, datetime(2025, 6, 2, 12))
