"""The versions of the public privacy statement and of the processing register, tied to their text.

Members and visitors see (and are told about) the statement by its version, staff and auditors
the register by its own, so neither text changes under the same version. `STATEMENT_TEXT` and
`RECORDS_TEXT` record, per version, a digest of everything the document's wording comes from
(`text_digest`): its templates (for the register also `records.py`, which holds its entries)
and the English translations of their messages. tests/privacy/test_statement_version.py fails
when a text no longer matches the digest of its current version: then give it a new version
(for the register also `RECORDS_UPDATED` in records.py), and add its digest below, never change
a recorded one. A change of markup only (no wording) may be recorded as a new version too: a
version is cheap, a silent change is not.

Wording from code and configuration (the log retention, default retention periods, the
sub-processors) is not in those files: `STATEMENT_SHOWN` and `RECORDS_SHOWN` record, per version
from statement 2026.5 and register 2026.3 on, a digest of the document as a reader sees it
(`shown_digest` over portal/privacy/reader_text.py's renderings under a reference configuration,
the statement in Dutch and English). Any change of what a reader sees under the default
configuration needs a new version too; the same test checks both digests.

The statement cites the register's version ("Register van verwerkingen: versie …"), so since
statement 2026.5 its digest covers that version too: a new register version is a new statement
version as well.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from babel.messages.pofile import read_po

# The files each document's text comes from, relative to the repository root.
STATEMENT_SOURCES = ("templates/privacy/statement.html", "templates/privacy/_controller.html")
RECORDS_SOURCES = (
    "templates/privacy/staff_register.html",
    "templates/privacy/_controller.html",
    "portal/privacy/records.py",
)
CATALOGUE = "portal/translations/en/LC_MESSAGES/messages.po"

# Register version -> digest of its text (`records_digest`), oldest first; the last is current.
RECORDS_TEXT = {
    # Laws named, sources, transfers, every processing (digest of the files as they were then).
    "2026.2": "18b694928ad23265a61f0c1d2da05da09528f848f4df791df8df015788bb8697",
    # Action texts listed as complaint data (6a8313c); transfers outside the EEA named per
    # sub-processor whose location is not declared inside it (31f4ca4).
    "2026.3": "15f89f76c7f375b7b55e53b180fbdc15f1f4ae97266100f75b749a1cf06925f5",
    # The controller section's English translation (shared with the statement) recorded.
    "2026.4": "538475d0c86fb7efaa1ab6620fb7f196229dbadd2a625ceaa8608890be9a3fd0",
}
RECORDS_VERSION = list(RECORDS_TEXT)[-1]
# Register version -> digest of the register as shown (`shown_digest`), from 2026.3 on.
RECORDS_SHOWN = {
    "2026.3": "8b39e6aba9a0ea93191fb97fc26c8f9f461fbdccd586b72a9ff3284820e89b47",
    "2026.4": "5adeb6c4a1cb51070aca6efb2b72f23d27d7b186d998715ee6632eb28fb2654f",
}

# Statement version -> digest of its text (`statement_digest`), oldest first; the last is current.
STATEMENT_TEXT = {
    # The processor agreement with each processor and sub-processor.
    "2026.3": "28a789738818c436233a1d023d1663f9e9595ea77a4be34ab71fb4110c5a516f",
    # Error tracking listed while configured; "no transfer outside the EEA" only while every
    # sub-processor is declared inside it, else they are named; scrolling boxes named.
    "2026.4": "144e1dc30982fe9fcacdbf8548c56fa3addbe311271028f672c268e2c6dc0577",
    # Cites register 2026.3 (was 2026.2); from here on the digest covers the cited version.
    "2026.5": "27c87cd7d754c21c1ac91f8d7bbd1007b97357903f8b3a40c25bcf520939c543",
    # The controller section (who is responsible, contact, DPO) translated into English;
    # cites register 2026.4.
    "2026.6": "9e184b74682154d5e8f2c4d1383955c5c10bb9ea99cdcfd8055c29368c8cb2ae",
}
STATEMENT_VERSION = list(STATEMENT_TEXT)[-1]
# Statement version -> digest of the statement as shown (`shown_digest`), from 2026.5 on.
STATEMENT_SHOWN = {
    "2026.5": "996e520c4054f99458e84b8c735a55553d538023b5dd2336c1ebff47d5f7a17b",
    "2026.6": "baf2d5363ea92d4a8f54f1d3f82a79b069ba40f9c86f818af9faa50d0a8c298c",
}


def text_digest(root: Path, sources: Sequence[str], *, cited: Sequence[str] = ()) -> str:
    """SHA-256 over `sources` and the English translations of their messages (message id and
    text; not the catalogue's line numbers, which move with any template edit), then over
    `cited`: the versions of other documents the text names."""
    digest = hashlib.sha256()
    for name in sources:
        digest.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    with (root / CATALOGUE).open("rb") as handle:
        catalogue = read_po(handle)
    used = sorted(
        (str(message.id), str(message.string))
        for message in catalogue
        if message.id and any(path in sources for path, _line in message.locations)
    )
    for message_id, text in used:
        digest.update(message_id.encode() + b"\0" + text.encode() + b"\0")
    for value in cited:
        digest.update(b"cited\0" + value.encode() + b"\0")
    return digest.hexdigest()


def statement_digest(root: Path, *, records_version: str = RECORDS_VERSION) -> str:
    """The privacy statement's digest: its templates, their translations and the register
    version it cites (statements up to 2026.4 were recorded without it)."""
    return text_digest(root, STATEMENT_SOURCES, cited=(records_version,))


def records_digest(root: Path) -> str:
    """The processing register's digest: its template, its entries and their translations."""
    return text_digest(root, RECORDS_SOURCES)


def shown_digest(texts: Sequence[str]) -> str:
    """SHA-256 over a document's renderings as a reader sees them (one per language)."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode() + b"\0")
    return digest.hexdigest()
