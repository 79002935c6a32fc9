"""A lead list cut into blocks and checked by worker processes gives what one process reading
it row by row gives: the same rows with the same numbers (quoted line ends, doubled quotes,
blank rows, a BOM, no final line end), the same error lines in row order, the same merged leads
and counts, and a row that is not UTF-8 stops it at that row after the rows before it."""
from __future__ import annotations

from pathlib import Path

import pytest

from callcenter.errors import Invalid
from dialer.importpool import CheckedBlock, check_file
from dialer.leadfile import CsvBlocks, LeadFile, block_rows
from dialer.leadrows import ColumnMapping, LeadImporter, collect, not_listed
from tests.helpers.leadlists import copy_rows, write_csv

NAME = "Jürgen 张伟 😀"
MAPPING = ColumnMapping(phone="Telefon", first_name="Vorname", last_name="Nachname",
                        alt_phones=["Mobil"], custom=["Notiz"])
TRICKY = ('\ufeffTelefon;Vorname;Nachname;Mobil;Notiz\n030 1234567;"Jür;gen";"two\nlines";;x\n\n'
          ';nobody;;;\n"030 7654321";"say ""hi""\n";;0151 12;\n030 1234567;;Later;;\n12;;;;'
          '\n+44 20 7946 0958;' + NAME + ';;;"a\r\nb"\n030 1111111;x\u2028y\x85z\x0cw;;;\n')


def sequential_rows(path: Path) -> list[tuple[int, list[str]]]:
    with LeadFile(path) as source:
        return [(row.number, list(row.cells)) for row in source.rows()]


def block_cut_rows(path: Path, size: int) -> list[tuple[int, list[str]]]:
    with CsvBlocks(path, size) as blocks:
        return [(row.number, list(row.cells)) for block in blocks
                for row in block_rows(block, blocks.dialect)]


@pytest.mark.parametrize("size", [1, 7, 30, 64, 1 << 20])
def test_blocks_hold_the_rows_a_sequential_read_gives(tmp_path, size):
    path = tmp_path / "tricky.csv"
    path.write_text(TRICKY, encoding="utf-8", newline="")
    assert block_cut_rows(path, size) == sequential_rows(path)


def many_rows(count: int) -> list[list[str]]:
    rows = [["Telefon", "Vorname", "Nachname", "Mobil", "Notiz"]]
    for n in range(count):
        phone = f"030 {2_000_000 + n % (count // 2)}"  # each number twice, blocks apart
        mobile = "0151 12" if n % 11 == 0 else f"0151 {30_000_000 + n}" if n % 4 == 0 else ""
        rows.append([phone if n % 7 else "12", NAME if n % 3 else "", f"M{n}" if n % 5 else "",
                     mobile, f'line "{n}"\nnext {NAME}\\' if n % 2 else ""])
    return rows


def sequential(path: Path) -> tuple[dict, list]:
    with LeadFile(path) as source:
        importer = LeadImporter(MAPPING.bind(source.header), default_region="DE", is_dnc=not_listed)
        leads, errors = collect(importer.run(source.rows()))
    return {lead.phone: lead for lead in leads}, errors


def checked(path: Path, workers: int, block_bytes: int) -> list[CheckedBlock]:
    source = LeadFile(path)
    importer = LeadImporter(MAPPING.bind(source.header), default_region="DE", is_dnc=not_listed)
    return list(check_file(source, importer, workers=workers, block_bytes=block_bytes))


def test_worker_processes_find_what_one_process_finds(tmp_path):
    path = write_csv(tmp_path / "many.csv", many_rows(600), delimiter=";", encoding="utf-8-sig")
    leads, errors = sequential(path)
    blocks = checked(path, workers=2, block_bytes=2000)
    assert len(blocks) > 5
    assert [e for block in blocks for e in block.errors] == errors
    assert sum(block.rows for block in blocks) == 600
    assert sum(block.bad for block in blocks) == sum(1 for n in range(600) if n % 7 == 0)
    # a number's first block holds its lead; later blocks add what it lacked (the upsert)
    first: dict[str, dict] = {}
    for block in blocks:
        fields_of_block = copy_rows(block.copy)
        assert len(fields_of_block) == block.leads
        for fields in fields_of_block:
            kept = first.setdefault(fields["phone"], fields)
            for name, value in fields.items():
                kept[name] = kept[name] or value
            kept["alt_phones"] = [*kept["alt_phones"],
                                  *(p for p in fields["alt_phones"] if p not in kept["alt_phones"])]
    assert first.keys() == leads.keys()
    for phone, lead in leads.items():
        row = first[phone]
        assert (row["first_name"], row["last_name"]) == (lead.details.first_name, lead.details.last_name)
        assert row["custom"] == lead.details.custom
        assert (tuple(row["alt_phones"]), tuple(row["timezones"]), row["zone_source"]) == (
            lead.details.alt_phones, lead.zones.zones, lead.zones.source)
    assert blocks[-1].bytes_read == path.stat().st_size


def test_a_row_that_is_not_utf8_stops_the_workers_at_that_row(tmp_path):
    rows = many_rows(300)
    path = write_csv(tmp_path / "broken.csv", rows, delimiter=";")
    data = path.read_bytes()
    cut = data.index(b"030 2000100")  # the row of n = 100
    path.write_bytes(data[:cut] + b"\xff" + data[cut:])
    with pytest.raises(Invalid) as sequential_fault:
        sequential(path)
    blocks = checked(path, workers=2, block_bytes=1500)
    faulty = next(at for at, block in enumerate(blocks) if block.fault is not None)
    blocks = blocks[:faulty + 1]  # what an import reads: it stops at the fault
    with pytest.raises(Invalid) as pool_fault:
        blocks[-1].raise_fault()
    assert str(pool_fault.value) == str(sequential_fault.value)
    row = int(str(pool_fault.value).split()[1])
    assert sum(block.rows for block in blocks) == row - 2  # every row before it, not the header


def test_the_fork_server_loads_the_lookup_tables_before_its_workers_fork():
    """Else each worker loads them in its first block (zipcodes' ZIP codes: ~0.3 s a worker)."""
    import dialer.importwarm  # noqa: F401  (what the fork server imports)
    from dialer.importpool import _preload
    assert "dialer.importwarm" in _preload()
