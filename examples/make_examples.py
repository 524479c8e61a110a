"""Regenerate the bundled sample inbox (``examples/inbox/``) and the intent-declaration list.

Run ``.venv/bin/python examples/make_examples.py``; the output is deterministic (fixed dates,
Message-IDs, MIME boundaries and xlsx zip timestamps), so regenerating changes no bytes unless
this script changed. All people are invented ("Kari Nordmann" and relatives); all text was
written for these examples. ``examples/README.md`` describes each file and its expected outcome.
"""

from __future__ import annotations

import csv
import io
import shutil
import sys
from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

from connectors.synthetic import (
    Sheet,
    build_ks_template,
    pdf_bytes,
    sheets_workbook,
    xlsx_bytes,
)

HERE = Path(__file__).resolve().parent
OSLO = timezone(timedelta(hours=1))

LIKERT = (
    "Kommunen støtter at Akson finansieres gjennom betalingsplikt for kommunene",
    "Kommunen støtter at KS går inn som eier i Akson-selskapet",
    "Kommunen ønsker å ta i bruk en felles kommunal journal",
)
FREE = ("Hvilke behov har kommunen knyttet til Akson?", "Andre innspill til Akson")

# (Svar-ID, Innsendt, Kommune, Navn, E-post, three Likert answers, two free texts)
NETTSKJEMA_ROWS = (
    (
        "2150431",
        "03.02.2025 09:12",
        "Bergen",
        "Kari Nordmann",
        "postmottak@bergen.kommune.no",
        "Delvis enig",
        "Helt enig",
        "Helt enig",
        "Bergen deltar i styringsgruppen og ønsker at arbeidet fortsetter.\n"
        "Vi trenger en felles journal som fungerer for sykehjem, hjemmetjeneste og legevakt.\n"
        "Det må settes av midler til opplæring før innføringen starter.",
        "Kommunen mener tidsplanen er stram, men gjennomførbar.",
    ),
    (
        "2150432",
        "03.02.2025 10:40",
        "Trondheim",
        "Ola Nordmann",
        "postmottak@trondheim.kommune.no",
        "Delvis uenig",
        "Delvis enig",
        "Verken enig eller uenig",
        "Vi har erfaringer fra Helseplattformen som bør brukes i arbeidet med Akson.",
        "Kommunen er bekymret for de samlede kostnadene for kommuner i Midt-Norge.",
    ),
    (
        "2150433",
        "03.02.2025 13:05",
        "Herøy (Nordland)",
        "Per Nordmann",
        "postmottak@heroy-no.kommune.no",
        "Helt uenig",
        "Vet ikke",
        "Delvis enig",
        "Små kommuner trenger hjelp til innføring og lokal kapasitet.",
        "",
    ),
    (
        "2150434",
        "04.02.2025 08:30",
        "Kristainsand",
        "Anne Nordmann",
        "postmottak@kristiansand.kommune.no",
        "Delvis enig",
        "Helt enig",
        "Helt enig",
        "Kommunen trenger åpne grensesnitt slik at lokale fagsystemer kan kobles til.",
        "Vi støtter en stegvis utvikling.",
    ),
    (
        "2150435",
        "04.02.2025 11:47",
        "Legeforeningen",
        "Nils Nordmann",
        "post@legeforeningen.no",
        "Verken enig eller uenig",
        "Vet ikke",
        "Delvis enig",
        "Fastlegene må få tilgang til oppdatert legemiddelliste.",
        "Løsningen må ikke øke dokumentasjonsbyrden for legene.",
    ),
    (
        "2150436",
        "04.02.2025 14:02",
        "Vestland fylkeskommune",
        "Ingrid Nordmann",
        "post@vlfk.no",
        "Vet ikke",
        "Vet ikke",
        "Vet ikke",
        "Tannhelsetjenesten i fylket bør kunne dele opplysninger med kommunene.",
        "",
    ),
    (
        "2150437",
        "05.02.2025 09:55",
        "Volda",
        "Siri Nordmann",
        "postmottak@volda.kommune.no",
        "Heilt ueinig",
        "Delvis einig",
        "Heilt einig",
        "Kommunen treng ei løysing som er enkel å bruke i heimetenesta.",
        "Vi meiner betalingsplikta legg for stor byrde på små kommunar.",
    ),
    (
        "2150438",
        "05.02.2025 12:20",
        "Bodø kommune",
        "Lars Nordmann",
        "postmottak@bodo.kommune.no",
        "Delvis uenig",
        "Helt enig",
        "Delvis enig",
        "Vi ber om en tydelig plan for når nordnorske kommuner kan ta i bruk journalen.",
        "",
    ),
    (
        "2150439",
        "06.02.2025 10:10",
        "TROMSØ",
        "Marit Nordmann",
        "postmottak@tromso.kommune.no",
        "Helt uenig",
        "Delvis uenig",
        "Delvis enig",
        "Det er nødvendig med god tilgangsstyring og logging.",
        "Kommunen er kritisk til at staten kan pålegge kommunene å betale.",
    ),
    (
        "2150440",
        "06.02.2025 15:33",
        "Lillestrøm kommune",
        "Jon Nordmann",
        "",
        "Delvis enig",
        "Helt enig",
        "Helt enig",
        "Vi trenger reell konkurranse mellom leverandørene.",
        "",
    ),
    (
        "2150441",
        "07.02.2025 08:05",
        "Stavanger",
        "Eva Nordmann",
        "postmottak@stavanger.kommune.no",
        "Helt enig",
        "Helt enig",
        "Helt enig",
        "",
        "Stavanger støtter hovedinnretningen i Akson.",
    ),
    (
        "2150442",
        "07.02.2025 13:44",
        "Hamar",
        "Tor Nordmann",
        "postmottak@hamar.kommune.no",
        "Verken enig eller uenig",
        "Delvis enig",
        "Delvis enig",
        "Kommunen har behov for bedre beregninger av hva Akson vil koste oss.",
        "",
    ),
)


