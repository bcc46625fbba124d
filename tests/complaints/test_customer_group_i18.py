"""Customer group on a complaint (issue 18, seed 003 "per groep klanten"): intake, edit, filter,
statistics, export and report."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.complaints import stats
from portal.complaints.models import Complaint
from portal.extensions import db

INTAKE = {
    "complainant_name": "Karin Klager",
    "complainant_email": "karin@klant.example",
    "received_on": "2026-03-02",
    "channel": "phone",
    "subject": "Cv-ketel",
    "description": "Lekkage.",
    "severity": "normal",
}


def test_customer_group_from_intake_to_figures(client, login, member, make_complaint):
    login(client, member)
    bad = client.post("/mijn-profiel/klachten/nieuw", data=INTAKE | {"customer_group": "koning"})
    assert bad.status_code == 422
    assert (
        client.post(
            "/mijn-profiel/klachten/nieuw", data=INTAKE | {"customer_group": "vve"}
        ).status_code
        == 303
    )
    vve = db.session.scalars(select(Complaint)).one()
    assert vve.customer_group == "vve"
    other = make_complaint(
        member.company, customer_group="business", complainant_name="Zakelijke Klant"
    )
    assert "VvE" in client.get(f"/mijn-profiel/klachten/{vve.public_id}").text
    listed = client.get("/mijn-profiel/klachten/?klantgroep=vve").text
    assert vve.reference in listed and other.reference not in listed
    ignored = client.get("/mijn-profiel/klachten/?klantgroep=onzin").text
    assert vve.reference in ignored and other.reference in ignored
    rows = stats.load_rows(
        company_id=member.company_id, start=date(2026, 1, 1), end=date(2026, 12, 31)
    )
    figures = stats.compute(rows, start=date(2026, 1, 1), end=date(2026, 12, 31))
    assert dict(figures.by_customer_group) == {"VvE": 1, "Zakelijk": 1}
    page = client.get("/mijn-profiel/klachten/statistieken?van=2026-01-01&tot=2026-12-31").text
    assert "Per klantgroep" in page
    csv = client.get("/mijn-profiel/klachten/statistieken/export.csv?van=2026-01-01&tot=2026-12-31")
    assert "Klantgroep" in csv.data.decode("utf-8-sig").splitlines()[0]
    assert ";VvE;" in csv.data.decode("utf-8-sig")
