"""A lead list's rows turned into typed leads (pure logic; ``dialer.leadfile`` reads the files).

Each row gives exactly one result: ``Loaded`` (a new lead, status new or dnc), ``Merged`` (the
number is already a lead of this list: the row fills what the first one lacked) or
``Rejected``. Problems are ``RowError`` lines (row, column, value, reason); a problem with an
optional cell (an alternative number, the time zone) drops that cell and keeps the lead. No row
stops the import, so loaded + bad + duplicates = rows read (``ImportProgress``).

A row's own checks (``RowChecker``) need no other row, so worker processes can run them; they
give the lead as a ``Record`` of plain values (the import's workers merge and send those, see
``dialer.importpool``), and ``LeadImporter`` tells the duplicates in file order and makes the
results. Memory: the importer remembers, per number seen, its first row and its lead (so a
later duplicate knows what to fill), and ``forget`` drops them for a caller that merges across
blocks itself (the store's upsert).
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from operator import itemgetter
from typing import Any, NamedTuple

import phonenumbers
from pydantic import ConfigDict, Field, create_model, field_validator

from callcenter.errors import Invalid
from dialer import compliance
from dialer.phonecheck import CheckedNumber, check_number
from dialer.phonezones import (
    ZoneChoice, ZoneSource, choose_zones, country_code, known_zones, us_state,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact:
    """A lead's text fields: in ``LeadDetails`` their values, in a ``ColumnMapping`` the columns
    holding them. A plain class, not a model: the import makes one per row."""
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    address: str | None = None
    postcode: str | None = None
    state: str | None = None
    country: str | None = None
    """Of a lead: ISO 3166 alpha-2 when the file's text names a country, else that text. The
    last field: a ``Record`` puts it after the texts the file gives as they are."""


TEXT_FIELDS = tuple(text_field.name for text_field in fields(Contact))
_ContactColumns = create_model("ContactColumns", **{name: (str | None, None) for name in TEXT_FIELDS})


class ColumnMapping(_ContactColumns):  # type: ignore[valid-type,misc]
    """Which column of the file holds what: values are the file's column names (its first row)."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phone: str = Field(min_length=1)
    alt_phones: list[str] = []
    timezone: str | None = None
    """An IANA zone ("America/Chicago") that replaces the one found from the number."""
    custom: dict[str, str] = {}
    """Kept as the lead's custom fields, {field name: column}; a list keeps the column names."""

    @field_validator("custom", mode="before")
    @classmethod
    def _names_from_columns(cls, value: object) -> object:
        return {column: column for column in value} if isinstance(value, list) else value

    def bind(self, header: Sequence[str]) -> BoundMapping:
        """Column positions in a file whose first row is ``header``."""
        positions: dict[str, int] = {}
        for index, name in enumerate(clean(cell) for cell in header):
            if name and positions.setdefault(name, index) != index and name in self.columns():
                raise Invalid("column {column} appears twice in the file's first row",
                              column=repr(name))
        unknown = [column for column in self.columns() if column not in positions]
        if unknown:
            raise Invalid("no column {missing} in the file; its columns: {columns}",
                          missing=", ".join(map(repr, unknown)),
                          columns=", ".join(repr(name) for name in positions))
        return BoundMapping(self, positions)

    def columns(self) -> list[str]:
        named = [getattr(self, name) for name in ("phone", *TEXT_FIELDS, "timezone")]
        return [c for c in [*named, *self.alt_phones, *self.custom.values()] if c]


@dataclass(frozen=True, slots=True)
class BoundMapping:
    mapping: ColumnMapping
    positions: Mapping[str, int]

    def index(self, column: str | None) -> int | None:
        return None if column is None else self.positions[column]


def clean(text: str) -> str:
    """Trimmed, and composed (NFC) so "Jürgen" typed two ways is one name."""
    text = text.strip()
    return text if text.isascii() else unicodedata.normalize("NFC", text)  # ASCII is NFC


