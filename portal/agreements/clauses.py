"""The standard agreement text and the clause markers AVG art. 28(3) requires (SECURITY.md §2).

Body format: a line starting with `## ` is a clause heading (`## D1. Onderwerp en duur`), other
lines are paragraphs separated by blank lines. A version can only be published when every
marker below heads a clause, so the PDF always holds every required clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Marker → short Dutch title, in document order.
REQUIRED_CLAUSES: dict[str, str] = {
    "D1": "Onderwerp en duur",
    "D2": "Aard en doel van de verwerking",
    "D3": "Soorten persoonsgegevens en categorieën betrokkenen",
    "D4": "Rechten en plichten van de verwerkingsverantwoordelijke",
    "A": "Uitsluitend op schriftelijke instructie",
    "B": "Geheimhouding",
    "C": "Beveiliging",
    "D": "Subverwerkers",
    "E": "Bijstand bij verzoeken van betrokkenen",
    "F": "Bijstand bij beveiliging, datalekken en DPIA",
    "G": "Verwijderen of teruggeven",
    "H": "Informatie en audits",
    "I": "Melding van onrechtmatige instructies",
    "TOM": "Bijlage: technische en organisatorische maatregelen",
    "SUB": "Bijlage: subverwerkers",
}

HEADING_RE = re.compile(r"^##\s+([A-Z][A-Z0-9]*)\.\s+(.+)$")


@dataclass(frozen=True)
class Section:
    """One clause: marker (or ''), heading text and its paragraphs."""

    marker: str
    heading: str
    paragraphs: tuple[str, ...]


def parse_body(body: str) -> list[Section]:
    """Split an agreement body into sections; text before the first heading is an intro."""
    sections: list[Section] = []
    marker, heading = "", ""
    paragraphs: list[str] = []
    current: list[str] = []

    def close_paragraph() -> None:
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    for raw in body.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        match = HEADING_RE.match(line) if line.startswith("##") else None
        if match or line.startswith("## "):
            close_paragraph()
            if heading or paragraphs:
                sections.append(Section(marker, heading, tuple(paragraphs)))
            marker, heading = (match.group(1), match.group(2)) if match else ("", line[3:])
            paragraphs = []
        elif not line:
            close_paragraph()
        else:
            current.append(line)
    close_paragraph()
    if heading or paragraphs:
        sections.append(Section(marker, heading, tuple(paragraphs)))
    return sections


def missing_markers(body: str) -> list[str]:
    """Required markers that head no clause with text in `body`, in document order."""
    present = {s.marker for s in parse_body(body) if s.marker and s.paragraphs}
    return [marker for marker in REQUIRED_CLAUSES if marker not in present]


# SHA-256 of earlier shipped standard texts: `flask agreements publish-default` replaces such a
# current version by the shipped text below (a site's own text is never replaced).
PREVIOUS_DEFAULT_SHA256 = frozenset(
    {"839481efd147f625708ddc0e4cfa159ec9d78250649cd472a7eaa4d0e345908e"}  # 2026.1, invitations only
)

DEFAULT_TITLE = "Verwerkersovereenkomst ledenportaal"

DEFAULT_BODY = """\
Deze verwerkersovereenkomst hoort bij het lidmaatschap. Zij geldt voor alle persoonsgegevens die de vereniging via het ledenportaal namens het lidbedrijf verwerkt: klantgegevens voor beoordelingsverzoeken, het klachtenregister van het lidbedrijf en de klantgegevens in downloads en exports daarvan. Het lidbedrijf is verwerkingsverantwoordelijke; de vereniging is verwerker in de zin van artikel 28 AVG. De partijen, de gegevens van de verwerking en de subverwerkers staan vooraan en in de bijlage SUB; elke wijziging daarvan is een nieuwe versie die het lidbedrijf opnieuw accepteert.

## D1. Onderwerp en duur
Onderwerp is (1) het versturen van beoordelingsverzoeken namens het lidbedrijf aan klanten die het lidbedrijf uploadt, (2) het bijhouden van het klachtenregister van het lidbedrijf, met klachten die het lidbedrijf zelf vastlegt of die consumenten via het klachtenformulier in de ledenzoeker aan het lidbedrijf sturen, en (3) het aanmaken van downloads en exports van die gegevens voor het lidbedrijf. De overeenkomst loopt zolang het lidmaatschap duurt. Geüploade klantgegevens worden uiterlijk 90 dagen na het uploaden verwijderd; klachten na de bewaartermijn van het klachtenregister.

## D2. Aard en doel van de verwerking
De verwerking bestaat uit ontvangen, controleren, opslaan, tonen aan de gebruikers van het lidbedrijf, versturen van brieven en e-mails namens het lidbedrijf, doorgeven aan het door het lidbedrijf gekozen beoordelingsplatform (Klantenvertellen, Kiyoh of Feedback Company) en aanmaken van downloads, uitsluitend om namens het lidbedrijf beoordelingsverzoeken te versturen en klachten te registreren en af te handelen. De vereniging gebruikt de gegevens voor geen enkel ander doel; de vereniging ziet van het klachtenregister alleen aantallen zonder persoonsgegevens.

## D3. Soorten persoonsgegevens en categorieën betrokkenen
Soorten persoonsgegevens: voor uitnodigingen e-mailadres, voornaam, achternaam en een referentie van de opdracht; voor het klachtenregister naam, adres, telefoonnummer en e-mailadres van de klager, de omschrijving van de klacht, de afhandeling, brieven en bijlagen, en beoordelingen met woonplaats en kop. Betrokkenen: klanten van het lidbedrijf en consumenten die een klacht over het lidbedrijf indienen. Bijzondere persoonsgegevens worden niet verwerkt; het lidbedrijf legt die niet vast.

