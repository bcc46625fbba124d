"""WTForms' messages: CPU per request with one parsed catalogue per language per process
(portal/core/i18n.py FormMessages) against Flask-WTF's own parse in every request.

    .venv/bin/python bench/form_messages.py [--rounds 30] [--requests 40]

In-process (Flask test client, in-memory SQLite), so only the CPU time of the process serving
the requests counts and figures taken on a busy machine still compare. The mix is the public
complaint form of a listed member: shown and sent with a too-long field (a WTForms Length
message), in Dutch and in English. Short rounds alternate the two ways in one process ("parse
per request" takes the app's catalogue object off the request class, which is what Flask-WTF
does without it); the saving is the median of the rounds' paired differences.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from babel import support
from sqlalchemy.pool import StaticPool

from portal import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench-secret-key-that-is-long-enough-1234567890",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "poolclass": StaticPool,
                "connect_args": {"check_same_thread": False},
            },
            "WTF_CSRF_ENABLED": False,  # the token field has its own label: no message either way
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "SECRETS_KEYS": "bench1:" + "A" * 43,
            "PUBLIC_BASE_URL": "http://localhost",
        }
    )
    with app.app_context():
        slug = _listed_member()
    client = app.test_client()
    form = {"complainant_name": "Jan", "complainant_city": "x" * 101}
    mix = [
        ("post", f"/ledenzoeker/{slug}/klacht", form),
        ("post", f"/ledenzoeker/{slug}/klacht?lang=en", form),
        ("get", f"/ledenzoeker/{slug}/klacht", None),
        ("get", f"/ledenzoeker/{slug}/klacht?lang=en", None),
    ]
    parses = _count_parses()
    request_class = app.request_class
    # None: Flask-WTF parses per request, as without the app's catalogue object.
    ways = {"parse per request": None, "per process": request_class.wtforms_translations}
    results: dict[str, list[float]] = {name: [] for name in ways}
    counted: dict[str, int] = {}
    for round_ in range(args.rounds + 1):  # round 0 warms both ways
        for name, held in ways.items():
            request_class.wtforms_translations = held
            parses["n"] = 0
            start = time.process_time()
            for n in range(args.requests):
                method, path, data = mix[n % len(mix)]
                response = getattr(client, method)(path, data=data)
                if response.status_code not in (200, 422):
                    raise SystemExit(f"{path}: {response.status_code}")
            spent = time.process_time() - start
            if round_:
                results[name].append(spent * 1000 / args.requests)
                counted[name] = parses["n"]
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"{args.rounds} rounds of {args.requests} requests per way, alternating (the complaint "
        "form shown and refused, nl and en)"
    )
    for name, per in results.items():
        print(
            f"  {name:18s}: best {min(per):.3f} ms CPU per request, median "
            f"{statistics.median(per):.3f} ms; WTForms catalogue parses per round: {counted[name]}"
        )
    pairs = [
        a - b for a, b in zip(results["parse per request"], results["per process"], strict=True)
    ]
    print(
        f"saved per request (median of the rounds' pairs): {statistics.median(pairs):.3f} ms CPU; "
        f"one parse alone: {_parse_cost():.3f} ms CPU"
    )


def _parse_cost() -> float:
    """CPU ms of one parse of WTForms' catalogue (Dutch and English alternately)."""
    from babel import Locale
    from wtforms.i18n import messages_path

    locales = [Locale.parse("nl"), Locale.parse("en")]
    start = time.process_time()
    for n in range(1000):
        support.Translations.load(messages_path(), [locales[n % 2]], domain="wtforms")
    return (time.process_time() - start) * 1000 / 1000


def _count_parses() -> dict:
    counted = {"n": 0}
    load = support.Translations.load

    def counting(dirname=None, locales=None, domain=None):
        if domain == "wtforms":
            counted["n"] += 1
        return load(dirname, locales, domain)

    support.Translations.load = counting  # type: ignore[method-assign]
    return counted


def _listed_member() -> str:
    """A listed member that takes complaints (its beheerder accepted the agreement)."""
    from portal.agreements import services as agreements
    from portal.auth.models import CompanyRole, Role, User
    from portal.directory.entries import refresh_entry
    from portal.extensions import db
    from portal.members.models import Company, MembershipStatus

    db.create_all()
    company = Company(
        member_number="B000001",
        kvk_number="10000001",
        legal_name="Bench Installaties B.V.",
        trade_name="",
        slug="bench-installaties",
        street="Dorpsstraat",
        house_number="1",
        postcode="3511 AB",
        city="Utrecht",
        latitude=52.09,
        longitude=5.12,
        email="info@bench.example",
        phone="030 123 45 67",
        membership_status=MembershipStatus.ACTIVE,
    )
    boss = User(
        email="baas@bench.example",
        name="Bea Baas",
        role=Role.MEMBER,
        company=company,
        company_role=CompanyRole.BEHEERDER,
    )
    db.session.add_all([company, boss])
    db.session.commit()
    refresh_entry(company.id)
    version = agreements.publish_default()
    agreements.accept(company, version, by=boss, signatory_name=boss.name)
    db.session.commit()
    return company.slug


if __name__ == "__main__":
    main()
