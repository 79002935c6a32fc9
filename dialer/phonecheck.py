"""One lead number checked in a single pass: phonenumbers' answers, each work done once.

``phonenumbers.is_valid_number``, ``region_code_for_number`` and ``time_zones_for_number``
each classify the number against its region's metadata (a dozen regular expressions); the
lead import needs all three, so ``check_number`` classifies once and derives the three answers
the way those functions do; the zone lists' filtering (to the zones the zone database knows)
is memoised per list, of which there are a few hundred. Numbers written as
digits and spaces (with or without a leading +, the shape of nearly every list) skip parse's
text scanning (RFC 3966 parameters, extensions, letters), which cannot apply to them. A
region's number types are tested as ``number_type`` does, with its patterns compiled and its
lengths gathered once per region (``_TypePlan``) instead of looked up per test.
``tests/dialer/test_phonecheck.py`` compares every answer with phonenumbers' own over many
generated and odd inputs.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber, PhoneNumberType
from phonenumbers import phonenumberutil as util
from phonenumbers import timezone as number_timezones
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

from dialer.phonezones import known_zones

SIMPLE = re.compile(r"\+?[0-9]+(?: [0-9]+)*")
"""Text parse reads as its digits alone: no letters, extensions, URIs or other punctuation."""


@dataclass(frozen=True, slots=True)
class CheckedNumber:
    number: PhoneNumber
    e164: str
    region: str | None
    """phonenumbers' ``region_code_for_number``."""
    zones: tuple[str, ...]
    """phonenumbers' ``time_zones_for_number``, those the zone database knows."""


def check_number(raw: str, default_region: str) -> CheckedNumber | None:
    """``raw`` parsed (national numbers read in ``default_region``), or None unless it is a
    valid number (``crm_core.phones.parse_valid``)."""
    try:
        number = _parse(raw, default_region)
    except phonenumbers.NumberParseException:
        return None
    region, kind = _region_and_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if util.is_number_type_geographical(kind, number.country_code):
        zones = _prefix_zones(e164[1:1 + TIMEZONE_LONGEST_PREFIX])
    else:
        zones = _country_zones(number.country_code)
    return CheckedNumber(number, e164, region, zones)


def _parse(raw: str, region: str) -> PhoneNumber:
    if not (len(raw) <= util._MAX_INPUT_STRING_LENGTH and SIMPLE.fullmatch(raw)
            and util._is_viable_phone_number(raw)):
        return phonenumbers.parse(raw, region)
    return _parse_digits(raw.replace(" ", ""), region)


def _parse_digits(text: str, region: str) -> PhoneNumber:
    """``phonenumbers.parse`` from the point where the text is known to hold no extension
    (phonenumberutil.parse, after ``_maybe_strip_extension``, for a region that is given)."""
    number = PhoneNumber()
    if not util._check_region_for_parsing(text, region):
        raise phonenumbers.NumberParseException(
            phonenumbers.NumberParseException.INVALID_COUNTRY_CODE, "Missing or invalid default region.")
    metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
    try:
        country_code, national = util._maybe_extract_country_code(text, metadata, False, number)
    except phonenumbers.NumberParseException:  # "+" then no country code: parse retries without the +
        return phonenumbers.parse(text, region)
    if country_code != 0:
        number_region = util.region_code_for_country_code(country_code)
        if number_region != region:
            metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, number_region)
    else:
        national += text  # parse's _normalize(text): ASCII digits are their own normal form
        number.country_code = metadata.country_code
    if len(national) < util._MIN_LENGTH_FOR_NSN:
        raise phonenumbers.NumberParseException(
            phonenumbers.NumberParseException.TOO_SHORT_NSN, "too short to be a phone number")
    if metadata is not None:
        _, stripped, _ = util._maybe_strip_national_prefix_carrier_code(national, metadata)
        if util._test_number_length(stripped, metadata) not in (
                util.ValidationResult.TOO_SHORT, util.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
                util.ValidationResult.INVALID_LENGTH):
            national = stripped
    if len(national) > util._MAX_LENGTH_FOR_NSN:
        raise phonenumbers.NumberParseException(
            phonenumbers.NumberParseException.TOO_LONG, "too long to be a phone number")
    util._set_italian_leading_zeros_for_phone_number(national, number)
    number.national_number = int(national)
    return number


