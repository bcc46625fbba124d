"""Word lists for plausible Dutch demo data (names, streets, specialisms, recognitions)."""

from __future__ import annotations

SURNAMES = (
    "De Vries", "Jansen", "Van den Berg", "Bakker", "Visser", "Smit", "Meijer", "De Boer",
    "Mulder", "De Groot", "Bos", "Vos", "Peters", "Hendriks", "Van Leeuwen", "Dekker",
    "Brouwer", "De Wit", "Dijkstra", "Smits", "De Graaf", "Van der Meer", "Van der Linden",
    "Kok", "Jacobs", "De Haan", "Vermeulen", "Van den Heuvel", "Van der Veen", "Van den Broek",
    "De Bruijn", "De Jong", "Janssen", "Hoekstra", "Schouten", "Willems", "Van Dijk", "Koster",
    "Prins", "Postma", "Kuipers", "Verhoeven", "Huisman", "Peeters", "Maas", "Jonker",
    "Van Wijk", "Veenstra", "Kramer", "Van der Wal", "Boersma", "Bosman", "Hermans",
    "Timmermans", "Groen", "Wouters", "Koning", "Van Beek", "Scholten", "Van Vliet", "Sanders",
    "Evers", "Van Doorn", "Gerritsen", "Kuijpers", "Martens", "Van Rijn", "Lammers", "Hofman",
    "Zwart", "Wijnands", "Van Dam", "Claassen", "Molenaar", "Verbeek", "Kamphuis", "Hoogendoorn",
    "Wolters", "Van Es", "Tromp", "Roos", "Blom", "Broekhuis", "Nijhuis", "Oosterhuis",
    "Bouwman", "Van Gelder", "Steenbergen", "Haverkamp", "Westerhof", "Ten Brinke", "Pronk",
    "Van Essen", "Mol", "Drost", "Hulshof", "Van Loon", "Bruins", "Ypma", "Wiersma",
)  # fmt: skip

# Owners' first names and initials: "{first} {surname}" and "{initial}. {surname}" make the
# generated names mostly distinct (about 100 surnames alone gave 1,803 names for 5,906 listings).
FIRST_NAMES = (
    "Jan", "Piet", "Kees", "Henk", "Gert", "Bas", "Ruud", "Erik", "Mark", "Sander", "Thijs",
    "Bram", "Joost", "Wim", "Frank", "Dennis", "Marco", "Ronald", "Martijn", "Jeroen", "Niels",
    "Koen", "Rick", "Tom", "Arjan", "Wouter", "Hans", "Gerrit", "Dirk", "Sjoerd", "Anouk",
    "Marieke", "Sanne", "Linda", "Ingrid", "Esther", "Eva", "Femke", "Lotte", "Iris",
)  # fmt: skip
INITIALS = "ABCDEFGHJKLMNPRSTVW"

# A few names with diacritics, so search, sorting and slugs meet them in the demo.
ACCENTED_OWNERS = (
    "Hénk Müller", "Özdemir", "Çelik", "René Gérard", "Noël Frère", "Jürgen Schäfer",
    "Zoë Brouwër", "Ömer Yılmaz", "André Leclère", "Chloé Bakker", "Søren Ångström",
    "José Peña",
)  # fmt: skip

COMPANY_PATTERNS = (
    ("Installatiebedrijf {s} B.V.", "Installatiebedrijf {s}"),
    ("{s} Klimaattechniek B.V.", "{s} Klimaattechniek"),
    ("{s} Elektro & Warmte V.O.F.", "{s} Elektro & Warmte"),
    ("{s} Installatietechniek B.V.", ""),
    ("Loodgietersbedrijf {s}", ""),
    ("{s} & Zn. Installaties B.V.", "{s} & Zn."),
    ("{s} Installaties B.V.", "{s} Installaties"),
    ("Elektrotechnisch Bureau {s} B.V.", "Elektrotechnisch Bureau {s}"),
    ("{s} Warmtepompen B.V.", "{s} Warmtepompen"),
    ("{s} Duurzame Installaties B.V.", "{s} Duurzaam"),
    ("{s} Sanitair & Verwarming", ""),
    ("{s} Zonne-energie B.V.", "{s} Zonnetechniek"),
    ("Holding {s} B.V.", "{s} Installatiegroep"),
    ("{s} Koel- en Klimaattechniek B.V.", "{s} Koeltechniek"),
    ("{s} Technisch Installatiebedrijf", ""),
)  # fmt: skip

TOWN_PATTERNS = (
    ("Installatiegroep {t} B.V.", "Installatiegroep {t}"),
    ("Installatietechniek {t} B.V.", ""),
    ("Elektro {t} V.O.F.", "Elektro {t}"),
    ("Klimaatservice {t} B.V.", "Klimaatservice {t}"),
)  # fmt: skip

STREETS = (
    "Industrieweg", "Nijverheidsweg", "Ambachtsweg", "Handelsweg", "Edisonstraat",
    "Energieweg", "Marconistraat", "Kerkstraat", "Dorpsstraat", "Molenweg", "Hoofdstraat",
    "Stationsweg", "Schoolstraat", "Julianastraat", "Wilhelminastraat", "Beatrixlaan",
    "Kastanjelaan", "Eikenlaan", "Lindelaan", "Populierenweg", "Bedrijvenweg", "Transportweg",
    "Zuiderkade", "Noordersingel", "Oosteinde", "Westeinde", "Havenstraat", "Spoorstraat",
    "Voltastraat", "Ampèrestraat", "Wattstraat", "Kelvinstraat", "Ohmweg", "Galvanistraat",
    "Morsestraat", "Newtonstraat", "Koperslagerij", "Smederij", "Loodgietersweg",
    "Ambachtsstraat", "De Steiger", "Bouwerij", "Ondernemingsweg", "Techniekweg",
    "Zonnebloemweg", "Oranjestraat", "Prins Bernhardlaan", "Burgemeester de Withstraat",
    "Van 't Hoffstraat", "Dr. Lelylaan", "Sint Janstraat", "Aalsmeerderweg", "Rijksweg",
)  # fmt: skip