class SourceRow(NamedTuple):
    """One row of a lead file as its reader yields it."""
    number: int
    """1-based, as a spreadsheet shows it: the column names are row 1."""
    cells: Sequence[str]
    bytes_read: int
    """Of the file so far, for a progress bar."""


class LeadStatus(StrEnum):
    NEW = "new"
    DNC = "dnc"
    """On the do-not-call list: kept, never dialed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LeadDetails(Contact):
    alt_phones: tuple[str, ...] = ()
    custom: dict[str, str] = field(default_factory=dict)

    def filled_from(self, other: LeadDetails) -> LeadDetails:
        """These details, with what they lack taken from ``other``."""
        texts = {name: getattr(self, name) or getattr(other, name) for name in TEXT_FIELDS}
        alt = self.alt_phones + tuple(p for p in other.alt_phones if p not in self.alt_phones)
        return LeadDetails(**texts, alt_phones=alt, custom={**other.custom, **self.custom})


@dataclass(frozen=True, slots=True)
class ImportedLead:
    row: int
    phone: str
    """E.164."""
    status: LeadStatus
    zones: ZoneChoice
    details: LeadDetails = LeadDetails()

    def dialing(self) -> compliance.Lead:
        """What the calling-hour rules need: every zone the lead may be in, and its holidays."""
        country = country_code(self.details.country or "") or phonenumbers.region_code_for_number(
            phonenumbers.parse(self.phone))
        subdivision = us_state(self.details.state) if country == "US" else None
        return compliance.Lead(self.zones.zones, country, subdivision)


class RowError(NamedTuple):
    """A tuple: an import sends thousands from its workers and writes them as CSV lines."""
    row: int
    column: str
    value: str
    reason: str


@dataclass(frozen=True, slots=True)
class Loaded:
    lead: ImportedLead
    errors: tuple[RowError, ...] = ()


@dataclass(frozen=True, slots=True)
class Merged:
    """A later row with a number already loaded: ``fills`` holds only what the first row lacked."""
    row: int
    first_row: int
    phone: str
    fills: LeadDetails
    zones: ZoneChoice | None = None
    """This row's zones when they settle what the first row left ambiguous."""
    errors: tuple[RowError, ...] = ()


@dataclass(frozen=True, slots=True)
class Rejected:
    row: int
    errors: tuple[RowError, ...]


RowResult = Loaded | Merged | Rejected


def merge(lead: ImportedLead, merged: Merged) -> ImportedLead:
    """The lead as it stands once a duplicate row's fills are applied."""
    return replace(lead, details=lead.details.filled_from(merged.fills), zones=merged.zones or lead.zones)


@dataclass(frozen=True, slots=True)
class ImportProgress:
    rows_read: int = 0
    loaded: int = 0
    """New leads, the dnc ones included."""
    bad: int = 0
    duplicates: int = 0
    dnc: int = 0
    ambiguous: int = 0
    """Loaded leads left in several time zones: dialed only when all of them are open."""
    bytes_read: int = 0
    total_bytes: int = 0

    @property
    def fraction(self) -> float:
        return min(1.0, self.bytes_read / self.total_bytes) if self.total_bytes else 0.0


def not_listed(number: str) -> bool:
    """The ``is_dnc`` of an import that applies the do-not-call lists elsewhere (in SQL)."""
    return False


Record = list[Any]
"""A row's lead in plain values, as ``RowChecker.check`` gives it (an import makes one per row,
so no objects): the number (E.164), the values of TEXT_FIELDS then of the mapping's custom
fields (None: empty), then the alternative numbers, the ``ZoneChoice`` and whether the number
is on the do-not-call list."""
ALT_PHONES, ZONES, DNC = -3, -2, -1
"""A ``Record``'s last places."""
_STATE, _POSTCODE = TEXT_FIELDS.index("state"), TEXT_FIELDS.index("postcode")


