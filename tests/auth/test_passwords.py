"""argon2 hashing: verify, refuse, rehash when the parameters change (pure)."""
from argon2 import PasswordHasher

from crm_core.passwords import (
    DEFAULT_HASHER,
    MAX_PASSWORD_LENGTH,
    check_password,
    hash_password,
    password_problem,
)


def test_hash_verifies_only_its_password() -> None:
    stored = hash_password("s3cret pass")
    assert stored.startswith("$argon2id$")
    assert "s3cret" not in stored
    assert check_password(stored, "s3cret pass").ok
    assert not check_password(stored, "s3cret pasS").ok
    assert hash_password("s3cret pass") != stored  # salted


def test_current_parameters_need_no_rehash() -> None:
    assert check_password(hash_password("s3cret pass"), "s3cret pass").new_hash is None


def test_outdated_parameters_are_rehashed() -> None:
    old = hash_password("s3cret pass", PasswordHasher(time_cost=1, memory_cost=8192))
    check = check_password(old, "s3cret pass")
    assert check.ok and check.new_hash
    assert not DEFAULT_HASHER.check_needs_rehash(check.new_hash)
    assert check_password(check.new_hash, "s3cret pass").new_hash is None


def test_no_stored_hash_never_verifies() -> None:
    assert not check_password(None, "no user has this password").ok
    assert not check_password(None, "").ok
    assert not check_password("not a hash", "x").ok


def test_password_rules() -> None:
    assert password_problem("short") is not None
    assert password_problem("x" * (MAX_PASSWORD_LENGTH + 1)) is not None
    assert password_problem("long enough") is None
    assert not check_password(hash_password("x" * 10), "x" * (MAX_PASSWORD_LENGTH + 1)).ok
