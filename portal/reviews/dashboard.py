""" "Naar uw dashboard": the link to a member's own dashboard at its review provider.

Each provider's URL is a template from the environment (`PROVIDER_DASHBOARD_URLS`), e.g.
`kiyoh=https://www.kiyoh.com/dashboard/{location_id}`. `{location_id}` is the member's location
id, percent-encoded as one path segment; without one the link falls back to the site root. Only
https links (http on loopback in development) are ever shown. This is the place where a
provider's single sign-on would go once one offers it; there is none now, so no fake SSO.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, urlsplit

# Keyed by the Provider values (a StrEnum), so the settings load without importing models.
DEFAULTS: dict[str, str] = {
    "klantenvertellen": "https://www.klantenvertellen.nl/",
    "kiyoh": "https://www.kiyoh.com/",
    "feedback_company": "https://www.feedbackcompany.com/",
}
PLACEHOLDER = "{location_id}"


class DashboardSettingError(ValueError):
    """PROVIDER_DASHBOARD_URLS names an unknown provider or holds an unsafe template."""


def _safe(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return bool(parts.hostname)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")


def parse_templates(raw: str) -> dict[str, str]:
    """`kiyoh=https://…/{location_id},klantenvertellen=…` → {Provider: template}.

    :raises DashboardSettingError: unknown provider, empty or non-https template, or another
        placeholder than {location_id}.
    """
    templates = dict(DEFAULTS)
    for part in (raw or "").split(","):
        part = part.strip()
        if not part:
            continue
        name, _sep, template = part.partition("=")
        provider = name.strip()
        if provider not in DEFAULTS:
            raise DashboardSettingError(f"PROVIDER_DASHBOARD_URLS: unknown provider {name!r}")
        template = template.strip()
        leftover = template.replace(PLACEHOLDER, "")
        if not template or "{" in leftover or "}" in leftover:
            raise DashboardSettingError(f"PROVIDER_DASHBOARD_URLS: bad template for {name!r}")
        if not _safe(template.replace(PLACEHOLDER, "x")):
            raise DashboardSettingError(f"PROVIDER_DASHBOARD_URLS: {name!r} must be an https URL")
        templates[provider] = template
    return templates


def dashboard_url(config: Mapping, provider: str, location_id: str | None) -> str | None:
    """The member's dashboard link for this provider, or None (no template, e.g. "other")."""
    template = parse_templates(config.get("PROVIDER_DASHBOARD_URLS", "")).get(str(provider))
    if template is None:
        return None
    if PLACEHOLDER in template:
        if not location_id:
            parts = urlsplit(template.replace(PLACEHOLDER, ""))
            return f"{parts.scheme}://{parts.netloc}/"
        template = template.replace(PLACEHOLDER, quote(location_id, safe=""))
    return template if _safe(template) else None
