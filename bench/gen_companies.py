"""Fill a benchmark database with N generated member companies, then build the directory rows.

Usage: python bench/gen_companies.py DATABASE_URL COUNT
Deterministic (seeded); bulk inserts of 5,000 rows; the schema is created from the models.
Companies cluster around the shipped towns (portal/data/places.csv), weighted by their PC4
range, about 85 % of them listed, 70 % with a review system.
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from sqlalchemy import insert, select

from portal import create_app
from portal.data.places import load_places
from portal.demo.names import RECOGNITIONS, SPECIALISMS
from portal.directory.entries import refresh_all
from portal.directory.text import fold
from portal.extensions import db
from portal.members.models import (
    Company,
    MembershipStatus,
    Recognition,
    Specialism,
    company_recognitions,
    company_specialisms,
)
from portal.reviews.models import Provider, ReviewSystem, SystemStatus

BATCH = 5000
SURNAMES = (
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser",
    "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks",
    "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer",
    "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Heuvel", "Hénk", "Müller", "Çelik", "Öztürk",
)  # fmt: skip
TRADES = (
    "Installatietechniek", "Installaties", "Loodgieters", "Elektrotechniek", "Klimaattechniek",
    "Warmte & Zon", "Service", "Techniek", "Energie", "Dak & Zink",
)  # fmt: skip


def company_rows(count: int, rng: random.Random) -> list[dict]:
    """Generated company rows, spread around real towns."""
    places = load_places()
    weights = [p.pc4_to - p.pc4_from + 1 for p in places]
    towns = rng.choices(places, weights=weights, k=count)
    rows = []
    for i, town in enumerate(towns):
        name = f"{rng.choice(SURNAMES)} {rng.choice(TRADES)}"
        pc4 = rng.randint(town.pc4_from, town.pc4_to)
        status = MembershipStatus.ACTIVE if rng.random() < 0.9 else MembershipStatus.ENDED
        rows.append(
            {
                "public_id": f"00000000-0000-4000-8000-{i:012d}",
                "slug": f"{fold(name).replace(' ', '-')}-{i}",
                "member_number": f"B{i:07d}",
                "kvk_number": f"{50000000 + i:08d}",
                "legal_name": f"{name} B.V.",
                "trade_name": name if rng.random() < 0.6 else "",
                "street": "Industrieweg",
                "house_number": str(rng.randint(1, 300)),
                "postcode": f"{pc4} {rng.choice('ABCDEGHJKLMNPRST')}{rng.choice('ABCDEGHJKLMNPRST')}",
                "city": town.name,
                "latitude": town.lat + rng.gauss(0, 0.03),
                "longitude": town.lon + rng.gauss(0, 0.045),
                "phone": f"0{rng.randint(10, 79)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                "email": f"info@bedrijf{i}.example",
                "website": f"https://bedrijf{i}.example",
                "description": "Uw installateur voor verwarming, sanitair en duurzame energie.",
                "membership_status": status,
                "member_since": date(2000, 1, 1) + timedelta(days=rng.randint(0, 9000)),
                "show_address": rng.random() < 0.9,
                "show_phone": True,
                "show_email": rng.random() < 0.8,
                "directory_opt_out": rng.random() < 0.05,
            }
        )
    return rows


def insert_batched(table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start : start + BATCH])


def links(company_ids: list[int], id_by_slug: dict, column: str, k_max: int, rng) -> list[dict]:
    slugs = list(id_by_slug)
    rows = []
    for company_id in company_ids:
        for slug in rng.sample(slugs, rng.randint(0, k_max)):
            rows.append({"company_id": company_id, column: id_by_slug[slug]})
    return rows


def review_rows(company_ids: list[int], rng: random.Random, now: datetime) -> list[dict]:
    rows = []
    for company_id in company_ids:
        if rng.random() > 0.7:
            continue
        fbc = rng.random() < 0.1
        rows.append(
            {
                "public_id": f"10000000-0000-4000-8000-{company_id:012d}",
                "company_id": company_id,
                "provider": Provider.FEEDBACK_COMPANY if fbc else Provider.KLANTENVERTELLEN,
                "status": SystemStatus.ACTIVE,
                "is_current": True,
                "score": Decimal(f"{rng.uniform(3.2, 5.0) if fbc else rng.uniform(6.0, 9.9):.2f}"),
                "scale_max": Decimal(5 if fbc else 10),
                "review_count": min(int(rng.paretovariate(1.2) * 3) - 3, 2000),
                "fetched_at": now - timedelta(hours=rng.randint(1, 48)),
                "profile_url": f"https://www.klantenvertellen.nl/reviews/{company_id}/bedrijf",
            }
        )
    return rows


def main(url: str, count: int) -> None:
    started = time.monotonic()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    rng = random.Random(20260301)
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.execute(insert(Specialism), [{"slug": s, "name": n} for s, n in SPECIALISMS])
        db.session.execute(insert(Recognition), [{"slug": s, "name": n} for s, n in RECOGNITIONS])
        insert_batched(Company.__table__, company_rows(count, rng))
        ids = db.session.scalars(select(Company.id).order_by(Company.id)).all()
        specialisms = dict(db.session.execute(select(Specialism.slug, Specialism.id)).all())
        recognitions = dict(db.session.execute(select(Recognition.slug, Recognition.id)).all())
        insert_batched(company_specialisms, links(ids, specialisms, "specialism_id", 4, rng))
        insert_batched(company_recognitions, links(ids, recognitions, "recognition_id", 2, rng))
        insert_batched(ReviewSystem.__table__, review_rows(ids, rng, datetime.now(UTC)))
        db.session.commit()
        generated = time.monotonic() - started
        listed = refresh_all()
        db.session.commit()
        # Planner statistics, as autovacuum would gather them (committed: a rolled-back
        # ANALYZE on PostgreSQL leaves the bulk-loaded tables without statistics).
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    print(
        f"{count} companies generated in {generated:.1f} s; "
        f"{listed} listed rows built in {time.monotonic() - started - generated:.1f} s"
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
