"""The version of the public privacy statement, tied to its text.

Members and visitors see (and are told about) the statement by its version, so its text never
changes under the same version. `STATEMENT_TEXT` records, per version, a digest of everything
the statement's wording comes from (`statement_digest`): its templates and the English
translations of their messages. tests/privacy/test_statement_version.py fails when the text no
longer matches the digest of the current version: then give the statement a new version (and
`STATEMENT_UPDATED`), and add its digest below, never change a recorded one. A change of markup
only (no wording) may be recorded as a new version too: a version is cheap, a silent change is
not.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from babel.messages.pofile import read_po

# The templates the statement's text comes from, relative to the repository root.
STATEMENT_SOURCES = ("templates/privacy/statement.html", "templates/privacy/_controller.html")
CATALOGUE = "portal/translations/en/LC_MESSAGES/messages.po"

# Version -> digest of its text, oldest first; the last one is the current version.
STATEMENT_TEXT = {
    # The processor agreement with each processor and sub-processor.
    "2026.3": "28a789738818c436233a1d023d1663f9e9595ea77a4be34ab71fb4110c5a516f",
    # Error tracking listed while configured; "no transfer outside the EEA" only while every
    # sub-processor is declared inside it, else they are named; scrolling boxes named.
    "2026.4": "144e1dc30982fe9fcacdbf8548c56fa3addbe311271028f672c268e2c6dc0577",
}
STATEMENT_VERSION = list(STATEMENT_TEXT)[-1]


def statement_digest(root: Path) -> str:
    """SHA-256 over the statement's templates and the English translations of their messages
    (message id and text; not the catalogue's line numbers, which move with any template edit)."""
    digest = hashlib.sha256()
    for name in STATEMENT_SOURCES:
        digest.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    with (root / CATALOGUE).open("rb") as handle:
        catalogue = read_po(handle)
    used = sorted(
        (str(message.id), str(message.string))
        for message in catalogue
        if message.id and any(path in STATEMENT_SOURCES for path, _line in message.locations)
    )
    for message_id, text in used:
        digest.update(message_id.encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()
