"""One lead number checked in a single pass: phonenumbers' answers, each work done once.

``phonenumbers.is_valid_number``, ``region_code_for_number`` and ``time_zones_for_number``
each classify the number against its region's metadata (a dozen regular expressions); the
lead import needs all three, so ``check_number`` classifies once and derives the three answers
the way those functions do. The answers depend only on the calling code and the national
significant number, so:

- Text written as digits and single spaces (with or without a leading +, the shape of nearly
  every list) is read here, as ``phonenumbers.parse`` reads it (IDD or + then the calling code,
  the default region's calling code written without +, the national prefix), by a ``_Plan`` of
  the region's metadata compiled once; any other text, and any reading that would end in one of
  parse's exceptions, goes to ``phonenumbers.parse`` itself.
- A number's type (``number_type``: premium rate, toll free, ..., fixed line, mobile) is one
  regular expression per region and number length: the descriptions of that length as
  alternatives, in ``_number_type_helper``'s order, the first that matches the whole number
  winning, behind a look-ahead for the general description.
- Time zones come from a longest-prefix map; per calling code only the prefix lengths its
  entries have are tried, and each entry's zones are filtered (to the zones the zone database
  knows) once.

``tests/dialer/test_phonecheck.py`` compares every answer with phonenumbers' own over many
generated and odd inputs.
"""
from __future__ import annotations

import re
from typing import NamedTuple

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberType
from phonenumbers import phonenumberutil as util
from phonenumbers import timezone as number_timezones
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

from dialer.phonezones import known_zones

SIMPLE = re.compile(r"\+?[0-9]+(?: [0-9]+)*")
"""Text parse reads as its digits alone: no letters, extensions, URIs or other punctuation."""
Result = util.ValidationResult


class CheckedNumber(NamedTuple):
    e164: str
    region: str | None
    """phonenumbers' ``region_code_for_number``."""
    zones: tuple[str, ...]
    """phonenumbers' ``time_zones_for_number``, those the zone database knows."""


class _Unsure(Exception):
    """The digits need ``phonenumbers.parse``: parse would raise, retry or read them otherwise."""


def check_number(raw: str, default_region: str) -> CheckedNumber | None:
    """``raw`` parsed (national numbers read in ``default_region``), or None unless it is a
    valid number (``crm_core.phones.parse_valid``)."""
    plan = _REGION_PLANS.get(default_region)
    try:
        if plan is None or len(raw) > util._MAX_INPUT_STRING_LENGTH or not SIMPLE.fullmatch(raw):
            raise _Unsure
        national = _read_digits(raw, plan)
    except _Unsure:
        try:
            number = phonenumbers.parse(raw, default_region)
        except phonenumbers.NumberParseException:
            return None
        national = number.country_code, util.national_significant_number(number)
    return None if national is None else _classified(*national)


def _read_digits(raw: str, home: _Plan) -> tuple[int, str] | None:
    """``phonenumbers.parse(raw, region)`` for text of digits and spaces, as (calling code,
    national significant number); None when parse refuses it."""
    text = raw.replace(" ", "")
    if len(text) < 3 and not (len(raw) == 2 and text.isdigit()):
        return None  # not viable: fewer than 3 digits, unless 2 written alone
    if text[0] == "+":
        country_code, national = _calling_code(text[1:])
    elif (after_idd := home.after_idd(text)) is not None:
        country_code, national = _calling_code(after_idd)
    elif (own := home.after_own_code(text)) is not None:
        country_code, national = home.country_code, own
    else:  # no calling code written: the default region's metadata reads it
        country_code, national = 0, text
    plan = home if country_code == 0 else _code_plan(country_code)
    if plan is None:
        raise _Unsure
    if len(national) < util._MIN_LENGTH_FOR_NSN:
        return None
    stripped = plan.strip_prefix(national)
    if plan.keeps_stripped(len(stripped)):
        national = stripped
    return None if len(national) > util._MAX_LENGTH_FOR_NSN else (plan.country_code, national)


def _calling_code(digits: str) -> tuple[int, str]:
    """``_extract_country_code`` after a + or an IDD."""
    if len(digits) <= util._MIN_LENGTH_FOR_NSN or digits[0] == "0":
        raise _Unsure
    for length in (1, 2, 3):
        if (code := int(digits[:length])) in util.COUNTRY_CODE_TO_REGION_CODE:
            return code, digits[length:]
    raise _Unsure


