"""The review platforms the portal knows, and the fixed facts of their APIs."""

from __future__ import annotations

import enum


class Provider(enum.StrEnum):
    """Review platforms the portal knows."""

    KLANTENVERTELLEN = "klantenvertellen"
    KIYOH = "kiyoh"
    FEEDBACK_COMPANY = "feedback_company"
    OTHER = "other"


PROVIDER_LABELS = {
    Provider.KLANTENVERTELLEN: "Klantenvertellen",
    Provider.KIYOH: "Kiyoh",
    Provider.FEEDBACK_COMPANY: "Feedback Company",
    Provider.OTHER: "Ander systeem",
}
# Klantenvertellen and Kiyoh: one publication platform, told apart by base URL, tenantId and name.
PUBLICATION = (Provider.KLANTENVERTELLEN, Provider.KIYOH)
TENANT_IDS = {Provider.KLANTENVERTELLEN: 99, Provider.KIYOH: 98}
# Review-page URLs are kept only when https on the provider's own domain.
# Klantenvertellen and Kiyoh are one platform, so either domain is theirs.
PROVIDER_DOMAINS = {
    Provider.KLANTENVERTELLEN: ("klantenvertellen.nl", "kiyoh.com"),
    Provider.KIYOH: ("kiyoh.com", "klantenvertellen.nl"),
    Provider.FEEDBACK_COMPANY: ("feedbackcompany.com",),
}