## D4. Rechten en plichten van de verwerkingsverantwoordelijke
Het lidbedrijf bepaalt doel en middelen, zorgt voor een grondslag (zoals toestemming van de klant of de afhandeling van de klacht) en informeert zijn klanten. Het lidbedrijf mag de naleving van deze overeenkomst controleren en kan de vereniging instructies geven binnen deze overeenkomst.

## A. Uitsluitend op schriftelijke instructie
De vereniging verwerkt de persoonsgegevens uitsluitend op basis van schriftelijke instructies van het lidbedrijf, ook wat betreft doorgifte naar een derde land of internationale organisatie. Is de vereniging op grond van Unierecht of lidstatelijk recht tot een andere verwerking verplicht, dan stelt zij het lidbedrijf daarvan vooraf in kennis, tenzij die wetgeving dat om gewichtige redenen van algemeen belang verbiedt.

## B. Geheimhouding
Alleen medewerkers en ingeschakelde personen die de gegevens voor hun taak nodig hebben, krijgen toegang. Zij zijn gebonden aan een geheimhoudingsplicht op grond van hun arbeidsovereenkomst, een geheimhoudingsverklaring of de wet.

## C. Beveiliging
De vereniging neemt alle maatregelen die artikel 32 AVG vereist, passend bij het risico. De maatregelen staan in de bijlage TOM. De vereniging evalueert ze periodiek en houdt ze op peil.

## D. Subverwerkers
De vereniging schakelt geen andere verwerker in zonder voorafgaande schriftelijke toestemming van het lidbedrijf. Met deze overeenkomst geeft het lidbedrijf toestemming voor de subverwerkers in de bijlage SUB. Voorgenomen wijzigingen meldt de vereniging vooraf, zodat het lidbedrijf bezwaar kan maken. De vereniging legt elke subverwerker dezelfde verplichtingen op als in deze overeenkomst en blijft tegenover het lidbedrijf volledig aansprakelijk voor de nakoming daarvan.

## E. Bijstand bij verzoeken van betrokkenen
De vereniging helpt het lidbedrijf met passende technische en organisatorische maatregelen bij het beantwoorden van verzoeken van betrokkenen (inzage, rectificatie, verwijdering, beperking, bezwaar en overdraagbaarheid). Een verzoek dat de vereniging rechtstreeks ontvangt, stuurt zij onverwijld door aan het lidbedrijf.

## F. Bijstand bij beveiliging, datalekken en DPIA
De vereniging helpt het lidbedrijf bij het nakomen van de artikelen 32 tot en met 36 AVG: de beveiliging van de verwerking, het melden van een inbreuk in verband met persoonsgegevens aan de Autoriteit Persoonsgegevens en aan betrokkenen, een gegevensbeschermingseffectbeoordeling (DPIA) en een voorafgaande raadpleging. Een datalek meldt de vereniging zonder onredelijke vertraging en uiterlijk binnen 24 uur na ontdekking aan het lidbedrijf, met de informatie die het lidbedrijf nodig heeft om binnen 72 uur te melden.

## G. Verwijderen of teruggeven
Het lidbedrijf kan alle klantgegevens die de vereniging voor hem bewaart (uitnodigingen en klachtenregister) op elk moment als bestand downloaden in het ledenportaal, ook in de periode na het einde van het lidmaatschap tot de verwijdering. Uiterlijk 30 dagen na het einde van het lidmaatschap verwijdert de vereniging die gegevens, en in elk geval uitnodigingen 90 dagen na het uploaden, tenzij opslag wettelijk verplicht is. Back-ups worden na 30 dagen overschreven; in het uiterste geval staan gegevens dus nog 30 dagen langer in een back-up. Na het terugzetten van een back-up worden verlopen gegevens direct opnieuw verwijderd.

## H. Informatie en audits
De vereniging stelt alle informatie beschikbaar die nodig is om de nakoming van artikel 28 AVG aan te tonen. Zij maakt audits en inspecties door het lidbedrijf of een door het lidbedrijf gemachtigde controleur mogelijk en draagt eraan bij.

## I. Melding van onrechtmatige instructies
De vereniging stelt het lidbedrijf onmiddellijk in kennis als een instructie naar haar oordeel inbreuk oplevert op de AVG of op andere bepalingen over gegevensbescherming.

## TOM. Bijlage: technische en organisatorische maatregelen
Versleutelde verbindingen (HTTPS met HSTS). Toegang alleen na inloggen, met tweestapsverificatie verplicht voor medewerkers van de vereniging. Elk lidbedrijf ziet alleen zijn eigen gegevens; medewerkers van de vereniging zien van het klachtenregister alleen aantallen, en elke zoekactie naar een klager staat in het auditlog. Geüploade bestanden worden in een afgeschermd proces gecontroleerd en direct na het inlezen verwijderd. Klant-e-mailadressen komen niet in logbestanden. Wachtwoorden met argon2id; API-sleutels versleuteld met AES-256-GCM. Een onveranderlijk auditlog van handelingen. Automatische verwijdering na elke bewaartermijn. Dagelijkse versleutelde back-ups, 30 dagen bewaard, met een hersteltest.

## SUB. Bijlage: subverwerkers
Het lidbedrijf geeft toestemming voor de subverwerkers in de lijst hieronder. Een beoordelingsplatform ontvangt alleen gegevens als het lidbedrijf dat platform gebruikt, tenzij het lidbedrijf daarmee zelf een verwerkersovereenkomst heeft. Een wijziging van de lijst meldt de vereniging per e-mail aan elk lidbedrijf en maakt een nieuwe versie van deze overeenkomst; het lidbedrijf kan daartegen bezwaar maken bij het contactadres voor privacy.
"""
