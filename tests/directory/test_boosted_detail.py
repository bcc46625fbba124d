"""A boosted link to a member's ledenzoeker page loads it whole: its stylesheet is in the head."""

from __future__ import annotations

BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}


def test_boosted_member_page_is_a_full_page_load(client, listed):
    company = listed("Bakker Installaties", reviews=12)
    url = f"/ledenzoeker/{company.slug}"
    plain = client.get(url)
    assert plain.status_code == 200 and "/static/directory." in plain.text
    boosted = client.get(url, headers=BOOSTED)
    assert boosted.headers["HX-Redirect"] == url and boosted.get_data() == b""
    assert {"HX-Request", "HX-Boosted"} <= set(boosted.vary)
    again = client.get(f"{url}?ref=home", headers=BOOSTED)
    assert again.headers["HX-Redirect"] == f"{url}?ref=home"
