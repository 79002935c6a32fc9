"""AMI actions that drive the no-SIP call simulation in extensions.conf (pure)."""
from __future__ import annotations

import random
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from ctiserver.ami.actions import escape_argument

SIM_INBOUND = "sim-inbound"
SIM_PHONE = "sim-phone"
SIM_AGENT = "sim-agent"
SIM_QUEUE_KEYS = "sim-queue-keys"
"""A queue context (QueueSpec.context) whose digits let a waiting caller leave (EXITWITHKEY)."""

SIM_CUSTOMER = "sim-customer"
CUSTOMER_DIAL_STRING = f"Local/{{number}}@{SIM_CUSTOMER}"
"""The dialer's dial string in the sandbox: the simulated customers."""
CUSTOMER_BEHAVIOURS = ("human", "machine", "busy", "noanswer", "congestion", "fail")

_QUOTES = re.compile(r'["\\<>]')

# The collected fields are parsed twice more in the dialplan (UserEvent's arguments, then each
# "Name: value"): characters those parsers treat specially are refused rather than escaped.
_UNSAFE_COLLECTED = re.compile(r'[\\,"()\[\]|\x00-\x1f]')


def _seconds(value: float) -> str:
    """Plain decimals: Wait() reads no exponent (a random patience may be 1e-05 s)."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def caller_originate(
    queue: str,
    *,
    number: str,
    name: str,
    patience: float,
    talk: float,
    ring: float = 1,
    hangup_by: str = "caller",
    queue_timeout: int | None = None,
    channel_id: str | None = None,
    no_answer: list[str] | None = None,
    routed: bool = False,
    collected: Mapping[str, str] | None = None,
    key: str | None = None,
    key_after: float = 1.0,
    tone: str | None = None,
    ivr: str | None = None,
    survey_key: str | None = None,
    play: str | None = None,
    play_after: float = 1.0,
    sound: str | None = None,
) -> dict[str, str | list[str]]:
    """Originate a simulated caller into QUEUE (send with Async so AMI is not blocked).

    patience: seconds before the caller gives up unless answered; ring: seconds each agent
    rings before answering; talk: seconds from answer until hangup_by ('caller'|'agent')
    hangs up; queue_timeout: Queue() timeout (EXITWITHTIMEOUT); no_answer: agent exts that
    ring without answering; routed: through the routing (cc-inbound, FastAGI) rather than
    straight into QUEUE; collected: what an IVR collected, raised as UserEvent CcCollected on
    the caller's channel before the queue; key: a DTMF digit the caller presses ``key_after``
    seconds after the call starts (in a queue whose context has that extension, e.g.
    SIM_QUEUE_KEYS, the caller leaves: EXITWITHKEY), ``patience`` then counts from the key
    press; several keys with ``w`` for half a second between them (SendDTMF) walk an IVR.
    tone: what the caller's phone and the agent's send from their start (PlayTones'
    notation, e.g. "440"), audio for a recording; sound: a file the caller's phone plays as
    the agent answers (Playback's argument: Asterisk's path without the extension, see
    ``asterisk_conf.sandbox_config.sound_file``), talk then counts from its end. ivr:
    through the IVR flow of that name (cc-ivr) rather than straight into QUEUE; survey_key:
    pressed every second once answered, for the survey after the agent hangs up. play: a
    sound file (as Asterisk finds it, without the extension) the caller's phone plays into
    the call ``play_after`` seconds after it starts, e.g. a spoken answer to a speech menu;
    ``key`` then counts from its end. The Variable list goes out as repeated headers.
    """
    if hangup_by not in ("caller", "agent"):
        raise ValueError(f"hangup_by must be 'caller' or 'agent', not {hangup_by!r}")
    variables = {
        "SIM_NUM": number,
        "SIM_NAME": name,
        "SIM_PATIENCE": _seconds(patience),
        "SIM_RING": _seconds(ring),
        "SIM_TALK": _seconds(talk),
        "SIM_HANGUP": hangup_by,
        "SIM_NOANSWER": "&".join(no_answer or []),
    }
    if queue_timeout is not None:
        variables["CC_QUEUE_TIMEOUT"] = str(queue_timeout)
    if routed:
        variables["SIM_ROUTE"] = "1"
    if key is not None:
        if not re.fullmatch(r"[0-9*#][0-9*#w]*", key):
            raise ValueError(f"key must be DTMF digits (w: a pause), not {key!r}")
        variables["SIM_KEY"] = key
        variables["SIM_KEY_AFTER"] = _seconds(key_after)
    if ivr is not None:
        variables["SIM_IVR"] = ivr
    if survey_key is not None:
        if not re.fullmatch(r"[0-9*#]", survey_key):
            raise ValueError(f"survey_key must be one DTMF digit, not {survey_key!r}")
        variables["SIM_SURVEY_KEY"] = survey_key
    if play is not None:
        variables["SIM_PLAY"] = play
        variables["SIM_PLAY_AFTER"] = _seconds(play_after)
    if collected:
        variables["SIM_COLLECTED"] = _collected(collected)
    if tone is not None:
        variables["SIM_TONE"] = tone
    if sound is not None:
        variables["SIM_SOUND"] = sound
    return {
        "Action": "Originate",
        "Channel": f"Local/{queue}@{SIM_INBOUND}",
        "Context": SIM_PHONE,
        "Exten": "s",
        "Priority": "1",
        "Async": "true",
        "ChannelId": channel_id or str(uuid.uuid4()),
        # The ;1 leg's caller ID; the ;2 leg sets its own from SIM_NAME/SIM_NUM, exactly.
        "CallerID": f'"{_QUOTES.sub("", name)}" <{number}>',
        "Variable": [f"{key}={escape_argument(value)}" for key, value in variables.items()],
    }


def _collected(fields: Mapping[str, str]) -> str:
    """SIM_COLLECTED: "Name: value,Name: value" as UserEvent's arguments."""
    for name, value in fields.items():
        if _UNSAFE_COLLECTED.search(name + value) or ":" in name or not name.strip():
            raise ValueError(f"collected field {name!r}: {value!r} cannot go through the dialplan")
    return ",".join(f"{name}: {value}" for name, value in fields.items())


