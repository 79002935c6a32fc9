"""The demo: simulated agents and a stream of simulated callers, so a newcomer sees calls flow."""
from __future__ import annotations

import asyncio
import logging
import random
import secrets

from asterisk_conf.render import QueueSpec, webrtc_endpoint
from asterisk_conf.simulation import agent_member, caller_originate, queue_add
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


async def define_demo_queues(db: Database) -> None:
    """The demo queues as the CRM defines them (with wrap-up and targets), unless already there."""
    for spec in DEMO_QUEUES:
        if await get_queue(db, spec.name) is None:
            await create_queue(db, spec.name, display_name=spec.name.title(), wrapup_seconds=5,
                               sl_threshold=20, sl_target=0.8, max_wait_alert=45)


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


async def simulate_callers(ami: AmiClient, *, mean_gap: float = 6.0, seed: int | None = None) -> None:
    """Callers arrive at random (Poisson) into the demo queues, for ever."""
    rng = random.Random(seed)
    while True:
        await ami.connected.wait()
        number, name = _random_caller(rng)
        queue = rng.choice(DEMO_QUEUES).name
        action = caller_originate(
            queue, number=number, name=name,
            patience=rng.uniform(15, 90), talk=rng.uniform(8, 40), ring=rng.uniform(1, 4),
            hangup_by=rng.choice(("caller", "agent")), collected=_ivr_answers(rng, queue),
        )
        try:
            await ami.originate(action)
        except AmiError as exc:
            log.warning("simulated caller not placed: %s", exc)
        await asyncio.sleep(rng.expovariate(1 / mean_gap))
