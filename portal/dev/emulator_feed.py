"""The older Klantenvertellen/Kiyoh review feed of the provider emulator: feed.json and feed.xml.

`GET /v1/review/feed.json|xml?hash=…&limit=&pageNumber=`. The valid hash of a location is
`emu-feed-<locationId>` (the hash names the location; the feed reports it as `locationId`);
anything else gets HTTP 400 with INVALID_HASH, as JSON or XML. Every fault mode is played in the
requested format. Ids starting with `xml-` have no JSON feed: feed.json answers a bare 404 page
(without touching faults), as on accounts that only offer feed.xml.
"""

from __future__ import annotations

from flask import Response, request

from portal.dev import emulator_data as seed
from portal.dev.emulator_faults import KV, XML, board, kv_error, reply_for, xml_error
from portal.dev.emulator_kv import feed_reviews, kv_location_fields

HASH_PREFIX = "emu-feed-"
XML_ONLY_PREFIX = "xml-"


def feed_hash(location_id: str) -> str:
    """The hash the emulator accepts for a location."""
    return f"{HASH_PREFIX}{location_id}"


def _feed(kind: str) -> Response:
    value = request.args.get("hash", "")
    error = xml_error if kind == XML else kv_error
    location_id = value[len(HASH_PREFIX) :] if value.startswith(HASH_PREFIX) else ""
    if not location_id:
        return error(400, "INTERNAL_SERVER_ERROR", "INVALID_HASH", "Invalid hash")
    if kind == KV and location_id.startswith(XML_ONLY_PREFIX):
        return Response("<html><body>404 Not Found</body></html>", 404, mimetype="text/html")
    mode = board().take(location_id)
    loc = seed.location(location_id)
    payload = kv_location_fields(loc, tenant=None, mode=mode)
    limit = min(max(request.args.get("limit", 10, type=int) or 10, 1), 100)
    page = max(request.args.get("pageNumber", 0, type=int) or 0, 0)
    payload["reviews"] = feed_reviews(loc, limit, page * limit)
    return reply_for(mode, kind, payload)


def feed_json() -> Response:
    return _feed(KV)


def feed_xml() -> Response:
    return _feed(XML)
