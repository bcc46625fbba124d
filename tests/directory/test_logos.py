"""Member logos in the ledenzoeker: resized once, shared, 404 for unlisted members, safe headers."""

from __future__ import annotations

import io

from PIL import Image

from portal.directory.entries import refresh_entry
from portal.directory.models import DirectoryLogo
from portal.extensions import db
from portal.members import services as members
from tests.directory.test_search import FRAGMENT


def png(width: int = 600, height: int = 300) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def with_logo(listed, name="Bakker Installaties", **fields):
    company = listed(name, **fields)
    members.store_logo(company, png(), by=None)
    db.session.commit()
    return company


def logo_url(response) -> str:
    import re

    return re.search(r'<img class="directory-card-logo" src="([^"]+)"', response.text).group(1)


def test_cards_and_detail_page_show_the_resized_logo(client, listed):
    company = with_logo(listed)
    listed("Jansen Loodgieters")  # no logo: no image
    results = client.get("/ledenzoeker/", headers=FRAGMENT)
    assert results.text.count('class="directory-card-logo"') == 1
    url = logo_url(results).replace("&amp;", "&")
    assert url.startswith(f"/ledenzoeker/{company.slug}/logo.png?formaat=kaart&v=")
    thumb = client.get(url)
    assert thumb.status_code == 200 and thumb.mimetype == "image/png"
    assert Image.open(io.BytesIO(thumb.data)).size == (192, 96)
    page = client.get(f"/ledenzoeker/{company.slug}")
    assert 'class="directory-logo"' in page.text and "Logo van Bakker Installaties" in page.text
    big = client.get(f"/ledenzoeker/{company.slug}/logo.png")
    assert Image.open(io.BytesIO(big.data)).size == (480, 240)
    assert db.session.query(DirectoryLogo).count() == 2  # resized once, kept for every worker


def test_logo_headers_are_safe_and_tied_to_the_directory_version(client, listed):
    company = with_logo(listed)
    response = client.get(f"/ledenzoeker/{company.slug}/logo.png?formaat=kaart")
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "public" in response.headers["Cache-Control"]
    assert "max-age=60" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    again = client.get(
        f"/ledenzoeker/{company.slug}/logo.png?formaat=kaart", headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    listed("Nog Een Bedrijf")  # another refresh moves the directory version on
    moved = client.get(
        f"/ledenzoeker/{company.slug}/logo.png?formaat=kaart", headers={"If-None-Match": etag}
    )
    assert moved.status_code == 200 and moved.headers["ETag"] != etag


def test_a_new_logo_gets_a_new_version_and_is_resized_again(client, listed):
    company = with_logo(listed)
    first = logo_url(client.get("/ledenzoeker/", headers=FRAGMENT))
    client.get(first.replace("&amp;", "&"))
    out = io.BytesIO()
    Image.new("RGB", (300, 300), (0, 0, 200)).save(out, "PNG")
    company.logo_updated_at = None  # a later upload moment than the first
    members.store_logo(company, out.getvalue(), by=None)
    db.session.commit()
    second = logo_url(client.get("/ledenzoeker/", headers=FRAGMENT))
    assert second != first
    image = Image.open(io.BytesIO(client.get(second.replace("&amp;", "&")).data))
    assert image.size == (96, 96) and image.convert("RGB").getpixel((40, 40)) == (0, 0, 200)


def test_logo_answers_404_for_unlisted_opted_out_or_missing(client, listed, make_company):
    company = with_logo(listed)
    assert client.get(f"/ledenzoeker/{company.slug}/logo.png").status_code == 200
    plain = listed("Jansen Loodgieters")
    assert client.get(f"/ledenzoeker/{plain.slug}/logo.png").status_code == 404
    assert client.get("/ledenzoeker/bestaat-niet/logo.png").status_code == 404
    assert client.get(f"/ledenzoeker/{company.slug}/logo.png?formaat=enorm").status_code == 404
    hidden = make_company(legal_name="Verborgen", trade_name="", directory_opt_out=True)
    members.store_logo(hidden, png(), by=None)
    db.session.commit()
    assert client.get(f"/ledenzoeker/{hidden.slug}/logo.png").status_code == 404
    company.directory_opt_out = True
    refresh_entry(company.id)
    db.session.commit()
    assert client.get(f"/ledenzoeker/{company.slug}/logo.png").status_code == 404


def test_removing_the_logo_removes_it_from_the_ledenzoeker(client, listed):
    company = with_logo(listed)
    members.remove_logo(company, by=None)
    db.session.commit()
    assert 'class="directory-card-logo"' not in client.get("/ledenzoeker/").text
    assert client.get(f"/ledenzoeker/{company.slug}/logo.png").status_code == 404
