"""The dialer's hopper (adapter): which leads a campaign dials next, and what an attempt did.

``claim`` takes leads in this order: leads whose CRM customer has a callback due (an open row
of ``callbacks`` for the customer, for the lead's number or any; one booked for an agent names
that agent), then fresh leads (higher priority first, then in list order), then retries whose
time has come. Rows are locked with ``FOR UPDATE SKIP LOCKED`` and marked ``dialing`` in the
same transaction, so dialer processes claiming at once never get the same lead. Every
candidate is checked again at claim time: a number on a do-not-call list is never taken, and
``dialer.compliance.check`` (calling hours in every zone of the lead, retry delays, legal gaps
and caps) decides; a lead outside its hours waits (``next_attempt_at``) for the next opening,
one that can never be called again ends ``failed``.

``record_outcome`` writes the attempt (``DialedAttempt``: ``dialer.attempts``' result) and
applies the campaign's retry rules: the lead waits
for its next attempt (``retry``), or ends ``done`` (a person reached), ``dnc`` (they refused
further calls: the number goes on the site's own do-not-call list) or ``failed`` (no more
attempts allowed). ``release`` hands back claimed leads that were not dialed; ``skip`` hands
back one an agent skipped in preview (not an attempt: its outcome says ``skipped``, and it waits
a while so the next agent gets another lead first).

``apply_disposition``: the agent's disposition of a call that reached a person goes onto its
lead, whichever comes first, the wrap-up or the attempt's outcome (both call it). The code
``dnc`` lists the number on the site's do-not-call list; a callback the wrap-up booked is the
customer's open callback, which ``claim`` takes when it is due.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.errors import Conflict, NotFound
from crm_core.db import Database
from crm_core.models import Campaign
from dialer import compliance
from dialer.attempts import AttemptResult
from dialer.campaigns import DNC_REFUSED, CampaignSettings, rule_outcome, stored_outcome
from dialer.leadrows import ImportedLead, LeadDetails, LeadStatus
from dialer.phonezones import ZoneChoice, ZoneSource
from dialer.store import campaign_settings, list_internally

_COLUMNS = """
l.id, l.phone, l.alt_phones, l.first_name, l.last_name, l.custom, l.timezones, l.zone_source,
l.country, l.state, l.customer_id, l.attempts,
ARRAY(SELECT a.placed_at FROM lead_attempts a WHERE a.lead_id = l.id ORDER BY a.placed_at, a.id)
    AS attempt_times,
ARRAY(SELECT a.outcome FROM lead_attempts a WHERE a.lead_id = l.id ORDER BY a.placed_at, a.id)
    AS attempt_outcomes,
ARRAY(SELECT a.agent_user_id IS NOT NULL FROM lead_attempts a WHERE a.lead_id = l.id
      ORDER BY a.placed_at, a.id) AS attempt_reached_agent
"""
_DIALABLE = """
l.campaign_id = :campaign_id AND l.id <> ALL(CAST(:seen AS bigint[]))
AND NOT EXISTS (SELECT 1 FROM dnc_entries d WHERE d.number = l.phone)
"""
_TIERS = {
    "callback": f"""
        SELECT {_COLUMNS}, c.id AS callback_id, c.assigned_user_id,
               (SELECT u.interface FROM users u WHERE u.id = c.assigned_user_id) AS agent_interface
        FROM callbacks c JOIN leads l ON l.customer_id = c.customer_id
        WHERE c.status = 'open' AND c.due_at <= :now AND (c.number IS NULL OR c.number = l.phone)
          AND l.status NOT IN ('dialing', 'dnc') AND {_DIALABLE}
        ORDER BY c.due_at, c.id LIMIT :limit FOR UPDATE OF l SKIP LOCKED""",
    "fresh": f"""
        SELECT {_COLUMNS}, NULL AS callback_id, NULL AS assigned_user_id,
               NULL AS agent_interface FROM leads l
        WHERE l.status = 'new' AND (l.next_attempt_at IS NULL OR l.next_attempt_at <= :now)
          AND {_DIALABLE}
        ORDER BY l.priority DESC, l.id LIMIT :limit FOR UPDATE OF l SKIP LOCKED""",
    "retry": f"""
        SELECT {_COLUMNS}, NULL AS callback_id, NULL AS assigned_user_id,
               NULL AS agent_interface FROM leads l
        WHERE l.status = 'retry' AND l.next_attempt_at <= :now AND {_DIALABLE}
        ORDER BY l.next_attempt_at, l.id LIMIT :limit FOR UPDATE OF l SKIP LOCKED""",
}


@dataclass(frozen=True, slots=True)
class ClaimedLead:
    lead_id: int
    campaign: str
    phone: str
    alt_phones: tuple[str, ...]
    first_name: str | None
    last_name: str | None
    custom: dict[str, Any]
    customer_id: int | None
    attempts: int
    reason: str
    """callback, fresh or retry."""
    callback_id: int | None = None
    agent_user_id: int | None = None
    """A callback booked for this agent: the call goes to them."""
    agent_interface: str | None = None
    """That agent's phone (queue member interface)."""


