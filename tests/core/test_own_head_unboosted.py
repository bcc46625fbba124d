"""A page with its own head assets is loaded whole (portal/core/htmx.py) and is not boosted away
from either: its <body> says hx-boost="false", so a link from it loads the next page whole and
the map's stylesheets, scripts and Content-Security-Policy do not linger. Pages without their
own head stay boosted."""

from __future__ import annotations

import re

import pytest

BODY = re.compile(r"<body\b[^>]*>")


def _boost(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    attribute = re.search(r'hx-boost="(\w+)"', BODY.search(response.text).group(0))
    return attribute.group(1) if attribute else ""


@pytest.mark.parametrize("url", ["/ledenzoeker/", "/ledenzoeker/over-de-scores"])
def test_pages_with_their_own_head_are_not_boosted(client, url):
    assert _boost(client, url) == "false"


@pytest.mark.parametrize("url", ["/", "/privacy", "/inloggen"])
def test_other_pages_stay_boosted(client, url):
    assert _boost(client, url) == "true"
