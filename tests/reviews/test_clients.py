"""Provider clients against recorded payloads, through a fake requests adapter (no network)."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import urllib3
from requests.adapters import BaseAdapter, HTTPAdapter

from portal.providers.clients import Credentials, fetch_link
from portal.providers.errors import ProviderError, member_message
from portal.providers.http import HostBlocked, HostGate
from portal.providers.invites import Invite
from portal.providers.transport import Transport
from portal.reviews.clients import fetch_stats, send_invite
from portal.reviews.models import Provider
from portal.reviews.settings import HttpSettings, RetryPolicy

PAYLOADS = Path(__file__).parent / "payloads"
KV = Provider.KLANTENVERTELLEN
FBC = Provider.FEEDBACK_COMPANY
STATS = "/v1/publication/review/external/location/statistics"
TOKEN = "/api/v2/oauth2/token"
SUMMARY = "/api/v2/review/summary/"
SHOP = "/api/v2/shop/summary/"
FAST = RetryPolicy(backoff_base=0.001)


def payload(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def reply(status=200, body: bytes | str = b"{}", ctype="application/json", **headers):
    body = body.encode() if isinstance(body, str) else body
    return (status, body, {"Content-Type": ctype, "Content-Length": str(len(body)), **headers})


class Recorded(BaseAdapter):
    """Serves queued replies per (method, path); the last one repeats. Records every request."""

    def __init__(self, routes: dict) -> None:
        super().__init__()
        self.routes = {key: list(value) for key, value in routes.items()}
        self.calls: list[requests.PreparedRequest] = []

    def send(self, request, **kwargs):
        self.calls.append(request)
        queue = self.routes[(request.method, urlsplit(request.url).path)]
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        status, body, headers = item
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(body), headers=headers, status=status, preload_content=False
        )
        return HTTPAdapter().build_response(request, raw)

    def close(self) -> None:
        pass

    def paths(self) -> list[str]:
        return [urlsplit(c.url).path for c in self.calls]


def session_for(routes: dict) -> tuple[requests.Session, Recorded]:
    adapter = Recorded(routes)
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session, adapter


def kv_fetch(routes, provider=KV, settings=None, policy=FAST, ident="1027470"):
    session, adapter = session_for(routes)
    creds = Credentials(ident, token="tok-1234-5678")
    result = fetch_link(
        provider, creds, settings=settings or HttpSettings(), policy=policy, session=session
    )
    return result, adapter


def fbc_fetch(routes, access_token=None, expires=None):
    session, adapter = session_for(routes)
    creds = Credentials(
        "client-9",
        client_id="client-9",
        client_secret="s3cret-value",
        access_token=access_token,
        access_token_expires_at=expires,
    )
    result = fetch_link(FBC, creds, settings=HttpSettings(), policy=FAST, session=session)
    return result, adapter


def failure(call) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        call()
    return info.value


def test_kv_statistics_recorded_payload():
    result, adapter = kv_fetch({("GET", STATS): [reply(body=payload("kv_statistics.json"))]})

    stats = result.stats
    assert (stats.score, stats.scale_max, stats.score_10) == (
        Decimal("8.90"), Decimal("10"), Decimal("8.90"),
    )  # fmt: skip
    assert (stats.review_count, stats.recommend_pct) == (42, Decimal("95.00"))
    assert stats.location_name == "Installatiebedrijf De Vries B.V."
    assert stats.profile_url.startswith("https://www.klantenvertellen.nl/reviews/1027470/")
    assert stats.write_review_url.startswith("https://www.klantenvertellen.nl/invite-link/")
    call = adapter.calls[0]
    assert call.url == f"https://www.klantenvertellen.nl{STATS}?locationId=1027470"
    assert call.headers["X-Publication-Api-Token"] == "tok-1234-5678"
    assert call.headers["Accept"] == "application/json"


def test_kiyoh_variant_fields():
    result, adapter = kv_fetch(
        {("GET", STATS): [reply(body=payload("kiyoh_statistics_variant.json"))]},
        provider=Provider.KIYOH,
    )

    stats = result.stats
    assert (stats.score, stats.review_count, stats.recommend_pct) == (
        Decimal("8.90"),
        7,
        Decimal("86.00"),
    )
    assert stats.profile_url == "https://www.kiyoh.com/reviews/000-dtg-demo-kvtilburg-01/demo"
    assert stats.write_review_url is None  # plain http is dropped
    assert adapter.calls[0].url.startswith("https://www.kiyoh.com/")


def test_review_list_and_zero_reviews_payloads():
    from portal.core.db import utcnow
    from portal.providers.parsing import parse_publication

    listed = parse_publication(json.loads(payload("kv_review_list.json")), KV, utcnow())
    empty = parse_publication(json.loads(payload("kv_zero_reviews.json")), KV, utcnow())

    assert (listed.review_count, listed.recommend_pct) == (44, Decimal("95.50"))
    assert (empty.score, empty.score_10, empty.review_count, empty.recommend_pct) == (
        None,
        None,
        0,
        None,
    )


@pytest.mark.parametrize(
    ("status", "body", "outcome", "code"),
    [
        (400, payload("kv_error_invalid_hash.json"), "auth_error", "INVALID_HASH"),
        (401, b'{"httpCode": 401}', "auth_error", ""),
        (403, b"{}", "auth_error", ""),
        (404, b'{"errorCode": "NOT_FOUND"}', "not_found", "NOT_FOUND"),
        (200, payload("kv_error_ok_status.json"), "not_found", "LOCATION_NOT_FOUND"),
        (400, b'{"errorCode": "BAD_REQUEST"}', "invalid_data", "BAD_REQUEST"),
        (501, b"{}", "server_error", ""),
    ],
)
def test_kv_error_bodies(status, body, outcome, code):
    error = failure(lambda: kv_fetch({("GET", STATS): [reply(status, body)]}))

    assert (error.outcome, error.http_status, error.error_code, error.attempts) == (
        outcome, status, code, 1,
    )  # fmt: skip
    assert error.message_nl == member_message(outcome, KV, "1027470")


@pytest.mark.parametrize(
    ("body", "ctype", "outcome"),
    [
        (b'{"numberReviews": 5, "averageRating": NaN}', "application/json", "malformed"),
        (b"[1, 2]", "application/json", "malformed"),
        (b'{"numberReviews": true, "averageRating": 8}', "application/json", "malformed"),
        (b'{"numberReviews": 5, "averageRating": "acht"}', "application/json", "malformed"),
        (b'{"numberReviews": 5, "averageRating": false}', "application/json", "malformed"),
        (b'{"numberReviews": 5}', "application/json", "malformed"),
        (b'{"numberReviews": 5, "averageRating": 0}', "application/json", "invalid_data"),
        (b'{"numberReviews": -1, "averageRating": 8}', "application/json", "invalid_data"),
        (b'{"numberReviews": 5, "averageRating": 1e400}', "application/json", "malformed"),
        (b'{"numberReviews": 5, "averageRating": 8}', "text/html", "bad_content_type"),
        (b"\xff\xfe{}", "application/json", "malformed"),
    ],
)
def test_strict_json_and_validation(body, ctype, outcome):
    error = failure(lambda: kv_fetch({("GET", STATS): [reply(200, body, ctype)]}))
    assert error.outcome == outcome


@pytest.mark.parametrize(
    ("body", "count", "score"),
    [
        (b'{"numberReviews": "245", "averageRating": 8.9}', 245, Decimal("8.90")),
        (b'{"numberReviews": " 12 ", "averageRating": "7,5"}', 12, Decimal("7.50")),
        (b'{"numberReviews": "0"}', 0, None),
    ],
)
def test_counts_as_numeric_strings_are_accepted(body, count, score):
    result, _ = kv_fetch({("GET", STATS): [reply(body=body)]})
    assert (result.stats.review_count, result.stats.score) == (count, score)


@pytest.mark.parametrize(
    ("body", "outcome"),
    [
        (b'{"numberReviews": "24.5", "averageRating": 8}', "malformed"),
        (b'{"numberReviews": "veel", "averageRating": 8}', "malformed"),
        (b'{"numberReviews": "-3", "averageRating": 8}', "invalid_data"),
    ],
)
def test_count_strings_that_are_not_whole_numbers_are_refused(body, outcome):
    assert failure(lambda: kv_fetch({("GET", STATS): [reply(body=body)]})).outcome == outcome


@pytest.mark.parametrize("body", [b"{}", b'{"locationName": "Onbekend", "locationId": "1027470"}'])
def test_reply_without_statistics_fields_is_not_found(body):
    error = failure(lambda: kv_fetch({("GET", STATS): [reply(body=body)]}))
    assert error.outcome == "not_found" and "numberReviews" in error.detail
    assert error.message_nl == member_message("not_found", KV, "1027470")
    assert "Locatie-ID 1027470 is niet bekend" in error.message_nl


@pytest.mark.parametrize(
    "body",
    [
        b'{"numberReviews": 0, "percentageRecommendation": 0, "averageRating": 0}',
        b'{"numberReviews": 0, "recommendation": 0}',
        b'{"numberReviews": "0", "percentageRecommendation": 100}',
    ],
)
def test_shares_and_averages_over_zero_reviews_are_unknown(body):
    result, _ = kv_fetch({("GET", STATS): [reply(body=body)]})
    assert (result.stats.review_count, result.stats.score, result.stats.recommend_pct) == (
        0, None, None,
    )  # fmt: skip


def test_fbc_summary_with_only_sub_scores_is_invalid_data_never_a_fallback():
    body = (
        b'{"data": [{"statistics": [{"question_type": "stars", "value": 4.8, "maxscore": 5,'
        b' "count": 12}]}]}'
    )
    error = failure(lambda: fbc_fetch(fbc_routes({("GET", SUMMARY): [reply(body=body)]})))
    assert error.outcome == "invalid_data" and "final_score" in error.detail
    assert "stars" in error.detail


@pytest.mark.parametrize(
    "outcome",
    [
        "malformed",
        "invalid_data",
        "too_large",
        "bad_content_type",
        "redirect_blocked",
        "host_not_allowed",
    ],
)
def test_each_unexpected_outcome_has_its_own_explanation(outcome):
    texts = {o: member_message(o, KV, "1") for o in (
        "malformed", "invalid_data", "too_large", "bad_content_type", "redirect_blocked",
        "host_not_allowed",
    )}  # fmt: skip
    assert list(texts.values()).count(texts[outcome]) == 1
    assert "Klantenvertellen" in texts[outcome]


def test_recommendation_out_of_range_is_dropped_not_fatal():
    body = b'{"numberReviews": 5, "averageRating": "7.5", "percentageRecommendation": 140}'
    result, _ = kv_fetch({("GET", STATS): [reply(body=body)]})
    assert (result.stats.score, result.stats.recommend_pct) == (Decimal("7.50"), None)


def test_rate_limit_text_with_200_counts_as_429():
    text = reply(200, "Too many requests. Please try again later.", "text/plain")
    error = failure(lambda: kv_fetch({("GET", STATS): [text]}))
    assert (error.outcome, error.retry_after) == ("rate_limited", None)


def test_redirect_is_never_followed():
    error = failure(
        lambda: kv_fetch({("GET", STATS): [reply(301, b"", Location="https://127.0.0.1/")]})
    )
    assert (error.outcome, error.http_status) == ("redirect_blocked", 301)


def test_declared_oversize_is_refused_and_streamed_oversize_is_cut():
    settings = HttpSettings(max_bytes=1000)
    declared = (200, b"{}", {"Content-Type": "application/json", "Content-Length": "5000"})
    streamed = (200, b'{"x": "' + b"a" * 5000 + b'"}', {"Content-Type": "application/json"})

    first = failure(lambda: kv_fetch({("GET", STATS): [declared]}, settings=settings))
    second = failure(lambda: kv_fetch({("GET", STATS): [streamed]}, settings=settings))

    assert (first.outcome, second.outcome) == ("too_large", "too_large")
    assert "Content-Length" in first.detail and "body over 1000" in second.detail


@pytest.mark.parametrize(
    ("base", "production", "allowed"),
    [
        ("https://evil.example", False, False),
        ("https://www.klantenvertellen.nl.evil.example", False, False),
        ("http://www.klantenvertellen.nl", True, False),
        ("http://www.klantenvertellen.nl", False, True),
        ("https://user:pw@www.klantenvertellen.nl", False, False),
    ],
)
def test_host_allowlist_is_checked_before_connecting(base, production, allowed):
    settings = HttpSettings(base_urls={KV: base}, allow_http=not production)
    routes = {("GET", STATS): [reply(body=payload("kv_statistics.json"))]}
    if allowed:
        result, adapter = kv_fetch(routes, settings=settings)
        assert result.stats.review_count == 42
        return
    session, adapter = session_for(routes)
    creds = Credentials("1027470", token="tok")
    error = failure(lambda: fetch_link(KV, creds, settings=settings, policy=FAST, session=session))
    assert error.outcome == "host_not_allowed"
    assert adapter.calls == []


def test_transient_failures_retry_three_times_then_give_up():
    routes = {("GET", STATS): [requests.exceptions.ReadTimeout("read timed out")]}
    error = failure(lambda: kv_fetch(routes))
    assert (error.outcome, error.attempts) == ("timeout", 3)

    routes = {("GET", STATS): [reply(502), reply(body=payload("kv_statistics.json"))]}
    result, adapter = kv_fetch(routes)
    assert (result.attempts, len(adapter.calls)) == (2, 2)


def test_connection_error_detail_never_contains_the_url():
    secret_url = "https://www.feedbackcompany.com/api/v2/oauth2/token?client_secret=s3cret-value"
    routes = {("GET", TOKEN): [requests.exceptions.ConnectionError(f"failed: {secret_url}")]}
    error = failure(lambda: fbc_fetch(routes))
    assert (error.outcome, error.detail, error.attempts) == ("network_error", "ConnectionError", 3)
    assert "s3cret" not in str(error)


def _transport(routes, **policy):
    session, adapter = session_for(routes)
    sleeps: list[float] = []
    transport = Transport(
        HttpSettings(), KV, location_id="1", session=session,
        policy=RetryPolicy(**policy), gate=HostGate(), sleep=sleeps.append,
    )  # fmt: skip
    return transport, adapter, sleeps


def test_short_retry_after_is_slept_and_retried():
    routes = {("GET", STATS): [reply(429), reply(body=b'{"numberReviews": 0}')]}
    routes[("GET", STATS)][0][2]["Retry-After"] = "5"
    transport, _adapter, sleeps = _transport(routes)

    reply_ = transport.call("GET", STATS)

    assert (reply_.data, sleeps, transport.attempts) == ({"numberReviews": 0}, [5.0], 2)


def test_long_retry_after_pauses_the_host():
    routes = {("GET", STATS): [reply(429)]}
    routes[("GET", STATS)][0][2]["Retry-After"] = "120"
    transport, adapter, sleeps = _transport(routes)

    error = failure(lambda: transport.call("GET", STATS))
    blocked = failure(lambda: transport.call("GET", STATS))

    assert (error.outcome, error.retry_after, sleeps) == ("rate_limited", 120.0, [])
    assert isinstance(blocked, HostBlocked)
    assert len(adapter.calls) == 1


def test_backoff_stops_at_the_link_deadline():
    transport, adapter, sleeps = _transport({("GET", STATS): [reply(503)]}, link_deadline=0.5)
    error = failure(lambda: transport.call("GET", STATS))
    assert (error.outcome, len(adapter.calls), sleeps) == ("server_error", 1, [])


def test_retry_after_http_date():
    from datetime import UTC, datetime

    from portal.providers.http import parse_retry_after

    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("7", now=now) == 7.0
    assert parse_retry_after("soon", now=now) is None


def fbc_routes(overrides: dict | None = None):
    routes = {
        ("GET", TOKEN): [reply(body=payload("fbc_token.json"))],
        ("GET", SUMMARY): [reply(body=payload("fbc_summary.json"))],
        ("GET", SHOP): [reply(body=payload("fbc_shop_summary.json"))],
    }
    routes.update(overrides or {})
    return routes


def test_fbc_full_flow():
    result, adapter = fbc_fetch(fbc_routes())

    stats = result.stats
    assert (stats.score, stats.scale_max, stats.score_10, stats.review_count) == (
        Decimal("4.60"), Decimal("5.00"), Decimal("9.20"), 128,
    )  # fmt: skip
    assert stats.recommend_pct is None
    assert stats.profile_url.endswith("/reviews/jansen-installatietechniek/")
    assert stats.location_name == "Jansen Installatietechniek"
    assert adapter.paths() == [TOKEN, SUMMARY, SHOP]
    query = parse_qs(urlsplit(adapter.calls[0].url).query)
    assert query == {
        "client_id": ["client-9"], "client_secret": ["s3cret-value"],
        "grant_type": ["authorization_code"],
    }  # fmt: skip
    assert adapter.calls[1].headers["Authorization"] == "Bearer f3b9c1d2e4a5b6c7d8e9f0a1b2c3d4e5"
    assert result.token_refreshed
    assert result.access_token == "f3b9c1d2e4a5b6c7d8e9f0a1b2c3d4e5"


def test_fbc_token_expiry_is_capped_at_20_days():
    from datetime import timedelta

    from portal.core.db import utcnow

    result, _ = fbc_fetch(fbc_routes())
    assert result.access_token_expires_at <= utcnow() + timedelta(days=20, seconds=5)


def test_fbc_variant_summary():
    result, _ = fbc_fetch(
        fbc_routes({("GET", SUMMARY): [reply(body=payload("fbc_summary_variant.json"))]})
    )
    assert (result.stats.score, result.stats.score_10, result.stats.review_count) == (
        Decimal("4.25"), Decimal("8.50"), 9,
    )  # fmt: skip


def test_fbc_cached_token_refreshed_once_on_401():
    from datetime import timedelta

    from portal.core.db import utcnow

    unauthorized = reply(401, payload("fbc_error_unauthorized.json"))
    routes = fbc_routes({("GET", SUMMARY): [unauthorized, reply(body=payload("fbc_summary.json"))]})
    result, adapter = fbc_fetch(routes, access_token="old", expires=utcnow() + timedelta(days=3))

    assert adapter.paths() == [SUMMARY, TOKEN, SUMMARY, SHOP]
    assert result.token_refreshed and result.access_token != "old"


def test_fbc_valid_cached_token_skips_the_token_call():
    from datetime import timedelta

    from portal.core.db import utcnow

    result, adapter = fbc_fetch(
        fbc_routes(), access_token="cached", expires=utcnow() + timedelta(days=3)
    )
    assert adapter.paths() == [SUMMARY, SHOP]
    assert not result.token_refreshed


def test_fbc_persistent_401_is_auth_error_after_one_refresh():
    routes = fbc_routes({("GET", SUMMARY): [reply(200, payload("fbc_error_unauthorized.json"))]})
    error = failure(lambda: fbc_fetch(routes))
    assert error.outcome == "auth_error"
    assert error.message_nl == member_message("auth_error", FBC)


@pytest.mark.parametrize(
    ("route", "status", "body", "outcome"),
    [
        (TOKEN, 401, payload("fbc_token_error.json"), "auth_error"),
        (TOKEN, 200, payload("fbc_token_error.json"), "auth_error"),
        (TOKEN, 200, b'{"error": false}', "malformed"),
        (SUMMARY, 400, b'{"success": false, "error": "Bad request"}', "auth_error"),
        (SUMMARY, 406, b'{"success": false}', "not_found"),
        (SUMMARY, 422, b'{"success": false}', "invalid_data"),
        (SUMMARY, 200, b'{"success": true, "data": [{"statistics": []}]}', "invalid_data"),
        (SUMMARY, 200, b'{"success": true, "data": [{"shop": 1}]}', "malformed"),
        (SUMMARY, 200, b'{"data": {"statistics": [{"question_type": "final_score", "value": 4}]}}', "malformed"),
        (SUMMARY, 200, b'{"data": {"statistics": [{"question_type": "final_score", "value": 6, "maxscore": 5, "count": 1}]}}', "invalid_data"),
        (SUMMARY, 200, b'{"data": {"statistics": [{"question_type": "final_score", "value": 4, "maxscore": 0, "count": 1}]}}', "invalid_data"),
    ],
)  # fmt: skip
def test_fbc_failures(route, status, body, outcome):
    error = failure(lambda: fbc_fetch(fbc_routes({("GET", route): [reply(status, body)]})))
    assert error.outcome == outcome


def test_fbc_failing_shop_summary_never_fails_the_sync():
    result, _ = fbc_fetch(fbc_routes({("GET", SHOP): [reply(500)]}))
    assert (result.stats.score, result.stats.profile_url) == (Decimal("4.60"), None)


def test_fetch_stats_without_retries_tries_once(app):
    session, adapter = session_for({("GET", STATS): [reply(503)]})
    error = failure(
        lambda: fetch_stats(KV, location_id="1027470", token="t", retries=False, session=session)
    )
    assert (error.outcome, len(adapter.calls)) == ("server_error", 1)


def test_kv_invite_body_and_reference_field(app):
    routes = {("POST", "/v1/invite/external"): [reply(body=b'{"code": "A", "message": "ok"}')]}
    session, adapter = session_for(routes)
    invite = Invite(email="klant@example.invalid", first_name="Jan", reference="WO-1")

    send_invite(KV, invite, location_id="1027470", token="t", session=session)
    app.config["KV_INVITE_REF_FIELD"] = "ref_code"
    send_invite(Provider.KIYOH, invite, location_id="1027470", token="t", session=session)

    first, second = (json.loads(c.body) for c in adapter.calls)
    assert first == {
        "location_id": "1027470", "tenantId": 99, "invite_email": "klant@example.invalid",
        "delay": 0, "language": "nl", "first_name": "Jan", "reference_code": "WO-1",
    }  # fmt: skip
    assert (second["tenantId"], second["ref_code"]) == (98, "WO-1")
    assert "reference_code" not in second


def test_invite_is_not_retried_after_5xx_but_once_after_429(app):
    invite = Invite(email="klant@example.invalid")
    session, adapter = session_for({("POST", "/v1/invite/external"): [reply(500)]})
    error = failure(lambda: send_invite(KV, invite, location_id="1", token="t", session=session))
    assert (error.outcome, len(adapter.calls)) == ("server_error", 1)

    limited = reply(429)
    limited[2]["Retry-After"] = "0"
    session, adapter = session_for({("POST", "/v1/invite/external"): [limited, reply(body=b"{}")]})
    send_invite(KV, invite, location_id="1", token="t", session=session)
    assert len(adapter.calls) == 2


def test_invite_2xx_with_error_code_fails(app):
    body = b'{"errorCode": "ALREADY_INVITED", "message": "Already invited"}'
    session, _ = session_for({("POST", "/v1/invite/external"): [reply(body=body)]})
    error = failure(
        lambda: send_invite(
            KV, Invite(email="a@b.invalid"), location_id="1", token="t", session=session
        )
    )
    assert (error.outcome, error.error_code) == ("invalid_data", "ALREADY_INVITED")
    assert "a@b.invalid" not in error.detail


def test_fbc_order_body(app):
    routes = fbc_routes({("POST", "/api/v2/orders"): [reply(201, b"", "text/plain")]})
    session, adapter = session_for(routes)
    invite = Invite(
        email="klant@example.invalid", first_name="Jan", last_name="Jansen", reference="WO-7"
    )

    send_invite(FBC, invite, location_id="client-9", client_secret="s3cret-value", session=session)

    body = json.loads(adapter.calls[-1].body)
    assert body == {
        "external_id": "WO-7",
        "customer": {"email": "klant@example.invalid", "fullname": "Jan Jansen"},
        "invitation": {
            "delay": {"unit": "days", "amount": 7},
            "reminder": {"unit": "days", "amount": 0},
        },
    }
