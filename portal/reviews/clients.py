"""Review-provider clients: Klantenvertellen/Kiyoh publication API and Feedback Company v2.

`fetch_stats` and `send_invite` are the public entry points; the sync engine uses
`fetch_link`, which also hands back a refreshed FBC access token for caching in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
from flask import current_app

from portal.core.db import utcnow
from portal.reviews import errors as out
from portal.reviews.errors import ProviderError
from portal.reviews.feed import FeedClient
from portal.reviews.http import HostGate, JsonReply
from portal.reviews.models import PROVIDER_LABELS, Provider
from portal.reviews.parsing import (
    Invalid,
    Stats,
    parse_fbc_summary,
    parse_publication,
    parse_token,
)
from portal.reviews.settings import (
    TENANT_IDS,
    HttpSettings,
    RetryPolicy,
    http_settings,
    retry_policy,
)
from portal.reviews.transport import RetryMode, Transport

STATISTICS_PATH = "/v1/publication/review/external/location/statistics"
REVIEWS_PATH = "/v1/publication/review/external"
KV_INVITE_PATH = "/v1/invite/external"
FBC_TOKEN_PATH = "/api/v2/oauth2/token"  # noqa: S105 - a path, not a secret
FBC_SUMMARY_PATH = "/api/v2/review/summary/"
FBC_SHOP_PATH = "/api/v2/shop/summary/"
FBC_ORDERS_PATH = "/api/v2/orders"
TOKEN_MAX_AGE = timedelta(days=20)
TOKEN_MARGIN = timedelta(minutes=5)
PUBLICATION = (Provider.KLANTENVERTELLEN, Provider.KIYOH)


def _validated(transport: Transport, parse: Any) -> Stats:
    """Run a parser; turn its Invalid into the link's ProviderError."""
    try:
        return parse()
    except Invalid as exc:
        error = transport.error(exc.outcome, exc.detail, http_status=200)
        error.attempts = transport.attempts
        raise error from None


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
        return _validated(
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


class FeedbackCompanyClient:
    """Feedback Company API v2: GET token exchange, bearer data calls, one refresh on 401."""

    def __init__(
        self,
        transport: Transport,
        *,
        client_id: str,
        client_secret: str,
        access_token: str | None = None,
        token_expires_at: datetime | None = None,
    ) -> None:
        self.transport = transport
        self.client_id = client_id
        self._secret = client_secret
        self.access_token = access_token
        self.token_expires_at = token_expires_at
        self.token_refreshed = False

    def refresh_token(self, *, retry: RetryMode = "sync") -> None:
        """Fetch a new access token (credentials in the query, as the provider wants).

        :raises ProviderError: the token call failed or returned no token.
        """
        params = {
            "client_id": self.client_id,
            "client_secret": self._secret,
            "grant_type": "authorization_code",
        }
        try:
            reply = self.transport.call("GET", FBC_TOKEN_PATH, params=params, retry=retry)
        except ProviderError as exc:
            if exc.outcome != out.INVALID_DATA:
                raise
            # The token call refusing the credentials, in whatever words, is an auth failure.
            error = self.transport.error(out.AUTH_ERROR, exc.detail, http_status=exc.http_status)
            error.attempts = exc.attempts
            raise error from None
        token, expires = _validated_token(self.transport, reply.data)
        now = utcnow()
        limit = now + TOKEN_MAX_AGE
        self.access_token = token
        self.token_expires_at = min(expires, limit) if expires else limit
        self.token_refreshed = True

    def _token_usable(self) -> bool:
        if not self.access_token or self.token_expires_at is None:
            return False
        return self.token_expires_at - TOKEN_MARGIN > utcnow()

    def data_call(
        self, method: str, path: str, *, retry: RetryMode = "sync", **kwargs: Any
    ) -> JsonReply:
        """A bearer-authenticated call; on an auth failure fetch a new token and retry once.

        :raises ProviderError: any failure.
        """
        if not self._token_usable():
            self.refresh_token(retry=retry)
        for second_try in (False, True):
            headers = {"Authorization": f"Bearer {self.access_token}"}
            try:
                return self.transport.call(method, path, headers=headers, retry=retry, **kwargs)
            except ProviderError as exc:
                if second_try or exc.outcome != out.AUTH_ERROR or exc.http_status == 403:
                    raise
                self.refresh_token(retry=retry)
        raise AssertionError("unreachable")  # pragma: no cover

    def statistics(self, *, retry: RetryMode = "sync") -> Stats:
        """Review summary (required) plus shop summary (optional) → validated Stats.

        :raises ProviderError: the token or summary call failed, or the summary is invalid.
        """
        summary = self.data_call("GET", FBC_SUMMARY_PATH, retry=retry)
        attempts = self.transport.attempts
        try:
            shop: dict[str, Any] | None = self.data_call("GET", FBC_SHOP_PATH, retry="none").data
        except ProviderError:
            shop = None  # the shop summary never fails a sync
        self.transport.attempts = attempts
        return _validated(
            self.transport, lambda: parse_fbc_summary(summary.data, shop=shop, fetched_at=utcnow())
        )

    def invite(self, invite: Invite) -> JsonReply:
        """POST /api/v2/orders; 2xx (any body) = accepted; no retry after timeout/5xx.

        :raises ProviderError: any failure.
        """
        delay = invite.delay_days if invite.delay_days is not None else 7
        body = {
            "external_id": invite.reference,
            "customer": {
                "email": invite.email,
                "fullname": f"{invite.first_name} {invite.last_name}".strip(),
            },
            "invitation": {
                "delay": {"unit": "days", "amount": delay},
                "reminder": {"unit": "days", "amount": invite.reminder_days},
            },
        }
        return self.data_call(
            "POST",
            FBC_ORDERS_PATH,
            retry="invite",
            json_body=body,
            timeout=self.transport.settings.invite_timeout,
            require_json=False,
        )


def _validated_token(transport: Transport, data: dict[str, Any]) -> tuple[str, datetime | None]:
    try:
        return parse_token(data)
    except Invalid as exc:
        raise transport.error(exc.outcome, exc.detail, http_status=200) from None


@dataclass(frozen=True)
class Invite:
    """One invitation. `reference` is the job reference (KV `reference_code`, FBC `external_id`).

    `delay_days` None means the provider default (KV 0 = now, FBC 7 days);
    `reminder_days` 0 means no reminder (FBC only).
    """

    email: str
    first_name: str = ""
    last_name: str = ""
    reference: str = ""
    language: str = "nl"
    delay_days: int | None = None
    reminder_days: int = 0


@dataclass(frozen=True)
class Credentials:
    """What a link needs to call its provider (decrypted; never log it)."""

    location_id: str
    token: str | None = field(default=None, repr=False)
    feed_hash: str | None = field(default=None, repr=False)  # older review feed instead of token
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)  # cached FBC bearer token
    access_token_expires_at: datetime | None = None


