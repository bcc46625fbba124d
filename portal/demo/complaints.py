"""A year of varied complaints for the first demo company, so the register, the statistics
and the periodic report show something (development data only).

Built through the register's own services (deadlines, letters, reopenings and late cases come
out as they would in use); letters are kept as printed PDFs, so no mail is queued.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from portal.auth.models import User
from portal.complaints import dispatch, letters, services
from portal.complaints.models import Channel, Complaint, LetterKind, Severity
from portal.complaints.services import Action
from portal.members.models import Company

PEOPLE = (
    ("Annemiek Jansen", "Dorpsstraat 12", "3731 AB", "De Bilt"),
    ("Mohamed Bakker", "Kastanjelaan 3", "3512 CD", "Utrecht"),
    ("Ria de Boer", "Molenweg 88", "3951 EF", "Maarn"),
    ("Joost van Dijk", "Stationsweg 5", "3971 GH", "Driebergen"),
    ("Sevda Yilmaz", "Lindenhof 21", "3704 JK", "Zeist"),
    ("Gerrit Smit", "Beukenlaan 40", "3862 LM", "Nijkerk"),
    ("Linda Vos", "Kerkplein 2", "3811 NP", "Amersfoort"),
    ("Pieter Mulder", "Zandweg 17", "3451 RS", "Vleuten"),
)
CASES = (  # (category, installation, subject, description, root cause)
    ("Kwaliteit werk", "Cv-ketel", "Lekkage na onderhoud", "Na het onderhoud lekt de ketel bij de pakking.", "service"),
    ("Kwaliteit werk", "Warmtepomp", "Warmtepomp maakt lawaai", "De buitenunit bromt 's nachts hard.", "product"),
    ("Planning/levertijd", "Zonnepanelen", "Monteur niet gekomen", "Afspraak om 8 uur, niemand gekomen en niet gebeld.", "staff"),
    ("Prijs/factuur", "Airco", "Factuur hoger dan offerte", "De factuur is 340 euro hoger dan de offerte.", "description"),
    ("Bejegening", "Cv-ketel", "Onvriendelijke monteur", "De monteur was kortaf en liet rommel achter.", "staff"),
    ("Communicatie", "Ventilatie", "Geen terugbelverzoek", "Drie keer gebeld, nooit teruggebeld.", "service"),
    ("Schade", "Sanitair", "Tegel gebroken bij montage", "Bij het plaatsen van het toilet is een tegel gebroken.", "staff"),
    ("Kwaliteit werk", "Elektra", "Groep valt steeds uit", "Sinds de nieuwe groepenkast valt de keukengroep uit.", "product"),
    ("Overig", "Dakwerk", "Uitleg gebruiksaanwijzing onduidelijk", "De thermostaat is niet in te stellen met de handleiding.", "instructions"),
)  # fmt: skip
CHANNELS = (
    Channel.PHONE,
    Channel.PHONE,
    Channel.EMAIL,
    Channel.LETTER,
    Channel.WEB_FORM,
    Channel.COUNTER,
)
TECHNICIANS = ("Jan de Wit", "Ahmed Ouali", "Bart Kok")
CUSTOMER_GROUPS = ("private", "private", "private", "business", "vve", "private", "housing")


def seed_complaints(company: Company, users: list[User], *, today: date, seed: int = 2026) -> int:
    """About five complaints a month over the last year; returns how many."""
    rng = random.Random(seed)
    beheerder = users[0]
    policy = services.policy_for(company)
    policy.coordinator_id = beheerder.id
    services.save_policy(company, {n: getattr(policy, n) for n in _POLICY_FIELDS})
    count = 0
    day = today - timedelta(days=364)
    while day <= today - timedelta(days=1):
        for _ in range(rng.choice((0, 1, 1, 2))):
            _one(company, users, rng, received=day, today=today, number=count)
            count += 1
        day += timedelta(days=rng.randint(3, 8))
    for age in OPEN_CASE_AGES:  # open cases whose deadlines fall in the coming week (or passed)
        _one(company, users, rng, received=today - timedelta(days=age), today=today,
             number=count, keep_open=True)  # fmt: skip
        count += 1
    return count


# Received this many days ago and still open: with the default 14-day handling term one is
# overdue and two are due within the dashboard's 7 days, whatever the random year produced and
# whatever the day: a term ending on a weekend or holiday moves up to 4 days (Christmas on a
# Thursday), so the overdue case is older than 14 + 4 days and the others end 1 to 7 days out.
OPEN_CASE_AGES = (20, 13, 11)


_POLICY_FIELDS = (
    "ack_working_days",
    "handling_days",
    "extension_days",
    "reminder_working_days",
    "negative_review_below",
    "coordinator_id",
)


def _one(
    company: Company,
    users: list[User],
    rng: random.Random,
    *,
    received: date,
    today: date,
    number: int,
    keep_open: bool = False,
) -> None:
    name, street, postcode, city = rng.choice(PEOPLE)
    category, installation, subject, description, cause = rng.choice(CASES)
    handler = rng.choice(users)
    severity = rng.choices(list(Severity), weights=(85, 12, 3))[0]
    complaint = services.create_complaint(
        company,
        {
            "complainant_name": name,
            "complainant_street": street,
            "complainant_postcode": postcode,
            "complainant_city": city,
            "complainant_phone": f"06-{rng.randint(10000000, 99999999)}",
            "complainant_email": f"klant{number}@example.nl",
            "subject": subject,
            "description": description,
            "work_order": f"WB-{received.year}-{rng.randint(100, 999)}",
            "installation_type": installation,
            "technician": rng.choice(TECHNICIANS),
            # Not drawn from rng, so the rest of the demo year stays as it was.
            "customer_group": CUSTOMER_GROUPS[number % len(CUSTOMER_GROUPS)],
        },
        by=handler,
        channel=rng.choice(CHANNELS),
        received_on=received,
        category=category,
        severity=severity,
    )
    services.assign_handler(complaint, handler, by=users[0])
    age = (today - received).days
    ack_day = received + timedelta(days=rng.choice((0, 1, 1, 2, 4)))
    if ack_day >= today:
        return
    _letter(complaint, LetterKind.ACKNOWLEDGEMENT, handler, ack_day)
    services.apply_action(complaint, Action.START, {}, by=handler, today=ack_day)
    services.add_note(complaint, "contact", "Klant gebeld, bezoek ingepland.", by=handler)
    if age < 10 or keep_open:
        return  # still being handled
    if rng.random() < 0.2:
        _letter(
            complaint, LetterKind.INTERIM, handler, received + timedelta(days=rng.randint(9, 18))
        )
    close_day = received + timedelta(days=rng.choice((3, 6, 9, 12, 13, 16, 20, 27)))
    if close_day >= today:
        return
    verdict = rng.choices(("justified", "doubtful", "unjustified"), weights=(60, 20, 20))[0]
    services.apply_action(
        complaint,
        Action.CLOSE,
        {
            "resolution": "Monteur is teruggekomen en heeft het probleem verholpen.",
            "agreements": "Controle over een maand bij het onderhoud.",
            "reply_method": "telefonisch en per brief",
            "verdict": verdict,
            "verdict_reason": "Klacht niet terug te voeren op ons werk."
            if verdict == "unjustified"
            else "",
        },
        by=handler,
        today=close_day,
    )
    complaint.root_cause = cause
    complaint.supplier_fault = cause == "product" and rng.random() < 0.6
    complaint.costs = (
        Decimal(rng.choice((0, 45, 85, 120, 250, 480))) if verdict != "unjustified" else None
    )
    _letter(complaint, LetterKind.FINAL, handler, close_day)
    if complaint.followup_on and complaint.followup_on < today and rng.random() < 0.8:
        services.record_followup(
            complaint,
            "Klant gebeld: alles werkt naar wens.",
            satisfaction=rng.choice(("excellent", "very_good", "good", "good", "fair", "poor")),
            by=handler,
            today=complaint.followup_on,
        )
    if rng.random() < 0.1 and close_day + timedelta(days=30) < today:
        again = close_day + timedelta(days=30)
        kind = rng.choice(("repeat", "dispute"))
        services.apply_action(
            complaint,
            Action.REOPEN,
            {"reopen_kind": kind, "dispute_route": "De Geschillencommissie"},
            by=handler,
            today=again,
        )
        if again + timedelta(days=7) < today:
            services.apply_action(
                complaint,
                Action.CLOSE,
                {"resolution": "Onderdeel vervangen.", "verdict": "justified"},
                by=handler,
                today=again + timedelta(days=7),
            )


def _letter(complaint: Complaint, kind: LetterKind, handler: User, day: date) -> None:
    letter = letters.compose(complaint, kind, today=day)
    dispatch.record_letter(complaint, letter, method="pdf", by=handler, today=day)
