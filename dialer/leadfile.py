"""Lead list files (adapter): CSV and XLSX read a row at a time, and the error report written.

Neither reader holds the file: CSV is decoded line by line (UTF-8, with or without a BOM; the
delimiter sniffed from the first lines), XLSX is streamed by openpyxl's read-only mode. Rows
are numbered as a spreadsheet shows them (the column names are row 1); empty rows are skipped.

    with LeadFile(path) as source:
        importer = LeadImporter(mapping.bind(source.header), default_region="DE",
                                is_dnc=dnc.__contains__, total_bytes=source.total_bytes)
        for result in importer.run(source.rows()):
            ...  # write the lead, the merge, and result.errors to an ErrorReport
"""
from __future__ import annotations

import contextlib
import csv
import io
import itertools
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import BinaryIO

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from callcenter.errors import Invalid
from dialer.leadrows import RowError, SourceRow

SNIFF_LINES = 50
DELIMITERS = ",;\t|"
class _Closing(contextlib.AbstractContextManager):
    """``with`` closes it."""

    def close(self) -> None:
        raise NotImplementedError

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class LeadFile(_Closing):
    """An uploaded lead list: its first row (the column names), then its rows, streamed."""

    def __init__(self, path: Path) -> None:
        reader = READERS.get(path.suffix.lower())
        if reader is None:
            kind = path.suffix or "a file without extension"
            raise Invalid("a lead list is a CSV or XLSX file, not {kind}", kind=kind)
        self.path = path
        self.is_csv = reader is read_csv
        self.total_bytes = path.stat().st_size
        self._rows = reader(path)
        first = next(self._rows, None)
        if first is None:
            self.close()
            raise Invalid("the file has no rows")
        self.header = tuple(first.cells)

    def rows(self) -> Iterator[SourceRow]:
        return self._rows

    def close(self) -> None:
        self._rows.close()


def read_csv(path: Path) -> Iterator[SourceRow]:
    with path.open("rb") as raw:
        lines = DecodedLines(raw)
        yield from csv_rows(lines, _dialect(lines.head))


def csv_rows(lines: DecodedLines | DecodedBlock, dialect: dict[str, object],
             first: int = 1) -> Iterator[SourceRow]:
    """The records of ``lines``, the first numbered ``first``."""
    records = csv.reader(lines, **dialect)
    for number in itertools.count(first):
        try:
            cells = next(records)
        except StopIteration:
            return
        except UnicodeDecodeError as error:
            raise Invalid('row {row} is not UTF-8 text (byte 0x{byte:02x}): save the list as '
                          '"CSV UTF-8" (or XLSX) and upload it again',
                          row=number, byte=error.object[error.start]) from None
        except csv.Error as error:
            raise Invalid("row {row} cannot be read as CSV: {problem}", row=number,
                          problem=str(error)) from None
        if any(cells):
            yield SourceRow(number, cells, lines.bytes_read)


@dataclass(frozen=True, slots=True)
class CsvBlock:
    """Whole records of a CSV file, cut where no quoted cell is open, for a worker to read."""
    first_row: int
    data: bytes
    end: int
    """The file's bytes up to the block's end, for a progress bar."""


class CsvBlocks(_Closing):
    """A CSV lead list as its column names, dialect and blocks of about ``size`` bytes. Rows
    are numbered as ``read_csv`` numbers them: a record's line ends inside quotes do not count
    (the quote character's parity tells them; doubled quotes keep it)."""

    def __init__(self, path: Path, size: int) -> None:
        self._raw = path.open("rb")
        self._size = size
        lines = DecodedLines(self._raw)
        self.dialect = _dialect(lines.head)
        header = next(csv_rows(lines, self.dialect), None)
        if header is None:
            self.close()
            raise Invalid("the file has no rows")
        self.header = tuple(header.cells)
        self._next_row = header.number + 1
        self._raw.seek(lines.bytes_read)
        self._quote = str(self.dialect.get("quotechar", '"')).encode()

    def __iter__(self) -> Iterator[CsvBlock]:
        rest = b""
        while chunk := self._raw.read(self._size):
            data, rest = self._cut(rest + chunk)
            if data:
                yield self._block(data)
        if rest:
            yield self._block(rest)

    def _cut(self, data: bytes) -> tuple[bytes, bytes]:
        """``data`` split after its last line end outside quotes."""
        end = len(data)
        while (end := data.rfind(b"\n", 0, end)) >= 0:
            if data.count(self._quote, 0, end) % 2 == 0:
                return data[:end + 1], data[end + 1:]
        return b"", data

    def _block(self, data: bytes) -> CsvBlock:
        block = CsvBlock(self._next_row, data, self._raw.tell())
        self._next_row += self._records(data)
        return block

    def _records(self, data: bytes) -> int:
        if self._quote not in data:
            return data.count(b"\n") + (not data.endswith(b"\n"))
        ends = 0
        quotes = 0
        for line in data.split(b"\n")[:-1]:
            quotes += line.count(self._quote)
            ends += quotes % 2 == 0
        return ends + (not data.endswith(b"\n"))

    def close(self) -> None:
        self._raw.close()


