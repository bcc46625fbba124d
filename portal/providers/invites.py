"""One review invitation, as the provider clients' invite calls take it."""

from __future__ import annotations

from dataclasses import dataclass


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
