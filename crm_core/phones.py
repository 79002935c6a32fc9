"""Phone numbers in one canonical form (E.164), so differently written numbers match."""
from __future__ import annotations

from functools import lru_cache

import phonenumbers


@lru_cache(maxsize=16384)  # the CTI server normalises every queue caller twice (lookup, CRM row)
def normalize_number(raw: str, default_region: str) -> str | None:
    """E.164 form of ``raw`` ("+49301234567"); national numbers are read in ``default_region``
    (ISO country code such as "DE"). None when ``raw`` is not a valid phone number."""
    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        return None
    # Validity, not mere possibility: "12" is a "possible" German number.
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
