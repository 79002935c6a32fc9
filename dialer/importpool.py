"""A lead list read and checked a block at a time, by worker processes, in file order.

For a CSV file larger than a block the parent only cuts the file into blocks of whole records
(``CsvBlocks``); each worker decodes a block at once, parses and checks its rows with the
importer's ``RowChecker``, merges the block's repeated numbers as ``LeadImporter`` does
(``absorb``, on the rows' plain records: no objects per row), and sends back the block's COPY
payload (one row per number, ``LEAD_COLUMNS`` in COPY's text format, as bytes: the parent
forwards it untouched), its error lines and counts. The caller writes the
blocks in file order, a number that an earlier block gave merging into its lead (the upsert
does it as ``LeadImporter`` would), so the outcome is a single process's. At most
``2 x workers`` blocks are in flight, so memory stays flat however long the file. A small
file, or an XLSX one (openpyxl reads it in order), is checked in the calling process, blocks
of ``block_rows`` rows. A block that cannot be read (not UTF-8, broken CSV) gives the rows
before the fault, then the fault.
"""
from __future__ import annotations

import gc
import itertools
import json
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import Any

from callcenter.errors import Invalid
from dialer.leadfile import CsvBlock, CsvBlocks, LeadFile, SourceRow, block_rows
from dialer.leadrows import ALT_PHONES, TEXT_FIELDS, ZONES, LeadImporter, Record, RowError, absorb

BLOCK_BYTES = 1 << 20
"""About 10,000 rows of a typical list."""
BLOCK_ROWS = 10_000
LEAD_COLUMNS = ("ord", "phone", *TEXT_FIELDS, "alt_phones", "custom", "timezones", "zone_source")
"""``ord``: the lead's place in its block, so the leads are written in file order."""
COPY_OPTIONS: dict[str, Any] = {"columns": LEAD_COLUMNS, "format": "text", "null": ""}
"""How PostgreSQL reads a block's ``copy``: its text format (tab between values, a backslash
escapes), an empty value NULL (a record's texts are never empty: None instead)."""

_worker: tuple[LeadImporter, dict[str, object]] | None = None


@dataclass(slots=True)
class CheckedBlock:
    copy: bytes = b""
    """The COPY payload (``COPY_OPTIONS``): one row per number new in the block, in file order,
    its later rows merged in."""
    leads: int = 0
    """Rows in ``copy``."""
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    bad: int = 0
    duplicates: int = 0
    """Rows repeating a number of the block."""
    bytes_read: int = 0
    """Of the file, up to this block's end."""
    fault: tuple[str, dict[str, Any]] | None = None
    """Why the rest of the file cannot be read: an ``Invalid``'s template and parameters."""

    def raise_fault(self) -> None:
        if self.fault is not None:
            template, params = self.fault
            raise Invalid(template, **params)


def default_workers() -> int:
    return len(os.sched_getaffinity(0))


def check_file(source: LeadFile, importer: LeadImporter, *, workers: int = 0,
               block_bytes: int = BLOCK_BYTES, block_rows: int = BLOCK_ROWS) -> Iterator[CheckedBlock]:
    """Every row of ``source`` checked, in blocks in file order; ``workers`` processes (0: one
    per core) for a CSV file larger than ``block_bytes``. Closes ``source``."""
    workers = workers or default_workers()
    if not (source.is_csv and workers > 1 and source.total_bytes > block_bytes):
        with source:
            yield from _checked_here(importer, source.rows(), block_rows)
        return
    source.close()
    with CsvBlocks(source.path, block_bytes) as blocks:
        yield from _checked_by_pool(importer, blocks.dialect, iter(blocks), workers)


def _checked_here(importer: LeadImporter, rows: Iterator[SourceRow],
                  size: int) -> Iterator[CheckedBlock]:
    while True:
        block = _summary(importer, itertools.islice(rows, size))
        if block.rows == 0 and block.fault is None:
            return
        yield block
        if block.fault is not None:
            return


def _summary(importer: LeadImporter, rows: Iterable[SourceRow], end: int | None = None) -> CheckedBlock:
    """The block's rows checked, its numbers merged; the importer forgets them afterwards."""
    block = CheckedBlock()
    check = importer.checker.check
    leads: dict[str, Record] = {}
    try:
        for row in rows:
            record, errors = check(row.number, row.cells)
            block.rows += 1
            block.bytes_read = row.bytes_read
            if errors:
                block.errors += errors
            if record is None:
                block.bad += 1
            elif (kept := leads.setdefault(record[0], record)) is not record:
                absorb(kept, record)
                block.duplicates += 1
    except Invalid as fault:
        block.fault = (fault.template, fault.params)
    importer.forget()
    to_copy = _CopyLines(importer.checker.custom_names)
    block.copy = copy_payload(to_copy(order, lead) for order, lead in enumerate(leads.values()))
    block.leads = len(leads)
    block.bytes_read = block.bytes_read if end is None else end
    return block