def nettskjema_csv() -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Svar-ID", "Innsendt", "Kommune", "Navn", "E-post", *LIKERT, *FREE])
    writer.writerows(NETTSKJEMA_ROWS)
    return buf.getvalue().encode("cp1252")


def forms_xlsx() -> bytes:
    ws = Sheet("Sheet1", widths={"F": 24, "G": 40, "H": 40, "I": 60})
    ws.append(
        [
            "ID",
            "Start time",
            "Completion time",
            "Email",
            "Name",
            "Hvilken kommune svarer du for?",
            LIKERT[0],
            LIKERT[2],
            FREE[0],
        ]
    )
    rows = (
        (
            "Drammen kommune",
            "Helt enig",
            "Delvis enig",
            "Vi trenger mobil tilgang til journalen i hjemmetjenesten.",
        ),
        (
            "Bærum",
            "Delvis uenig",
            "Helt enig",
            "Kommunen har behov for strukturert dokumentasjon som kan gjenbrukes.",
        ),
        ("Ålesund", "Delvis einig", "Heilt einig", "Vi treng betre elektroniske meldingar med sjukehuset."),
        ("Sandnes", "Helt uenig", "Delvis enig", "Det må sikres statlig medfinansiering av innføringen."),
        ("Alta kommune", "Vet ikke", "Helt enig", "Vi ber om at samisk språk blir ivaretatt i løsningen."),
    )
    start = datetime(2025, 2, 10, 9, 0)  # naive: Forms exports local times without a zone
    for i, (kommune, a, b, text) in enumerate(rows, start=1):
        begun = start + timedelta(hours=5 * i, minutes=7 * i)
        ws.append(
            [
                i,
                begun,
                begun + timedelta(minutes=6 + i),
                f"ola.nordmann{i}@example.org",
                f"Ola Nordmann {i}",
                kommune,
                a,
                b,
                text,
            ]
        )
    return xlsx_bytes(sheets_workbook([ws]))