def _region_and_type(number: PhoneNumber) -> tuple[str | None, PhoneNumberType]:
    """``region_code_for_number`` and, when ``is_valid_number``, its ``number_type`` (else
    UNKNOWN), with the number classified once."""
    regions = util.COUNTRY_CODE_TO_REGION_CODE.get(number.country_code)
    if regions is None:
        return None, PhoneNumberType.UNKNOWN
    national = util.national_significant_number(number)
    found = regions[0] if len(regions) == 1 else None
    for region in regions if found is None else ():
        metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
        if metadata is None:
            continue
        if metadata.leading_digits is not None:
            if util.re_compile(metadata.leading_digits).match(national):
                found = region
                break
        elif (kind := _type_plan(metadata).number_type(national)) != PhoneNumberType.UNKNOWN:
            return region, kind
    if found is None:
        return None, PhoneNumberType.UNKNOWN
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(number.country_code, found.upper())
    if metadata is None or (found != util.REGION_CODE_FOR_NON_GEO_ENTITY and
                            number.country_code != util.country_code_for_valid_region(found)):
        return found, PhoneNumberType.UNKNOWN
    return found, _type_plan(metadata).number_type(national)


Matcher = Callable[[str], bool]


def _matcher(desc: util.PhoneNumberDesc | None) -> Matcher:
    """``_is_number_matching_desc(national, desc)`` as one function of the number."""
    if desc is None or not desc.national_number_pattern:
        return lambda national: False
    pattern = re.compile(desc.national_number_pattern)
    lengths = frozenset(desc.possible_length)
    if not lengths:
        return lambda national: pattern.fullmatch(national) is not None
    return lambda national: len(national) in lengths and pattern.fullmatch(national) is not None


_SPECIAL_TYPES = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE), ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST), ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER), ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN), ("voicemail", PhoneNumberType.VOICEMAIL))
"""Tested in this order after the general description, as ``_number_type_helper`` does."""


class _TypePlan:
    """A region's ``phonenumberutil._number_type_helper``, its descriptions compiled once."""

    def __init__(self, metadata: PhoneMetadata) -> None:
        self._general = _matcher(metadata.general_desc)
        self._special = tuple((_matcher(getattr(metadata, name)), kind)
                              for name, kind in _SPECIAL_TYPES)
        self._fixed = _matcher(metadata.fixed_line)
        self._mobile = _matcher(metadata.mobile)
        self._same = bool(metadata.same_mobile_and_fixed_line_pattern)

    def number_type(self, national: str) -> PhoneNumberType:
        if not self._general(national):
            return PhoneNumberType.UNKNOWN
        for matches, kind in self._special:
            if matches(national):
                return kind
        if self._fixed(national):
            return (PhoneNumberType.FIXED_LINE_OR_MOBILE if self._same or self._mobile(national)
                    else PhoneNumberType.FIXED_LINE)
        if not self._same and self._mobile(national):
            return PhoneNumberType.MOBILE
        return PhoneNumberType.UNKNOWN


_TYPE_PLANS: dict[int, _TypePlan] = {}
"""By the metadata object's id: phonenumbers loads each region's metadata once and keeps it."""


def _type_plan(metadata: PhoneMetadata) -> _TypePlan:
    plan = _TYPE_PLANS.get(id(metadata))
    if plan is None:
        plan = _TYPE_PLANS[id(metadata)] = _TypePlan(metadata)
    return plan


@functools.cache
def _known(zones: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(zone for zone in zones if zone in known_zones())


def _prefix_zones(digits: str) -> tuple[str, ...]:
    """``time_zones_for_geographical_number``'s longest-prefix lookup over the E.164 digits."""
    for length in range(len(digits), 0, -1):
        if (zones := TIMEZONE_DATA.get(digits[:length])) is not None:
            return _known(zones)
    return _known(number_timezones._UNKNOWN_TIME_ZONE_LIST)


@functools.cache
def _country_zones(country_code: int) -> tuple[str, ...]:
    return _known(number_timezones._country_level_time_zones_for_number(
        PhoneNumber(country_code=country_code)))