SPECIALISMS = (
    ("elektrotechniek", "Elektrotechniek"),
    ("verwarming", "Verwarming"),
    ("sanitair", "Sanitair"),
    ("klimaattechniek", "Klimaattechniek"),
    ("warmtepompen", "Warmtepompen"),
    ("zonnepanelen", "Zonnepanelen"),
    ("ventilatie", "Ventilatie"),
    ("koeltechniek", "Koeltechniek"),
    ("dakwerk", "Dakwerk"),
    ("gas", "Gas"),
    ("laadpalen", "Laadpalen"),
    ("domotica", "Domotica"),
    ("brandbeveiliging", "Brandbeveiliging"),
    ("beveiliging", "Beveiliging"),
    ("data-netwerk", "Data & netwerk"),
)

# Relative popularity of the specialisms above (same order).
SPECIALISM_WEIGHTS = (30, 34, 28, 16, 18, 14, 12, 6, 5, 10, 9, 5, 4, 5, 6)

RECOGNITIONS = (
    ("erkend-installateur", "Erkend installateur"),
    ("f-gassen", "F-gassen gecertificeerd"),
    ("brl-6000", "BRL 6000"),
    ("installq", "InstallQ"),
    ("sterkin", "Sterkin"),
    ("vca", "VCA"),
)

OTHER_SYSTEMS = (
    ("Trustpilot", "https://trustpilot.example/review/"),
    ("Google Bedrijfsprofiel", "https://maps.example/bedrijf/"),
    ("WerkSpot", "https://werkspot.example/profiel/"),
    ("Qasa", "https://qasa.example/bedrijf/"),
    ("Eigen enquête", "https://enquete.example/"),
)

DESCRIPTION_OPENERS = (
    "Wij zijn uw specialist in {a} en {b} in {t} en omgeving.",
    "Al meer dan {y} jaar het adres voor {a} in de regio {t}.",
    "Familiebedrijf voor {a}, {b} en onderhoud.",
    "Betrouwbaar installatiewerk: {a} en {b} voor particulier en zakelijk.",
)

OPENING_HOURS = (
    "ma–vr 08:00–17:00",
    "ma–vr 07:30–16:30\nza op afspraak",
    "ma–do 08:00–17:30, vr 08:00–16:00",
    "24/7 storingsdienst; kantoor ma–vr 08:30–17:00",
)

# Telephone area codes of the larger towns; others get their province's main code.
AREA_CODES = {
    "Amsterdam": "020", "Rotterdam": "010", "Den Haag": "070", "Utrecht": "030",
    "Eindhoven": "040", "Groningen": "050", "Arnhem": "026", "Nijmegen": "024",
    "Zwolle": "038", "Enschede": "053", "Maastricht": "043", "Breda": "076", "Tilburg": "013",
    "Leeuwarden": "058", "Haarlem": "023", "Almere": "036", "Apeldoorn": "055",
    "Amersfoort": "033", "'s-Hertogenbosch": "073", "Leiden": "071", "Dordrecht": "078",
    "Middelburg": "0118", "Assen": "0592", "Emmen": "0591", "Venlo": "077", "Heerlen": "045",
    "Deventer": "0570", "Alkmaar": "072", "Hilversum": "035", "Delft": "015", "Gouda": "0182",
    "Lelystad": "0320", "Zoetermeer": "079", "Hengelo": "074", "Almelo": "0546",
    "Den Helder": "0223", "Hoorn": "0229", "Purmerend": "0299", "Zaandam": "075",
    "Schiedam": "010", "Vlaardingen": "010", "Spijkenisse": "0181", "Gorinchem": "0183",
    "Roosendaal": "0165", "Bergen op Zoom": "0164", "Helmond": "0492", "Oss": "0412",
    "Venray": "0478", "Roermond": "0475", "Sittard": "046", "Geleen": "046", "Weert": "0495",
    "Zutphen": "0575", "Doetinchem": "0314", "Ede": "0318", "Tiel": "0344", "Harderwijk": "0341",
    "Kampen": "038", "Emmeloord": "0527", "Dronten": "0321", "Drachten": "0512", "Sneek": "0515",
    "Heerenveen": "0513", "Hoogeveen": "0528", "Meppel": "0522", "Vlissingen": "0118",
    "Goes": "0113", "Terneuzen": "0115", "Veendam": "0598", "Winschoten": "0597",
    "Stadskanaal": "0599", "Delfzijl": "0596", "Oldenzaal": "0541", "Hardenberg": "0523",
    "Alphen aan den Rijn": "0172", "Katwijk": "071", "Wageningen": "0317", "Veenendaal": "0318",
    "Woerden": "0348", "Capelle aan den IJssel": "010", "Heerhugowaard": "072",
}  # fmt: skip
PROVINCE_AREA_CODES = {
    "Groningen": "050", "Friesland": "058", "Drenthe": "0592", "Overijssel": "038",
    "Flevoland": "0320", "Gelderland": "026", "Utrecht": "030", "Noord-Holland": "020",
    "Zuid-Holland": "010", "Zeeland": "0118", "Noord-Brabant": "040", "Limburg": "043",
}  # fmt: skip
