"""Password hashing with Argon2id (argon2-cffi's defaults exceed OWASP's minimum)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_LENGTH = 10

#: verified against when the account does not exist, so both cases cost the same time;
#: made on first use, not at import (a worker would pay 64 MiB for nothing)
_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher.hash("not a real password, only for timing")
    return _DUMMY_HASH


def hash_password(password: str) -> str:
    """Return the Argon2id hash of *password*."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check *password*; with no stored hash, still spend the time of a real check."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)


def password_problem(password: str) -> str | None:
    """Return why *password* is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"at least {MIN_LENGTH} characters"
    if len(password) > 1024:
        return "at most 1024 characters"
    return None
