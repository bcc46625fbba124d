"""No lost update and no double create (issue 14 §3, SECURITY.md §5).

Two sessions on the same record: the second save from an older page gets 409, the stored data
stays the first save's, the second user's input is echoed with what changed, and a deliberate
second save goes through. Create forms: the same idempotency key three times, one after another
and (on PostgreSQL) at the same moment, makes one record.
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, update

from portal.complaints.models import Complaint, LetterTemplate
from portal.core.concurrency import IdempotencyKey
from portal.extensions import db
from portal.members.models import Company
from tests.battery.forms import forms_in
from tests.conftest import accept_agreement

CONFLICT = "Iemand anders heeft dit intussen gewijzigd"


def form_data(client, page: str, action: str) -> dict:
    """The values a browser would post from the form with `action` on `page`."""
    response = client.get(page)
    assert response.status_code == 200
    for form in forms_in(response.text, urlsplit(page).path):
        if form.action == action:
            return {k: v for k, v in form.fields.items() if v != "" or k != "specialisms"}
    raise AssertionError(f"no form posting to {action} on {page}")


@pytest.fixture
def two_sessions(app, make_user, login):
    """Two browsers of the same company's beheerders."""
    first = make_user()
    second = make_user(company=first.company)
    accept_agreement(first.company, first)  # the complaint register needs it (issue 15)
    a, b = app.test_client(), app.test_client()
    login(a, first)
    login(b, second)
    return first.company, a, b


DETAILS = "/mijn-profiel/bedrijfsgegevens"


def test_stale_details_save_is_refused_with_409_and_input_kept(two_sessions):
    company, a, b = two_sessions
    seen_by_a = form_data(a, DETAILS, DETAILS)
    seen_by_b = form_data(b, DETAILS, DETAILS)
    assert seen_by_a["version"].startswith("1.")

    first = a.post(DETAILS, data=seen_by_a | {"phone": "020 765 43 21"})
    assert first.status_code == 303
    second = b.post(DETAILS, data=seen_by_b | {"opening_hours": "za 9-12"})

    assert second.status_code == 409
    assert CONFLICT in second.text
    assert "Telefoonnummer: 020 765 43 21" in second.text  # what changed, with its value now
    assert "Openingstijden:" not in second.text.split(CONFLICT)[1].split("</ul>")[0]
    assert "za 9-12" in second.text  # the user's input is still in the form
    db.session.expire_all()
    stored = db.session.get(Company, company.id)
    assert (stored.phone, stored.opening_hours) == ("020 765 43 21", "")

    retry = form_data_from(second.text, DETAILS)  # the 409 page's form carries the new version
    assert retry["opening_hours"].strip() == "za 9-12"
    # Having read the notice, the user keeps the colleague's phone number and saves on purpose.
    assert b.post(DETAILS, data=retry | {"phone": "020 765 43 21"}).status_code == 303
    db.session.expire_all()
    stored = db.session.get(Company, company.id)
    assert (stored.phone, stored.opening_hours) == ("020 765 43 21", "za 9-12")


def form_data_from(html: str, action: str) -> dict:
    for form in forms_in(html, action):
        if form.action == action:
            return {k: v for k, v in form.fields.items() if v != "" or k != "specialisms"}
    raise AssertionError(f"no form posting to {action}")


def test_htmx_stale_save_gets_the_fragment_with_409(two_sessions):
    _, a, b = two_sessions
    seen_by_b = form_data(b, DETAILS, DETAILS)
    assert (
        a.post(DETAILS, data=form_data(a, DETAILS, DETAILS) | {"city": "Zeist"}).status_code == 303
    )
    headers = {"HX-Request": "true", "HX-Target": "company-details-form"}
    response = b.post(DETAILS, data=seen_by_b | {"city": "Baarn"}, headers=headers)
    assert response.status_code == 409
    assert "<html" not in response.text
    assert CONFLICT in response.text and "Plaats: Zeist" in response.text


