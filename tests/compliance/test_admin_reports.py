"""Summary page and history, audit-log search (read-only), admin settings and specialisms."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from portal.compliance import reports
from portal.core import audit
from portal.core.models import AuditEvent
from portal.core.settings import get_setting
from portal.extensions import db
from portal.members.models import Specialism
from portal.reviews.models import Provider, SystemStatus


def test_history_rebuilds_status_per_month(app, make_company, make_system):
    joined = make_company(
        member_since=date(2025, 1, 1), created_at=datetime(2025, 1, 1, tzinfo=UTC)
    )
    system = make_system(
        joined,
        Provider.OTHER,
        SystemStatus.APPROVED,
        created_at=datetime(2025, 2, 10, tzinfo=UTC),
    )
    event = audit.record(
        "review_system.approved", subject_type="review_system", subject_id=system.public_id
    )
    event.created_at = datetime(2025, 4, 5, tzinfo=UTC)
    db.session.commit()
    points = reports.history(date(2025, 5, 20), months=5, deadline_days=21)
    got = [(d.isoformat(), {k.value: v for k, v in c.items() if v}) for d, c in points]
    assert got == [
        ("2025-01-31", {"voldoet_niet": 1}),  # deadline 22 January passed, no system yet
        ("2025-02-28", {"in_behandeling": 1}),  # submitted, waiting for a decision
        ("2025-03-31", {"in_behandeling": 1}),
        ("2025-04-30", {"voldoet": 1}),  # approved on 5 April (audit trail)
        ("2025-05-20", {"voldoet": 1}),
    ]


def test_stacked_chart_geometry():
    from portal.compliance.status import ComplianceStatus as CS

    chart = reports.stacked_chart(
        [(date(2026, 1, 31), {CS.VOLDOET: 30, CS.IN_BEHANDELING: 10, CS.VOLDOET_NIET: 0})],
        height=240,
    )
    bar = chart.bars[0]
    assert bar.total == 40 and bar.label == "jan 26"
    ok, pending, failing = bar.segments
    assert ok.height == 151.5 and pending.height == 50.5 and failing.height == 0
    assert ok.y + ok.height == chart.base_y and pending.y + pending.height == ok.y


def test_summary_page(staff_client, make_company, make_system):
    make_system(make_company(postcode="9711 AB"))
    make_company(postcode="6211 AA", member_since=date(2020, 1, 1))
    page = staff_client.get("/beheer/criterium-2/rapportage")
    assert page.status_code == 200
    assert "<svg" in page.text and "c2-fill-voldoet" in page.text and "style=" not in page.text
    assert ">Groningen</a>" in page.text and ">Limburg</a>" in page.text
    assert ">Drenthe</a>" not in page.text  # provinces without members are left out


def test_audit_log_search_and_pagination(staff_client, make_company):
    company = make_company(member_number="L000777")
    audit.record(
        "review_system.approved", company=company, subject_type="review_system", subject_id="abc"
    )
    for n in range(60):
        audit.record("settings.updated", subject_type="settings", subject_id=f"s{n}")
    db.session.commit()
    page = staff_client.get("/beheer/audit")
    assert "61 regels gevonden" in page.text and "/beheer/audit?page=2" in page.text
    found = staff_client.get("/beheer/audit?lid=L000777")
    assert "1 regels gevonden" in found.text and "review_system.approved" in found.text
    assert "1 regels gevonden" in staff_client.get("/beheer/audit?actie=review_system").text
    assert "0 regels gevonden" in staff_client.get("/beheer/audit?q=%25_").text
    today = datetime.now(UTC).date()
    later = (today + timedelta(days=2)).isoformat()
    assert "0 regels gevonden" in staff_client.get(f"/beheer/audit?van={later}").text
    assert staff_client.get("/beheer/audit?van=gisteren&page=-3").status_code == 200


def test_audit_log_is_read_only(staff_client):
    assert staff_client.post("/beheer/audit").status_code == 405
    assert staff_client.delete("/beheer/audit").status_code == 405


def test_admin_changes_settings(client, admin, login):
    login(client, admin)
    assert get_setting("publication_min") == 5
    bad = client.post("/beheer/instellingen", data={"publication_min": "0"})
    assert bad.status_code == 422
    values = {
        "publication_min": "7",
        "deadline_days": "28",
        "reminder_interval_days": "30",
        "reminder_batch_max": "100",
        "broken_link_days": "10",
        "below_minimum_months": "3",
    }
    assert client.post("/beheer/instellingen", data=values).status_code == 303
    assert get_setting("publication_min") == 7 and get_setting("deadline_days") == 28
    event = db.session.scalars(select(AuditEvent)).one()
    assert event.action == "settings.updated" and event.actor_id == admin.id
    assert event.changes["publication_min"] == {"old": 5, "new": 7}


def test_get_setting_default_order(app):
    assert get_setting("reminder_interval_days") == 14
    assert get_setting("reminder_interval_days", 3) == 3


def test_admin_manages_specialisms(client, admin, login):
    login(client, admin)
    assert (
        client.post(
            "/beheer/vakgebieden", data={"name": "Warmtepompen & koeling", "active": "y"}
        ).status_code
        == 303
    )
    item = db.session.scalars(select(Specialism)).one()
    assert (item.slug, item.active) == ("warmtepompen-koeling", True)
    assert (
        client.post("/beheer/vakgebieden", data={"name": "warmtepompen & KOELING"}).status_code
        == 422
    )
    renamed = client.post(f"/beheer/vakgebieden/{item.slug}", data={"name": "Warmtepompen"})
    assert renamed.status_code == 303
    db.session.refresh(item)
    assert (item.name, item.active, item.slug) == ("Warmtepompen", False, "warmtepompen-koeling")
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["specialism.created", "specialism.updated"]
