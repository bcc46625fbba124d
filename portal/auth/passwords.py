"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from zxcvbn import matching, scoring, time_estimates

from portal.auth.dutch_words import DUTCH_WORDS

# OWASP minimum for argon2id: t=2, m=19 MiB, p=1.
hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_DUMMY_HASH = hasher.hash("dummy password for timing equalisation")

MIN_LENGTH_MEMBER = 12
MIN_LENGTH_STAFF = 15  # staff see every member's data: a longer minimum
MAX_LENGTH = 128
CONTEXT_WORDS = ["ledenportaal", "installateur", "installatie", "vereniging", "techniek"]
ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses longer input; the first 72 characters are scored
_DUTCH = matching.build_ranked_dict(DUTCH_WORDS)
_SPLIT = re.compile(r"[^\w]+|_")
# Letters with digits and symbols only before and after them: "Welkom12345678", "!Zomer2024".
_DECORATED = re.compile(r"([\W\d_]*)([^\W\d_](?:.*[^\W\d_])?)([\W\d_]*)", re.S)
COMMON_ENDINGS = 10_000
COMMON_ENDING_LENGTH = 6


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


def minimum_length(*, staff: bool) -> int:
    """The shortest password accepted (also the hint next to the password fields)."""
    return MIN_LENGTH_STAFF if staff else MIN_LENGTH_MEMBER


def password_problems(password: str, *, staff: bool, context: list[str] | tuple = ()) -> list[str]:
    """Dutch reasons a new password is refused (empty list when acceptable)."""
    minimum = minimum_length(staff=staff)
    if len(password) < minimum:
        return [str(_l("Kies een wachtwoord van minstens %(n)s tekens.", n=minimum))]
    if len(password) > MAX_LENGTH:
        return [str(_l("Een wachtwoord mag hoogstens %(n)s tekens hebben.", n=MAX_LENGTH))]
    if password_score(password, context) < 3:
        return [
            str(
                _l(
                    "Dit wachtwoord is te voorspelbaar of komt voor in lijsten van gelekte "
                    "wachtwoorden. Kies een langere zin van losse woorden."
                )
            )
        ]
    return []


def context_words(context: Iterable[str | None]) -> list[str]:
    """User inputs for zxcvbn: each given text whole, joined without spaces, and word by word.

    The association's name (ASSOCIATION_NAME) is always added, next to the fixed portal words.
    """
    texts = [*CONTEXT_WORDS, *context]
    if has_app_context():
        texts.append(current_app.config.get("ASSOCIATION_NAME") or "")
    words: list[str] = []
    for text in texts:
        text = (text or "").strip().lower()
        if not text:
            continue
        parts = [p for p in _SPLIT.split(text) if len(p) >= 3]
        words.extend([text, "".join(parts), *parts])
    return list(dict.fromkeys(w for w in words if w))


def password_score(password: str, context: Iterable[str | None] = ()) -> int:
    """zxcvbn score 0-4 with its English lists, the Dutch word list and the context words.

    The lower of two estimates: zxcvbn's own, and one that treats a short run of digits and
    symbols around the letters ("Zomervakantie" + "2024!") as one of an attacker's 10,000
    commonest endings rather than as random characters, which is how such passwords are cracked.
    zxcvbn's matcher is called with its own dictionaries instead of `zxcvbn(user_inputs=...)`,
    which stores the user inputs in a module-global dictionary that threads share.
    """
    sample = password[:ZXCVBN_MAX_LENGTH]
    dictionaries = {
        **matching.RANKED_DICTIONARIES,
        "dutch": _DUTCH,
        "user_inputs": matching.build_ranked_dict(context_words(context)),
    }
    guesses = _guesses(sample, dictionaries)
    decorated = _DECORATED.fullmatch(sample)
    if decorated:
        prefix, core, suffix = decorated.groups()
        ending = _guesses(prefix, dictionaries) * _guesses(suffix, dictionaries)
        if len(prefix) + len(suffix) <= COMMON_ENDING_LENGTH:
            ending = min(ending, COMMON_ENDINGS)
        guesses = min(guesses, _guesses(core, dictionaries) * ending)
    # zxcvbn's stubs ask for a Decimal; it only compares the number, a float works the same
    return time_estimates.guesses_to_score(guesses)  # type: ignore[arg-type]


def _guesses(text: str, dictionaries: dict) -> float:
    if not text:
        return 1
    matches = matching.omnimatch(text, dictionaries)
    return float(scoring.most_guessable_match_sequence(text, matches)["guesses"])
