"""Processes starting together on a fresh instance folder share one development secret.

gunicorn's workers each load the config: all of them found `instance/secret_key` (and
`instance/secrets_keys`) missing, and each wrote and kept its own random value, so a session
signed by one worker was refused by the other, and a value encrypted by one could not be read by
the other. The tests play the unlucky order without timing: the first process is held right
after it found the file missing, until the second has created the file and gone on.
"""

from __future__ import annotations

import os
import secrets
import stat
import threading

from flask import Flask

from portal.config import load_config, local_secret
from portal.core import crypto


def _first_held_until_second_done(monkeypatch, module, name):
    """Replace module.name (the value maker) so that the thread named "first" waits in it until
    the test sets the returned event; returns (entered, release, results, run)."""
    real = getattr(module, name)
    entered, release = threading.Event(), threading.Event()

    def held(*args, **kwargs):
        if threading.current_thread().name == "first":
            entered.set()
            assert release.wait(60), "never released"  # a hang detector, not a pause
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, held)
    results: dict[str, str] = {}

    def run(read):
        def target():
            results[threading.current_thread().name] = read()

        first = threading.Thread(target=target, name="first")
        first.start()
        assert entered.wait(60)
        second = threading.Thread(target=target, name="second")
        second.start()
        second.join(60)
        assert "second" in results
        release.set()
        first.join(60)
        assert "first" in results

    return results, run


def test_workers_starting_together_get_one_session_secret(tmp_path, monkeypatch):
    results, run = _first_held_until_second_done(monkeypatch, secrets, "token_urlsafe")
    run(lambda: load_config(str(tmp_path), env={})["SECRET_KEY"])
    assert results["first"] == results["second"]
    assert len(results["first"]) >= 48
    assert (tmp_path / "secret_key").read_text().strip() == results["first"]
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]  # no temporary left


def test_workers_starting_together_get_one_encryption_key(tmp_path, monkeypatch):
    results, run = _first_held_until_second_done(monkeypatch, crypto, "new_key_entry")

    def read_keys() -> str:
        app = Flask(__name__, instance_path=str(tmp_path))  # one app per worker
        app.config.update(SECRETS_KEYS="", PORTAL_ENV="development")
        with app.app_context():
            crypto.keyring()
            return app.config["SECRETS_KEYS"]

    run(read_keys)
    assert results["first"] == results["second"]
    assert results["first"].startswith("dev1:")
    assert stat.S_IMODE(os.stat(tmp_path / "secrets_keys").st_mode) == 0o600


def test_an_existing_secret_is_read_and_never_replaced(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("bestaand-geheim\n")
    assert local_secret.read_or_create(path, lambda: "nieuw") == "bestaand-geheim"
    assert path.read_text() == "bestaand-geheim\n"
