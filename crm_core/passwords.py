"""Password hashing with argon2id (pure: no I/O, but CPU-heavy — callers on an event loop run
it in a thread)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
"""Bounds the hashing work one request can ask for."""

DEFAULT_HASHER = PasswordHasher()


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    ok: bool
    new_hash: str | None = None
    """Set when the stored hash used other parameters than the hasher's: store this one."""


def password_problem(password: str) -> str | None:
    """Why this password cannot be set, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password needs at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"the password may have at most {MAX_PASSWORD_LENGTH} characters"
    return None


def hash_password(password: str, hasher: PasswordHasher = DEFAULT_HASHER) -> str:
    return hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return DEFAULT_HASHER.hash("no user has this password")


def check_password(
    stored: str | None, password: str, hasher: PasswordHasher = DEFAULT_HASHER
) -> PasswordCheck:
    """Verify ``password`` against ``stored``. Without a stored hash (unknown user, no password
    set) a dummy hash is still verified, so timing does not tell which usernames exist."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return PasswordCheck(False)
    try:
        hasher.verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return PasswordCheck(False)
    if stored is None:
        return PasswordCheck(False)
    new_hash = hasher.hash(password) if hasher.check_needs_rehash(stored) else None
    return PasswordCheck(True, new_hash)
