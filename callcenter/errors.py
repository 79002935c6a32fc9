"""Domain errors: what a service refuses, and why, with no HTTP in them. The web layer's one
error middleware (``ctiserver.web.errors``) turns each kind into a JSON error and its status,
in the user's language.

Each error keeps its English template and its parameters apart, ``Conflict("queue {queue} is
not yours", queue=name)``, so the middleware can translate the template (Babel extracts the
templates: the error class names are extraction keywords, see agent_console.catalogs);
``str(error)`` is the filled English text, for logs."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from babel import Locale, UnknownLocaleError


class DomainError(Exception):
    """A refused request; the message says why, for the user."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template = template
        self.params = params
        super().__init__(self.translated(str))

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The message in the language of ``gettext`` (English for ``str``), filled in."""
        if not self.params:
            return gettext(self.template)
        params = {name: value.translated(gettext) if isinstance(value, DomainError) else value
                  for name, value in self.params.items()}  # a cause that is itself an error
        return gettext(self.template).format(**params)


class Phrase(DomainError):
    """A translatable part of a message, given as another's parameter ("premium-rate numbers"
    in "{what} cannot be dialled"), or a decision's reason in words; never raised."""


class Country(Phrase):
    """A country's name, in the language of the gettext it is translated with (CLDR's names,
    through Babel), as a parameter: ``Phrase("numbers in {country}", country=Country("FR"))``."""

    def __init__(self, region: str) -> None:
        self.region = region
        super().__init__(region)

    def translated(self, gettext: Callable[[str], str]) -> str:
        try:
            names = Locale.parse(language_of(gettext)).territories
        except (ValueError, UnknownLocaleError):
            return self.region
        return names.get(self.region, self.region)


def language_of(gettext: Callable[[str], str]) -> str:
    """The language a gettext function translates into: its catalog's Language header (a
    bound ``Translations.gettext``), else English (``str``, NullTranslations)."""
    owner = getattr(gettext, "__self__", None)
    info = owner.info() if hasattr(owner, "info") else {}
    return info.get("language") or "en"


class Invalid(DomainError, ValueError):
    """Bad input (HTTP 400); a ValueError too, so validators (pydantic's, the CRM's checks)
    can raise it and still say why in the user's language."""


class Forbidden(DomainError):
    """Not this user's to do (HTTP 403)."""


class NotFound(DomainError):
    """No such thing (HTTP 404)."""


class Conflict(DomainError):
    """Not now: the state does not allow it (no call, already on hold...) (HTTP 409)."""


class Refused(DomainError):
    """Asterisk refused or did not answer (HTTP 502)."""


class Broken(DomainError):
    """Something the product holds is broken (an admin's script that no longer renders): not
    the request's fault (HTTP 500)."""


class Unavailable(DomainError):
    """A part the request needs is not running (HTTP 503)."""
