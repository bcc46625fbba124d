"""Every text mail template, rendered with and without its optional parts, keeps its lines and
paragraphs: the app's trim_blocks eats the newline after a block tag at a line's end, which ran a
sentence into the next line or swallowed the blank line between paragraphs."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace as O

import pytest

MAIL = Path(__file__).resolve().parents[2] / "templates" / "mail"
LITERAL = re.compile(r'^(?:\{\{\s*_\("([^"%{]+)|([^{\s][^{]+))')
WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DAY = date(2026, 3, 16)


def line_starts(source: str) -> list[tuple[str, bool]]:
    """(text that starts a source line, whether a blank line comes before it in the source)."""
    found = []
    lines = source.split("\n")
    for i, line in enumerate(lines):
        match = LITERAL.match(line)
        text = (match.group(1) or match.group(2)).rstrip() if match else ""
        if len(text) >= 8:
            found.append((text, i > 0 and not lines[i - 1].strip()))
    return found


def problems(source: str, out: str) -> list[str]:
    found = []
    for text, blank_before in line_starts(source):
        for hit in re.finditer(re.escape(text), out):
            at = hit.start()
            if at > 0 and out[at - 1] != "\n":
                found.append(f"joined to the line before: {text!r}")
            elif blank_before and at > 1 and out[at - 2 : at] != "\n\n":
                found.append(f"blank line before it lost: {text!r}")
    if "\n\n\n" in out.strip("\n"):
        found.append("two blank lines in a row")
    return found


def person(name="Anna de Vries"):
    return O(name=name, display_name=name)


def variants() -> dict[str, list[dict]]:
    association = dict(
        name="Vereniging", address="Straat 1, Utrecht", kvk="12345678",
        privacy_contact="privacy@example.nl", privacy_email="privacy@example.nl",
    )  # fmt: skip
    complaint = O(
        reference="K-2026-001", complainant_name="B. Klant", ack_due_on=DAY, due_on=DAY,
    )  # fmt: skip
    item = dict(received_at=WHEN, due_at=WHEN + timedelta(days=30), outcome="Gedaan.",
                extension_reason="Veel gegevens.")  # fmt: skip
    version = O(label="2026.2", summary_of_changes="")
    sub = [{"name": "Host B.V.", "service": "hosting", "location": "Nederland (EU)"}]
    return {
        "_footer.txt": [
            {"association": O(**association, dpo="F. Unctionaris", demo=True)},
            {"association": O(**association, dpo="", demo=False)},
        ],
        "activate.txt": [
            {
                "user": person(),
                "invited_by": person("Kees"),
                "company": person("Bedrijf BV"),
                "link": "https://x.example/activeren",
            },
            {"user": O(name=""), "invited_by": None, "company": None, "link": "https://x/a"},
            {"user": person(), "invited_by": None, "company": person("Bedrijf BV"), "link": "l"},
        ],
        "agreement_new_version.txt": [
            {
                "user": person(),
                "version": version,
                "changes": ["Nieuw: Host B.V."],
                "subprocessors": sub + sub,
                "association": O(**association),
                "url": "https://x/o",
            },
            {
                "user": None,
                "version": O(label="2026.2", summary_of_changes="Kleine wijziging."),
                "changes": [],
                "subprocessors": [],
                "association": O(**association),
                "url": "u",
            },
            {
                "user": None,
                "version": version,
                "changes": [],
                "subprocessors": sub,
                "association": O(**association),
                "url": "u",
            },
        ],
        "complaints_status_link.txt": [
            {"survey": True, "complaint": complaint, "company_name": "Bedrijf", "link": "l"},
            {"survey": False, "complaint": complaint, "company_name": "Bedrijf", "link": "l"},
        ],
        "compliance_decision.txt": [
            {
                "company_name": "Bedrijf",
                "decision": d,
                "system_name": "WerkSpot",
                "reason": reason,
                "link": "https://x/b",
            }
            for d in ("goedkeuren", "afwijzen", "meer_informatie", "confirmed", "rejected")
            for reason in ("Omdat het kan.", "")
        ],
        "privacy_request_closed.txt": [
            {"item": O(**item, status=O(value=s)), "kind_label": "inzage"}
            for s in ("rejected", "done")
        ],
        "privacy_request_filed.txt": [
            {"item": O(**item, kind=O(value=k)), "kind_label": "beperking"}
            for k in ("restriction", "access")
        ],
        "privacy_request_extended.txt": [{"item": O(**item), "kind_label": "inzage"}],
        "privacy_request_received.txt": [{"user": person(), "item": O(**item)}],
        "email_change_confirm.txt": [
            {"user": person(), "link": "l"},
            {"user": O(name=""), "link": "l"},
        ],
        "email_change_notice.txt": [
            {"user": person(), "new_email": "nieuw@example.nl", "link": "l"}
        ],
        "email_restored.txt": [{"user": person()}, {"user": O(name=None)}],
        "email_change_taken.txt": [{}],
        "email_changed.txt": [{"user": O(name=None), "new_email": "nieuw@example.nl"}],
        "reset.txt": [{"user": person(), "link": "l"}, {"user": O(name=None), "link": "l"}],
        "compliance_reminder.txt": [{"body": "Beste lid,\n\nTekst."}],
        "complaints_letter.txt": [{"body": "Beste klant,\n\nBrief."}],
        "reviews_provisioned.txt": [
            {"name": "", "system": O(company=person("Bedrijf")), "link": "l", "min_count": 5}
        ],
        "complaints_acknowledgement.txt": [{"complaint": complaint, "company_name": "Bedrijf"}],
        "complaints_notice.txt": [
            {
                "name": n,
                "message": "Een klacht.",
                "complaint": complaint,
                "category": c,
                "link": "l",
            }
            for n, c in (("Piet", "Lekkage"), ("", ""))
        ],
        "complaints_new.txt": [{"complaint": complaint, "company_name": "Bedrijf", "link": "l"}],
        "complaints_signal.txt": [
            {
                "name": "",
                "message": "Termijn.",
                "complaint": complaint,
                "category": c,
                "deadline": DAY,
                "link": "l",
            }
            for c in ("Lekkage", "")
        ],
    }


def test_every_text_template_has_variants():
    assert {p.name for p in MAIL.glob("*.txt")} == set(variants())


@pytest.mark.parametrize("name", sorted(variants()))
def test_text_mail_keeps_its_lines(app, name):
    source = (MAIL / name).read_text()
    with app.test_request_context():
        template = app.jinja_env.get_template(f"mail/{name}")
        for context in variants()[name]:
            out = template.render(**context)
            assert problems(source, out) == [], out


def test_the_check_sees_a_joined_line_and_a_lost_paragraph(app):
    source = (
        "Beste lid,\n\n{% if x %}Eerste zin{% endif %}\nTweede regel hier\n\nDerde alinea hier\n"
    )
    out = app.jinja_env.from_string(source).render(x=True)
    assert problems(source, out) == ["joined to the line before: 'Tweede regel hier'"]
    source = "Beste lid,\n{% if x %}Eerste zin{% endif %}\n\nTweede alinea hier\n"
    out = app.jinja_env.from_string(source).render(x=True)
    assert problems(source, out) == ["blank line before it lost: 'Tweede alinea hier'"]
