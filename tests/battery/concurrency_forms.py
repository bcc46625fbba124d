"""Edit and create forms of the concurrency families (issue 14 §3, SECURITY.md §5 "No lost update").

Every mutating route is classified here: an edit form of a shared record (EDITS: it must carry a
`version`), a create form (CREATES: it must carry an `idempotency_key`), or something else (OTHER,
with the reason). tests/battery/test_concurrency_classes.py fails when a new mutating route is in
none of them, so a new edit or create form cannot skip the families. Recipes say which values make
a valid change (first and second session) or a valid create; values may be callables of the
form's current values.

The forms themselves are found by crawling every GET page as every role, so an edit form that
renders a version is exercised whether it is listed or not (and fails the family when unlisted).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.battery.forms import Form, forms_in
from tests.battery.hostile import endpoint_of
from tests.battery.routes import ROUTES, fetch, sample_url

Value = str | Callable[[dict], str]


@dataclass(frozen=True)
class Edit:
    """Two sessions of `role` edit the form: `first` is saved, `second` comes from a stale page."""

    role: str
    first: dict[str, Value]
    second: dict[str, Value]
    echo: str | None  # text of the second session's input that the 409 page must show


@dataclass(frozen=True)
class Create:
    """`role` submits the form with `data` three times; `model` gains exactly one row."""

    role: str
    data: dict[str, Value]
    model: str  # "module:Class"
    files: dict[str, Callable[[], tuple[io.BytesIO, str]]] = field(default_factory=dict)


def _append(name: str, text: str) -> Callable[[dict], str]:
    return lambda current: (current.get(name) or "") + text


SWITCH = {"confirm_switch": "y"}
EDITS: dict[str, Edit] = {
    "profile.details_post": Edit(
        "member_a",
        {"phone": "020 765 43 21"},
        {"opening_hours": "za 9-12 batterij"},
        "za 9-12 batterij",
    ),
    "profile.opt_out": Edit(
        "member_a", {"directory_opt_out": "y", "confirm": "y"}, {"directory_opt_out": ""}, None
    ),
    "staff_members.edit_post": Edit(
        "staff",
        {"phone": "030 111 22 33"},
        {"opening_hours": "ma 8-17 batterij"},
        "ma 8-17 batterij",
    ),
    "complaints.update": Edit(
        "member_a",
        {"resolution": "Nieuwe kraan"},
        {"remarks": "Klant belt batterij"},
        "Klant belt batterij",
    ),
    "complaints.settings_post": Edit(
        "member_a",
        {"handling_days": "21"},
        {"categories": _append("categories", "\nBatterijcategorie")},
        "Batterijcategorie",
    ),
    "complaints.letter_template_post": Edit(
        "member_a",
        {"subject": "Tussenbericht eerste sessie"},
        {"body": _append("body", " Batterijslot.")},
        "Batterijslot.",
    ),
    "complaints.instruction_save": Edit(
        "member_a",
        {"work_instruction": "Eerste sessie: bel de klant binnen een dag."},
        {"work_instruction": _append("work_instruction", " Batterijinstructie.")},
        "Batterijinstructie.",
    ),
    "reviews.other": Edit(
        "member_a",
        {"name": "Eerste Systeem", "url": "https://eerste.example/a", "description": "Eerste."}
        | SWITCH,
        {
            "name": "Tweede Systeem",
            "url": "https://tweede.example/b",
            "description": "Batterijtweede.",
        }
        | SWITCH,
        "Batterijtweede.",
    ),
    "reviews.link": Edit(
        "member_a",
        {"name": "Nog Een Systeem", "url": "https://nog.example/c", "description": "Derde."}
        | SWITCH,
        {"provider": "kiyoh", "location_id": "batterij123", "token": "t0ken-x"} | SWITCH,
        "batterij123",
    ),
    "compliance.update_template": Edit(
        "staff",
        {"subject": "Herinnering eerste sessie"},
        {"body": _append("body", " Batterijslot.")},
        "Batterijslot.",
    ),
    "admin.save_settings": Edit(
        "admin", {"deadline_days": "30"}, {"reminder_batch_max": "444"}, 'value="444"'
    ),
    "directory_admin.save_search_words": Edit(
        "admin",
        {"body": "# eerste sessie"},  # comment lines: valid whatever specialisms exist
        {"body": "# batterijwoord"},
        "batterijwoord",
    ),
    "admin.update_specialism": Edit(
        "admin",
        {"name": "Vakgebied eerste sessie"},
        {"name": "Vakgebied batterijsessie"},
        "Vakgebied batterijsessie",
    ),
    "privacy_staff.breach_save": Edit(
        "admin",
        {"facts": "Eerste feiten."},
        {"facts": "Tweede feiten.", "measures": "Batterijmaatregel"},
        "Batterijmaatregel",
    ),
    "agreements_staff.update": Edit(
        "admin",
        {"title": "Concept eerste sessie"},
        {"summary": "Batterijwijziging"},
        "Batterijwijziging",
    ),
}
# reviews.link's first session changes the current system through the other-system form (a link
# would call the provider); the second then saves its stale link form.
FIRST_VIA = {"reviews.link": "reviews.other"}


def _csv() -> tuple[io.BytesIO, str]:
    from tests.invitations.files import customer_csv

    return io.BytesIO(customer_csv(2)), "klanten.csv"


def _evidence() -> tuple[io.BytesIO, str]:
    return io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), "bewijs.pdf"


COMPLAINANT = {
    "complainant_name": "Dubbel Klager",
    "complainant_email": "dubbel@klant.example",
    "subject": "Dubbel ingediend",
    "description": "Drie keer op verzenden gedrukt.",
}
CREATES: dict[str, Create] = {
    "complaints_public.submit": Create(
        "anonymous", COMPLAINANT, "portal.complaints.models:Complaint"
    ),
    "complaints.create": Create(
        "member_a",
        COMPLAINANT | {"received_on": "2026-11-02", "channel": "phone"},
        "portal.complaints.models:Complaint",
    ),
    "complaints.from_review": Create("member_a", {}, "portal.complaints.models:Complaint"),
    "complaints.letter_send": Create("member_a", {}, "portal.complaints.models:ComplaintLetter"),
    "complaints.add_note": Create(
        "member_a",
        {"kind": "note", "body": "Dubbel vastgelegd"},
        "portal.complaints.models:ComplaintNote",
    ),
    "complaints.attachment_add": Create(
        "member_a",
        {},
        "portal.complaints.models_extra:ComplaintAttachment",
        files={"file": _evidence},
    ),
    "complaints.solution_add": Create(
        "member_a",
        {"solution_text": "Dubbel aangeboden"},
        "portal.complaints.models_extra:ComplaintSolution",
    ),
    "complaints.action_add": Create(
        "member_a",
        {
            "action_kind": "improvement",
            "action_text": "Dubbel afgesproken",
            "action_due_on": "2099-01-01",
        },
        "portal.complaints.models_extra:ComplaintAction",
    ),
    "profile.invite": Create(
        "member_a",
        {
            "name": "Dubbel Collega",
            "email": "dubbel.collega@bedrijf.example",
            "company_role": "medewerker",
        },
        "portal.auth.models:User",
    ),
    "staff_members.invite_beheerder": Create(
        "staff",
        {"name": "Dubbel Beheerder", "email": "dubbel.beheerder@bedrijf.example"},
        "portal.auth.models:User",
    ),
    "admin.create_staff_account": Create(
        "admin",
        {"name": "Dubbel Staf", "email": "dubbel.staf@vereniging.example"},
        "portal.auth.models:User",
    ),
    "admin.add_specialism": Create(
        "admin", {"name": "Dubbel vakgebied", "active": "y"}, "portal.members.models:Specialism"
    ),
    "agreements_staff.create": Create(
        "admin", {"label": "9.9-dubbel"}, "portal.agreements.models:AgreementVersion"
    ),
    "privacy.request_erasure": Create(
        "member_c",
        {"confirm": "y", "message": "Graag verwijderen."},
        "portal.privacy.models:SubjectRequest",
    ),
    "privacy.request_right": Create(
        "member_c",
        {"kind": "objection", "message": "Bezwaar."},
        "portal.privacy.models:SubjectRequest",
    ),
    "compliance.set_deadline": Create(
        "staff",
        {"deadline": "2027-03-01", "reason": "Dubbel verlengd"},
        "portal.compliance.models:DeadlineExtension",
    ),
    "compliance_member.submit_score": Create(
        "member_c",
        {"score": "8,5", "scale_max": "10", "review_count": "31"},
        "portal.compliance.models:SelfReportedScore",
        files={"evidence": _evidence},
    ),
    "invitations.upload": Create(
        "member_a",
        {"informed": "y"},
        "portal.invitations.models:InviteUpload",
        files={"file": _csv},
    ),
    "privacy_staff.breach_create": Create(
        "admin",
        {
            "title": "Dubbel datalek",
            "discovered_at": "2026-12-01T10:00",
            "facts": "Drie keer opgeslagen.",
        },
        "portal.privacy.models:Breach",
    ),
    "reviews.other": Create(
        "member_a",
        {"name": "Dubbel Systeem", "url": "https://dubbel.example/", "description": "Drie keer."}
        | SWITCH,
        "portal.reviews.models:ReviewSystem",
    ),
}
# Keyed create forms whose repeated submit is proven elsewhere, and why.
CREATES_ELSEWHERE = {
    "reviews.link": "its first submit calls the provider live; proven in tests/reviews",
}

OTHER: dict[str, str] = {
    "auth.login_post": "signs in; creates a session per login by design",
    "auth.code_post": "second login step",
    "auth.sso_start": "redirects to the IdP; a new state per press, the last one answered wins",
    "auth.passkey_login_options": "a new challenge per press (hash in the session), no rows",
    "auth.passkey_login": "one-time challenge: a repeat finds it used",
    "auth.passkey_step_options": "a new challenge per press (hash in the session), no rows",
    "auth.passkey_step": "one-time challenge: a repeat finds it used",
    "auth.passkey_register_options": "a new challenge per press (hash in the session), no rows",
    "auth.passkey_add": "one-time challenge: a repeat finds it used; one credential id once",
    "auth.passkey_rename": "the user's own row, not shared; the last name wins",
    "auth.passkey_remove": "removes the user's own row; a repeat finds it gone (404)",
    "auth.forgot_post": "mail per request, rate-limited; reveals nothing about the account",
    "auth.reset_post": "one-time token: a repeat finds it used",
    "auth.activate_post": "one-time token: a repeat finds it used",
    "auth.end_session": "ends a session; a repeat finds it ended",
    "auth.mfa_enable": "one-time setup of the user's own account",
    "auth.mfa_disable": "the user's own account; a repeat is a no-op",
    "auth.change_password": "the user's own account; needs the current password",
    "auth.change_name": "sets one value of the user's own account; a repeat sets the same",
    "auth.change_email": "a newer request voids the older link; needs the current password",
    "auth.cancel_email_change": "voids the pending link; a repeat finds none",
    "auth.email_confirm_post": "one-time token: a repeat finds it used",
    "auth.email_withdraw_post": "one-time token: a repeat finds it used; sessions end once",
    "auth.logout": "ends the session",
    "profile.details_check": "htmx field check, writes nothing",
    "profile.change_role": "sets one value; a repeat sets the same",
    "profile.remove": "removes; a repeat finds nothing",
    "profile.logo_upload": "replaces the one logo; a repeat replaces it with the same",
    "profile.logo_remove": "removes; a repeat finds nothing",
    "reviews.activate": "the service refuses a second request while one is pending",
    "reviews.unlink": "ends the current system; a repeat finds it ended",
    "reviews.cancel_switch": "ends the pending request; a repeat finds none and says so",
    "complaints.assign": "sets the handler; a repeat sets the same",
    "complaints.send_status_link": "a fresh link replaces the previous one (only the newest works)",
    "complaints.record_followup": "sets the aftercare outcome; a repeat sets the same",
    "complaints_public.survey": "sets the complainant's answer; a repeat sets the same",
    "complaints.letter_pdf": "a download; records the printed letter with it",
    "complaints.act": "workflow step; the state machine refuses a repeat",
    "complaints.attachment_remove": "removes; a repeat finds nothing (404)",
    "complaints.solution_choose": "marks the customer's choice; a repeat is a no-op",
    "complaints.action_done": "marks the action done; a repeat keeps the first date",
    "complaints.escalate": "a deliberate step: each press puts the case before someone once more",
    "complaints.instruction_reset": "back to the default text; a repeat is a no-op",
    "complaints.letter_template_reset": "back to the default wording; a repeat is a no-op",
    "invitations.confirm": "the upload's status refuses a second confirmation",
    "invitations.retry": "retries failed rows only",
    "invitations.remove": "removes; a repeat finds nothing",
    "agreements.accept": "one acceptance per company and version (unique constraint)",
    "staff_outbox.retry": "only a refused or unknown message can be retried",
    "staff_outbox.cancel": "only a pending message can be cancelled",
    "staff_import.upload_post": "a preview batch that expires within the hour",
    "staff_import.confirm": "the batch is consumed by the first confirmation",
    "reviews_staff.provision": "only a requested system can be provisioned",
    "compliance.decide": "a decision on a pending assessment; status refuses a repeat",
    "compliance.decide_score": "a decision on a pending score; status refuses a repeat",
    "compliance.send_reminders": "the reminder interval refuses a second reminder of a kind",
    "compliance.preview_reminders": "a preview, writes nothing",
    "compliance.sync_now": "under the sync run lock",
    "privacy_staff.request_close": "closing a closed request is refused",
    "privacy_staff.request_extend": "a second extension of the same request is refused",
    "privacy_staff.customer_search": "a search, writes nothing but the audit",
    "privacy_staff.customer_export": "a download",
    "privacy_staff.customer_erase": "erasing erased data is a no-op",
    "admin.change_staff_role": "sets one value; a repeat sets the same",
    "admin.deactivate_staff": "a repeat finds the account inactive",
    "agreements_staff.publish": "a published version is frozen; a repeat is refused",
}


def model(path: str):
    """The model class named "module:Class"."""
    import importlib

    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def value(spec: Value, current: dict) -> str:
    return spec(current) if callable(spec) else spec


def crawl_forms(app, world, clients: dict, hidden: str) -> dict[str, tuple[str, Form]]:
    """Endpoint -> (role, Form) for every POST form with a non-empty `hidden` field, on every
    GET page as every role in `clients` (first role that sees it wins)."""
    found: dict[str, tuple[str, Form]] = {}
    for role, client in clients.items():
        for route in ROUTES:
            if "GET" not in route.methods or route.audience in ("static", "dev"):
                continue
            url = sample_url(route, world, "a")
            response = fetch(client, url)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            for form in forms_in(response.get_data(as_text=True), urlsplit(url).path):
                if form.method != "POST" or not form.fields.get(hidden):
                    continue
                endpoint = endpoint_of(app, "POST", form.action)
                if endpoint and endpoint not in found:
                    found[endpoint] = (role, form)
    return found


def form_on(client, page: str, action: str) -> Form:
    """The form posting to `action` as `client` sees it on `page` now."""
    response = fetch(client, page)
    assert response.status_code == 200, f"GET {page}: {response.status_code}"
    for form in forms_in(response.get_data(as_text=True), urlsplit(page).path):
        if form.action == action and form.method == "POST":
            return form
    raise AssertionError(f"no form posting to {action} on {page}")


SECOND = {"member_a": "member_a2", "staff": "staff2", "admin": "admin2"}


def accept_agreement(world) -> None:
    """Company A may upload customer lists: stored provider credentials, the agreement accepted."""
    from portal.agreements import services
    from portal.extensions import db
    from portal.reviews import credentials
    from portal.reviews.services import current_system

    member = world.users["member_a"]
    system = current_system(member.company)
    if not system.credentials_enc:  # invitations go out through the provider's API
        credentials.store_credentials(system, {"token": f"emu-{system.location_id}"})
    version = services.publish_default()
    if not services.has_accepted_current(member.company):
        services.accept(member.company, version, by=member, signatory_name=member.name)
    db.session.commit()


def add_actors(world) -> None:
    """Add the second sessions' users and member C to `world.users` (committed)."""
    from portal.auth.models import CompanyRole, Role
    from portal.core.db import utcnow
    from portal.extensions import db
    from portal.reviews.models import Provider, ReviewSystem, SystemStatus
    from tests.battery.routes import STAFF_PASSWORD, make_user

    if "member_c" in world.users:
        return
    first = world.users["member_a"]
    extra = {
        "member_a2": make_user(company=first.company, company_role=CompanyRole.BEHEERDER),
        "staff2": make_user(role=Role.STAFF, password=STAFF_PASSWORD),
        "admin2": make_user(role=Role.ADMIN, password=STAFF_PASSWORD),
        "member_c": make_user(),
    }
    db.session.add(
        ReviewSystem(
            company_id=extra["member_c"].company_id,
            provider=Provider.OTHER,
            status=SystemStatus.APPROVED,
            is_current=True,
            other_name="Eigen Systeem",
            other_url="https://eigen.example/",
            other_description="Goedgekeurd.",
            requested_at=utcnow(),
        )
    )
    db.session.commit()
    for name, user in extra.items():
        dict.__setitem__(world.users, name, user.id)
