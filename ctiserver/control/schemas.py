"""Request bodies of the call controls (``POST /api/call/{action}``), declared once."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ctiserver.control.channels import DTMF_DIGITS, NUMBER


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NoFields(Body):
    """hangup, hold, unhold, atxfer_cancel, conference."""


class TransferBody(Body):
    kind: Literal["extension", "queue", "number"]
    target: str = Field(min_length=1, max_length=64)


class DialBody(Body):
    number: str

    @field_validator("number")
    @classmethod
    def _phone_number(cls, value: str) -> str:
        value = value.replace(" ", "")
        if not NUMBER.match(value):
            raise ValueError("must be a phone number (digits, optional +)")
        return value


class DtmfBody(Body):
    digits: str

    @field_validator("digits")
    @classmethod
    def _digits(cls, value: str) -> str:
        if not DTMF_DIGITS.match(value):
            raise ValueError("must be 1 to 32 of 0-9, *, #, A-D")
        return value


class CallControlResult(BaseModel):
    ok: bool = True
    action: str
    channel: str | None = None
    channel_id: str | None = None
    held: str | None = None
    was_held: bool | None = None
    exten: str | None = None
    context: str | None = None
    number: str | None = None
    digits: str | None = None
    supervisor: str | None = None


BODIES: dict[str, type[Body]] = {
    "hangup": NoFields, "hold": NoFields, "unhold": NoFields, "transfer": TransferBody,
    "atxfer": TransferBody, "atxfer_cancel": NoFields, "conference": NoFields,
    "dial": DialBody, "dtmf": DtmfBody,
}
ACTIONS = tuple(BODIES)
