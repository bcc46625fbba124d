"""Bulk UPDATEs of versioned rows move the version on (issue 14 §3).

An edit form opened before a bulk change (erasure's pseudonym, retention's unlink) must go stale,
or its save would write the old values back over the change.
"""

from __future__ import annotations

from portal.auth.models import CompanyRole
from portal.complaints.models import Complaint
from portal.extensions import db
from portal.privacy.erasure import erase_user
from tests.conftest import accept_agreement
from tests.core.test_concurrency import CONFLICT, form_data


def test_edit_form_opened_before_an_erasure_cannot_restore_the_name(
    app, make_user, login, make_complaint
):
    owner = make_user()
    accept_agreement(owner.company, owner)
    leaver = make_user(
        company=owner.company, company_role=CompanyRole.MEDEWERKER, name="Lea Vertrokken"
    )
    complaint = make_complaint(owner.company, by=leaver)
    assert complaint.received_by == "Lea Vertrokken"
    client = app.test_client()
    login(client, owner)
    page = f"/mijn-profiel/klachten/{complaint.public_id}/bewerken"
    seen = form_data(client, page, page)

    erase_user(db.session.get(type(leaver), leaver.id), by=None)
    db.session.commit()

    response = client.post(page, data=seen | {"resolution": "Kraan vervangen"})
    assert response.status_code == 409
    assert CONFLICT in response.text
    db.session.expire_all()
    stored = db.session.get(Complaint, complaint.id)
    assert stored.received_by.startswith("verwijderde gebruiker")
    assert "Lea Vertrokken" not in response.text.split(CONFLICT)[1][:2000]
