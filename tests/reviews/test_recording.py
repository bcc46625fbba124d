"""Writing a sync result: links the provider did not return this time are kept."""

from __future__ import annotations

from decimal import Decimal

from portal.extensions import db
from portal.reviews.models import Provider
from portal.reviews.recording import apply_stats

from .test_clients import SHOP, fbc_fetch, fbc_routes, reply

FBC_PAGE = "https://www.feedbackcompany.com/nl-nl/reviews/oude-pagina/"


def test_failing_shop_summary_keeps_the_stored_review_page_link(app, make_link):
    system = make_link(Provider.FEEDBACK_COMPANY, "client-9")
    system.profile_url, system.write_review_url = FBC_PAGE, "https://example.nl/schrijf"
    db.session.commit()
    result, _ = fbc_fetch(fbc_routes({("GET", SHOP): [reply(500)]}))

    apply_stats(system, result.stats)
    db.session.commit()

    db.session.expire_all()
    assert (system.score, system.review_count) == (Decimal("4.60"), 128)
    assert system.profile_url == FBC_PAGE
    assert system.write_review_url == "https://example.nl/schrijf"


def test_a_returned_review_page_link_replaces_the_stored_one(app, make_link):
    system = make_link(Provider.FEEDBACK_COMPANY, "client-9")
    system.profile_url = FBC_PAGE
    db.session.commit()
    result, _ = fbc_fetch(fbc_routes())

    apply_stats(system, result.stats)
    db.session.commit()

    db.session.expire_all()
    assert system.profile_url.endswith("/reviews/jansen-installatietechniek/")
