"""Who is listed, what is public, and the open-data export."""

from __future__ import annotations

import csv
import io
import json

import pytest

from portal.directory.entries import refresh_all, refresh_entry
from portal.directory.models import DirectoryEntry
from portal.extensions import db
from portal.members.models import MembershipStatus
from tests.directory.test_search import FRAGMENT, names

SECRET = {
    "phone": "06 99887766",
    "email": "geheim@verborgen.example",
    "website": "https://verborgen.example",
    "description": "Verborgen omschrijving",
    "opening_hours": "Verborgen openingstijden",
    "street": "Geheimstraat",
}


def hidden_company(listed):
    return listed(
        "Discreet Installaties", slug="discreet", house_number="7", postcode="3512 XY",
        latitude=52.093456, longitude=5.118765, show_address=False, show_phone=False,
        show_email=False, show_website=False, show_description=False,
        show_opening_hours=False, **SECRET,
    )  # fmt: skip


def all_public_output(client) -> dict[str, str]:
    return {
        "search page": client.get("/ledenzoeker/?q=discreet").text,
        "fragment": client.get("/ledenzoeker/?q=discreet", headers=FRAGMENT).text,
        "detail": client.get("/ledenzoeker/discreet").text,
        "csv": client.get("/ledenzoeker/export.csv").text,
        "json": client.get("/ledenzoeker/export.json").text,
    }


def test_hidden_fields_never_leak(client, listed):
    hidden_company(listed)
    outputs = all_public_output(client)
    assert "Discreet Installaties" in outputs["detail"]
    for where, text in outputs.items():
        for field, value in SECRET.items():
            assert value not in text, f"{field} leaks in {where}"
        assert "3512 XY" not in text, f"postcode leaks in {where}"
        assert "52.093456" not in text and "5.118765" not in text, f"position leaks in {where}"
    entry = db.session.get(DirectoryEntry, db.session.query(DirectoryEntry.company_id).scalar())
    assert (entry.latitude, entry.longitude, entry.exact_location) == (52.09, 5.12, False)
    assert '"geo"' not in outputs["detail"]
    assert "Dit bedrijf heeft geen contactgegevens openbaar gemaakt." in outputs["detail"]


def test_visible_fields_are_shown(client, listed):
    listed("Open Installaties", slug="open", **SECRET, house_number="7", postcode="3512 XY")
    text = client.get("/ledenzoeker/open").text
    for value in SECRET.values():
        assert value in text


@pytest.mark.parametrize(
    "change",
    [
        {"membership_status": MembershipStatus.ENDED},
        {"membership_status": MembershipStatus.SUSPENDED},
        {"directory_opt_out": True},
    ],
)
def test_ended_suspended_and_opted_out_members_disappear(client, listed, change):
    company = listed("Oud Lid", slug="oud-lid")
    listed("Blijft Lid", slug="blijft")
    for key, value in change.items():
        setattr(company, key, value)
    refresh_entry(company.id)
    db.session.commit()
    assert names(client.get("/ledenzoeker/")) == ["Blijft Lid"]
    assert client.get("/ledenzoeker/oud-lid").status_code == 404
    assert "Oud Lid" not in client.get("/ledenzoeker/export.csv").text
    assert "Oud Lid" not in client.get("/ledenzoeker/export.json").text
    assert names(client.get("/ledenzoeker/?q=oud")) == []  # gone from the text index too


def test_refresh_all_rebuilds_and_prunes(app, listed, make_company):
    kept = listed("Blijft")
    gone = listed("Weg")
    make_company(legal_name="Nooit Gelist", trade_name="", directory_opt_out=True)
    gone.membership_status = MembershipStatus.ENDED
    kept.trade_name = "Nieuwe Naam"
    db.session.commit()
    assert refresh_all() == 1
    db.session.commit()
    assert [e.name for e in db.session.query(DirectoryEntry)] == ["Nieuwe Naam"]