@dataclass(frozen=True, slots=True)
class DialedAttempt:
    """One call placed to a lead, as the dialer saw it end (dialer.attempts' outcome)."""
    result: AttemptResult
    placed_at: datetime
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    call_key: str | None = None
    amd_result: str | None = None
    agent_user_id: int | None = None
    opted_out: bool = False
    """The person asked never to be called again."""

    @property
    def outcome(self) -> str:
        return stored_outcome(self.result, self.opted_out)


@dataclass(frozen=True, slots=True)
class LeadState:
    status: str
    next_attempt_at: datetime | None
    reason: str


def dialing_lead(row: Any, *, with_history: bool) -> compliance.Lead:
    """What the rules need of a lead row: its zones, country and holidays' region, attempts."""
    details = LeadDetails(country=row.country, state=row.state)
    zones = ZoneChoice(tuple(row.timezones), ZoneSource(row.zone_source))
    lead = ImportedLead(0, row.phone, LeadStatus.NEW, zones, details).dialing()
    if not with_history:
        return lead
    attempts = tuple(compliance.Attempt(at, rule_outcome(outcome, reached)) for at, outcome, reached
                     in zip(row.attempt_times, row.attempt_outcomes, row.attempt_reached_agent))
    return compliance.Lead(lead.timezones, lead.country, lead.subdivision, attempts)


class _Claim:
    """One claim's transaction: candidates tier by tier until ``wanted`` leads passed."""

    def __init__(self, session: AsyncSession, campaign: Campaign, settings: CampaignSettings,
                 now: datetime) -> None:
        self.session = session
        self.campaign = campaign
        self.rules = settings.dialing_rules()
        self.retry = settings.retry_policy()
        self.agent_guaranteed = settings.agent_guaranteed
        self.now = now
        self.seen: set[int] = set()
        self.claimed: list[ClaimedLead] = []
        self.waits: dict[int, datetime] = {}
        self.ended: list[int] = []

    async def fill(self, wanted: int) -> None:
        for tier, query in _TIERS.items():
            while len(self.claimed) < wanted:
                missing = wanted - len(self.claimed)
                rows = (await self.session.execute(text(query), {
                    "campaign_id": self.campaign.id, "seen": sorted(self.seen), "now": self.now,
                    "limit": missing})).all()  # no more locked than wanted: others dial them
                if not rows:
                    break
                for row in rows:
                    if row.id not in self.seen and len(self.claimed) < wanted:
                        self._consider(tier, row)
                    self.seen.add(row.id)

    def _consider(self, tier: str, row: Any) -> None:
        # a callback is an appointment the customer asked for: only the calling hours hold
        lead = dialing_lead(row, with_history=tier != "callback")
        verdict = compliance.check(self.rules, self.retry, lead, self.now,
                                   agent_guaranteed=self.agent_guaranteed)
        if verdict.allowed:
            self.claimed.append(ClaimedLead(
                row.id, self.campaign.name, row.phone, tuple(row.alt_phones), row.first_name,
                row.last_name, row.custom, row.customer_id, row.attempts, tier,
                row.callback_id, row.assigned_user_id, row.agent_interface))
        elif verdict.next_at is None:
            self.ended.append(row.id)
        elif tier != "callback":
            self.waits[row.id] = verdict.next_at

    async def write(self) -> None:
        ids = [lead.lead_id for lead in self.claimed]
        await self.session.execute(text(
            "UPDATE leads SET status = 'dialing', claimed_at = :now"
            " WHERE id = ANY(CAST(:ids AS bigint[]))"), {"ids": ids, "now": self.now})
        await self.session.execute(text(
            "UPDATE leads SET status = 'failed', next_attempt_at = NULL"
            " WHERE id = ANY(CAST(:ids AS bigint[]))"), {"ids": self.ended})
        if self.waits:
            await self.session.execute(text(
                "UPDATE leads SET next_attempt_at = w.at FROM"
                " unnest(CAST(:ids AS bigint[]), CAST(:ats AS timestamptz[])) AS w(id, at)"
                " WHERE leads.id = w.id"),
                {"ids": list(self.waits), "ats": list(self.waits.values())})


