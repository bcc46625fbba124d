"""Entry points of the provider clients: one link's statistics, one invitation.

`fetch_link` serves the sync engine (it also hands back a refreshed FBC access token for caching
in the database) and the live link check; `invite_link` sends one review invitation. Neither
touches the database or an app context: the caller hands in the settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import requests

from portal.providers import errors as out
from portal.providers.catalog import PUBLICATION, Provider
from portal.providers.config import HttpConfig, RetryConfig
from portal.providers.feed import FeedClient
from portal.providers.feedback_company import FeedbackCompanyClient
from portal.providers.http import HostGate, JsonReply
from portal.providers.invites import Invite
from portal.providers.parsing import Stats
from portal.providers.publication import PublicationClient
from portal.providers.transport import RetryMode, Transport


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
    settings: HttpConfig,
    policy: RetryConfig,
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


def invite_link(
    provider: Provider,
    invite: Invite,
    creds: Credentials,
    *,
    settings: HttpConfig,
    policy: RetryConfig,
    session: requests.Session | None = None,
) -> JsonReply:
    """Send one review invitation through the provider's invite API.

    KV/Kiyoh: `POST /v1/invite/external` with the location id + token; FBC: `POST /api/v2/orders`
    with client id + secret (a fresh token is fetched). No retry after a timeout or 5xx (the mail
    may have gone out); one retry after a 429 whose `Retry-After` is within the policy. Returns
    the reply (`data` may be {} for FBC). Never log `invite.email`.

    :raises ProviderError: any failure; `outcome` tells `timeout`/`server_error` (unknown) apart
        from definite refusals such as `auth_error` or `invalid_data`.
    """
    location_id = creds.location_id
    transport = Transport(
        settings, provider, location_id=location_id, session=session, policy=policy
    )
    if provider in PUBLICATION:
        if not creds.token:
            raise transport.error(out.AUTH_ERROR, "no API token stored")
        client = PublicationClient(transport, location_id=location_id, token=creds.token)
        return client.invite(invite)
    if provider is Provider.FEEDBACK_COMPANY:
        if not (creds.client_id or location_id) or not creds.client_secret:
            raise transport.error(out.AUTH_ERROR, "no client id/secret stored")
        fbc = FeedbackCompanyClient(
            transport, client_id=creds.client_id or location_id, client_secret=creds.client_secret
        )
        return fbc.invite(invite)
    raise ValueError(f"no invite API for provider {provider}")
