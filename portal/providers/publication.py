"""Klantenvertellen/Kiyoh publication API: location statistics, the review list, invitations."""

from __future__ import annotations

from typing import Any

from portal.core.db import utcnow
from portal.providers.catalog import PROVIDER_LABELS, PUBLICATION, TENANT_IDS
from portal.providers.http import JsonReply
from portal.providers.invites import Invite
from portal.providers.parsing import Stats, parse_publication
from portal.providers.transport import RetryMode, Transport, validated

STATISTICS_PATH = "/v1/publication/review/external/location/statistics"
REVIEWS_PATH = "/v1/publication/review/external"
KV_INVITE_PATH = "/v1/invite/external"


class PublicationClient:
    """Klantenvertellen and Kiyoh: one platform, told apart by base URL, tenantId and name."""

    def __init__(self, transport: Transport, *, location_id: str, token: str) -> None:
        if transport.provider not in PUBLICATION:
            raise ValueError("PublicationClient serves Klantenvertellen and Kiyoh only")
        self.transport = transport
        self.provider = transport.provider
        self.tenant_id = TENANT_IDS[self.provider]
        self.name = PROVIDER_LABELS[self.provider]
        self.location_id = location_id
        self._token = token

    def _headers(self) -> dict[str, str]:
        return {"X-Publication-Api-Token": self._token}

    def statistics(self, *, retry: RetryMode = "sync") -> Stats:
        """Location statistics → validated Stats.

        :raises ProviderError: any failure (outcome per PROVIDERS.md §5 item 7).
        """
        reply = self.transport.call(
            "GET",
            STATISTICS_PATH,
            params={"locationId": self.location_id},
            headers=self._headers(),
            retry=retry,
        )
        return validated(
            self.transport, lambda: parse_publication(reply.data, self.provider, utcnow())
        )

    def reviews(
        self, *, limit: int = 25, order_by: str = "CREATE_DATE", retry: RetryMode = "sync"
    ) -> JsonReply:
        """The review list (location fields plus `reviews[]`), newest first, unparsed.

        :raises ProviderError: any failure.
        """
        params = {
            "locationId": self.location_id,
            "tenantId": self.tenant_id,
            "limit": limit,
            "orderBy": order_by,
            "sortOrder": "DESC",
        }
        return self.transport.call(
            "GET", REVIEWS_PATH, params=params, headers=self._headers(), retry=retry
        )

    def invite(self, invite: Invite) -> JsonReply:
        """POST /v1/invite/external; no retry after timeout/5xx, one after a 429.

        :raises ProviderError: any failure, also a 2xx carrying an `errorCode`.
        """
        body: dict[str, Any] = {
            "location_id": self.location_id,
            "tenantId": self.tenant_id,
            "invite_email": invite.email,
            "delay": invite.delay_days if invite.delay_days is not None else 0,
            "language": invite.language,
        }
        if invite.first_name:
            body["first_name"] = invite.first_name
        if invite.last_name:
            body["last_name"] = invite.last_name
        if invite.reference:
            body[self.transport.settings.kv_invite_ref_field] = invite.reference
        return self.transport.call(
            "POST",
            KV_INVITE_PATH,
            headers=self._headers(),
            json_body=body,
            timeout=self.transport.settings.invite_timeout,
            retry="invite",
        )
