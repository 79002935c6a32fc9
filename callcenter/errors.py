"""Domain errors: what a service refuses, and why, with no HTTP in them. The web layer's one
error middleware (``ctiserver.web.errors``) turns each kind into a JSON error and its status."""
from __future__ import annotations


class DomainError(Exception):
    """A refused request; the message says why, for the user."""


class Invalid(DomainError):
    """Bad input (HTTP 400)."""


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
