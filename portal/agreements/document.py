"""What a version of the agreement says as a whole: parties, processing details, clauses, annex.

Publishing a version freezes a snapshot of the association's identity, the processing details
and the sub-processors next to the clause text; the version's `document_sha256` covers all of
it, so a change of any part (AVG art. 28(2) for sub-processors) needs a new version that every
member accepts again (`services.sync_current`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from flask import current_app

from portal.agreements.models import AgreementVersion
from portal.config import ComplaintSettings, PrivacySettings
from portal.core import association
from portal.core.association import Association

INVITATION_DAYS = 90


def processing_details(processor: Association, config: Mapping) -> list[list[str]]:
    """The art. 28(3) processing details printed as a table at the top of the agreement."""
    complaint_days = ComplaintSettings.read(config).retention_days
    # Customer data goes this long after the end of membership (clause G).
    end_days = PrivacySettings.read(config).membership_end_data_days
    return [
        ["Onderwerp", "(1) Beoordelingsverzoeken versturen namens het lidbedrijf; (2) het klachtenregister van het lidbedrijf bijhouden, ook klachten via het klachtenformulier in de ledenzoeker; (3) downloads en exports van deze klantgegevens voor het lidbedrijf"],
        ["Duur", "Zolang het lidmaatschap duurt; daarna tot de verwijdering (zie Bewaartermijn)"],
        ["Aard en doel", "Ontvangen, controleren, opslaan, tonen aan het lidbedrijf, brieven en e-mails namens het lidbedrijf, doorgeven aan het gekozen beoordelingsplatform, downloads aanmaken"],
        ["Soorten gegevens", "Uitnodigingen: e-mailadres, voornaam, achternaam, referentie van de opdracht. Klachtenregister: naam, adres, telefoon en e-mail van de klager, omschrijving, afhandeling, brieven, bijlagen, beoordelingen (woonplaats, kop)"],
        ["Betrokkenen", "Klanten van het lidbedrijf; consumenten die een klacht over het lidbedrijf indienen"],
        ["Subverwerkers", "Hosting, e-maildienst, back-updienst en het gekozen beoordelingsplatform (bijlage SUB)"],
        ["Bewaartermijn", f"Uitnodigingen {INVITATION_DAYS} dagen na het uploaden; klachten {complaint_days} dagen na afsluiten; alle klantgegevens uiterlijk {end_days} dagen na het einde van het lidmaatschap; back-ups uiterlijk 30 dagen daarna"],
        ["Teruggeven", "Het lidbedrijf downloadt alle klantgegevens zelf in het ledenportaal (Mijn gegevens › Klantgegevens van uw bedrijf)"],
        ["Beveiliging", "Zie bijlage TOM"],
        ["Melding datalek", f"Zonder onredelijke vertraging, binnen 24 uur na ontdekking, door {processor.privacy_contact}"],
    ]  # fmt: skip


def live_context(config: Mapping | None = None) -> dict[str, Any]:
    """The parts of the document that come from configuration, as they are now."""
    config = current_app.config if config is None else config
    processor = association.from_config(config)
    return {
        "association": processor.as_dict(),
        "details": processing_details(processor, config),
        "subprocessors": association.subprocessors(config),
    }


def context_of(version: AgreementVersion) -> dict[str, Any]:
    """What the version printed: its frozen snapshot, or today's configuration for a draft."""
    if version.context:
        return json.loads(version.context)
    return live_context()


def freeze(context: Mapping[str, Any]) -> str:
    """Canonical JSON of a snapshot (sorted keys), stored with the version."""
    return json.dumps(context, sort_keys=True, ensure_ascii=False)


def document_digest(title: str, body: str, context: Mapping[str, Any]) -> str:
    """SHA-256 over the whole document: title, clause text, parties, details and annex."""
    canonical = json.dumps(
        {"title": title, "body": body.replace("\r\n", "\n"), "context": context},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def processor_of(version: AgreementVersion) -> Association:
    """The association as this version names it."""
    return Association.from_dict(context_of(version)["association"])


def describe_changes(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[str]:
    """Dutch lines naming what changed between two snapshots (for the mail and the summary)."""
    if not old:
        return [
            "De overeenkomst noemt nu de volledige gegevens van partijen, alle verwerkingen "
            "(uitnodigingen, klachtenregister, downloads) en de subverwerkers."
        ]
    lines = []
    if old.get("association") != new["association"]:
        lines.append("De gegevens van de vereniging (verwerker) zijn gewijzigd.")
    if old.get("details") != new["details"]:
        lines.append("De gegevens van de verwerking zijn gewijzigd.")
    before = {s["name"] for s in old.get("subprocessors", [])}
    after = {s["name"] for s in new["subprocessors"]}
    if before != after or old.get("subprocessors") != new["subprocessors"]:
        added, removed = sorted(after - before), sorted(before - after)
        text = "De lijst met subverwerkers is gewijzigd."
        if added:
            text += " Nieuw: " + ", ".join(added) + "."
        if removed:
            text += " Vervallen: " + ", ".join(removed) + "."
        lines.append(text)
    return lines