def absorb(kept: Record, later: Record) -> Record:
    """A later row of the same number merged into ``kept``: it fills the values ``kept`` lacks,
    adds its alternative numbers, and settles zones ``kept`` left ambiguous. Gives what it
    changed, as a record (None where it changed nothing)."""
    fills: Record = [kept[0], *[None] * (len(kept) - 1)]
    for at in range(1, len(kept) + ALT_PHONES):
        if kept[at] is None and (value := later[at]) is not None:
            kept[at] = fills[at] = value
    fills[ALT_PHONES] = tuple(p for p in later[ALT_PHONES] if p not in kept[ALT_PHONES])
    kept[ALT_PHONES] += fills[ALT_PHONES]
    if kept[ZONES].ambiguous and not later[ZONES].ambiguous:
        kept[ZONES] = fills[ZONES] = later[ZONES]
    return fills


def _getter(positions: Sequence[int]) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """``operator.itemgetter`` that gives a sequence however many positions (one: a slice, so
    it stays picklable)."""
    if len(positions) == 1:
        return itemgetter(slice(positions[0], positions[0] + 1 or None))
    return itemgetter(*positions) if positions else itemgetter(slice(0, 0))


class RowChecker:
    """One row's checks, which need no other row: picklable, so worker processes run them
    (``dialer.importpool``). The mapping is turned into cell positions once: a row's checks
    take its mapped cells in one step, clean them in one pass and index the cleaned values."""

    def __init__(self, mapping: BoundMapping, *, default_region: str,
                 is_dnc: Callable[[str], bool]) -> None:
        self._region = default_region
        self._is_dnc = is_dnc
        m = mapping.mapping
        self._phone_column, self._zone_column = m.phone, m.timezone or ""
        self.custom_names = tuple(m.custom)
        columns = [m.phone, *{column: None for column in m.columns() if column != m.phone}]
        positions = [mapping.positions[column] for column in columns]
        self._width = max(positions) + 1
        self._pick = _getter(positions)

        def slot(column: str | None) -> int:
            """Of the column's cleaned value; -1: the None after them (a column not mapped)."""
            return -1 if column is None else columns.index(column)
        self._country, self._zone = slot(m.country), slot(m.timezone)
        self._texts = _getter([slot(getattr(m, name)) for name in TEXT_FIELDS if name != "country"])
        self._customs = _getter([slot(column) for column in m.custom.values()])
        self._alts = tuple((column, slot(column)) for column in m.alt_phones)

    def check(self, row: int, cells: Sequence[str]) -> tuple[Record | None, list[RowError]]:
        """The row's lead (None: rejected) and its error lines."""
        if len(cells) < self._width:
            cells = [*cells, *[""] * (self._width - len(cells))]
        values: list[str | None] = [(text if text.isascii() else clean(text)) or None
                                    for text in map(str.strip, self._pick(cells))]
        values.append(None)
        raw_phone, raw_country = values[0], values[self._country]
        country = country_code(raw_country) if raw_country else None
        region = country or self._region
        number = check_number(raw_phone, region) if raw_phone else None
        if number is None:
            reason = ("no phone number" if raw_phone is None
                      else f"not a valid phone number (numbers without +country read as {region})")
            return None, [RowError(row, self._phone_column, raw_phone or "", reason)]
        errors: list[RowError] = []
        alts = self._alt_phones(row, values, number.e164, region, errors) if self._alts else ()
        texts = self._texts(values)
        zones = self._zones(row, number, values[self._zone], country, texts, errors)
        if zones is None:
            return None, errors
        return [number.e164, *texts, country or raw_country, *self._customs(values), alts, zones,
                self._is_dnc(number.e164)], errors

    def lead(self, row: int, record: Record) -> ImportedLead:
        return ImportedLead(row, record[0], LeadStatus.DNC if record[DNC] else LeadStatus.NEW,
                            record[ZONES], self.details(record))

    def details(self, record: Record) -> LeadDetails:
        custom = zip(self.custom_names, record[len(TEXT_FIELDS) + 1:ALT_PHONES])
        return LeadDetails(**dict(zip(TEXT_FIELDS, record[1:len(TEXT_FIELDS) + 1])),
                           alt_phones=record[ALT_PHONES],
                           custom={name: value for name, value in custom if value is not None})

    def _alt_phones(self, row: int, values: list[str | None], phone: str, region: str,
                    errors: list[RowError]) -> tuple[str, ...]:
        found: list[str] = []
        for column, at in self._alts:
            raw = values[at]
            if raw is None:
                continue
            checked = check_number(raw, region)
            if checked is None:
                errors.append(RowError(row, column, raw, "not a valid phone number; left out"))
            elif self._is_dnc(checked.e164):
                errors.append(RowError(row, column, raw, "on the do-not-call list; left out"))
            elif checked.e164 != phone and checked.e164 not in found:
                found.append(checked.e164)
        return tuple(found)

    def _zones(self, row: int, number: CheckedNumber, override: str | None, country: str | None,
               texts: Sequence[str | None], errors: list[RowError]) -> ZoneChoice | None:
        if override is not None:
            if override in known_zones():
                return ZoneChoice((override,), ZoneSource.OVERRIDE)
            errors.append(RowError(row, self._zone_column, override,
                                   "not a time zone name such as America/Chicago; the number's is used"))
        zones = choose_zones(number.zones, number.region, country, texts[_STATE], texts[_POSTCODE])
        if zones.zones:
            return zones
        errors.append(RowError(row, self._phone_column, number.e164,
                               "no time zone is known for this number: give the list a time zone column"))
        return None


