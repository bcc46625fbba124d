"""Moved to `portal.providers.errors`; kept for portal.complaints.review_fetch until it imports
from there."""

from portal.providers.errors import ProviderError as ProviderError
