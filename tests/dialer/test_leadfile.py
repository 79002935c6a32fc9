"""Lead list files: CSV in any delimiter and with or without a BOM, XLSX, a file in another
encoding, streaming in bounded memory, and the error report a user opens in a spreadsheet."""
from __future__ import annotations

import csv
import itertools
import tracemalloc
from datetime import date
from pathlib import Path

import pytest

from callcenter.errors import Invalid
from dialer.leadfile import ErrorReport, LeadFile
from dialer.leadrows import ColumnMapping, Loaded, Rejected, RowError
from tests.helpers.leadlists import import_file, write_csv, write_xlsx

NAME = "Jürgen 张伟 😀"
ROWS = [["Telefon", "Vorname", "Ort"], ["030 1234567", NAME, "Berlin; Mitte"],
        ["+44 20 7946 0958", "Zoë", "London, UK"], ["+1 212 555 0123", "Al", 'the "Big Apple"']]


def read_all(path: Path) -> tuple[tuple[str, ...], list[tuple[int, list[str]]]]:
    with LeadFile(path) as source:
        return source.header, [(row.number, list(row.cells)) for row in source.rows()]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_csv_in_any_delimiter_with_or_without_bom(tmp_path, delimiter, encoding):
    path = write_csv(tmp_path / "leads.csv", ROWS, delimiter=delimiter, encoding=encoding)
    header, rows = read_all(path)
    assert header == ("Telefon", "Vorname", "Ort")  # no BOM left on the first name
    assert rows == [(2, ROWS[1]), (3, ROWS[2]), (4, ROWS[3])]


def test_rows_are_numbered_as_a_spreadsheet_shows_them(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text('phone;note\n030 1;"two\nlines"\n;\n030 3;x\n', encoding="utf-8")
    assert read_all(path)[1] == [(2, ["030 1", "two\nlines"]), (4, ["030 3", "x"])]


def test_a_file_in_another_encoding_names_its_first_bad_row(tmp_path):
    path = write_csv(tmp_path / "latin1.csv", [["phone", "name"], ["030 1", "Anna"],
                                               ["030 2", "Jürgen"], ["030 3", "Zoë"]],
                     encoding="latin-1")
    with LeadFile(path) as source:
        assert next(source.rows()).cells == ["030 1", "Anna"]  # rows before it came through
        with pytest.raises(Invalid, match=r'row 3 is not UTF-8 text \(byte 0xfc\).*CSV UTF-8'):
            next(source.rows())


def test_xlsx_rows_with_numbers_dates_and_gaps(tmp_path):
    path = write_xlsx(tmp_path / "leads.xlsx", [
        ["phone", "first name", "since", "score"],
        [4930123456, NAME, date(2024, 5, 1), 2.5],
        [],
        ["+1 605 555 0123", None, None, 3.0],
    ])
    header, rows = read_all(path)
    assert header == ("phone", "first name", "since", "score")
    assert rows == [(2, ["4930123456", NAME, "2024-05-01T00:00:00", "2.5"]),
                    (4, ["+1 605 555 0123", "", "", "3"])]


def test_xlsx_imports_like_csv(tmp_path):
    path = write_xlsx(tmp_path / "leads.xlsx", ROWS)
    run = import_file(path, ColumnMapping(phone="Telefon", first_name="Vorname"))
    assert [r.lead.phone for r in run.results if isinstance(r, Loaded)] == [
        "+49301234567", "+442079460958", "+12125550123"]
    assert run.results[0].lead.details.first_name == NAME


@pytest.mark.parametrize(("name", "content", "message"), [
    ("leads.xlsx", b"phone\n030 1\n", "not an XLSX workbook"),
    ("leads.pdf", b"%PDF", "CSV or XLSX"),
    ("leads.csv", b"", "no rows"),
])
def test_files_that_are_no_lead_list(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(Invalid, match=message):
        LeadFile(path)


def test_progress_follows_the_bytes_read(tmp_path):
    path = write_csv(tmp_path / "leads.csv", [["phone"], *([f"030 {n:07d}"] for n in range(500))])
    with LeadFile(path) as source:
        read = [row.bytes_read for row in source.rows()]
    assert read == sorted(read) and read[-1] == path.stat().st_size
    run = import_file(path, ColumnMapping(phone="phone"))
    assert run.progress.fraction == 1.0


def test_a_200000_row_file_streams_in_bounded_memory(tmp_path):
    rows = ([f"+4930{20_000_000 + n}", NAME, f"Müller {n}", f"m{n}@example.org", "Hauptstraße 1"]
            for n in range(200_000))
    path = write_csv(tmp_path / "big.csv", itertools.chain([["phone", "first", "last", "email",
                                                              "address"]], rows), delimiter=";")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        with LeadFile(path) as source:
            count = sum(1 for _ in source.rows())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert peak < size / 20, f"peak {peak} bytes reading a {size}-byte file"


def test_error_report_lines(tmp_path):
    errors = [RowError(3, "Telefon", "12", "not a valid phone number"),
              RowError(7, "Name", "=HYPERLINK(\"http://x\")", "formula kept inert"),
              RowError(9, "Mobil", "+49 (30) 1234-5", NAME)]
    with ErrorReport(tmp_path / "errors.csv") as report:
        report.write(errors)
    assert report.lines == 3
    with (tmp_path / "errors.csv").open(encoding="utf-8-sig", newline="") as file:
        assert list(csv.reader(file)) == [
            ["row", "column", "value", "reason"],
            ["3", "Telefon", "12", "not a valid phone number"],
            ["7", "Name", "'=HYPERLINK(\"http://x\")", "formula kept inert"],
            ["9", "Mobil", "+49 (30) 1234-5", NAME],
        ]
    assert (tmp_path / "errors.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_an_import_reports_its_bad_rows(tmp_path):
    path = write_csv(tmp_path / "leads.csv", [["Telefon", "Vorname"], ["12", NAME],
                                               ["030 1234567", "Anna"], ["", "Bob"]])
    run = import_file(path, ColumnMapping(phone="Telefon", first_name="Vorname"))
    with ErrorReport(tmp_path / "errors.csv") as report:
        for result in run.results:
            report.write(result.errors)
    lines = (tmp_path / "errors.csv").read_text("utf-8-sig").splitlines()
    assert lines == ["row,column,value,reason",
                     "2,Telefon,12,not a valid phone number (numbers without +country read as DE)",
                     "4,Telefon,,no phone number"]
    assert [type(r) for r in run.results] == [Rejected, Loaded, Rejected]