class Hopper:
    """The leads of the campaigns in ``db``, for the dialer."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, campaign: str, n: int, now: datetime) -> list[ClaimedLead]:
        """Up to ``n`` leads of a running campaign to dial at ``now``, marked dialing."""
        async with self.db.sessionmaker.begin() as session:
            row = await _running(session, campaign)
            claim = _Claim(session, row, campaign_settings(row), now)
            await claim.fill(n)
            await claim.write()
        return claim.claimed

    async def release(self, lead_ids: Iterable[int]) -> int:
        """Hand back claimed leads that were not dialed; how many were still claimed."""
        async with self.db.sessionmaker.begin() as session:
            result = await session.execute(text(
                "UPDATE leads SET status = CASE WHEN attempts = 0 THEN 'new' ELSE 'retry' END,"
                " claimed_at = NULL WHERE id = ANY(CAST(:ids AS bigint[])) AND status = 'dialing'"),
                {"ids": list(lead_ids)})
        return result.rowcount

    async def skip(self, lead_id: int, until: datetime) -> bool:
        """An agent skipped the claimed lead: back to the hopper, not before ``until``."""
        async with self.db.sessionmaker.begin() as session:
            result = await session.execute(text(
                "UPDATE leads SET status = CASE WHEN attempts = 0 THEN 'new' ELSE 'retry' END,"
                " claimed_at = NULL, last_outcome = 'skipped', next_attempt_at = :until"
                " WHERE id = :id AND status = 'dialing'"), {"id": lead_id, "until": until})
        return result.rowcount == 1

    async def apply_disposition(self, call_key: str) -> str | None:
        """The wrap-up of the dialer's call ``call_key`` onto its lead; the lead's status
        after it, None when either is not stored yet."""
        async with self.db.sessionmaker.begin() as session:
            return await _apply_disposition(session, call_key)

    async def record_outcome(self, lead_id: int, attempt: DialedAttempt) -> LeadState:
        """Write the attempt; the lead's status and next attempt follow the campaign's rules."""
        async with self.db.sessionmaker.begin() as session:
            lead = (await session.execute(text(
                "SELECT l.id, l.phone, l.status, l.campaign_id, l.customer_id FROM leads l"
                " WHERE l.id = :id FOR UPDATE"), {"id": lead_id})).first()
            if lead is None:
                raise NotFound("no lead {lead_id}", lead_id=lead_id)
            campaign = await session.get(Campaign, lead.campaign_id)
            await _insert_attempt(session, lead, attempt)
            state = await _next_state(session, lead, attempt, campaign_settings(campaign))
            await session.execute(text(
                "UPDATE leads SET status = :status, next_attempt_at = :next, claimed_at = NULL,"
                " attempts = attempts + 1, last_attempt_at = :at, last_outcome = :outcome"
                " WHERE id = :id"),
                {"id": lead_id, "status": state.status, "next": state.next_attempt_at,
                 "at": attempt.placed_at, "outcome": attempt.outcome})
            if attempt.result is AttemptResult.HUMAN and lead.customer_id is not None:
                await _finish_callbacks(session, lead, attempt.placed_at)
            if attempt.call_key is not None:  # wrapped up before the call's end was seen
                state = LeadState(await _apply_disposition(session, attempt.call_key)
                                  or state.status, state.next_attempt_at, state.reason)
        return state


DO_NOT_CALL = "dnc"
"""The disposition code (any case) that puts the lead's number on the do-not-call list."""


