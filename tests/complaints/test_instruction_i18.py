"""A company's own work instruction (issue 18, seed 001): the Werkwijze default, adapted by the
beheerder, printable as PDF."""

from __future__ import annotations

from portal.complaints import services
from portal.extensions import db


def test_beheerder_adapts_prints_and_resets_the_instruction(client, login, member):
    login(client, member)
    help_page = client.get("/mijn-profiel/klachten/werkwijze").text
    assert "Telefoongesprek met een klager" in help_page
    assert "standaardwerkinstructie van de vereniging" in help_page
    form = client.get("/mijn-profiel/klachten/werkwijze/werkinstructie").text
    assert "Meeveren en samenvatten." in form and 'name="version"' in form
    empty = client.post(
        "/mijn-profiel/klachten/werkwijze/werkinstructie", data={"work_instruction": ""}
    )
    assert empty.status_code == 422 and "Dit veld is verplicht." in empty.text
    saved = client.post(
        "/mijn-profiel/klachten/werkwijze/werkinstructie",
        data={
            "work_instruction": "Bij ons belt Piet elke klager binnen een uur terug.\n\nDaarna: register."
        },
    )
    assert saved.status_code == 303
    help_page = client.get("/mijn-profiel/klachten/werkwijze").text
    assert "Bij ons belt Piet elke klager binnen een uur terug." in help_page
    assert "Telefoongesprek met een klager" not in help_page
    pdf = client.get("/mijn-profiel/klachten/werkwijze/werkinstructie.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].startswith("attachment;")
    reset = client.post("/mijn-profiel/klachten/werkwijze/werkinstructie/standaard")
    assert reset.status_code == 303
    assert services.policy_for(member.company).work_instruction == ""
    assert "Telefoongesprek met een klager" in client.get("/mijn-profiel/klachten/werkwijze").text


def test_medewerker_reads_but_cannot_change(client, login, member, colleague):
    policy = services.policy_for(member.company)
    policy.work_instruction = "Eigen tekst van het bedrijf."
    db.session.add(policy)
    db.session.commit()
    login(client, colleague)
    page = client.get("/mijn-profiel/klachten/werkwijze/werkinstructie").text
    assert "Eigen tekst van het bedrijf." in page and "Alleen de beheerder" in page
    refused = client.post(
        "/mijn-profiel/klachten/werkwijze/werkinstructie", data={"work_instruction": "Overschreven"}
    )
    assert refused.status_code == 403
    assert (
        client.post("/mijn-profiel/klachten/werkwijze/werkinstructie/standaard").status_code == 403
    )
    db.session.refresh(policy)
    assert policy.work_instruction == "Eigen tekst van het bedrijf."
