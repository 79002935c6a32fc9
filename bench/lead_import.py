"""Lead list import: our validation against a bare parse of the same file, in the same run.

A generated CSV (``--rows``, default 100,000; semicolons, UTF-8 with a BOM, names such as
"Jürgen 张伟 😀") of German and US numbers written in national and international forms, US
rows with a ZIP code or a state for the multi-zone area codes, 4 % unusable numbers, 3 % repeats
of an earlier number with other details, 2 % of the numbers on a DNC list.

    baseline  csv.reader + phonenumbers.parse + format_number(E164), nothing else
    ours      LeadFile + LeadImporter (sniffed dialect, E.164 with validity, time zones from the
              number and the address, duplicates merged, the DNC predicate) + the error report

Reported: rows/s of each (CPU time) and the ratio ours / baseline. The last line is JSON. Exit
status 1 when a row went missing: rows read differs from rows written, or loaded + bad +
duplicates differs from rows read, or fewer bad or duplicate rows than were written.

    python -m bench.lead_import [--rows 100000] [--seed 1]
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import phonenumbers

from dialer.leadfile import ErrorReport, LeadFile
from dialer.leadrows import ColumnMapping, ImportProgress, LeadImporter

HEADER = ["Telefon", "Mobil", "Vorname", "Nachname", "E-Mail", "PLZ", "Bundesland", "Land", "Tarif"]
MAPPING = ColumnMapping(phone="Telefon", alt_phones=["Mobil"], first_name="Vorname",
                        last_name="Nachname", email="E-Mail", postcode="PLZ", state="Bundesland",
                        country="Land", custom=["Tarif"])
NAMES = ["Jürgen 张伟 😀", "Anna", "Zoë", "Søren", "Ólafur", "María José", "Иван", "Οδυσσέας"]
US_AREAS = [("212", "10001", "NY"), ("605", "57501", "SD"), ("605", "57701", "SD"),
            ("850", "32501", "FL"), ("415", "94103", "CA")]
BAD, REPEAT, DNC = 0.04, 0.03, 0.02


def generate(path: Path, rows: int, seed: int) -> tuple[set[str], int, int]:
    """Writes the list; returns the DNC numbers, and how many bad and repeated rows it holds."""
    rng = random.Random(seed)
    written: list[str] = []
    dnc: set[str] = set()
    bad = repeats = 0
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        out = csv.writer(file, delimiter=";")
        out.writerow(HEADER)
        for n in range(rows):
            draw = rng.random()
            if draw < BAD:
                bad += 1
                out.writerow([rng.choice(["12", "n/a", "+49 30", "0000"]), "", rng.choice(NAMES)] + [""] * 6)
                continue
            if draw < BAD + REPEAT and written:
                repeats += 1
                out.writerow([rng.choice(written), "", "", f"Nachname {n}", f"r{n}@example.org"] + [""] * 4)
                continue
            phone, cells = _lead(rng, n)
            written.append(phone)
            if rng.random() < DNC:
                dnc.add(phone)
            out.writerow([phone, *cells])
    return {_e164(number) for number in dnc}, bad, repeats


def _lead(rng: random.Random, n: int) -> tuple[str, list[str]]:
    """A unique number (the row index is in it) and the rest of its row."""
    name, tier = rng.choice(NAMES), rng.choice(["gold", "silver", ""])
    if rng.random() < 0.6:
        mobile = f"0151 {rng.randrange(10_000_000, 99_999_999)}" if rng.random() < 0.3 else ""
        return f"030 {20_000_000 + n}", [mobile, name, f"Müller {n}", f"m{n}@example.org", "10115",
                                         "", "DE", tier]
    area, zip_code, state = rng.choice(US_AREAS)
    number = f"+1 {area} {200 + n // 10_000} {n % 10_000:04d}"
    address = [zip_code, ""] if rng.random() < 0.5 else ["", state]
    return number, ["", name, f"Smith {n}", f"s{n}@example.com", *address, "US", tier]


def _e164(raw: str) -> str:
    return phonenumbers.format_number(phonenumbers.parse(raw, "DE"), phonenumbers.PhoneNumberFormat.E164)


def baseline(path: Path) -> dict:
    started = time.process_time()
    rows = parsed = 0
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.reader(file, delimiter=";")
        next(reader)
        for cells in reader:
            rows += 1
            try:
                number = phonenumbers.parse(cells[0], "DE")
            except phonenumbers.NumberParseException:
                continue
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            parsed += 1
    return {"rows": rows, "parsed": parsed, "cpu_s": time.process_time() - started}


def ours(path: Path, report: Path, dnc: set[str]) -> tuple[dict, ImportProgress, int]:
    started = time.process_time()
    with LeadFile(path) as source, ErrorReport(report) as errors:
        importer = LeadImporter(MAPPING.bind(source.header), default_region="DE",
                                is_dnc=dnc.__contains__, total_bytes=source.total_bytes)
        for result in importer.run(source.rows()):
            errors.write(result.errors)
    progress = importer.progress
    return {"rows": progress.rows_read, "cpu_s": time.process_time() - started}, progress, errors.lines


def failures(rows: int, bad: int, repeats: int, progress: ImportProgress) -> list[str]:
    p = progress
    wrong = []
    if p.rows_read != rows:
        wrong.append(f"{p.rows_read} rows read of {rows} written")
    if p.loaded + p.bad + p.duplicates != p.rows_read:
        wrong.append(f"loaded {p.loaded} + bad {p.bad} + duplicates {p.duplicates} != {p.rows_read} rows")
    if p.bad < bad or p.duplicates < repeats:
        wrong.append(f"{p.bad} bad / {p.duplicates} duplicates found, {bad} / {repeats} written")
    return wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lead-import-") as folder:
        path = Path(folder) / "leads.csv"
        dnc, bad, repeats = generate(path, args.rows, args.seed)
        size = path.stat().st_size
        base = baseline(path)
        mine, progress, report_lines = ours(path, Path(folder) / "errors.csv", dnc)
    for side in (base, mine):
        side["rows_per_s"] = round(side["rows"] / side["cpu_s"]) if side["cpu_s"] else 0
        side["cpu_s"] = round(side["cpu_s"], 2)
    ratio = round(mine["rows_per_s"] / base["rows_per_s"], 3) if base["rows_per_s"] else 0.0
    print(f"{args.rows} generated rows ({size / 1e6:.1f} MB CSV), seed {args.seed}; CPU time")
    print(f"{'side':<9}{'rows':>9}{'cpu s':>8}{'rows/s':>9}")
    for name, side in (("baseline", base), ("ours", mine)):
        print(f"{name:<9}{side['rows']:>9}{side['cpu_s']:>8.2f}{side['rows_per_s']:>9}")
    p = progress
    print(f"ratio ours / baseline {ratio:.2f}; loaded {p.loaded} (dnc {p.dnc}, ambiguous zone "
          f"{p.ambiguous}), bad {p.bad} ({bad} written), duplicates {p.duplicates} ({repeats} "
          f"written); {report_lines} report lines")
    wrong = failures(args.rows, bad, repeats, progress)
    print(json.dumps({"rows": args.rows, "seed": args.seed, "bytes": size, "baseline": base,
                      "ours": mine, "ratio": ratio, "loaded": p.loaded, "bad": p.bad,
                      "duplicates": p.duplicates, "dnc": p.dnc, "ambiguous": p.ambiguous,
                      "report_lines": report_lines, "written_bad": bad, "written_repeats": repeats,
                      "ok": not wrong}))
    for failure in wrong:
        print(f"FAILED {failure}", file=sys.stderr)
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
