"""Seeded generator of large synthetic inboxes with ground truth, for load tests and evaluation.

``generate_inbox(out_dir, seed=..., statements=...)`` writes ``<out>/inbox/`` with survey
exports (Nettskjema and Questback CSV, Microsoft Forms xlsx), KS-template and free-form
spreadsheets, ``.eml`` files and ``.mbox`` mailboxes, and ``<out>/ground_truth.csv`` with one
row per statement: where it is (file and locator fields, as ``models.records.Locator`` names
them), who wrote it (respondent as written, expected kommunenummer) and its labels (type,
theme, stance; stance only for positions, as in the labelling guideline).

A Likert answer counts as one statement: its ``text`` in the ground truth is the question,
``answer`` holds the answer word and the stance follows ``processing.likert`` (``Delvis enig``
is conditional, ``Vet ikke`` neutral). Mail greetings, signatures and quoted history are not
statements; the one-line cover note of a mail with an attachment is (``other``/``annet``).

Outlook ``.msg`` files are not generated: writing them needs an Outlook (CFB/MAPI) writer,
and no maintained pure-Python one exists. Attachments of mails in ``.mbox`` files are not
generated either; ``.eml`` files carry them.

Same seed and arguments -> byte-identical files: xlsx core properties and zip member dates are
fixed, MIME boundaries and Message-IDs derive from the seed and a counter, and all text,
dates and names come from one ``random.Random(seed)``. Files are written one at a time and the
ground truth is streamed, so memory stays flat at 1,000,000 statements.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import quopri
import random
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.writer.excel import ExcelWriter

from models.records import Municipality, RespondentKind, Stance, StatementType

__all__ = [
    "CHANNELS",
    "FIXED_TIMESTAMP",
    "GROUND_TRUTH_COLUMNS",
    "THEMES",
    "GenerationReport",
    "Sheet",
    "build_ks_template",
    "generate_inbox",
    "municipalities_from_csv",
    "pdf_bytes",
    "sheets_workbook",
    "sheets_xlsx",
    "slugify",
    "xlsx_bytes",
]

CHANNELS = ("survey", "spreadsheet", "email")
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
FIXED_TIMESTAMP = datetime(2025, 1, 1, 0, 0, 0)  # naive: xlsx core properties are naive UTC
GROUND_TRUTH_COLUMNS = (
    "file",
    "sheet",
    "row",
    "column",
    "message_id",
    "part",
    "response_id",
    "question",
    "line",
    "channel",
    "file_kind",
    "respondent",
    "respondent_kind",
    "expected_kommunenummer",
    "name_variant",
    "language",
    "kind",
    "text",
    "answer",
    "type",
    "theme",
    "stance",
)
TYPO_RATE = 0.05
REFERENCE_CSV = Path(__file__).resolve().parents[2] / "shared" / "reference" / "kommuner.csv"

_CHANNEL_WEIGHTS = {"survey": 0.45, "spreadsheet": 0.25, "email": 0.30}
_KIND_ROTATION = {
    "survey": ("nettskjema_csv", "forms_xlsx", "nettskjema_csv", "questback_csv"),
    "spreadsheet": ("ks_template", "ks_template", "freeform_xlsx"),
    "email": ("eml", "eml", "eml", "mbox"),
}
_MAIL_VARIANTS = ("plain", "html_only", "alternative", "quoted_reply", "attachment_xlsx", "attachment_pdf")
_MBOX_VARIANTS = ("plain", "html_only", "alternative", "quoted_reply")
_HERAD = frozenset({"Voss", "Kvam", "Ulvik", "Ullensvang"})
_NYNORSK_COUNTIES = frozenset({"46", "15"})  # Vestland, Møre og Romsdal: mostly nynorsk administrations
_FIRST_NAMES = ("Kari", "Ola", "Per", "Anne", "Nils", "Ingrid", "Siri", "Lars", "Marit", "Jon", "Eva", "Tor")
_LAST_NAMES = ("Nordmann", "Testesen", "Eksempelsen", "Prøvesen", "Dæmesen", "Fiktivsen")
_TITLES = ("rådgiver", "kommunalsjef helse", "kommunedirektør", "fagleder e-helse", "seksjonsleder")
_ORGANISATIONS = (
    ("KS", "ks.no"),
    ("Den norske legeforening", "legeforeningen.no"),
    ("Norsk Sykepleierforbund", "nsf.no"),
    ("Fagforbundet", "fagforbundet.no"),
    ("IKT-Norge", "ikt-norge.no"),
)
_PRIORITIES = ("Høy", "Middels", "Lav")
_TYPE_LABEL = {StatementType.NEED: "Behov", StatementType.POSITION: "Posisjon", StatementType.OTHER: "Annet"}

# ---------------------------------------------------------------------------------------------
# Text bank: noun phrases per theme (things needed, proposals judged) and factual sentences,
# in bokmål and nynorsk; frames per type and stance put them into sentences.


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
_LIKERT_QUESTIONS: dict[str, dict[str, str]] = {
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
_FREE_QUESTIONS = {
    "nb": ("Hvilke behov har kommunen knyttet til Akson?", "Andre innspill til Akson"),
    "nn": ("Kva behov har kommunen knytt til Akson?", "Andre innspel til Akson"),
}
_KOMMUNE_QUESTION = {"nb": "Hvilken kommune svarer du for?", "nn": "Kva kommune svarar du for?"}
_MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "august", "september", "oktober", "november")


# ---------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True, slots=True)
class GenerationReport:
    """What ``generate_inbox`` wrote."""

    inbox_dir: Path
    ground_truth: Path
    seed: int
    statements: int
    respondents: int
    municipalities_covered: int
    statements_by_channel: Mapping[str, int]
    files_by_kind: Mapping[str, int]
    variants: Mapping[str, int]

    def summary(self) -> str:
        """A few lines for the command line."""
        lines = [
            f"inbox: {self.inbox_dir}",
            f"ground truth: {self.ground_truth}",
            f"statements: {self.statements} from {self.respondents} respondents, "
            f"{self.municipalities_covered} municipalities covered (seed {self.seed})",
            "statements by channel: "
            + ", ".join(f"{k}={v}" for k, v in sorted(self.statements_by_channel.items())),
            "files by kind: " + ", ".join(f"{k}={v}" for k, v in sorted(self.files_by_kind.items())),
            "variants: " + ", ".join(f"{k}={v}" for k, v in sorted(self.variants.items())),
        ]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class _Respondent:
    text: str  # as written
    kind: RespondentKind
    kommunenummer: str
    variant: str
    language: str
    email: str
    contact: str
    org_line: str  # how a signature or title names the respondent
    slug: str


@dataclass(frozen=True, slots=True)
class _Statement:
    text: str
    type: StatementType
    theme: str
    stance: Stance | None
    kind: str = "free_text"
    answer: str = ""


@dataclass
class _Counters:
    files: Counter[str] = field(default_factory=Counter)
    variants: Counter[str] = field(default_factory=Counter)
    channels: Counter[str] = field(default_factory=Counter)
    covered: set[str] = field(default_factory=set)
    respondents: int = 0


# ---------------------------------------------------------------------------------------------
# Public helpers (also used by examples/make_examples.py)


def municipalities_from_csv(path: Path) -> list[Municipality]:
    """Municipalities from a ``kommuner.csv`` in the shared reference format, ordered by number."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = [
        Municipality(
            kommunenummer=r["kommunenummer"],
            name=r["navn"],
            alt_names=tuple(a for a in r["alternative_navn"].split("|") if a),
            fylkesnummer=r["fylkesnummer"],
            fylke=r["fylke"],
            population=int(r["innbyggere"]),
            health_region=r["helseregion"],
            domains=tuple(d for d in r["epost_domene"].split("|") if d),
            outside_midt_norge=r["helseregion"] != "Helse Midt-Norge",
        )
        for r in rows
    ]
    return sorted(out, key=lambda m: m.kommunenummer)


