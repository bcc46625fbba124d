"""Moved to `portal.providers.transport`; kept for portal.complaints.review_fetch until it imports
from there."""

from portal.providers.transport import Transport as Transport
