"""Real objects for the battery: companies A and B, their rows, staff-side rows, helpers.

`build_world` mirrors the `make_company`/`make_user` fixtures of tests/conftest.py but runs once per
module (the battery's apps are module-scoped), so it creates and commits its rows itself.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from portal.auth import sessions
from portal.auth.models import CompanyRole, Role, User, UserSession
from portal.auth.passwords import hash_password
from portal.extensions import db

MISSING_UUID = "00000000-0000-4000-8000-000000000000"
MISSING_INT = 987654321
PASSWORD = "paarse-kraan-lekt-zachtjes-2026"
STAFF_PASSWORD = "lange-zin-voor-de-staf-2026!"
# "Other type" ids: a real object of a different model in the same id format.
OTHER_TYPE = {
    "complaint": "upload",
    "specialism": "template",
    "template": "specialism",
}
MISSING = {
    "session": MISSING_INT,
    "outbox": MISSING_INT,
    "company_message": MISSING_INT,
    "template": "bestaat-niet",
    "specialism": "bestaat-niet",
    "slug": "bestaat-niet",
    "token": "ongeldig-token-" + "x" * 20,
}


class _Users(dict):
    """Name -> user id; item access loads the user fresh (requests may detach old instances)."""

    def __getitem__(self, name: str) -> User:
        return db.session.get(User, dict.__getitem__(self, name))


@dataclass
class World:
    """Real objects for company A and B and the staff side; ids by object kind."""

    users: _Users
    objects: dict[str, dict[str, object]]  # kind -> {"a": id, "b": id}

    def id_for(self, kind: str, which: str):
        """A's or B's id, a missing one, or ("other") a real id of A's object of another type."""
        if which == "missing":
            return MISSING.get(kind, MISSING_UUID)
        if which == "other":
            return self.objects[OTHER_TYPE.get(kind, "complaint")]["a"]
        return self.objects[kind][which]


_serial = itertools.count(1)


def make_company(**overrides):
    """A member company with unique numbers (mirrors the `make_company` fixture)."""
    from portal.members.models import Company, MembershipStatus

    n = next(_serial) + 500_000
    values = {
        "member_number": f"B{n:06d}",
        "kvk_number": f"{20000000 + n:08d}",
        "legal_name": f"Batterijbedrijf {n} B.V.",
        "trade_name": f"Batterij {n}",
        "slug": f"batterij-{n}",
        "street": "Dorpsstraat",
        "house_number": str(n % 900 + 1),
        "postcode": "3511 AB",
        "city": "Utrecht",
        "latitude": 52.09,
        "longitude": 5.12,
        "email": f"info{n}@batterij.example",
        "phone": "030 123 45 67",
        "membership_status": MembershipStatus.ACTIVE,
    }
    values.update(overrides)
    company = Company(**values)
    db.session.add(company)
    db.session.flush()
    return company


def make_user(
    *,
    role: Role = Role.MEMBER,
    company=None,
    company_role=CompanyRole.BEHEERDER,
    password: str = PASSWORD,
    **overrides,
) -> User:
    """A user (mirrors the `make_user` fixture); members get the given company."""
    n = next(_serial)
    values = {
        "email": f"batterij{n}@bedrijf.example",
        "name": f"Batterij Gebruiker {n}",
        "role": role,
        "password_hash": hash_password(password),
    }
    if role is Role.MEMBER:
        values.update(company=company or make_company(), company_role=company_role)
    values.update(overrides)
    user = User(**values)
    db.session.add(user)
    db.session.flush()
    return user