@dataclass(frozen=True)
class FetchResult:
    """A validated fetch plus what the sync engine records about it."""

    stats: Stats
    attempts: int
    access_token: str | None = field(default=None, repr=False)
    access_token_expires_at: datetime | None = None
    token_refreshed: bool = False


def fetch_link(
    provider: Provider,
    creds: Credentials,
    *,
    settings: HttpSettings,
    policy: RetryPolicy,
    retry: RetryMode = "sync",
    session: requests.Session | None = None,
    gate: HostGate | None = None,
) -> FetchResult:
    """Fetch and validate one link's statistics without touching the database or app context.

    :raises ProviderError: any failure; `attempts` says how many tries the decisive call took.
    """
    transport = Transport(
        settings, provider, location_id=creds.location_id, session=session, policy=policy, gate=gate
    )
    if provider in PUBLICATION:
        if creds.token:
            client = PublicationClient(transport, location_id=creds.location_id, token=creds.token)
            return FetchResult(client.statistics(retry=retry), transport.attempts)
        if creds.feed_hash:
            feed = FeedClient(transport, location_id=creds.location_id, feed_hash=creds.feed_hash)
            return FetchResult(feed.statistics(retry=retry), transport.attempts)
        raise transport.error(out.AUTH_ERROR, "no API token or feed hash stored")
    if provider is Provider.FEEDBACK_COMPANY:
        client_id = creds.client_id or creds.location_id
        if not client_id or not creds.client_secret:
            raise transport.error(out.AUTH_ERROR, "no client id/secret stored")
        fbc = FeedbackCompanyClient(
            transport,
            client_id=client_id,
            client_secret=creds.client_secret,
            access_token=creds.access_token,
            token_expires_at=creds.access_token_expires_at,
        )
        stats = fbc.statistics(retry=retry)
        return FetchResult(
            stats, transport.attempts, fbc.access_token, fbc.token_expires_at, fbc.token_refreshed
        )
    raise ValueError(f"no client for provider {provider}")


def fetch_stats(
    provider: Provider,
    *,
    location_id: str,
    token: str | None = None,
    feed_hash: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    retries: bool = True,
    session: requests.Session | None = None,
) -> Stats:
    """Fetch validated statistics of one link: KV/Kiyoh location id + token (or feed hash),
    FBC id + secret.

    `retries=False` is the live link check: one try, no waiting. Needs an app context (settings).

    :raises ProviderError: any failure, with `outcome` and the Dutch `message_nl` (§4 table).
    """
    creds = Credentials(
        location_id,
        token=token,
        feed_hash=feed_hash,
        client_id=client_id,
        client_secret=client_secret,
    )
    policy = retry_policy(current_app.config)
    return fetch_link(
        provider,
        creds,
        settings=http_settings(current_app.config),
        policy=policy,
        retry="sync" if retries else "none",
        session=session,
    ).stats


def send_invite(
    provider: Provider,
    invite: Invite,
    *,
    location_id: str,
    token: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    session: requests.Session | None = None,
) -> JsonReply:
    """Send one review invitation through the provider's invite API.

    KV/Kiyoh: `POST /v1/invite/external` with `location_id` + `token`;
    FBC: `POST /api/v2/orders` with `client_id` + `client_secret` (a fresh token is fetched).
    Timeout `PROVIDER_INVITE_TIMEOUT` (10 s). No retry after a timeout or 5xx (the mail may have
    gone out: record the invite as `unknown`, never resend automatically); one retry after a 429
    whose `Retry-After` is at most `SYNC_MAX_RETRY_AFTER`. Returns the reply (`data` may be {}
    for FBC). Never log `invite.email`. Needs an app context (settings).

    :raises ProviderError: any failure; `outcome` tells `timeout`/`server_error` (unknown) apart
        from definite refusals such as `auth_error` or `invalid_data`.
    """
    settings = http_settings(current_app.config)
    policy = retry_policy(current_app.config)
    transport = Transport(
        settings, provider, location_id=location_id, session=session, policy=policy
    )
    if provider in PUBLICATION:
        if not token:
            raise transport.error(out.AUTH_ERROR, "no API token stored")
        return PublicationClient(transport, location_id=location_id, token=token).invite(invite)
    if provider is Provider.FEEDBACK_COMPANY:
        if not (client_id or location_id) or not client_secret:
            raise transport.error(out.AUTH_ERROR, "no client id/secret stored")
        fbc = FeedbackCompanyClient(
            transport, client_id=client_id or location_id, client_secret=client_secret
        )
        return fbc.invite(invite)
    raise ValueError(f"no invite API for provider {provider}")