KS_TEMPLATES = {
    "Innspillsmal_Stavanger.xlsx": (
        "Stavanger kommune",
        "Kari Nordmann",
        "postmottak@stavanger.kommune.no",
        date(2025, 2, 12),
        (
            (
                "journal",
                "Kommunen trenger en journal som dekker både helse- og omsorgstjenestene.",
                "Behov",
                "Høy",
            ),
            ("styring", "Vi støtter at KS går inn som eier i selskapet.", "Posisjon", "Middels"),
            ("fremdrift", "Det er viktig å holde fremdriften i arbeidet.", "Behov", "Høy"),
            (
                "finansiering",
                "Kommunen er positiv til betalingsplikt dersom kostnadene blir forutsigbare.",
                "Posisjon",
                "Middels",
            ),
        ),
    ),
    "Innspillsmal_Bodo.xlsx": (
        "Bodø",
        "Ola Nordmann",
        "postmottak@bodo.kommune.no",
        date(2025, 2, 13),
        (
            (
                "samhandling",
                "Vi trenger sikker deling av pasientopplysninger med Nordlandssykehuset.",
                "Behov",
                "Høy",
            ),
            ("personvern", "Innbyggerne må kunne se hvem som har lest journalen deres.", "Behov", "Middels"),
            (
                "marked",
                "Kommunen er kritisk til at én leverandør skal levere hele løsningen.",
                "Posisjon",
                "Lav",
            ),
        ),
    ),
    "Innspillsmal_Voss.xlsx": (
        "Voss herad",
        "Siri Nordmann",
        "postmottak@voss.kommune.no",
        date(2025, 2, 14),
        (
            ("innforing", "Heradet treng tid og ressursar til opplæring av tilsette.", "Behov", "Høy"),
            ("teknologi", "Vi støttar den opne plattforma som vert føreslått.", "Posisjon", "Middels"),
            ("annet", "Heradsstyret handsama saka i februar.", "Annet", "Lav"),
        ),
    ),
}


def ks_template(name: str) -> bytes:
    kommune, contact, mail, dato, rows = KS_TEMPLATES[name]
    return xlsx_bytes(sheets_workbook(build_ks_template(kommune, contact, mail, dato, rows)))


def freeform_xlsx() -> bytes:
    first = Sheet("Innspill", widths={"A": 6, "B": 18, "C": 90, "D": 30})
    first.cell(1, 1, "Tromsø kommune – innspill til Akson")
    first.merged.append("A1:D1")
    first.cell(2, 1, "Behandlet i helse- og omsorgskomiteen 11.02.2025")
    for column, header in enumerate(("Nr", "Område", "Innspill", "Kommentar"), start=1):
        first.cell(4, column, header)
    items = (
        ("Samhandling", "Kommunen trenger bedre meldingsutveksling med Universitetssykehuset.", ""),
        ("Finansiering", "Vi er kritiske til den foreslåtte kostnadsfordelingen.", "Se vedtak i sak 12/25"),
        ("Journal", "Journalen må fungere uten nett i distriktene.", ""),
        ("Innføring", "Det er behov for støtte til endringsledelse i tjenestene.", ""),
    )
    for i, (area, text, comment) in enumerate(items, start=1):
        first.cell(4 + i, 1, i)
        first.cell(4 + i, 2, area)
        first.cell(4 + i, 3, text)
        first.cell(4 + i, 4, comment or None)
    second = Sheet("Vurderinger", widths={"A": 18, "B": 90})
    second.cell(1, 1, "Kommunens samlede vurdering")
    second.cell(3, 1, "Tema")
    second.cell(3, 2, "Vurdering")
    second.cell(4, 1, "Styring")
    second.cell(4, 2, "Tromsø kommune støtter hovedinnretningen, men ønsker sterkere kommunal innflytelse.")
    second.cell(5, 1, "Fremdrift")
    second.cell(5, 2, "Tidsplanen fremstår som lite realistisk for kommuner i nord.")
    return xlsx_bytes(sheets_workbook([first, second]))


