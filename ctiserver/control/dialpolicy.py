"""The dial policy: which numbers an agent may dial out to (click-to-dial and transfers to a
number). Pure: ``DialPolicy.check(number, team)`` decides, with the reason in words (a
translatable ``Phrase``: the console shows a refusal in the agent's language).

A site has default rules for everyone and, per team, rules of its own; a number must pass
both (a team's rules narrow the default, they never widen it). One set of rules
(``DialRules``):

- ``blocked_types``: phonenumbers number types never dialled (``PREMIUM_RATE``,
  ``SHARED_COST``, ``MOBILE``...: libphonenumber's metadata knows each country's ranges);
- ``block``: patterns never dialled;
- ``allow``: when not empty, only numbers matching one of these patterns are dialled.

A pattern is ``national`` (numbers of the site's own region), an E.164 prefix (``+44``,
``+4930``) or a region code (``FR``: the numbers libphonenumber places in France; ``GG`` is
not ``GB``). Numbers without a country code are read in the site's region.

Internal extensions stay dialable whatever the rules: digits only, at most
``extension_max_digits`` of them, and no valid number of the region. A public short number
(``112``, ``11833``) is one too, unless libphonenumber knows it as premium-rate and the rules
block ``PREMIUM_RATE``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberType, ShortNumberCost, shortnumberinfo

from callcenter.errors import Country, Invalid, Phrase

NATIONAL = "national"
MAX_PREFIX_DIGITS = 15
NUMBER_TYPES: dict[str, int] = {name: getattr(PhoneNumberType, name) for name in (
    "FIXED_LINE", "MOBILE", "FIXED_LINE_OR_MOBILE", "TOLL_FREE", "PREMIUM_RATE", "SHARED_COST",
    "VOIP", "PERSONAL_NUMBER", "PAGER", "UAN", "VOICEMAIL", "UNKNOWN")}
"""The phonenumbers number types a policy may block, by name."""
TYPE_WORDS = {
    "FIXED_LINE": Phrase("landline numbers"), "MOBILE": Phrase("mobile numbers"),
    "FIXED_LINE_OR_MOBILE": Phrase("landline or mobile numbers"),
    "TOLL_FREE": Phrase("toll-free numbers"), "PREMIUM_RATE": Phrase("premium-rate numbers"),
    "SHARED_COST": Phrase("shared-cost numbers"), "VOIP": Phrase("VoIP numbers"),
    "PERSONAL_NUMBER": Phrase("personal numbers"), "PAGER": Phrase("pager numbers"),
    "UAN": Phrase("company (UAN) numbers"), "VOICEMAIL": Phrase("voicemail numbers"),
    "UNKNOWN": Phrase("numbers of unknown type"),
}
ALLOWED = Phrase("allowed")
EXTENSION = Phrase("internal extension")
SHORT_NUMBER = Phrase("short number")


def pattern(text: str) -> str:
    """TEXT as a pattern in its one spelling (``national``, ``+44``, ``FR``); ValueError saying
    what a pattern is otherwise."""
    given = text.strip().replace(" ", "")
    if given.lower() == NATIONAL:
        return NATIONAL
    digits = given[1:]
    if given.startswith("+") and digits.isdecimal() and 0 < len(digits) <= MAX_PREFIX_DIGITS:
        return "+" + digits
    if given.upper() in phonenumbers.SUPPORTED_REGIONS:
        return given.upper()
    raise Invalid("{text} is not a pattern: use 'national', a prefix such as '+44' or a region"
                  " code such as 'FR'", text=repr(text))


def number_type(text: str) -> str:
    """TEXT as a number type name (``PREMIUM_RATE``); ValueError naming the types otherwise."""
    name = text.strip().upper()
    if name not in NUMBER_TYPES:
        raise Invalid("{text} is not a number type: one of {types}", text=repr(text),
                      types=", ".join(NUMBER_TYPES))
    return name


@dataclass(frozen=True)
class DialRules:
    """One set of rules (the default's or a team's), in canonical spelling."""

    allow: tuple[str, ...] = ()
    block: tuple[str, ...] = ()
    blocked_types: tuple[str, ...] = ()

    @classmethod
    def of(cls, allow: Iterable[str] = (), block: Iterable[str] = (),
           blocked_types: Iterable[str] = ()) -> DialRules:
        """Rules from what a person wrote: ValueError on a bad pattern or type."""
        return cls(_unique(map(pattern, allow)), _unique(map(pattern, block)),
                   _unique(map(number_type, blocked_types)))


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


@dataclass(frozen=True)
class DialDecision:
    allowed: bool
    why: Phrase
    """Why, in words the agent reads ("premium-rate numbers cannot be dialled")."""
    e164: str | None = None
    """The number as E.164 when it is a valid phone number (not an extension, a short number
    or a number libphonenumber does not know)."""

    @property
    def reason(self) -> str:
        """Why, in English (the audit log's words)."""
        return str(self.why)


@dataclass(frozen=True)
class DialPolicy:
    """The rules in force: REGION reads national numbers; DEFAULT applies to every team,
    TEAMS' own rules on top."""

    region: str
    default: DialRules
    teams: Mapping[str, DialRules] = field(default_factory=dict)
    extension_max_digits: int = 6

    def check(self, number: str, team: str | None) -> DialDecision:
        typed = number.strip().replace(" ", "")
        try:
            parsed = phonenumbers.parse(typed, self.region)
        except phonenumbers.NumberParseException:
            return DialDecision(False, Phrase("{number} is not a phone number", number=typed))
        valid = phonenumbers.is_valid_number(parsed)
        if typed.isdecimal() and not valid:
            short = self._short(typed, parsed, team)
            if short is not None:
                return short
        # blocked prefixes hold for invalid numbers too (+882 ranges libphonenumber lacks)
        e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        shown = e164 if valid else None
        for rules, own in self._rules(team):
            refusal = self._refusal(rules, own, parsed, e164)
            if refusal:
                return DialDecision(False, refusal, shown)
        if not valid:
            return DialDecision(False, Phrase("{number} is not a valid phone number",
                                              number=typed))
        return DialDecision(True, ALLOWED, e164)

    def _rules(self, team: str | None) -> list[tuple[DialRules, bool]]:
        """(rules, the team's own?) in the order they are checked."""
        own = self.teams.get(team) if team else None
        return [(self.default, False)] + ([(own, True)] if own else [])

    def _short(self, typed: str, parsed: PhoneNumber, team: str | None) -> DialDecision | None:
        """The decision on an extension or a short number; None when TYPED is neither."""
        if shortnumberinfo.is_valid_short_number_for_region(parsed, self.region):
            premium = (shortnumberinfo.expected_cost_for_region(parsed, self.region)
                       == ShortNumberCost.PREMIUM_RATE)
            for rules, own in self._rules(team):
                if premium and "PREMIUM_RATE" in rules.blocked_types:
                    return DialDecision(False, _refused(own, TYPE_WORDS["PREMIUM_RATE"]))
            return DialDecision(True, SHORT_NUMBER)
        if len(typed) <= self.extension_max_digits:
            return DialDecision(True, EXTENSION)
        return None

    def _refusal(self, rules: DialRules, own: bool, parsed: PhoneNumber,
                 e164: str) -> Phrase | None:
        kind = next((name for name in rules.blocked_types
                     if phonenumbers.number_type(parsed) == NUMBER_TYPES[name]), None)
        if kind:
            return _refused(own, TYPE_WORDS[kind])
        blocked = next((p for p in rules.block if self._matches(p, parsed, e164)), None)
        if blocked:
            return _refused(own, self._words(blocked))
        if rules.allow and not any(self._matches(p, parsed, e164) for p in rules.allow):
            words = [self._words(p) for p in rules.allow]
            only = words[0]
            for more in words[1:]:
                only = Phrase("{some} or {more}", some=only, more=more)
            if own:
                return Phrase("your team may only dial {only}", only=only)
            return Phrase("only {only} may be dialled", only=only)
        return None

    def _matches(self, pattern_: str, parsed: PhoneNumber, e164: str) -> bool:
        if pattern_.startswith("+"):
            return e164.startswith(pattern_)
        region = self.region if pattern_ == NATIONAL else pattern_
        return phonenumbers.region_code_for_number(parsed) == region

    def _words(self, pattern_: str) -> Phrase:
        """PATTERN in words: "numbers in Germany", "numbers starting +44"."""
        if pattern_.startswith("+"):
            return Phrase("numbers starting {prefix}", prefix=pattern_)
        region = self.region if pattern_ == NATIONAL else pattern_
        return Phrase("numbers in {country}", country=Country(region))


def _refused(own: bool, what: Phrase) -> Phrase:
    if own:
        return Phrase("your team may not dial {what}", what=what)
    return Phrase("{what} cannot be dialled", what=what)
