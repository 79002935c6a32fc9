"""A campaign's settings (pure logic): what an admin may set, validated, and the dialing rules
(``dialer.compliance``) they stand for.

The calling hours a campaign sets may only narrow its rule set's: every range inside one of the
legal ranges, on legal weekdays. Retry rules give, per attempt outcome, a delay and a cap;
outcomes without a rule end the lead (a person reached, a refusal).
"""
from __future__ import annotations

import dataclasses
from datetime import time, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from callcenter.errors import Phrase
from dialer import compliance
from dialer.attempts import RULE_OUTCOMES, AttemptResult
from dialer.compliance import CallingHours, Outcome, RetryPolicy, RetryRule, RuleSet

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]+$"
CampaignName = Annotated[str, StringConstraints(strip_whitespace=True, pattern=NAME_PATTERN,
                                                min_length=2, max_length=80)]
RULE_SETS: dict[str, RuleSet] = {rules.name: rules for rules in
                                 (compliance.US, compliance.UK, compliance.FRANCE)}
DNC_COUNTRY = {"US": "US", "UK": "GB", "FR": "FR"}
"""Whose national do-not-call register a rule set's campaigns must be washed against."""
LEGAL_ABANDON_TARGET = 0.03
CAMPAIGN_MANAGERS = ("admin", "supervisor", "marketing")
"""The roles that create, change, start and stop campaigns and upload their lead lists."""


DNC_REFUSED = "dnc_refused"
"""The stored outcome of an attempt whose person asked never to be called again."""


def stored_outcome(result: AttemptResult, opted_out: bool) -> str:
    """What a lead_attempts row says of an attempt."""
    return DNC_REFUSED if opted_out else result.value


def rule_outcome(stored: str, reached_agent: bool) -> Outcome:
    """What the calling rules count for a stored outcome: a refusal, and a machine that
    reached an agent, apart."""
    if stored == DNC_REFUSED:
        return Outcome.REFUSED
    result = AttemptResult(stored)
    if result is AttemptResult.MACHINE and reached_agent:
        return Outcome.AGENT_MACHINE
    return RULE_OUTCOMES[result]


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class RetryRuleSetting(Settings):
    delay_minutes: int = Field(ge=1, le=60 * 24 * 60)
    max_attempts: int | None = Field(default=None, ge=1, le=100)


RETRYABLE = Literal["busy", "no_answer", "machine", "failed", "abandoned"]
"""The calling rules' outcomes a campaign may retry after (congestion counts as failed)."""


class RetryRules(Settings):
    """Per outcome, when to call again and how often at most; ``max_attempts`` over all."""
    rules: dict[RETRYABLE, RetryRuleSetting]
    max_attempts: int | None = Field(default=None, ge=1, le=100)

    def policy(self) -> RetryPolicy:
        rules = {Outcome(outcome): RetryRule(
            timedelta(minutes=rule.delay_minutes), rule.max_attempts)
            for outcome, rule in self.rules.items()}
        if Outcome.MACHINE in rules:  # a machine that reached an agent is still a machine
            rules[Outcome.AGENT_MACHINE] = rules[Outcome.MACHINE]
        return RetryPolicy(rules, self.max_attempts)


Clock = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class HoursSetting(Settings):
    ranges: list[Annotated[list[Clock], Field(min_length=2, max_length=2)]] = Field(
        min_length=1, max_length=4)
    """Local [start, end) wall-clock ranges, "HH:MM"."""
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = [0, 1, 2, 3, 4, 5, 6]
    """Monday is 0."""

    def ranges_as_times(self) -> tuple[tuple[time, time], ...]:
        return tuple((time.fromisoformat(start), time.fromisoformat(end))
                     for start, end in self.ranges)

    @model_validator(mode="after")
    def _ranges_in_order(self) -> HoursSetting:
        if any(start >= end for start, end in self.ranges_as_times()):
            raise ValueError("each calling hours range must end after it starts")
        return self

    def narrowing(self, legal: CallingHours, rule_set: str) -> CallingHours:
        """These hours as the rules use them; ValueError when they reach outside ``legal``."""
        ranges = self.ranges_as_times()
        for start, end in ranges:
            if not any(low <= start and end <= high for low, high in legal.ranges):
                raise ValueError(f"calling hours {start:%H:%M}-{end:%H:%M} are outside what "
                                 f"the {rule_set} rules allow: {_describe(legal)}")
        if not set(self.weekdays) <= legal.weekdays:
            raise ValueError(f"the {rule_set} rules allow calls on weekdays "
                             f"{sorted(legal.weekdays)} only (Monday is 0)")
        return dataclasses.replace(legal, ranges=ranges, weekdays=frozenset(self.weekdays))


def _describe(hours: CallingHours) -> str:
    return ", ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in hours.ranges)


class CampaignSettings(Settings):
    """Everything an admin sets on a campaign (name and state apart)."""
    mode: Literal["preview", "progressive", "predictive"] = "progressive"
    ratio: float = Field(default=1.0, ge=1.0, le=5.0)
    queue: str | None = None
    caller_id: str | None = Field(default=None, max_length=40)
    rule_set: Literal["US", "UK", "FR"]
    calling_hours: HoursSetting | None = None
    retry_rules: RetryRules | None = None
    abandon_target: float = Field(default=LEGAL_ABANDON_TARGET, gt=0, le=LEGAL_ABANDON_TARGET)
    safe_harbor_message: str | None = Field(default=None, max_length=200)
    amd: bool = False
    script: CampaignName | None = None
    """The campaign name the CRM's script is stored under; None: this campaign's own."""
    disposition_set: CampaignName | None = None
    """Likewise for the disposition list."""

    @model_validator(mode="after")
    def _hours_inside_the_rules(self) -> CampaignSettings:
        self.dialing_rules()
        return self

    def dialing_rules(self) -> RuleSet:
        """The rule set, with this campaign's calling hours when it narrows them."""
        legal = RULE_SETS[self.rule_set]
        if self.calling_hours is None:
            return legal
        return dataclasses.replace(legal, hours=self.calling_hours.narrowing(legal.hours,
                                                                             self.rule_set))

    def retry_policy(self) -> RetryPolicy:
        return compliance.DEFAULT_RETRY if self.retry_rules is None else self.retry_rules.policy()

    @property
    def agent_guaranteed(self) -> bool:
        """Every answered call meets a waiting agent: preview, or progressive at one call per
        free agent (Ofcom waives its redial gaps then)."""
        return self.mode == "preview" or (self.mode == "progressive" and self.ratio <= 1.0)

    def start_problem(self) -> Phrase | None:
        """Why these settings cannot dial yet, if they cannot."""
        if self.queue is None:
            return Phrase("the campaign has no queue whose agents work it")
        if self.mode == "predictive" and self.rule_set in ("US", "UK") \
                and not self.safe_harbor_message:
            return Phrase("a predictive campaign under the {rules} rules plays a message on"
                          " abandoned calls: set safe_harbor_message", rules=self.rule_set)
        return None
