"""Reminders: safe placeholder rendering, preview, throttling and idempotency (twice sends once)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.compliance import reminders, services
from portal.compliance.models import Reminder, ReminderBatch, ReminderTemplate
from portal.core.db import utcnow
from portal.core.models import AuditEvent, OutboxMessage, Setting
from portal.core.templating import AMSTERDAM, nl_date
from portal.extensions import db

OLD = date(2020, 1, 1)


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def rows_for(*companies):
    return services.overview_rows(utcnow(), company_ids=[c.id for c in companies])


def test_template_substitutes_only_known_placeholders(app, make_company):
    company = make_company(trade_name="Jansen & Zn", member_number="L000042", member_since=OLD)
    template = reminders.template_by_key("geen_systeem")
    template.subject = "Herinnering voor $bedrijfsnaam ($lidnummer)"
    template.body = "{{ 7*7 }} {% raw %} ${bedrijfsnaam} $onbekend $$ $status"
    subject, body = reminders.render_for(template, rows_for(company)[0], today=utcnow().date())
    assert subject == "Herinnering voor Jansen & Zn (L000042)"
    assert body == "{{ 7*7 }} {% raw %} Jansen & Zn $onbekend $ voldoet niet"


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("Beste $bedrijfsnaam", []),
        ("Beste ${bedrijfsnaam}, $$5", []),
        ("$__class__ $config", ["__class__", "config"]),
        ("kosten $ 5", ["$"]),
    ],
)
def test_template_problems(text, problems):
    assert reminders.template_problems(text) == problems


def test_edit_template_refuses_unknown_placeholder(staff_client):
    url = "/beheer/criterium-2/herinneringen/teksten/geen_systeem"
    bad = staff_client.post(url, data={"subject": "Hoi $config", "body": "Tekst"})
    assert bad.status_code == 422
    assert "Onbekende plaatshouder: config" in bad.text
    ok = staff_client.post(url, data={"subject": "Hoi $bedrijfsnaam", "body": "Nieuwe tekst"})
    assert ok.status_code == 303
    stored = db.session.scalars(
        select(ReminderTemplate).where(ReminderTemplate.key == "geen_systeem")
    ).one()
    assert (stored.subject, stored.body) == ("Hoi $bedrijfsnaam", "Nieuwe tekst")
    assert db.session.scalars(select(AuditEvent.action)).all() == ["compliance.template_updated"]


def test_send_twice_within_interval_sends_once(app, make_company, staff):
    a, b = make_company(member_since=OLD), make_company(member_since=OLD)
    template = reminders.template_by_key("geen_systeem")
    first = reminders.send(rows_for(a, b), template, by=staff, now=utcnow(), source="staff")
    db.session.commit()
    second = reminders.send(rows_for(a, b), template, by=staff, now=utcnow(), source="staff")
    db.session.commit()
    assert (first.sent, first.skipped) == (2, 0)
    assert (second.sent, second.skipped) == (0, 2)
    assert outbox_count() == 2
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 2
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.company_id == a.id)
    ).one()
    assert message.to_address == a.email and message.kind == "compliance.geen_systeem"
    assert a.display_name in message.body


def test_interval_edge_and_other_kinds(app, make_company, staff):
    company = make_company(member_since=OLD)
    db.session.add(Setting(key="reminder_interval_days", value="7"))
    db.session.commit()
    now = utcnow()
    no_system = reminders.template_by_key("geen_systeem")
    reminders.send(
        rows_for(company), no_system, by=staff, now=now - timedelta(days=7), source="staff"
    )
    # Exactly 7 days later the interval has passed; another kind is never blocked by it.
    planned = reminders.plan(rows_for(company), no_system, now=now)
    assert [p.skip for p in planned] == [""]
    planned = reminders.plan(rows_for(company), no_system, now=now - timedelta(seconds=1))
    assert [p.skip for p in planned] == [reminders.SKIP_RECENT]
    assert [
        p.skip
        for p in reminders.plan(
            rows_for(company), reminders.template_by_key("onder_minimum"), now=now
        )
    ] == [""]


def test_no_address_falls_back_to_beheerder_or_is_skipped(app, make_company, make_user, staff):
    with_user = make_company(email="", member_since=OLD)
    user = make_user(company=with_user)
    without = make_company(email="", member_since=OLD)
    template = reminders.template_by_key("geen_systeem")
    planned = reminders.plan(rows_for(with_user, without), template, now=utcnow())
    by_company = {p.row.facts.company_id: p for p in planned}
    assert by_company[with_user.id].address == user.email and by_company[with_user.id].skip == ""
    assert by_company[without.id].skip == reminders.SKIP_NO_ADDRESS


def test_batch_maximum_throttles(app, make_company, staff):
    companies = [make_company(member_since=OLD) for _ in range(3)]
    db.session.add(Setting(key="reminder_batch_max", value="2"))
    db.session.commit()
    batch = reminders.send(
        rows_for(*companies),
        reminders.template_by_key("geen_systeem"),
        by=staff,
        now=utcnow(),
        source="staff",
    )
    assert (batch.sent, batch.skipped) == (2, 1)


def test_cli_remind_twice_sends_once(app, make_company, make_system):
    failing = make_company(member_since=OLD)
    new_member = make_company(member_since=utcnow().date())  # still within the deadline
    fine = make_company(member_since=OLD)
    make_system(fine)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["compliance", "remind"])
    second = runner.invoke(args=["compliance", "remind"])
    assert first.exit_code == 0, first.output
    assert first.output.strip() == "geen_systeem: selected=1 sent=1 skipped=0"
    assert second.output.strip() == "geen_systeem: selected=1 sent=0 skipped=1"
    sent_to = db.session.scalars(select(OutboxMessage.company_id)).all()
    assert sent_to == [failing.id]
    assert new_member.id not in sent_to
    batches = db.session.scalars(select(ReminderBatch.source)).all()
    assert batches == ["cron", "cron"]


def test_cli_dry_run_sends_nothing(app, make_company):
    make_company(member_since=OLD)
    result = app.test_cli_runner().invoke(args=["compliance", "remind", "--dry-run"])
    assert result.output.strip() == "geen_systeem: selected=1 sent=1 skipped=0"
    assert outbox_count() == 0


def test_bulk_preview_then_send(staff_client, make_company):
    a = make_company(member_since=OLD, trade_name="Alfa Installaties")
    b = make_company(member_since=OLD, trade_name="Beta Techniek")
    preview = staff_client.post(
        "/beheer/criterium-2/herinneringen/voorbeeld",
        data={"leden": [a.public_id], "kind": "geen_systeem", "selectie": "gekozen"},
    )
    assert preview.status_code == 200
    assert "Alfa Installaties" in preview.text and "Beta Techniek" not in preview.text
    assert outbox_count() == 0  # the preview sends nothing
    sent = staff_client.post(
        "/beheer/criterium-2/herinneringen/versturen",
        data={"leden_ids": a.public_id, "kind": "geen_systeem", "status": "voldoet_niet"},
    )
    assert sent.status_code == 303
    assert sent.headers["Location"].endswith("/beheer/criterium-2/?status=voldoet_niet")
    assert db.session.scalars(select(OutboxMessage.company_id)).all() == [a.id]
    again = staff_client.post(
        "/beheer/criterium-2/herinneringen/versturen",
        data={"leden_ids": f"{a.public_id},{b.public_id}", "kind": "geen_systeem"},
    )
    assert again.status_code == 303
    assert sorted(db.session.scalars(select(OutboxMessage.company_id)).all()) == sorted(
        [a.id, b.id]
    )


def test_bulk_preview_of_whole_filter(staff_client, make_company, make_system):
    failing = [make_company(member_since=OLD) for _ in range(2)]
    make_system(make_company(member_since=OLD))
    preview = staff_client.post(
        "/beheer/criterium-2/herinneringen/voorbeeld",
        data={"selectie": "alle", "status": "voldoet_niet", "kind": "geen_systeem"},
    )
    assert preview.status_code == 200
    assert "2 leden krijgen deze herinnering; 0 worden overgeslagen." in preview.text
    for company in failing:
        assert company.public_id in preview.text


def test_preview_without_selection_redirects_back(staff_client):
    response = staff_client.post(
        "/beheer/criterium-2/herinneringen/voorbeeld", data={"kind": "geen_systeem", "q": "x"}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/beheer/criterium-2/?q=x")


# --- no past deadline in a reminder (issue 20 §6) -------------------------------------------


def test_default_text_states_a_passed_deadline_as_passed(app, make_company, staff):
    company = make_company(member_since=date(2019, 9, 27))  # deadline 18 October 2019
    template = reminders.template_by_key("geen_systeem")
    batch = reminders.send(rows_for(company), template, by=staff, now=utcnow(), source="staff")
    db.session.commit()
    assert batch.sent == 1
    body = db.session.scalars(select(OutboxMessage.body)).one()
    assert "Uw termijn is verstreken op 18 oktober 2019" in body
    assert "loopt tot en met 18 oktober 2019" not in body


def test_running_deadline_is_stated_as_running(app, make_company, staff):
    company = make_company(member_since=utcnow().date() - timedelta(days=3))
    row = rows_for(company)[0]
    _subject, body = reminders.render_for(
        reminders.template_by_key("geen_systeem"), row, today=utcnow().date()
    )
    assert f"Uw termijn loopt tot en met {nl_date(row.deadline)}." in body


def test_a_text_with_the_bare_date_is_refused_for_a_passed_deadline(app, make_company, staff):
    late = make_company(member_since=date(2019, 9, 27))
    fresh = make_company(member_since=utcnow().date() - timedelta(days=3))
    template = reminders.template_by_key("geen_systeem")
    template.body = "Uw termijn loopt tot en met $termijn."
    batch = reminders.send(rows_for(late, fresh), template, by=staff, now=utcnow(), source="staff")
    db.session.commit()
    assert (batch.sent, batch.skipped) == (1, 1)
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.company_id == fresh.id
    planned = reminders.plan(rows_for(late), template, now=utcnow())
    assert [p.skip for p in planned] == [reminders.SKIP_PAST_DEADLINE]
    assert "termijn al verstreken" in str(reminders.SKIP_LABELS[reminders.SKIP_PAST_DEADLINE])


def test_overview_marks_passed_deadlines_overdue(staff_client, make_company):
    late = make_company(member_since=date(2019, 9, 27))
    row = rows_for(late)[0]
    assert row.overdue_days == (utcnow().astimezone(AMSTERDAM).date() - date(2019, 10, 18)).days
    page = staff_client.get("/beheer/criterium-2/")
    assert "verlopen" in page.text
    assert 'class="badge status-bad c2-overdue"' in page.text