def test_race_between_check_and_write_is_a_409_too(two_sessions, monkeypatch):
    """Someone commits after the version check passed: the UPDATE finds no row of that version."""
    from portal.members import services

    company, a, _ = two_sessions
    seen = form_data(a, DETAILS, DETAILS)
    real = services.update_company

    def interleaved(target, data, **kwargs):
        db.session.execute(
            update(Company).where(Company.id == target.id)
            .values(version=Company.version + 1, phone="0800 111 22 33"),
            execution_options={"synchronize_session": False},
        )  # fmt: skip
        return real(target, data, **kwargs)

    monkeypatch.setattr(services, "update_company", interleaved)
    response = a.post(DETAILS, data=seen | {"opening_hours": "ma 8-12"})
    assert response.status_code == 409
    assert CONFLICT in response.text and "ma 8-12" in response.text
    db.session.expire_all()
    assert db.session.get(Company, company.id).opening_hours == ""


def test_stale_opt_out_is_refused(two_sessions):
    company, a, b = two_sessions
    action = "/mijn-profiel/zichtbaarheid"
    seen_by_b = form_data(b, DETAILS, action)
    assert (
        a.post(DETAILS, data=form_data(a, DETAILS, DETAILS) | {"city": "Zeist"}).status_code == 303
    )
    response = b.post(action, data=seen_by_b | {"directory_opt_out": "y", "confirm": "y"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Company, company.id).directory_opt_out is False


def test_stale_staff_edit_of_a_member_is_refused(app, make_user, login):
    from portal.auth.models import Role

    member = make_user()
    staff = make_user(role=Role.STAFF)
    a, b = app.test_client(), app.test_client()
    login(a, member)
    login(b, staff)
    edit = f"/beheer/leden/{member.company.public_id}/bewerken"
    seen_by_staff = form_data(b, edit, edit)
    assert (
        a.post(DETAILS, data=form_data(a, DETAILS, DETAILS) | {"phone": "0101234567"}).status_code
        == 303
    )
    response = b.post(edit, data=seen_by_staff | {"opening_hours": "nooit"})
    assert response.status_code == 409 and CONFLICT in response.text
    db.session.expire_all()
    assert db.session.get(Company, member.company_id).opening_hours == ""


def _complaint(client) -> str:
    data = form_data(client, "/mijn-profiel/klachten/nieuw", "/mijn-profiel/klachten/nieuw")
    data |= {
        "complainant_name": "Klaas",
        "description": "Lekkage",
        "received_on": "2026-01-05",
        "channel": "phone",
    }
    response = client.post("/mijn-profiel/klachten/nieuw", data=data)
    assert response.status_code == 303
    return response.headers["Location"]


def test_stale_complaint_edit_is_refused(two_sessions):
    _, a, b = two_sessions
    show = _complaint(a)
    edit = show.rstrip("/") + "/bewerken"
    seen_by_a, seen_by_b = form_data(a, edit, edit), form_data(b, edit, edit)
    assert a.post(edit, data=seen_by_a | {"resolution": "Nieuwe kraan"}).status_code == 303
    response = b.post(edit, data=seen_by_b | {"remarks": "Klant belt terug"})
    assert response.status_code == 409
    assert "Oplossing: Nieuwe kraan" in response.text and "Klant belt terug" in response.text
    db.session.expire_all()
    complaint = db.session.scalars(select(Complaint)).one()
    assert (complaint.resolution, complaint.remarks) == ("Nieuwe kraan", "")


def test_member_complaint_form_submitted_three_times_creates_one(two_sessions):
    _, a, _ = two_sessions
    new = "/mijn-profiel/klachten/nieuw"
    data = form_data(a, new, new) | {
        "complainant_name": "Klaas", "description": "Lekkage", "received_on": "2026-01-05", "channel": "phone",
    }  # fmt: skip
    assert len(data["idempotency_key"]) >= 16
    locations = {a.post(new, data=data).headers["Location"] for _ in range(3)}
    assert len(locations) == 1
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 1


PUBLIC = {
    "complainant_name": "Peter Publiek",
    "complainant_email": "peter@consument.example",
    "subject": "Warmtepomp maakt lawaai",
    "description": "Sinds de installatie bromt de buitenunit.",
}


@pytest.fixture
def listed(make_user):
    user = make_user()
    accept_agreement(user.company, user)  # the public complaint form needs it (issue 15)
    return user.company


def test_public_complaint_submitted_three_times_creates_one(app, listed):
    url = f"/ledenzoeker/{listed.slug}/klacht"
    client = app.test_client()
    data = form_data(client, url, url) | PUBLIC
    responses = [client.post(url, data=data) for _ in range(3)]
    assert [r.status_code for r in responses] == [303, 303, 303]
    assert {r.headers["Location"] for r in responses} == {f"{url}/verzonden"}
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 1
    # A new render is a new submit.
    assert client.post(url, data=form_data(client, url, url) | PUBLIC).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 2


@pytest.mark.parametrize("key", [None, "", "kort", "x" * 200, "<script>"])
def test_missing_or_malformed_key_is_an_ordinary_submit(app, listed, key):
    url = f"/ledenzoeker/{listed.slug}/klacht"
    data = dict(PUBLIC) if key is None else PUBLIC | {"idempotency_key": key}
    assert app.test_client().post(url, data=data).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 1
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0


def test_simultaneous_public_submits_create_one_complaint(app, listed):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the in-memory SQLite test database has one shared connection")
    url = f"/ledenzoeker/{listed.slug}/klacht"
    data = form_data(app.test_client(), url, url) | PUBLIC
    barrier = threading.Barrier(3)
    statuses: list[int] = []

    def submit():
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post(url, data=data).status_code)

    threads = [threading.Thread(target=submit) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303, 303, 303]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 1


