"""Sync engine against the emulator over real HTTP: selection, idempotency, locks, tokens."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.core.db import utcnow
from portal.directory.models import DirectoryEntry
from portal.extensions import db
from portal.reviews import credentials
from portal.reviews.models import Provider, ReviewSystem, ScoreSnapshot, SyncAttempt, SystemStatus
from portal.reviews.runlock import run_lock
from portal.reviews.sync import SyncBusy, run_sync

from .conftest import emulator_config


@pytest.fixture
def app_config(emulator):
    return emulator_config(emulator)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_run_syncs_every_eligible_link_once(app, emulator, make_link):
    kv = make_link(Provider.KLANTENVERTELLEN, "1000001")
    kiyoh = make_link(Provider.KIYOH, "1000002", status=SystemStatus.UNCHECKED)
    fbc = make_link(Provider.FEEDBACK_COMPANY, "fbc-demo-1")
    make_link(Provider.KLANTENVERTELLEN, "1000003", status=SystemStatus.REQUESTED)
    ended = make_link(Provider.KLANTENVERTELLEN, "1000004")
    ended.is_current = False
    ended.status = SystemStatus.ENDED
    db.session.commit()

    summary = run_sync()

    db.session.expire_all()
    assert (summary.links, summary.companies, summary.ok, sum(summary.failed.values())) == (
        3, 3, 3, 0,
    )  # fmt: skip
    assert (kv.score, kv.review_count, kv.recommend_pct) == (Decimal("8.90"), 42, Decimal("95.00"))
    assert kv.profile_url == "https://www.klantenvertellen.nl/reviews/1000001/emulator"
    assert (kiyoh.score, kiyoh.review_count, kiyoh.status) == (
        Decimal("7.50"), 3, SystemStatus.ACTIVE,
    )  # fmt: skip
    assert (fbc.score, fbc.scale_max, fbc.score_10) == (
        Decimal("4.60"), Decimal("5.00"), Decimal("9.20"),
    )  # fmt: skip
    assert _count(SyncAttempt) == 3
    assert _count(ScoreSnapshot) == 3
    assert summary.lines()[0].endswith("3 companies, 3 links")
    # The ledenzoeker rows carry the fresh figures.
    entry = db.session.get(DirectoryEntry, kv.company_id)
    assert (entry.score, entry.review_count) == (Decimal("8.90"), 42)


def test_rerun_changes_only_fetched_at_and_log(app, emulator, make_link):
    system = make_link(Provider.KLANTENVERTELLEN, "1000001")
    run_sync()
    db.session.expire_all()
    first = (system.score, system.review_count, system.fetched_at)

    run_sync()
    db.session.expire_all()

    assert (system.score, system.review_count) == first[:2]
    assert system.fetched_at > first[2]
    assert _count(ScoreSnapshot) == 1
    assert _count(SyncAttempt) == 2


def test_failure_keeps_last_good_score_and_counts_failures(app, emulator, make_link):
    system = make_link(Provider.KLANTENVERTELLEN, "1000001")
    run_sync()
    emulator.fault("1000001", "server_error")
    run_sync()
    summary = run_sync()
    db.session.expire_all()

    assert summary.failed == {"server_error": 1}
    assert system.score == Decimal("8.90")
    assert system.consecutive_failures == 2
    assert system.last_outcome == "server_error"
    outcomes = db.session.scalars(select(SyncAttempt.outcome).order_by(SyncAttempt.id)).all()
    assert outcomes == ["ok", "server_error", "server_error"]


def test_single_server_error_recovers_within_the_run(app, emulator, make_link):
    system = make_link(Provider.FEEDBACK_COMPANY, "fbc-demo-2")
    emulator.fault("fbc-demo-2", "server_error", times=1)

    summary = run_sync()

    attempt = db.session.scalars(select(SyncAttempt)).one()
    assert summary.ok == 1
    assert (attempt.outcome, attempt.attempts) == ("ok", 2)
    assert system.score == Decimal("4.00")


def test_company_and_provider_filters(app, emulator, make_link, make_company):
    target = make_company(member_number="L123456")
    make_link(Provider.KLANTENVERTELLEN, "1000001", company=target)
    make_link(Provider.KLANTENVERTELLEN, "1000002")
    make_link(Provider.FEEDBACK_COMPANY, "fbc-demo-1")

    assert run_sync(company="L123456").links == 1
    assert run_sync(company=str(target.id)).links == 1
    assert run_sync(provider="feedback_company").links == 1
    assert run_sync(company="nobody").links == 0


def test_links_in_backoff_wait_for_a_later_run(app, emulator, make_link):
    system = make_link(Provider.KLANTENVERTELLEN, "1000001")
    system.backoff_until = utcnow() + timedelta(minutes=5)
    db.session.commit()

    assert run_sync().links == 0


def test_long_retry_after_pauses_the_host_for_the_run(app, emulator, make_link):
    limited = make_link(Provider.KLANTENVERTELLEN, "1000001")
    make_link(Provider.KLANTENVERTELLEN, "1000002")
    emulator.fault("*", "rate_limit")
    app.config["SYNC_MAX_WORKERS"] = 1  # strictly one after the other

    summary = run_sync()
    db.session.expire_all()

    assert summary.failed == {"rate_limited": 1}
    assert summary.skipped == 1
    assert limited.last_outcome == "rate_limited"
    assert limited.backoff_until is not None
    assert _count(SyncAttempt) == 1


def test_short_retry_after_is_waited_for(app, emulator, make_link):
    system = make_link(Provider.KLANTENVERTELLEN, "1000002")
    emulator.fault("1000002", "rate_limit", times=1)
    app.config["SYNC_MAX_RETRY_AFTER"] = 5.0

    summary = run_sync()

    attempt = db.session.scalars(select(SyncAttempt)).one()
    assert summary.ok == 1
    assert (attempt.outcome, attempt.attempts) == ("ok", 2)
    assert attempt.duration_ms >= 2000
    assert system.review_count == 3


def test_fbc_token_is_cached_encrypted_and_reused(app, emulator, make_link):
    system = make_link(Provider.FEEDBACK_COMPANY, "fbc-demo-1")
    run_sync()
    db.session.expire_all()
    token, expires = credentials.read_access_token(system)
    issued = len(emulator.board.tokens)

    run_sync()

    assert token is not None and token.startswith("emuat-")
    assert token not in system.access_token_enc
    assert expires > utcnow() + timedelta(days=6)
    assert len(emulator.board.tokens) == issued  # no new token for the second run


def test_expired_token_is_refreshed_once_and_stored(app, emulator, make_link):
    system = make_link(Provider.FEEDBACK_COMPANY, "fbc-demo-1")
    run_sync()
    db.session.expire_all()
    old, _ = credentials.read_access_token(system)
    emulator.fault("fbc-demo-1", "token_expired")

    summary = run_sync()
    db.session.expire_all()

    new, _ = credentials.read_access_token(system)
    assert summary.ok == 1
    assert new != old


def test_auth_failure_drops_the_cached_token(app, emulator, make_link):
    system = make_link(Provider.FEEDBACK_COMPANY, "fbc-demo-1")
    run_sync()
    emulator.fault("fbc-demo-1", "bad_token")

    run_sync()
    db.session.expire_all()

    assert system.access_token_enc is None
    assert system.last_outcome == "auth_error"
    assert system.score == Decimal("4.60")


def test_credentials_changed_during_the_run_are_not_overwritten(app, emulator, make_link):
    from portal.reviews.settings import http_settings, retry_policy
    from portal.reviews.sync import build_job, fetch_job, store_result

    system = make_link(Provider.KLANTENVERTELLEN, "1000001")
    job = build_job(system)
    result = fetch_job(job, settings=http_settings(app.config), policy=retry_policy(app.config))
    credentials.store_credentials(system, {"token": "emu-1000001"})

    assert store_result(result, "run") is None
    assert system.score is None


def test_second_run_is_refused_while_the_lock_is_held(app, emulator, make_link, tmp_path):
    make_link(Provider.KLANTENVERTELLEN, "1000001")
    if db.engine.dialect.name == "sqlite":
        pytest.skip("in-memory SQLite is private to this process; see the subprocess tests")
    with run_lock(db.engine) as got:
        assert got
        with pytest.raises(SyncBusy):
            run_sync()


def test_review_and_member_sync_locks_are_separate_and_each_exclusive(app, tmp_path):
    """Both runs may hold their lock at once; a second holder of either is refused
    (PostgreSQL advisory locks on the test database, else file locks next to a SQLite file)."""
    from sqlalchemy import create_engine

    from portal.reviews.runlock import LOCK_NAME, MEMBER_SYNC_LOCK, lock_key

    assert lock_key(LOCK_NAME) != lock_key(MEMBER_SYNC_LOCK)
    own = db.engine.dialect.name != "postgresql"
    engine = create_engine(f"sqlite:///{tmp_path / 'lock.db'}") if own else db.engine
    with run_lock(engine, LOCK_NAME) as review, run_lock(engine, MEMBER_SYNC_LOCK) as member:
        assert (review, member) == (True, True)
        with run_lock(engine, LOCK_NAME) as review2, run_lock(engine, MEMBER_SYNC_LOCK) as member2:
            assert (review2, member2) == (False, False)
    with run_lock(engine, LOCK_NAME) as review, run_lock(engine, MEMBER_SYNC_LOCK) as member:
        assert (review, member) == (True, True)
    if own:
        engine.dispose()


def test_file_lock_excludes_a_second_holder(tmp_path):
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    with run_lock(engine) as first, run_lock(engine) as second:
        assert (first, second) == (True, False)
    with run_lock(engine) as again:
        assert again
    engine.dispose()


def test_cli_prints_a_summary(app, emulator, make_link):
    make_link(Provider.KLANTENVERTELLEN, "1000001")
    make_link(Provider.KLANTENVERTELLEN, "fault-bad_token")

    result = app.test_cli_runner().invoke(args=["reviews", "sync"])

    assert result.exit_code == 0, result.output
    assert "2 companies, 2 links" in result.output
    assert "ok: 1" in result.output
    assert "failed: 1 (auth_error=1)" in result.output
    assert "emu-" not in result.output


def test_unreadable_credentials_are_skipped(app, emulator, make_link):
    broken = make_link(Provider.KLANTENVERTELLEN, "1000001")
    other = make_link(Provider.KLANTENVERTELLEN, "1000002")
    broken.credentials_enc = other.credentials_enc  # bound to another row: must not decrypt
    db.session.commit()

    summary = run_sync()

    assert summary.links == 1
    assert _count(SyncAttempt, SyncAttempt.review_system_id == broken.id) == 0
    assert db.session.get(ReviewSystem, other.id).review_count == 3
