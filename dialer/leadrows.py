"""A lead list's rows turned into typed leads (pure logic; ``dialer.leadfile`` reads the files).

Each row gives exactly one result: ``Loaded`` (a new lead, status new or dnc), ``Merged`` (the
number is already a lead of this list: the row fills what the first one lacked) or
``Rejected``. Problems are ``RowError`` lines (row, column, value, reason); a problem with an
optional cell (an alternative number, the time zone) drops that cell and keeps the lead. No row
stops the import, so loaded + bad + duplicates = rows read (``ImportProgress``).

A row's own checks (``RowChecker``) need no other row, so worker processes can run them;
``LeadImporter`` tells the duplicates in file order. Memory: the importer remembers only, per
number seen, its first row and which fields it has (so a later duplicate knows what to fill),
and ``forget`` drops even that for a caller that merges across blocks itself (the store's
upsert); rows themselves are not kept.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import NamedTuple

import phonenumbers
from pydantic import ConfigDict, Field, create_model, field_validator

from callcenter.errors import Invalid
from dialer import compliance
from dialer.phonecheck import CheckedNumber, check_number
from dialer.phonezones import (
    Address, ZoneChoice, ZoneSource, choose_zones, country_code, known_zones, us_state,
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
    """Of a lead: ISO 3166 alpha-2 when the file's text names a country, else that text."""


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


def _cell(cells: Sequence[str], index: int | None) -> str | None:
    """The cleaned cell at ``index`` (a mapped column), None when empty or missing."""
    if index is None or index >= len(cells):
        return None
    return clean(cells[index]) or None


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


@dataclass(frozen=True, slots=True)
class RowError:
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


@dataclass(slots=True)
class _Seen:
    row: int
    filled: int
    """Bit i set: TEXT_FIELDS[i] (then the custom fields, in the mapping's order) has a value."""
    ambiguous: bool
    phones: tuple[str, ...]


def not_listed(number: str) -> bool:
    """The ``is_dnc`` of an import that applies the do-not-call lists elsewhere (in SQL)."""
    return False


class RowChecker:
    """One row's checks, which need no other row: picklable, so worker processes run them
    (``dialer.importpool``). Gives ``Loaded`` (not yet told from a duplicate) or ``Rejected``.
    The mapping is turned into cell positions once: a row's checks only index its cells."""

    def __init__(self, mapping: BoundMapping, *, default_region: str,
                 is_dnc: Callable[[str], bool]) -> None:
        self._mapping = mapping
        self._region = default_region
        self._is_dnc = is_dnc
        m, index = mapping.mapping, mapping.index
        self._phone = index(m.phone)
        self._country = index(m.country)
        self._timezone = index(m.timezone)
        self._texts = tuple((name, index(getattr(m, name))) for name in TEXT_FIELDS
                            if name != "country" and getattr(m, name) is not None)
        self._alts = tuple((column, index(column)) for column in m.alt_phones)
        self._customs = tuple((name, index(column)) for name, column in m.custom.items())

    def check(self, row: int, cells: Sequence[str]) -> Loaded | Rejected:
        raw_country = _cell(cells, self._country)
        country = country_code(raw_country) if raw_country else None
        region = country or self._region
        raw_phone = _cell(cells, self._phone)
        number = check_number(raw_phone, region) if raw_phone else None
        if number is None:
            reason = ("no phone number" if raw_phone is None
                      else f"not a valid phone number (numbers without +country read as {region})")
            return Rejected(row, (RowError(row, self._mapping.mapping.phone, raw_phone or "",
                                           reason),))
        phone = number.e164
        errors: list[RowError] = []
        texts = {name: value for name, at in self._texts if (value := _cell(cells, at)) is not None}
        details = LeadDetails(
            **texts, country=country or raw_country,
            alt_phones=self._alt_phones(row, cells, phone, region, errors),
            custom={name: value for name, at in self._customs
                    if (value := _cell(cells, at)) is not None})
        zones = self._zones(row, number, _cell(cells, self._timezone),
                            Address(country, details.state, details.postcode), errors)
        if zones is None:
            return Rejected(row, tuple(errors))
        status = LeadStatus.DNC if self._is_dnc(phone) else LeadStatus.NEW
        return Loaded(ImportedLead(row, phone, status, zones, details), tuple(errors))

    def _alt_phones(self, row: int, cells: Sequence[str], phone: str, region: str,
                    errors: list[RowError]) -> tuple[str, ...]:
        found: list[str] = []
        for column, at in self._alts:
            raw = _cell(cells, at)
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

    def _zones(self, row: int, number: CheckedNumber, override: str | None,
               address: Address, errors: list[RowError]) -> ZoneChoice | None:
        column = self._mapping.mapping.timezone
        if override is not None:
            if override in known_zones():
                return ZoneChoice((override,), ZoneSource.OVERRIDE)
            errors.append(RowError(row, column or "", override,
                                   "not a time zone name such as America/Chicago; the number's is used"))
        zones = choose_zones(number.zones, number.region, address)
        if zones.zones:
            return zones
        errors.append(RowError(row, self._mapping.mapping.phone, number.e164,
                               "no time zone is known for this number: give the list a time zone column"))
        return None


