"""A lead list's rows checked by worker processes, the results back in file order.

For a CSV file larger than a block the parent only cuts the file into blocks of whole records
(``CsvBlocks``); each worker decodes, parses and checks a block's rows (``RowChecker``,
phonenumbers being most of a row's cost) and the parent admits the results in file order
(``LeadImporter.admit``: duplicates, counts), so the outcome is the one a single process gives.
At most ``2 x workers`` blocks are in flight, so memory stays flat however long the file. A
small file, or an XLSX one (openpyxl reads it in order), is checked in the calling process, a
block of rows at a time. A block that cannot be read (not UTF-8, broken CSV) gives the rows
before the fault, then the fault.
"""
from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from callcenter.errors import Invalid
from dialer.leadfile import CsvBlock, CsvBlocks, LeadFile, SourceRow, block_rows
from dialer.leadrows import Loaded, Rejected, RowChecker

BLOCK_BYTES = 1 << 20
"""About 10,000 rows of a typical list."""
INLINE_ROWS = 1000

_worker: tuple[RowChecker, dict[str, object]] | None = None


@dataclass(frozen=True, slots=True)
class CheckedBlock:
    results: list[Loaded | Rejected]
    bytes_read: int
    """Of the file, up to this block's end."""
    fault: tuple[str, dict[str, Any]] | None = None
    """Why the rest of the file cannot be read: an ``Invalid``'s template and parameters."""

    def raise_fault(self) -> None:
        if self.fault is not None:
            template, params = self.fault
            raise Invalid(template, **params)


def default_workers() -> int:
    return len(os.sched_getaffinity(0))


def check_file(source: LeadFile, checker: RowChecker, *, workers: int = 0,
               block_bytes: int = BLOCK_BYTES) -> Iterator[CheckedBlock]:
    """Every row of ``source`` checked, in blocks in file order; ``workers`` processes (0: one
    per core) for a CSV file larger than ``block_bytes``. Closes ``source``."""
    workers = workers or default_workers()
    if not (source.is_csv and workers > 1 and source.total_bytes > block_bytes):
        with source:
            yield from _checked_here(checker, source.rows())
        return
    source.close()
    with CsvBlocks(source.path, block_bytes) as blocks:
        yield from _checked_by_pool(checker, blocks.dialect, iter(blocks), workers)


def _checked_here(checker: RowChecker, rows: Iterator[SourceRow]) -> Iterator[CheckedBlock]:
    bytes_read = 0
    while True:
        results: list[Loaded | Rejected] = []
        try:
            for row in itertools.islice(rows, INLINE_ROWS):
                results.append(checker.check(row.number, row.cells))
                bytes_read = row.bytes_read
        except Invalid as fault:
            yield CheckedBlock(results, bytes_read, (fault.template, fault.params))
            return
        if not results:
            return
        yield CheckedBlock(results, bytes_read)


def _checked_by_pool(checker: RowChecker, dialect: dict[str, object],
                     blocks: Iterable[CsvBlock], workers: int) -> Iterator[CheckedBlock]:
    """Worker processes come from a fork server, never a fork of the caller (which may hold
    threads, sockets and a database pool)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["dialer.importpool"])
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start,
                             initargs=(checker, dialect)) as pool:
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


def _start(checker: RowChecker, dialect: dict[str, object]) -> None:
    global _worker
    _worker = (checker, dialect)


def _check(block: CsvBlock) -> CheckedBlock:
    assert _worker is not None
    checker, dialect = _worker
    results = []
    try:
        for row in block_rows(block, dialect):
            results.append(checker.check(row.number, row.cells))
    except Invalid as fault:
        return CheckedBlock(results, block.end, (fault.template, fault.params))
    return CheckedBlock(results, block.end)
