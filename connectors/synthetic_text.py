"""Text for the synthetic inbox: the statement bank, sentence frames, survey questions and names.

Noun phrases per theme (things needed, proposals judged) and factual sentences, in bokmål and
nynorsk; frames per type and stance put them into sentences. ``compose_statement`` and
``likert_statement`` draw from one ``random.Random`` handed in by the generator
(``connectors.synthetic``), so the same seed gives the same text; so do ``name_as_written``
(a municipality's name as a respondent types it: suffix, case, number, typo) and ``mail_text``
(greeting, paragraphs, signature and subject of a mail).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from models.records import Municipality, Stance, StatementType

__all__ = [
    "FIRST_NAMES",
    "FREE_QUESTIONS",
    "KOMMUNE_QUESTION",
    "LAST_NAMES",
    "LIKERT_QUESTIONS",
    "ORGANISATIONS",
    "PRIORITIES",
    "THEMES",
    "TITLES",
    "TYPE_LABEL",
    "TYPO_RATE",
    "MailText",
    "SynthStatement",
    "compose_statement",
    "cover_note",
    "forwarded_letter",
    "likert_number",
    "likert_statement",
    "mail_text",
    "name_as_written",
    "quoted_invitation",
    "typo",
]

THEMES = (
    "finansiering",
    "styring",
    "samhandling",
    "journal",
    "teknologi",
    "personvern",
    "innforing",
    "fremdrift",
    "marked",
    "annet",
)
FIRST_NAMES = ("Kari", "Ola", "Per", "Anne", "Nils", "Ingrid", "Siri", "Lars", "Marit", "Jon", "Eva", "Tor")
LAST_NAMES = ("Nordmann", "Testesen", "Eksempelsen", "Prøvesen", "Dæmesen", "Fiktivsen")
TITLES = ("rådgiver", "kommunalsjef helse", "kommunedirektør", "fagleder e-helse", "seksjonsleder")
ORGANISATIONS = (
    ("KS", "ks.no"),
    ("Den norske legeforening", "legeforeningen.no"),
    ("Norsk Sykepleierforbund", "nsf.no"),
    ("Fagforbundet", "fagforbundet.no"),
    ("IKT-Norge", "ikt-norge.no"),
)
PRIORITIES = ("Høy", "Middels", "Lav")
TYPE_LABEL = {StatementType.NEED: "Behov", StatementType.POSITION: "Posisjon", StatementType.OTHER: "Annet"}
TYPO_RATE = 0.05
_HERAD = frozenset({"Voss", "Kvam", "Ulvik", "Ullensvang"})
_COVER_NOTE = {
    "nb": "Vedlagt følger innspill fra kommunen til arbeidet med Akson.",
    "nn": "Vedlagt følgjer innspel frå kommunen til arbeidet med Akson.",
}
_CLOSING = {"nb": "Med vennlig hilsen", "nn": "Med venleg helsing"}
_KS_INVITATION = (
    "Hei,",
    "",
    "KS ber kommunene om innspill til Akson innen fristen.",
    "Svar gjerne direkte på denne e-posten.",
    "",
    "Med vennlig hilsen",
    "Ola Nordmann",
    "KS",
)


@dataclass(frozen=True, slots=True)
class SynthStatement:
    """One generated statement with the labels the ground truth records."""

    text: str
    type: StatementType
    theme: str
    stance: Stance | None
    kind: str = "free_text"
    answer: str = ""


# One block per (theme, language, slot): "need" phrases (things the sector asks for), "prop"
# phrases (proposals it judges) and "fact" sentences ({n} number, {y} year, {d} date).
_BANK_SOURCE = """
# finansiering nb need
en forutsigbar fordeling av kostnadene mellom stat og kommune
tydelige beregninger av hva Akson vil koste den enkelte kommune
statlig medfinansiering av innføringen
en realistisk plan for når gevinstene kan hentes ut
# finansiering nb prop
betalingsplikt for kommunene
at Akson finansieres gjennom et årlig vederlag fra kommunene
den foreslåtte kostnadsfordelingen
at gevinstene skal dekke driftskostnadene
# finansiering nb fact
Kommunen bruker i dag om lag {n} millioner kroner i året på journalsystemer.
Budsjettet for e-helse i kommunen er på {n} millioner kroner for neste år.
# finansiering nn need
ei føreseieleg fordeling av kostnadene mellom stat og kommune
tydelege utrekningar av kva Akson vil koste den einskilde kommunen
statleg medfinansiering av innføringa
ein realistisk plan for når gevinstane kan hentast ut
# finansiering nn prop
betalingsplikt for kommunane
at Akson vert finansiert gjennom eit årleg vederlag frå kommunane
den føreslåtte kostnadsfordelinga
at gevinstane skal dekkje driftskostnadene
# finansiering nn fact
Kommunen brukar i dag om lag {n} millionar kroner i året på journalsystem.
Budsjettet for e-helse i kommunen er på {n} millionar kroner for neste år.
# styring nb need
reell innflytelse for kommunene i styringen av Akson
en tydelig rollefordeling mellom staten, KS og kommunene
kommunal representasjon i styret for selskapet
klare mandater for styringsgruppene
# styring nb prop
at KS går inn som eier i selskapet
den foreslåtte selskapsmodellen
at staten skal kunne pålegge kommunene å delta
styringsmodellen som er beskrevet i høringsnotatet
# styring nb fact
Kommunestyret behandlet saken om Akson i møtet {d}.
Kommunen deltar i {n} interkommunale samarbeid om digitalisering.
# styring nn need
reell innverknad for kommunane i styringa av Akson
ei tydeleg rollefordeling mellom staten, KS og kommunane
kommunal representasjon i styret for selskapet
klare mandat for styringsgruppene
# styring nn prop
at KS går inn som eigar i selskapet
den føreslåtte selskapsmodellen
at staten skal kunne påleggje kommunane å delta
styringsmodellen som er skildra i høyringsnotatet
# styring nn fact
Kommunestyret handsama saka om Akson i møtet {d}.
Kommunen deltek i {n} interkommunale samarbeid om digitalisering.
# samhandling nb need
sikker deling av pasientopplysninger med sykehus og fastleger
bedre elektroniske meldinger mellom kommunen og spesialisthelsetjenesten
felles legemiddelliste for alle tjenester
tilgang til kjernejournal for hjemmetjenesten
# samhandling nb prop
målet om én felles kommunal journal
at samhandlingsløsningene prioriteres først
den nasjonale satsingen på pasientens legemiddelliste
at informasjon skal følge pasienten på tvers av nivåene
# samhandling nb fact
Kommunen sender i dag rundt {n} elektroniske meldinger til sykehuset hver måned.
Hjemmetjenesten har {n} brukere som får tjenester fra flere nivåer.
# samhandling nn need
trygg deling av pasientopplysningar med sjukehus og fastlegar
betre elektroniske meldingar mellom kommunen og spesialisthelsetenesta
felles legemiddelliste for alle tenester
tilgang til kjernejournal for heimetenesta
# samhandling nn prop
målet om éin felles kommunal journal
at samhandlingsløysingane vert prioriterte først
den nasjonale satsinga på pasienten si legemiddelliste
at informasjon skal følgje pasienten på tvers av nivåa
# samhandling nn fact
Kommunen sender i dag kring {n} elektroniske meldingar til sjukehuset kvar månad.
Heimetenesta har {n} brukarar som får tenester frå fleire nivå.
# journal nb need
en journalløsning som er enkel å bruke i en travel hverdag
strukturert dokumentasjon som kan gjenbrukes
mobil tilgang til journalen for ansatte i hjemmetjenesten
en journal som dekker både helse- og omsorgstjenestene
# journal nb prop
den felles kommunale journalen
å erstatte dagens fagsystemer med én løsning
Helseplattformen som modell for Akson
at journalen skal leveres som en standardløsning
# journal nb fact
Kommunen har i dag {n} ulike fagsystemer i helse- og omsorgstjenestene.
Dagens journalsystem ble anskaffet i {y}.
# journal nn need
ei journalløysing som er enkel å bruke i ein travel kvardag
strukturert dokumentasjon som kan gjenbrukast
mobil tilgang til journalen for tilsette i heimetenesta
ein journal som dekkjer både helse- og omsorgstenestene
# journal nn prop
den felles kommunale journalen
å erstatte dagens fagsystem med éi løysing
Helseplattforma som modell for Akson
at journalen skal leverast som ei standardløysing
# journal nn fact
Kommunen har i dag {n} ulike fagsystem i helse- og omsorgstenestene.
Dagens journalsystem vart kjøpt inn i {y}.
# teknologi nb need
åpne grensesnitt og felles standarder
en plattform som kan integreres med eksisterende systemer
stabil drift og god oppetid
en skalerbar arkitektur som tåler vekst
# teknologi nb prop
den åpne plattformen som foreslås
en skybasert driftsmodell
den modulære arkitekturen
valget av felles nasjonal infrastruktur
# teknologi nb fact
Kommunen har {n} integrasjoner mot dagens journalsystem.
IT-driften i kommunen er satt ut til et interkommunalt selskap med {n} ansatte.
# teknologi nn need
opne grensesnitt og felles standardar
ei plattform som kan integrerast med eksisterande system
stabil drift og god oppetid
ein skalerbar arkitektur som toler vekst
# teknologi nn prop
den opne plattforma som vert føreslått
ein skybasert driftsmodell
den modulære arkitekturen
valet av felles nasjonal infrastruktur
# teknologi nn fact
Kommunen har {n} integrasjonar mot dagens journalsystem.
IT-drifta i kommunen er sett ut til eit interkommunalt selskap med {n} tilsette.
# personvern nb need
god tilgangsstyring og logging av oppslag i journalen
et tydelig rettslig grunnlag for deling av helseopplysninger
en grundig vurdering av personvernkonsekvensene
sikker lagring av sensitive opplysninger
# personvern nb prop
lagring av journaldata i en felles nasjonal database
forslaget om utvidet tilgang til helseopplysninger
den foreslåtte løsningen for tilgangsstyring
at innbyggerne selv skal kunne se hvem som har lest journalen
# personvern nb fact
Kommunen registrerte {n} avvik knyttet til informasjonssikkerhet i fjor.
Personvernombudet i kommunen har behandlet {n} saker om helseopplysninger.
# personvern nn need
god tilgangsstyring og logging av oppslag i journalen
eit tydeleg rettsleg grunnlag for deling av helseopplysningar
ei grundig vurdering av personvernkonsekvensane
trygg lagring av sensitive opplysningar
# personvern nn prop
lagring av journaldata i ein felles nasjonal database
forslaget om utvida tilgang til helseopplysningar
den føreslåtte løysinga for tilgangsstyring
at innbyggjarane sjølve skal kunne sjå kven som har lese journalen
# personvern nn fact
Kommunen registrerte {n} avvik knytte til informasjonstryggleik i fjor.
Personvernombodet i kommunen har handsama {n} saker om helseopplysningar.
# innforing nb need
tid og ressurser til opplæring av ansatte
støtte til endringsledelse i tjenestene
lokal kapasitet til å gjennomføre innføringen
kompetanse på digitalisering i små kommuner
# innforing nb prop
innføringsplanen som er lagt fram
at innføringen skal skje kommune for kommune
opplæringsopplegget som er beskrevet
at kommunene selv skal stå for opplæringen
# innforing nb fact
Kommunen har {n} ansatte som bruker journalsystemet daglig.
Det ble gjennomført {n} opplæringskurs i fjor.
# innforing nn need
tid og ressursar til opplæring av tilsette
støtte til endringsleiing i tenestene
lokal kapasitet til å gjennomføre innføringa
kompetanse på digitalisering i små kommunar
# innforing nn prop
innføringsplanen som er lagd fram
at innføringa skal skje kommune for kommune
opplæringsopplegget som er skildra
at kommunane sjølve skal stå for opplæringa
# innforing nn fact
Kommunen har {n} tilsette som brukar journalsystemet dagleg.
Det vart gjennomført {n} opplæringskurs i fjor.
# fremdrift nb need
en realistisk tidsplan for innføringen
en stegvis utvikling med mulighet for justering
tydelige milepæler for når kommunene kan ta i bruk løsningen
god risikostyring i prosjektet
# fremdrift nb prop
den foreslåtte tidsplanen
at prosjektet deles opp i flere faser
at oppstarten utsettes ett år
tempoet i arbeidet så langt
# fremdrift nb fact
Kommunen planlegger å ta i bruk ny journal i {y}.
Prosjektet har så langt vart i {n} måneder.
# fremdrift nn need
ein realistisk tidsplan for innføringa
ei stegvis utvikling med høve til justering
tydelege milepælar for når kommunane kan ta i bruk løysinga
god risikostyring i prosjektet
# fremdrift nn prop
den føreslåtte tidsplanen
at prosjektet vert delt opp i fleire fasar
at oppstarten vert utsett eitt år
tempoet i arbeidet så langt
# fremdrift nn fact
Kommunen planlegg å ta i bruk ny journal i {y}.
Prosjektet har så langt vart i {n} månader.
# marked nb need
reell konkurranse mellom leverandørene
en anskaffelse som gir rom for norske leverandører
mulighet til å bytte leverandør senere
klare krav til leverandørene om dataportabilitet
# marked nb prop
anskaffelsesstrategien for Akson
at én leverandør skal levere hele løsningen
dialogen med leverandørmarkedet
å bygge på eksisterende produkter i markedet
# marked nb fact
Kommunen har avtale med {n} leverandører av fagsystemer.
Dagens kontrakt for journalsystemet løper ut i {y}.
# marked nn need
reell konkurranse mellom leverandørane
ei anskaffing som gjev rom for norske leverandørar
høve til å byte leverandør seinare
klare krav til leverandørane om dataportabilitet
# marked nn prop
anskaffingsstrategien for Akson
at éin leverandør skal levere heile løysinga
dialogen med leverandørmarknaden
å byggje på eksisterande produkt i marknaden
# marked nn fact
Kommunen har avtale med {n} leverandørar av fagsystem.
Dagens kontrakt for journalsystemet går ut i {y}.
# annet nb need
bedre informasjon om arbeidet til kommunene
lengre høringsfrister
en samlet plan for digitalisering i offentlig sektor
en tydelig kommunikasjon med innbyggerne
# annet nb prop
hovedinnretningen i Akson
arbeidet med digitalisering i helsesektoren
måten høringen er gjennomført på
den overordnede satsingen på e-helse
# annet nb fact
Kommunen har {n} innbyggere over 80 år.
Saken ble drøftet i formannskapet {d}.
# annet nn need
betre informasjon om arbeidet til kommunane
lengre høyringsfristar
ein samla plan for digitalisering i offentleg sektor
ein tydeleg kommunikasjon med innbyggjarane
# annet nn prop
hovudinnretninga i Akson
arbeidet med digitalisering i helsesektoren
måten høyringa er gjennomført på
den overordna satsinga på e-helse
# annet nn fact
Kommunen har {n} innbyggjarar over 80 år.
Saka vart drøfta i formannskapet {d}.
"""


def _parse_bank(source: str) -> dict[str, dict[str, dict[str, tuple[str, ...]]]]:
    bank: dict[str, dict[str, dict[str, list[str]]]] = {}
    current: list[str] = []
    for line in source.strip().splitlines():
        if line.startswith("# "):
            theme, lang, slot = line[2:].split()
            current = bank.setdefault(theme, {}).setdefault(lang, {}).setdefault(slot, [])
        else:
            current.append(line)
    return {
        t: {lg: {sl: tuple(v) for sl, v in slots.items()} for lg, slots in langs.items()}
        for t, langs in bank.items()
    }


_BANK = _parse_bank(_BANK_SOURCE)

_FRAMES: dict[str, dict[str, tuple[str, ...]]] = {
    "nb": {
        "need": (
            "Kommunen har behov for {x}{s}.",
            "Vi trenger {x}{s}.",
            "Det må sikres {x}{s}.",
            "Det er nødvendig med {x}{s}.",
            "Vi ber om {x}{s}.",
            "Kommunen etterlyser {x}{s}.",
        ),
        "support": (
            "Vi støtter {x}.",
            "Kommunen er positiv til {x}.",
            "Vi stiller oss bak {x}.",
            "Kommunen mener {x} er et godt grep.",
            "Vi er glade for {x}.",
        ),
        "oppose": (
            "Vi er kritiske til {x}.",
            "Kommunen kan ikke slutte seg til {x}.",
            "Vi går imot {x}.",
            "Kommunen er bekymret for {x}.",
            "Vi mener {x} er urimelig.",
        ),
        "conditional": (
            "Vi støtter {x}, men bare dersom {c}.",
            "Kommunen er positiv til {x}, forutsatt at {c}.",
            "Vi kan slutte oss til {x} på vilkår av at {c}.",
        ),
        "neutral": (
            "Det er for tidlig å ta stilling til {x}.",
            "Kommunen har ingen klar oppfatning om {x} ennå.",
            "Vi ser både fordeler og ulemper ved {x}.",
        ),
        "cond": (
            "staten dekker en større del av kostnadene",
            "kommunene får reell innflytelse i styringen",
            "løsningen er ferdig testet før den tas i bruk",
            "personvernet til innbyggerne er godt ivaretatt",
            "det settes av tid og midler til opplæring",
            "fremdriftsplanen er realistisk",
        ),
        "suffix": (
            "",
            "",
            " i pleie- og omsorgstjenestene",
            " for fastlegene og helsestasjonene",
            " allerede i første fase",
            " i vår region",
            " for små kommuner",
        ),
    },
    "nn": {
        "need": (
            "Kommunen har behov for {x}{s}.",
            "Vi treng {x}{s}.",
            "Det må sikrast {x}{s}.",
            "Det er naudsynt med {x}{s}.",
            "Vi ber om {x}{s}.",
            "Kommunen etterlyser {x}{s}.",
        ),
        "support": (
            "Vi støttar {x}.",
            "Kommunen er positiv til {x}.",
            "Vi stiller oss bak {x}.",
            "Kommunen meiner {x} er eit godt grep.",
            "Vi er glade for {x}.",
        ),
        "oppose": (
            "Vi er kritiske til {x}.",
            "Kommunen kan ikkje slutte seg til {x}.",
            "Vi går imot {x}.",
            "Kommunen er uroa over {x}.",
            "Vi meiner {x} er urimeleg.",
        ),
        "conditional": (
            "Vi støttar {x}, men berre dersom {c}.",
            "Kommunen er positiv til {x}, føresett at {c}.",
            "Vi kan slutte oss til {x} på vilkår av at {c}.",
        ),
        "neutral": (
            "Det er for tidleg å ta stilling til {x}.",
            "Kommunen har inga klar oppfatning om {x} enno.",
            "Vi ser både fordelar og ulemper ved {x}.",
        ),
        "cond": (
            "staten dekkjer ein større del av kostnadene",
            "kommunane får reell innverknad i styringa",
            "løysinga er ferdig testa før ho vert teken i bruk",
            "personvernet til innbyggjarane er godt teke vare på",
            "det vert sett av tid og midlar til opplæring",
            "framdriftsplanen er realistisk",
        ),
        "suffix": (
            "",
            "",
            " i pleie- og omsorgstenestene",
            " for fastlegane og helsestasjonane",
            " allereie i første fase",
            " i vår region",
            " for små kommunar",
        ),
    },
}

# Likert questions that make their theme evident; agreeing supports the proposal.
LIKERT_QUESTIONS: dict[str, dict[str, str]] = {
    "finansiering": {
        "nb": "Kommunen støtter at Akson finansieres gjennom betalingsplikt for kommunene",
        "nn": "Kommunen støttar at Akson vert finansiert gjennom betalingsplikt for kommunane",
    },
    "styring": {
        "nb": "Kommunen støtter at KS går inn som eier i Akson-selskapet",
        "nn": "Kommunen støttar at KS går inn som eigar i Akson-selskapet",
    },
    "samhandling": {
        "nb": "Kommunen mener Akson vil gi bedre samhandling med sykehus og fastleger",
        "nn": "Kommunen meiner Akson vil gje betre samhandling med sjukehus og fastlegar",
    },
    "journal": {
        "nb": "Kommunen ønsker å ta i bruk en felles kommunal journal",
        "nn": "Kommunen ønskjer å ta i bruk ein felles kommunal journal",
    },
    "personvern": {
        "nb": "Kommunen har tillit til at personvernet blir godt ivaretatt i Akson",
        "nn": "Kommunen har tillit til at personvernet vert godt teke vare på i Akson",
    },
    "fremdrift": {
        "nb": "Kommunen mener tidsplanen for Akson er realistisk",
        "nn": "Kommunen meiner tidsplanen for Akson er realistisk",
    },
}
_LIKERT_ANSWERS: dict[str, tuple[tuple[str, Stance], ...]] = {
    "nb": (
        ("Helt enig", Stance.SUPPORT),
        ("Delvis enig", Stance.CONDITIONAL),
        ("Verken enig eller uenig", Stance.NEUTRAL),
        ("Delvis uenig", Stance.OPPOSE),
        ("Helt uenig", Stance.OPPOSE),
        ("Vet ikke", Stance.NEUTRAL),
    ),
    "nn": (
        ("Heilt einig", Stance.SUPPORT),
        ("Delvis einig", Stance.CONDITIONAL),
        ("Verken einig eller ueinig", Stance.NEUTRAL),
        ("Delvis ueinig", Stance.OPPOSE),
        ("Heilt ueinig", Stance.OPPOSE),
        ("Veit ikkje", Stance.NEUTRAL),
    ),
}
FREE_QUESTIONS = {
    "nb": ("Hvilke behov har kommunen knyttet til Akson?", "Andre innspill til Akson"),
    "nn": ("Kva behov har kommunen knytt til Akson?", "Andre innspel til Akson"),
}
KOMMUNE_QUESTION = {"nb": "Hvilken kommune svarer du for?", "nn": "Kva kommune svarar du for?"}
_MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "august", "september", "oktober", "november")


def compose_statement(rng: random.Random, lang: str) -> SynthStatement:
    """A need (35 %), a position (40 %) or a fact, on a random theme, in ``lang`` (nb or nn)."""
    theme = rng.choice(THEMES)
    bank = _BANK[theme][lang]
    frames = _FRAMES[lang]
    roll = rng.random()
    if roll < 0.35:
        text = rng.choice(frames["need"]).format(x=rng.choice(bank["need"]), s=rng.choice(frames["suffix"]))
        return SynthStatement(_cap_first(text), StatementType.NEED, theme, None)
    if roll < 0.75:
        stance = rng.choices(
            (Stance.SUPPORT, Stance.OPPOSE, Stance.CONDITIONAL, Stance.NEUTRAL), weights=(40, 30, 20, 10)
        )[0]
        frame = rng.choice(frames[stance.value])
        text = frame.format(x=rng.choice(bank["prop"]), c=rng.choice(frames["cond"]))
        return SynthStatement(_cap_first(text), StatementType.POSITION, theme, stance)
    day = date(2024, 1, 1) + timedelta(days=rng.randint(0, 700))
    text = rng.choice(bank["fact"]).format(
        n=rng.randint(2, 480), y=rng.randint(2009, 2031), d=f"{day.day}. {rng.choice(_MONTHS)} {day.year}"
    )
    return SynthStatement(text, StatementType.OTHER, theme, None)


def likert_statement(rng: random.Random, lang: str, theme: str) -> SynthStatement:
    """A Likert answer to the question on ``theme``; the question is the statement text."""
    answer, stance = rng.choices(_LIKERT_ANSWERS[lang], weights=(25, 25, 12, 15, 15, 8))[0]
    question = LIKERT_QUESTIONS[theme][lang]
    return SynthStatement(question, StatementType.POSITION, theme, stance, kind="likert", answer=answer)


@dataclass(frozen=True, slots=True)
class MailText:
    """The words of one mail: greetings, signatures and quoted history are not statements."""

    subject: str
    greeting: str
    paragraphs: tuple[str, ...]
    signature: tuple[str, ...]

    @property
    def plain(self) -> str:
        """The text/plain body."""
        return "\n\n".join([self.greeting, *self.paragraphs, "\n".join(self.signature)]) + "\n"


def cover_note(lang: str) -> SynthStatement:
    """The one-line cover note of a mail with an attachment (a statement: other/annet)."""
    return SynthStatement(_COVER_NOTE[lang], StatementType.OTHER, "annet", None)


def mail_text(rng: random.Random, lang: str, texts: Sequence[str], contact: str, org_line: str) -> MailText:
    """Statements grouped into paragraphs, between a greeting and a signature naming the respondent."""
    paragraphs: list[list[str]] = []
    for text in texts:
        if not paragraphs or rng.random() < 0.4:
            paragraphs.append([])
        paragraphs[-1].append(text)
    greeting = "Hei," if rng.random() < 0.7 else "Til KS,"
    signature = (_CLOSING[lang], contact, rng.choice(TITLES), org_line)
    subject = f"Innspill til Akson fra {org_line}" if lang == "nb" else f"Innspel til Akson frå {org_line}"
    return MailText(subject, greeting, tuple(" ".join(p) for p in paragraphs), signature)


_FORWARD_NOTE = {
    "nb": "Videresender innspill fra kommunen, sendt til oss ved en feil.",
    "nn": "Vidaresender innspel frå kommunen, sendt til oss ved ein feil.",
}
# 5 = helt enig, as Nettskjema and Questback number their scales; "Vet ikke" is the neutral middle.
_LIKERT_NUMBERS = {
    "helt enig": "5",
    "heilt einig": "5",
    "delvis enig": "4",
    "delvis einig": "4",
    "verken enig eller uenig": "3",
    "verken einig eller ueinig": "3",
    "vet ikke": "3",
    "veit ikkje": "3",
    "delvis uenig": "2",
    "delvis ueinig": "2",
    "helt uenig": "1",
    "heilt ueinig": "1",
}


def likert_number(answer: str) -> str:
    """The 1-5 number a survey exported as numbers writes for an answer word (5 = helt enig)."""
    return _LIKERT_NUMBERS[answer.lower()]


def forwarded_letter(
    lang: str, note_signer: str, letter_from: str, sent: datetime, subject: str, letter: str
) -> str:
    """A short covering note above a municipality's letter, forwarded as Outlook writes it."""
    marker = "Videresendt melding" if lang == "nb" else "Vidaresendt melding"
    return (
        f"{_FORWARD_NOTE[lang]}\n\n{note_signer}\n\n---------- {marker} ----------\n"
        f"Fra: {letter_from}\nDato: {sent.strftime('%d.%m.%Y %H:%M')}\nEmne: {subject}\n"
        f"Til: KS <post@ks.no>\n\n{letter}"
    )


