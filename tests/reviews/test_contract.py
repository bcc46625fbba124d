"""Contract tests: documented reply shapes through the real clients over real loopback HTTP.

A tiny `http.server` in a thread answers each provider path with a canned status, content type
and body; `fetch_link` (the sync's and the link check's client, no retries) must turn each into
the normalised figures or the right outcome. One table per API shape: the KV/Kiyoh publication
API (token), the review feed as JSON and as XML (feed hash), and Feedback Company.
"""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.providers.clients import Credentials, fetch_link
from portal.providers.errors import LOCATION_MISMATCH, ProviderError
from portal.reviews.models import Provider
from portal.reviews.settings import http_settings, retry_policy

JSON = "application/json"
JSON_UTF8 = "application/json; charset=utf-8"
XML = "application/xml"
HTML = "text/html; charset=utf-8"
STATISTICS = "/v1/publication/review/external/location/statistics"
FEED_JSON = "/v1/review/feed.json"
FEED_XML = "/v1/review/feed.xml"
FBC_TOKEN = "/api/v2/oauth2/token"
FBC_SUMMARY = "/api/v2/review/summary"
FBC_SHOP = "/api/v2/shop/summary"
NOT_SERVED = (404, HTML, b"<html><body>404 Not Found</body></html>")
LOCATION = "1027470"
# Expected figures: (score, review_count, recommend_pct) as text, or an outcome.
FULL = ("8.90", 42, "95.00")


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.server.seen.append((parts.path, parse_qs(parts.query), dict(self.headers)))
        status, ctype, body = self.server.routes.get(parts.path.rstrip("/"), NOT_SERVED)
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        """Quiet: request lines would carry the hash."""


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.routes, httpd.seen = {}, []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def serve(server):
    """`serve({path: (status, content type, body)})`; returns the requests seen."""

    def set_routes(routes: dict) -> list:
        server.routes = {path.rstrip("/"): reply for path, reply in routes.items()}
        server.seen = []
        return server.seen

    return set_routes


def _fetch(server, provider: Provider, creds: Credentials):
    url = f"http://127.0.0.1:{server.server_port}"
    config = {
        "PROVIDER_BASE_URLS": f"klantenvertellen={url},kiyoh={url},feedback_company={url}",
        "PROVIDER_ALLOWED_HOSTS": ["127.0.0.1"],
        "PROVIDER_READ_TIMEOUT": 5.0,
        "PROVIDER_REQUEST_DEADLINE": 8.0,
    }
    return fetch_link(
        provider,
        creds,
        settings=http_settings(config),
        policy=retry_policy(config),
        retry="none",
    )


def _outcome(server, provider: Provider, creds: Credentials):
    """The figures as (score, count, share) text, or the ProviderError's outcome."""
    try:
        stats = _fetch(server, provider, creds).stats
    except ProviderError as exc:
        return exc.outcome
    text = lambda v: None if v is None else str(v)  # noqa: E731 - a tiny local formatter
    return (text(stats.score), stats.review_count, text(stats.recommend_pct))


def j(data) -> bytes:
    return json.dumps(data).encode()


