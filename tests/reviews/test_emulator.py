"""The provider emulator itself: seed data, credentials, fault API and modes, invites."""

from __future__ import annotations

import pytest

from portal.dev import emulator_data as seed
from portal.dev.provider_emulator import create_emulator

STATS = "/v1/publication/review/external/location/statistics"


@pytest.fixture
def emu(monkeypatch):
    monkeypatch.delenv("EMULATOR_FAULT", raising=False)
    return create_emulator({"EMULATOR_SLOW_SECONDS": 0.01}).test_client()


def kv(client, ident, token=None, path=STATS, **params):
    headers = {"X-Publication-Api-Token": token or f"emu-{ident}"}
    return client.get(path, query_string={"locationId": ident, **params}, headers=headers)


def fbc_token(client, ident):
    reply = client.get(
        "/api/v2/oauth2/token",
        query_string={"client_id": ident, "client_secret": f"emu-{ident}", "grant_type": "x"},
    )
    return reply.get_json()["access_token"]


def fbc(client, ident, path="/api/v2/review/summary/"):
    token = fbc_token(client, ident)
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def final_score(reply) -> dict:
    stats = reply.get_json()["data"][0]["statistics"]
    return next(s for s in stats if s["question_type"] == "final_score")


def test_fixed_ids(emu):
    first = kv(emu, "1000001").get_json()
    assert (first["averageRating"], first["numberReviews"], first["percentageRecommendation"]) == (
        8.9, 42, 95,
    )  # fmt: skip
    assert (
        kv(emu, "1000002").get_json()["averageRating"],
        kv(emu, "1000002").get_json()["numberReviews"],
    ) == (7.5, 3)
    assert kv(emu, "1000003").get_json()["numberReviews"] == 0
    demo1 = final_score(fbc(emu, "fbc-demo-1"))
    demo2 = final_score(fbc(emu, "fbc-demo-2"))
    assert (demo1["value"], demo1["maxscore"], demo1["count"]) == (4.6, 5, 128)
    assert (demo2["value"], demo2["count"]) == (4.0, 2)


def test_any_id_is_deterministic_with_a_realistic_spread():
    ids = [f"{1000100 + n}" for n in range(400)]
    locations = [seed.location(i) for i in ids]
    assert locations == [seed.location(i) for i in ids]
    counts = [loc.count for loc in locations]
    assert sum(c == 0 for c in counts) > 10
    assert sum(0 < c < 5 for c in counts) > 20
    assert sum(c >= 5 for c in counts) > 280
    assert all(6.0 <= loc.score <= 9.8 for loc in locations if loc.count)
    fbc_scores = [seed.location(f"fbc-{n}", fbc=True).score for n in range(200)]
    assert all(s is None or 3.0 <= s <= 5.0 for s in fbc_scores)


def test_wrong_token_gets_the_invalid_hash_error(emu):
    reply = kv(emu, "1000001", token="emu-1000002")
    body = reply.get_json()
    assert reply.status_code == 400
    assert body["errorCode"] == "INTERNAL_SERVER_ERROR"
    assert body["detailedError"][0]["errorCode"] == "INVALID_HASH"


def test_fbc_needs_a_valid_secret_and_bearer_token(emu):
    bad = emu.get("/api/v2/oauth2/token", query_string={"client_id": "x", "client_secret": "y"})
    no_bearer = emu.get("/api/v2/review/summary")
    assert (bad.status_code, bad.get_json()["error"]) == (401, True)
    assert no_bearer.get_json() == {"success": False, "error": "401 Unauthorized"}