def block_rows(block: CsvBlock, dialect: dict[str, object]) -> Iterator[SourceRow]:
    """A block's rows, numbered in the file (their ``bytes_read`` within the block). A block of
    UTF-8 text is decoded at once; else line by line, so the fault names its row."""
    try:
        lines: DecodedLines | DecodedBlock = DecodedBlock(block.data)
    except UnicodeDecodeError:
        lines = DecodedLines(io.BytesIO(block.data), bom=False)
    return csv_rows(lines, dialect, block.first_row)


class DecodedBlock:
    """Lines of UTF-8 text decoded at once: ``DecodedLines``' lines (ended by \\n alone), all
    their bytes read."""

    def __init__(self, data: bytes) -> None:
        self._text = data.decode()
        self.bytes_read = len(data)

    def __iter__(self) -> Iterator[str]:
        return iter(io.StringIO(self._text, newline="\n"))


class DecodedLines:
    """A binary file's lines, decoded one by one as the CSV reader asks for them (so a decoding
    error surfaces at its row), counting the bytes handed out."""

    def __init__(self, raw: BinaryIO, *, bom: bool = True) -> None:
        self.head = list(itertools.islice(raw, SNIFF_LINES))
        self._lines = itertools.chain(self.head, raw)
        self._first = bom
        self.bytes_read = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.bytes_read += len(line)
        encoding, self._first = ("utf-8-sig" if self._first else "utf-8"), False
        return line.decode(encoding)


def _dialect(head: list[bytes]) -> dict[str, object]:
    """The delimiter and quoting the first lines show; quotes inside quotes are doubled, as in
    RFC 4180 and spreadsheets' CSV (the sniffer guesses otherwise when a sample has none)."""
    # the sniffer's quote patterns expect bare \n line ends
    sample = b"".join(head).decode("utf-8-sig", errors="replace").replace("\r\n", "\n")
    try:
        found = csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
    except csv.Error:  # one column, or too little to tell
        return {}
    return {"delimiter": found.delimiter, "quotechar": found.quotechar or '"',
            "skipinitialspace": found.skipinitialspace}


def read_xlsx(path: Path) -> Iterator[SourceRow]:
    """The first sheet's rows; formulas give their last computed value."""
    with path.open("rb") as raw:
        try:
            book = openpyxl.load_workbook(raw, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError):
            raise Invalid("the file is not an XLSX workbook") from None
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # some writers record a wrong used range; read every cell
            rows = sheet.iter_rows(values_only=True)
            for number, values in enumerate(rows, 1):
                cells = [_cell_text(value) for value in values]
                if any(cells):
                    yield SourceRow(number, cells, raw.tell())
        finally:
            book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a number typed into a cell: 4930123456.0 is 4930123456
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


READERS: dict[str, Callable[[Path], Iterator[SourceRow]]] = {
    ".csv": read_csv, ".txt": read_csv, ".tsv": read_csv, ".xlsx": read_xlsx, ".xlsm": read_xlsx}


class ErrorReport(_Closing):
    """The rows an import refused or changed, as a CSV the user opens in a spreadsheet: UTF-8
    with a BOM (so spreadsheets read "张伟" right), one line per problem."""

    COLUMNS = ("row", "column", "value", "reason")

    def __init__(self, path: Path) -> None:
        self._file = path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow(self.COLUMNS)
        self.lines = 0

    def write(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            self._writer.writerow((error.row, error.column, _inert(error.value), error.reason))
            self.lines += 1

    def close(self) -> None:
        self._file.close()


def _inert(value: str) -> str:
    """A cell a spreadsheet would run as a formula ("=HYPERLINK(...)") is quoted; phone numbers
    such as "+49 30 1234" stay as written."""
    phone_like = value[1:].translate(PHONE_PUNCTUATION).isdigit()
    if value[:1] in ("=", "@", "\t", "\r") or (value[:1] in ("+", "-") and not phone_like):
        return "'" + value
    return value


PHONE_PUNCTUATION = str.maketrans("", "", " ()-./")