def quoted_invitation(asked: datetime) -> str:
    """KS's invitation as a reply quotes it below the answer."""
    return f"\n{asked.strftime('%d.%m.%Y')} kl. {asked.strftime('%H:%M')} skrev KS <post@ks.no>:\n" + "".join(
        f"> {line}\n".replace("> \n", ">\n") for line in _KS_INVITATION
    )


def name_as_written(
    rng: random.Random, m: Municipality, *, duplicate: bool, old_number: str | None
) -> tuple[str, str, str]:
    """(respondent as written, name variant, org line for signatures and titles) for a municipality.

    ``duplicate`` names (Våler, Herøy) carry their county; ``old_number`` is the pre-2024 number
    of a renumbered municipality, when it has one.
    """
    suffix = "herad" if m.name in _HERAD else "kommune"
    base = f"{m.name} ({m.fylke})" if duplicate else m.name
    choices = ["exact"] * 45 + ["suffix"] * 20 + ["lower"] * 5 + ["upper"] * 5 + ["number"] * 5
    if old_number is not None:
        choices += ["old_number"] * 8
    if m.alt_names:
        choices += ["ssb_name"] * 10
    variant = "typo" if len(m.name) >= 5 and rng.random() < TYPO_RATE else rng.choice(choices)
    if variant == "typo":
        text = typo(m.name, rng)
        if duplicate:
            text = f"{text} ({m.fylke})"
    elif variant == "suffix":
        text = f"{m.name} {suffix}" + (f" ({m.fylke})" if duplicate else "")
    elif variant == "lower":
        text = base.lower()
    elif variant == "upper":
        text = base.upper()
    elif variant == "number":
        text = f"{m.kommunenummer} {m.name}"
    elif variant == "old_number":
        text = f"{old_number} {m.name}"
    elif variant == "ssb_name":
        text = f"{m.name} - {m.alt_names[0]}"
    else:
        text = base
    org_line = text if variant in {"suffix", "number", "old_number"} else f"{text} {suffix}"
    if variant == "upper":
        org_line = org_line.upper()
    return text, variant, org_line


def typo(name: str, rng: random.Random) -> str:
    """One keyboard slip: swap two neighbours, drop or double a letter (never the first letter)."""
    i = rng.randint(1, len(name) - 2)
    kind = rng.randint(0, 2)
    if kind == 0 and name[i] != name[i + 1]:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if kind == 1:
        return name[:i] + name[i + 1 :]
    return name[:i] + name[i] + name[i:]


def _cap_first(text: str) -> str:
    return text[:1].upper() + text[1:]
