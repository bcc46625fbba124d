"""The older Klantenvertellen/Kiyoh review feed: statistics by location id + feed hash.

`GET /v1/review/feed.json?hash=…` (preferred) or `feed.xml?hash=…` (root `ReviewFeedDto`), with
the same field names as the publication API. Accounts that only have this feed link with a
hash instead of a publication API token; the hash is a secret like the token (never logged). A
feed link has no invite API.
"""

from __future__ import annotations

from portal.core.db import utcnow
from portal.providers import errors as out
from portal.providers.catalog import PROVIDER_LABELS
from portal.providers.errors import LOCATION_MISMATCH, ProviderError, member_message
from portal.providers.parsing import Stats, parse_publication
from portal.providers.transport import RetryMode, Transport, validated

FEED_JSON_PATH = "/v1/review/feed.json"
FEED_XML_PATH = "/v1/review/feed.xml"
# The figures are on the feed itself; one review per page keeps the reply small.
FEED_PARAMS = {"limit": 1, "pageNumber": 0}


def _not_served(exc: ProviderError) -> bool:
    """feed.json missing on this account or host: a bare 404/406 without a provider error code."""
    return exc.outcome == out.NOT_FOUND and exc.http_status in (404, 406) and not exc.error_code


class FeedClient:
    """Statistics from the review feed: JSON first, XML when feed.json is not served."""

    def __init__(self, transport: Transport, *, location_id: str, feed_hash: str) -> None:
        self.transport = transport
        self.provider = transport.provider
        self.name = PROVIDER_LABELS[self.provider]
        self.location_id = location_id
        self._hash = feed_hash
        self.format = "json"

    def statistics(self, *, retry: RetryMode = "sync", fmt: str = "auto") -> Stats:
        """Feed → validated Stats; `fmt` "json"/"xml" asks one format only, "auto" falls back.

        :raises ProviderError: any failure; a feed of another location is `not_found` with
            error code LOCATION_MISMATCH; an auth failure names the feed hash.
        """
        try:
            data = self._fetch(retry, fmt)
            return self._validated(data)
        except ProviderError as exc:
            if exc.outcome == out.AUTH_ERROR:
                exc.message_nl = member_message(
                    exc.outcome, self.provider, self.location_id, feed=True
                )
            raise

    def _fetch(self, retry: RetryMode, fmt: str) -> dict:
        params = {"hash": self._hash, **FEED_PARAMS}
        if fmt != "xml":
            try:
                return self.transport.call("GET", FEED_JSON_PATH, params=params, retry=retry).data
            except ProviderError as exc:
                if fmt == "json" or not _not_served(exc):
                    raise
        self.format = "xml"
        return self.transport.call(
            "GET", FEED_XML_PATH, params=params, retry=retry, accept_xml=True
        ).data

    def _validated(self, data: dict) -> Stats:
        feed_location = data.get("locationId")
        if feed_location is not None and str(feed_location).strip() != self.location_id:
            error = self.transport.error(
                out.NOT_FOUND,
                f"feed is for location {str(feed_location)[:64]!r}, not {self.location_id!r}",
                http_status=200,
                error_code=LOCATION_MISMATCH,
            )
            error.message_nl = out.mismatch_message(self.location_id, str(feed_location)[:64])
            error.attempts = self.transport.attempts
            raise error
        return validated(self.transport, lambda: parse_publication(data, self.provider, utcnow()))
