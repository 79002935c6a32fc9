"""The JSON bodies of the dialer's APIs (agent_console.campaigns_api), requests and answers:
campaigns, lead list imports and their progress, do-not-call entries. Requests refuse unknown
fields and take JSON's own types, as agent_console.schemas' do."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Json, StringConstraints

from dialer.campaigns import CampaignName, CampaignSettings
from dialer.leadrows import ColumnMapping


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewCampaignBody(CampaignSettings):
    """POST /admin/campaigns: a name and the settings (PUT takes the settings alone)."""
    name: CampaignName


class CampaignAnswer(CampaignSettings):
    model_config = ConfigDict(extra="forbid", strict=False)

    name: str
    state: Literal["draft", "running", "paused", "stopped"]
    actions: list[Literal["start", "pause", "stop"]]
    """What the state allows now."""
    created_at: str
    updated_at: str
    started_at: str | None
    stopped_at: str | None


class CampaignList(Answer):
    campaigns: list[CampaignAnswer]


class CampaignDeleted(Answer):
    deleted: str


class ImportAnswer(Answer):
    """A lead list's import: counts so far, ``fraction`` of the file read, ``status`` importing,
    done or failed (``error`` says why); ``error_report``: a report can be downloaded."""
    list_id: int
    campaign: str
    name: str
    source_file: str
    status: Literal["importing", "done", "failed"]
    rows_read: int
    loaded: int
    merged: int
    duplicates: int
    bad: int
    dnc: int
    ambiguous: int
    customers_linked: int
    bytes_read: int
    total_bytes: int
    error_lines: int
    error: str | None
    fraction: float
    error_report: bool


class ImportList(Answer):
    lists: list[ImportAnswer]


Region = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z]{2}$"),
                   AfterValidator(str.upper)]
"""An ISO 3166 country code: numbers written without +country are read there."""


class UploadFields(BaseModel):
    """The text fields of a lead list upload (multipart/form-data, beside the ``file``)."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    mapping: Json[ColumnMapping]
    """As JSON: {"phone": "Telefon", "first_name": "Vorname", ...}."""
    region: Region | None = None
    name: str | None = Field(default=None, max_length=200)


class DncBody(BaseModel):
    """POST /api/dnc: the number that must not be called again (any format)."""
    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)

    number: str = Field(min_length=1, max_length=40)
    reason: str | None = Field(default=None, max_length=200)


class DncAnswer(Answer):
    number: str
    listed: bool
    sources: list[Literal["internal", "national"]]


class NationalDncFields(BaseModel):
    """The text fields of a national do-not-call upload (multipart/form-data, beside the
    ``file``: a CSV, one number a row or the FTC's area code, number)."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    country: Literal["US", "GB", "FR"]
    released_on: date
    """The register's release date: a campaign refuses to start on one older than 31 days."""
    name: str | None = Field(default=None, max_length=200)


class NationalDncAnswer(Answer):
    """The loaded release, which replaced the country's earlier one: numbers on it, rows that
    were no number of the country, leads of every campaign now marked do-not-call."""
    list_id: int
    country: str
    released_on: date
    count: int
    bad: int
    leads_marked: int


class AbandonRatesAnswer(Answer):
    """One window's answered calls (``ends_at`` null: no call yet) and both formulas' rates
    (fractions: US abandoned / live-answered, UK Ofcom's D' / (H + D'))."""
    ends_at: str | None
    abandoned: int
    connected: int
    agent_machines: int
    us_rate: float
    uk_rate: float


class ComplianceAnswer(Answer):
    """GET /admin/campaigns/{name}/compliance: dialer.report's ComplianceReport."""
    attempts: int
    leads: int
    worst_day: AbandonRatesAnswer
    latest_day: AbandonRatesAnswer
    month: AbandonRatesAnswer
    out_of_window: int
    dnc_calls: int
    safe_harbor_plays: int
    attempts_per_lead_mean: float
    attempts_per_lead_max: int