def test_combined_version_changes_with_any_part():
    from portal.core.concurrency import combined_version

    base = combined_version(("a", 1), ("b", 1))
    assert base == combined_version(("a", 1), ("b", 1))
    assert base != combined_version(("a", 1), ("b", 2))
    assert base != combined_version(("a", 1))
    assert 0 <= base < 1_000_000_000


def test_settings_row_stored_meanwhile_makes_the_page_stale(app, make_user, login):
    """No setting row exists yet; another admin's save inserts one: the older page is stale."""
    from portal.auth.models import Role
    from portal.core.models import Setting

    first, second = make_user(role=Role.ADMIN), make_user(role=Role.ADMIN)
    a, b = app.test_client(), app.test_client()
    login(a, first)
    login(b, second)
    url = "/beheer/instellingen"
    seen_by_b = form_data(b, url, url)
    assert a.post(url, data=form_data(a, url, url) | {"deadline_days": "30"}).status_code == 303
    response = b.post(url, data=seen_by_b | {"reminder_batch_max": "444"})
    assert response.status_code == 409
    assert (
        "Termijn voor nieuwe leden (dagen): 30" in response.text and 'value="444"' in response.text
    )
    db.session.expire_all()
    assert db.session.get(Setting, "reminder_batch_max").value == "500"  # the first save's
    assert db.session.get(Setting, "deadline_days").value == "30"


def test_race_on_a_setting_row_is_a_409(app, make_user, login, monkeypatch):
    """Someone saves after the version check passed: the UPDATE finds no row of that version."""
    from portal.admin.routes import settings as routes_admin
    from portal.auth.models import Role
    from portal.core.models import Setting

    admin = make_user(role=Role.ADMIN)
    client = app.test_client()
    login(client, admin)
    url = "/beheer/instellingen"
    assert client.post(url, data=form_data(client, url, url)).status_code == 303  # rows exist
    seen = form_data(client, url, url)
    real = routes_admin.update_settings

    def interleaved(values, **kwargs):
        db.session.execute(
            update(Setting).where(Setting.key == "deadline_days")
            .values(version=Setting.version + 1, value="40"),
            execution_options={"synchronize_session": False},
        )  # fmt: skip
        return real(values, **kwargs)

    monkeypatch.setattr(routes_admin, "update_settings", interleaved)
    response = client.post(url, data=seen | {"deadline_days": "30"})
    assert response.status_code == 409 and CONFLICT in response.text
    db.session.expire_all()
    assert db.session.get(Setting, "deadline_days").value == "21"  # the interleaved write too
    # was rolled back with the losing save: here both ran in one transaction.