def _company_objects(company, owner: User) -> dict[str, object]:
    """Colleague, review system, complaint, kept letter, synced review, upload, session, mail."""
    from portal.complaints import services as complaints
    from portal.complaints.models import Channel, ComplaintLetter, LetterKind, SyncedReview
    from portal.core.db import utcnow
    from portal.core.models import OutboxMessage, OutboxStatus
    from portal.invitations.models import InviteUpload
    from portal.reviews.models import Provider, ReviewSystem, SystemStatus

    now = utcnow()
    colleague = make_user(company=company, company_role=CompanyRole.MEDEWERKER)
    system = ReviewSystem(
        company_id=company.id,
        provider=Provider.KLANTENVERTELLEN,
        status=SystemStatus.ACTIVE,
        is_current=True,
        score=Decimal("8.50"),
        scale_max=Decimal("10"),
        review_count=12,
        fetched_at=now,
        last_success_at=now,
        last_outcome="ok",
        location_id=str(1_000_000 + company.id),
    )
    complaint = complaints.create_complaint(
        company,
        {
            "complainant_name": "Karin Klager",
            "complainant_street": "Lindelaan 4",
            "complainant_postcode": "3511 AB",
            "complainant_city": "Utrecht",
            "complainant_email": "karin@klant.example",
            "subject": "Cv-ketel",
            "description": "De ketel lekt na onderhoud.",
        },
        by=owner,
        channel=Channel.PHONE,
        received_on=date(2026, 3, 2),
        category=None,
    )
    db.session.add(system)
    db.session.flush()
    letter = ComplaintLetter(
        company_id=company.id,
        complaint_id=complaint.id,
        kind=LetterKind.ACKNOWLEDGEMENT,
        method="pdf",
        subject="Ontvangstbevestiging",
        body="Wij hebben uw klacht ontvangen.",
    )
    review = SyncedReview(
        company_id=company.id,
        provider=Provider.KLANTENVERTELLEN,
        provider_review_id=f"r{company.id}",
        rating=Decimal("2.0"),
        scale_max=Decimal("10"),
        reviewed_at=now - timedelta(days=2),
        headline="Slecht",
    )
    upload = InviteUpload(
        company_id=company.id,
        uploaded_by_id=owner.id,
        purge_after=now + timedelta(days=90),
        provider=Provider.KLANTENVERTELLEN,
        file_kind="csv",
    )
    from webauthn.helpers import bytes_to_base64url

    from portal.auth.passkeys import Passkey

    passkey = Passkey(
        user_id=owner.id,
        credential_id=bytes_to_base64url(f"battery-{company.id}".encode()),
        public_key=b"\xa5",
        name="Laptop",
    )
    mail = OutboxMessage(
        kind="compliance.geen_systeem",
        to_address=company.email or "info@bedrijf.example",
        subject="Herinnering criterium 2",
        body="Beste lid, kies een klantbeoordelingssysteem.",
        company_id=company.id,
        status=OutboxStatus.SENT,
    )
    from portal.complaints.models_extra import (
        ActionKind,
        ComplaintAction,
        ComplaintAttachment,
        ComplaintSolution,
    )

    attachment = ComplaintAttachment(
        company_id=company.id,
        complaint_id=complaint.id,
        filename="foto.pdf",
        mime="application/pdf",
        size=44,
        data=b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    )
    solution = ComplaintSolution(
        company_id=company.id, complaint_id=complaint.id, description="Ketel vervangen"
    )
    action = ComplaintAction(
        company_id=company.id,
        complaint_id=complaint.id,
        kind=ActionKind.IMPROVEMENT,
        description="Monteurs instrueren",
        due_on=date(2026, 4, 1),
    )
    db.session.add_all([letter, review, upload, passkey, mail, attachment, solution, action])
    sessions.start_session(
        owner, remember=False, ip="127.0.0.2", user_agent="spare", mfa_verified=True
    )
    db.session.flush()
    spare = db.session.scalars(
        select(UserSession.id)
        .where(UserSession.user_id == owner.id)
        .order_by(UserSession.id.desc())
    ).first()
    return {
        "colleague": colleague.public_id,
        "system": system.public_id,
        "complaint": complaint.public_id,
        "letter": letter.public_id,
        "attachment": attachment.public_id,
        "solution": solution.public_id,
        "action": action.public_id,
        "review": review.public_id,
        "upload": upload.public_id,
        "session": spare,
        "passkey": passkey.public_id,
        "slug": company.slug,
        "company_message": mail.id,
    }


