"""WTForms' own messages come from one parsed catalogue per language per process
(portal/core/i18n.py FormMessages), and still follow the page language."""

from __future__ import annotations

from collections import Counter

import pytest
from babel import support

from portal.core import i18n
from tests.conftest import accept_agreement

DUTCH = "Veld mag niet langer zijn dan 100 karakters."
ENGLISH = "Field cannot be longer than 100 characters."


@pytest.fixture
def parses(monkeypatch):
    """WTForms catalogue parses per language, from a process that has parsed none yet."""
    counted: Counter = Counter()
    load = support.Translations.load

    def counting(dirname=None, locales=None, domain=None):
        if domain == "wtforms":
            counted[str(locales[0])] += 1
        return load(dirname, locales, domain)

    monkeypatch.setattr(support.Translations, "load", counting)
    i18n.FORM_MESSAGES.clear()
    yield counted
    i18n.FORM_MESSAGES.clear()


def test_each_language_is_parsed_once_and_the_text_follows_the_page(
    client, listed, make_user, parses
):
    company = listed("Klacht BV")
    accept_agreement(company, make_user(company=company))
    form = {"complainant_name": "Jan", "complainant_city": "x" * 101}  # a WTForms Length message
    for round_ in range(6):
        for query, wanted, other in (("", DUTCH, ENGLISH), ("?lang=en", ENGLISH, DUTCH)):
            response = client.post(f"/ledenzoeker/{company.slug}/klacht{query}", data=form)
            assert response.status_code == 422, (round_, query)
            assert wanted in response.text and other not in response.text, (round_, query)
    assert parses == {"nl": 1, "en": 1}


def test_forced_language_is_followed(app, parses):
    from flask_babel import force_locale
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict
    from wtforms import StringField
    from wtforms.validators import Length

    class Probe(FlaskForm):
        class Meta:
            csrf = False

        city = StringField(validators=[Length(max=100)])

    with app.test_request_context("/"):
        probe = Probe(MultiDict({"city": "x" * 101}))
        assert not probe.validate() and probe.city.errors == [DUTCH]
        with force_locale("en"):
            probe = Probe(MultiDict({"city": "x" * 101}))
            assert not probe.validate() and probe.city.errors == [ENGLISH]
    assert parses == {"nl": 1, "en": 1}