def test_keys_are_scoped_by_url_arguments(app, make_user):
    """A key posted to another URL of the same endpoint (another company's form) is another submit."""
    one, two = make_user().company, make_user().company
    for company in (one, two):
        accept_agreement(company)
    client = app.test_client()
    first = f"/ledenzoeker/{one.slug}/klacht"
    data = form_data(client, first, first) | PUBLIC
    assert client.post(first, data=data).status_code == 303
    response = client.post(f"/ledenzoeker/{two.slug}/klacht", data=data)
    assert response.headers["Location"].endswith(f"/ledenzoeker/{two.slug}/klacht/verzonden")
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 2


def _versioned_models() -> dict[str, type]:
    """Every mapped class with a `version_id_col`, by class name (read from the mappers)."""
    return {
        mapper.class_.__name__: mapper.class_
        for mapper in db.Model.registry.mappers
        if mapper.version_id_col is not None
    }


def _bulk_updates_without_version(source: str, versioned: set[str]) -> list[int]:
    """Lines of `update(<versioned model>)...` statements that set values but not `version`.

    A statement without `.values()` is an ORM bulk UPDATE by primary key: SQLAlchemy checks and
    moves the version itself when the rows carry it.
    """
    import ast

    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    missing = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "update"
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in versioned
        ):
            continue
        sets, sets_version, here = False, False, node
        while isinstance(parents.get(here), ast.Attribute):
            attribute = parents[here]
            call = parents.get(attribute)
            if not isinstance(call, ast.Call):
                break
            if attribute.attr in ("values", "ordered_values"):
                sets = True
                keys = [k.arg for k in call.keywords] + [
                    key.value
                    for arg in call.args
                    if isinstance(arg, ast.Dict)
                    for key in arg.keys
                    if isinstance(key, ast.Constant)
                ]
                sets_version |= "version" in keys
            here = call
        if sets and not sets_version:
            missing.append(node.lineno)
    return missing


def test_guard_finds_a_bulk_update_without_version():
    versioned = {"Complaint"}
    assert _bulk_updates_without_version(
        "db.session.execute(update(Complaint).where(x).values(received_by=y))", versioned
    ) == [1]
    assert not _bulk_updates_without_version(
        "update(Complaint).where(x).values(received_by=y, version=Complaint.version + 1)",
        versioned,
    )
    assert not _bulk_updates_without_version("update(Other).values(a=1)", versioned)


def test_every_bulk_update_of_a_versioned_model_moves_the_version(app):
    """An open edit form must go stale when a bulk UPDATE changes its row (erasure, retention)."""
    from pathlib import Path

    import portal

    versioned = set(_versioned_models())
    assert {"Complaint", "ReviewSystem", "Company", "LetterTemplate"} <= versioned
    root = Path(portal.__file__).parent
    found = {
        f"{path.relative_to(root)}:{line}"
        for path in sorted(root.rglob("*.py"))
        for line in _bulk_updates_without_version(path.read_text(encoding="utf-8"), versioned)
    }
    assert not found, f"bulk UPDATE of a versioned model without version=: {sorted(found)}"


LETTER = "/mijn-profiel/klachten/instellingen/brieven/interim"


def test_row_made_again_at_the_same_version_is_still_stale(two_sessions):
    """A reset deletes the letter template; the next save makes a new row at version 1 again.
    A form opened on the old row at version 1 must not pass on the number alone."""
    _, a, b = two_sessions
    seen = form_data(a, LETTER, LETTER)
    assert a.post(LETTER, data=seen | {"body": seen["body"] + " Tekst X."}).status_code == 303
    stale_b = form_data(b, LETTER, LETTER)
    assert a.post(LETTER + "/standaard", data={}).status_code == 303  # reset: row deleted
    seen = form_data(a, LETTER, LETTER)
    assert a.post(LETTER, data=seen | {"body": seen["body"] + " Tekst Y."}).status_code == 303
    assert form_data(a, LETTER, LETTER)["version"].split(".")[0] == stale_b["version"].split(".")[0]

    response = b.post(LETTER, data=stale_b | {"subject": "Onderwerp van B"})
    assert response.status_code == 409 and CONFLICT in response.text
    db.session.expire_all()
    assert "Tekst Y." in db.session.scalars(select(LetterTemplate)).one().body

    again = form_data_from(response.text, LETTER)  # a deliberate second save goes through
    assert b.post(LETTER, data=again).status_code == 303
    db.session.expire_all()
    assert db.session.scalars(select(LetterTemplate)).one().subject == "Onderwerp van B"


