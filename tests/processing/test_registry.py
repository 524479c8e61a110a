"""Municipality registry and respondent resolver: figures, the resolution table, data files, normalisation."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.records import MatchStatus, RespondentKind
from processing.registry import (
    PERSONAL_MAIL_DOMAINS,
    STEERING_GROUP,
    Registry,
    RegistryDataError,
    default_registry,
)
from processing.textnorm import extract_domains, fold, normalise

DATA = Path(__file__).resolve().parents[2] / "processing" / "data"
REFERENCE = DATA / "reference"

M = MatchStatus.MATCHED
A = MatchStatus.AMBIGUOUS
B = MatchStatus.BELOW_THRESHOLD
NF = MatchStatus.NOT_FOUND
NM = MatchStatus.NON_MUNICIPAL
MUN = RespondentKind.MUNICIPALITY
CTY = RespondentKind.COUNTY
ORG = RespondentKind.ORGANISATION
UNK = RespondentKind.UNKNOWN

SIGNATURE = ("Med vennlig hilsen", "Kari Nordmann", "Rådgiver, Vinje kommune")


@pytest.fixture(scope="module")
def reg() -> Registry:
    return default_registry()


# -- figures -------------------------------------------------------------------------------


def test_figures(reg: Registry) -> None:
    """357 municipalities, the SSB national total, the population outside Helse Midt-Norge."""
    assert len(reg.municipalities) == 357
    assert reg.national_population == 5_550_203
    # Helse Midt-Norge = Møre og Romsdal (270 624) + Trøndelag (482 956) + Bindal (1 399) = 754 979.
    assert reg.outside_midt_population == 5_550_203 - 754_979


def test_steering_group(reg: Registry) -> None:
    """The steering group is Stavanger, Kristiansand, Vinje, Bodø, Bergen, Oslo and Bærum."""
    assert reg.steering_group == STEERING_GROUP
    names = [reg.get(n).name for n in reg.steering_group]
    assert names == ["Stavanger", "Kristiansand", "Vinje", "Bodø", "Bergen", "Oslo", "Bærum"]


@pytest.mark.parametrize(
    ("number", "name", "fylke", "population", "region", "domains", "outside"),
    [
        ("4601", "Bergen", "Vestland", 291_940, "Helse Vest", ("bergen.kommune.no",), True),
        ("3201", "Bærum", "Akershus", 130_921, "Helse Sør-Øst", ("baerum.kommune.no",), True),
        ("1811", "Bindal", "Nordland", 1_399, "Helse Midt-Norge", ("bindal.kommune.no",), False),
        ("5001", "Trondheim", "Trøndelag", 214_565, "Helse Midt-Norge", ("trondheim.kommune.no",), False),
        ("1506", "Molde", "Møre og Romsdal", 32_816, "Helse Midt-Norge", ("molde.kommune.no",), False),
        ("1804", "Bodø", "Nordland", 53_712, "Helse Nord", ("bodo.kommune.no",), True),
        ("3228", "Nes", "Akershus", 24_645, "Helse Sør-Øst", (), True),
    ],
)
def test_municipality_record(
    reg: Registry,
    number: str,
    name: str,
    fylke: str,
    population: int,
    region: str,
    domains: tuple[str, ...],
    outside: bool,
) -> None:
    """Each municipality carries county, health region, population, domains and outside_midt_norge."""
    m = reg.get(number)
    assert (m.name, m.fylke, m.fylkesnummer, m.population) == (name, fylke, number[:2], population)
    assert (m.health_region, m.domains, m.outside_midt_norge) == (region, domains, outside)


def test_sami_names_are_kept(reg: Registry) -> None:
    """Alternative names come from the CSV, split on '|'."""
    assert reg.get("5622").alt_names == ("Porsáŋgu", "Porsanki")
    assert reg.get("5001").alt_names == ("Tråante",)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("9999", "kommunenummer '9999' is not one of the 357 municipalities of the 2024 structure"),
        ("3024", "kommunenummer '3024' is not one of the 357 municipalities of the 2024 structure; "
                 "it is a pre-2024 number, now 3201"),
        ("1507", "kommunenummer '1507' is not one of the 357 municipalities of the 2024 structure; "
                 "it is a pre-2024 number, now 1508 / 1580"),
    ],
)  # fmt: skip
def test_get_unknown_number(reg: Registry, number: str, message: str) -> None:
    """get() raises KeyError naming the number, and the new numbers for a 2020 one."""
    with pytest.raises(KeyError) as info:
        reg.get(number)
    assert info.value.args[0] == message


# -- the resolution table ------------------------------------------------------------------

CASES = [
    # official names, case, diacritics, spacing, suffixes and units
    ("Bergen", None, (), M, MUN, "4601", "exact_name"),
    ("BÆRUM KOMMUNE", None, (), M, MUN, "3201", "exact_name"),
    ("Baerum", None, (), M, MUN, "3201", "variant"),
    ("Bærum k.", None, (), M, MUN, "3201", "exact_name"),
    ("Baerum kommune", None, (), M, MUN, "3201", "variant"),
    ("Aalesund", None, (), M, MUN, "1508", "variant"),
    ("Toensberg", None, (), M, MUN, "3905", "variant"),
    ("Nord Aurdal", None, (), M, MUN, "3451", "exact_name"),
    ("Nord – Aurdal kommune", None, (), M, MUN, "3451", "exact_name"),
    ("Sor-Varanger kommune", None, (), M, MUN, "5605", "variant"),
    ("Aurskog Høland", None, (), M, MUN, "3226", "exact_name"),
    ("Voss herad", None, (), M, MUN, "4621", "exact_name"),
    ("Kvam herad", None, (), M, MUN, "4622", "exact_name"),
    ("Bergen kommune, helse og omsorg", None, (), M, MUN, "4601", "exact_name"),
    ("Oslo kommune, Helseetaten", None, (), M, MUN, "0301", "exact_name"),
    ("Helse- og omsorgsetaten i Bergen kommune", None, (), M, MUN, "4601", "exact_name"),
    ("Oslo kommune", None, (), M, MUN, "0301", "exact_name"),
    ("Ås", None, (), M, MUN, "3218", "exact_name"),
    ("As kommune", None, (), M, MUN, "3218", "variant"),
    ("Bø i Vesterålen", None, (), M, MUN, "1867", "exact_name"),
    # Sami and Kven names
    ("Guovdageaidnu", None, (), M, MUN, "5612", "alt_name"),
    ("Porsáŋgu", None, (), M, MUN, "5622", "alt_name"),
    ("Porsangu", None, (), M, MUN, "5622", "variant"),
    ("Gáivuotna", None, (), M, MUN, "5540", "alt_name"),
    ("Tråante", None, (), M, MUN, "5001", "alt_name"),
    ("Porsanger - Porsáŋgu - Porsanki", None, (), M, MUN, "5622", "exact_name"),
    # numbers: 2024, 2020 through the change table, the Ålesund/Haram split
    ("4601", None, (), M, MUN, "4601", "number"),
    ("301", None, (), M, MUN, "0301", "number"),
    ("3024 Bærum", None, (), M, MUN, "3201", "old_number"),
    ("3024", None, (), M, MUN, "3201", "old_number"),
    ("3825 Vinje", None, (), M, MUN, "4036", "old_number"),
    ("5430", None, (), M, MUN, "5612", "old_number"),
    ("1507 Ålesund", None, (), M, MUN, "1508", "old_number"),
    ("1507 Haram", None, (), M, MUN, "1580", "old_number"),
    ("1507", None, (), A, UNK, None, "old_number"),
    ("4601 Oslo", None, (), A, UNK, None, ""),
    ("Våler (Viken)", None, (), M, MUN, "3114", "exact_name"),
    # e-mail and web domains
    ("", "ola@helse.bergen.kommune.no", (), M, MUN, "4601", "domain"),
    ("", "postmottak@baerum.kommune.no", (), M, MUN, "3201", "domain"),
    ("www.stavanger.kommune.no", None, (), M, MUN, "1103", "domain"),
    ("", "kari@nordre-follo.kommune.no", (), M, MUN, "3207", "domain"),
    ("", "kari@naroysund.kommune.no", (), M, MUN, "5060", "domain"),
    ("", "kari@voss.herad.no", (), M, MUN, "4621", "domain"),
    ("Stavangr", "ola@stavanger.kommune.no", (), M, MUN, "1103", "domain"),
    ("Bergn", "kari@stavanger.kommune.no", (), M, MUN, "1103", "domain"),
    ("Bergen kommune", "ola@stavanger.kommune.no", (), M, MUN, "4601", "exact_name"),
    ("", "kari@gmail.com", (), NF, UNK, None, ""),
    ("", "ola.nordmann@online.no", (), NF, UNK, None, ""),
    # typos
    ("Kristainsand", None, (), M, MUN, "4204", "fuzzy"),
    ("Kristainsand kommune", None, (), M, MUN, "4204", "fuzzy"),
    ("Krstnsnd", None, (), B, UNK, None, "fuzzy"),
    # ambiguous names, settled by county or domain only
    ("Herøy", None, (), A, UNK, None, "exact_name"),
    ("Våler", None, (), A, UNK, None, "exact_name"),
    ("Herøy i Nordland", None, (), M, MUN, "1818", "exact_name"),
    ("Våler kommune (Innlandet)", None, (), M, MUN, "3419", "exact_name"),
    ("Herøy, Møre og Romsdal", None, (), M, MUN, "1515", "exact_name"),
    ("Våler i Østfold", None, (), M, MUN, "3114", "exact_name"),
    ("Herøy", None, ("Herøy kommune", "Nordland"), M, MUN, "1818", "context"),
    ("Herøy", "ola@heroy.kommune.no", (), M, MUN, "1515", "domain"),
    ("Herøy", "ola@heroy-no.kommune.no", (), M, MUN, "1818", "domain"),
    ("Våler", "ola@vaaler-he.kommune.no", (), M, MUN, "3419", "domain"),
    ("Herøy", "ola@bergen.kommune.no", (), A, UNK, None, "exact_name"),
    ("Bergen og Oslo", None, (), A, UNK, None, "exact_name"),
    # county authorities and organisations
    ("Vestland fylkeskommune", None, (), NM, CTY, None, "organisation"),
    ("Troms fylkeskommune", None, (), NM, CTY, None, "organisation"),
    ("Nordland fylkeskommune", None, (), NM, CTY, None, "organisation"),
    ("Fylkeskommunen i Vestland", None, (), NM, CTY, None, "organisation"),
    ("", "kari@vlfk.no", (), NM, CTY, None, "domain"),
    ("KS", None, (), NM, ORG, None, "organisation"),
    ("KS Agder", None, (), NM, ORG, None, "organisation"),
    ("Legeforeningen", None, (), NM, ORG, None, "organisation"),
    ("DIPS AS", None, (), NM, ORG, None, "organisation"),
    ("Helse Bergen HF", None, (), NM, ORG, None, "organisation"),
    ("Hallingdal IKS", None, (), NM, ORG, None, "organisation"),
    ("Fagforbundet Oslo kommune", None, (), NM, ORG, None, "organisation"),
    ("", "ola@legeforeningen.no", (), NM, ORG, None, "domain"),
    # context lines
    ("", None, SIGNATURE, M, MUN, "4036", "context"),
    ("Ukjent avsender", None, SIGNATURE, M, MUN, "4036", "context"),
    ("", None, ("Med vennlig hilsen", "kari@bodo.kommune.no"), M, MUN, "1804", "context"),
    ("", None, ("Med vennlig hilsen", "Kari Moss"), NF, UNK, None, ""),
    ("", None, ("Hilsen", "Rådgiver, KS"), NM, ORG, None, "context"),
    # empty and garbage
    ("", None, (), NF, UNK, None, ""),
    ("   ", None, (), NF, UNK, None, ""),
    ("!!!", None, (), NF, UNK, None, ""),
    ("asdfgh", None, (), NF, UNK, None, ""),
    ("Bo", None, (), NF, UNK, None, ""),
    ("Firma AS", None, (), NF, UNK, None, ""),
    ("Troms", None, (), NF, UNK, None, ""),
    ("9999", None, (), NF, UNK, None, ""),
    ('=HYPERLINK("http://evil.example")', None, (), NF, UNK, None, ""),
]


@pytest.mark.parametrize(("text", "email", "context", "status", "kind", "number", "method"), CASES)
def test_resolve_table(
    reg: Registry,
    text: str,
    email: str | None,
    context: tuple[str, ...],
    status: MatchStatus,
    kind: RespondentKind,
    number: str | None,
    method: str,
) -> None:
    """Each respondent form resolves to the expected status, kind, number and method."""
    result = reg.resolve(text, email=email, context=context)
    assert (result.status, result.kind, result.kommunenummer, result.method) == (status, kind, number, method)
    if status is M:
        assert result.name == reg.get(number or "").name
        assert result.reason == ""
        if method == "fuzzy":
            assert 88 <= result.score < 100
        else:  # domain evidence scores 95, names and numbers 100
            from_domain = method == "domain" or any("@" in line for line in context)
            assert result.score == (95.0 if from_domain else 100.0)
    else:
        assert result.reason, "an unresolved or non-municipal result must say why"


@pytest.mark.parametrize(
    ("text", "email", "context", "reason"),
    [
        ("Herøy", None, (),
         "«Herøy» er tvetydig: 1515 Herøy (Møre og Romsdal) eller 1818 Herøy (Nordland). "
         "Oppgi fylke eller e-postdomene."),
        ("1507", None, (),
         "«1507» er tvetydig: kommunenummer 1507 ble delt 1.1.2024 i 1508 Ålesund (Møre og Romsdal) eller "
         "1580 Haram (Møre og Romsdal). Oppgi kommunenavnet."),
        ("4601 Oslo", None, (),
         "«4601 Oslo»: kommunenummer og navn peker på ulike kommuner (4601 Bergen (Vestland) eller "
         "0301 Oslo (Oslo)). Rett nummeret eller navnet."),
        ("Troms", None, (),
         "«Troms» er et fylke, ikke en kommune. Skriv kommunenavnet, eller «Troms fylkeskommune» hvis "
         "innspillet kommer fra fylkeskommunen."),
        ("9999", None, (),
         "Kommunenummer 9999 finnes verken i 2024-inndelingen eller i endringstabellen fra 2020. "
         "Sjekk nummeret, eller skriv kommunenavnet."),
        ("", "kari@gmail.com", (),
         "Avsenderfeltet er tomt, og verken e-postadresse eller signatur peker på en kommune. "
         "Fyll inn kommunenavn eller kommunenummer."),
        ("asdfgh", None, (),
         "«asdfgh» ble ikke gjenkjent som kommune, fylkeskommune eller organisasjon. Skriv kommunenavnet "
         "(for eksempel «Bergen kommune»), kommunenummeret eller en e-postadresse fra kommunen."),
        ("Krstnsnd", None, (),
         "«Krstnsnd» ligner på 1505 Kristiansund (Møre og Romsdal) (80), 4204 Kristiansand (Agder) (80), "
         "men ingen når terskelen 88, så ingen kommune er valgt. Rett stavemåten, eller oppgi "
         "kommunenummer eller e-postadresse."),
        ("KS Agder", None, (), "«KS Agder» er en organisasjon (KS), ikke en kommune."),
        ("", "kari@vlfk.no", (),
         "Avsenderen (domenet vlfk.no) er en fylkeskommune (Vestland fylkeskommune), ikke en kommune."),
    ],
)  # fmt: skip
def test_reasons(reg: Registry, text: str, email: str | None, context: tuple[str, ...], reason: str) -> None:
    """Reasons are bokmål sentences that name the input and say how to fix it."""
    assert reg.resolve(text, email=email, context=context).reason == reason


@pytest.mark.parametrize(
    ("text", "candidates"),
    [("Herøy", ("1515", "1818")), ("Våler", ("3114", "3419")), ("1507", ("1508", "1580")),
     ("Krstnsnd", ("1505", "4204")), ("Bergen og Oslo", ("4601", "0301"))],
)  # fmt: skip
def test_candidates(reg: Registry, text: str, candidates: tuple[str, ...]) -> None:
    """Ambiguous and below-threshold results list the candidate kommunenummer."""
    assert reg.resolve(text).candidates == candidates


@pytest.mark.parametrize(
    ("threshold", "status", "number"),
    [(None, M, "4204"), (88, M, "4204"), (91, M, "4204"), (92, B, None), (99.5, B, None)],
)
def test_threshold(reg: Registry, threshold: float | None, status: MatchStatus, number: str | None) -> None:
    """A fuzzy score below the threshold is reported with its candidates, never taken."""
    result = reg.resolve("Kristainsand", threshold=threshold)
    assert (result.status, result.kommunenummer) == (status, number)
    assert result.score == pytest.approx(91.67, abs=0.01)
    if status is B:
        assert result.candidates[0] == "4204"


@pytest.mark.parametrize("threshold", [0, -1, 100.5])
def test_threshold_out_of_range(reg: Registry, threshold: float) -> None:
    """A threshold outside (0, 100] is a programming error."""
    with pytest.raises(ValueError, match="threshold must be in"):
        reg.resolve("Bergen", threshold=threshold)


def test_every_name_and_number_resolves(reg: Registry) -> None:
    """All 357 names (with and without 'kommune'), Sami names, CSV domains and 2020 numbers resolve home."""
    duplicates = {"Herøy", "Våler"}
    for number, m in reg.municipalities.items():
        for text in (m.name, f"{m.name} kommune", f"{m.name.upper()} KOMMUNE", *m.alt_names):
            result = reg.resolve(text)
            if m.name in duplicates:
                assert result.status is A, text
            else:
                assert (result.status, result.kommunenummer) == (M, number), text
        for domain in m.domains:
            assert reg.resolve("", email=f"postmottak@{domain}").kommunenummer == number, domain
    for change in reg.changes:
        result = reg.resolve(change.old_kommunenummer)
        if change.type == "split":
            assert result.status is A
        else:
            assert (result.status, result.kommunenummer) == (M, change.new_kommunenummer)


def test_hostile_input_is_bounded(reg: Registry) -> None:
    """Huge or hostile respondent fields resolve quickly to not_found/below_threshold without raising."""
    started = time.perf_counter()
    for text in ("x" * 100_000, "Bergen " * 20_000, "<script>alert(1)</script>" * 500, "\x00\ufeff" * 1000):
        result = reg.resolve(text, email="@" * 5000, context=["y" * 10_000] * 1000)
        assert len(result.query) <= 400
    assert time.perf_counter() - started < 2.0


# -- alternative data through from_paths ----------------------------------------------------


def test_from_paths_old_names(tmp_path: Path) -> None:
    """An old, merged name and number in the change table resolve to the new municipality."""
    changes = tmp_path / "endringer.csv"
    changes.write_text(
        (REFERENCE / "kommune_endringer.csv").read_text(encoding="utf-8")
        + "1931,Lenvik,5530,Senja,2020-01-01,merge\n",
        encoding="utf-8",
    )
    reg = Registry.from_paths(REFERENCE / "kommuner.csv", changes, DATA / "organisations.csv")
    for text, number, method in [("Lenvik kommune", "5530", "old_name"), ("1931", "5530", "old_number"),
                                 ("Lenvk kommune", "5530", "fuzzy")]:  # fmt: skip
        result = reg.resolve(text)
        assert (result.status, result.kommunenummer, result.method) == (M, number, method)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("kommuner.csv", "kommunenummer,navn\n0301,Oslo\n",
         "kommuner.csv: mangler kolonnene alternative_navn, fylkesnummer, fylke, innbyggere, helseregion, "
         "epost_domene i overskriftsraden"),
        ("kommuner.csv",
         "kommunenummer,navn,alternative_navn,fylkesnummer,fylke,innbyggere,helseregion,epost_domene\n"
         "301,Oslo,,03,Oslo,717710,Helse Sør-Øst,\n",
         "kommuner.csv, rad 2: kommunenummer må ha 4 sifre og innbyggere være et heltall (fant '301', '717710')"),
        ("organisations.csv", "key,name,kind,aliases,domains\nks,KS,forening,,ks.no\n",
         "organisations.csv, rad 2: key og name må være fylt ut og kind være 'county' eller 'organisation' "
         "(fant kind 'forening')"),
    ],
)  # fmt: skip
def test_malformed_reference_files(tmp_path: Path, name: str, content: str, message: str) -> None:
    """A malformed reference file raises RegistryDataError naming file, row and problem."""
    paths = {"kommuner.csv": REFERENCE / "kommuner.csv", "endringer.csv": REFERENCE / "kommune_endringer.csv",
             "organisations.csv": DATA / "organisations.csv"}  # fmt: skip
    paths[name] = tmp_path / name
    paths[name].write_text(content, encoding="utf-8")
    with pytest.raises(RegistryDataError) as info:
        Registry.from_paths(paths["kommuner.csv"], paths["endringer.csv"], paths["organisations.csv"])
    assert str(info.value) == message


# -- shipped data --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["kommuner.csv", "kommune_endringer.csv", "innbyggere_referansedato.txt", "SOURCES.md"]
)
def test_reference_files_are_verbatim_copies(shared_dir: Path, name: str) -> None:
    """The packaged reference files equal the shared reference set byte for byte."""
    assert (REFERENCE / name).read_bytes() == (shared_dir / "reference" / name).read_bytes()


def test_organisations_file(reg: Registry) -> None:
    """15 county authorities of 2024, unique keys, and no domain shared with a municipality."""
    rows = list(csv.DictReader((DATA / "organisations.csv").open(encoding="utf-8")))
    keys = [r["key"] for r in rows]
    assert len(keys) == len(set(keys))
    fylker = {m.fylkesnummer for m in reg.municipalities.values()}
    assert {k.removeprefix("fylke-") for k in keys if k.startswith("fylke-")} >= fylker
    assert len(fylker) == 15
    municipal_domains = {d for m in reg.municipalities.values() for d in m.domains}
    for row in rows:
        for domain in filter(None, row["domains"].split("|")):
            assert domain == domain.lower() and domain not in municipal_domains, domain
            assert domain not in PERSONAL_MAIL_DOMAINS


def test_only_known_names_collide() -> None:
    """After folding, only Herøy and Våler share a name among the 357 municipalities."""
    keys: dict[str, set[str]] = {}
    for row in csv.DictReader((REFERENCE / "kommuner.csv").open(encoding="utf-8")):
        for name in [row["navn"], *filter(None, row["alternative_navn"].split("|"))]:
            keys.setdefault(fold(name), set()).add(row["kommunenummer"])
    assert {k: sorted(v) for k, v in keys.items() if len(v) > 1} == {
        "heroy": ["1515", "1818"],
        "valer": ["3114", "3419"],
    }


# -- normalisation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [("Ålesund", "Aalesund"), ("Bærum", "BAERUM"), ("Tønsberg", "Toensberg"), ("Nord-Aurdal", "nord aurdal"),
     ("Nord–Aurdal", "Nordaurdal"), ("Porsáŋgu", "porsangu"), ("Hammerfest", "Hamerfest"), ("Ål", "Aal")],
)  # fmt: skip
def test_fold_equates_variants(a: str, b: str) -> None:
    """Spelling variants of one name share a fold key."""
    assert fold(a) == fold(b)


@pytest.mark.parametrize(
    ("text", "domains"),
    [("ola@helse.bergen.kommune.no", ["helse.bergen.kommune.no"]),
     ("se https://www.stavanger.kommune.no/x og kari@vlfk.no", ["vlfk.no", "stavanger.kommune.no"]),
     ("Bærum k.", []), ("@@@", [])],
)  # fmt: skip
def test_extract_domains(text: str, domains: list[str]) -> None:
    """Hosts come from e-mail addresses first, then web addresses, without 'www.'."""
    assert extract_domains(text) == domains


@given(st.text())
def test_normalise_is_idempotent(text: str) -> None:
    """Normalising twice changes nothing."""
    assert normalise(normalise(text)) == normalise(text)


@given(st.text(alphabet=st.sampled_from("aåæeøoöAÅÆØ -–kKáŋ\u0301sn"), max_size=30) | st.text())
def test_fold_is_idempotent(text: str) -> None:
    """Folding twice changes nothing, also for runs of 'a', 'å', 'o' and 'e'."""
    assert fold(fold(text)) == fold(text)


# -- real respondents and invariants ------------------------------------------------------


def test_real_speakers(reg: Registry, shared_dir: Path) -> None:
    """On the real dev set, every '<name> kommune' speaker resolves, and no match is invented."""
    path = shared_dir / "reference" / "real_statements_dev.csv"
    speakers = {row["speaker"] for row in csv.DictReader(path.open(encoding="utf-8"))}
    matched = 0
    for speaker in speakers:
        result = reg.resolve(speaker)
        if result.status is M:
            matched += 1
            assert fold(result.name or "") in fold(speaker), speaker
        if " kommune " in f" {normalise(speaker)} ".replace(",", " ").replace("(", " "):
            assert result.is_municipality, speaker
    assert matched >= 10


@given(
    st.text(max_size=80),
    st.none() | st.emails() | st.text(max_size=40),
    st.lists(st.text(max_size=40), max_size=4),
)
def test_resolve_invariants(text: str, email: str | None, context: list[str]) -> None:
    """Any input resolves without raising; matched means a real number, anything else a reason."""
    reg = default_registry()
    result = reg.resolve(text, email=email, context=context)
    if result.status is M:
        assert result.kind is MUN and reg.get(result.kommunenummer or "").name == result.name
    else:
        assert result.kommunenummer is None and result.reason
    if result.status is NM:
        assert result.kind in {CTY, ORG}
    assert 0 <= result.score <= 100


@pytest.mark.parametrize(
    ("text", "context", "number", "method"),
    [
        ("Herøy", ("Nordland",), "1818", "context"),
        ("Herøy", ("Møre og Romsdal",), "1515", "context"),
        ("Våler", ("Nordland", "Innlandet"), "3419", "context"),
        ("Herøy", ("Nordland",), "1818", "context"),  # the same line again: same answer
        (
            "Bergen",
            ("Nordland", "Vinje kommune"),
            "4601",
            "exact_name",
        ),  # an unambiguous name ignores context
    ],
)
def test_context_lines_narrow_ambiguous_names_consistently(
    text: str, context: tuple[str, ...], number: str, method: str
) -> None:
    """A county in a context line settles Herøy / Våler, every time the line is seen, in any registry."""
    for registry in (default_registry(), Registry.from_paths(*_reference_paths())):
        result = registry.resolve(text, context=context)
        assert (result.status, result.kommunenummer, result.method) == (M, number, method)


def _reference_paths() -> tuple[Path, Path, Path]:
    return (REFERENCE / "kommuner.csv", REFERENCE / "kommune_endringer.csv", DATA / "organisations.csv")


def test_resolutions_are_remembered_by_context_in_bounded_memory() -> None:
    """The same name in different mails resolves by each mail's context; the cache keeps a digest, not the lines."""
    from processing.registry import RESOLUTION_CACHE_SIZE, default_registry

    fresh = Registry(default_registry().municipalities.values(), default_registry().changes)
    nordland = ("Herøy kommune", "Nordland")
    more = ("Herøy kommune", "Møre og Romsdal")
    for _ in range(2):  # the second round is answered from the cache
        assert fresh.resolve("Herøy", context=nordland).kommunenummer == "1818"
        assert fresh.resolve("Herøy", context=more).kommunenummer == "1515"
        assert fresh.resolve("Herøy").status is MatchStatus.AMBIGUOUS
    long_lines = [f"linje {i} " + "x" * 390 for i in range(50)]
    for n in range(RESOLUTION_CACHE_SIZE + 50):
        fresh.resolve("Bergen", context=[f"e-post nr. {n}", *long_lines])
    keys = list(fresh._resolutions)
    assert len(keys) == RESOLUTION_CACHE_SIZE
    assert max(len(query) + len(email) + len(digest) for query, email, digest, _ in keys) <= 40
