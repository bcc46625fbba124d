"""The ledenzoeker's map data: a search's result set as GeoJSON, and the map's settings.

Only public fields of listed members travel: slug, name, place and the position the directory
row holds (exact when the member shows its address, else rounded to about a kilometre).
The tile URL and attribution are settings (DIRECTORY_MAP_TILE_URL, ..._ATTRIBUTION); the
Content-Security-Policy of the search page allows images from that one tile host only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote, urlencode, urlsplit

from flask import current_app, url_for

from portal.config import PDOK_TILES_URL
from portal.core import i18n
from portal.core.security import CSP
from portal.directory.forms import SearchQuery
from portal.directory.services import MapPoints

# The Dutch government's BRT-Achtergrondkaart (PDOK): public, no tracking, no key.
DEFAULT_TILE_URL = PDOK_TILES_URL
DEFAULT_ATTRIBUTION = "Kaartgegevens © Kadaster (BRT-Achtergrondkaart, PDOK)"
MAX_ZOOM = 19


def tile_url() -> str:
    """The configured tile URL template ({z}/{x}/{y})."""
    return current_app.config.get("DIRECTORY_MAP_TILE_URL") or DEFAULT_TILE_URL


def attribution() -> str:
    """The attribution the tile provider asks for (plain text)."""
    return current_app.config.get("DIRECTORY_MAP_ATTRIBUTION") or DEFAULT_ATTRIBUTION


def tile_origin(url: str) -> str:
    """`https://host[:port]` of a tile URL template, for the CSP's img-src."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def page_csp() -> str:
    """The site's CSP with images also allowed from the tile host (the search page only)."""
    return CSP.replace("img-src 'self' data:", f"img-src 'self' data: {tile_origin(tile_url())}")


def geojson(found: MapPoints, *, detail_url: Callable[[str], str], message: str = "") -> str:
    """A FeatureCollection of the points; `detail_url(slug)` is the member's page as the popup
    links it (language and way back to the search included), so the script joins no URLs."""
    features = [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [round(row.longitude, 5), round(row.latitude, 5)],
            },
            "properties": {
                "slug": row.slug,
                "url": detail_url(row.slug),
                "naam": row.name,
                "plaats": row.city,
                "bij_benadering": not row.exact_location,
            },
        }
        for row in found.points
    ]
    data = {
        "type": "FeatureCollection",
        "features": features,
        "afgekapt": found.truncated,
        "melding": message,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def detail_url(query: SearchQuery) -> Callable[[str], str]:
    """A member's page as the map's popup links it: like the list's links, the way back to the
    search (every page: the map has none) in `terug` and the visitor's language in `lang`."""
    base = url_for("directory.index", lang=None)
    args: dict[str, str] = {}
    back = urlencode(query.url_args(page=1), doseq=True)
    if back:
        args["terug"] = back
    if kept := i18n.page_language():
        args[i18n.LANG_ARG] = kept
    suffix = ("?" + urlencode(args)) if args else ""
    return lambda slug: base + quote(slug, safe="") + suffix