def mail(
    *,
    sender: str,
    subject: str,
    sent: datetime,
    number: int,
    text: str | None = None,
    html: str | None = None,
    attachments: tuple[tuple[str, str, str, bytes], ...] = (),
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "KS <post@ks.no>"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(sent)
    msg["Message-ID"] = f"<eksempel-{number:03d}@samordne.invalid>"
    if text is not None:
        msg.set_content(text, charset="utf-8", cte="quoted-printable")
        if html is not None:
            msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    elif html is not None:
        msg.set_content(html, subtype="html", charset="utf-8", cte="quoted-printable")
    for filename, maintype, subtype, data in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    for i, part in enumerate(msg.walk()):
        if part.is_multipart():
            part.set_boundary(f"==eksempel-{number:03d}-{i}==")
    return msg


def eml_bytes(msg: EmailMessage) -> bytes:
    return msg.as_bytes(policy=SMTP)


def emails() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    out["epost_fredrikstad.eml"] = eml_bytes(
        mail(
            sender="Postmottak Fredrikstad kommune <postmottak@fredrikstad.kommune.no>",
            subject="Innspill til Akson",
            sent=datetime(2025, 2, 17, 10, 15, tzinfo=OSLO),
            number=1,
            text=(
                "Hei,\n\n"
                "Fredrikstad kommune har behandlet saken om Akson i formannskapet.\n\n"
                "Vi støtter målet om én felles kommunal journal. Kommunen trenger likevel en forutsigbar "
                "fordeling av kostnadene mellom stat og kommune før vi kan binde oss.\n\n"
                "Det må sikres at fastlegene får samme løsning som resten av kommunen.\n\n"
                "Med vennlig hilsen\nKari Nordmann\nkommunalsjef helse og velferd\nFredrikstad kommune\n"
            ),
        )
    )
    out["epost_volda_nynorsk.eml"] = eml_bytes(
        mail(
            sender="Volda kommune <postmottak@volda.kommune.no>",
            subject="Innspel til Akson frå Volda kommune",
            sent=datetime(2025, 2, 18, 14, 2, tzinfo=OSLO),
            number=2,
            html=(
                '<html><head><meta charset="utf-8"><style>p { margin: 0 }</style>'
                "<script>alert('ikkje køyr dette')</script></head><body>"
                "<p>Hei,</p><p>Volda kommune meiner Akson er naudsynt for betre samhandling.</p>"
                "<p>Vi treng trygg deling av pasientopplysningar med Helse Møre og Romsdal.</p>"
                "<p>Kommunen er uroa over kostnadene for små kommunar.</p>"
                "<p>Med venleg helsing<br>Ola Nordmann<br>rådgjevar<br>Volda kommune</p>"
                "</body></html>\n"
            ),
        )
    )
    out["epost_svar_lillehammer.eml"] = eml_bytes(
        mail(
            sender="Lillehammer kommune <postmottak@lillehammer.kommune.no>",
            subject="SV: Invitasjon til å gi innspill til Akson",
            sent=datetime(2025, 2, 19, 9, 41, tzinfo=OSLO),
            number=3,
            text=(
                "Hei,\n\n"
                "Lillehammer kommune mener tidsplanen for Akson er for ambisiøs. "
                "Vi ber om tydelige milepæler for når kommunene kan ta i bruk løsningen.\n\n"
                "Med vennlig hilsen\nPer Nordmann\nfagleder e-helse\nLillehammer kommune\n\n"
                "Fra: KS <post@ks.no>\n"
                "Sendt: mandag 3. februar 2025 08:00\n"
                "Til: Lillehammer kommune <postmottak@lillehammer.kommune.no>\n"
                "Emne: Invitasjon til å gi innspill til Akson\n\n"
                "Hei,\n\n"
                "KS ber alle kommuner om innspill til Akson innen 1. mars 2025. "
                "Vi ønsker særlig svar på spørsmål om finansiering og styring.\n\n"
                "Med vennlig hilsen\nOla Nordmann\nKS\n"
            ),
        )
    )
    out["epost_videresendt_alta.eml"] = eml_bytes(
        mail(
            sender="Kari Nordmann <kari.nordmann@ks.no>",
            subject="VS: Brev fra Alta kommune om Akson",
            sent=datetime(2025, 2, 20, 16, 5, tzinfo=OSLO),
            number=4,
            text=(
                "Til orientering: brev fra Alta kommune, mottatt på papir og skannet inn.\n\n"
                "Kari\n\n"
                "-----Opprinnelig melding-----\n"
                "Fra: Alta kommune <postmottak@alta.kommune.no>\n"
                "Sendt: 19. februar 2025 12:00\n"
                "Til: post@ks.no\n"
                "Emne: Akson\n\n"
                "Alta kommune viser til invitasjonen om å gi innspill til Akson.\n\n"
                "Kommunen støtter en felles kommunal journal, forutsatt at staten dekker en større del av "
                "kostnadene. Vi trenger en løsning som ivaretar samisk språk.\n\n"
                "Med hilsen\nNils Nordmann\nkommunedirektør\nAlta kommune\n"
            ),
        )
    )
    molde_template = xlsx_bytes(
        sheets_workbook(
            build_ks_template(
                "Molde kommune",
                "Ingrid Nordmann",
                "postmottak@molde.kommune.no",
                date(2025, 2, 21),
                (
                    ("samhandling", "Vi trenger felles legemiddelliste for alle tjenester.", "Behov", "Høy"),
                    (
                        "styring",
                        "Kommunen er kritisk til den foreslåtte selskapsmodellen.",
                        "Posisjon",
                        "Middels",
                    ),
                ),
            )
        )
    )
    letter = pdf_bytes(
        (
            "Molde kommune - vedtak i kommunestyret om Akson",
            "Kommunestyret slutter seg til hovedinnretningen i Akson.",
            "Kommunen ber om at kostnadene for kommunene blir beregnet før endelig beslutning.",
        )
    )
    out["epost_vedlegg_molde.eml"] = eml_bytes(
        mail(
            sender="Molde kommune <postmottak@molde.kommune.no>",
            subject="Innspill til Akson - utfylt mal og vedtak",
            sent=datetime(2025, 2, 21, 11, 30, tzinfo=OSLO),
            number=5,
            text=(
                "Hei,\n\nVedlagt følger utfylt innspillsmal og kommunestyrets vedtak.\n\n"
                "Med vennlig hilsen\nIngrid Nordmann\nrådgiver\nMolde kommune\n"
            ),
            attachments=(
                (
                    "Innspillsmal_Molde.xlsx",
                    "application",
                    "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    molde_template,
                ),
                ("Vedtak_Akson_Molde.pdf", "application", "pdf", letter),
            ),
        )
    )
    return out


def mbox_bytes() -> bytes:
    messages = (
        mail(
            sender="Harstad kommune <postmottak@harstad.kommune.no>",
            subject="Innspill til Akson fra Harstad kommune",
            sent=datetime(2025, 2, 24, 8, 50, tzinfo=OSLO),
            number=6,
            text=(
                "Hei,\n\nHarstad kommune trenger stabil drift og god oppetid i nord.\n\n"
                "Vi støtter en stegvis utvikling.\n\n"
                "Med vennlig hilsen\nMarit Nordmann\nseksjonsleder\nHarstad kommune\n"
            ),
        ),
        mail(
            sender="Gjøvik kommune <postmottak@gjovik.kommune.no>",
            subject="Akson",
            sent=datetime(2025, 2, 24, 13, 12, tzinfo=OSLO),
            number=7,
            text=(
                "Hei,\n\nGjøvik kommune har ingen klar oppfatning om selskapsmodellen ennå.\n"
                "Det er behov for bedre informasjon om arbeidet.\n\n"
                "Med vennlig hilsen\nJon Nordmann\nGjøvik kommune\n"
            ),
        ),
        mail(
            sender="Sogndal kommune <postmottak@sogndal.kommune.no>",
            subject="Innspel til Akson",
            sent=datetime(2025, 2, 25, 10, 0, tzinfo=OSLO),
            number=8,
            text=(
                "Hei,\n\nSogndal kommune støttar at KS går inn som eigar i selskapet.\n"
                "Vi treng kompetanse på digitalisering i små kommunar.\n\n"
                "Med venleg helsing\nEva Nordmann\nkommunalsjef\nSogndal kommune\n"
            ),
            html=(
                "<html><body><p>Hei,</p><p>Sogndal kommune støttar at KS går inn som eigar i selskapet.<br>"
                "Vi treng kompetanse på digitalisering i små kommunar.</p>"
                "<p>Med venleg helsing<br>Eva Nordmann<br>kommunalsjef<br>Sogndal kommune</p></body></html>\n"
            ),
        ),
    )
    out = bytearray()
    for msg in messages:
        data = msg.as_bytes(policy=SMTP).replace(b"\r\n", b"\n")
        data = b"\n".join(b">" + line if line.startswith(b"From ") else line for line in data.split(b"\n"))
        out += f"From {msg['From'].addresses[0].addr_spec} Mon Feb 24 08:00:00 2025\n".encode("ascii")
        out += data.rstrip(b"\n") + b"\n\n"
    return bytes(out)


INTENT_ROWS = (
    ("Bergen", "ja", "12.09.2024"),
    ("Trondheim", "ja", "03.10.2024"),
    ("Stavanger", "ja", "12.09.2024"),
    ("Kristiansand", "ja", "20.09.2024"),
    ("Bodø", "ja", "01.10.2024"),
    ("Tromsø", "nei", ""),
    ("Fredrikstad", "ja", "15.10.2024"),
    ("Drammen", "ja", "22.10.2024"),
    ("Bærum", "ja", "05.11.2024"),
    ("Lillestrøm", "nei", ""),
    ("Hamar", "ja", "08.11.2024"),
    ("Lillehammer", "ja", "11.11.2024"),
    ("Gjøvik", "nei", ""),
    ("Ålesund", "ja", "14.11.2024"),
    ("Molde", "ja", "18.11.2024"),
    ("Volda", "nei", ""),
    ("Herøy (Nordland)", "ja", "20.11.2024"),
    ("Alta", "ja", "25.11.2024"),
    ("Harstad", "nei", ""),
    ("Sogndal", "ja", "27.11.2024"),
    ("Voss", "ja", "02.12.2024"),
    ("Sandnes", "ja", "04.12.2024"),
    ("Kautokeino", "nei", ""),
    ("Steinkjer", "ja", "09.12.2024"),
    ("Askøy", "nei", ""),
)


def intent_csv() -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\n")
    writer.writerow(["kommune", "signert", "dato"])
    writer.writerows(INTENT_ROWS)
    return buf.getvalue().encode("utf-8")


def build() -> dict[str, bytes]:
    """Every example file by its path relative to ``examples/`` (``inbox/...`` and the intent list)."""
    return {
        "inbox/nettskjema_akson_innspill.csv": nettskjema_csv(),
        "inbox/forms_spoerreskjema.xlsx": forms_xlsx(),
        **{f"inbox/{name}": ks_template(name) for name in KS_TEMPLATES},
        "inbox/Tromso_kommune_innspill_Akson.xlsx": freeform_xlsx(),
        **{f"inbox/{name}": data for name, data in emails().items()},
        "inbox/postkasse_februar.mbox": mbox_bytes(),
        # an exact duplicate under another name (sorts after the original)
        "inbox/Kopi av Innspillsmal_Stavanger.xlsx": ks_template("Innspillsmal_Stavanger.xlsx"),
        # a download cut short: the zip's central directory is missing
        "inbox/skadet.xlsx": ks_template("Innspillsmal_Bodo.xlsx")[:900],
        "intensjonserklaeringer.csv": intent_csv(),
    }


def main(out: Path = HERE) -> None:
    """Write the examples below ``out`` (the inbox folder is replaced, so it holds only input files)."""
    inbox = out / "inbox"
    if inbox.exists():
        shutil.rmtree(inbox)
    inbox.mkdir(parents=True)
    for rel, data in build().items():
        (out / rel).write_bytes(data)
        print(f"{len(data):>8}  {rel}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