class _Plan:
    """One region's metadata (or a non-geographic calling code's), compiled for digit strings."""

    def __init__(self, metadata: PhoneMetadata) -> None:
        self.country_code = metadata.country_code
        self._country_text = str(metadata.country_code)
        idd = metadata.international_prefix
        self._idd = None if idd is None else re.compile(idd)
        self._prefix = (re.compile(metadata.national_prefix_for_parsing)
                        if metadata.national_prefix_for_parsing else None)
        self._transform = metadata.national_prefix_transform_rule
        self._metadata = metadata
        general = metadata.general_desc.national_number_pattern
        self._general = re.compile(general) if general else None
        desc = metadata.general_desc
        longest = max((*desc.possible_length, *desc.possible_length_local_only), default=0)
        self._lengths = tuple(util._test_number_length("0" * n, metadata)
                              for n in range(longest + 1))
        self._keeps = tuple(result not in (Result.TOO_SHORT, Result.IS_POSSIBLE_LOCAL_ONLY,
                                           Result.INVALID_LENGTH) for result in self._lengths)
        self._types: dict[int, tuple[re.Pattern[str] | None, dict[int, bool]]] = {}

    def _is_general(self, national: str) -> bool:
        """``_match_national_number(national, general_desc, False)``."""
        return self._general is not None and self._general.fullmatch(national) is not None

    def _length(self, length: int) -> Result:
        """``_test_number_length`` (it reads only the length)."""
        return self._lengths[length] if length < len(self._lengths) else Result.TOO_LONG

    def keeps_stripped(self, length: int) -> bool:
        """Parse keeps the number with its national prefix stripped when it has this length."""
        return self._keeps[length] if length < len(self._keeps) else True  # too long is kept

    def strip_prefix(self, number: str) -> str:
        """``_maybe_strip_national_prefix_carrier_code``'s number."""
        if not number or self._prefix is None or (match := self._prefix.match(number)) is None:
            return number
        viable = self._is_general(number)
        if not self._transform or match.groups()[-1] is None:
            stripped = number[match.end():]
        else:
            stripped = self._prefix.sub(self._transform, number, count=1)
        return number if viable and not self._is_general(stripped) else stripped

    def after_idd(self, text: str) -> str | None:
        """The digits after the region's international prefix (``_parse_prefix_as_idd``: not
        when a 0 follows, no calling code starts with 0), None without one."""
        if self._idd is None or (idd := self._idd.match(text)) is None:
            return None
        return None if text[idd.end():idd.end() + 1] == "0" else text[idd.end():]

    def after_own_code(self, text: str) -> str | None:
        """``_maybe_extract_country_code`` for digits read in this region: the national number
        when the text starts with the region's own calling code (written without +), else None."""
        if text.startswith(self._country_text):
            national = self.strip_prefix(text[len(self._country_text):])
            if ((not self._is_general(text) and self._is_general(national))
                    or self._length(len(text)) == Result.TOO_LONG):
                return national
        return None

    def geographic(self, national: str) -> bool | None:
        """Whether the number's type (``_number_type_helper``) is geographical
        (``is_number_type_geographical``); None: it has no type, it is not a valid number."""
        plan = self._types.get(len(national))
        if plan is None:
            plan = self._types[len(national)] = self._type_pattern(len(national))
        pattern, geographic = plan
        match = None if pattern is None else pattern.fullmatch(national)
        return None if match is None else geographic[match.lastindex]

    def _type_pattern(self, length: int) -> tuple[re.Pattern[str] | None, dict[int, bool]]:
        """The descriptions of numbers ``length`` digits long as one pattern: alternatives in
        ``_number_type_helper``'s order, each ending in an empty group that tells whether its
        type is geographical. A fixed line number is, whether or not it is also a mobile one."""
        metadata = self._metadata
        general = _pattern(metadata.general_desc, length)
        if general is None:
            return None, {}
        kinds = list(_SPECIAL_TYPES)
        kinds.append(("fixed_line", PhoneNumberType.FIXED_LINE))
        if not metadata.same_mobile_and_fixed_line_pattern:  # else a mobile number is a fixed one
            kinds.append(("mobile", PhoneNumberType.MOBILE))
        alternatives = [(found, util.is_number_type_geographical(kind, self.country_code))
                        for name, kind in kinds
                        if (found := _pattern(getattr(metadata, name), length)) is not None]
        if not alternatives:
            return None, {}
        branches = "|".join(f"(?:{found})\\Z(?P<t{i}>)" for i, (found, _) in enumerate(alternatives))
        pattern = re.compile(f"(?=(?:{general})\\Z)(?:{branches})")
        return pattern, {pattern.groupindex[f"t{i}"]: geographic
                         for i, (_, geographic) in enumerate(alternatives)}


def _pattern(desc: util.PhoneNumberDesc | None, length: int) -> str | None:
    """The pattern of ``_is_number_matching_desc(national, desc)`` for a number of ``length``
    digits; None when no such number matches."""
    if desc is None or not desc.national_number_pattern:
        return None
    if desc.possible_length and length not in desc.possible_length:
        return None
    return desc.national_number_pattern