def build_world() -> World:
    """Create companies A and B with their objects, staff and admin, and staff-side objects."""
    from portal.agreements import services as agreements
    from portal.agreements.models import AgreementVersion
    from portal.compliance.models import SelfReportedScore
    from portal.core.db import utcnow
    from portal.core.models import OutboxMessage, OutboxStatus
    from portal.members.models import Specialism
    from portal.members.models_import import ImportBatch
    from portal.privacy.models import Breach, RequestKind, SubjectRequest
    from portal.reviews.models import Provider, ReviewSystem, SystemStatus

    now = utcnow()
    member_a, member_b = make_user(), make_user()
    # Both companies accepted the processor agreement: the complaint register needs it.
    current = agreements.publish_default()
    for member in (member_a, member_b):
        agreements.accept(member.company, current, by=member, signatory_name="Beheerder")
    staff = make_user(role=Role.STAFF, password=STAFF_PASSWORD)
    admin = make_user(role=Role.ADMIN, password=STAFF_PASSWORD)
    # Accounts the admin pages manage (and may deactivate); never the actors above.
    staff_accounts = [make_user(role=Role.STAFF, password=STAFF_PASSWORD) for _ in "ab"]
    per_company = {
        "a": _company_objects(member_a.company, member_a),
        "b": _company_objects(member_b.company, member_b),
    }
    objects = {kind: {w: per_company[w][kind] for w in "ab"} for kind in per_company["a"]}
    objects["company"] = {"a": member_a.company.public_id, "b": member_b.company.public_id}

    pending = [
        ReviewSystem(
            company_id=make_company().id,
            provider=Provider.KLANTENVERTELLEN,
            status=SystemStatus.REQUESTED,
            is_current=True,
            included=True,
            requested_at=now,
        )
        for _ in "ab"
    ]
    other = [
        ReviewSystem(
            company_id=make_company().id,
            provider=Provider.OTHER,
            status=SystemStatus.REQUESTED,
            is_current=True,
            other_name="WerkSpot",
            other_url="https://www.werkspot.example/bedrijf",
            other_description="Klanten beoordelen ons.",
            requested_at=now,
            evidence_name="bewijs.png",
            evidence_mime="image/png",
            evidence_data=b"\x89PNG\r\n\x1a\n",
        )
        for _ in "ab"
    ]
    db.session.add_all(pending + other)
    db.session.flush()
    scores = [
        SelfReportedScore(
            company_id=s.company_id,
            review_system_id=s.id,
            score=Decimal("8.0"),
            scale_max=Decimal("10"),
            review_count=20,
            evidence_name="bewijs.png",
            evidence_mime="image/png",
            evidence_data=b"\x89PNG\r\n\x1a\n",
        )
        for s in other
    ]
    batches = [
        ImportBatch(
            created_by_id=staff.id,
            expires_at=now + timedelta(hours=1),
            filename="leden.csv",
            rows={"columns": [], "ignored": [], "rows": []},
        )
        for _ in "ab"
    ]
    breaches = [Breach(title=f"Datalek {w}", discovered_at=now) for w in "ab"]
    requests = [
        SubjectRequest(
            kind=next(iter(RequestKind)),
            user_id=m.id,
            company_id=m.company_id,
            due_at=now + timedelta(days=30),
        )
        for m in (member_a, member_b)
    ]
    specialisms = [
        Specialism(slug=f"vak-{w}-{next(_serial)}", name=f"Vakgebied {w} {next(_serial)}")
        for w in "ab"
    ]
    versions = [
        AgreementVersion(label=f"t{w}{next(_serial)}", title="Concept", body="Tekst") for w in "ab"
    ]
    # Mails in doubt (retry and cancel apply); ids far above any the flows create.
    outbox = [
        OutboxMessage(
            id=700000 + n,
            kind="auth.reset",
            to_address=f"lid{n}@bedrijf.example",
            subject="Nieuw wachtwoord",
            body="Beste lid, [persoonlijke link verborgen]",
            status=OutboxStatus.UNKNOWN,
        )
        for n in (1, 2)
    ]
    db.session.add_all(scores + batches + breaches + requests + specialisms + versions + outbox)
    db.session.flush()

    def pair(rows, attr="public_id"):
        return {"a": getattr(rows[0], attr), "b": getattr(rows[1], attr)}

    objects.update(
        pending_system=pair(pending),
        other_system=pair(other),
        score=pair(scores),
        batch=pair(batches, "id"),
        breach=pair(breaches),
        request=pair(requests),
        specialism=pair(specialisms, "slug"),
        version=pair(versions),
        staff_account=pair(staff_accounts),
        template={"a": "geen_systeem", "b": "koppeling_stuk"},
        token={"a": MISSING["token"], "b": MISSING["token"]},
        outbox=pair(outbox, "id"),
    )
    db.session.commit()
    users = _Users(member_a=member_a.id, member_b=member_b.id, staff=staff.id, admin=admin.id)
    return World(users=users, objects=objects)


