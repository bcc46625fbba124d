"""Feedback Company API v2 endpoints of the provider emulator (PROVIDERS.md §3, §8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Response, request

from portal.dev import emulator_data as seed
from portal.dev.emulator_data import Location
from portal.dev.emulator_faults import (
    FBC,
    TOKEN_FAULTS,
    board,
    fbc_error,
    json_reply,
    play,
    reply_for,
)

MAXSCORE = 5
TOKEN_DAYS = 7


def token() -> Response:
    """GET /api/v2/oauth2/token: credentials in the query, as the provider does it."""
    client_id = request.args.get("client_id", "")
    secret = request.args.get("client_secret", "")
    if not client_id or secret != f"emu-{client_id}":
        return json_reply({"error": True, "description": "Invalid client credentials"}, 401)
    expires = datetime.now(UTC) + timedelta(days=TOKEN_DAYS)
    payload = {
        "error": False,
        "access_token": board().issue_token(client_id),
        "expires_on": expires.strftime("%B, %d %Y %H:%M:%S +0000"),
    }
    return play(client_id, FBC, payload, modes=TOKEN_FAULTS)


def _bearer() -> tuple[str, int] | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return board().token_client(header[7:].strip())


def _authorised(*, fault: bool = True) -> tuple[str, str | None] | Response:
    """(client id, fault mode) for a valid bearer token, else the 401 reply."""
    found = _bearer()
    if found is None:
        return fbc_error(401, "401 Unauthorized")
    client_id, serial = found
    mode = board().take(client_id) if fault else None
    if mode == "token_expired" and board().expire_once(client_id, serial):
        return fbc_error(401, "401 Unauthorized")
    return client_id, mode


def summary_payload(loc: Location, mode: str | None) -> dict:
    """Review summary: `statistics[]` with the `final_score` item."""
    final = {
        "question_type": "final_score",
        "question_id": 1,
        "value": loc.score if loc.count else 0,
        "maxscore": MAXSCORE,
        "count": loc.count,
    }
    if mode == "out_of_range":
        final["value"] = MAXSCORE + 2
    stats = [final, {"question_type": "main_open", "question_id": 2, "count": loc.count}]
    if mode == "missing_fields":
        stats = stats[1:]
    if mode == "variant_fields":
        # Variants the client must accept: `error` as a string, `data` as an object.
        return {"error": "false", "data": {"statistics": stats}}
    return {"success": True, "error": False, "data": [{"statistics": stats}]}


def summary() -> Response:
    auth = _authorised()
    if isinstance(auth, Response):
        return auth
    client_id, mode = auth
    return reply_for(mode, FBC, summary_payload(seed.location(client_id, fbc=True), mode))


def shop_summary() -> Response:
    auth = _authorised(fault=False)
    if isinstance(auth, Response):
        return auth
    client_id, _ = auth
    loc = seed.location(client_id, fbc=True)
    data = {
        "name": loc.name,
        "company_page_url": f"https://www.feedbackcompany.com/nl-nl/reviews/{client_id}/",
    }
    return json_reply({"success": True, "data": data})


def _review(item: dict, loc: Location) -> dict:
    stamp = item["date"].strftime("%Y-%m-%d %H:%M:%S")
    return {
        "id": int(item["uid"][:8], 16),
        "date_created": stamp,
        "date_updated": stamp,
        "total_score": item["rating"],
        "recommends": "Ja" if item["rating"] >= 3 else "Nee",
        "client": {
            "name": item["author"],
            "gender": "",
            "age": "",
            "city": item["city"],
            "email": f"klant{item['n']}@example.invalid",
            "country": "NL",
        },
        "shop_comment": "",
        "questions": [
            {"question_id": 1, "type": "final_score", "value": item["rating"]},
            {"question_id": 2, "type": "main_open", "value": item["text"]},
        ],
    }


def review_list() -> Response:
    auth = _authorised()
    if isinstance(auth, Response):
        return auth
    client_id, mode = auth
    loc = seed.location(client_id, fbc=True)
    limit = min(max(request.args.get("limit", 25, type=int) or 25, 1), 100)
    start = max(request.args.get("start", 0, type=int) or 0, 0)
    payload = {
        "success": True,
        "count": {"total": loc.count},
        "reviews": [_review(item, loc) for item in seed.reviews(loc, limit, start)],
        "shop": {"name": loc.name},
    }
    return reply_for(mode, FBC, payload)


def orders() -> Response:
    auth = _authorised()
    if isinstance(auth, Response):
        return auth
    client_id, mode = auth
    body = request.get_json(silent=True)
    customer = body.get("customer") if isinstance(body, dict) else None
    if (
        not isinstance(body, dict)
        or not isinstance(customer, dict)
        or not customer.get("email")
        or not body.get("external_id")
    ):
        return fbc_error(422, "Invalid order: external_id and customer.email are required")
    reply = reply_for(mode, FBC, {"success": True, "message": "Order created"})
    if reply.status_code == 200:
        board().add_invite(
            {"provider": "feedback_company", "client_id": client_id, "received_at": _now(), **body}
        )
    return reply


def _now() -> str:
    return datetime.now(UTC).isoformat()
