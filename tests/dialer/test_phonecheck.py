"""``check_number`` gives exactly phonenumbers' answers (validity, E.164, region, time zones)
for generated numbers of many countries in every common shape and for odd text, so its
shortcuts (one classification, zones by prefix, digits-only text past parse's scanning) change
nothing."""
from __future__ import annotations

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import timezone as number_timezones

from crm_core.phones import e164, parse_valid
from dialer.phonecheck import check_number
from dialer.phonezones import known_zones

REGIONS = ["DE", "US", "GB", "FR", "IT", "AR", "MX", "BR", "CN", "JP", "AU", "RU", "CA", "JM",
           "IN", "NL", "CH", "AT", "ES", "KZ", "SG", "ZA"]
ODD = ["", "+", "++49 30 1234567", "0", "00", "0049 30 12345678", "+49 (0)30 1234567",
       "030/1234567", "030-123-4567", "030.123.4567", "tel:+49-30-1234567", "+49 30 1234567 ext 12",
       "+49 30 1234567#12", "030 1234567 x3", "1-800-FLOWERS", "＋４９ ３０ １２３４５６７",
       "٠٣٠١٢٣٤٥٦٧", "+1 800 555 0199", "+800 1234 5678", "+882 1234 5678", "+979 123456789",
       "+39 06 1234 5678", "+39 312 345 6789", "06 1234 5678", "+7 495 123-45-67", "8 495 123 45 67",
       "+54 9 11 1234 5678", "011 15 1234 5678", "+52 1 55 1234 5678", "+1 605 200 0001",
       "+1 876 555 1234", "+1 242 555 1234", "+44 7911 123456", "07911 123456", "+86 10 1234 5678",
       "+61 2 1234 5678", "+61 4 1234 5678", "12", "n/a", "+49 30", "0000", " 030 1234567 ",
       "030  1234567", "+49 30 1234567 ", "49 30 1234567", "+490301234567", "+1 2", "+1",
       "9" * 20, "+" + "9" * 20, "0" * 30, "+49 30 12345678901234567890", "+999 123"]


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


def written(number: phonenumbers.PhoneNumber, style: int, spaces: bool) -> str:
    formats = [phonenumbers.PhoneNumberFormat.E164, phonenumbers.PhoneNumberFormat.INTERNATIONAL,
               phonenumbers.PhoneNumberFormat.NATIONAL]
    text = phonenumbers.format_number(number, formats[style])
    return text if spaces else "".join(ch for ch in text if ch.isdigit() or ch == "+")


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(REGIONS), st.sampled_from(REGIONS), st.integers(0, 3),
       st.integers(0, 2), st.booleans(), st.integers(0, 10**9))
def test_numbers_of_every_shape_get_phonenumbers_answer(home, region, kind, style, spaces, tail):
    """An example number of a region's kind (fixed line, mobile, toll free, ...) with its last
    digits replaced, written in E.164, international or national form, read in ``home``."""
    kinds = [phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE,
             phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.VOIP]
    example = phonenumbers.example_number_for_type(region, kinds[kind])
    if example is None:
        return
    digits = str(example.national_number)
    keep = max(1, len(digits) - len(str(tail)) + (tail % 3) - 1)
    example.national_number = int((digits[:keep] + str(tail))[:len(digits) + tail % 2])
    raw = written(example, style, spaces)
    assert checked(raw, home) == reference(raw, home), (raw, home)


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(REGIONS), st.text(alphabet="+0123456789 ", max_size=20))
def test_any_digits_and_spaces_get_phonenumbers_answer(region, raw):
    assert checked(raw, region) == reference(raw, region), (raw, region)


@settings(max_examples=1000, deadline=None)
@given(st.sampled_from(REGIONS), st.text(max_size=20))
def test_any_text_gets_phonenumbers_answer(region, raw):
    assert checked(raw, region) == reference(raw, region), (raw, region)
