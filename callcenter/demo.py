"""The demo: simulated agents and a stream of simulated callers, so a newcomer sees calls flow."""
from __future__ import annotations

import asyncio
import logging
import random
import secrets

from asterisk_conf.render import QueueSpec, webrtc_endpoint
from asterisk_conf.simulation import agent_member, caller_originate, queue_add
from asterisk_conf.traffic import Handling, TrafficPlan, plan_traffic
from crm_core.db import Database
from crm_core.demo_data import DEMO_CUSTOMERS
from crm_core.queues import create_queue, get_queue
from crm_core.teams import set_led_teams
from crm_core.users import ensure_user
from ctiserver.ami.client import AmiClient, AmiError

log = logging.getLogger(__name__)

DEMO_QUEUES = [QueueSpec("support"), QueueSpec("sales")]
DEMO_AGENTS = {"1001": "Maria Rossi", "1002": "Kenji Watanabe", "1003": "Olga Petrova",
               "1004": "Sam Okafor"}
DEMO_SOFTPHONE_AGENTS = {"2001": "Ana Souza"}
"""Agents whose phone is the browser (a WebRTC endpoint in the sandbox): they log in to the
queues from the console and take the simulated calls in the page."""
UNKNOWN_CALLERS = [("+4930987654", "Fatima Al-Sayed"), ("+33142000000", "Émile Faure"),
                   ("+81312345678", "佐藤 花子"), ("+4915700000", "")]
MENU_CHOICES = {"support": ["Technical problem", "Outage", "Installation"],
                "sales": ["New contract", "Upgrade", "Cancellation"]}
LANGUAGES = ["English", "Deutsch", "Français", "日本語"]
CALL_SHARES = {"support": 0.6, "sales": 0.4}
"""Each demo queue's part of the simulated calls."""
RING_SECONDS = (1.0, 4.0)
TALK_SECONDS = (15.0, 45.0)
"""How long a simulated agent's phone rings before they answer, and a call lasts (uniform)."""
LATE_CALLER = 5.0
"""Seconds after which a caller not placed in time is dropped."""


async def define_demo_queues(db: Database) -> None:
    """The demo queues as the CRM defines them (with wrap-up and targets), unless already there.
    Retry 1 s: the queues share their agents, and a caller whose agent the other queue's
    caller took first tries again a second later, not after app_queue's 5 s (during a burst
    the 5 s let one queue's callers starve, waiting minutes)."""
    for spec in DEMO_QUEUES:
        if await get_queue(db, spec.name) is None:
            await create_queue(db, spec.name, display_name=spec.name.title(), wrapup_seconds=5,
                               retry=1, sl_threshold=20, sl_target=0.8, max_wait_alert=45)


async def demo_traffic(db: Database) -> TrafficPlan:
    """Callers sized to the simulated agents (who take every demo queue's calls) and the demo
    queues as the CRM has them now: their wrap-up, service-level thresholds and targets."""
    queues = [queue for spec in DEMO_QUEUES if (queue := await get_queue(db, spec.name))]
    handling = Handling(ring=RING_SECONDS, talk=TALK_SECONDS,
                        wrapup=max(q.wrapup_seconds for q in queues))
    return plan_traffic(len(DEMO_AGENTS), {q.name: CALL_SHARES[q.name] for q in queues}, handling,
                        threshold=min(q.sl_threshold for q in queues),
                        sl_target=max(q.sl_target for q in queues))


def describe_traffic(plan: TrafficPlan) -> str:
    """A few lines for the console: what the simulated callers do."""
    rates = ", ".join(f"{q} {rate * 60:.1f}" for q, rate in plan.rates.items())
    return (f"Simulated callers a minute: {rates}; every {plan.burst_every / 60:g} minutes"
            f" {plan.burst_calls} more call one queue within {plan.burst_length:g} s.\n{len(DEMO_AGENTS)} simulated agents answer after"
            f" {RING_SECONDS[0]:g}-{RING_SECONDS[1]:g} s, talk {TALK_SECONDS[0]:g}-{TALK_SECONDS[1]:g} s,"
            f" wrap up {plan.handling.wrapup:g} s; a waiting caller hangs up after"
            f" {plan.patience:g} s on average.")


async def create_demo_users(db: Database) -> dict[str, str]:
    """A demo supervisor and agent accounts bound to the simulated agents, with fresh
    passwords on every start. Returns {username: password}."""
    logins = {}
    phones = {**{ext: agent_member(ext)[0] for ext in DEMO_AGENTS},
              **{ext: f"PJSIP/{webrtc_endpoint(ext)}" for ext in DEMO_SOFTPHONE_AGENTS}}
    for ext, name in {**DEMO_AGENTS, **DEMO_SOFTPHONE_AGENTS}.items():
        logins[f"agent{ext}"] = password = secrets.token_urlsafe(9)
        await ensure_user(db, f"agent{ext}", display_name=name, role="agent", extension=ext,
                          interface=phones[ext], team="demo", password=password)
    logins["supervisor"] = password = secrets.token_urlsafe(9)
    supervisor_id, _ = await ensure_user(db, "supervisor", display_name="Demo Supervisor",
                                         role="supervisor", password=password)
    await set_led_teams(db, supervisor_id, ["demo"])
    return logins


async def log_in_demo_agents(ami: AmiClient) -> None:
    for queue in DEMO_QUEUES:
        for ext in DEMO_AGENTS:
            try:
                await ami.send(queue_add(queue.name, ext))
            except AmiError as exc:  # already a member after a restart of the CTI server
                log.debug("QueueAdd %s %s: %s", queue.name, ext, exc)


def _ivr_answers(rng: random.Random, queue: str) -> dict[str, str]:
    """What an IVR in front of the queue might have collected; some callers skip it."""
    if rng.random() < 0.3:
        return {}
    answers = {"Reason": rng.choice(MENU_CHOICES.get(queue, ["Other"])),
               "Language": rng.choice(LANGUAGES)}
    if rng.random() < 0.7:
        answers["Account"] = str(rng.randrange(1_000_000, 10_000_000))
    return answers


def _random_caller(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.6:
        customer = rng.choice(DEMO_CUSTOMERS)
        return customer.numbers[0].replace(" ", ""), customer.name
    return rng.choice(UNKNOWN_CALLERS)


async def simulate_callers(ami: AmiClient, plan: TrafficPlan, *, seed: int | None = None) -> None:
    """Callers arrive as the plan says (Poisson, with its bursts) into the demo queues, for ever."""
    rng = random.Random(seed)
    loop = asyncio.get_running_loop()
    start = loop.time()
    for at, queue in plan.arrivals(rng):
        await asyncio.sleep(start + at - loop.time())
        await ami.connected.wait()
        if loop.time() - (start + at) > LATE_CALLER:
            continue  # due while Asterisk was away: no pile of callers at the reconnect
        number, name = _random_caller(rng)
        caller = plan.caller(rng)
        action = caller_originate(
            queue, number=number, name=name, patience=caller.patience, talk=caller.talk,
            ring=caller.ring, hangup_by=rng.choice(("caller", "agent")),
            collected=_ivr_answers(rng, queue),
        )
        try:
            await ami.originate(action)
        except AmiError as exc:
            log.warning("simulated caller not placed: %s", exc)
