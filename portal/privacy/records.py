"""Records of processing activities (AVG art. 30), versioned in the repository.

Every column marked `info={"personal": True}` must be listed under some activity (a test
checks it), and every listed column must exist.
"""

from __future__ import annotations

from dataclasses import dataclass

RECORDS_VERSION = "2026.1"


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


ACTIVITIES: tuple[Activity, ...] = (
    Activity(
        "accounts", "Accounts en inloggen", "verwerkingsverantwoordelijke",
        "Toegang tot het ledenportaal, beveiliging en misbruikpreventie",
        "Uitvoering van de lidmaatschapsovereenkomst (art. 6 lid 1 b); gerechtvaardigd belang voor beveiliging (f)",
        "Medewerkers van lidbedrijven, medewerkers van de vereniging",
        ("users.email", "users.name", "user_sessions.ip", "user_sessions.user_agent", "user_tokens.new_email"),
        "Hostingpartij, e-maildienst",
        "Zolang het account bestaat; sessies tot 7 dagen na afloop",
    ),
    Activity(
        "register", "Ledenregister en ledenzoeker", "verwerkingsverantwoordelijke",
        "Lidmaatschap, criterium 2 en publicatie in de ledenzoeker",
        "Uitvoering van de lidmaatschapsovereenkomst (art. 6 lid 1 b)",
        "Contactpersonen en eenmanszaken onder de leden",
        ("companies.email", "companies.phone", "companies.street", "companies.house_number", "companies.postcode", "companies.city"),
        "Bezoekers van de ledenzoeker (alleen zichtbaar gemaakte velden); Klantenvertellen (datalevering)",
        "Tot 2 jaar na einde lidmaatschap",
    ),
    Activity(
        "audit", "Auditlog en e-mailwachtrij", "verwerkingsverantwoordelijke",
        "Verantwoording, beveiliging en het versturen van portalmeldingen",
        "Wettelijke plicht tot verantwoording (art. 5 lid 2, art. 6 lid 1 c); gerechtvaardigd belang (f)",
        "Gebruikers van het portal",
        ("audit_events.actor_label", "audit_events.ip", "outbox_messages.to_address", "outbox_messages.body"),
        "Hostingpartij, e-maildienst",
        "Auditlog 7 jaar, gepseudonimiseerd na verwijdering van een account; inhoud van e-mails 30 dagen na verzending (instelbaar), ontvanger en onderwerp 1 jaar",
    ),
    Activity(
        "agreements", "Acceptatie verwerkersovereenkomst", "verwerkingsverantwoordelijke",
        "Aantonen dat een lidbedrijf de verwerkersovereenkomst heeft geaccepteerd",
        "Wettelijke plicht (art. 28 lid 9 AVG, art. 6 lid 1 c)",
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
            "synced_reviews.author_city", "synced_reviews.headline",
        ),
        "Alleen het lidbedrijf zelf; e-maildienst (ontvangstbevestiging en brieven aan de klager). Medewerkers van de vereniging zien alleen aantallen, behalve ledenservice bij een privacyverzoek van de klager",
        "2 jaar na het afsluiten van de klacht (standaard; instelbaar met COMPLAINTS_RETENTION_DAYS), daarna automatisch geanonimiseerd door `flask complaints purge` (persoonsgegevens, vrije tekst, brieven, logboek en geschiedenis weg; alleen statistische kenmerken zoals datum, categorie en oordeel blijven)",
    ),
    Activity(
        "rights", "Privacyverzoeken", "verwerkingsverantwoordelijke",
        "Verzoeken om inzage, correctie, verwijdering en bezwaar afhandelen",
        "Wettelijke plicht (art. 12-22 AVG, art. 6 lid 1 c)",
        "Gebruikers en klanten van lidbedrijven die een verzoek doen",
        ("subject_requests.subject_label", "subject_requests.subject_hash", "subject_requests.message"),
        "Geen",
        "3 jaar na afhandeling",
    ),
)  # fmt: skip


def listed_columns() -> set[str]:
    """Every `table.column` named in the register."""
    return {column for activity in ACTIVITIES for column in activity.columns}
