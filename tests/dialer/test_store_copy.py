"""The COPY payload a block's checker makes (PostgreSQL's CSV, forwarded untouched) stores, on
the real PostgreSQL, exactly the leads the row-by-row importer gives: every column, NULLs for
empty cells, alternative numbers and zones as arrays, custom fields as jsonb, non-ASCII, and
names holding tabs, line ends, backslashes, quotes, COPY's own markers (\\N, \\.) and "NULL";
by worker processes and in one process alike."""
from __future__ import annotations

from pathlib import Path

import pytest

from crm_core.db import Database
from dialer.leadrows import ColumnMapping, Loaded
from tests.helpers.campaigns import fresh_numbers, import_rows, leads_of, new_campaign
from tests.helpers.leadlists import import_file

NAME = "Jürgen 张伟 😀"
HEADER = ["Tel", "Mobil", "Vor", "Nach", "Mail", "Adresse", "PLZ", "Land", "Zone", 'Notiz "1"',
          "Tarif 张"]
MAPPING = ColumnMapping(phone="Tel", alt_phones=["Mobil"], first_name="Vor", last_name="Nach",
                        email="Mail", address="Adresse", postcode="PLZ", country="Land",
                        timezone="Zone", custom=['Notiz "1"', "Tarif 张"])
ODD = [NAME, "tab\there", "two\nlines", "cr\r\nlf", "back\\slash", "\\N", "\\.", "NULL",
       'say "hi"', "{a,b}", "x\\", '{"json": "\\u0041"}', "end\\\n\\.\nrest", "a\u2028b\x85c"]
COLUMNS = ("phone", "first_name", "last_name", "email", "address", "postcode", "state", "country",
           "alt_phones", "custom", "timezones", "zone_source", "status")


def tricky_rows() -> list[list[str]]:
    numbers = fresh_numbers(2 * len(ODD))
    rows = []
    for n, odd in enumerate(ODD):
        rows.append([numbers[n], numbers[len(ODD) + n] if n % 2 else "", odd, f"{odd} {n}",
                     "", odd if n % 3 else "", "", "GB" if n % 4 else "", "", odd, str(n)])
        rows.append([numbers[len(ODD) + n] if n % 2 == 0 else "", "", odd, "", "", "", "", "",
                     "Europe/Paris" if n % 5 == 0 else "", "", ""])
    rows.append(["+1 605 200 0001", "", "ambiguous", "", "", "", "", "US", "", "", ""])
    rows.append(["12", "", "bad", "", "", "", "", "", "", "", ""])
    return rows


@pytest.mark.parametrize("run", [{"workers": 2, "block_bytes": 400}, {"workers": 1}],
                         ids=["workers", "one process"])
async def test_a_blocks_copy_stores_what_the_rows_give(db: Database, tmp_path: Path,
                                                       run: dict) -> None:
    rows = tricky_rows()
    campaign = await new_campaign(db)
    path = tmp_path / "tricky.csv"
    status = await import_rows(db, campaign, path, rows, mapping=MAPPING, header=HEADER, **run)
    expected = [result.lead for result in import_file(path, MAPPING, region="GB").results
                if isinstance(result, Loaded)]
    stored = list((await leads_of(db, campaign)).values())
    assert status.loaded == len(expected) == len(stored) == len(rows) - 1 - len(ODD) // 2
    for lead, row in zip(expected, stored):
        d = lead.details
        assert {name: row[name] for name in COLUMNS} == {
            "phone": lead.phone, "first_name": d.first_name, "last_name": d.last_name,
            "email": d.email, "address": d.address, "postcode": d.postcode, "state": d.state,
            "country": d.country, "alt_phones": list(d.alt_phones), "custom": d.custom,
            "timezones": list(lead.zones.zones), "zone_source": lead.zones.source.value,
            "status": lead.status.value}
    assert {row["first_name"] for row in stored} >= set(ODD)
    assert any(row["email"] is None and row["address"] is None for row in stored)
    assert any(len(row["timezones"]) > 1 for row in stored)
