"""Klantenvertellen/Kiyoh publication and invite endpoints of the provider emulator (§2, §8)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Response, request

from portal.dev import emulator_data as seed
from portal.dev.emulator_data import Location
from portal.dev.emulator_faults import KV, board, kv_error, play, reply_for


def kv_location_fields(loc: Location, *, tenant: str | None, mode: str | None) -> dict:
    """Location fields as the statistics call and the review list return them."""
    domain = "www.kiyoh.com" if tenant == "98" else "www.klantenvertellen.nl"
    data: dict = {
        "locationId": loc.ident,
        "locationName": loc.name,
        "averageRating": loc.score if loc.count else 0,
        "numberReviews": loc.count,
        "percentageRecommendation": loc.recommend,
        "last12MonthAverageRating": loc.score,
        "last12MonthNumberReviews": loc.count // 3,
        "last12MonthPercentageRecommendation": loc.recommend,
        "viewReviewUrl": f"https://{domain}/reviews/{loc.ident}/emulator",
        "createReviewUrl": f"https://{domain}/invite-link/{loc.ident}/emulator?lang=nl",
        "locationActive": True,
        "dateSince": "2017-09-12T16:28:14.295+02:00",
        "updatedSince": "2025-05-30T10:00:00.000+02:00",
        "postCode": "3500AA",
        "website": "https://example.invalid",
    }
    if mode == "missing_fields":
        del data["averageRating"], data["numberReviews"]
    elif mode == "out_of_range":
        data.update(averageRating=11, numberReviews=-3)
    elif mode == "variant_fields":
        data["recommendation"] = data.pop("percentageRecommendation")
        if loc.score is not None:
            data["averageRating"] = f"{loc.score:.1f}".replace(".", ",")
    return data


def _kv_auth(location_id: str) -> Response | None:
    if not location_id:
        return kv_error(400, "BAD_REQUEST", "MISSING_PARAMETER", "locationId is required")
    if request.headers.get("X-Publication-Api-Token") != f"emu-{location_id}":
        # As seen live: a 400 whose only hint of an auth failure is INVALID_HASH.
        return kv_error(400, "INTERNAL_SERVER_ERROR", "INVALID_HASH", "Invalid hash")
    return None


def _kv_review(item: dict) -> dict:
    recommend = "true" if item["rating"] >= 6 else "false"
    return {
        "reviewId": str(uuid.UUID(item["uid"])),
        "reviewAuthor": item["author"],
        "city": item["city"],
        "rating": item["rating"],
        "reviewComments": "",
        "reviewLanguage": "nl",
        "referenceCode": "",
        "dateSince": item["date"].isoformat(timespec="milliseconds"),
        "updatedSince": item["date"].isoformat(timespec="milliseconds"),
        "reviewContent": [
            _content("DEFAULT_OVERALL", "INT", str(item["rating"]), 1, "Totaalscore"),
            _content("DEFAULT_OPINION", "TEXT", item["text"], 2, "Beschrijf uw ervaring"),
            _content("DEFAULT_RECOMMEND", "BOOLEAN", recommend, 3, "Zou u ons aanbevelen?"),
        ],
    }


def _content(group: str, qtype: str, rating: str, order: int, label: str) -> dict:
    """One `reviewContent[]` entry; `rating` is always a string, as the provider sends it."""
    return {
        "questionGroup": group,
        "questionType": qtype,
        "rating": rating,
        "order": order,
        "questionTranslation": label,
    }


def _kv_location_reply(extend: Callable[[Location, dict], None] | None = None) -> Response:
    """Statistics and reviews share auth, fault mode and location fields; `extend` adds to them."""
    location_id = request.args.get("locationId", "")
    denied = _kv_auth(location_id)
    if denied:
        return denied
    mode = board().take(location_id)
    loc = seed.location(location_id)
    payload = kv_location_fields(loc, tenant=request.args.get("tenantId"), mode=mode)
    if extend is not None:
        extend(loc, payload)
    return reply_for(mode, KV, payload)


def kv_statistics() -> Response:
    return _kv_location_reply()


def kv_reviews() -> Response:
    return _kv_location_reply(_add_reviews)


def _add_reviews(loc: Location, payload: dict) -> None:
    """Star buckets over all reviews, and the first `limit` reviews (1 to 100, default 25)."""
    limit = min(max(request.args.get("limit", 25, type=int) or 25, 1), 100)
    buckets = [0] * 5
    for item in seed.reviews(loc, loc.count):
        buckets[(item["rating"] - 1) // 2] += 1
    names = ("oneStars", "twoStars", "threeStars", "fourStars", "fiveStars")
    payload.update(zip(names, buckets, strict=True))
    payload["reviews"] = [_kv_review(item) for item in seed.reviews(loc, limit)]


def feed_reviews(loc: Location, limit: int, start: int = 0) -> list[dict]:
    """Review objects of the review feed (the same shape as the review list)."""
    return [_kv_review(item) for item in seed.reviews(loc, limit, start)]


def kv_invite() -> Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return kv_error(400, "BAD_REQUEST", "INVALID_JSON", "Body must be JSON")
    location_id = str(body.get("location_id") or "")
    denied = _kv_auth(location_id)
    if denied:
        return denied
    missing = [k for k in ("invite_email", "delay", "language") if body.get(k) in (None, "")]
    if missing:
        return kv_error(400, "BAD_REQUEST", "MISSING_FIELD", f"Missing {', '.join(missing)}")
    reply = play(location_id, KV, {"code": "A", "message": "Invite scheduled"})
    if reply.status_code == 200:
        board().add_invite({"provider": "publication", "received_at": _now_iso(), **body})
    return reply


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()
