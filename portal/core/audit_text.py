"""Audit events in readable Dutch for staff: a description per event type, Dutch field names
and values, and the actor without the internal role code. The raw code stays available for a
detail view; stored rows are never changed (the log is append-only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

ACTIONS = {
    "account.email_change_cancelled": _l("Wijziging van het e-mailadres ingetrokken"),
    "account.email_change_disputed": _l(
        "Oud e-mailadres meldt een wijziging die al is doorgevoerd als niet zelf gedaan"
    ),
    "account.email_change_requested": _l("Wijziging van het e-mailadres aangevraagd"),
    "account.email_change_withdrawn": _l(
        "Wijziging van het e-mailadres ingetrokken via het oude adres; overal uitgelogd"
    ),
    "account.email_changed": _l("E-mailadres gewijzigd (bevestigd via het nieuwe adres)"),
    "account.name_changed": _l("Eigen naam gewijzigd"),
    "agreement.acceptances_exported": _l("Acceptaties verwerkersovereenkomst geëxporteerd"),
    "agreement.accepted": _l("Verwerkersovereenkomst geaccepteerd"),
    "agreement.downloaded": _l("Verwerkersovereenkomst gedownload"),
    "agreement.draft_created": _l("Concept verwerkersovereenkomst gemaakt"),
    "agreement.draft_updated": _l("Concept verwerkersovereenkomst gewijzigd"),
    "agreement.published": _l("Nieuwe versie verwerkersovereenkomst gepubliceerd"),
    "auth.admin_created": _l("Beheerdersaccount aangemaakt"),
    "auth.login": _l("Ingelogd"),
    "auth.logout": _l("Uitgelogd"),
    "auth.mfa_disabled": _l("Tweestapsverificatie uitgezet"),
    "auth.mfa_enabled": _l("Tweestapsverificatie aangezet"),
    "auth.password_changed": _l("Wachtwoord gewijzigd"),
    "auth.passkey_added": _l("Passkey toegevoegd"),
    "auth.passkey_login": _l("Ingelogd met een passkey"),
    "auth.passkey_removed": _l("Passkey verwijderd"),
    "auth.passkey_renamed": _l("Passkey hernoemd"),
    "auth.sso_account_created": _l("Account aangemaakt via single sign-on"),
    "auth.sso_login": _l("Ingelogd via single sign-on"),
    "auth.sso_refused": _l("Inloggen via single sign-on geweigerd"),
    "auth.sso_role_changed": _l("Rol gewijzigd via single sign-on"),
    "auth.sso_staff_revoked": _l("Medewerkersrechten ingetrokken via single sign-on"),
    "auth.session_ended": _l("Sessie beëindigd"),
    "complaint.attachment_added": _l("Bijlage bij een klacht toegevoegd"),
    "complaint.attachment_downloaded": _l("Bijlage bij een klacht gedownload"),
    "complaint.attachment_removed": _l("Bijlage bij een klacht verwijderd"),
    "company.colleague_invited": _l("Collega uitgenodigd"),
    "company.colleague_removed": _l("Collega verwijderd"),
    "company.colleague_role": _l("Rol van een collega gewijzigd"),
    "company.created_by_import": _l("Lid aangemaakt door import van het ledenbestand"),
    "company.directory_opt_out": _l("Vermelding in de ledenzoeker aan- of uitgezet"),
    "company.logo_changed": _l("Logo gewijzigd"),
    "company.logo_removed": _l("Logo verwijderd"),
    "company.updated": _l("Bedrijfsgegevens gewijzigd door het lid"),
    "company.updated_by_import": _l("Bedrijfsgegevens bijgewerkt door import"),
    "company.updated_by_staff": _l("Bedrijfsgegevens gewijzigd door ledenservice"),
    "directory.search_words_updated": _l("Zoekwoorden van de ledenzoeker gewijzigd"),
    "compliance.deadline_set": _l("Termijn criterium 2 vastgelegd"),
    "compliance.exported": _l("Overzicht criterium 2 geëxporteerd"),
    "compliance.reminder_sent": _l("Herinnering criterium 2 verstuurd"),
    "compliance.score_confirmed": _l("Zelf opgegeven score bevestigd"),
    "compliance.score_rejected": _l("Zelf opgegeven score afgewezen"),
    "compliance.score_submitted": _l("Score van een ander systeem opgegeven"),
    "compliance.template_updated": _l("Tekst van een herinnering gewijzigd"),
    "invitations.confirmed": _l("Uitnodigingen aan een klantenlijst verstuurd"),
    "invitations.deleted": _l("Klantenlijst verwijderd"),
    "invitations.retried": _l("Mislukte uitnodigingen opnieuw verstuurd"),
    "invitations.upload_refused": _l("Klantenlijst geweigerd"),
    "invitations.uploaded": _l("Klantenlijst geüpload"),
    "member_import.applied": _l("Import van het ledenbestand doorgevoerd"),
    "member_import.uploaded": _l("Ledenbestand geüpload"),
    "outbox.body_viewed": _l("Inhoud van een e-mail bekeken"),
    "outbox.cancelled": _l("E-mail geannuleerd"),
    "outbox.retried": _l("E-mail opnieuw verstuurd"),
    "privacy.breach_saved": _l("Datalek vastgelegd"),
    "privacy.company_erased": _l("Gegevens van een lid gewist"),
    "privacy.complaint_erased": _l("Gegevens van een klacht gewist"),
    "privacy.customer_erased": _l("Gegevens van een klant gewist"),
    "privacy.customer_exported": _l("Gegevens van een klant geëxporteerd"),
    "privacy.customer_data_downloaded": _l("Klantgegevens van een lid gedownload"),
    "privacy.customer_searched": _l("Gezocht naar de gegevens van een klant"),
    "privacy.request_extended": _l("Termijn van een privacyverzoek verlengd"),
    "privacy.retention_purged": _l("Gegevens na de bewaartermijn verwijderd"),
    "privacy.export_downloaded": _l("Eigen gegevens gedownload"),
    "privacy.purged": _l("Verlopen gegevens opgeruimd"),
    "privacy.request_closed": _l("Privacyverzoek afgehandeld"),
    "privacy.request_received": _l("Privacyverzoek ontvangen"),
    "privacy.user_erased": _l("Gegevens van een gebruiker gewist"),
    "review_system.approved": _l("Ander beoordelingssysteem goedgekeurd"),
    "review_system.ended": _l("Beoordelingssysteem beëindigd"),
    "review_system.in_review": _l("Ander beoordelingssysteem in beoordeling"),
    "review_system.linked": _l("Beoordelingssysteem gekoppeld"),
    "review_system.more_info": _l("Meer informatie gevraagd over een ander systeem"),
    "review_system.other_submitted": _l("Ander beoordelingssysteem gemeld"),
    "review_system.provisioned": _l("Klantenvertellen-account klaargezet"),
    "review_system.rejected": _l("Ander beoordelingssysteem afgewezen"),
    "review_system.requested": _l("Klantenvertellen via de vereniging aangevraagd"),
    "review_system.switch_cancelled": _l("Overstap naar een ander systeem geannuleerd"),
    "review_system.switched": _l("Overgestapt op het nieuwe beoordelingssysteem"),
    "review_system.sync_requested": _l("Synchronisatie handmatig gestart"),
    "settings.updated": _l("Instellingen gewijzigd"),
    "specialism.created": _l("Vakgebied toegevoegd"),
    "specialism.updated": _l("Vakgebied gewijzigd"),
    "staff.created": _l("Medewerkersaccount aangemaakt"),
    "staff.deactivated": _l("Medewerkersaccount gedeactiveerd"),
    "staff.role_changed": _l("Rol van een medewerker gewijzigd"),
}
GROUPS = {
    "agreement": _l("Verwerkersovereenkomst"),
    "auth": _l("Inloggen en accounts"),
    "company": _l("Bedrijfsgegevens"),
    "complaint": _l("Klachtenregistratie"),
    "compliance": _l("Criterium 2"),
    "directory": _l("Ledenzoeker"),
    "invitations": _l("Klanten uitnodigen"),
    "member_import": _l("Import ledenbestand"),
    "outbox": _l("E-mail"),
    "privacy": _l("Privacy"),
    "review_system": _l("Beoordelingssystemen"),
    "settings": _l("Instellingen"),
    "specialism": _l("Vakgebieden"),
    "staff": _l("Medewerkers"),
}
SUBJECTS = {
    "company": _l("lid"),
    "complaint_attachment": _l("bijlage bij een klacht"),
    "review_system": _l("beoordelingssysteem"),
    "reminder_batch": _l("verzending herinneringen"),
    "reminder_template": _l("herinneringstekst"),
    "self_reported_score": _l("opgegeven score"),
    "user": _l("gebruiker"),
    "user_session": _l("sessie"),
    "agreement_version": _l("versie verwerkersovereenkomst"),
    "outbox_message": _l("e-mail"),
}
# Older names of a subject type, kept in history rows (never rewritten): shown and searched as one.
# "session": auth.session_ended before records named their record by its class (UserSession).
SUBJECT_ALIASES = {"session": "user_session"}
ROLES = {"member": _l("lid"), "staff": _l("ledenservice"), "admin": _l("beheerder")}
FIELDS = {
    "provider": _l("systeem"),
    "status": _l("status"),
    "is_current": _l("huidig systeem"),
    "pending": _l("wacht op activering"),
    "location_id": _l("locatie-ID"),
    "credentials_enc": _l("inloggegevens opgeslagen"),
    "other_name": _l("naam systeem"),
    "other_url": _l("website systeem"),
    "evidence_name": _l("bewijsstuk"),
    "decision_reason": _l("toelichting"),
    "directory_opt_out": _l("niet in de ledenzoeker"),
    "deadline": _l("termijn"),
    "reason": _l("reden"),
    "kind": _l("soort"),
    "subject": _l("onderwerp"),
    "body": _l("tekst"),
    "email": _l("e-mailadres"),
    "phone": _l("telefoon"),
    "website": _l("website"),
    "description": _l("omschrijving"),
    "role": _l("rol"),
    "name": _l("naam"),
}
VALUES = {
    True: _l("ja"),
    False: _l("nee"),
    "active": _l("actief"),
    "approved": _l("goedgekeurd"),
    "rejected": _l("afgewezen"),
    "more_info": _l("meer informatie gevraagd"),
    "in_review": _l("in beoordeling"),
    "requested": _l("aangevraagd"),
    "unchecked": _l("nog niet gecontroleerd"),
    "ended": _l("beëindigd"),
    "klantenvertellen": "Klantenvertellen",
    "kiyoh": "Kiyoh",
    "feedback_company": "Feedback Company",
    "other": _l("ander systeem"),
    "geen_systeem": _l("herinnering: geen klantbeoordelingssysteem"),
    "koppeling_stuk": _l("herinnering: koppeling werkt niet"),
    "onder_minimum": _l("herinnering: onder het publicatieminimum"),
}
_LABEL_ROLE = re.compile(r"^(?P<name>.*) \((?P<role>member|staff|admin|)\)$")


@dataclass(frozen=True)
class Change:
    """One changed field in Dutch; `old`/`new` already formatted (never 'None')."""

    field: str
    old: str
    new: str
    plain: str = ""  # a change that is not an old/new pair


def describe(action: str) -> str:
    """The Dutch description of an event type; unknown codes get a readable fallback."""
    label = ACTIONS.get(action)
    if label is not None:
        return str(label)
    return action.replace("_", " ").replace(".", ": ").capitalize()


def group_text(prefix: str) -> str:
    """The Dutch name of a group of event types (the audit log's filter)."""
    return str(GROUPS.get(prefix, prefix.replace("_", " ").capitalize()))


def subject_text(subject_type: str) -> str:
    """The kind of object an event is about, in Dutch ('' when none)."""
    if not subject_type:
        return ""
    subject_type = SUBJECT_ALIASES.get(subject_type, subject_type)
    return str(SUBJECTS.get(subject_type, subject_type.replace("_", " ")))


def subject_type_group(subject_type: str) -> set[str]:
    """The subject type with its older names (an alias and its current name are one type)."""
    current = SUBJECT_ALIASES.get(subject_type, subject_type)
    return {current} | {old for old, new in SUBJECT_ALIASES.items() if new == current}


def actor_text(label: str) -> str:
    """'Jan Jansen (staff)' → 'Jan Jansen, ledenservice'; 'systeem' stays as it is."""
    match = _LABEL_ROLE.match(label or "")
    if not match:
        return label or str(_l("onbekend"))
    role = ROLES.get(match["role"])
    return f"{match['name']}, {role}" if role else match["name"]


def value_text(value: object) -> str:
    """A stored value for people: a dash for nothing, ja/nee, Dutch statuses, lists joined."""
    if value is None or value == "":
        return "–"
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value) or "–"
    if isinstance(value, bool) or (isinstance(value, str) and value in VALUES):
        return str(VALUES[value])
    return str(value)


def changes(raw: dict | None) -> list[Change]:
    """The stored changes as Dutch rows, sorted by field name."""
    rows = []
    for key, change in sorted((raw or {}).items()):
        name = str(FIELDS.get(key, key.replace("_", " ")))
        if isinstance(change, dict):
            rows.append(Change(name, value_text(change.get("old")), value_text(change.get("new"))))
        else:
            rows.append(Change(name, "", "", value_text(change)))
    return rows
