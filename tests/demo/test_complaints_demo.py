"""The demo company's year of complaints: enough variety for the statistics and the report."""

from __future__ import annotations

from datetime import date

from portal.auth.models import CompanyRole
from portal.complaints import stats
from portal.demo.complaints import seed_complaints
from portal.extensions import db

TODAY = date(2026, 12, 1)


def test_a_varied_year(make_user):
    beheerder = make_user(name="Kees de Vries")
    medewerker = make_user(
        name="Fatima el Amrani", company=beheerder.company, company_role=CompanyRole.MEDEWERKER
    )
    count = seed_complaints(beheerder.company, [beheerder, medewerker], today=TODAY)
    db.session.commit()
    rows = stats.load_rows(company_id=beheerder.company_id, start=date(2025, 12, 1), end=TODAY)
    assert len(rows) == count >= 40
    figures = stats.compute(rows, start=date(2025, 12, 1), end=TODAY, with_handlers=True)
    assert all(n > 0 for _, n in figures.by_month[1:-1])  # every month has complaints
    assert len([n for _, n in figures.by_verdict if n]) == 3
    assert 0 < figures.within_deadline < figures.closed  # some late, most on time
    assert figures.open > 0 and figures.costs_total > 0
    assert len(figures.by_handler) == 2 and len(figures.by_installation) >= 5
    assert sum(n for _, n in figures.by_satisfaction) > 10


def test_open_cases_put_complaint_deadlines_on_the_dashboard(make_user, client, login):
    """The dashboard's "complaints with a deadline within 7 days" shows something in the demo:
    open cases due in the coming week and one overdue, whatever the random year produced."""
    from datetime import timedelta

    from portal.complaints.services import now_local_date
    from portal.profile.todos import next_deadline

    beheerder = make_user(name="Kees de Vries")
    today = now_local_date()
    seed_complaints(beheerder.company, [beheerder], today=today)
    db.session.commit()
    from portal.complaints.models import OPEN_STATUSES, Complaint

    deadlines = [
        next_deadline(c)
        for c in db.session.query(Complaint).filter(Complaint.status.in_(OPEN_STATUSES))
    ]
    assert sum(today <= d <= today + timedelta(days=7) for d in deadlines) >= 2
    assert any(d < today for d in deadlines)
    login(client, beheerder)
    assert 'data-todo="complaints"' in client.get("/mijn-profiel/").text


def test_open_case_ages_hold_on_every_day_of_the_year():
    """The dashboard test above runs on whatever day it is: the open cases' ages give one overdue
    term and two within the coming 7 days on every day of five years, under every holiday choice
    (a term ending on a weekend or holiday moves to the next working day)."""
    from datetime import timedelta

    from portal.complaints import workdays
    from portal.demo.complaints import OPEN_CASE_AGES

    handling_days = 14  # the default policy the demo company keeps
    every_rules = [
        workdays.HolidayRules(good_friday=friday, liberation_yearly=yearly)
        for friday in (False, True)
        for yearly in (False, True)
    ]
    day = date(2026, 1, 1)
    while day < date(2031, 1, 1):
        for rules in every_rules:
            dues = [
                workdays.due_after_days(day - timedelta(days=age), handling_days, rules)
                for age in OPEN_CASE_AGES
            ]
            assert sum(d < day for d in dues) == 1, (day, dues)
            assert sum(day <= d <= day + timedelta(days=7) for d in dues) == 2, (day, dues)
        day += timedelta(days=1)