async def _apply_disposition(session: AsyncSession, call_key: str) -> str | None:
    row = (await session.execute(text(
        "SELECT w.disposition, w.user_id, l.id AS lead_id, l.phone FROM call_wrapups w"
        " JOIN lead_attempts a ON a.call_key = w.call_key JOIN leads l ON l.id = a.lead_id"
        " WHERE w.call_key = :key ORDER BY w.id DESC LIMIT 1"), {"key": call_key})).first()
    if row is None:
        return None
    if row.disposition.lower() == DO_NOT_CALL:
        await list_internally(session, row.phone, reason="the agent's disposition",
                              added_by=row.user_id)
    return await session.scalar(text(
        "UPDATE leads SET disposition = :disposition WHERE id = :id RETURNING status"),
        {"id": row.lead_id, "disposition": row.disposition})


async def _running(session: AsyncSession, name: str) -> Campaign:
    row = await session.scalar(text("SELECT id FROM campaigns WHERE name = :name"), {"name": name})
    if row is None:
        raise NotFound("no campaign {name}", name=name)
    campaign = await session.get(Campaign, row)
    if campaign.state != "running":
        raise Conflict("campaign {name} is {state}, not running", name=name, state=campaign.state)
    return campaign


async def _insert_attempt(session: AsyncSession, lead: Any, attempt: DialedAttempt) -> None:
    await session.execute(text(
        "INSERT INTO lead_attempts (lead_id, campaign_id, call_key, number, placed_at,"
        " answered_at, ended_at, outcome, amd_result, agent_user_id) VALUES (:lead_id,"
        " :campaign_id, :call_key, :number, :placed_at, :answered_at, :ended_at, :outcome,"
        " :amd_result, :agent_user_id)"),
        {"lead_id": lead.id, "campaign_id": lead.campaign_id, "number": lead.phone,
         "call_key": attempt.call_key, "placed_at": attempt.placed_at,
         "answered_at": attempt.answered_at, "ended_at": attempt.ended_at,
         "outcome": attempt.outcome, "amd_result": attempt.amd_result,
         "agent_user_id": attempt.agent_user_id})


async def _next_state(session: AsyncSession, lead: Any, attempt: DialedAttempt,
                      settings: CampaignSettings) -> LeadState:
    if attempt.outcome == DNC_REFUSED:
        await list_internally(session, lead.phone, reason="refused further calls",
                              added_by=attempt.agent_user_id)
        return LeadState("dnc", None, "refused further calls")
    if lead.status == "dnc":  # listed while the call was on
        return LeadState("dnc", None, "on a do-not-call list")
    row = (await session.execute(text(f"SELECT {_COLUMNS} FROM leads l WHERE l.id = :id"),
                                 {"id": lead.id})).one()  # the attempt just written included
    verdict = compliance.check(settings.dialing_rules(), settings.retry_policy(),
                               dialing_lead(row, with_history=True),
                               attempt.ended_at or attempt.placed_at,
                               agent_guaranteed=settings.agent_guaranteed)
    if verdict.next_at is None:
        final = "done" if attempt.result is AttemptResult.HUMAN else "failed"
        return LeadState(final, None, verdict.reason)
    return LeadState("retry", verdict.next_at, verdict.reason)


async def _finish_callbacks(session: AsyncSession, lead: Any, at: datetime) -> None:
    """A person was reached: the callbacks due for this number are kept."""
    await session.execute(text(
        "UPDATE callbacks SET status = 'done' WHERE customer_id = :customer AND status = 'open'"
        " AND due_at <= :at AND (number IS NULL OR number = :number)"),
        {"customer": lead.customer_id, "at": at, "number": lead.phone})

