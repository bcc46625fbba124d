"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

# OWASP minimum for argon2id: t=2, m=19 MiB, p=1.
hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_DUMMY_HASH = hasher.hash("dummy password for timing equalisation")

MAX_LENGTH = 128
CONTEXT_WORDS = ["ledenportaal", "installateur", "installatie", "vereniging", "techniek"]


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    """Check a password; returns (ok, new_hash_if_rehash_needed).

    Unknown users are checked against a dummy hash so timing does not reveal them.
    """
    if not stored_hash:
        with contextlib.suppress(VerificationError):
            hasher.verify(_DUMMY_HASH, password + "x")
        return False, None
    try:
        hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    if hasher.check_needs_rehash(stored_hash):
        return True, hasher.hash(password)
    return True, None


def password_problems(password: str, *, staff: bool, context: list[str] | tuple = ()) -> list[str]:
    """Dutch reasons a new password is refused (empty list when acceptable)."""
    minimum = 15 if staff else 12
    if len(password) < minimum:
        return [str(_l("Kies een wachtwoord van minstens %(n)s tekens.", n=minimum))]
    if len(password) > MAX_LENGTH:
        return [str(_l("Een wachtwoord mag hoogstens %(n)s tekens hebben.", n=MAX_LENGTH))]
    words = [w for w in (*CONTEXT_WORDS, *context) if w]
    result = zxcvbn(password[:100], user_inputs=words)
    if result["score"] < 3:
        return [
            str(
                _l(
                    "Dit wachtwoord is te voorspelbaar of komt voor in lijsten van gelekte "
                    "wachtwoorden. Kies een langere zin van losse woorden."
                )
            )
        ]
    return []
