"""``check_number`` gives exactly phonenumbers' answers (validity, E.164, region, time zones)
for generated numbers of many countries in every common shape and for odd text, so its
shortcuts (one classification, one pattern per region and length, zones by prefix, digits-only
text read without parse: after a +, after the home region's IDD, with the home calling code
written without +, national with or without the national prefix) change nothing."""
from __future__ import annotations

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import timezone as number_timezones

from crm_core.phones import e164, parse_valid
from dialer.phonecheck import check_number
from dialer.phonezones import known_zones

REGIONS = ["DE", "US", "GB", "FR", "IT", "AR", "MX", "BR", "CN", "JP", "AU", "RU", "CA", "JM",
           "IN", "NL", "CH", "AT", "ES", "KZ", "SG", "ZA", "GG", "JE", "BS", "ID", "HU", "RE", "KR"]
ODD = ["", "+", "++49 30 1234567", "0", "00", "0049 30 12345678", "+49 (0)30 1234567",
       "030/1234567", "030-123-4567", "030.123.4567", "tel:+49-30-1234567", "+49 30 1234567 ext 12",
       "+49 30 1234567#12", "030 1234567 x3", "1-800-FLOWERS", "＋４９ ３０ １２３４５６７",
       "٠٣٠١٢٣٤٥٦٧", "+1 800 555 0199", "+800 1234 5678", "+882 1234 5678", "+979 123456789",
       "+39 06 1234 5678", "+39 312 345 6789", "06 1234 5678", "+7 495 123-45-67", "8 495 123 45 67",
       "+54 9 11 1234 5678", "011 15 1234 5678", "+52 1 55 1234 5678", "+1 605 200 0001",
       "+1 876 555 1234", "+1 242 555 1234", "+44 7911 123456", "07911 123456", "+86 10 1234 5678",
       "+61 2 1234 5678", "+61 4 1234 5678", "12", "n/a", "+49 30", "0000", " 030 1234567 ",
       "030  1234567", "+49 30 1234567 ", "49 30 1234567", "+490301234567", "+1 2", "+1",
       "9" * 20, "+" + "9" * 20, "0" * 30, "+49 30 12345678901234567890", "+999 123",
       "1 2", "12", "+12", "+123", "00", "000", "0049", "00 49 30 1234567", "011 1 212 555 0123",
       "0011 61 2 1234 5678", "810 49 30 1234567", "8 10 49 30 1234567", "00 0 30 1234567",
       "1 212 555 0123", "1 876 555 1234", "44 20 7946 0958", "7 701 123 4567", "7 495 123 4567",
       "+44 1481 123456", "+44 7781 123456", "+44 1534 123456", "+1 441 555 1234",
       "+1 268 555 1234", "+7 701 123 4567", "+7 33 1234 5678", "+800 1234 5678 9",
       "+870 123 456 789", "+883 123 456 789", "+86 139 1234 5678", "+52 55 1234 5678",
       "+54 11 1234 5678", "0 11 15 1234 5678", "+55 11 91234 5678", "+62 21 1234 5678",
       " ".join("0301234567"), "+" + " ".join("49301234567"), "0" + "1" * 17, "+49 " + "1" * 16]


def reference(raw: str, region: str) -> tuple[str, str | None, tuple[str, ...]] | None:
    number = parse_valid(raw, region)
    if number is None:
        return None
    zones = number_timezones.time_zones_for_number(number)
    return (e164(number), phonenumbers.region_code_for_number(number),
            tuple(zone for zone in zones if zone in known_zones()))


def checked(raw: str, region: str) -> tuple[str, str | None, tuple[str, ...]] | None:
    found = check_number(raw, region)
    return None if found is None else (found.e164, found.region, found.zones)


def test_odd_text_gets_phonenumbers_answer() -> None:
    for region in REGIONS:
        for raw in ODD:
            assert checked(raw, region) == reference(raw, region), (raw, region)


def written(number: phonenumbers.PhoneNumber, home: str, style: int, spaces: bool) -> str:
    """E.164, international, national, dialed from ``home`` (its IDD), or E.164 without +."""
    formats = [phonenumbers.PhoneNumberFormat.E164, phonenumbers.PhoneNumberFormat.INTERNATIONAL,
               phonenumbers.PhoneNumberFormat.NATIONAL]
    if style == 3:
        text = phonenumbers.format_out_of_country_calling_number(number, home)
    elif style == 4:
        text = phonenumbers.format_number(number, formats[0])[1:]
    else:
        text = phonenumbers.format_number(number, formats[style])
    return text if spaces else "".join(ch for ch in text if ch.isdigit() or ch == "+")


KINDS = [phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE,
         phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.VOIP,
         phonenumbers.PhoneNumberType.PREMIUM_RATE, phonenumbers.PhoneNumberType.SHARED_COST,
         phonenumbers.PhoneNumberType.PERSONAL_NUMBER, phonenumbers.PhoneNumberType.UAN]


def test_every_regions_example_numbers_get_phonenumbers_answer() -> None:
    """Each region's example number of each kind, and the non-geographic codes', in every form,
    read at home in three regions: every region's patterns, prefixes and calling code."""
    examples = [phonenumbers.example_number_for_type(region, kind)
                for region in phonenumbers.SUPPORTED_REGIONS for kind in KINDS]
    examples += [phonenumbers.example_number_for_non_geo_entity(code)
                 for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS]
    for example in filter(None, examples):
        for home in ("DE", "US", "GB"):
            for style in range(5):
                raw = written(example, home, style, True)
                assert checked(raw, home) == reference(raw, home), (raw, home)


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(REGIONS), st.sampled_from(REGIONS), st.integers(0, 7),
       st.integers(0, 4), st.booleans(), st.integers(0, 10**9))
def test_numbers_of_every_shape_get_phonenumbers_answer(home, region, kind, style, spaces, tail):
    """An example number of a region's kind (fixed line, mobile, toll free, ...) with its last
    digits replaced, written in one of ``written``'s forms, read in ``home``."""
    example = phonenumbers.example_number_for_type(region, KINDS[kind])
    if example is None:
        return
    digits = str(example.national_number)
    keep = max(1, len(digits) - len(str(tail)) + (tail % 3) - 1)
    example.national_number = int((digits[:keep] + str(tail))[:len(digits) + tail % 2])
    raw = written(example, home, style, spaces)
    assert checked(raw, home) == reference(raw, home), (raw, home)


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(REGIONS), st.text(alphabet="+0123456789 ", max_size=20))
def test_any_digits_and_spaces_get_phonenumbers_answer(region, raw):
    assert checked(raw, region) == reference(raw, region), (raw, region)


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(REGIONS), st.text(max_size=20))
def test_any_text_gets_phonenumbers_answer(region, raw):
    assert checked(raw, region) == reference(raw, region), (raw, region)
