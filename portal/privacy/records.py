"""Records of processing activities (AVG art. 30), versioned in the repository.

Any change to this file or the register's template needs a new register version
(`portal/privacy/versions.py`, tests/privacy/test_statement_version.py checks it).

Every column marked `info={"personal": True}` must be listed under some activity (a test
checks it), and every listed column must exist.
"""

from __future__ import annotations

from dataclasses import dataclass

RECORDS_CREATED = "2026-11-20"  # first version of this register
RECORDS_UPDATED = "2026-12-06"  # date of the current version (RECORDS_VERSION in versions.py)
NO_TRANSFER = "Geen doorgifte buiten de Europese Economische Ruimte"


@dataclass(frozen=True)
class Activity:
    """One processing activity."""

    key: str
    name: str
    role: str  # "verwerkingsverantwoordelijke" or "verwerker"
    purpose: str
    legal_basis: str
    subjects: str
    columns: tuple[str, ...]
    recipients: str
    retention: str
    measures: str = "Zie bijlage TOM van de verwerkersovereenkomst; toegang per rol en per bedrijf."
    source: str = "Van de betrokkene zelf"  # art. 14(2)(f) when not from the person
    transfers: str = NO_TRANSFER
    since: str = RECORDS_CREATED  # when this processing was entered in the register


