"""`/metrics`: off without METRICS_TOKEN, bearer token required, and the content the alert rules
use (request latency, ledenzoeker cache, failed logins, outbox, invitations, review sync); under
gunicorn the workers' values are added up (PROMETHEUS_MULTIPROC_DIR)."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from portal.core.db import utcnow
from portal.core.models import OutboxMessage, OutboxStatus
from portal.extensions import db
from portal.invitations.models import Invitation, InviteStatus, InviteUpload
from portal.reviews.models import Provider, ReviewSystem, SyncAttempt, SystemStatus
from tests.core.test_gunicorn_server_header import (
    READY_SECONDS,
    REQUEST_SECONDS,
    ROOT,
    _get,
    start_gunicorn,
    stop,
)

TOKEN = "metrics-token-" + "k" * 32
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app_config():
    return {"METRICS_TOKEN": TOKEN}


def samples(text: str) -> dict[tuple, float]:
    """{(name, sorted label items): value} of an exposition."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(client) -> dict[tuple, float]:
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return samples(response.text)


@pytest.mark.parametrize("app_config", [{}])
def test_metrics_are_off_without_a_token(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer fout"}, {"Authorization": TOKEN},
     {"Authorization": f"Basic {TOKEN}"}, {"Authorization": f"Bearer {TOKEN}x"},
     {"Authorization": "Bearer \u00e9\u00e9n"}],
)  # fmt: skip
def test_metrics_need_the_bearer_token(client, headers):
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert "portal_" not in response.text
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_request_latency_per_endpoint(client):
    before = scrape(client)
    key = ("portal_http_request_duration_seconds_count",
           (("endpoint", "privacy.statement"), ("method", "GET")))  # fmt: skip
    for _ in range(3):
        assert client.get("/privacy").status_code == 200
    client.get("/bestaat-niet")
    after = scrape(client)
    assert after[key] - before.get(key, 0) == 3
    status = ("portal_http_requests_total",
              (("endpoint", "unmatched"), ("method", "GET"), ("status", "4xx")))  # fmt: skip
    assert after[status] - before.get(status, 0) == 1


def test_directory_cache_hits_and_misses(client, make_company):
    from portal.directory.entries import refresh_all

    make_company(trade_name="Metriek Installaties")
    refresh_all()
    db.session.commit()
    hit, miss = (
        ("portal_directory_cache_lookups_total", (("result", r),)) for r in ("hit", "miss")
    )
    before = scrape(client)
    query = f"/ledenzoeker/?q=metriek{uuid.uuid4().hex[:6]}"
    fragment = {"HX-Request": "true", "HX-Target": "directory-results"}
    for _ in range(3):
        assert client.get(query, headers=fragment).status_code == 200
    after = scrape(client)
    assert after[miss] - before.get(miss, 0) == 1
    assert after[hit] - before.get(hit, 0) == 2


def test_failed_logins_are_counted(client, make_user):
    user = make_user()
    key = ("portal_failed_logins_total", ())
    before = scrape(client)
    for password in ("fout-wachtwoord-1", "fout-wachtwoord-2"):
        client.post("/inloggen", data={"email": user.email, "password": password})
    client.post("/inloggen", data={"email": "niemand@example.nl", "password": "x" * 12})
    assert scrape(client)[key] - before[key] == 3


def test_outbox_depth_and_oldest_age(client):
    now = utcnow()
    db.session.add_all([
        OutboxMessage(kind="t", to_address="a@example.nl", subject="s", body="b",
                      created_at=now - timedelta(minutes=40)),
        OutboxMessage(kind="t", to_address="b@example.nl", subject="s", body="b",
                      status=OutboxStatus.SENDING, created_at=now - timedelta(minutes=5)),
        OutboxMessage(kind="t", to_address="c@example.nl", subject="s", body="b",
                      status=OutboxStatus.SENT, created_at=now - timedelta(days=3)),
    ])  # fmt: skip
    db.session.commit()
    found = scrape(client)
    assert found[("portal_outbox_queue_depth", (("status", "pending"),))] == 1
    assert found[("portal_outbox_queue_depth", (("status", "sending"),))] == 1
    assert 40 * 60 <= found[("portal_outbox_oldest_age_seconds", ())] < 41 * 60


def test_invitation_queue(client, make_user):
    owner = make_user()
    now = utcnow()
    upload = InviteUpload(company_id=owner.company_id, uploaded_by_id=owner.id,
                          purge_after=now + timedelta(days=90),
                          provider=Provider.KLANTENVERTELLEN, file_kind="csv")  # fmt: skip
    db.session.add(upload)
    db.session.flush()
    for n, status in enumerate([InviteStatus.PENDING] * 2 + [InviteStatus.PREVIEW,
                                                              InviteStatus.SENT]):  # fmt: skip
        db.session.add(Invitation(upload_id=upload.id, company_id=owner.company_id,
                                  line_number=n, email=f"k{n}@example.nl", email_hash=f"h{n}",
                                  status=status, created_at=now - timedelta(hours=2)))  # fmt: skip
    db.session.commit()
    found = scrape(client)
    assert found[("portal_invitation_queue_depth", (("status", "pending"),))] == 2
    assert found[("portal_invitation_queue_depth", (("status", "sending"),))] == 0
    assert found[("portal_invitation_oldest_age_seconds", ())] >= 7200