def kv(**fields) -> dict:
    """A KV/Kiyoh location reply: the full figures, with `fields` changed (None drops one)."""
    data = {
        "locationId": LOCATION,
        "locationName": "Installatiebedrijf Jansen",
        "averageRating": 8.9,
        "numberReviews": 42,
        "percentageRecommendation": 95,
        "viewReviewUrl": "https://www.klantenvertellen.nl/reviews/1027470/jansen",
        "createReviewUrl": "https://www.klantenvertellen.nl/invite-link/1027470/jansen",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


KV_ERROR_HASH = {
    "httpCode": 400,
    "errorCode": "INTERNAL_SERVER_ERROR",
    "id": "1d0c2a6e-0000-4000-8000-000000000000",
    "detailedError": [{"errorCode": "INVALID_HASH", "message": "Invalid hash"}],
}
# Shapes shared by the token API and the JSON feed: (id, status, content type, body, expected).
PUBLICATION_TABLE = [
    ("numbers", 200, JSON, j(kv()), FULL),
    ("strings", 200, JSON, j(kv(averageRating="8.9", numberReviews="42")), FULL),
    ("decimal-comma", 200, JSON, j(kv(averageRating="8,9", percentageRecommendation="95")), FULL),
    ("share-as-recommendation", 200, JSON, j(kv(percentageRecommendation=None, recommendation=95)), FULL),
    ("charset-parameter", 200, JSON_UTF8, j(kv()), FULL),
    ("optional-fields-missing", 200, JSON, j(kv(percentageRecommendation=None, locationName=None, viewReviewUrl=None, createReviewUrl=None)), ("8.90", 42, None)),
    ("zero-reviews-zero-rating", 200, JSON, j(kv(averageRating=0, numberReviews=0, percentageRecommendation=0)), (None, 0, None)),
    ("zero-reviews-as-strings", 200, JSON, j(kv(averageRating="0", numberReviews="0", percentageRecommendation=None)), (None, 0, None)),
    ("share-out-of-range", 200, JSON, j(kv(percentageRecommendation=140)), ("8.90", 42, None)),
    ("empty-object", 200, JSON, b"{}", "not_found"),
    ("count-missing", 200, JSON, j(kv(numberReviews=None)), "malformed"),
    ("rating-missing", 200, JSON, j(kv(averageRating=None)), "malformed"),
    ("count-fraction", 200, JSON, j(kv(numberReviews="24.5")), "malformed"),
    ("count-boolean", 200, JSON, j(kv(numberReviews=True)), "malformed"),
    ("rating-text", 200, JSON, j(kv(averageRating="goed")), "malformed"),
    ("rating-nan", 200, JSON, j(kv()).replace(b"8.9", b"NaN"), "malformed"),
    ("rating-out-of-range", 200, JSON, j(kv(averageRating=11)), "invalid_data"),
    ("count-negative", 200, JSON, j(kv(numberReviews="-3")), "invalid_data"),
    ("root-array", 200, JSON, b"[]", "malformed"),
    ("error-invalid-hash-400", 400, JSON, j(KV_ERROR_HASH), "auth_error"),
    ("error-invalid-hash-no-detail", 400, JSON, j({**KV_ERROR_HASH, "detailedError": []}), "invalid_data"),
    ("error-401", 401, JSON, j({"httpCode": 401, "errorCode": "UNAUTHORIZED"}), "auth_error"),
    ("error-403", 403, JSON, j({"httpCode": 403, "errorCode": "FORBIDDEN"}), "auth_error"),
    ("error-404-envelope", 404, JSON, j({"httpCode": 404, "errorCode": "NOT_FOUND", "message": "Location not found"}), "not_found"),
    ("error-in-200", 200, JSON, j({"errorCode": "LOCATION_NOT_FOUND", "message": "nope"}), "not_found"),
    ("error-hash-in-200", 200, JSON, j({**KV_ERROR_HASH, "httpCode": 200}), "auth_error"),
    ("error-500", 500, JSON, j({"httpCode": 500, "errorCode": "INTERNAL_SERVER_ERROR"}), "server_error"),
    ("html-error-page-503", 503, HTML, b"<html><body>503 Service Unavailable</body></html>", "server_error"),
    ("html-page-200", 200, HTML, b"<html><body>Onderhoud</body></html>", "bad_content_type"),
    ("rate-limit-429", 429, JSON, j({"httpCode": 429, "errorCode": "TOO_MANY_REQUESTS"}), "rate_limited"),
    ("rate-limit-text-200", 200, "text/plain", b"Too many requests. Please try again later.", "rate_limited"),
    ("empty-body", 200, JSON, b"", "malformed"),
    ("empty-body-no-type", 200, None, b"", "bad_content_type"),
    ("json-as-text-plain", 200, "text/plain", j(kv()), "bad_content_type"),
    ("truncated-json", 200, JSON, j(kv())[:40], "malformed"),
    ("not-utf8", 200, JSON, '{"locationName": "Caf\u00e9"}'.encode("latin-1"), "malformed"),
    ("xml-where-json-asked", 200, XML, b"<ReviewFeedDto><numberReviews>42</numberReviews></ReviewFeedDto>", "bad_content_type"),
    ("redirect", 302, None, b"", "redirect_blocked"),
]  # fmt: skip


def _ids(table) -> list[str]:
    return [row[0] for row in table]


@pytest.mark.parametrize(
    ("case", "status", "ctype", "body", "want"), PUBLICATION_TABLE, ids=_ids(PUBLICATION_TABLE)
)
@pytest.mark.parametrize("provider", [Provider.KLANTENVERTELLEN, Provider.KIYOH])
def test_publication_api_token(server, serve, provider, case, status, ctype, body, want):
    seen = serve({STATISTICS: (status, ctype, body)})
    creds = Credentials(LOCATION, token="a1b2c3d4-e5f6-4789-abcd-tokenVALUE9876")
    assert _outcome(server, provider, creds) == want
    path, query, headers = seen[0]
    assert (path, query["locationId"], headers["X-Publication-Api-Token"]) == (
        STATISTICS,
        [LOCATION],
        creds.token,
    )
    assert headers["Accept"] == JSON


FEED_HASH = "0f3c9a7e51b24d8c9e6a1b2c3d4e5f60"


@pytest.mark.parametrize(
    ("case", "status", "ctype", "body", "want"), PUBLICATION_TABLE, ids=_ids(PUBLICATION_TABLE)
)
def test_feed_json(server, serve, case, status, ctype, body, want):
    seen = serve({FEED_JSON: (status, ctype, body)})
    creds = Credentials(LOCATION, feed_hash=FEED_HASH)
    assert _outcome(server, Provider.KIYOH, creds) == want
    path, query, headers = seen[0]
    assert (path, query["hash"], headers["Accept"]) == (FEED_JSON, [FEED_HASH], JSON)
    assert [p for p, _q, _h in seen] == [FEED_JSON]  # only a bare 404 falls back to feed.xml


def test_feed_json_of_another_location_is_refused(server, serve):
    serve({FEED_JSON: (200, JSON, j(kv(locationId="999")))})
    with pytest.raises(ProviderError) as caught:
        _fetch(server, Provider.KLANTENVERTELLEN, Credentials(LOCATION, feed_hash=FEED_HASH))
    assert (caught.value.outcome, caught.value.error_code) == ("not_found", LOCATION_MISMATCH)
    assert "hoort bij locatie-ID 999, niet bij 1027470" in caught.value.message_nl


def test_feed_falls_back_to_xml_only_when_json_is_not_served(server, serve):
    seen = serve({FEED_JSON: NOT_SERVED, FEED_XML: (200, XML, xml_feed())})
    creds = Credentials(LOCATION, feed_hash=FEED_HASH)
    stats = _fetch(server, Provider.KLANTENVERTELLEN, creds).stats
    assert (str(stats.score), stats.review_count, stats.location_name) == ("8.90", 42, "Jansen")
    assert [p for p, _q, _h in seen] == [FEED_JSON, FEED_XML]
    assert seen[1][2]["Accept"].startswith("application/xml")
    assert seen[1][1]["hash"] == [FEED_HASH]


def test_feed_auth_error_names_the_hash(server, serve):
    serve({FEED_JSON: (400, JSON, j(KV_ERROR_HASH))})
    with pytest.raises(ProviderError) as caught:
        _fetch(server, Provider.KIYOH, Credentials(LOCATION, feed_hash=FEED_HASH))
    assert caught.value.outcome == "auth_error"
    assert "accepteert deze feed-hash niet" in caught.value.message_nl
    assert FEED_HASH not in caught.value.detail


def xml_feed(**fields) -> bytes:
    """A feed.xml body: `ReviewFeedDto` with the given text fields (None: an empty element)."""
    data = {
        "locationId": LOCATION,
        "locationName": "Jansen",
        "averageRating": "8.9",
        "numberReviews": "42",
        "percentageRecommendation": "95",
        "viewReviewUrl": "https://www.kiyoh.com/reviews/1027470/jansen",
    }
    data.update(fields)
    inner = "".join(
        f"<{k}/>" if v is None else f"<{k}>{v}</{k}>" for k, v in data.items() if v != "-"
    )
    reviews = "<reviews><reviews><reviewId>r1</reviewId><rating>9</rating></reviews></reviews>"
    return f'<?xml version="1.0" encoding="UTF-8"?><ReviewFeedDto>{inner}{reviews}</ReviewFeedDto>'.encode()


XML_ERROR_HASH = (
    b'<?xml version="1.0"?><ErrorResponseDto><httpCode>400</httpCode>'
    b"<errorCode>INTERNAL_SERVER_ERROR</errorCode><id>x</id><detailedError>"
    b"<errorCode>INVALID_HASH</errorCode><message>Invalid hash</message>"
    b"</detailedError></ErrorResponseDto>"
)
XML_ERROR_HASH_LIST = (
    b"<ErrorResponseDto><errorCode>INTERNAL_SERVER_ERROR</errorCode><detailedError>"
    b"<item><errorCode>INVALID_HASH</errorCode><message>Invalid hash</message></item>"
    b"</detailedError></ErrorResponseDto>"
)
BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    b"<ReviewFeedDto><numberReviews>42</numberReviews><locationName>&b;</locationName></ReviewFeedDto>"
)
XML_TABLE = [
    ("numbers-as-text", 200, XML, xml_feed(), FULL),
    ("decimal-comma", 200, XML, xml_feed(averageRating="8,9"), FULL),
    ("text-xml-type", 200, "text/xml; charset=utf-8", xml_feed(), FULL),
    ("namespaced", 200, XML, xml_feed().replace(b"<ReviewFeedDto>", b'<ReviewFeedDto xmlns="urn:kiyoh">'), FULL),
    ("whitespace-around-values", 200, XML, xml_feed(numberReviews=" 42 ", averageRating="\n8.9\n"), FULL),
    ("share-as-recommendation", 200, XML, xml_feed(percentageRecommendation="-", recommendation="95"), FULL),
    ("optional-fields-missing", 200, XML, xml_feed(percentageRecommendation="-", locationName="-", viewReviewUrl="-"), ("8.90", 42, None)),
    ("empty-optional-elements", 200, XML, xml_feed(percentageRecommendation=None), ("8.90", 42, None)),
    ("zero-reviews-empty-rating", 200, XML, xml_feed(numberReviews="0", averageRating=None, percentageRecommendation="0"), (None, 0, None)),
    ("json-body-on-feed-xml", 200, JSON, j(kv()), FULL),
    ("empty-document", 200, XML, b"<ReviewFeedDto/>", "not_found"),
    ("count-missing", 200, XML, xml_feed(numberReviews="-"), "malformed"),
    ("count-empty", 200, XML, xml_feed(numberReviews=None), "malformed"),
    ("count-fraction", 200, XML, xml_feed(numberReviews="24.5"), "malformed"),
    ("rating-text", 200, XML, xml_feed(averageRating="goed"), "malformed"),
    ("rating-out-of-range", 200, XML, xml_feed(averageRating="11"), "invalid_data"),
    ("count-negative", 200, XML, xml_feed(numberReviews="-3"), "invalid_data"),
    ("error-invalid-hash-400", 400, XML, XML_ERROR_HASH, "auth_error"),
    ("error-invalid-hash-item-list", 400, XML, XML_ERROR_HASH_LIST, "auth_error"),
    ("error-invalid-hash-in-200", 200, XML, XML_ERROR_HASH, "auth_error"),
    ("error-401", 401, XML, b"<ErrorResponseDto><errorCode>UNAUTHORIZED</errorCode></ErrorResponseDto>", "auth_error"),
    ("error-404", 404, XML, b"<ErrorResponseDto><errorCode>NOT_FOUND</errorCode></ErrorResponseDto>", "not_found"),
    ("error-500", 500, XML, b"<ErrorResponseDto><errorCode>INTERNAL_SERVER_ERROR</errorCode></ErrorResponseDto>", "server_error"),
    ("html-error-page-503", 503, HTML, b"<html><body>503</body></html>", "server_error"),
    ("html-page-200", 200, HTML, b"<html><body>Onderhoud</body></html>", "bad_content_type"),
    ("rate-limit-429", 429, XML, b"<ErrorResponseDto><httpCode>429</httpCode></ErrorResponseDto>", "rate_limited"),
    ("empty-body", 200, XML, b"", "malformed"),
    ("truncated-xml", 200, XML, xml_feed()[:120], "malformed"),
    ("entity-expansion", 200, XML, BOMB, "malformed"),
    ("external-entity", 200, XML, b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><ReviewFeedDto><locationName>&x;</locationName></ReviewFeedDto>', "malformed"),
    ("xml-as-text-plain", 200, "text/plain", xml_feed(), "bad_content_type"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "status", "ctype", "body", "want"), XML_TABLE, ids=_ids(XML_TABLE)
)
def test_feed_xml(server, serve, case, status, ctype, body, want):
    seen = serve({FEED_JSON: NOT_SERVED, FEED_XML: (status, ctype, body)})
    creds = Credentials(LOCATION, feed_hash=FEED_HASH)
    assert _outcome(server, Provider.KLANTENVERTELLEN, creds) == want
    assert [p for p, _q, _h in seen] == [FEED_JSON, FEED_XML]


FBC_TOKEN_OK = (
    200,
    JSON,
    j({"error": False, "access_token": "at-1", "expires_on": "October, 16 2099 14:03:11 +0200"}),
)
FBC_SHOP_OK = (
    200,
    JSON,
    j(
        {
            "success": True,
            "data": {
                "name": "Jansen",
                "company_page_url": "https://www.feedbackcompany.com/nl-nl/reviews/jansen/",
            },
        }
    ),
)


def fbc(value=4.6, maxscore=5, count=128, *, wrap=None, kind="final_score") -> bytes:
    item = {"question_type": kind, "value": value, "maxscore": maxscore, "count": count}
    data = {"statistics": [item]}
    if wrap == "data":
        data = {"success": True, "data": data}
    elif wrap == "data-list":
        data = {"success": True, "data": [data]}
    return j(data)


FBC_TABLE = [
    ("numbers", 200, JSON, fbc(), ("4.60", 128, None)),
    ("strings", 200, JSON, fbc("4.6", "5", "128"), ("4.60", 128, None)),
    ("decimal-comma", 200, JSON, fbc("4,6"), ("4.60", 128, None)),
    ("under-data", 200, JSON, fbc(wrap="data"), ("4.60", 128, None)),
    ("under-data-list", 200, JSON, fbc(wrap="data-list"), ("4.60", 128, None)),
    ("zero-reviews", 200, JSON, fbc(0, 5, 0), (None, 0, None)),
    ("empty-object", 200, JSON, b"{}", "malformed"),
    ("no-final-score", 200, JSON, fbc(kind="service"), "invalid_data"),
    ("maxscore-missing", 200, JSON, fbc(maxscore=None), "malformed"),
    ("value-over-max", 200, JSON, fbc(value=6), "invalid_data"),
    ("count-negative", 200, JSON, fbc(count="-1"), "invalid_data"),
    ("count-boolean", 200, JSON, fbc(count=True), "malformed"),
    ("error-401", 401, JSON, j({"success": False, "error": "401 Unauthorized"}), "auth_error"),
    ("error-in-200", 200, JSON, j({"success": False, "error": "No access"}), "auth_error"),
    ("error-message-401", 200, JSON, j({"error": True, "message": "401 Unauthorized"}), "auth_error"),
    ("error-404", 404, JSON, j({"success": False, "error": "Not found"}), "not_found"),
    ("error-422", 422, JSON, j({"success": False, "error": "Invalid"}), "invalid_data"),
    ("html-error-page-500", 500, HTML, b"<html><body>500</body></html>", "server_error"),
    ("html-page-200", 200, HTML, b"<html><body>Onderhoud</body></html>", "bad_content_type"),
    ("empty-body", 200, JSON, b"", "malformed"),
    ("truncated-json", 200, JSON, fbc()[:30], "malformed"),
    ("xml-where-json-asked", 200, XML, b"<summary><value>4.6</value></summary>", "bad_content_type"),
    ("rate-limit-429", 429, JSON, j({"success": False, "error": "Too many requests"}), "rate_limited"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "status", "ctype", "body", "want"), FBC_TABLE, ids=_ids(FBC_TABLE)
)
def test_feedback_company(server, serve, case, status, ctype, body, want):
    seen = serve(
        {FBC_TOKEN: FBC_TOKEN_OK, FBC_SUMMARY: (status, ctype, body), FBC_SHOP: FBC_SHOP_OK}
    )
    creds = Credentials("fbc-1", client_id="fbc-1", client_secret="s3cr3t-value")
    assert _outcome(server, Provider.FEEDBACK_COMPANY, creds) == want
    summary = [h for p, _q, h in seen if p.rstrip("/") == FBC_SUMMARY]
    assert summary and summary[0]["Authorization"] == "Bearer at-1"


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, j({"error": True, "description": "invalid client"})),
        (200, j({"error": "true"})),
        (400, j({"error": True})),
        (401, j({"success": False, "error": "401 Unauthorized"})),
        (200, j({"error": False})),
    ],
    ids=["error-true", "error-string", "http-400", "http-401", "no-token"],
)
def test_feedback_company_token_refused(server, serve, status, body):
    serve({FBC_TOKEN: (status, JSON, body), FBC_SUMMARY: (200, JSON, fbc())})
    creds = Credentials("fbc-1", client_id="fbc-1", client_secret="s3cr3t-value")
    outcome = _outcome(server, Provider.FEEDBACK_COMPANY, creds)
    assert outcome == ("malformed" if body == j({"error": False}) else "auth_error")


def test_feedback_company_shop_summary_failing_is_not_fatal(server, serve):
    serve({FBC_TOKEN: FBC_TOKEN_OK, FBC_SUMMARY: (200, JSON, fbc()), FBC_SHOP: NOT_SERVED})
    creds = Credentials("fbc-1", client_id="fbc-1", client_secret="s3cr3t-value")
    stats = _fetch(server, Provider.FEEDBACK_COMPANY, creds).stats
    assert (str(stats.score), stats.profile_url, stats.scale_max) == ("4.60", None, Decimal("5.00"))