def agent_member(ext: str) -> tuple[str, str]:
    """(interface, state interface) of simulated agent EXT as a queue member."""
    return f"Local/{ext}@{SIM_AGENT}/n", f"Custom:sim-{ext}"


def state_interface(interface: str) -> str:
    """What Asterisk watches for a member's busy state: the simulated agents' custom device
    state, else (a real phone, a softphone) the interface itself."""
    match = re.fullmatch(rf"Local/([^@/]+)@{SIM_AGENT}(/n)?", interface)
    return agent_member(match.group(1))[1] if match else interface


def queue_add(queue: str, ext: str, penalty: int = 0, paused: bool = False) -> dict[str, str]:
    """AMI QueueAdd of simulated agent EXT."""
    interface, state_interface = agent_member(ext)
    return {
        "Action": "QueueAdd",
        "Queue": queue,
        "Interface": interface,
        "StateInterface": state_interface,
        "MemberName": ext,
        "Penalty": str(penalty),
        "Paused": "true" if paused else "false",
    }


def queue_pause(queue: str, ext: str, paused: bool, reason: str = "") -> dict[str, str]:
    """AMI QueuePause (or unpause) of simulated agent EXT in QUEUE."""
    return {
        "Action": "QueuePause",
        "Queue": queue,
        "Interface": agent_member(ext)[0],
        "Paused": "true" if paused else "false",
        "Reason": reason,
    }


def customer_variables(behaviour: str, *, rings_for: float = 1, talk: float = 30,
                       opt_out: bool = False, agent_ring: float = 0) -> dict[str, str]:
    """Originate variables that make the dialer's simulated customer behave so (see
    [sim-customer]): answer after RINGS_FOR seconds as a human who talks TALK seconds (and,
    with OPT_OUT, keeps pressing 9) or as an answering machine; or busy, no answer,
    congestion, a failed network. AGENT_RING: seconds the simulated agents ring (inherited
    by the agent channels the queue dials)."""
    if behaviour not in CUSTOMER_BEHAVIOURS:
        raise ValueError(f"behaviour must be one of {CUSTOMER_BEHAVIOURS}, not {behaviour!r}")
    return {
        "SIM_ANSWER": behaviour, "SIM_RINGS_FOR": _seconds(rings_for), "SIM_TALK": _seconds(talk),
        "SIM_OPTOUT": "1" if opt_out else "0", "__SIM_RING": _seconds(agent_ring),
    }


@dataclass(frozen=True, slots=True)
class CustomerMix:
    """Who the dialer's simulated customers are. A number answers with probability ANSWER
    after ringing RINGS seconds (uniform low, high), as an answering machine in MACHINE of
    those answers, else as a person who talks TALK seconds; of the numbers that do not answer
    BUSY are busy and the rest ring on. A number is always the same customer (drawn from SEED
    and the number), so the sandbox knows each one's truth (``behaviour``)."""

    answer: float = 0.3
    machine: float = 0.4
    busy: float = 0.3
    rings: tuple[float, float] = (1.0, 8.0)
    talk: tuple[float, float] = (15.0, 45.0)
    seed: int = 0

    def _draws(self, number: str) -> random.Random:
        return random.Random(f"{self.seed}:{number}")

    def behaviour(self, number: str) -> str:
        draws = self._draws(number)
        if draws.random() < self.answer:
            return "machine" if draws.random() < self.machine else "human"
        return "busy" if draws.random() < self.busy else "noanswer"

    def variables(self, number: str) -> dict[str, str]:
        """The Originate variables of NUMBER's customer (a ``DialVariables`` of the dialer)."""
        draws = self._draws(number)
        draws.random(), draws.random()  # past the draws of ``behaviour``
        return customer_variables(self.behaviour(number), rings_for=draws.uniform(*self.rings),
                                  talk=draws.uniform(*self.talk))
