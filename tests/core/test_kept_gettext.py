"""Templates' fixed strings are translated once per catalogue (portal/core/i18n.py): the same
answers in each language, variables still filled in and escaped, one catalogue look-up."""

from __future__ import annotations

from flask import render_template_string as render

from portal.core import i18n

SORTED = '{{ _("Gesorteerd op naam (A tot Z).") }}'


def _page(app, lang: str, source: str, **context) -> str:
    # A new application context: `g` (which holds the request's catalogue) as in a request.
    with app.app_context(), app.test_request_context(f"/ledenzoeker/?lang={lang}"):
        app.preprocess_request()
        return render(source, **context)


def test_each_language_gets_its_own_answer(app):
    for _ in range(2):
        assert _page(app, "en", SORTED) == "Sorted by name (A to Z)."
        assert _page(app, "nl", SORTED) == "Gesorteerd op naam (A tot Z)."
        assert _page(app, "en", '{{ gettext("Gesorteerd op naam (A tot Z).") }}') == (
            "Sorted by name (A to Z)."
        )


def test_variables_are_filled_in_and_escaped(app):
    source = '{{ _("Kies %(x)s", x=value) }}|{{ _("100%% zeker") }}'
    for _ in range(2):
        assert _page(app, "nl", source, value="<b>") == "Kies &lt;b&gt;|100% zeker"
        assert _page(app, "nl", source, value="c&a") == "Kies c&amp;a|100% zeker"


def test_without_autoescape_the_answer_is_plain_text(app):
    source = '{% autoescape false %}{{ _("a & b") }} {{ "<i>" }}{% endautoescape %}'
    assert _page(app, "nl", source) == "a & b <i>"
    assert _page(app, "nl", source) == "a & b <i>"


def test_a_fixed_string_is_looked_up_once_per_catalogue(app, monkeypatch):
    asked: list[str] = []

    class Counting:
        def __init__(self, inner):
            self.inner = inner

        def ugettext(self, text):
            asked.append(text)
            return self.inner.ugettext(text)

    wrapped: dict[str, Counting] = {}
    real = i18n.get_translations

    def translations():
        found = real()
        return wrapped.setdefault(str(i18n.get_locale()), Counting(found))

    monkeypatch.setattr(i18n, "get_translations", translations)
    for _ in range(3):
        assert _page(app, "en", SORTED) == "Sorted by name (A to Z)."
        assert _page(app, "nl", SORTED) == "Gesorteerd op naam (A tot Z)."
    assert asked == ["Gesorteerd op naam (A tot Z)."] * 2


def test_a_template_may_still_bring_its_own_gettext(app):
    source = '{{ _("x") }}'
    with app.test_request_context("/"):
        assert render(source, gettext=lambda text: text.upper()) == "X"