def test_export_csv_has_public_fields_licence_and_date(client, listed, frozen_now):
    listed('=HYPERLINK("http://x")', slug="formule", phone="+31 30 123 4567")
    listed("Bakker Installaties", slug="bakker", reviews=23, specialisms=["CV", "Airco"])
    response = client.get("/ledenzoeker/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="ledenzoeker-' in response.headers["Content-Disposition"]
    assert "creativecommons.org/licenses/by/4.0" in response.headers["Link"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=";"))
    assert [r["naam"] for r in rows] == ["Bakker Installaties", '\'=HYPERLINK("http://x")']
    bakker = rows[0]
    assert bakker["url"] == "http://localhost/ledenzoeker/bakker"
    assert bakker["vakgebieden"] == "Airco, CV"
    assert (bakker["score"], bakker["schaal"], bakker["aantal_beoordelingen"]) == (
        "8.7",
        "10.0",
        "23",
    )
    assert bakker["beoordelingsplatform"] == "Klantenvertellen"
    assert bakker["licentie"].startswith("CC BY 4.0")
    assert bakker["peildatum"] == "2026-03-02"
    assert "kvk" not in ";".join(rows[0]).lower()


def test_export_json_states_licence_and_date_and_hides_unripe_scores(client, listed, frozen_now):
    listed("Bakker Installaties", slug="bakker", reviews=4)
    response = client.get("/ledenzoeker/export.json")
    data = json.loads(response.text)
    assert data["licentie"]["naam"] == "CC BY 4.0"
    assert data["peildatum"] == "2026-03-02"
    assert len(data["bedrijven"]) == 1
    record = data["bedrijven"][0]
    assert record["naam"] == "Bakker Installaties"
    assert record["score"] is None and record["aantal_beoordelingen"] is None
    assert set(record) == {
        "naam", "url", "plaats", "postcodegebied", "website", "openingstijden", "vakgebieden",
        "erkenningen", "lid_sinds", "score", "schaal", "aantal_beoordelingen",
        "beoordelingsplatform", "score_bijgewerkt",
    }  # fmt: skip


def test_bulk_export_holds_no_contact_data_even_when_shown_on_the_page(client, listed):
    """Issue 14: every listed e-mail address and phone number went out in one request."""
    listed("Open Installaties", slug="open", **SECRET, house_number="7", postcode="3512 XY",
           latitude=52.093456, longitude=5.118765)  # fmt: skip
    page = client.get("/ledenzoeker/open").text
    assert SECRET["email"] in page and SECRET["phone"] in page  # the member shows them
    csv_text = client.get("/ledenzoeker/export.csv").text
    json_text = client.get("/ledenzoeker/export.json").text
    for text in (csv_text, json_text):
        for field in ("email", "phone", "street", "description"):
            assert SECRET[field] not in text, field
        assert "3512 XY" not in text and "52.093456" not in text
        assert "@" not in text.split("bedrijven", 1)[-1]
    record = json.loads(json_text)["bedrijven"][0]
    assert record["website"] == SECRET["website"] and record["postcodegebied"] == "3512"
    assert record["openingstijden"] == SECRET["opening_hours"]
    header = csv_text.lstrip("\ufeff").splitlines()[0].split(";")
    assert not {"email", "telefoon", "adres", "postcode", "omschrijving"} & set(header)


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_exports_are_rate_limited_per_ip_together(client, listed):
    listed("Bakker Installaties", slug="bakker")
    paths = ["/ledenzoeker/export.csv", "/ledenzoeker/export.json"] * 5
    assert [client.get(path).status_code for path in paths] == [200] * 10
    refused = client.get("/ledenzoeker/export.json")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "Te veel pogingen" in refused.text
    other_ip = client.get("/ledenzoeker/export.csv", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other_ip.status_code == 200


def test_export_streams_in_batches(client, listed, monkeypatch):
    monkeypatch.setattr("portal.directory.publish.BATCH", 2)
    for n in range(5):
        listed(f"Bedrijf {n}")
    data = json.loads(client.get("/ledenzoeker/export.json").text)
    assert [b["naam"] for b in data["bedrijven"]] == [f"Bedrijf {n}" for n in range(5)]