def test_version_of_another_record_is_stale(two_sessions):
    _, a, _ = two_sessions
    first, second = (_complaint(a).rstrip("/") + "/bewerken" for _ in range(2))
    assert (
        a.post(first, data=form_data(a, first, first) | {"resolution": "Kraan"}).status_code == 303
    )
    seen_first, seen_second = form_data(a, first, first), form_data(a, second, second)
    other = seen_first["version"]
    assert other.split(".")[0] != seen_second["version"].split(".")[0]
    assert a.post(second, data=seen_second | {"remarks": "x"}).status_code == 303  # now equal
    response = a.post(second, data=seen_second | {"version": other, "remarks": "van elders"})
    assert response.status_code == 409
    db.session.expire_all()
    assert {c.remarks for c in db.session.scalars(select(Complaint))} == {"", "x"}


def test_conflict_outside_the_form_fields_shows_no_version_number(two_sessions, monkeypatch):
    """A race that changed only the version: the notice says so in words, not with a number."""
    from portal.members import services

    company, a, _ = two_sessions
    seen = form_data(a, DETAILS, DETAILS)
    real = services.update_company

    def interleaved(target, data, **kwargs):
        db.session.execute(
            update(Company).where(Company.id == target.id)
            .values(version=Company.version + 1),
            execution_options={"synchronize_session": False},
        )  # fmt: skip
        return real(target, data, **kwargs)

    monkeypatch.setattr(services, "update_company", interleaved)
    response = a.post(DETAILS, data=seen | {"opening_hours": "ma 8-12"})
    assert response.status_code == 409
    notice = response.text.split(CONFLICT)[1].split("</div>")[0]
    assert "niet in de velden van dit formulier" in notice
    assert "Versie" not in notice
    assert str(db.session.get(Company, company.id).version) not in notice


def test_simultaneous_category_saves_do_not_both_pass(two_sessions, monkeypatch):
    """Two saves that change only the (unversioned) categories pass the check together; the
    policy row is written on every save, so the later one fails on its version and gets 409."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the in-memory SQLite test database has one shared connection")

    from portal.complaints import services
    from portal.complaints.models import ComplaintCategory

    company, a, b = two_sessions
    settings = "/mijn-profiel/klachten/instellingen"
    assert a.post(settings, data=form_data(a, settings, settings)).status_code == 303
    seen_a, seen_b = form_data(a, settings, settings), form_data(b, settings, settings)
    seen_a["categories"] += "\nCategorie van A"
    seen_b["categories"] += "\nCategorie van B"
    barrier = threading.Barrier(2, timeout=60)  # bounds a hang only: one request may be slow
    first_done = threading.Event()
    real = services.save_policy

    def held(*args, **kwargs):
        barrier.wait()  # both passed the version check
        if threading.current_thread().name == "later":
            # The other save commits first: wait for its whole request, not a fixed second
            # (on a busy machine that second was sometimes not enough).
            assert first_done.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "save_policy", held)
    statuses: dict[str, int] = {}

    def save(name, client, data):
        try:
            statuses[name] = client.post(settings, data=data).status_code
        finally:
            if name == "first":
                first_done.set()

    threads = [
        threading.Thread(target=save, args=("first", a, seen_a), name="first"),
        threading.Thread(target=save, args=("later", b, seen_b), name="later"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses == {"first": 303, "later": 409}
    db.session.expire_all()
    active = set(db.session.scalars(select(ComplaintCategory.name).where(
        ComplaintCategory.company_id == company.id, ComplaintCategory.active
    )))  # fmt: skip
    assert "Categorie van A" in active and "Categorie van B" not in active
