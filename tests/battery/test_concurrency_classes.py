"""Every mutating route is an edit form (version), a create form (idempotency key) or named as
neither with a reason (tests/battery/concurrency_forms.py), so no new form skips the families."""

from __future__ import annotations

from tests.battery import summary
from tests.battery.concurrency_forms import CREATES, CREATES_ELSEWHERE, EDITS, OTHER
from tests.battery.routes import ROUTES

# reviews.link and reviews.other are both: they replace the company's current review system.
BOTH = {"reviews.link", "reviews.other"}


def test_every_mutating_route_is_classified():
    mutating = {route.endpoint for route in ROUTES if route.mutating}
    problems = []
    for endpoint in sorted(mutating):
        places = [name for name, group in (("EDITS", EDITS), ("CREATES", CREATES), ("OTHER", OTHER))
                  if endpoint in group]  # fmt: skip
        if endpoint in CREATES_ELSEWHERE:
            places += ["CREATES_ELSEWHERE"]
        if not places:
            problems.append(f"{endpoint}: neither an edit, a create nor listed in OTHER")
        elif len(places) > 1 and endpoint not in BOTH:
            problems.append(f"{endpoint}: listed in {places}")
    stray = (set(EDITS) | set(CREATES) | set(OTHER)) - mutating
    problems += [f"{endpoint}: listed but no such mutating route" for endpoint in sorted(stray)]
    summary.record("concurrency-coverage", len(mutating), len(problems))
    assert not problems, "\n".join(problems)
