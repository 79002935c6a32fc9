"""Call-center scenarios for recorded AMI transcripts (pure, deterministic per seed)."""
from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

from .render import QueueSpec
from .simulation import SIM_QUEUE_KEYS, caller_originate, queue_add, queue_pause

Action = dict[str, str | list[str]]

NAMES = (
    "Anna Schmidt", "Jürgen 张伟", "José Álvarez", "Zoë O'Brien", "Müller, Hans", "田中 太郎",
    "Ольга Иванова", "Søren Kierkegård", "محمد علي", "Peter Meyer", "김민준", "Łukasz Nowak",
    "Ana María (Büro)", "", "Claire Dubois",
)


@dataclass(frozen=True)
class Scenario:
    queues: list[QueueSpec]
    steps: list[tuple[float, Action]]
    """(seconds from the start, AMI action), in time order."""

    @property
    def agents(self) -> list[str]:
        exts = {str(a["MemberName"]) for _, a in self.steps if a["Action"] == "QueueAdd"}
        return sorted(exts)


def _channel_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _number(rng: random.Random) -> str:
    return f"+4930{rng.randrange(1000000, 9999999)}"


def _members(queue: str, exts: list[str]) -> list[tuple[float, Action]]:
    return [(0.0, queue_add(queue, ext)) for ext in exts]


def single_call_nonascii() -> Scenario:
    call = caller_originate(
        "support", number="+49301234567", name="Jürgen 张伟", patience=30, talk=2, ring=1,
        hangup_by="caller", channel_id="5d0c43c2-5b1e-4c55-9d2e-0f8f1e2a7b01",
    )
    return Scenario(
        queues=[QueueSpec("support", retry=1)],
        steps=[*_members("support", ["1001"]), (1.0, call)],
    )


def _random_call(rng: random.Random, queue: str, *, abandon_share: float,
                 agent_hangup_share: float, talk: tuple[float, float],
                 no_answer: list[str] | None = None) -> Action:
    abandons = rng.random() < abandon_share
    return caller_originate(
        queue,
        number=_number(rng),
        name=rng.choice(NAMES),
        patience=round(rng.uniform(1.5, 4), 1) if abandons else 120,
        talk=round(rng.uniform(*talk), 1),
        ring=round(rng.uniform(0.3, 1.5), 1),
        hangup_by="agent" if rng.random() < agent_hangup_share else "caller",
        channel_id=_channel_id(rng),
        no_answer=no_answer,
    )


def mixed_calls(seed: int = 7) -> Scenario:
    """~20 calls on 3 agents: answered, abandoned in a burst, one Queue() timeout."""
    rng = random.Random(seed)
    agents = ["1001", "1002", "1003"]
    steps = _members("support", agents)
    at = 1.0
    for i in range(19):
        burst = 8 <= i < 14  # more callers than agents: some give up
        at += rng.uniform(0.2, 0.5) if burst else rng.uniform(1.0, 2.5)
        call = _random_call(rng, "support", abandon_share=0.5 if burst else 0.0,
                            agent_hangup_share=0.3, talk=(2, 6))
        steps.append((round(at, 2), call))
    # Every agent rings without answering until Queue()'s own timeout.
    timeout_call = caller_originate(
        "support", number=_number(rng), name="Timeout Tester", patience=120, talk=1,
        queue_timeout=4, no_answer=agents, channel_id=_channel_id(rng),
    )
    steps.append((round(at + 10, 2), timeout_call))
    return Scenario(queues=[QueueSpec("support", retry=1, timeout=3)], steps=steps)


def bench_capture(seed: int = 11, calls: int = 400) -> Scenario:
    """Hundreds of overlapping calls on two queues sharing 10 agents, with abandons,
    agents who do not answer, a few Queue() timeouts and pause/unpause."""
    rng = random.Random(seed)
    agents = [f"20{n:02d}" for n in range(1, 11)]
    steps = _members("support", agents[:7]) + _members("sales", agents[3:])
    at = 1.0
    for i in range(calls):
        at += rng.expovariate(2.6)
        queue = "support" if rng.random() < 0.6 else "sales"
        no_answer = [rng.choice(agents)] if i % 25 == 5 else None
        call = _random_call(rng, queue, abandon_share=0.12, agent_hangup_share=0.4,
                            talk=(0.5, 4), no_answer=no_answer)
        if i % 40 == 17:
            call = caller_originate(
                queue, number=_number(rng), name=rng.choice(NAMES), patience=120, talk=1,
                queue_timeout=3, no_answer=agents, channel_id=_channel_id(rng),
            )
        steps.append((round(at, 2), call))
        if i % 100 == 50:
            ext = rng.choice(agents[:7])
            steps.append((round(at, 2), queue_pause("support", ext, True, reason="break")))
            steps.append((round(at + 8, 2), queue_pause("support", ext, False)))
    steps.sort(key=lambda step: step[0])
    queues = [QueueSpec("support", retry=1, timeout=4), QueueSpec("sales", retry=1, timeout=4)]
    return Scenario(queues=queues, steps=steps)


def queue_exits() -> Scenario:
    """Every way out of a queue on two agents: answered (the caller or the agent hangs up
    mid-talk), a key pressed while waiting behind busy agents (EXITWITHKEY from position 1
    and 2), while an agent rings, an invalid key (the caller stays and is answered),
    abandons, a Queue() timeout, and EXITEMPTY when every member pauses (a waiting caller, and
    one who joins the paused queue)."""
    rng = random.Random(5)
    agents = ["1001", "1002"]

    def call(**kwargs) -> Action:
        params = dict(patience=60, talk=1, ring=0.5, hangup_by="caller") | kwargs
        return caller_originate("exits", number=_number(rng), name=rng.choice(NAMES),
                                channel_id=_channel_id(rng), **params)

    steps = [
        *_members("exits", agents),
        (1.0, call(talk=5, hangup_by="caller")),
        (1.2, call(talk=5, hangup_by="agent")),
        (2.0, call(key="5", key_after=1.5)),           # position 1 behind busy agents
        (2.2, call(key="7", key_after=2.0)),           # position 2
        (2.4, call(patience=2)),                        # abandons
        (10.0, call(key="3", key_after=1.5, no_answer=agents)),  # while the agents ring
        (14.0, call(key="#", key_after=0.8, ring=1.5, talk=1)),  # no such key: answered
        (18.0, call(queue_timeout=3, no_answer=agents)),         # EXITWITHTIMEOUT
        (24.0, call(no_answer=agents)),                 # waits while the members pause
        (26.0, queue_pause("exits", "1001", True, reason="break")),
        (26.2, queue_pause("exits", "1002", True, reason="lunch")),  # EXITEMPTY
        (28.0, call()),                                 # joins the paused queue: EXITEMPTY
        (30.0, queue_pause("exits", "1001", False)),
        (30.0, queue_pause("exits", "1002", False)),
        (31.0, call(talk=2, hangup_by="caller")),
    ]
    queue = QueueSpec("exits", retry=1, timeout=3, leavewhenempty="paused", context=SIM_QUEUE_KEYS)
    return Scenario(queues=[queue], steps=steps)


SCENARIOS = {
    "single_call_nonascii": single_call_nonascii,
    "mixed_calls": mixed_calls,
    "bench": bench_capture,
    "queue_exits": queue_exits,
}