def login_client(client, user: User, *, mfa_verified: bool = True) -> str:
    """Put a fresh server-side session for `user` into `client` (no password hashing)."""
    token = sessions.start_session(
        user, remember=False, ip="127.0.0.1", user_agent="battery", mfa_verified=mfa_verified
    )
    db.session.commit()
    with client.session_transaction() as flask_session:
        flask_session.clear()
        flask_session["_user_id"] = token
        flask_session["_fresh"] = True
    return token


# Rows that legitimately change on any request: the audit/security log and session bookkeeping.
# Besides logs: the ledenzoeker's shared caches, which a GET may fill (rendered pages, map data,
# the search vocabulary, resized logos).
VOLATILE_TABLES = {
    "audit_events", "user_sessions", "alembic_version", "directory_result_cache",
    "directory_logos",
}  # fmt: skip


def db_fingerprint(skip: set[str] = VOLATILE_TABLES) -> dict[str, str]:
    """Table -> row count and a hash over all rows, for 'nothing changed' checks.

    Read as the driver returns the rows (no ORM rows, no type conversion): any changed value,
    added or removed row still changes the table's entry. PostgreSQL hashes every table's rows,
    sorted as text, on the server in one statement (one round trip instead of one per table).
    """
    db.session.expire_all()
    connection = db.session.connection()
    quote = connection.dialect.identifier_preparer.quote
    names = [t.name for t in db.metadata.sorted_tables if t.name not in skip]
    if connection.dialect.name == "postgresql":
        # Names come from the models' metadata, quoted by the dialect.
        per_table = (
            "SELECT '{0}', (SELECT count(*)::text || ':' || coalesce(md5(string_agg("
            "r::text, E'\\n' ORDER BY r::text)), '') FROM {1} AS r)"
        )
        statement = " UNION ALL ".join(per_table.format(name, quote(name)) for name in names)
        return dict(connection.exec_driver_sql(statement).all())  # type: ignore[arg-type]
    result = {}
    for name in names:
        rows = connection.exec_driver_sql(f"SELECT * FROM {quote(name)}").fetchall()  # noqa: S608
        digest = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
        result[name] = f"{len(rows)}:{digest[:16]}"
    return result


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Names of tables whose fingerprint differs."""
    return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))


def count_rows(model) -> int:
    """Row count of one model (used in focused assertions)."""
    return db.session.scalar(select(func.count()).select_from(model))


def fetch(client, url: str, method: str = "GET", **kwargs):
    """Send one request and read the whole body, so streamed responses finish in this context."""
    response = client.open(url, method=method, **kwargs)
    response.get_data()
    response.close()
    return response
