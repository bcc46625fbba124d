"""Dutch words for the password policy, most guessable first (SECURITY.md §1, issue 14).

zxcvbn ships English lists only, so "Zomervakantie2024!" or "Loodgieter2024!" scored as strong.
These words form an extra ranked dictionary: common Dutch password words, seasons and holidays,
months and days, family and pet words, frequent first names and surnames, places, clubs and the
words of the installation sector. Compounds that people type as one word are listed whole,
because zxcvbn multiplies the ranks of two separate words.
"""

from __future__ import annotations

_WORDS = """
welkom wachtwoord geheim hallo welkom01 liefde schatje lieverd prinses voetbal ajax feyenoord psv
nederland holland oranje amsterdam rotterdam utrecht wachtwoorden paswoord inloggen toegang
zomer winter lente herfst voorjaar najaar vakantie zomervakantie wintervakantie kerstvakantie
meivakantie herfstvakantie voorjaarsvakantie wintersport kerst kerstmis pasen pinksteren
sinterklaas koningsdag oudjaar nieuwjaar oudennieuw verjaardag jarig feest feestje
januari februari maart april mei juni juli augustus september oktober november december
maandag dinsdag woensdag donderdag vrijdag zaterdag zondag weekend vandaag morgen gisteren
mama papa moeder vader oma opa zoon dochter broer zus zusje broertje kinderen kind familie gezin
vriend vriendin vriendje vriendinnetje schat lieveling liefje knuffel knuffeltje
hond hondje kat poes poesje paard konijn vogel beer beertje tijger leeuw draak muis muisje
jan piet klaas kees henk gerrit willem johan peter hans sander dennis mark martijn jeroen bas
tim thomas daan sem lucas levi finn noah bram ruben stefan erik frank jeroen marco richard
robert rob wim ton joost niels koen jasper vincent michiel arjan edwin ronald patrick marcel
emma julia sophie anna lisa sanne anouk fleur lotte eva sara tess iris marieke ingrid petra
monique linda esther marloes femke lieke manon nicole wendy sandra karin anja annemieke
jansen janssen devries vandenberg bakker visser smit meijer meyer deboer mulder degroot bos vos
peters hendriks vanleeuwen dekker brouwer dewit dijkstra smits degraaf vandermeer vanderlinden
kok jacobs dehaan vermeulen vandenheuvel vanderveen vandenbroek debruijn dejong schouten
vanbeek willems vanvliet vandeven hoekstra maas verhoeven koster vandam prins blom huisman
peeters dejonge
denhaag eindhoven groningen tilburg almere breda nijmegen apeldoorn haarlem arnhem enschede
amersfoort zaandam zwolle leiden maastricht dordrecht zoetermeer delft deventer alkmaar venlo
leeuwarden hilversum heerlen helmond oss emmen assen gouda schiedam vlaardingen purmerend
roosendaal bergenopzoom middelburg vlissingen hoorn zeeland friesland brabant limburg drenthe
gelderland overijssel flevoland noordholland zuidholland randstad
twente vitesse heerenveen utrechtfc azalkmaar sparta excelsior willemii nac fortuna
huis thuis werk kantoor bedrijf zaak winkel auto fiets fietsen boot water vuur aarde lucht
zon zonnetje maan ster sterren hemel regen sneeuw wind storm bloem bloemen tulp tulpen boom
zee strand duin polder molen dijk kaas brood koffie thee bier wijn pizza patat snoep
chocolade appel banaan kip vis
groen rood blauw geel zwart wit paars roze goud zilver
geluk gelukkig vrijheid vrede leven lekker lekkerding mooi groot klein sterk snel slim stoer
super vet top beste kanjer toppertje toppie sleutel computer internet laptop telefoon mobiel
gebruiker beheerder medewerker admin account portaal ledenportaal nieuw nieuwe test testen
probeer proberen onbekend niks niets alles iedereen niemand voornaam achternaam naam adres
straat postcode plaats dorp stad land wereld muziek dansen zingen lezen boeken school kerk
god jezus engel duivel hart
mijn jij wij ik ons onze jouw hoi doei dag goedemorgen welkomthuis welkombijons
installatie installateur installatietechniek installatiebedrijf installatiebedrijven techniek
technisch technieknederland monteur loodgieter elektricien elektra elektrotechniek verwarming
ketel cvketel centraleverwarming warmtepomp zonnepaneel zonnepanelen zonneboiler airco
ventilatie klimaat koeltechniek sanitair badkamer keuken leiding leidingwerk kraan kraanwater
soldeer soldeerbout gas stroom energie duurzaam bouw bouwbedrijf aannemer klus klussen
klusbedrijf onderhoud service storing dakdekker timmerman schilder vakman vakmanschap
gereedschap ladder boor hamer
vereniging verenigingvaninstallatiebedrijven branche brancheorganisatie lid leden
lidmaatschap erkend erkenning keurmerk uneto vni installq klantenvertellen kiyoh
"""

DUTCH_WORDS: tuple[str, ...] = tuple(dict.fromkeys(_WORDS.split()))
