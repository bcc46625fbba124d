"""Public representations of directory rows: JSON-LD and the open-data export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import date

from sqlalchemy import select

from portal.core.db import AnySession
from portal.directory.models import DirectoryEntry
from portal.directory.services import ScoreRule, entry_score

BATCH = 500
LICENSE_NAME = "CC BY 4.0"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/deed.nl"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The bulk export holds business fields fit for open data only (issue 14; the directory page
# says the same to visitors). Left out, though a member may show them on its own detail page:
# - e-mail address and phone number: for the many one-person businesses these reach a person,
#   and a complete list of them in one request is what spammers and scrapers want;
# - street address, full postcode and exact position: often the owner's home address;
# - description: free text that can hold names and contact data.
# Kept: name, detail URL, place, the 4-digit postcode area, website, opening hours,
# specialisms, recognitions, member since and the public score.
CSV_FIELDS = (
    "naam", "url", "plaats", "postcodegebied", "website", "openingstijden", "vakgebieden",
    "erkenningen", "lid_sinds", "score", "schaal", "aantal_beoordelingen",
    "beoordelingsplatform", "score_bijgewerkt", "licentie", "peildatum",
)  # fmt: skip


def jsonld(entry: DirectoryEntry, *, url: str, association: str) -> dict:
    """schema.org LocalBusiness for the detail page: public fields only, no AggregateRating."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "LocalBusiness",
        "@id": f"{url}#bedrijf",
        "name": entry.name,
        "url": url,
        "address": _postal_address(entry),
        "memberOf": {"@type": "Organization", "name": association},
    }
    if entry.exact_location and entry.latitude is not None and entry.longitude is not None:
        data["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": round(entry.latitude, 6),
            "longitude": round(entry.longitude, 6),
        }
    optional = {
        "telephone": entry.phone,
        "email": entry.email,
        "description": entry.description,
        "sameAs": entry.website,
    }
    data.update({key: value for key, value in optional.items() if value})
    if entry.specialisms:
        data["knowsAbout"] = list(entry.specialisms)
    return data


def _postal_address(entry: DirectoryEntry) -> dict:
    address = {"@type": "PostalAddress", "addressLocality": entry.city, "addressCountry": "NL"}
    if entry.street:
        address["streetAddress"] = entry.street
    if entry.postcode:
        address["postalCode"] = entry.postcode
    return address


def export_record(entry: DirectoryEntry, *, url: str, rule: ScoreRule) -> dict:
    """One member's business fields for the open-data export (see CSV_FIELDS for what is left
    out and why); the score only when public."""
    score = entry_score(entry, rule)
    return {
        "naam": entry.name,
        "url": url,
        "plaats": entry.city,
        "postcodegebied": entry.postcode[:4] if entry.postcode else None,
        "website": entry.website,
        "openingstijden": entry.opening_hours,
        "vakgebieden": list(entry.specialisms or ()),
        "erkenningen": list(entry.recognitions or ()),
        "lid_sinds": entry.member_since.isoformat() if entry.member_since else None,
        "score": float(score.score) if score.visible and score.score is not None else None,
        "schaal": (
            float(score.scale_max) if score.visible and score.scale_max is not None else None
        ),
        "aantal_beoordelingen": score.review_count if score.visible else None,
        "beoordelingsplatform": score.provider_label if score.visible else None,
        "score_bijgewerkt": (
            score.fetched_at.date().isoformat()
            if score.visible and score.fetched_at is not None
            else None
        ),
    }


def iter_entries(session: AnySession) -> Iterator[DirectoryEntry]:
    """All rows in A-Z order, fetched in keyset batches (never the whole table at once)."""
    last: tuple[str, int] | None = None
    while True:
        stmt = select(DirectoryEntry).order_by(DirectoryEntry.sort_key, DirectoryEntry.company_id)
        if last is not None:
            stmt = stmt.where(
                (DirectoryEntry.sort_key > last[0])
                | ((DirectoryEntry.sort_key == last[0]) & (DirectoryEntry.company_id > last[1]))
            )
        batch = session.scalars(stmt.limit(BATCH)).all()
        if not batch:
            return
        yield from batch
        last = (batch[-1].sort_key, batch[-1].company_id)
        session.expunge_all()


def csv_stream(
    session: AnySession, *, url_for_slug: Callable[[str], str], rule: ScoreRule, today: date
) -> Iterator[str]:
    """The export as CSV text chunks; licence and date on every row, formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, delimiter=";")
    buffer.write("\ufeff")  # lets spreadsheet programs detect UTF-8
    writer.writeheader()
    for n, entry in enumerate(iter_entries(session), start=1):
        record = export_record(entry, url=url_for_slug(entry.slug), rule=rule)
        record["vakgebieden"] = ", ".join(record["vakgebieden"])
        record["erkenningen"] = ", ".join(record["erkenningen"])
        record.update(licentie=f"{LICENSE_NAME} {LICENSE_URL}", peildatum=today.isoformat())
        writer.writerow({key: _cell(value) for key, value in record.items()})
        if n % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_stream(
    session: AnySession,
    *,
    url_for_slug: Callable[[str], str],
    rule: ScoreRule,
    today: date,
    meta: dict,
) -> Iterator[str]:
    """The export as one JSON document, streamed: metadata first, then the members."""
    head = {**meta, "licentie": {"naam": LICENSE_NAME, "url": LICENSE_URL}}
    head["peildatum"] = today.isoformat()
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "bedrijven": ['
    for n, entry in enumerate(iter_entries(session)):
        record = export_record(entry, url=url_for_slug(entry.slug), rule=rule)
        yield ("," if n else "") + json.dumps(record, ensure_ascii=False)
    yield "]}"


def _cell(value: object) -> str:
    """CSV cell text; a leading formula character gets a quote (SECURITY.md, exports)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
