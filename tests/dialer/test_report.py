"""A campaign's compliance report on scripted attempts: the UK formula's known case (64.44 %),
the US 30-day window, the worst and latest 24 h, calls out of the calling hours and to numbers
already on a do-not-call list counted, safe-harbor plays and attempts per lead."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialer.compliance import UK, US, Lead, Outcome
from dialer.report import ReportAttempt, report

LONDON = Lead(("Europe/London",), "GB")
NEW_YORK = Lead(("America/New_York",), "US")
NOON = datetime(2026, 3, 10, 12, tzinfo=UTC)  # 12:00 in London, 08:00 in New York


def attempts(outcome: Outcome, count: int, *, lead: Lead = LONDON, at: datetime = NOON,
             first_lead: int = 0) -> list[ReportAttempt]:
    return [ReportAttempt(first_lead + n, lead, at + timedelta(minutes=n), outcome)
            for n in range(count)]


def test_the_ofcom_case_gives_64_44_percent_and_abandoned_calls_are_safe_harbor_plays():
    scripted = (attempts(Outcome.ABANDONED, 29) + attempts(Outcome.CONNECTED, 9, first_lead=29)
                + attempts(Outcome.AGENT_MACHINE, 7, first_lead=38)
                + attempts(Outcome.MACHINE, 5, first_lead=45))
    found = report(scripted, UK.hours, UK.abandon, NOON + timedelta(hours=2))
    assert round(found.latest_day.uk_rate * 100, 2) == 64.44
    assert round(found.worst_day.uk_rate * 100, 2) == 64.44
    assert found.latest_day.us_rate == pytest.approx(29 / 38)
    assert (found.safe_harbor_plays, found.out_of_window, found.dnc_calls) == (29, 0, 0)
    assert (found.attempts, found.leads, found.attempts_per_lead_max) == (50, 50, 1)


def test_us_rate_over_30_days_and_the_worst_day_apart_from_the_latest():
    bad_day = NOON - timedelta(days=20, hours=-2)  # 14:00 UTC: 09:00 in New York in February
    scripted = (attempts(Outcome.ABANDONED, 3, lead=NEW_YORK, at=bad_day)
                + attempts(Outcome.CONNECTED, 97, lead=NEW_YORK, at=NOON + timedelta(hours=1))
                + attempts(Outcome.ABANDONED, 5, lead=NEW_YORK, at=bad_day - timedelta(days=20)))
    found = report(scripted, US.hours, US.abandon, NOON + timedelta(hours=3))
    assert found.month.us_rate == pytest.approx(0.03)
    assert (found.month.abandoned, found.month.connected) == (3, 97)
    assert found.worst_day.us_rate == 1.0
    old_day = bad_day - timedelta(days=20)  # before the 30 days: the worst day still
    assert (found.worst_day.ends_at, found.worst_day.abandoned) == (
        old_day + timedelta(minutes=4), 5)
    assert (found.latest_day.abandoned, found.latest_day.connected) == (0, 97)
    assert found.out_of_window == 0


def test_calls_out_of_hours_and_to_do_not_call_numbers_are_counted():
    night = datetime(2026, 3, 10, 23, tzinfo=UTC)
    listed = NOON - timedelta(days=1)
    scripted = [ReportAttempt(1, LONDON, NOON, Outcome.BUSY),
                ReportAttempt(1, LONDON, night, Outcome.NO_ANSWER),
                ReportAttempt(1, LONDON, NOON + timedelta(days=1), Outcome.CONNECTED),
                ReportAttempt(2, LONDON, NOON, Outcome.CONNECTED, dnc_since=listed),
                ReportAttempt(3, LONDON, NOON, Outcome.CONNECTED,
                              dnc_since=NOON + timedelta(hours=1))]
    found = report(scripted, UK.hours, UK.abandon, NOON + timedelta(days=2))
    assert (found.out_of_window, found.dnc_calls) == (1, 1)
    assert (found.leads, found.attempts_per_lead_mean, found.attempts_per_lead_max) == (3, 5 / 3, 3)


def test_a_campaign_without_calls_reports_zeros():
    found = report([], US.hours, US.abandon, NOON)
    assert (found.worst_day.ends_at, found.worst_day.us_rate, found.attempts_per_lead_mean) == (
        None, 0.0, 0.0)
