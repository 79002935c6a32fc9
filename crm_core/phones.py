"""Phone numbers in one canonical form (E.164), so differently written numbers match."""
from __future__ import annotations

from functools import lru_cache

import phonenumbers


def parse_valid(raw: str, default_region: str) -> phonenumbers.PhoneNumber | None:
    """``raw`` parsed, national numbers read in ``default_region`` (ISO country code such as
    "DE"); None when it is not a valid phone number."""
    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        return None
    # Validity, not mere possibility: "12" is a "possible" German number.
    return parsed if phonenumbers.is_valid_number(parsed) else None


def e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=16384)  # the CTI server normalises every queue caller twice (lookup, CRM row)
def normalize_number(raw: str, default_region: str) -> str | None:
    """E.164 form of ``raw`` ("+49301234567"), or None when it is not a valid phone number."""
    parsed = parse_valid(raw, default_region)
    return None if parsed is None else e164(parsed)
