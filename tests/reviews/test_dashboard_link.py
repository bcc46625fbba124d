""" "Naar uw dashboard" follows the per-provider URL template from the settings."""

from __future__ import annotations

import pytest

from portal.config import ConfigError, load_config
from portal.extensions import db
from portal.reviews.dashboard import dashboard_url
from portal.reviews.models import Provider, ReviewSystem, SystemStatus

TEMPLATES = (
    "kiyoh=https://www.kiyoh.com/dashboard/{location_id}/reviews,"
    "klantenvertellen=https://www.klantenvertellen.nl/beheer?locatie={location_id}"
)


def test_default_is_the_provider_site_root():
    assert dashboard_url({}, Provider.KIYOH, "1234") == "https://www.kiyoh.com/"
    assert dashboard_url({}, Provider.OTHER, "1234") is None


def test_location_id_is_filled_in_and_encoded():
    config = {"PROVIDER_DASHBOARD_URLS": TEMPLATES}
    assert (
        dashboard_url(config, Provider.KIYOH, "1062")
        == "https://www.kiyoh.com/dashboard/1062/reviews"
    )
    assert (
        dashboard_url(config, Provider.KLANTENVERTELLEN, "../a b?x=1")
        == "https://www.klantenvertellen.nl/beheer?locatie=..%2Fa%20b%3Fx%3D1"
    )
    assert dashboard_url(config, Provider.KIYOH, "") == "https://www.kiyoh.com/"  # no id yet
    assert (
        dashboard_url(config, Provider.FEEDBACK_COMPANY, "9") == "https://www.feedbackcompany.com/"
    )


@pytest.mark.parametrize(
    "raw",
    [
        "kiyoh=http://www.kiyoh.com/{location_id}",  # not https
        "kiyoh=javascript:alert(1)",
        "kiyoh=https://www.kiyoh.com/{company}",  # unknown placeholder
        "trustpilot=https://www.trustpilot.com/",
        "kiyoh=",
    ],
)
def test_unsafe_templates_refuse_to_load(tmp_path, raw):
    with pytest.raises(ConfigError):
        load_config(str(tmp_path), {"PROVIDER_DASHBOARD_URLS": raw})


@pytest.mark.parametrize("app_config", [{"PROVIDER_DASHBOARD_URLS": TEMPLATES}])
def test_review_page_links_to_the_members_dashboard(client, make_user, login):
    boss = make_user()
    db.session.add(
        ReviewSystem(
            company_id=boss.company_id,
            provider=Provider.KIYOH,
            status=SystemStatus.ACTIVE,
            location_id="1062",
        )
    )
    db.session.commit()
    login(client, boss)
    page = client.get("/mijn-profiel/beoordelingen/").text
    assert 'href="https://www.kiyoh.com/dashboard/1062/reviews"' in page
    assert "Naar uw dashboard bij" in page
