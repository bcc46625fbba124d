"""The ledenzoeker detail page points consumers to the member's complaint form."""

from __future__ import annotations

from portal.directory.entries import refresh_entry
from portal.extensions import db


def test_detail_page_links_to_complaint_form(client, make_company):
    company = make_company(slug="de-vries-installaties")
    refresh_entry(company.id)
    db.session.commit()
    page = client.get("/ledenzoeker/de-vries-installaties")
    assert page.status_code == 200
    assert 'href="/ledenzoeker/de-vries-installaties/klacht"' in page.text
    assert "Klacht over dit bedrijf? Meld het eerst hier" in page.text
    assert client.get("/ledenzoeker/de-vries-installaties/klacht").status_code == 200
