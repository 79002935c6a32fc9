"""Lead rows into leads: the column mapping, numbers to E.164, time zones from the number and
the address (multi-zone numbers dialed only when all their zones are open), duplicates merged,
DNC flagged, and every bad row an error line while the good rows go on."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from callcenter.errors import Invalid
from dialer.compliance import DEFAULT_RETRY, US, check
from dialer.leadrows import (
    ColumnMapping, LeadImporter, LeadStatus, Loaded, Merged, Rejected, RowError, collect,
)
from dialer.phonezones import ZoneSource
from tests.helpers.leadlists import import_file, write_csv

NAME = "Jürgen 张伟 😀"
HEADER = ["Phone", "Mobile", "First", "Last", "Mail", "Zip", "State", "Country", "TZ", "Tier"]
MAPPING = ColumnMapping(phone="Phone", alt_phones=["Mobile"], first_name="First", last_name="Last",
                        email="Mail", postcode="Zip", state="State", country="Country",
                        timezone="TZ", custom={"tier": "Tier"})
SOUTH_DAKOTA = ("America/Denver", "America/North_Dakota/Center")  # area code 605, by phonenumbers


def importer(is_dnc=lambda number: False, region="DE") -> LeadImporter:
    return LeadImporter(MAPPING.bind(HEADER), default_region=region, is_dnc=is_dnc)


def row(**cells: str) -> list[str]:
    by_name = {"phone": "Phone", "mobile": "Mobile", "first": "First", "last": "Last",
               "mail": "Mail", "zip": "Zip", "state": "State", "country": "Country", "tz": "TZ",
               "tier": "Tier"}
    named = {by_name[key]: value for key, value in cells.items()}
    return [named.get(column, "") for column in HEADER]


def loaded(result) -> Loaded:
    assert isinstance(result, Loaded), result
    return result


def test_phone_must_be_mapped():
    with pytest.raises(ValidationError, match="phone"):
        ColumnMapping(first_name="First")


def test_unknown_columns_are_named_with_the_files_columns():
    with pytest.raises(Invalid, match=r"no column 'Telefon', 'Fax' in the file; its columns: 'Phone'"):
        ColumnMapping(phone="Telefon", alt_phones=["Fax"]).bind(["Phone", "Name"])


def test_a_mapped_column_twice_in_the_header_is_refused():
    with pytest.raises(Invalid, match="'Phone' appears twice"):
        ColumnMapping(phone="Phone").bind(["Phone", "Name", "Phone"])


def test_custom_fields_kept_as_a_dict():
    mapping = ColumnMapping(phone="Phone", custom=["Tier", "Notiz"])
    assert mapping.custom == {"Tier": "Tier", "Notiz": "Notiz"}
    result = LeadImporter(mapping.bind(["Phone", "Tier", "Notiz"]), default_region="DE",
                          is_dnc=lambda n: False).feed(2, ["030 1234567", "gold", NAME])
    assert loaded(result).lead.details.custom == {"Tier": "gold", "Notiz": NAME}


def test_a_row_shorter_than_the_header_has_empty_cells():
    lead = loaded(importer().feed(2, ["030 1234567", "", NAME])).lead
    assert (lead.phone, lead.details.first_name, lead.details.custom) == ("+49301234567", NAME, {})
    only_phone = LeadImporter(ColumnMapping(phone="Phone").bind(["Name", "Phone"]),
                              default_region="DE", is_dnc=lambda n: False)
    assert isinstance(only_phone.feed(2, ["Anna"]), Rejected)
    lead = loaded(only_phone.feed(3, ["Anna", "030 1234567"])).lead
    assert (lead.details.alt_phones, lead.details.custom, lead.details.first_name) == ((), {}, None)


def test_a_valid_row_becomes_a_lead():
    lead = loaded(importer().feed(2, row(phone=" 030 1234567 ", mobile="0151 12345678",
                                         first=NAME, last="Müller", mail="j@example.org",
                                         tier="gold"))).lead
    assert (lead.row, lead.phone, lead.status) == (2, "+49301234567", LeadStatus.NEW)
    assert lead.details.alt_phones == ("+4915112345678",)
    assert (lead.details.first_name, lead.details.last_name) == (NAME, "Müller")
    assert lead.details.custom == {"tier": "gold"}
    assert (lead.zones.zones, lead.zones.source, lead.zones.ambiguous) == (
        ("Europe/Berlin",), ZoneSource.NUMBER, False)


def test_names_are_composed_so_one_name_typed_two_ways_is_one():
    lead = loaded(importer().feed(2, row(phone="030 1234567", first="Ju\u0308rgen"))).lead
    assert lead.details.first_name == "Jürgen"


def test_the_rows_country_reads_national_numbers():
    lead = loaded(importer().feed(2, row(phone="020 7946 0958", country="United Kingdom"))).lead
    assert (lead.phone, lead.details.country) == ("+442079460958", "GB")
    assert lead.dialing().country == "GB"


@pytest.mark.parametrize(("phone", "reason"), [
    ("12", "not a valid phone number (numbers without +country read as DE)"),
    ("+49 30", "not a valid phone number (numbers without +country read as DE)"),
    ("call me", "not a valid phone number (numbers without +country read as DE)"),
    ("", "no phone number"),
])
def test_a_bad_number_rejects_its_row_with_a_line(phone, reason):
    result = importer().feed(5, row(phone=phone, first=NAME))
    assert result == Rejected(5, (RowError(5, "Phone", phone, reason),))


def test_bad_optional_cells_are_left_out_and_the_lead_kept():
    result = loaded(importer().feed(3, row(phone="030 1234567", mobile="0", tz="Mars/Olympus")))
    assert result.lead.details.alt_phones == ()
    assert result.lead.zones.zones == ("Europe/Berlin",)
    assert result.errors == (
        RowError(3, "Mobile", "0", "not a valid phone number; left out"),
        RowError(3, "TZ", "Mars/Olympus",
                 "not a time zone name such as America/Chicago; the number's is used"))


def test_the_time_zone_column_wins():
    lead = loaded(importer().feed(2, row(phone="+1 605 555 0123", tz="America/Chicago"))).lead
    assert (lead.zones.zones, lead.zones.source) == (("America/Chicago",), ZoneSource.OVERRIDE)


def test_a_number_without_a_known_zone_needs_the_time_zone_column():
    result = importer().feed(2, row(phone="+800 1234 5678"))
    assert isinstance(result, Rejected)
    assert "no time zone is known" in result.errors[0].reason
    assert loaded(importer().feed(2, row(phone="+800 1234 5678", tz="Europe/Berlin")))


@pytest.mark.parametrize(("cells", "zones", "source"), [
    ({}, SOUTH_DAKOTA, ZoneSource.NUMBER),
    ({"zip": "57501"}, ("America/Chicago",), ZoneSource.ADDRESS),  # Pierre, central time
    ({"zip": "57701-1234", "country": "USA"}, ("America/Denver",), ZoneSource.ADDRESS),  # Rapid City
    ({"state": "South Dakota"}, ("America/Chicago", "America/Denver"), ZoneSource.ADDRESS),
    ({"zip": "00000", "state": "sd"}, ("America/Chicago", "America/Denver"), ZoneSource.ADDRESS),
])
def test_a_multi_zone_number_is_settled_by_its_address(cells, zones, source):
    lead = loaded(importer().feed(2, row(phone="+1 605 555 0123", **cells))).lead
    assert (lead.zones.zones, lead.zones.source) == (zones, source)
    assert lead.zones.ambiguous == (len(zones) > 1)


def test_us_numbers_read_as_us_with_a_us_default_region():
    assert loaded(importer().feed(2, row(phone="(605) 555-0123"))).lead.phone == "+496055550123"
    lead = loaded(importer(region="US").feed(2, row(phone="(605) 555-0123", zip="57501"))).lead
    assert lead.zones.zones == ("America/Chicago",)
    assert (lead.dialing().country, lead.dialing().subdivision) == ("US", None)


def test_a_toll_free_or_mobile_number_spans_many_zones_unless_the_address_says():
    free = loaded(importer().feed(2, row(phone="+1 800 555 0199"))).lead
    assert free.zones.ambiguous and {"America/New_York", "Pacific/Honolulu"} <= set(free.zones.zones)
    mobile = loaded(importer().feed(3, row(phone="+61 412 345 678"))).lead
    assert mobile.zones.ambiguous and "Australia/Perth" in mobile.zones.zones
    settled = loaded(importer().feed(4, row(phone="+1 800 555 0198", zip="10001"))).lead
    assert settled.zones.zones == ("America/New_York",)


@pytest.mark.parametrize(("now", "allowed", "next_at"), [
    (datetime(2025, 6, 2, 13, 30, tzinfo=UTC), False, datetime(2025, 6, 2, 14, 0, tzinfo=UTC)),
    (datetime(2025, 6, 2, 14, 0, tzinfo=UTC), True, datetime(2025, 6, 2, 14, 0, tzinfo=UTC)),
    (datetime(2025, 6, 3, 1, 59, tzinfo=UTC), True, datetime(2025, 6, 3, 1, 59, tzinfo=UTC)),
    (datetime(2025, 6, 3, 2, 0, tzinfo=UTC), False, datetime(2025, 6, 3, 14, 0, tzinfo=UTC)),
])
def test_an_ambiguous_lead_is_called_only_when_every_zone_allows(now, allowed, next_at):
    """8:00-21:00 in Mountain and Central time: from 8:00 MDT (14:00 UTC) to 21:00 CDT (02:00)."""
    lead = loaded(importer().feed(2, row(phone="(605) 555-0123", country="US"))).lead
    verdict = check(US, DEFAULT_RETRY, lead.dialing(), now)
    assert (verdict.allowed, verdict.next_at) == (allowed, next_at)


def test_a_toll_free_number_without_an_address_gets_the_overlap_of_all_its_zones():
    """Guam's 8:00 (22:00 UTC) to Newfoundland's 21:00 (23:30 UTC, summer)."""
    lead = loaded(importer().feed(2, row(phone="+1 800 555 0199"))).lead
    opens = datetime(2025, 6, 2, 22, 0, tzinfo=UTC)
    assert check(US, DEFAULT_RETRY, lead.dialing(), datetime(2025, 6, 2, 12, tzinfo=UTC)).next_at == opens
    assert check(US, DEFAULT_RETRY, lead.dialing(), opens.replace(hour=23, minute=29)).allowed
    assert not check(US, DEFAULT_RETRY, lead.dialing(), opens.replace(hour=23, minute=30)).allowed


def test_dnc_numbers_are_kept_flagged_and_dnc_alternatives_left_out():
    blocked = {"+49301234567", "+4915112345678"}
    asked: list[str] = []

    def is_dnc(number: str) -> bool:
        asked.append(number)
        return number in blocked
    imports = importer(is_dnc)
    first = loaded(imports.feed(2, row(phone="030 1234567", first=NAME)))
    second = loaded(imports.feed(3, row(phone="030 7654321", mobile="0151 12345678")))
    assert first.lead.status is LeadStatus.DNC and first.errors == ()
    assert second.lead.status is LeadStatus.NEW and second.lead.details.alt_phones == ()
    assert second.errors == (RowError(3, "Mobile", "0151 12345678", "on the do-not-call list; left out"),)
    assert set(asked) == {"+49301234567", "+49307654321", "+4915112345678"}
    assert imports.progress.dnc == 1 and imports.progress.loaded == 2


def test_duplicates_keep_the_first_and_fill_what_it_lacks(tmp_path):
    path = write_csv(tmp_path / "leads.csv", [
        HEADER,
        row(phone="030 1234567", first=NAME, tier="gold"),
        row(phone="+49 30 1234567", first="Hans", last="Müller", mobile="0151 12345678", tier="silver"),
        row(phone="0049301234567", last="Meier", mail="j@example.org", mobile="0151 12345678"),
        row(phone="030 7654321"),
    ])
    run = import_file(path, MAPPING)
    merged = run.results[1]
    assert isinstance(merged, Merged) and (merged.row, merged.first_row) == (3, 2)
    assert (merged.fills.first_name, merged.fills.last_name, merged.fills.custom) == (None, "Müller", {})
    assert run.results[2].fills.email == "j@example.org" and run.results[2].fills.last_name is None
    assert run.results[2].fills.alt_phones == ()  # already merged from row 3
    leads, errors = collect(run.results)
    assert [lead.phone for lead in leads] == ["+49301234567", "+49307654321"]
    details = leads[0].details
    assert (details.first_name, details.last_name, details.email, details.alt_phones,
            details.custom) == (NAME, "Müller", "j@example.org", ("+4915112345678",), {"tier": "gold"})
    assert errors == []
    assert (run.progress.rows_read, run.progress.loaded, run.progress.duplicates) == (4, 2, 2)


def test_a_duplicate_with_an_address_settles_an_ambiguous_first_row():
    imports = importer()
    loaded(imports.feed(2, row(phone="(605) 555-0123", country="US")))
    merged = imports.feed(3, row(phone="+1 605 555 0123", zip="57501"))
    assert merged.zones.zones == ("America/Chicago",) and merged.fills.postcode == "57501"
    again = imports.feed(4, row(phone="+1 605 555 0123", zip="57701"))
    assert again.zones is None and again.fills.postcode is None
    assert imports.progress.ambiguous == 1  # counted when loaded


def test_bad_rows_never_stop_the_good_ones_and_the_counts_add_up(tmp_path):
    rows = []
    for n in range(300):
        rows.append(row(phone=f"030 {1_000_000 + n}", first=NAME) if n % 3 else row(phone=f"x{n}"))
    rows += [row(phone="030 1000001"), row(phone="030 1000002")]  # duplicates
    run = import_file(write_csv(tmp_path / "leads.csv", [HEADER, *rows]), MAPPING)
    p = run.progress
    assert (p.rows_read, p.loaded, p.bad, p.duplicates) == (302, 200, 100, 2)
    assert p.loaded + p.bad + p.duplicates == p.rows_read
    assert [r.row for r in run.results if isinstance(r, Rejected)] == list(range(2, 302, 3))
    assert all(r.lead.details.first_name == NAME for r in run.results if isinstance(r, Loaded))
