"""Which time zones a lead may be in: from its number (phonenumbers), narrowed by its address.

A number's area can span zones (a US area code across a state line, a toll-free or mobile
number, a country with many zones). The dialer's rules (``dialer.compliance.next_open``) call
only when every zone the lead may be in is open, so a lead left with several zones ("ambiguous")
is dialed in the overlap of their calling hours: the latest start and the earliest end.

The address narrows a multi-zone number where a postal table exists: US ZIP codes and states
(the ``zipcodes`` package). When the address yields zones they replace the number's rather than
being intersected with them: the two data sets name zones differently (phonenumbers gives
area code 605 America/Denver and America/North_Dakota/Center, zipcodes' eastern South Dakota
is America/Chicago), so an intersection by name could keep only the wrong one.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import available_timezones

import pycountry
import zipcodes

US = "US"


class ZoneSource(StrEnum):
    OVERRIDE = "override"
    """The list's own time zone column."""
    NUMBER = "number"
    ADDRESS = "address"


class ZoneChoice(NamedTuple):
    """A tuple, as cheap to make as the lead import's every row needs."""
    zones: tuple[str, ...]
    source: ZoneSource

    @property
    def ambiguous(self) -> bool:
        return len(self.zones) > 1


@dataclass(frozen=True, slots=True)
class Address:
    country: str | None = None
    """ISO 3166 alpha-2 (see ``country_code``)."""
    state: str | None = None
    postcode: str | None = None


def choose_zones(by_number: tuple[str, ...], number_region: str | None, country: str | None,
                 state: str | None, postcode: str | None) -> ZoneChoice:
    """From the zones phonenumbers gives the number's prefix (``dialer.phonecheck``), the
    region of the number and the lead's address."""
    if len(by_number) == 1:
        return _one_zone(by_number)
    by_address = address_zones(Address(country, state, postcode), number_region)
    if by_address:
        return ZoneChoice(by_address, ZoneSource.ADDRESS)
    return ZoneChoice(by_number, ZoneSource.NUMBER)


@functools.cache
def _one_zone(zones: tuple[str]) -> ZoneChoice:
    """Made once per zone: nearly every lead's choice is one of these."""
    return ZoneChoice(zones, ZoneSource.NUMBER)


def address_zones(address: Address, number_region: str | None) -> tuple[str, ...]:
    """The zones of a US address (ZIP code first, else the state); () when unknown."""
    if (address.country or number_region) != US:
        return ()
    if address.postcode and (zones := _zip_zones(address.postcode[:5])):
        return zones
    return _state_zones(us_state(address.state)) if address.state else ()


@functools.cache
def _zip_zones(zip_code: str) -> tuple[str, ...]:
    try:
        found = zipcodes.matching(zip_code)
    except ValueError:  # not five digits
        return ()
    return tuple(sorted({z["timezone"] for z in found if z["timezone"] in known_zones()}))


@functools.cache
def _state_zones(state: str | None) -> tuple[str, ...]:
    if state is None:
        return ()
    found = zipcodes.filter_by(state=state)
    return tuple(sorted({z["timezone"] for z in found if z["timezone"] in known_zones()}))


@functools.cache
def us_state(text: str | None) -> str | None:
    """A US state's postal code from its code or name ("sd", "South Dakota" -> "SD")."""
    if not text:
        return None
    wanted = text.strip().casefold()
    for state in pycountry.subdivisions.get(country_code=US):
        if wanted in (state.code.removeprefix("US-").casefold(), state.name.casefold()):
            return state.code.removeprefix("US-")
    return None


@functools.cache
def country_code(text: str) -> str | None:
    """ISO 3166 alpha-2 from a code or a name ("de", "DEU", "Germany" -> "DE")."""
    try:
        return pycountry.countries.lookup(text.strip()).alpha_2
    except LookupError:
        return None


@functools.cache
def known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def load_tables() -> None:
    """The tables the lookups load on their first use, loaded now (``dialer.importwarm``)."""
    known_zones()
    zipcodes.matching("10001")
    pycountry.countries.lookup("US")
    pycountry.subdivisions.get(country_code=US)
