"""Replies of the provider emulator: JSON helpers, provider error bodies and fault modes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from html import escape

from flask import Response, current_app

from portal.dev.emulator_data import FaultBoard

RATE_LIMIT_TEXT = "Too many requests. Please try again later."
OVERSIZED_BYTES = 3 * 1024 * 1024
KV = "kv"
FBC = "fbc"
XML = "xml"  # the KV/Kiyoh feed.xml: same faults, XML bodies
# The FBC token call plays only the auth faults; the shop summary plays none.
TOKEN_FAULTS = frozenset({"bad_token", "forbidden"})


def board() -> FaultBoard:
    return current_app.extensions["provider_emulator"]


def slow_seconds() -> float:
    return float(current_app.config["EMULATOR_SLOW_SECONDS"])


def json_reply(data: dict, status: int = 200, **headers: str) -> Response:
    response = Response(json.dumps(data), status=status, mimetype="application/json")
    response.headers.update(headers)
    return response


def kv_error(status: int, code: str, detail_code: str = "", message: str = "") -> Response:
    detailed = [{"errorCode": detail_code, "message": message}] if detail_code else []
    body = {
        "httpCode": status,
        "errorCode": code,
        "id": str(uuid.uuid4()),
        "detailedError": detailed,
    }
    return json_reply(body, status)


def xml_element(name: str, value: object) -> str:
    """One XML element; dicts and lists nest (a list repeats `name` inside `name`)."""
    if value is None:
        return f"<{name}/>"
    if isinstance(value, dict):
        inner = "".join(xml_element(k, v) for k, v in value.items())
    elif isinstance(value, list):
        inner = "".join(xml_element(name, item) for item in value)
    elif isinstance(value, bool):
        inner = "true" if value else "false"
    else:
        inner = escape(str(value), quote=False)
    return f"<{name}>{inner}</{name}>"


def xml_document(root: str, data: dict) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>' + xml_element(root, data)).encode()


def xml_reply(root: str, data: dict, status: int = 200, **headers: str) -> Response:
    response = Response(xml_document(root, data), status=status, mimetype="application/xml")
    response.headers.update(headers)
    return response


def xml_error(status: int, code: str, detail_code: str = "", message: str = "") -> Response:
    """The KV error body as XML (e.g. INVALID_HASH in a 400 from feed.xml)."""
    body = {"httpCode": status, "errorCode": code, "id": str(uuid.uuid4())}
    if detail_code:
        body["detailedError"] = {"errorCode": detail_code, "message": message}
    return xml_reply("ErrorResponseDto", body, status)


def fbc_error(status: int, text: str) -> Response:
    return json_reply({"success": False, "error": text}, status)


def _drip(payload: bytes, seconds: float, fault_board: FaultBoard) -> Iterator[bytes]:
    """The body in pieces at most 0.1 s apart, the last after `seconds` (or at a release)."""
    pieces = max(30, int(seconds / 0.1))
    size = max(1, len(payload) // pieces + 1)
    since = fault_board.releases
    for start in range(0, len(payload), size):
        fault_board.hold(seconds / pieces, since)
        yield payload[start : start + size]


def _oversized(head: bytes = b'{"padding": "', tail: bytes = b'"}') -> Iterator[bytes]:
    yield head
    chunk = b"x" * 65536
    for _ in range(OVERSIZED_BYTES // len(chunk)):
        yield chunk
    yield tail


def fault_response(mode: str, kind: str, payload: dict) -> Response | None:
    """The reply for a fault mode, or None when the normal (possibly altered) payload follows."""
    error = {KV: kv_error, XML: xml_error}.get(kind)
    simple = {
        "bad_token": (401, "UNAUTHORIZED", "INVALID_HASH", "Invalid hash", "401 Unauthorized"),
        "forbidden": (403, "FORBIDDEN", "FORBIDDEN", "Access denied", "No access"),
        "unknown_location": (
            404,
            "NOT_FOUND",
            "LOCATION_NOT_FOUND",
            "Unknown location",
            "Not found",
        ),
        "server_error": (500, "INTERNAL_SERVER_ERROR", "", "", "500 Internal Server Error"),
    }
    if mode in simple:
        status, code, dcode, msg, fbc_text = simple[mode]
        return error(status, code, dcode, msg) if error else fbc_error(status, fbc_text)
    if mode == "rate_limit":
        limited, wait = {"httpCode": 429, "errorCode": "TOO_MANY_REQUESTS"}, {"Retry-After": "2"}
        if kind == XML:
            return xml_reply("ErrorResponseDto", limited, 429, **wait)
        return json_reply(limited, 429, **wait)
    if mode == "rate_limit_text":
        return Response(RATE_LIMIT_TEXT, status=429, mimetype="text/plain")
    if mode == "unavailable":
        return Response(
            "<html><body>503 Service Unavailable</body></html>", 503, mimetype="text/html"
        )
    if mode in ("slow", "timeout"):
        board().hold(slow_seconds())
        return None
    return _body_fault(mode, kind, payload)


def _body_fault(mode: str, kind: str, payload: dict) -> Response | None:
    """Faults in the body of a 200 (or a redirect instead of it), in JSON or XML."""
    mimetype = "application/xml" if kind == XML else "application/json"
    body = xml_document("ReviewFeedDto", payload) if kind == XML else json.dumps(payload).encode()
    if mode == "trickle":
        return Response(_drip(body, slow_seconds() * 3, board()), mimetype=mimetype)
    if mode == "malformed_json":
        return Response(body[: len(body) // 2], mimetype=mimetype)
    if mode == "wrong_content_type":
        return Response("<html><body>Onderhoud</body></html>", mimetype="text/html")
    if mode == "oversized":
        parts = (b"<ReviewFeedDto><padding>", b"</padding></ReviewFeedDto>") if kind == XML else ()
        return Response(_oversized(*parts), mimetype=mimetype)
    if mode == "redirect":
        return Response("", 302, headers={"Location": "https://elsewhere.invalid/"})
    return None


def play(ident: str, kind: str, payload: dict, *, modes: frozenset[str] | None = None) -> Response:
    """Reply with the payload, or with the fault currently set for this id (limited to `modes`)."""
    return reply_for(board().take(ident, modes), kind, payload)


def reply_for(mode: str | None, kind: str, payload: dict) -> Response:
    """The fault reply for `mode`, else the payload (as JSON, or as XML for kind XML)."""
    if mode is not None:
        reply = fault_response(mode, kind, payload)
        if reply is not None:
            return reply
    return xml_reply("ReviewFeedDto", payload) if kind == XML else json_reply(payload)
