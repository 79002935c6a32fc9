"""Lead list files made for a test, and an import of one with everything it returned."""
from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

from dialer.importpool import LEAD_COLUMNS
from dialer.leadfile import LeadFile
from dialer.leadrows import ColumnMapping, ImportProgress, LeadImporter, RowResult


def write_csv(path: Path, rows: Iterable[Sequence[object]], *, delimiter: str = ",",
              encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as file:
        csv.writer(file, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, rows: Iterable[Sequence[object]]) -> Path:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Leads")
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


@dataclass(frozen=True)
class ImportRun:
    results: list[RowResult]
    progress: ImportProgress


def import_file(path: Path, mapping: ColumnMapping, *, region: str = "DE",
                is_dnc: Callable[[str], bool] = lambda number: False) -> ImportRun:
    with LeadFile(path) as source:
        importer = LeadImporter(mapping.bind(source.header), default_region=region, is_dnc=is_dnc,
                                total_bytes=source.total_bytes)
        results = list(importer.run(source.rows()))
    return ImportRun(results, importer.progress)


def copy_rows(payload: bytes) -> list[dict[str, Any]]:
    """A checked block's COPY payload (``dialer.importpool.COPY_OPTIONS``) read back as
    PostgreSQL reads it: empty is None, arrays as tuples, ``custom`` as a dict."""
    rows = []
    for line in payload.decode().split("\n")[:-1]:
        cells = [_COPY_ESCAPE.sub(lambda m: _COPY_UNESCAPE[m[1]], cell) for cell in line.split("\t")]
        row: dict[str, Any] = dict(zip(LEAD_COLUMNS, (cell or None for cell in cells), strict=True))
        for name in ("alt_phones", "timezones"):
            row[name] = tuple(json.loads("[" + row[name][1:-1] + "]"))
        row["custom"] = json.loads(row["custom"])
        rows.append(row)
    return rows


_COPY_ESCAPE = re.compile(r"\\(.)")
_COPY_UNESCAPE = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