CellValue = str | int | float | date | datetime | None


@dataclass
class Sheet:
    """A worksheet as plain cells, written either fast (``sheets_xlsx``) or through openpyxl."""

    title: str
    cells: dict[tuple[int, int], CellValue] = field(default_factory=dict)
    merged: list[str] = field(default_factory=list)
    widths: dict[str, float] = field(default_factory=dict)
    max_row: int = 0

    def cell(self, row: int, column: int, value: CellValue) -> None:
        if value is not None and value != "":
            self.cells[(row, column)] = value
        self.max_row = max(self.max_row, row)

    def append(self, values: Sequence[CellValue]) -> None:
        row = self.max_row + 1
        for column, value in enumerate(values, start=1):
            self.cell(row, column, value)
        self.max_row = row


def sheets_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """A minimal, valid xlsx (inline strings, one date style) with fixed zip dates: fast and reproducible.

    openpyxl needs ~50 ms per small workbook, which made spreadsheets most of the run time at
    scale; this writer needs ~2 ms. Excel, openpyxl and calamine read the result.
    """
    members = {
        "[Content_Types].xml": _content_types(len(sheets)),
        "_rels/.rels": _ROOT_RELS,
        "xl/workbook.xml": _workbook_xml(sheets),
        "xl/_rels/workbook.xml.rels": _workbook_rels(len(sheets)),
        "xl/styles.xml": _STYLES,
    }
    for i, sheet in enumerate(sheets, start=1):
        members[f"xl/worksheets/sheet{i}.xml"] = _sheet_xml(sheet)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, text.encode("utf-8"), compresslevel=6)
    return out.getvalue()


def sheets_workbook(sheets: Sequence[Sheet]) -> Workbook:
    """The same sheets as an openpyxl workbook (shared strings, styles: as Excel writes them)."""
    wb = Workbook()
    default = wb.active
    assert default is not None
    wb.remove(default)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title)
        for (row, column), value in sorted(sheet.cells.items()):
            cell = ws.cell(row=row, column=column, value=value)
            if isinstance(value, datetime):
                cell.number_format = "dd.mm.yyyy hh:mm"
            elif isinstance(value, date):
                cell.number_format = "dd.mm.yyyy"
        for ref in sheet.merged:
            ws.merge_cells(ref)
        for letter, width in sheet.widths.items():
            ws.column_dimensions[letter].width = width
    return wb


def xlsx_bytes(wb: Workbook) -> bytes:
    """Serialise an openpyxl workbook reproducibly: fixed core properties and fixed zip member dates.

    ``openpyxl.save_workbook`` stamps ``modified`` with the current time and ``ZipFile.writestr``
    stamps every member with the local time, so the writer is driven directly and the archive
    rebuilt with a fixed date.
    """
    wb.properties.created = FIXED_TIMESTAMP
    wb.properties.modified = FIXED_TIMESTAMP
    wb.properties.creator = "samordne"
    wb.properties.lastModifiedBy = "samordne"
    raw = io.BytesIO()
    archive = zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_ROOT_RELS = (
    f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}"><Relationship Id="rId1" '
    f'Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_STYLES = (
    f'{_XML_HEAD}<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd.mm.yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd.mm.yyyy hh:mm"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_EXCEL_EPOCH = datetime(1899, 12, 30)  # naive: Excel serial dates have no zone