class LeadImporter:
    """Validates one file's rows in order; ``is_dnc`` is asked about every E.164 number. The
    rows' own checks are a ``RowChecker``'s; ``admit`` takes its results (computed elsewhere, in
    file order) and tells duplicates."""

    def __init__(self, mapping: BoundMapping, *, default_region: str,
                 is_dnc: Callable[[str], bool], total_bytes: int = 0) -> None:
        self.checker = RowChecker(mapping, default_region=default_region, is_dnc=is_dnc)
        self._custom = list(mapping.mapping.custom)
        self._seen: dict[str, _Seen] = {}
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
        return self.admit(self.checker.check(row, cells))

    def admit(self, checked: Loaded | Rejected) -> RowResult:
        """The row's result once the rows before it are known: a number seen before merges."""
        result = self._dedup(checked) if isinstance(checked, Loaded) else checked
        counts = self._counts
        counts["rows_read"] += 1
        match result:
            case Loaded(lead=lead):
                counts["loaded"] += 1
                counts["dnc"] += lead.status is LeadStatus.DNC
                counts["ambiguous"] += lead.zones.ambiguous
            case Merged():
                counts["duplicates"] += 1
            case Rejected():
                counts["bad"] += 1
        return result

    def forget(self) -> None:
        """Numbers seen so far count as new again, so memory stays flat however long the file;
        for a caller that merges a later row into what it wrote before (``dialer.store``)."""
        self._seen.clear()

    def _dedup(self, checked: Loaded) -> Loaded | Merged:
        lead = checked.lead
        seen = self._seen.get(lead.phone)
        if seen is None:
            self._seen[lead.phone] = _Seen(lead.row, self._filled(lead.details),
                                           lead.zones.ambiguous, lead.details.alt_phones)
            return checked
        return self._merge(seen, lead, checked.errors)

    def _filled(self, details: LeadDetails) -> int:
        present = [getattr(details, name) is not None for name in TEXT_FIELDS]
        present += [name in details.custom for name in self._custom]
        return sum(1 << bit for bit, there in enumerate(present) if there)

    def _merge(self, seen: _Seen, lead: ImportedLead, errors: tuple[RowError, ...]) -> Merged:
        missing = {name for bit, name in enumerate(TEXT_FIELDS) if not seen.filled >> bit & 1}
        offset = len(TEXT_FIELDS)
        missing_custom = {name for bit, name in enumerate(self._custom, offset)
                          if not seen.filled >> bit & 1}
        d = lead.details
        fills = LeadDetails(
            **{name: getattr(d, name) if name in missing else None for name in TEXT_FIELDS},
            alt_phones=tuple(p for p in d.alt_phones if p not in seen.phones),
            custom={name: value for name, value in d.custom.items() if name in missing_custom})
        settles = seen.ambiguous and not lead.zones.ambiguous
        seen.filled |= self._filled(fills)
        seen.phones += fills.alt_phones
        seen.ambiguous = seen.ambiguous and not settles
        return Merged(lead.row, seen.row, lead.phone, fills, lead.zones if settles else None, errors)


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

