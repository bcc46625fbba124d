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


def test_no_record_passes_its_own_type_and_id_by_hand():
    """`audit.record(subject=obj)` names a record; spelling `subject_id=obj.public_id` (or
    `.id`, `.slug`, `.key`) with a hand-written type is the idiom issue 16 replaced. Spelled
    ids stay for what has no record to pass: a deleted row named by its pseudonym or member
    number, a customer's hash, a set of rows ("*"), a setting, an id read before a sync."""
    import ast
    from pathlib import Path

    from portal import ROOT

    found = []
    for path in sorted(Path(ROOT, "portal").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and ast.unparse(node.func) == "audit.record"):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            value = keywords.get("subject_id")
            if value is None or "subject_type" not in keywords:
                continue
            if any(isinstance(part, ast.Attribute) for part in ast.walk(value)):
                found.append(f"{relative}:{node.lineno} {ast.unparse(node.args[0])}")
    assert found == []


def test_a_record_without_public_id_is_named_by_its_natural_key(app):
    from portal.admin.specialisms import add_specialism
    from portal.core.models import AuditEvent

    specialism = add_specialism("Warmtepompen", active=True, by=None)  # type: ignore[arg-type]
    event = db.session.scalars(db.select(AuditEvent)).one()
    assert (event.subject_type, event.subject_id) == ("specialism", specialism.slug)