ACTIVITIES: tuple[Activity, ...] = (
    Activity(
        "accounts", "Accounts en inloggen", "verwerkingsverantwoordelijke",
        "Toegang tot het ledenportaal, beveiliging en misbruikpreventie",
        "Uitvoering van de lidmaatschapsovereenkomst (art. 6 lid 1 b); gerechtvaardigd belang voor beveiliging (f)",
        "Medewerkers van lidbedrijven, medewerkers van de vereniging",
        ("users.email", "users.name", "user_sessions.ip", "user_sessions.user_agent", "user_tokens.new_email"),
        "Hostingpartij, e-maildienst",
        "Zolang het account bestaat (gedeactiveerd: 1 jaar); sessies, herstel-, activerings- en e-mailwijzigingslinks tot 7 dagen na afloop of gebruik",
        source="Van de betrokkene zelf; naam en e-mailadres van een uitgenodigde collega van de beheerder van het lidbedrijf; van medewerkers via single sign-on uit het verenigingsaccount (identity provider)",
    ),
    Activity(
        "register", "Ledenregister en ledenzoeker", "verwerkingsverantwoordelijke",
        "Lidmaatschap, criterium 2 en publicatie in de ledenzoeker",
        "Uitvoering van de lidmaatschapsovereenkomst (art. 6 lid 1 b)",
        "Contactpersonen en eenmanszaken onder de leden",
        ("companies.email", "companies.phone", "companies.street", "companies.house_number", "companies.postcode", "companies.city"),
        "Bezoekers van de ledenzoeker (alleen zichtbaar gemaakte velden); Klantenvertellen (datalevering)",
        "Tot 2 jaar na einde lidmaatschap",
        source="Van het lidbedrijf zelf; bij aanmelding uit het ledenbestand van de vereniging (import door ledenservice)",
    ),
    Activity(
        "audit", "Auditlog en e-mailwachtrij", "verwerkingsverantwoordelijke",
        "Verantwoording, beveiliging en het versturen van portalmeldingen",
        "Wettelijke plicht (art. 6 lid 1 c): de verantwoordingsplicht en beveiligingsplicht van art. 5 lid 2, art. 24 en art. 32 AVG; gerechtvaardigd belang (f) bij het opsporen van misbruik. E-mailwachtrij: uitvoering van de lidmaatschapsovereenkomst (b)",
        "Gebruikers van het portal",
        ("audit_events.actor_label", "audit_events.ip", "outbox_messages.to_address", "outbox_messages.body"),
        "Hostingpartij, e-maildienst",
        "Auditlog 7 jaar, gepseudonimiseerd na verwijdering van een account; inhoud van e-mails 30 dagen na verzending (instelbaar), ontvanger en onderwerp 1 jaar",
    ),
    Activity(
        "agreements", "Acceptatie verwerkersovereenkomst", "verwerkingsverantwoordelijke",
        "Aantonen dat een lidbedrijf de verwerkersovereenkomst heeft geaccepteerd",
        "Wettelijke plicht (art. 6 lid 1 c): art. 28 lid 3 en lid 9 AVG (schriftelijke verwerkersovereenkomst) met de verantwoordingsplicht van art. 5 lid 2 AVG",
        "Ondertekenaars namens lidbedrijven",
        ("agreement_acceptances.signatory_name", "agreement_acceptances.signatory_function", "agreement_acceptances.ip"),
        "Geen",
        "Zolang het lidmaatschap duurt plus 7 jaar",
    ),
    Activity(
        "invitations", "Klantuitnodigingen (namens leden)", "verwerker",
        "Beoordelingsverzoeken versturen namens het lidbedrijf",
        "Instructie van het lidbedrijf als verwerkingsverantwoordelijke; toestemming van de klant",
        "Klanten van lidbedrijven",
        ("invitations.email", "invitations.email_hash", "invitations.first_name", "invitations.last_name", "invitations.reference", "invite_suppressions.email_hash"),
        "Het gekozen beoordelingsplatform (Klantenvertellen, Kiyoh, Feedback Company)",
        "90 dagen na het uploaden; bezwaarlijst (alleen hash) zolang nodig",
        source="Van het lidbedrijf (klantenlijst); niet van de klant zelf",
    ),
    Activity(
        "complaints", "Klachtenregistratie (namens leden)", "verwerker",
        "Klachten van klanten van het lidbedrijf registreren, afhandelen en beantwoorden (klachtenregeling), ook klachten via het webformulier in de ledenzoeker en negatieve beoordelingen",
        "Instructie van het lidbedrijf als verwerkingsverantwoordelijke (het lidbedrijf: uitvoering van de overeenkomst met de klant en gerechtvaardigd belang)",
        "Klanten van lidbedrijven die een klacht indienen; medewerkers van lidbedrijven die klachten behandelen",
        (
            "complaints.complainant_name", "complaints.complainant_street", "complaints.complainant_postcode",
            "complaints.complainant_city", "complaints.complainant_phone", "complaints.complainant_email",
            "complaints.subject", "complaints.description", "complaints.agreements", "complaints.resolution",
            "complaints.verdict_reason", "complaints.remarks", "complaints.received_by",
            "complaint_events.actor_label", "complaint_events.note",
            "complaint_letters.subject", "complaint_letters.body", "complaint_letters.sent_by_label",
            "complaint_notes.body", "complaint_notes.actor_label", "complaints.followup_outcome",
            "complaint_attachments.filename", "complaint_attachments.data",
            "complaint_solutions.description",
            "complaint_actions.description", "complaint_actions.created_by_label",
            "synced_reviews.author_city", "synced_reviews.headline",
        ),
        "Alleen het lidbedrijf zelf; e-maildienst (ontvangstbevestiging en brieven aan de klager). Medewerkers van de vereniging zien alleen aantallen, behalve ledenservice bij een privacyverzoek van de klager",
        "2 jaar na het afsluiten van de klacht (standaard; instelbaar met COMPLAINTS_RETENTION_DAYS), daarna automatisch geanonimiseerd door `flask complaints purge` (persoonsgegevens, vrije tekst, brieven, bijlagen, logboek en geschiedenis weg; alleen statistische kenmerken zoals datum, categorie en oordeel blijven)",
        source="Van de klager zelf (klachtenformulier, telefoon, brief) via het lidbedrijf; woonplaats en kop van een negatieve beoordeling van het beoordelingsplatform van het lidbedrijf",
    ),
    Activity(
        "rights", "Privacyverzoeken", "verwerkingsverantwoordelijke",
        "Verzoeken om inzage, correctie, verwijdering en bezwaar afhandelen",
        "Wettelijke plicht (art. 6 lid 1 c): art. 12 tot en met 22 AVG (verzoeken beantwoorden) en art. 5 lid 2 AVG (aantonen dat dat is gebeurd)",
        "Gebruikers en klanten van lidbedrijven die een verzoek doen",
        ("subject_requests.subject_label", "subject_requests.subject_hash", "subject_requests.message"),
        "Geen",
        "3 jaar na afhandeling",
    ),
    Activity(
        "directory", "Openbare kopie voor de ledenzoeker en open data", "verwerkingsverantwoordelijke",
        "Consumenten laten zien welke bedrijven lid zijn en aan de criteria voldoen; hergebruik als open data",
        "Gerechtvaardigd belang (art. 6 lid 1 f): transparantie over leden en hun keurmerk; voor het lidbedrijf uitvoering van het lidmaatschap (b). Een lid kan de vermelding uitzetten",
        "Eenmanszaken en vennoten onder de leden (handelsnaam, adres en telefoonnummer kunnen naar een persoon leiden)",
        (),
        "Iedereen (openbare pagina's); open-data-download onder CC BY 4.0 met alleen naam, plaats, postcodegebied, website, openingstijden, vakgebieden, erkenningen, lid sinds en score, nooit e-mailadres, telefoonnummer, straat of omschrijving",
        "Tot de vermelding uitgaat of het lidmaatschap eindigt; de kopie wordt dan bij de volgende verversing verwijderd",
        source="Afgeleid van het ledenregister (tabel directory_entries) en de beoordelingsplatforms (score)",
    ),
    Activity(
        "page_cache", "Cache van zoekresultaten in de ledenzoeker", "verwerkingsverantwoordelijke",
        "Snelle antwoorden op veelgebruikte zoekvragen",
        "Gerechtvaardigd belang (art. 6 lid 1 f)",
        "Als bij de openbare kopie",
        (),
        "Niemand buiten de vereniging (alleen de openbare velden, tabel directory_result_cache)",
        "Minuten (vervalt automatisch en bij elke wijziging van een vermelding); geen zoekvragen of IP-adressen",
        source="Afgeleid van de openbare kopie",
    ),
    Activity(
        "audit_diffs", "Wijzigingen in het auditlog (voor/na)", "verwerkingsverantwoordelijke",
        "Aantonen wie wat wijzigde (bedrijfsgegevens, beoordelingen, rollen, verzoeken)",
        "Wettelijke plicht (art. 6 lid 1 c): art. 5 lid 2 en art. 32 AVG",
        "Gebruikers en contactpersonen van lidbedrijven",
        ("audit_events.changes",),
        "Geen",
        "7 jaar; geheimen, klant-e-mailadressen en namen worden niet in de wijzigingen opgeslagen",
    ),
    Activity(
        "imports", "Import van het ledenbestand", "verwerkingsverantwoordelijke",
        "Het ledenregister bijwerken uit de ledenadministratie van de vereniging",
        "Uitvoering van de lidmaatschapsovereenkomst (art. 6 lid 1 b)",
        "Contactpersonen van lidbedrijven",
        ("import_batches.rows",),
        "Geen",
        "Ten hoogste een uur (expires_at); daarna verwijderd",
        source="Ledenadministratie van de vereniging",
    ),
    Activity(
        "logs", "Logbestanden van webserver en applicatie", "verwerkingsverantwoordelijke",
        "Beveiliging, storingen opsporen en misbruik (zoals inlogpogingen) tegengaan",
        "Gerechtvaardigd belang (art. 6 lid 1 f); beveiligingsplicht art. 32 AVG",
        "Bezoekers en gebruikers van het portal",
        (),
        "Hostingpartij",
        "14 dagen (journald en logrotate, zie deploy/); geen wachtwoorden, links met tokens of klant-e-mailadressen",
    ),
)  # fmt: skip


def listed_columns() -> set[str]:
    """Every `table.column` named in the register."""
    return {column for activity in ACTIVITIES for column in activity.columns}
