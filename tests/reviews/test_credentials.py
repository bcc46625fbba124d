"""Encrypted provider credentials and `flask reviews rotate-secrets`."""

from __future__ import annotations

import json

import pytest

from portal.auth.models import User
from portal.core import crypto
from portal.core.crypto import SecretError
from portal.extensions import db
from portal.reviews import credentials
from portal.reviews.models import Provider, ReviewSystem, SystemStatus

OLD_KEY = "test1:" + "A" * 43
NEW_KEY = "new2:" + "B" * 43


def _system(company) -> ReviewSystem:
    system = ReviewSystem(company=company, provider=Provider.KIYOH, status=SystemStatus.ACTIVE)
    db.session.add(system)
    return system


def test_round_trip_hint_and_binding(app, make_company):
    system = _system(make_company())
    credentials.store_credentials(system, {"token": "abcd-efgh-1234-5678"})
    other = _system(make_company())
    credentials.store_credentials(other, {"token": "zzzz-zzzz-zzzz-9999"})

    assert credentials.read_credentials(system) == {"token": "abcd-efgh-1234-5678"}
    assert system.secret_hint == "5678"
    assert "abcd" not in system.credentials_enc
    assert system.credentials_enc.startswith("v1:test1:")
    plain = crypto.decrypt(
        system.credentials_enc, aad=f"review_systems:{system.id}:credentials_enc"
    )
    assert json.loads(plain) == {"token": "abcd-efgh-1234-5678"}
    other.credentials_enc = system.credentials_enc  # moved to another row
    with pytest.raises(SecretError):
        credentials.read_credentials(other)


def test_short_secret_gets_no_hint_and_bad_payloads_are_refused(app, make_company):
    system = _system(make_company())
    credentials.store_credentials(system, {"client_id": "c-1", "client_secret": "short"})
    assert system.secret_hint == ""
    with pytest.raises(ValueError, match="payload"):
        credentials.store_credentials(system, {"password": "x"})
    with pytest.raises(ValueError, match="strings"):
        credentials.store_credentials(system, {"token": 5})


def test_new_credentials_drop_the_cached_token(app, make_company):
    system = _system(make_company())
    credentials.store_credentials(system, {"client_id": "c-1", "client_secret": "secret-1234"})
    credentials.store_access_token(system, "bearer-xyz", None)
    assert credentials.read_access_token(system) == ("bearer-xyz", None)

    credentials.store_credentials(system, {"client_id": "c-1", "client_secret": "secret-5678"})

    assert credentials.read_access_token(system) == (None, None)
    credentials.clear_credentials(system)
    assert (system.credentials_enc, system.secret_hint, credentials.read_credentials(system)) == (
        None, "", None,
    )  # fmt: skip


def test_rotate_secrets_reencrypts_everything_with_the_first_key(app, make_company, make_user):
    system = _system(make_company())
    credentials.store_credentials(system, {"client_id": "c-1", "client_secret": "secret-1234"})
    credentials.store_access_token(system, "bearer-xyz", None)
    user = make_user()
    user.totp_secret_enc = crypto.encrypt(
        "JBSWY3DPEHPK3PXP", aad=f"users:{user.id}:totp_secret_enc"
    )
    db.session.commit()
    app.config["SECRETS_KEYS"] = f"{NEW_KEY},{OLD_KEY}"

    result = app.test_cli_runner().invoke(args=["reviews", "rotate-secrets"])
    db.session.expire_all()

    assert result.exit_code == 0, result.output
    assert "rotated: 3, already current: 0" in result.output
    assert system.credentials_enc.startswith("v1:new2:")
    assert system.access_token_enc.startswith("v1:new2:")
    assert db.session.get(User, user.id).totp_secret_enc.startswith("v1:new2:")
    app.config["SECRETS_KEYS"] = NEW_KEY  # the old key can now go
    assert credentials.read_credentials(system)["client_secret"] == "secret-1234"
    assert credentials.read_access_token(system)[0] == "bearer-xyz"

    again = app.test_cli_runner().invoke(args=["reviews", "rotate-secrets"])
    assert "rotated: 0, already current: 3" in again.output


def test_rotate_secrets_reports_undecryptable_values_without_content(app, make_company):
    system = _system(make_company())
    credentials.store_credentials(system, {"token": "abcd-efgh-1234-5678"})
    system.credentials_enc = system.credentials_enc[:-6] + "AAAAAA"
    db.session.commit()
    app.config["SECRETS_KEYS"] = f"{NEW_KEY},{OLD_KEY}"

    result = app.test_cli_runner().invoke(args=["reviews", "rotate-secrets"])

    assert result.exit_code == 1
    assert f"review_systems:{system.id}:credentials_enc" in result.output
    assert "abcd" not in result.output
