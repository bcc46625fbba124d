"""Secrets at rest and on pages (SECURITY.md §5): no live e-mailed token in any table or page.

Flows that issue tokens run first (a member asks for a reset link, a new staff account and a new
member user get activation links); the raw tokens are taken from the mails as they would go out.
Then every table is scanned, every GET route is fetched as every role (and the outbox pages of
those very mails), the mails are sent, and the tables are scanned again. A family of its own:
`secrets`, one case per page fetched and per table scan.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.auth import services as auth_services
from portal.auth.models import Role, User
from portal.core import outbox
from portal.core.models import OutboxMessage
from portal.extensions import db
from tests.battery import summary
from tests.battery.routes import ROUTES, fetch, login_client, make_user, sample_url

FAMILY = "secrets"
ROLES = ("anonymous", "member_a", "member_b", "staff", "admin")
LINK = re.compile(r"/(?:wachtwoord-herstellen|activeren)/([A-Za-z0-9_\-]{20,})")


def _issue_tokens(app, world) -> list[str]:
    """Run the token-issuing flows; the raw tokens as they appear in the outgoing mails."""
    visitor = app.test_client()
    member = world.users["member_a"]
    assert (
        fetch(visitor, "/wachtwoord-vergeten", "POST", data={"email": member.email}).status_code
        == 303
    )
    newcomer = make_user(role=Role.STAFF, password_hash=None)
    colleague = User(email="nieuwe.collega@bedrijf-a.example", name="Nieuwe Collega", active=True)
    colleague.company_id = member.company_id
    db.session.add(colleague)
    db.session.flush()
    with app.test_request_context():
        auth_services.send_activation(newcomer, invited_by=world.users["admin"])
        auth_services.send_activation(colleague)
    db.session.commit()
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.secret.is_not(None))
    ).all()
    tokens = [
        m for message in messages for m in LINK.findall(outbox.compose(message).get_content())
    ]
    assert len(tokens) == 3
    return tokens


def _scan_tables(tokens: list[str]) -> list[str]:
    """Tables whose rows hold a raw token anywhere (one case per table)."""
    found = []
    db.session.expire_all()
    for table in db.metadata.sorted_tables:
        text = repr(db.session.execute(select(table)).all())
        summary.record(FAMILY, 1, 0)
        hits = [t for t in tokens if t in text]
        if hits:
            summary.record(FAMILY, 0, 1)
            found.append(f"table {table.name} holds a live token")
    return found


def _scan_pages(app, world, tokens: list[str]) -> list[str]:
    outbox_pages = [
        f"/beheer/e-mail/{m.id}" for m in db.session.scalars(select(OutboxMessage)).all()
    ] + ["/beheer/e-mail"]
    problems = []
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            login_client(client, world.users[role])
        urls = [sample_url(r, world, "a") for r in ROUTES if "GET" in r.methods]
        for url in urls + outbox_pages:
            response = fetch(client, url)
            text = response.get_data().decode("utf-8", "replace")  # PDFs and images too
            text += "".join(f"{k}: {v}" for k, v in response.headers)
            leaked = [t for t in tokens if t in text]
            summary.record(FAMILY, 1, 1 if leaked else 0)
            if leaked:
                problems.append(f"GET {url} as {role} shows a live token")
    return problems


def test_no_live_token_in_tables_or_pages(battery_app, world):
    tokens = _issue_tokens(battery_app, world)
    problems = _scan_tables(tokens)
    problems += _scan_pages(battery_app, world, tokens)
    sent = []
    battery_app.config["MAIL_SMTP_HOST"] = "smtp.invalid"
    try:
        outbox.deliver_pending(send=sent.append)
    finally:
        battery_app.config["MAIL_SMTP_HOST"] = ""
    assert sum(t in m.get_content() for m in sent for t in tokens) == 3  # the links did go out
    problems += _scan_tables(tokens)
    assert not problems, "\n".join(problems)
