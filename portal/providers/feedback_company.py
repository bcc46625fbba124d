"""Feedback Company API v2: token exchange, bearer data calls, review summary, invitations."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from portal.core.db import utcnow
from portal.providers import errors as out
from portal.providers.errors import ProviderError
from portal.providers.http import JsonReply
from portal.providers.invites import Invite
from portal.providers.parsing import Invalid, Stats, parse_fbc_summary, parse_token
from portal.providers.transport import RetryMode, Transport, validated

FBC_TOKEN_PATH = "/api/v2/oauth2/token"  # noqa: S105 - a path, not a secret
FBC_SUMMARY_PATH = "/api/v2/review/summary/"
FBC_SHOP_PATH = "/api/v2/shop/summary/"
FBC_ORDERS_PATH = "/api/v2/orders"
TOKEN_MAX_AGE = timedelta(days=20)
TOKEN_MARGIN = timedelta(minutes=5)


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
        return validated(
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