def test_review_sync_outcomes_and_duration(client, make_company):
    now = utcnow()
    systems = []
    for provider, outcome in [(Provider.KIYOH, "ok"), (Provider.KIYOH, "auth_error"),
                              (Provider.FEEDBACK_COMPANY, "ok")]:  # fmt: skip
        system = ReviewSystem(company_id=make_company().id, provider=provider,
                              status=SystemStatus.ACTIVE, is_current=True, last_outcome=outcome,
                              last_success_at=now - timedelta(hours=1) if outcome == "ok" else None)  # fmt: skip
        db.session.add(system)
        db.session.flush()
        systems.append(system)
    started = now - timedelta(minutes=10)
    for offset, (system, outcome) in enumerate(
        zip(systems, ["ok", "auth_error", "ok"], strict=True)
    ):
        db.session.add(SyncAttempt(review_system_id=system.id, company_id=system.company_id,
                                   provider=system.provider, sync_run_id="run-1",
                                   started_at=started + timedelta(seconds=offset),
                                   finished_at=started + timedelta(seconds=30 + offset),
                                   outcome=outcome, duration_ms=1500 * (offset + 1)))  # fmt: skip
    # A later staff "sync now" (a run of one link) is not the last scheduled run.
    db.session.add(SyncAttempt(review_system_id=systems[0].id, company_id=systems[0].company_id,
                               provider=Provider.KIYOH, sync_run_id="now-1",
                               started_at=now, finished_at=now, outcome="ok"))  # fmt: skip
    db.session.commit()
    found = scrape(client)
    links = "portal_review_links"
    assert found[(links, (("outcome", "ok"), ("provider", "kiyoh")))] == 1
    assert found[(links, (("outcome", "auth_error"), ("provider", "kiyoh")))] == 1
    attempts = "portal_review_sync_last_run_attempts"
    assert found[(attempts, (("outcome", "auth_error"), ("provider", "kiyoh")))] == 1
    assert found[(attempts, (("outcome", "ok"), ("provider", "feedback_company")))] == 1
    assert found[("portal_review_sync_last_run_seconds", ())] == pytest.approx(32, abs=0.01)
    slowest = found[("portal_review_sync_last_run_fetch_seconds_max", (("provider", "kiyoh"),))]
    assert slowest == pytest.approx(3.0)
    last_ok = ("portal_review_sync_last_success_timestamp_seconds", (("provider", "kiyoh"),))
    assert found[last_ok] == pytest.approx((now - timedelta(hours=1)).timestamp(), abs=1)


@pytest.mark.own_database  # a file SQLite under tmp_path (tests/halves.py)
def test_gunicorn_workers_are_added_up_and_probes_stay_out_of_the_access_log(tmp_path):
    log = tmp_path / "access.log"
    port, server = start_gunicorn(
        tmp_path, workers=2, access_log=log, METRICS_TOKEN=TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prometheus"),
    )  # fmt: skip
    try:
        # Both workers up (each writes its files when it has imported the portal) before the
        # requests, so both take part: the first answered the readiness probe, the other may
        # still have been importing on a loaded machine.
        deadline = time.monotonic() + READY_SECONDS
        while len(_worker_pids(tmp_path)) < 2 and server.poll() is None:
            assert time.monotonic() < deadline, "the second worker did not start"
            time.sleep(0.1)
        assert _get(port, "/readyz").status == 200
        for _ in range(40):
            assert _get(port, "/healthz").status == 200
        assert _get(port, "/privacy").status == 200
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_SECONDS)
        conn.request("GET", "/metrics", headers=AUTH)
        text = conn.getresponse().read().decode()
        conn.close()
    finally:
        stop(server)  # a worker writes its access line after the response; it exits after that
    found = samples(text)
    key = ("portal_http_requests_total",
           (("endpoint", "ops.healthz"), ("method", "GET"), ("status", "2xx")))  # fmt: skip
    assert found[key] == 40
    assert len(_worker_pids(tmp_path)) >= 2  # both workers wrote their own files
    access = log.read_text()
    assert "/privacy" in access
    assert "/healthz" not in access and "/readyz" not in access and "/metrics" not in access


def _worker_pids(tmp_path) -> set[str]:
    return {f.name.split("_")[-1] for f in (tmp_path / "prometheus").glob("*.db")}


def test_alert_rules_use_only_metrics_the_portal_serves(client):
    import re

    import yaml

    rules = yaml.safe_load((ROOT / "deploy" / "prometheus-alerts.yml").read_text())
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    assert len(exprs) >= 8
    response = client.get("/metrics", headers=AUTH)
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}
    served = {
        family.name + suffix
        for family in text_string_to_metric_families(response.text)
        for suffix in suffixes[family.type]
    }
    used = {name for expr in exprs for name in re.findall(r"\bportal_[a-z_]+", expr)}
    assert used and used <= served, used - served


def test_clients_cannot_mint_label_values(client):
    client.open("/privacy", method="FOOBAR")
    text = client.get("/metrics", headers=AUTH).text
    assert "FOOBAR" not in text
    assert 'method="other"' in text