def _content_types(n: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    return (
        f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{sheets}</Types>"
    )


def _workbook_xml(sheets: Sequence[Sheet]) -> str:
    items = "".join(
        f'<sheet name="{html.escape(s.title)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, s in enumerate(sheets, start=1)
    )
    return f'{_XML_HEAD}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><sheets>{items}</sheets></workbook>'


def _workbook_rels(n: int) -> str:
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, n + 1)
    )
    styles = f'<Relationship Id="rId{n + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
    return f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">{rels}{styles}</Relationships>'


def _cell_xml(ref: str, value: CellValue) -> str:
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, datetime):
        serial = (value.replace(tzinfo=None) - _EXCEL_EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="2"><v>{serial:.10g}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="1"><v>{(value - _EXCEL_EPOCH.date()).days}</v></c>'
    text = html.escape(str(value), quote=False)
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _sheet_xml(sheet: Sheet) -> str:
    rows: dict[int, list[tuple[int, CellValue]]] = {}
    for (row, column), value in sheet.cells.items():
        rows.setdefault(row, []).append((column, value))
    parts = [f'{_XML_HEAD}<worksheet xmlns="{_MAIN_NS}">']
    if sheet.widths:
        parts.append("<cols>")
        for letter, width in sorted(sheet.widths.items(), key=lambda lw: column_index_from_string(lw[0])):
            i = column_index_from_string(letter)
            parts.append(f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>')
        parts.append("</cols>")
    parts.append("<sheetData>")
    for row in sorted(rows):
        cells = "".join(_cell_xml(f"{get_column_letter(c)}{row}", v) for c, v in sorted(rows[row]))
        parts.append(f'<row r="{row}">{cells}</row>')
    parts.append("</sheetData>")
    if sheet.merged:
        refs = "".join(f'<mergeCell ref="{ref}"/>' for ref in sheet.merged)
        parts.append(f'<mergeCells count="{len(sheet.merged)}">{refs}</mergeCells>')
    parts.append("</worksheet>")
    return "".join(parts)


KS_TEMPLATE_GUIDE = (
    "Slik fyller du ut malen",
    "Skriv kommunens navn, kontaktperson, e-post og dato øverst på arket 'Innspill'.",
    "Skriv ett innspill per rad fra rad 9.",
    "Tema: finansiering, styring, samhandling, journal, teknologi, personvern, innforing, "
    "fremdrift, marked eller annet.",
    "Behov eller posisjon: skriv 'Behov', 'Posisjon' eller 'Annet'.",
    "Prioritet: skriv 'Høy', 'Middels' eller 'Lav'.",
    "Send utfylt mal til KS som vedlegg i e-post.",
)


def build_ks_template(
    kommune: str,
    contact: str,
    email: str,
    dato: date | None,
    rows: Sequence[tuple[str, str, str, str]],
) -> list[Sheet]:
    """The KS input template filled in: ``rows`` are (Tema, Innspill, Behov eller posisjon, Prioritet)."""
    ws = Sheet("Innspill", widths={"A": 16, "B": 80, "C": 22, "D": 12})
    ws.cell(1, 1, "Innspill til Akson – KS")
    for row, (label, value) in enumerate(
        (("Kommune", kommune), ("Kontaktperson", contact), ("E-post", email), ("Dato", dato)), start=3
    ):
        ws.cell(row, 1, label)
        ws.cell(row, 2, value)
    for column, header in enumerate(("Tema", "Innspill", "Behov eller posisjon", "Prioritet"), start=1):
        ws.cell(8, column, header)
    for r, values in enumerate(rows, start=9):
        for column, value in enumerate(values, start=1):
            ws.cell(r, column, value)
    guide = Sheet("Veiledning", widths={"A": 100})
    for line in KS_TEMPLATE_GUIDE:
        guide.append([line])
    return [ws, guide]


def pdf_bytes(paragraphs: Sequence[str], *, width: int = 90) -> bytes:
    """A one-page PDF with a text layer (Helvetica, WinAnsi); paragraphs wrap at ``width`` characters."""
    lines: list[str] = []
    for para in paragraphs:
        lines.extend(_wrap(para, width))
        lines.append("")
    lines = lines[:56]
    ops = ["BT", "/F1 11 Tf", "14 TL", "50 800 Td"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({escaped}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("cp1252", errors="replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe6\xf8\xe5\xc5\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return lines


def slugify(text: str) -> str:
    """ASCII file-name part: ``Ålesund`` -> ``alesund``, ``Nord-Fron`` -> ``nord-fron``."""
    text = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9-]+", "_", text).strip("_") or "x"


# ---------------------------------------------------------------------------------------------
# Entry point


def generate_inbox(
    out_dir: Path,
    *,
    seed: int = 1,
    municipalities: Sequence[Municipality] | None = None,
    statements: int = 50_000,
    channels: Sequence[str] = CHANNELS,
    variants: bool = True,
) -> GenerationReport:
    """Write a synthetic inbox to ``out_dir/inbox`` and its ground truth to ``out_dir/ground_truth.csv``.

    Every municipality gets at least one respondent when ``statements`` is at least the number
    of municipalities. ``municipalities`` defaults to the shared reference list
    (``../shared/reference/kommuner.csv``); callers with a registry pass its municipalities.
    Raises ``ValueError`` for unknown channels or a non-positive count and ``FileExistsError``
    when ``out_dir/inbox`` already holds files.
    """
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown or not channels:
        raise ValueError(
            f"unknown or no channels {unknown or list(channels)}; choose from {', '.join(CHANNELS)}"
        )
    if statements < 1:
        raise ValueError(f"statements must be at least 1, got {statements}")
    if municipalities is None:
        if not REFERENCE_CSV.is_file():
            raise FileNotFoundError(
                f"{REFERENCE_CSV} not found: pass municipalities= (e.g. from processing.registry)"
            )
        municipalities = municipalities_from_csv(REFERENCE_CSV)
    inbox = out_dir / "inbox"
    if inbox.exists() and any(inbox.iterdir()):
        raise FileExistsError(f"{inbox} already holds files; choose an empty output folder")
    inbox.mkdir(parents=True, exist_ok=True)
    truth_path = out_dir / "ground_truth.csv"
    gen = _Generator(
        inbox, seed, sorted(municipalities, key=lambda m: m.kommunenummer), statements, channels, variants
    )
    with truth_path.open("w", encoding="utf-8", newline="") as fh:
        gen.run(csv.writer(fh))
    c = gen.counters
    return GenerationReport(
        inbox_dir=inbox,
        ground_truth=truth_path,
        seed=seed,
        statements=statements,
        respondents=c.respondents,
        municipalities_covered=len(c.covered),
        statements_by_channel=dict(c.channels),
        files_by_kind=dict(c.files),
        variants=dict(c.variants),
    )


# ---------------------------------------------------------------------------------------------
# The generator


class _Generator:
    def __init__(
        self,
        inbox: Path,
        seed: int,
        municipalities: Sequence[Municipality],
        total: int,
        channels: Sequence[str],
        variants: bool,
    ) -> None:
        if not municipalities:
            raise ValueError("municipalities is empty")
        self.inbox = inbox
        self.seed = seed
        self.rng = random.Random(seed)
        self.munis = list(municipalities)
        self.order = list(self.munis)
        self.rng.shuffle(self.order)
        self.cursor = 0
        self.total = total
        self.remaining = total
        self.channels = [c for c in CHANNELS if c in channels]
        self.variants = variants
        self.counters = _Counters()
        self.file_no = 0
        self.mail_no = 0
        self.kind_turn: Counter[str] = Counter()
        names = Counter(m.name for m in self.munis)
        self.duplicate_names = {n for n, k in names.items() if k > 1}
        self.old_numbers = _old_numbers()
        self.truth: Any = None

    # -- scheduling -----------------------------------------------------------------------------

    def run(self, truth: Any) -> None:
        self.truth = truth
        truth.writerow(GROUND_TRUTH_COLUMNS)
        while self.remaining > 0:
            channel = min(self.channels, key=lambda c: self.counters.channels[c] / _CHANNEL_WEIGHTS[c])
            rotation = _KIND_ROTATION[channel]
            kind = rotation[self.kind_turn[channel] % len(rotation)]
            self.kind_turn[channel] += 1
            self.file_no += 1
            before = self.remaining
            getattr(self, f"_write_{kind}")()
            self.counters.channels[channel] += before - self.remaining
            self.counters.files[kind] += 1

    def _cap(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, max(lo, min(hi, self.total // 25)))

    def _take(self, want: int) -> tuple[_Respondent, int]:
        """Next respondent and how many statements it gets (at least 1, within the budget)."""
        uncovered = len(self.order) - self.cursor
        rng = self.rng
        if uncovered > 0 and (self.remaining <= uncovered or rng.random() >= 0.03):
            muni = self.order[self.cursor]
            self.cursor += 1
            k = min(want, self.remaining - (uncovered - 1))
            resp = self._municipal(muni)
        elif uncovered == 0 and rng.random() >= 0.03:
            k = min(want, self.remaining)
            resp = self._municipal(rng.choice(self.munis))
        else:
            k = min(want, self.remaining - uncovered)
            resp = self._organisation()
        k = max(1, min(k, self.remaining))
        self.remaining -= k
        self.counters.respondents += 1
        if resp.kommunenummer:
            self.counters.covered.add(resp.kommunenummer)
        return resp, k

    # -- respondents ----------------------------------------------------------------------------

    def _language(self, fylkesnummer: str) -> str:
        return "nn" if self.rng.random() < (0.6 if fylkesnummer in _NYNORSK_COUNTIES else 0.08) else "nb"

    def _contact(self) -> str:
        return f"{self.rng.choice(_FIRST_NAMES)} {self.rng.choice(_LAST_NAMES)}"

    def _municipal(self, m: Municipality) -> _Respondent:
        rng = self.rng
        suffix = "herad" if m.name in _HERAD else "kommune"
        base = f"{m.name} ({m.fylke})" if m.name in self.duplicate_names else m.name
        choices = ["exact"] * 45 + ["suffix"] * 20 + ["lower"] * 5 + ["upper"] * 5 + ["number"] * 5
        if m.kommunenummer in self.old_numbers:
            choices += ["old_number"] * 8
        if m.alt_names:
            choices += ["ssb_name"] * 10
        variant = "typo" if len(m.name) >= 5 and rng.random() < TYPO_RATE else rng.choice(choices)
        if variant == "typo":
            text = _typo(m.name, rng)
            if m.name in self.duplicate_names:
                text = f"{text} ({m.fylke})"
        elif variant == "suffix":
            text = f"{m.name} {suffix}" + (f" ({m.fylke})" if m.name in self.duplicate_names else "")
        elif variant == "lower":
            text = base.lower()
        elif variant == "upper":
            text = base.upper()
        elif variant == "number":
            text = f"{m.kommunenummer} {m.name}"
        elif variant == "old_number":
            text = f"{self.old_numbers[m.kommunenummer]} {m.name}"
        elif variant == "ssb_name":
            text = f"{m.name} - {m.alt_names[0]}"
        else:
            text = base
        org_line = text if variant in {"suffix", "number", "old_number"} else f"{text} {suffix}"
        if variant == "upper":
            org_line = org_line.upper()
        domain = m.domains[0] if m.domains else f"{slugify(m.name)}.kommune.no"
        return _Respondent(
            text=text,
            kind=RespondentKind.MUNICIPALITY,
            kommunenummer=m.kommunenummer,
            variant=variant,
            language=self._language(m.fylkesnummer),
            email=f"postmottak@{domain}",
            contact=self._contact(),
            org_line=org_line,
            slug=slugify(m.name),
        )

    def _organisation(self) -> _Respondent:
        rng = self.rng
        if rng.random() < 0.5:
            name, domain = rng.choice(_ORGANISATIONS)
            kind = RespondentKind.ORGANISATION
        else:
            fylke = rng.choice(sorted({m.fylke for m in self.munis}))
            name, domain = f"{fylke} fylkeskommune", f"{slugify(fylke)}fylke.no"
            kind = RespondentKind.COUNTY
        return _Respondent(
            text=name,
            kind=kind,
            kommunenummer="",
            variant="organisation",
            language="nb",
            email=f"post@{domain}",
            contact=self._contact(),
            org_line=name,
            slug=slugify(name),
        )

    # -- statements -----------------------------------------------------------------------------

    def _statement(self, lang: str) -> _Statement:
        rng = self.rng
        theme = rng.choice(THEMES)
        bank = _BANK[theme][lang]
        frames = _FRAMES[lang]
        roll = rng.random()
        if roll < 0.35:
            text = rng.choice(frames["need"]).format(
                x=rng.choice(bank["need"]), s=rng.choice(frames["suffix"])
            )
            return _Statement(_cap_first(text), StatementType.NEED, theme, None)
        if roll < 0.75:
            stance = rng.choices(
                (Stance.SUPPORT, Stance.OPPOSE, Stance.CONDITIONAL, Stance.NEUTRAL), weights=(40, 30, 20, 10)
            )[0]
            frame = rng.choice(frames[stance.value])
            text = frame.format(x=rng.choice(bank["prop"]), c=rng.choice(frames["cond"]))
            return _Statement(_cap_first(text), StatementType.POSITION, theme, stance)
        day = date(2024, 1, 1) + timedelta(days=rng.randint(0, 700))
        text = rng.choice(bank["fact"]).format(
            n=rng.randint(2, 480), y=rng.randint(2009, 2031), d=f"{day.day}. {rng.choice(_MONTHS)} {day.year}"
        )
        return _Statement(text, StatementType.OTHER, theme, None)

    def _likert(self, lang: str, theme: str) -> _Statement:
        answer, stance = self.rng.choices(_LIKERT_ANSWERS[lang], weights=(25, 25, 12, 15, 15, 8))[0]
        question = _LIKERT_QUESTIONS[theme][lang]
        return _Statement(question, StatementType.POSITION, theme, stance, kind="likert", answer=answer)

    def _row(
        self,
        file: str,
        kind: str,
        channel: str,
        resp: _Respondent,
        st: _Statement,
        language: str,
        **loc: object,
    ) -> list[object]:
        values: dict[str, object] = {
            "file": file,
            "channel": channel,
            "file_kind": kind,
            "respondent": resp.text,
            "respondent_kind": resp.kind.value,
            "expected_kommunenummer": resp.kommunenummer,
            "name_variant": resp.variant,
            "language": language,
            "kind": st.kind,
            "text": st.text,
            "answer": st.answer,
            "type": st.type.value,
            "theme": st.theme,
            "stance": st.stance.value if st.stance else "",
            **loc,
        }
        return [values.get(col, "") for col in GROUND_TRUTH_COLUMNS]

    def _when(self) -> datetime:
        return datetime(2025, 1, 6, 8, 0, tzinfo=UTC) + timedelta(minutes=self.rng.randint(0, 60 * 24 * 70))

    # -- surveys --------------------------------------------------------------------------------

    def _survey_rows(
        self, lang: str, questions: Sequence[str], multiline: bool
    ) -> Iterator[tuple[_Respondent, dict[str, str], list[tuple[str, _Statement]]]]:
        """Responses for one survey file: (respondent, answers by column header, statements by header)."""
        cap = self._cap(20, 1500)
        used = 0
        likert_headers = [_LIKERT_QUESTIONS[t][lang] for t in questions]
        free_headers = _FREE_QUESTIONS[lang]
        while used < cap and self.remaining > 0:
            resp, k = self._take(self.rng.randint(1, 6))
            used += k
            answers: dict[str, str] = {}
            placed: list[tuple[str, _Statement]] = []
            n_likert = self.rng.randint(0, min(k, len(questions)))
            for theme in self.rng.sample(list(questions), n_likert):
                st = self._likert(lang, theme)
                answers[_LIKERT_QUESTIONS[theme][lang]] = st.answer
                placed.append((_LIKERT_QUESTIONS[theme][lang], st))
            cells: dict[str, list[str]] = {}
            for _ in range(k - n_likert):
                st = self._statement(resp.language)
                header = self.rng.choice(free_headers)
                cells.setdefault(header, []).append(st.text)
                placed.append((header, st))
            for header, texts in cells.items():
                answers[header] = ("\n" if multiline and len(texts) > 1 else " ").join(texts)
            placed.sort(key=lambda hs: (likert_headers + list(free_headers)).index(hs[0]))
            yield resp, answers, placed

    def _write_nettskjema_csv(self) -> None:
        self._write_survey_csv("nettskjema")

    def _write_questback_csv(self) -> None:
        self._write_survey_csv("questback")

    def _write_survey_csv(self, tool: str) -> None:
        rng = self.rng
        turn = self.counters.files[f"{tool}_csv"]
        if self.variants:
            encoding = ("cp1252", "utf-8-sig")[turn % 2]
            delimiter = (";", ";", ",", ",")[turn % 4]
        else:
            encoding, delimiter = "utf-8", ";"
        lang = "nn" if rng.random() < 0.2 else "nb"
        questions = sorted(rng.sample(sorted(_LIKERT_QUESTIONS), rng.randint(2, 4)), key=THEMES.index)
        multiline = self.variants and rng.random() < 0.7
        headers = [_LIKERT_QUESTIONS[t][lang] for t in questions] + list(_FREE_QUESTIONS[lang])
        if tool == "nettskjema":
            fixed = ["Svar-ID", "Innsendt", "Kommune", "Navn", "E-post"]
        else:
            fixed = ["Respondent ID", "Kommune", "E-post"]
        all_headers = fixed + headers
        name = f"{tool}_{self.file_no:05d}.csv"
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(all_headers)
        truth: list[list[object]] = []
        has_multiline = False
        for index, (resp, answers, placed) in enumerate(self._survey_rows(lang, questions, multiline)):
            response_id = (
                str(100000 + self.file_no * 1000 + index) if tool == "nettskjema" else str(index + 1)
            )
            when = self._when()
            if tool == "nettskjema":
                front = [response_id, when.strftime("%d.%m.%Y %H:%M"), resp.text, resp.contact, resp.email]
            else:
                front = [response_id, resp.text, resp.email]
            writer.writerow(front + [answers.get(h, "") for h in headers])
            has_multiline = has_multiline or any("\n" in v for v in answers.values())
            for header, st in placed:
                col = get_column_letter(all_headers.index(header) + 1)
                truth.append(
                    self._row(
                        name,
                        f"{tool}_csv",
                        "survey",
                        resp,
                        st,
                        lang if st.kind == "likert" else resp.language,
                        row=index + 2,
                        column=col,
                        response_id=response_id,
                        question=header,
                    )
                )
        text = buf.getvalue()
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:  # a Sami name outside cp1252: such an export would be UTF-8
            encoding = "utf-8-sig"
            data = text.encode(encoding)
        (self.inbox / name).write_bytes(data)
        self.truth.writerows(truth)
        self.counters.variants[
            {"cp1252": "cp1252_csv", "utf-8-sig": "utf8_bom_csv"}.get(encoding, "utf8_csv")
        ] += 1
        self.counters.variants["semicolon_csv" if delimiter == ";" else "comma_csv"] += 1
        if has_multiline:
            self.counters.variants["multiline_cell"] += 1

    def _write_forms_xlsx(self) -> None:
        rng = self.rng
        lang = "nn" if rng.random() < 0.2 else "nb"
        questions = sorted(rng.sample(sorted(_LIKERT_QUESTIONS), rng.randint(2, 4)), key=THEMES.index)
        headers = [_LIKERT_QUESTIONS[t][lang] for t in questions] + list(_FREE_QUESTIONS[lang])
        all_headers = [
            "ID",
            "Start time",
            "Completion time",
            "Email",
            "Name",
            _KOMMUNE_QUESTION[lang],
            *headers,
        ]
        name = f"forms_{self.file_no:05d}.xlsx"
        ws = Sheet("Sheet1")
        ws.append(all_headers)
        truth: list[list[object]] = []
        multiline = self.variants and rng.random() < 0.5
        for index, (resp, answers, placed) in enumerate(self._survey_rows(lang, questions, multiline)):
            start = self._when().replace(tzinfo=None)
            done = start + timedelta(minutes=rng.randint(2, 40))
            front: list[CellValue] = [index + 1, start, done, resp.email, resp.contact, resp.text]
            ws.append(front + [answers.get(h) for h in headers])
            for header, st in placed:
                truth.append(
                    self._row(
                        name,
                        "forms_xlsx",
                        "survey",
                        resp,
                        st,
                        lang if st.kind == "likert" else resp.language,
                        sheet="Sheet1",
                        row=index + 2,
                        column=get_column_letter(all_headers.index(header) + 1),
                        response_id=str(index + 1),
                        question=header,
                    )
                )
        (self.inbox / name).write_bytes(sheets_xlsx([ws]))
        self.truth.writerows(truth)

    # -- spreadsheets ---------------------------------------------------------------------------

    def _template_rows(
        self, resp: _Respondent, k: int
    ) -> tuple[list[tuple[str, str, str, str]], list[_Statement]]:
        stmts = [self._statement(resp.language) for _ in range(k)]
        rows = [(s.theme, s.text, _TYPE_LABEL[s.type], self.rng.choice(_PRIORITIES)) for s in stmts]
        return rows, stmts

    def _write_ks_template(self) -> None:
        resp, k = self._take(self.rng.randint(1, 10))
        name = f"ks_mal_{self.file_no:05d}_{resp.slug}.xlsx"
        rows, stmts = self._template_rows(resp, k)
        sheets = build_ks_template(resp.text, resp.contact, resp.email, self._when().date(), rows)
        (self.inbox / name).write_bytes(sheets_xlsx(sheets))
        self.truth.writerows(self._template_truth(name, "ks_template", "spreadsheet", resp, stmts))

    def _template_truth(
        self,
        file: str,
        kind: str,
        channel: str,
        resp: _Respondent,
        stmts: Sequence[_Statement],
        **loc: object,
    ) -> list[list[object]]:
        return [
            self._row(
                file, kind, channel, resp, st, resp.language, sheet="Innspill", row=9 + i, column="B", **loc
            )
            for i, st in enumerate(stmts)
        ]

    def _write_freeform_xlsx(self) -> None:
        rng = self.rng
        resp, k = self._take(self._cap(6, 120))
        name = f"{resp.slug}_innspill_{self.file_no:05d}.xlsx"
        first, second = Sheet("Innspill", widths={"C": 90}), Sheet("Tillegg", widths={"C": 90})
        split = k if k < 4 else rng.randint(k // 2, k - 1)
        truth: list[list[object]] = []
        text_header = "Innspel" if resp.language == "nn" else "Innspill"
        for ws, count in ((first, split), (second, k - split)):
            if count == 0 and ws is second:
                ws.append(["Ingen flere innspill."] if resp.language == "nb" else ["Ingen fleire innspel."])
                continue
            if self.variants:
                header_row = rng.randint(3, 5)
                ws.cell(1, 1, f"Innspill til Akson fra {resp.org_line}")
                ws.merged.append("A1:C1")
                headers = ["Nr", "Område", text_header]
                text_col = 3
                self.counters.variants["header_offset"] += 1
            else:
                header_row = 1
                headers = ["Kommune", "Område", text_header]
                text_col = 3
            for c, h in enumerate(headers, start=1):
                ws.cell(header_row, c, h)
            for i in range(count):
                st = self._statement(resp.language)
                r = header_row + 1 + i
                ws.cell(r, 1, i + 1 if self.variants else resp.text)
                ws.cell(r, 2, st.theme)
                ws.cell(r, text_col, st.text)
                truth.append(
                    self._row(
                        name,
                        "freeform_xlsx",
                        "spreadsheet",
                        resp,
                        st,
                        resp.language,
                        sheet=ws.title,
                        row=r,
                        column=get_column_letter(text_col),
                    )
                )
        (self.inbox / name).write_bytes(sheets_xlsx([first, second]))
        self.truth.writerows(truth)

    # -- e-mail ---------------------------------------------------------------------------------

    def _mail_variant(self, rotation: Sequence[str], k: int) -> str:
        if not self.variants:
            return "plain"
        variant = rotation[self.mail_no % len(rotation)]
        if variant.startswith("attachment") and k < 2:
            return "plain"
        return variant

    def _message(
        self, file: str, kind: str, resp: _Respondent, k: int, variant: str
    ) -> tuple[bytes, list[list[object]]]:
        self.mail_no += 1
        rng = self.rng
        lang = resp.language
        message_id = f"<synt-{self.seed}-{self.mail_no:08d}@samordne.invalid>"
        body_stmts: list[_Statement] = []
        attached: list[_Statement] = []
        truth: list[list[object]] = []
        if variant.startswith("attachment"):
            cover = (
                "Vedlagt følger innspill fra kommunen til arbeidet med Akson."
                if lang == "nb"
                else "Vedlagt følgjer innspel frå kommunen til arbeidet med Akson."
            )
            body_stmts.append(_Statement(cover, StatementType.OTHER, "annet", None))
            attached = [self._statement(lang) for _ in range(k - 1)]
        else:
            body_stmts = [self._statement(lang) for _ in range(k)]
        paragraphs: list[list[str]] = []
        for st in body_stmts:
            if not paragraphs or rng.random() < 0.4:
                paragraphs.append([])
            paragraphs[-1].append(st.text)
        greeting = "Hei," if rng.random() < 0.7 else "Til KS,"
        closing = "Med vennlig hilsen" if lang == "nb" else "Med venleg helsing"
        signature = [closing, resp.contact, rng.choice(_TITLES), resp.org_line]
        text_body = "\n\n".join([greeting, *(" ".join(p) for p in paragraphs), "\n".join(signature)]) + "\n"
        subject = (
            f"Innspill til Akson fra {resp.org_line}"
            if lang == "nb"
            else f"Innspel til Akson frå {resp.org_line}"
        )
        sent = self._when()
        if variant == "quoted_reply":
            subject = "SV: Invitasjon til å gi innspill til Akson"
            asked = sent - timedelta(days=rng.randint(3, 30))
            quoted = [
                "Hei,",
                "",
                "KS ber kommunene om innspill til Akson innen fristen.",
                "Svar gjerne direkte på denne e-posten.",
                "",
                "Med vennlig hilsen",
                "Ola Nordmann",
                "KS",
            ]
            text_body += (
                f"\n{asked.strftime('%d.%m.%Y')} kl. {asked.strftime('%H:%M')} skrev KS <post@ks.no>:\n"
                + "".join(f"> {line}\n".replace("> \n", ">\n") for line in quoted)
            )
        html_body = (
            '<html><head><meta charset="utf-8"></head><body>'
            + f"<p>{html.escape(greeting)}</p>"
            + "".join(f"<p>{html.escape(' '.join(p))}</p>" for p in paragraphs)
            + "<p>"
            + "<br>".join(html.escape(s) for s in signature)
            + "</p></body></html>\n"
        )
        boundary = f"==samordne-{self.seed}-{self.mail_no}"
        if variant == "html_only":
            body = _text_part("html", html_body)
        elif variant == "alternative":
            body = _multipart(
                "alternative",
                boundary + "-alt==",
                [_text_part("plain", text_body), _text_part("html", html_body)],
            )
        else:
            body = _text_part("plain", text_body)
        for st in body_stmts:
            truth.append(self._row(file, kind, "email", resp, st, lang, message_id=message_id))
        if variant == "attachment_xlsx":
            att = f"KS-mal_{resp.slug}.xlsx"
            rows = [(s.theme, s.text, _TYPE_LABEL[s.type], rng.choice(_PRIORITIES)) for s in attached]
            data = sheets_xlsx(build_ks_template(resp.text, resp.contact, resp.email, sent.date(), rows))
            body = _multipart("mixed", boundary + "==", [body, _attachment_part(_XLSX_TYPE, att, data)])
            truth += self._template_truth(
                f"{file}!/{att}", "ks_template", "email", resp, attached, message_id=message_id, part="2"
            )
        elif variant == "attachment_pdf":
            att = f"Innspill_{resp.slug}.pdf"
            data = pdf_bytes([s.text for s in attached])
            body = _multipart(
                "mixed", boundary + "==", [body, _attachment_part("application/pdf", att, data)]
            )
            truth += [
                self._row(f"{file}!/{att}", "pdf", "email", resp, st, lang, message_id=message_id, part="2")
                for st in attached
            ]
        headers = (
            f"From: {formataddr((resp.org_line, resp.email), charset='utf-8')}\n"
            "To: KS <post@ks.no>\n"
            f"Subject: {_encode_header(subject)}\n"
            f"Date: {format_datetime(sent)}\n"
            f"Message-ID: {message_id}\n"
            "MIME-Version: 1.0\n"
        )
        self.counters.variants[variant if variant != "plain" else "plain_mail"] += 1
        return headers.encode("ascii") + body, truth

    def _write_eml(self) -> None:
        resp, k = self._take(self.rng.randint(1, 6))  # few enough for a one-page PDF attachment
        variant = self._mail_variant(_MAIL_VARIANTS, k)
        name = f"epost_{self.file_no:05d}_{resp.slug}.eml"
        msg, truth = self._message(name, "eml", resp, k, variant)
        (self.inbox / name).write_bytes(msg.replace(b"\n", b"\r\n"))
        self.truth.writerows(truth)

    def _write_mbox(self) -> None:
        cap = self._cap(5, 400)
        name = f"postkasse_{self.file_no:05d}.mbox"
        used = 0
        with (self.inbox / name).open("wb") as fh:
            while used < cap and self.remaining > 0:
                resp, k = self._take(self.rng.randint(1, 5))
                used += k
                msg, truth = self._message(name, "mbox", resp, k, self._mail_variant(_MBOX_VARIANTS, k))
                _write_mbox_message(fh, msg, resp.email)
                self.truth.writerows(truth)


def _write_mbox_message(fh: IO[bytes], msg: bytes, sender: str) -> None:
    """One mboxo entry: envelope line, the message with ``From `` lines escaped, a blank line."""
    fh.write(f"From {sender} Mon Jan  6 08:00:00 2025\n".encode("ascii"))
    fh.write(_FROM_LINE.sub(rb">\1", msg))
    if not msg.endswith(b"\n"):
        fh.write(b"\n")
    fh.write(b"\n")


# MIME is assembled by hand: the ``email`` package's header registry made mail generation
# the slowest part (16 s of 55 s for 20,000 statements), and its boundaries are random.
_FROM_LINE = re.compile(rb"(?m)^(>*From )")
_XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _encode_header(value: str) -> str:
    """RFC 2047 base64 words of at most 20 characters each, folded onto continuation lines."""
    if value.isascii():
        return value
    words = [value[i : i + 20] for i in range(0, len(value), 20)]
    return "\n ".join(f"=?utf-8?b?{base64.b64encode(w.encode('utf-8')).decode('ascii')}?=" for w in words)


def _text_part(subtype: str, text: str) -> bytes:
    head = f'Content-Type: text/{subtype}; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n\n'
    return head.encode("ascii") + quopri.encodestring(text.encode("utf-8"))


def _attachment_part(content_type: str, filename: str, data: bytes) -> bytes:
    head = (
        f'Content-Type: {content_type}; name="{filename}"\nContent-Transfer-Encoding: base64\n'
        f'Content-Disposition: attachment; filename="{filename}"\n\n'
    )
    return head.encode("ascii") + base64.encodebytes(data)


def _multipart(subtype: str, boundary: str, parts: Sequence[bytes]) -> bytes:
    out = [f'Content-Type: multipart/{subtype}; boundary="{boundary}"\n\n'.encode("ascii")]
    for part in parts:
        out.append(f"--{boundary}\n".encode("ascii") + part + (b"" if part.endswith(b"\n") else b"\n"))
    out.append(f"--{boundary}--\n".encode("ascii"))
    return b"".join(out)


def _typo(name: str, rng: random.Random) -> str:
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


def _old_numbers() -> dict[str, str]:
    """2024 number -> 2020 number for renumbered municipalities whose name stayed the same."""
    path = REFERENCE_CSV.with_name("kommune_endringer.csv")
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            r["new_kommunenummer"]: r["old_kommunenummer"]
            for r in csv.DictReader(fh)
            if r["type"] == "renumber" and r["old_navn"] == r["new_navn"]
        }
