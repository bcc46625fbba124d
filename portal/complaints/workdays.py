"""Working-day arithmetic with Dutch public holidays, for complaint deadlines.

Choices (documented, configurable per call):
- Goede Vrijdag is *not* a day off by default: it is no general holiday in the Netherlands and
  the installation sector's collective agreement does not grant it. `good_friday=True` counts it.
- Bevrijdingsdag (5 May) counts only in lustrum years (2025, 2030, …) by default, as most
  collective agreements (the technical installation sector's included) grant it;
  `liberation_yearly=True` counts it every year.
- Koningsdag is 27 April, or 26 April when the 27th is a Sunday (from 2014). Before 2014 it was
  Koninginnedag on 30 April (29 April when a Sunday).
Saturdays and Sundays are never working days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class HolidayRules:
    """Which optional days count as holidays."""

    good_friday: bool = False
    liberation_yearly: bool = False


DEFAULT_RULES = HolidayRules()


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian computus, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def kings_day(year: int) -> date:
    """Koningsdag (Koninginnedag before 2014), moved back a day when it falls on a Sunday."""
    day = date(year, 4, 27) if year >= 2014 else date(year, 4, 30)
    return day - timedelta(days=1) if day.weekday() == 6 else day


def public_holidays(year: int, rules: HolidayRules = DEFAULT_RULES) -> dict[date, str]:
    """The year's Dutch public holidays as {date: Dutch name}."""
    easter = easter_sunday(year)
    days = {
        date(year, 1, 1): "Nieuwjaarsdag",
        easter: "Eerste paasdag",
        easter + timedelta(days=1): "Tweede paasdag",
        kings_day(year): "Koningsdag" if year >= 2014 else "Koninginnedag",
        easter + timedelta(days=39): "Hemelvaartsdag",
        easter + timedelta(days=49): "Eerste pinksterdag",
        easter + timedelta(days=50): "Tweede pinksterdag",
        date(year, 12, 25): "Eerste kerstdag",
        date(year, 12, 26): "Tweede kerstdag",
    }
    if rules.good_friday:
        days[easter - timedelta(days=2)] = "Goede Vrijdag"
    if rules.liberation_yearly or year % 5 == 0:
        days[date(year, 5, 5)] = "Bevrijdingsdag"
    return dict(sorted(days.items()))


def is_working_day(day: date, rules: HolidayRules = DEFAULT_RULES) -> bool:
    """Monday to Friday and not a public holiday."""
    return day.weekday() < 5 and day not in public_holidays(day.year, rules)


def next_working_day(day: date, rules: HolidayRules = DEFAULT_RULES) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day, rules):
        day += timedelta(days=1)
    return day


def add_working_days(start: date, n: int, rules: HolidayRules = DEFAULT_RULES) -> date:
    """The date `n` working days after `start` (n ≥ 0); `start` itself is not counted.

    With n = 0 the result is `start` rolled forward to a working day.
    :raises ValueError: n is negative.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    if n == 0:
        return next_working_day(start, rules)
    day = start
    while n:
        day += timedelta(days=1)
        if is_working_day(day, rules):
            n -= 1
    return day


def subtract_working_days(end: date, n: int, rules: HolidayRules = DEFAULT_RULES) -> date:
    """The working day `n` working days before `end` (for reminder dates; n ≥ 0)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = end
    while n:
        day -= timedelta(days=1)
        if is_working_day(day, rules):
            n -= 1
    return day


def working_days_between(start: date, end: date, rules: HolidayRules = DEFAULT_RULES) -> int:
    """Working days after `start` up to and including `end` (0 when end ≤ start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, rules):
            count += 1
    return count


def due_after_days(start: date, days: int, rules: HolidayRules = DEFAULT_RULES) -> date:
    """`days` calendar days after `start`, moved to the next working day when it is not one."""
    return next_working_day(start + timedelta(days=days), rules)