class LeadImporter:
    """Validates one file's rows in order; ``is_dnc`` is asked about every E.164 number. The
    rows' own checks are a ``RowChecker``'s; the importer tells duplicates and makes the
    results."""

    def __init__(self, mapping: BoundMapping, *, default_region: str,
                 is_dnc: Callable[[str], bool], total_bytes: int = 0) -> None:
        self.checker = RowChecker(mapping, default_region=default_region, is_dnc=is_dnc)
        self._seen: dict[str, tuple[int, Record]] = {}
        """Per number, its first row and its lead as merged so far."""
        self._counts = dict.fromkeys(("rows_read", "loaded", "bad", "duplicates", "dnc", "ambiguous"), 0)
        self.bytes_read = 0
        self._total_bytes = total_bytes

    @property
    def progress(self) -> ImportProgress:
        return ImportProgress(**self._counts, bytes_read=self.bytes_read, total_bytes=self._total_bytes)

    def run(self, rows: Iterable[SourceRow]) -> Iterator[RowResult]:
        """One result per row, in order."""
        for row in rows:
            result = self.feed(row.number, row.cells)
            self.bytes_read = row.bytes_read
            yield result

    def feed(self, row: int, cells: Sequence[str]) -> RowResult:
        """The row's result once the rows before it are known: a number seen before merges."""
        record, errors = self.checker.check(row, cells)
        counts = self._counts
        counts["rows_read"] += 1
        if record is None:
            counts["bad"] += 1
            return Rejected(row, tuple(errors))
        seen = self._seen.get(record[0])
        if seen is not None:
            counts["duplicates"] += 1
            fills = absorb(seen[1], record)
            return Merged(row, seen[0], record[0], self.checker.details(fills), fills[ZONES],
                          tuple(errors))
        self._seen[record[0]] = (row, record)
        counts["loaded"] += 1
        counts["dnc"] += record[DNC]
        counts["ambiguous"] += record[ZONES].ambiguous
        return Loaded(self.checker.lead(row, record), tuple(errors))

    def forget(self) -> None:
        """Numbers seen so far count as new again, so memory stays flat however long the file;
        for a caller that merges a later row into what it wrote before (``dialer.store``)."""
        self._seen.clear()


def collect(results: Iterable[RowResult]) -> tuple[list[ImportedLead], list[RowError]]:
    """Every lead with its duplicates merged in, and every error line, for a list small enough
    to hold (previews, tests); an import writes each result as it comes instead."""
    leads: dict[str, ImportedLead] = {}
    errors: list[RowError] = []
    for result in results:
        errors.extend(result.errors)
        if isinstance(result, Loaded):
            leads[result.lead.phone] = result.lead
        elif isinstance(result, Merged):
            leads[result.phone] = merge(leads[result.phone], result)
    return list(leads.values()), errors