_SPECIAL_TYPES = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE), ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST), ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER), ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN), ("voicemail", PhoneNumberType.VOICEMAIL))
"""Tested in this order after the general description, as ``_number_type_helper`` does."""

_REGION_PLANS = {region: _Plan(PhoneMetadata.metadata_for_region(region))
                 for region in util.SUPPORTED_REGIONS}
"""Built at import: a fork server's workers inherit them compiled."""
_CODE_PLANS: dict[int, _Plan | None] = {}


def _code_plan(country_code: int) -> _Plan | None:
    """The metadata parse reads a number of ``country_code`` with: its main region's, or the
    non-geographic entity's."""
    if country_code not in _CODE_PLANS:
        region = util.region_code_for_country_code(country_code)
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
        _CODE_PLANS[country_code] = None if metadata is None else (
            _REGION_PLANS.get(region) or _Plan(metadata))
    return _CODE_PLANS[country_code]


class _CallingCode(NamedTuple):
    alone: bool
    """The code's only region: every number of the code is of it."""
    regions: tuple[tuple[str, _Plan, re.Pattern[str] | None], ...]
    """Each region with its plan and its leading digits, in phonenumbers' order."""
    zone_lengths: tuple[int, ...]
    """The lengths, longest first, of the time zone prefixes a number of the code may match."""
    zones: tuple[str, ...]
    """Of the whole code (``_country_level_time_zones_for_number``)."""


_CALLING_CODES: dict[int, _CallingCode] = {}


def _calling_code_of(country_code: int) -> _CallingCode:
    regions = []
    for region in util.COUNTRY_CODE_TO_REGION_CODE[country_code]:
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
        if metadata is not None:
            digits = metadata.leading_digits
            leading = None if digits is None else re.compile(digits)
            regions.append((region, _REGION_PLANS.get(region) or _Plan(metadata), leading))
    text = str(country_code)
    lengths = {len(prefix) for prefix in TIMEZONE_DATA
               if prefix.startswith(text) or text.startswith(prefix)}
    country = number_timezones._country_level_time_zones_for_number(
        phonenumbers.PhoneNumber(country_code=country_code))
    alone = len(util.COUNTRY_CODE_TO_REGION_CODE[country_code]) == 1
    return _CallingCode(alone, tuple(regions), tuple(sorted(lengths, reverse=True)),
                        _known(country))


def _classified(country_code: int, national: str) -> CheckedNumber | None:
    """``is_valid_number``, ``region_code_for_number`` and ``time_zones_for_number`` of the
    number, classified once (``_region_and_type``)."""
    calling = _CALLING_CODES.get(country_code)
    if calling is None:
        if country_code not in util.COUNTRY_CODE_TO_REGION_CODE:
            return None
        calling = _CALLING_CODES[country_code] = _calling_code_of(country_code)
    region, geographic = _region_and_type(calling, national)
    if geographic is None:
        return None
    e164 = f"+{country_code}{national}"
    if geographic:
        return CheckedNumber(e164, region, _prefix_zones(e164[1:1 + TIMEZONE_LONGEST_PREFIX],
                                                         calling.zone_lengths))
    return CheckedNumber(e164, region, calling.zones)


def _region_and_type(calling: _CallingCode, national: str) -> tuple[str | None, bool | None]:
    """``region_code_for_number`` and whether its type is geographical (None: not valid):
    the first region whose leading digits match, or, of regions without leading digits, whose
    descriptions match."""
    if calling.alone and calling.regions:
        region, plan, _ = calling.regions[0]
        return region, plan.geographic(national)
    for region, plan, leading in calling.regions:
        if leading is not None:
            if leading.match(national):
                return region, plan.geographic(national)
        elif (geographic := plan.geographic(national)) is not None:
            return region, geographic
    return None, None


_ZONES: dict[str, tuple[str, ...]] = {}
"""Each prefix's zones of ``TIMEZONE_DATA``, those the zone database knows."""


def _known(zones: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(zone for zone in zones if zone in known_zones())


def _prefix_zones(digits: str, lengths: tuple[int, ...]) -> tuple[str, ...]:
    """``time_zones_for_geographical_number``'s longest-prefix lookup over the E.164 digits;
    a prefix a number of the calling code can match has one of ``lengths``."""
    for length in lengths:
        if length <= len(digits) and (prefix := digits[:length]) in TIMEZONE_DATA:
            zones = _ZONES.get(prefix)
            if zones is None:
                zones = _ZONES[prefix] = _known(TIMEZONE_DATA[prefix])
            return zones
    return _known(number_timezones._UNKNOWN_TIME_ZONE_LIST)
