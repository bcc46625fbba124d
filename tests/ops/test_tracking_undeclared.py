"""Error tracking sends nothing to a service nobody declared as a sub-processor, in any
environment (outside review): with SENTRY_DSN but no SENTRY_SUBPROCESSOR development and tests
log a warning and do not start Sentry, and `flask doctor` warns (production refuses to start)."""

from __future__ import annotations

import logging

import pytest

from portal.ops import doctor, tracking

DSN = "https://key@o1.ingest.us.sentry.io/42"
DECLARED = {"name": "S", "service": "f", "location": "Duitsland (EU)"}


@pytest.mark.parametrize("env", ["development", "testing", "production"])
def test_no_event_leaves_for_an_undeclared_service(app, monkeypatch, caplog, env):
    import sentry_sdk

    started = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **kwargs: started.append(kwargs))
    monkeypatch.setitem(app.config, "SENTRY_DSN", DSN)
    monkeypatch.setitem(app.config, "PORTAL_ENV", env)
    monkeypatch.setitem(app.config, "SENTRY_SUBPROCESSOR", None)
    with caplog.at_level(logging.WARNING, logger="portal.ops.tracking"):
        tracking.init_app(app)
    assert started == []
    assert "SENTRY_SUBPROCESSOR is empty" in caplog.text
    monkeypatch.setitem(app.config, "SENTRY_SUBPROCESSOR", DECLARED)
    tracking.init_app(app)
    assert len(started) == 1


def test_doctor_warns_outside_production(app, monkeypatch):
    monkeypatch.setitem(app.config, "SENTRY_DSN", DSN)
    monkeypatch.setitem(app.config, "SENTRY_SUBPROCESSOR", None)
    found = [p for p in doctor.diagnose(app) if p.setting == "SENTRY_SUBPROCESSOR"]
    assert len(found) == 1 and not found[0].fatal
    assert "no error reports are sent" in found[0].en
    monkeypatch.setitem(app.config, "SENTRY_SUBPROCESSOR", DECLARED)
    assert not [p for p in doctor.diagnose(app) if p.setting == "SENTRY_SUBPROCESSOR"]
