"""Working days and Dutch public holidays: Easter computus, Koningsdag, lustrum, deadlines."""

from __future__ import annotations

from datetime import date

import pytest

from portal.complaints import workdays
from portal.complaints.models import ComplaintPolicy
from portal.complaints.services import compute_deadlines
from portal.complaints.workdays import HolidayRules

D = date


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (1818, D(1818, 3, 22)),  # earliest possible
        (1943, D(1943, 4, 25)),  # latest possible
        (2000, D(2000, 4, 23)),
        (2019, D(2019, 4, 21)),
        (2024, D(2024, 3, 31)),
        (2025, D(2025, 4, 20)),
        (2026, D(2026, 4, 5)),
        (2027, D(2027, 3, 28)),
        (2029, D(2029, 4, 1)),
        (2038, D(2038, 4, 25)),
    ],
)
def test_easter_sunday(year, easter):
    assert workdays.easter_sunday(year) == easter


def test_holidays_2026_default_rules():
    assert workdays.public_holidays(2026) == {
        D(2026, 1, 1): "Nieuwjaarsdag",
        D(2026, 4, 5): "Eerste paasdag",
        D(2026, 4, 6): "Tweede paasdag",
        D(2026, 4, 27): "Koningsdag",
        D(2026, 5, 14): "Hemelvaartsdag",
        D(2026, 5, 24): "Eerste pinksterdag",
        D(2026, 5, 25): "Tweede pinksterdag",
        D(2026, 12, 25): "Eerste kerstdag",
        D(2026, 12, 26): "Tweede kerstdag",
    }


def test_holidays_2025_lustrum_and_sunday_kings_day():
    days = workdays.public_holidays(2025)
    assert days[D(2025, 4, 26)] == "Koningsdag"  # 27 April 2025 is a Sunday
    assert D(2025, 4, 27) not in days
    assert days[D(2025, 5, 5)] == "Bevrijdingsdag"  # lustrum year
    assert days[D(2025, 5, 29)] == "Hemelvaartsdag"
    assert len(days) == 10


@pytest.mark.parametrize(
    ("year", "day"),
    [
        (2014, D(2014, 4, 26)),
        (2020, D(2020, 4, 27)),
        (2031, D(2031, 4, 26)),
        (2013, D(2013, 4, 30)),
    ],
)
def test_kings_day(year, day):
    assert workdays.kings_day(year) == day


def test_optional_days_follow_the_rules():
    plain = workdays.public_holidays(2026)
    both = workdays.public_holidays(2026, HolidayRules(good_friday=True, liberation_yearly=True))
    assert set(both) - set(plain) == {D(2026, 4, 3), D(2026, 5, 5)}
    assert both[D(2026, 4, 3)] == "Goede Vrijdag"


@pytest.mark.parametrize(
    ("start", "n", "rules", "expected"),
    [
        (D(2026, 4, 2), 2, HolidayRules(), D(2026, 4, 7)),  # Good Friday counts, Easter Monday not
        (D(2026, 4, 2), 2, HolidayRules(good_friday=True), D(2026, 4, 8)),
        (D(2026, 4, 24), 2, HolidayRules(), D(2026, 4, 29)),  # over Koningsdag (Monday)
        (D(2026, 5, 13), 2, HolidayRules(), D(2026, 5, 18)),  # over Hemelvaart
        (D(2025, 5, 4), 1, HolidayRules(), D(2025, 5, 6)),  # Bevrijdingsdag 2025 (lustrum)
        (D(2026, 5, 4), 1, HolidayRules(), D(2026, 5, 5)),  # 2026: a working day
        (D(2026, 5, 4), 1, HolidayRules(liberation_yearly=True), D(2026, 5, 6)),
        (D(2026, 12, 23), 2, HolidayRules(), D(2026, 12, 28)),  # over Christmas and a weekend
        (D(2026, 12, 31), 1, HolidayRules(), D(2027, 1, 4)),  # over New Year
        (D(2026, 3, 6), 1, HolidayRules(), D(2026, 3, 9)),  # Friday → Monday
        (D(2026, 3, 7), 0, HolidayRules(), D(2026, 3, 9)),  # Saturday rolled forward
    ],
)
def test_add_working_days(start, n, rules, expected):
    assert workdays.add_working_days(start, n, rules) == expected


def test_between_and_subtract_are_consistent():
    assert workdays.working_days_between(D(2026, 4, 2), D(2026, 4, 7)) == 2
    assert workdays.working_days_between(D(2026, 4, 7), D(2026, 4, 2)) == 0
    assert workdays.subtract_working_days(D(2026, 4, 7), 1) == D(2026, 4, 3)
    for n in range(0, 30):
        end = workdays.add_working_days(D(2026, 3, 30), n)
        if n:
            assert workdays.working_days_between(D(2026, 3, 30), end) == n


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="negative"):
        workdays.add_working_days(D(2026, 1, 5), -1)


@pytest.mark.parametrize(
    ("received", "ack", "due"),
    [
        (D(2026, 3, 2), D(2026, 3, 4), D(2026, 3, 16)),
        (D(2026, 3, 22), D(2026, 3, 24), D(2026, 4, 7)),  # due lands on Easter → Tuesday
        (D(2026, 4, 30), D(2026, 5, 4), D(2026, 5, 14 + 1)),  # due on Hemelvaart → Friday
    ],
)
def test_complaint_deadlines_from_policy(received, ack, due):
    policy = ComplaintPolicy(ack_working_days=2, handling_days=14)
    assert compute_deadlines(received, policy, HolidayRules()) == (ack, due)
