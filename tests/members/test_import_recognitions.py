"""Member import: optional erkenningen and vestigingsnummer columns, per-row Dutch errors."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.auth.models import Role
from portal.core.models import AuditEvent
from portal.extensions import db
from portal.members.models import Company, Recognition
from tests.members.test_import import company, confirm, counts_of, preview_of

HEADER = "lidnummer;KvK;statutaire naam;plaats;status;vestigingsnummer;erkenningen\n"


@pytest.fixture
def staff(client, make_user, login):
    user = make_user(role=Role.STAFF)
    login(client, user)
    return user


def _file(*rows: str) -> bytes:
    return (HEADER + "".join(rows)).encode()


def _recognitions() -> None:
    for slug, name in (
        ("vca", "VCA"),
        ("f-gassen", "F-gassen gecertificeerd"),
        ("sterkin", "Sterkin"),
    ):
        db.session.add(Recognition(slug=slug, name=name))
    db.session.commit()


def test_recognitions_and_establishment_number_are_imported(client, staff, make_company):
    _recognitions()
    make_company(member_number="L000002", kvk_number="87654321", legal_name="Bakker B.V.",
                 city="Zwolle", establishment_number="000011112222")  # fmt: skip
    batch_id, page = preview_of(client, _file(
        "L000001;12345678;Jansen B.V.;Utrecht;actief;0000 1234 5678;VCA, F-gassen gecertificeerd\n",
        "L000002;87654321;Bakker B.V.;Zwolle;actief;;sterkin\n",
    ))  # fmt: skip
    assert counts_of(page.text) == ("1", "1", "0", "0")
    assert "Erkenningen" in page.text and "Sterkin" in page.text  # the change, by name

    assert confirm(client, batch_id).status_code == 303
    new = company("L000001")
    assert new.establishment_number == "000012345678"
    assert [r.slug for r in new.recognitions] == ["f-gassen", "vca"]
    kept = company("L000002")
    assert kept.establishment_number == "000011112222"  # empty cell: unchanged
    assert [r.slug for r in kept.recognitions] == ["sterkin"]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "company.updated_by_import")
    ).one()
    assert event.changes == {"recognitions": {"old": [], "new": ["sterkin"]}}


def test_bad_recognition_or_establishment_number_blocks_the_import(client, staff):
    _recognitions()
    _batch_id, page = preview_of(client, _file(
        "L000001;12345678;Jansen B.V.;Utrecht;actief;12345;VCA\n",
        "L000002;87654321;Bakker B.V.;Zwolle;actief;;VCA, Keurmerk Gezellig\n",
    ))  # fmt: skip
    assert counts_of(page.text) == ("0", "0", "0", "2")
    assert "Vestigingsnummer &#39;12345&#39; is ongeldig: vul 12 cijfers in" in page.text
    assert "Onbekende erkenning &#39;Keurmerk Gezellig&#39;." in page.text
    assert "Import bevestigen" not in page.text
    assert db.session.scalar(select(func.count()).select_from(Company)) == 0


def test_upload_page_lists_the_optional_columns(client, staff):
    text = client.get("/beheer/leden/import/").text
    assert "Vestigingsnummer" in text and "Erkenningen" in text
    assert "erkenningen door ; of ," in text
