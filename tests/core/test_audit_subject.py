"""audit.record(subject=obj): the type and public id come from the record (issue 16)."""

from __future__ import annotations

from werkzeug.local import LocalProxy

from portal.core import audit
from portal.extensions import db


def test_subject_gives_snake_case_type_and_public_id(app, make_company):
    company = make_company()
    event = audit.record("company.updated", subject=company)
    db.session.flush()
    assert (event.subject_type, event.subject_id) == ("company", company.public_id)


def test_subject_behind_a_proxy_is_named_by_its_object(app, make_company):
    company = make_company()
    event = audit.record("company.updated", subject=LocalProxy(lambda: company))
    assert (event.subject_type, event.subject_id) == ("company", company.public_id)


def test_two_word_class_names_are_snake_case():
    class ReviewSystem:
        public_id = "abc"

    assert audit.subject_type_of(ReviewSystem()) == "review_system"