def copy_payload(lines: Iterable[str]) -> bytes:
    """The ``_CopyLines`` of a block as COPY reads them."""
    return "".join(lines).encode()


def array_literal(values: Iterable[str]) -> str:
    """A text[] value as PostgreSQL reads it: every element quoted, its \\ and " escaped."""
    quoted = ('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values)
    return "{" + ",".join(quoted) + "}"


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
"""What COPY's text format escapes in a value."""


class _CopyLines:
    """A ``Record`` as the COPY's line (``LEAD_COLUMNS``), its arrays as literals and its custom
    fields as JSON. Nearly no value holds a character COPY escapes, so the line is joined first
    and its values escaped only when it holds one. The zones' literal (and source) is made once
    per zone tuple (every lead of a zone shares its tuple)."""

    def __init__(self, custom_names: tuple[str, ...]) -> None:
        self._keys = [json.dumps(name, ensure_ascii=False) + ": " for name in custom_names]
        self._zones: dict[tuple[str, ...], str] = {}

    def __call__(self, order: int, record: Record) -> str:
        zones = record[ZONES]
        if (ending := self._zones.get(zones.zones)) is None:
            ending = self._zones[zones.zones] = (
                f"{array_literal(zones.zones).translate(_ESCAPES)}\t{zones.source.value}\n")
        alts = record[ALT_PHONES]
        values = [str(order), *[value or "" for value in record[:_CUSTOM]],
                  array_literal(alts) if alts else "{}", self._json(record[_CUSTOM:ALT_PHONES])]
        line = "\t".join(values)
        if line.count("\t") != len(values) - 1 or "\\" in line or "\n" in line or "\r" in line:
            line = "\t".join([value.translate(_ESCAPES) for value in values])
        return f"{line}\t{ending}"

    def _json(self, values: list[str | None]) -> str:
        if len(values) == 1:  # the usual list: one field, or none (~0.2 µs instead of ~0.5)
            return "{" + self._keys[0] + encode_basestring(values[0]) + "}" if values[0] else "{}"
        fields = [key + encode_basestring(value) for key, value in zip(self._keys, values) if value]
        return "{" + ", ".join(fields) + "}" if fields else "{}"


_CUSTOM = len(TEXT_FIELDS) + 1
"""Where a ``Record``'s custom fields start."""


def _checked_by_pool(importer: LeadImporter, dialect: dict[str, object],
                     blocks: Iterable[CsvBlock], workers: int) -> Iterator[CheckedBlock]:
    """Worker processes come from a fork server, never a fork of the caller (which may hold
    threads, sockets and a database pool)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_preload())
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start,
                             initargs=(importer, dialect)) as pool:
        pending: deque[Future[CheckedBlock]] = deque()
        try:
            for block in blocks:
                pending.append(pool.submit(_check, block))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def _preload() -> list[str]:
    """What the fork server imports once for all its workers: this module, the tables its checks
    load (``dialer.importwarm``) and the caller's main module, which each worker would otherwise
    import afresh with everything it imports. A module run with ``-m`` each worker still runs
    as ``__mp_main__``, but its imports are done. A script (``__main__``) Python 3.11's fork
    server never imports (it looks for a preparation key, ``main_path``, that is never set), so
    each worker runs it again: cheap for the ``callcenter`` command's wrapper, whose one import
    is the CLI module."""
    spec = getattr(sys.modules["__main__"], "__spec__", None)
    run_as_module = spec is not None and not spec.name.endswith("__main__")
    return ["__main__", "dialer.importpool", "dialer.importwarm",
            *([spec.name] if run_as_module else [])]


def _start(importer: LeadImporter, dialect: dict[str, object]) -> None:
    global _worker
    _worker = (importer, dialect)
    # A block's records hold no reference cycles: collecting every 700 new ones (the default)
    # scans them in vain, about a tenth of a row's cost. What the worker starts with stays.
    gc.freeze()
    gc.set_threshold(WORKER_GC_THRESHOLD)


WORKER_GC_THRESHOLD = 100_000
"""New container objects between the worker's collections: about a block's rows' worth."""


def _check(block: CsvBlock) -> CheckedBlock:
    assert _worker is not None
    importer, dialect = _worker
    return _summary(importer, block_rows(block, dialect), block.end)
