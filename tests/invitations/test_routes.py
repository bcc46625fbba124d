"""Invitation pages: gating by agreement, preview, progress fragment, QR codes, access control."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from portal.agreements import services as agreements
from portal.auth.models import CompanyRole
from portal.extensions import db
from portal.invitations import sending
from portal.invitations.models import Invitation, InviteUpload
from tests.invitations.files import customer_csv

BASE = "/mijn-profiel/uitnodigen/"


def post_list(client, data: bytes = b"", *, name: str = "klanten.csv", informed: bool = True):
    form = {"file": (io.BytesIO(data or customer_csv(3)), name), "delay": "0"}
    if informed:
        form["informed"] = "y"
    return client.post(BASE + "uploaden", data=form, content_type="multipart/form-data")


def uploads() -> int:
    return db.session.scalar(select(func.count()).select_from(InviteUpload))


def test_index_shows_easy_link_copy_button_and_qr(client, login, ready_member):
    login(client, ready_member())
    page = client.get(BASE)
    assert page.status_code == 200
    assert "https://www.klantenvertellen.nl/invite-link/1000001/" in page.text
    assert 'data-copy-target="invite-url"' in page.text
    png = client.get(BASE + "qr.png")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    svg = client.get(BASE + "qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data and b"<script" not in svg.data
    assert svg.headers["Content-Disposition"].startswith("attachment")


def test_upload_is_blocked_until_the_agreement_is_accepted(client, login, ready_member):
    user = ready_member(accepted=False)
    login(client, user)
    assert "nog niet geaccepteerd" in client.get(BASE).text
    response = post_list(client)
    assert (
        response.status_code == 422
        and "verwerkersovereenkomst nog niet geaccepteerd" in response.text
    )
    assert uploads() == 0


def test_new_agreement_version_blocks_uploads_again(
    client, login, ready_member, publish_new_agreement
):
    user = ready_member()
    draft = publish_new_agreement()
    login(client, user)
    assert post_list(client).status_code == 422
    agreements.accept(user.company, draft, by=user, signatory_name="A")
    db.session.commit()
    assert post_list(client).status_code == 303
    assert uploads() == 1


def test_informed_confirmation_is_required(client, login, ready_member):
    login(client, ready_member())
    response = post_list(client, informed=False)
    assert (
        response.status_code == 422
        and "Bevestig dat uw klanten zijn geïnformeerd." in response.text
    )
    assert uploads() == 0


def test_hostile_file_gets_a_dutch_message_through_the_page(client, login, ready_member):
    login(client, ready_member())
    response = post_list(client, b"email\na@b.nl\x00", name="k.csv")
    assert response.status_code == 422
    assert (
        "Het bestand bevat ongeldige tekens (NUL)" in response.text
        and "Er is niets ingelezen" in response.text
    )
    assert uploads() == 0


def test_preview_confirm_progress_and_fragment(client, login, ready_member, emulator):
    login(client, ready_member())
    created = post_list(client, customer_csv(2) + b"geen-adres;X;Y;Z\n")
    assert created.status_code == 303
    detail = created.headers["Location"]
    preview = client.get(detail)
    assert (
        "klant0@klant.example" in preview.text
        and "Rij 4 heeft een ongeldig e-mailadres." in preview.text
    )
    assert "2 uitnodigingen versturen" in preview.text
    confirmed = client.post(detail + "/versturen", data={"delay": "1"})
    assert confirmed.status_code == 303
    hx = {"HX-Request": "true", "HX-Target": "invite-progress"}
    waiting = client.get(detail, headers=hx)
    assert (
        "<html" not in waiting.text
        and 'hx-trigger="every 2s"' in waiting.text
        and "Bezig: 0 van 2" in waiting.text
    )
    assert "HX-Request" in waiting.headers["Vary"]
    sending.run()
    done = client.get(detail, headers=hx)
    assert "Klaar: 2 van 2" in done.text and "hx-trigger" not in done.text
    full = client.get(detail)
    assert "<html" in full.text and "Klaar: 2 van 2" in full.text


def test_member_can_delete_a_list_at_once(client, login, ready_member):
    login(client, ready_member())
    detail = post_list(client).headers["Location"]
    assert client.post(detail + "/verwijderen").status_code == 303
    assert uploads() == 0
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


def test_medewerker_cannot_upload(client, login, ready_member, make_user):
    owner = ready_member()
    colleague = make_user(company=owner.company, company_role=CompanyRole.MEDEWERKER)
    login(client, colleague)
    assert post_list(client).status_code == 403
    assert uploads() == 0


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("post", "/versturen"), ("post", "/opnieuw"), ("post", "/verwijderen")],
)
def test_other_companys_list_is_404(client, login, ready_member, method, suffix):
    owner = ready_member()
    login(client, owner)
    detail = post_list(client).headers["Location"]
    other = ready_member("klantenvertellen", "1000002")
    login(client, other)
    response = getattr(client, method)(detail + suffix)
    assert response.status_code == 404
    assert uploads() == 1


def test_staff_get_404_on_member_pages(client, login, make_user):
    login(client, make_user(role="staff"))
    assert client.get(BASE).status_code == 404