def test_review_lists(emu):
    kv_list = kv(emu, "1000001", path="/v1/publication/review/external", tenantId="98", limit=5)
    body = kv_list.get_json()
    assert len(body["reviews"]) == 5
    assert body["viewReviewUrl"].startswith("https://www.kiyoh.com/")
    assert all(isinstance(c["rating"], str) for r in body["reviews"] for c in r["reviewContent"])
    assert (
        sum(body[k] for k in ("oneStars", "twoStars", "threeStars", "fourStars", "fiveStars")) == 42
    )
    token = fbc_token(emu, "fbc-demo-1")
    page = emu.get(
        "/api/v2/review/?limit=10&start=120", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    assert (page["count"]["total"], len(page["reviews"])) == (128, 8)


def test_fault_api_counts_down_and_resets(emu):
    assert (
        emu.post(
            "/_emulator/faults", json={"target": "1000001", "mode": "server_error", "times": 2}
        ).status_code
        == 200
    )
    statuses = [kv(emu, "1000001").status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    emu.post("/_emulator/faults", json={"target": "*", "mode": "unknown_location"})
    assert kv(emu, "1000002").status_code == 404
    emu.delete("/_emulator/faults")
    assert kv(emu, "1000002").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"target": "1", "mode": "nope"},
        {"mode": "slow"},
        {"target": "1", "mode": "slow", "times": 0},
        [],
    ],
)
def test_fault_api_rejects_bad_input(emu, body):
    assert emu.post("/_emulator/faults", json=body).status_code == 400


def test_fault_ids_and_env_default(monkeypatch):
    monkeypatch.setenv("EMULATOR_FAULT", "forbidden")
    client = create_emulator().test_client()
    assert kv(client, "1000001").status_code == 403
    assert kv(client, "fault-redirect").headers["Location"] == "https://elsewhere.invalid/"


@pytest.mark.parametrize(
    ("mode", "status", "ctype"),
    [
        ("bad_token", 401, "application/json"),
        ("forbidden", 403, "application/json"),
        ("unknown_location", 404, "application/json"),
        ("rate_limit", 429, "application/json"),
        ("rate_limit_text", 429, "text/plain; charset=utf-8"),
        ("server_error", 500, "application/json"),
        ("unavailable", 503, "text/html; charset=utf-8"),
        ("wrong_content_type", 200, "text/html; charset=utf-8"),
        ("redirect", 302, "text/html; charset=utf-8"),
    ],
)
def test_fault_mode_replies(emu, mode, status, ctype):
    reply = kv(emu, f"fault-{mode}")
    assert (reply.status_code, reply.content_type) == (status, ctype)
    if mode == "rate_limit":
        assert reply.headers["Retry-After"] == "2"
    if mode == "rate_limit_text":
        assert reply.text == "Too many requests. Please try again later."


def test_payload_altering_modes(emu):
    assert "numberReviews" not in kv(emu, "fault-missing_fields").get_json()
    assert kv(emu, "fault-out_of_range").get_json()["averageRating"] == 11
    variant = kv(emu, "fault-variant_fields").get_json()
    assert "percentageRecommendation" not in variant and "recommendation" in variant
    assert isinstance(variant["averageRating"], str) and "," in variant["averageRating"]
    assert len(kv(emu, "fault-oversized").get_data()) > 3 * 1024 * 1024
    assert kv(emu, "fault-malformed_json").get_data().startswith(b"{")
    fbc_out = fbc(emu, "fault-out_of_range").get_json()["data"][0]["statistics"][0]
    assert fbc_out["value"] > fbc_out["maxscore"]


def test_token_expired_rejects_the_first_data_call_only(emu):
    emu.post("/_emulator/faults", json={"target": "fbc-demo-1", "mode": "token_expired"})
    first = fbc(emu, "fbc-demo-1")
    second = fbc(emu, "fbc-demo-1")
    assert (first.status_code, second.status_code) == (401, 200)


def test_invites_are_kept_and_listed(emu):
    body = {
        "location_id": "1000001",
        "invite_email": "k@example.invalid",
        "delay": 0,
        "language": "nl",
    }
    ok = emu.post(
        "/v1/invite/external", json=body, headers={"X-Publication-Api-Token": "emu-1000001"}
    )
    missing = emu.post(
        "/v1/invite/external",
        json={"location_id": "1000001"},
        headers={"X-Publication-Api-Token": "emu-1000001"},
    )
    token = fbc_token(emu, "fbc-demo-1")
    order = {"external_id": "WO-1", "customer": {"email": "k@example.invalid", "fullname": "K"}}
    fbc_ok = emu.post("/api/v2/orders", json=order, headers={"Authorization": f"Bearer {token}"})

    invites = emu.get("/_emulator/invites").get_json()["invites"]
    assert (ok.get_json()["code"], missing.status_code, fbc_ok.status_code) == ("A", 400, 200)
    assert [i["provider"] for i in invites] == ["publication", "feedback_company"]
