"""Seeded generator of large synthetic inboxes with ground truth, for load tests and evaluation.

``generate_inbox(out_dir, seed=..., statements=...)`` writes ``<out>/inbox/`` with every input
format the connectors read, and ``<out>/ground_truth.csv`` with one row per statement: where it
is (file and locator fields, as ``models.records.Locator`` names them and as the connectors
report them), who wrote it (respondent as written, expected kommunenummer) and its labels (type,
theme, stance; stance only for positions, as in the labelling guideline).

File kinds (``GenerationReport.files_by_kind``): survey exports (``nettskjema_csv``,
``questback_csv``, ``forms_xlsx``), spreadsheets (``ks_template``, ``freeform_xlsx``) and mail
(``eml``, ``mbox``); with ``variants`` on also ``ks_template_xlsm`` (macro-enabled content
type), ``freeform_ods``, ``docx_letter``, ``txt_letter`` and ``zip`` (a KS template and a
covering letter in a folder), at a modest share of files. Format variants
(``GenerationReport.variants``): CSV in cp1252, UTF-8 with BOM and ISO-8859-1, ``;``, ``,``
and tab (``.tsv``), a title above the header (``csv_preamble``), quoted multi-line cells,
Likert answers as numbers 1-5 (``likert_numbers``) or nynorsk words, a ``.layout.toml`` sidecar
naming a respondent column auto-detection cannot (``layout_sidecar``; sidecars are not counted
as files), merged titles and offset headers; mails as plain, HTML-only,
multipart/alternative, quoted replies, forwarded municipal letters, with KS-template xlsx, PDF
or Word attachments, encoded-word subjects.

Locators in the ground truth: sheet/row/column for cells (rows as a spreadsheet shows them,
preamble lines included), ``line`` for letter paragraphs (docx: paragraph number; txt: first
line of the paragraph), ``message_id`` and ``part`` for mails. Attachments are
``mail.eml!/2/name`` and archive members ``archive.zip!/folder/name``, the display paths the
dispatcher (``connectors.inbox``) gives them.

A Likert answer counts as one statement: its ``text`` in the ground truth is the question,
``answer`` holds the answer as written (word or number) and the stance follows
``processing.likert`` (``Delvis enig`` is conditional, ``Vet ikke`` neutral). Mail greetings,
signatures and quoted history are not statements; the one-line cover note of a mail with an
attachment is (``other``/``annet``); the covering note above a forwarded letter is not.

Not generated: Outlook ``.msg`` (writing one needs an Outlook CFB/MAPI writer; no maintained
pure-Python one exists) and legacy ``.xls`` (the only writer, ``xlwt``, is unmaintained since
2017 and is not a dependency); both are covered by the corpus in ``../shared/corpora/`` and the
golden fixtures. Attachments of mails in ``.mbox`` files are not generated either; ``.eml``
files carry them.

Same seed and arguments -> byte-identical files: xlsx/ods/docx/zip member dates are fixed, MIME
boundaries and Message-IDs derive from the seed and a counter, and all text, dates and names
come from one ``random.Random(seed)``. Files are written one at a time and the ground truth is
streamed, so memory stays flat at 1,000,000 statements.

The text bank lives in ``connectors.synthetic_text``, the xlsx/ODS/docx/zip/PDF/MIME writers
in ``connectors.synthetic_files``; the writers are re-exported here.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from connectors.synthetic_files import (
    DOCX_TYPE,
    FIXED_TIMESTAMP,
    XLSX_TYPE,
    CellValue,
    Sheet,
    build_ks_template,
    docx_bytes,
    mail_bytes,
    mail_html,
    pdf_bytes,
    sheets_ods,
    sheets_workbook,
    sheets_xlsx,
    slugify,
    write_mbox_message,
    xlsx_bytes,
    zip_bytes,
)
from connectors.synthetic_text import (
    FIRST_NAMES,
    FREE_QUESTIONS,
    KOMMUNE_QUESTION,
    LAST_NAMES,
    LIKERT_QUESTIONS,
    ORGANISATIONS,
    PRIORITIES,
    THEMES,
    TYPE_LABEL,
    SynthStatement,
    compose_statement,
    cover_note,
    forwarded_letter,
    likert_number,
    likert_statement,
    mail_text,
    name_as_written,
    quoted_invitation,
)
from models.records import Municipality, RespondentKind

__all__ = [
    "CHANNELS",
    "FIXED_TIMESTAMP",
    "GROUND_TRUTH_COLUMNS",
    "THEMES",
    "GenerationReport",
    "Sheet",
    "build_ks_template",
    "docx_bytes",
    "generate_inbox",
    "municipalities_from_csv",
    "pdf_bytes",
    "sheets_ods",
    "sheets_workbook",
    "sheets_xlsx",
    "slugify",
    "xlsx_bytes",
    "zip_bytes",
]

CHANNELS = ("survey", "spreadsheet", "email")
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
REFERENCE_CSV = Path(__file__).resolve().parents[2] / "shared" / "reference" / "kommuner.csv"

_CHANNEL_WEIGHTS = {"survey": 0.45, "spreadsheet": 0.25, "email": 0.30}
_KIND_ROTATION = {
    "survey": ("nettskjema_csv", "forms_xlsx", "nettskjema_csv", "questback_csv"),
    "spreadsheet": ("ks_template", "ks_template", "freeform_xlsx"),
    "email": ("eml", "eml", "eml", "mbox"),
}
# With variants on, the rarer containers join at a modest share of files: they are slower to
# write (docx, zip) and rarer in real inboxes than survey exports, templates and mails.
_VARIANT_KIND_ROTATION = {
    "survey": _KIND_ROTATION["survey"],
    "spreadsheet": (
        "ks_template",
        "ks_template",
        "freeform_xlsx",
        "ks_template",
        "ks_template_xlsm",
        "freeform_xlsx",
        "ks_template",
        "freeform_ods",
    ),
    "email": ("eml", "eml", "eml", "mbox", "eml", "docx_letter", "eml", "txt_letter", "eml", "mbox", "zip"),
}
_MAIL_VARIANTS = (
    "plain",
    "html_only",
    "alternative",
    "quoted_reply",
    "attachment_xlsx",
    "attachment_pdf",
    "forwarded",
    "attachment_docx",
)
_MBOX_VARIANTS = ("plain", "html_only", "alternative", "quoted_reply", "forwarded")
_NYNORSK_COUNTIES = frozenset({"46", "15"})  # Vestland, Møre og Romsdal: mostly nynorsk administrations

# ---------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True, slots=True)
class GenerationReport:
    """What ``generate_inbox`` wrote: statement, file-kind and variant counts (see the module docstring)."""

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
            rotation = (_VARIANT_KIND_ROTATION if self.variants else _KIND_ROTATION)[channel]
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
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def _municipal(self, m: Municipality) -> _Respondent:
        text, variant, org_line = name_as_written(
            self.rng,
            m,
            duplicate=m.name in self.duplicate_names,
            old_number=self.old_numbers.get(m.kommunenummer),
        )
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
            name, domain = rng.choice(ORGANISATIONS)
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

    def _statement(self, lang: str) -> SynthStatement:
        return compose_statement(self.rng, lang)

    def _likert(self, lang: str, theme: str) -> SynthStatement:
        return likert_statement(self.rng, lang, theme)

    def _row(
        self,
        file: str,
        kind: str,
        channel: str,
        resp: _Respondent,
        st: SynthStatement,
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
    ) -> Iterator[tuple[_Respondent, dict[str, str], list[tuple[str, SynthStatement]]]]:
        """Responses for one survey file: (respondent, answers by column header, statements by header)."""
        cap = self._cap(20, 1500)
        used = 0
        likert_headers = [LIKERT_QUESTIONS[t][lang] for t in questions]
        free_headers = FREE_QUESTIONS[lang]
        while used < cap and self.remaining > 0:
            resp, k = self._take(self.rng.randint(1, 6))
            used += k
            answers: dict[str, str] = {}
            placed: list[tuple[str, SynthStatement]] = []
            n_likert = self.rng.randint(0, min(k, len(questions)))
            for theme in self.rng.sample(list(questions), n_likert):
                st = self._likert(lang, theme)
                answers[LIKERT_QUESTIONS[theme][lang]] = st.answer
                placed.append((LIKERT_QUESTIONS[theme][lang], st))
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
            encoding = ("cp1252", "utf-8-sig", "iso-8859-1")[turn % 3]
            delimiter = (";", ";", ",", ",")[turn % 4]
        else:
            encoding, delimiter = "utf-8", ";"
        # Nettskjema puts the form title above the header; some Questback exports number the
        # scale (5 = helt enig); one Questback in four names the respondent column so that only
        # its .layout.toml sidecar says what it is.
        preamble = self.variants and tool == "nettskjema" and turn % 3 == 1
        numbers = self.variants and tool == "questback" and turn % 2 == 1
        sidecar = self.variants and tool == "questback" and turn % 4 == 2
        if self.variants and tool == "questback" and turn % 4 == 3:
            delimiter = "\t"  # Questback's "tab-separated" export
        lang = "nn" if rng.random() < 0.2 else "nb"
        questions = sorted(rng.sample(sorted(LIKERT_QUESTIONS), rng.randint(2, 4)), key=THEMES.index)
        multiline = self.variants and rng.random() < 0.7
        headers = [LIKERT_QUESTIONS[t][lang] for t in questions] + list(FREE_QUESTIONS[lang])
        if tool == "nettskjema":
            fixed = ["Svar-ID", "Innsendt", "Kommune", "Navn", "E-post"]
        else:
            fixed = ["Respondent ID", "Enhet" if sidecar else "Kommune", "E-post"]
        all_headers = fixed + headers
        name = f"{tool}_{self.file_no:05d}.{'tsv' if delimiter == chr(9) else 'csv'}"
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
        top = 1
        if preamble:
            when = self._when()
            writer.writerows([["Skjema: Innspill til Akson"], [f"Eksportert {when:%d.%m.%Y kl. %H:%M}"], []])
            top = 4
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
            if numbers:
                placed = [
                    (h, replace(st, answer=likert_number(st.answer)) if st.kind == "likert" else st)
                    for h, st in placed
                ]
                answers.update((h, st.answer) for h, st in placed if st.kind == "likert")
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
                        row=index + top + 1,
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
        if sidecar:
            (self.inbox / f"{name}.layout.toml").write_text(
                _layout_toml(
                    dict(zip((LIKERT_QUESTIONS[t][lang] for t in questions), questions, strict=True))
                ),
                encoding="utf-8",
            )
            self.counters.variants["layout_sidecar"] += 1
        if preamble:
            self.counters.variants["csv_preamble"] += 1
        if numbers:
            self.counters.variants["likert_numbers"] += 1
        elif lang == "nn":
            self.counters.variants["nynorsk_likert"] += 1
        self.counters.variants[
            {"cp1252": "cp1252_csv", "utf-8-sig": "utf8_bom_csv", "iso-8859-1": "latin1_csv"}.get(
                encoding, "utf8_csv"
            )
        ] += 1
        self.counters.variants[{";": "semicolon_csv", ",": "comma_csv", "\t": "tab_tsv"}[delimiter]] += 1
        if has_multiline:
            self.counters.variants["multiline_cell"] += 1

    def _write_forms_xlsx(self) -> None:
        rng = self.rng
        lang = "nn" if rng.random() < 0.2 else "nb"
        questions = sorted(rng.sample(sorted(LIKERT_QUESTIONS), rng.randint(2, 4)), key=THEMES.index)
        headers = [LIKERT_QUESTIONS[t][lang] for t in questions] + list(FREE_QUESTIONS[lang])
        all_headers = [
            "ID",
            "Start time",
            "Completion time",
            "Email",
            "Name",
            KOMMUNE_QUESTION[lang],
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
    ) -> tuple[list[tuple[str, str, str, str]], list[SynthStatement]]:
        stmts = [self._statement(resp.language) for _ in range(k)]
        rows = [(s.theme, s.text, TYPE_LABEL[s.type], self.rng.choice(PRIORITIES)) for s in stmts]
        return rows, stmts

    def _write_ks_template(self, macro: bool = False) -> None:
        resp, k = self._take(self.rng.randint(1, 10))
        name = f"ks_mal_{self.file_no:05d}_{resp.slug}.{'xlsm' if macro else 'xlsx'}"
        rows, stmts = self._template_rows(resp, k)
        sheets = build_ks_template(resp.text, resp.contact, resp.email, self._when().date(), rows)
        (self.inbox / name).write_bytes(sheets_xlsx(sheets, macro=macro))
        kind = "ks_template_xlsm" if macro else "ks_template"
        self.truth.writerows(self._template_truth(name, kind, "spreadsheet", resp, stmts))

    def _write_ks_template_xlsm(self) -> None:
        self._write_ks_template(macro=True)

    def _template_truth(
        self,
        file: str,
        kind: str,
        channel: str,
        resp: _Respondent,
        stmts: Sequence[SynthStatement],
        **loc: object,
    ) -> list[list[object]]:
        return [
            self._row(
                file, kind, channel, resp, st, resp.language, sheet="Innspill", row=9 + i, column="B", **loc
            )
            for i, st in enumerate(stmts)
        ]

    def _write_freeform_ods(self) -> None:
        self._write_freeform_xlsx("ods")

    def _write_freeform_xlsx(self, ext: str = "xlsx") -> None:
        rng = self.rng
        resp, k = self._take(self._cap(6, 120))
        name = f"{resp.slug}_innspill_{self.file_no:05d}.{ext}"
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
                        f"freeform_{ext}",
                        "spreadsheet",
                        resp,
                        st,
                        resp.language,
                        sheet=ws.title,
                        row=r,
                        column=get_column_letter(text_col),
                    )
                )
        (self.inbox / name).write_bytes(
            sheets_ods([first, second]) if ext == "ods" else sheets_xlsx([first, second])
        )
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
        body_stmts: list[SynthStatement] = []
        attached: list[SynthStatement] = []
        truth: list[list[object]] = []
        if variant.startswith("attachment"):
            body_stmts.append(cover_note(lang))
            attached = [self._statement(lang) for _ in range(k - 1)]
        else:
            body_stmts = [self._statement(lang) for _ in range(k)]
        words = mail_text(rng, lang, [st.text for st in body_stmts], resp.contact, resp.org_line)
        text_body, subject = words.plain, words.subject
        sent = self._when()
        sender = (resp.org_line, resp.email)
        if variant == "quoted_reply":
            subject = "SV: Invitasjon til å gi innspill til Akson"
            text_body += quoted_invitation(sent - timedelta(days=rng.randint(3, 30)))
        elif variant == "forwarded":
            # a colleague forwards the letter the municipality's mailbox sent to the wrong place
            letter_from = f"{resp.org_line} <{resp.email}>"  # a body line, not a header: no encoded words
            when = sent - timedelta(hours=rng.randint(1, 72))
            text_body = forwarded_letter(lang, resp.contact, letter_from, when, subject, text_body)
            subject = f"VS: {subject}"
            sender = (resp.contact, f"{slugify(resp.contact).replace('_', '.')}@{resp.email.split('@')[1]}")
        html_body = mail_html(words.greeting, words.paragraphs, words.signature)
        truth += [self._row(file, kind, "email", resp, st, lang, message_id=message_id) for st in body_stmts]
        attachment: tuple[str, str, bytes] | None = None
        if variant == "attachment_xlsx":
            att = f"KS-mal_{resp.slug}.xlsx"
            rows = [(s.theme, s.text, TYPE_LABEL[s.type], rng.choice(PRIORITIES)) for s in attached]
            data = sheets_xlsx(build_ks_template(resp.text, resp.contact, resp.email, sent.date(), rows))
            attachment = (XLSX_TYPE, att, data)
            truth += self._template_truth(
                f"{file}!/2/{att}", "ks_template", "email", resp, attached, message_id=message_id, part="2"
            )
        elif variant == "attachment_docx":
            att = f"Brev_{resp.slug}.docx"
            attachment = (DOCX_TYPE, att, self._letter_docx(resp, attached))
            truth += [
                self._row(
                    f"{file}!/2/{att}",
                    "docx",
                    "email",
                    resp,
                    st,
                    lang,
                    message_id=message_id,
                    part="2",
                    line=i + 1,
                )
                for i, st in enumerate(attached)
            ]
        elif variant == "attachment_pdf":
            att = f"Innspill_{resp.slug}.pdf"
            attachment = ("application/pdf", att, pdf_bytes([s.text for s in attached]))
            truth += [
                self._row(f"{file}!/2/{att}", "pdf", "email", resp, st, lang, message_id=message_id, part="2")
                for st in attached
            ]
        self.counters.variants[variant if variant != "plain" else "plain_mail"] += 1
        if not subject.isascii():
            self.counters.variants["encoded_subject"] += 1
        message = mail_bytes(
            sender=sender,
            subject=subject,
            sent=sent,
            message_id=message_id,
            boundary=f"==samordne-{self.seed}-{self.mail_no}",
            text_body=None if variant == "html_only" else text_body,
            html_body=html_body if variant in {"html_only", "alternative"} else None,
            attachment=attachment,
        )
        return message, truth

    def _write_eml(self) -> None:
        resp, k = self._take(self.rng.randint(1, 6))  # few enough for a one-page PDF attachment
        variant = self._mail_variant(_MAIL_VARIANTS, k)
        name = f"epost_{self.file_no:05d}_{resp.slug}.eml"
        msg, truth = self._message(name, "eml", resp, k, variant)
        (self.inbox / name).write_bytes(msg.replace(b"\n", b"\r\n"))
        self.truth.writerows(truth)

    # -- letters and archives -----------------------------------------------------------------

    def _signature(self, resp: _Respondent) -> str:
        return "\n".join(mail_text(self.rng, resp.language, [], resp.contact, resp.org_line).signature)

    def _letter_docx(self, resp: _Respondent, stmts: Sequence[SynthStatement]) -> bytes:
        """One statement per paragraph (``line`` i + 1), the signature last, the name in the page header."""
        return docx_bytes([st.text for st in stmts] + [self._signature(resp)], letterhead=resp.org_line)

    def _letter_txt(self, resp: _Respondent, stmts: Sequence[SynthStatement]) -> bytes:
        """Paragraphs separated by blank lines (statement i starts on line 2i + 1); cp1252 or UTF-8."""
        text = "\r\n\r\n".join([st.text for st in stmts] + [self._signature(resp).replace("\n", "\r\n")])
        try:
            return (text + "\r\n").encode("cp1252" if self.rng.random() < 0.5 else "utf-8")
        except UnicodeEncodeError:
            return (text + "\r\n").encode("utf-8")

    def _write_docx_letter(self) -> None:
        self._write_letter("docx")

    def _write_txt_letter(self) -> None:
        self._write_letter("txt")

    def _write_letter(self, ext: str) -> None:
        resp, k = self._take(self.rng.randint(1, 6))
        stmts = [self._statement(resp.language) for _ in range(k)]
        name = f"brev_{self.file_no:05d}_{resp.slug}.{ext}"
        if ext == "docx":
            data, lines = self._letter_docx(resp, stmts), [i + 1 for i in range(k)]
        else:
            data, lines = self._letter_txt(resp, stmts), [2 * i + 1 for i in range(k)]
        (self.inbox / name).write_bytes(data)
        self.truth.writerows(
            self._row(name, ext, "email", resp, st, resp.language, line=line)
            for st, line in zip(stmts, lines, strict=True)
        )

    def _write_zip(self) -> None:
        """A municipality's folder zipped: its KS template and a covering letter (docx or txt)."""
        resp, k = self._take(self.rng.randint(2, 10))
        name = f"innspill_{self.file_no:05d}_{resp.slug}.zip"
        folder = f"Innspill {resp.slug}"
        split = self.rng.randint(1, k - 1) if k > 1 else k
        rows, stmts = self._template_rows(resp, split)
        template = f"{folder}/KS-mal_{resp.slug}.xlsx"
        sheets = build_ks_template(resp.text, resp.contact, resp.email, self._when().date(), rows)
        members = [(template, sheets_xlsx(sheets))]
        truth = self._template_truth(f"{name}!/{template}", "ks_template", "email", resp, stmts)
        letter_stmts = [self._statement(resp.language) for _ in range(k - split)]
        if letter_stmts:
            ext = "docx" if self.rng.random() < 0.5 else "txt"
            letter = f"{folder}/Følgebrev.{ext}"
            if ext == "docx":
                data, lines = self._letter_docx(resp, letter_stmts), [i + 1 for i in range(len(letter_stmts))]
            else:
                data, lines = (
                    self._letter_txt(resp, letter_stmts),
                    [2 * i + 1 for i in range(len(letter_stmts))],
                )
            members.append((letter, data))
            truth += [
                self._row(f"{name}!/{letter}", ext, "email", resp, st, resp.language, line=line)
                for st, line in zip(letter_stmts, lines, strict=True)
            ]
        (self.inbox / name).write_bytes(zip_bytes(members))
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
                write_mbox_message(fh, msg, resp.email)
                self.truth.writerows(truth)


def _layout_toml(themes: Mapping[str, str]) -> str:
    """A survey's ``.layout.toml`` (see ``connectors.survey.load_layout``): respondent column and themes."""
    lines = ["[survey]", 'scale = "5=enig"', "", "[columns]", '"Enhet" = "respondent"', "", "[themes]"]
    lines += [
        f"{json.dumps(header, ensure_ascii=False)} = {json.dumps(theme)}" for header, theme in themes.items()
    ]
    return "\n".join(lines) + "\n"


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
