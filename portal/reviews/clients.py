"""The provider clients called from a request or command: settings come from the app config.

`fetch_stats` is the live link check, `send_invite` one review invitation; both hand the app's
settings to the Flask-free clients in `portal.providers`.
"""

from __future__ import annotations

import requests
from flask import current_app

from portal.providers.clients import Credentials, fetch_link, invite_link
from portal.providers.http import JsonReply
from portal.providers.invites import Invite
from portal.providers.parsing import Stats
from portal.reviews.models import Provider
from portal.reviews.settings import http_settings, retry_policy


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
    """Send one review invitation through the provider's invite API (`invite_link`).

    Timeout `PROVIDER_INVITE_TIMEOUT` (10 s); one retry after a 429 whose `Retry-After` is at
    most `SYNC_MAX_RETRY_AFTER`, none after a timeout or 5xx (record the invite as `unknown`,
    never resend automatically). Needs an app context (settings).

    :raises ProviderError: any failure; `outcome` tells `timeout`/`server_error` (unknown) apart
        from definite refusals such as `auth_error` or `invalid_data`.
    """
    creds = Credentials(location_id, token=token, client_id=client_id, client_secret=client_secret)
    return invite_link(
        provider,
        invite,
        creds,
        settings=http_settings(current_app.config),
        policy=retry_policy(current_app.config),
        session=session,
    )
