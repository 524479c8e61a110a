"""The municipality registry (357 municipalities, 2024 structure) and the respondent resolver.

``default_registry()`` loads the package data in ``processing/data`` (provenance in
``data/reference/SOURCES.md``; the CSV formats and their records live in
``processing.registry_data``). ``Registry.resolve`` turns what a respondent wrote (name,
e-mail, signature lines) into a ``models.records.Resolution``. Order of evidence:

1. the respondent text: a leading kommunenummer (2024, or 2020 through the change table),
   official / Sami / Kven / old names and their spelling variants, organisations and county
   authorities; a county named in the text (or in a context line) settles Herøy / Våler;
2. e-mail and web domains (text, ``email``, context lines); they settle ambiguous names and
   beat a fuzzy name match; personal mailbox providers are no evidence;
3. context lines (signature, letterhead), only where they say "<name> kommune";
4. a typo-tolerant match (rapidfuzz ratio on folded names), taken only at or above the
   threshold and never between two municipalities that score alike.

Domains: the ``epost_domene`` column where filled. Where it is empty, the conventional
``<ascii-name>.kommune.no`` (æ->ae and æ->a, ø->o, å->a, spaces -> "-") is derived only when
the name occurs once among the 357 and no other municipality already uses that domain. A
``<label>.kommune.no`` / ``<label>.herad.no`` host not in the index counts when the label is
exactly one municipality's name.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from rapidfuzz import fuzz, process

from models.records import MatchStatus, Municipality, Resolution, RespondentKind
from processing.registry_data import (
    Change,
    Organisation,
    RegistryDataError,
    parse_changes,
    parse_kommuner,
    parse_organisations,
    read_package_data,
    read_reference_files,
)
from processing.textnorm import (
    ANCHORS,
    COUNTY_WORD,
    MAX_QUERY_CHARS,
    ascii_label,
    extract_domains,
    find_sequence,
    fold,
    longest_spans,
    strip_domains,
    token_key,
    tokens,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "PERSONAL_MAIL_DOMAINS",
    "STEERING_GROUP",
    "Change",
    "Organisation",
    "Registry",
    "RegistryDataError",
    "default_registry",
    "parse_changes",
    "parse_kommuner",
    "parse_organisations",
]

DEFAULT_THRESHOLD = 88.0
DOMAIN_SCORE = 95.0
_CANDIDATE_FLOOR = 70.0  # fuzzy candidates below this are not worth showing an analyst
_TIE_MARGIN = 2.0  # two municipalities this close above the threshold are a tie, not a match
_MAX_NGRAM = 4
_MAX_CONTEXT_LINES = 50
RESOLUTION_CACHE_SIZE = 8192  # respondents remembered per registry (the same one writes many times)

# Stavanger, Kristiansand, Vinje, Bodø, Bergen, Oslo, Bærum.
STEERING_GROUP: tuple[str, ...] = ("1103", "4204", "4036", "1804", "4601", "0301", "3201")

PERSONAL_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "hotmail.com", "hotmail.no", "outlook.com", "outlook.no",
        "live.com", "live.no", "msn.com", "yahoo.com", "yahoo.no", "icloud.com", "me.com",
        "online.no", "broadpark.no", "getmail.no", "frisurf.no", "c2i.net", "start.no", "lyse.net",
        "altibox.no", "proton.me", "protonmail.com",
    }
)  # fmt: skip

# County names used as context; the 2020-2023 counties map to the 2024 ones that replaced them.
_HISTORICAL_COUNTIES: Mapping[str, frozenset[str]] = {
    "Viken": frozenset({"31", "32", "33"}),
    "Hedmark": frozenset({"34"}),
    "Oppland": frozenset({"34"}),
    "Vestfold og Telemark": frozenset({"39", "40"}),
    "Troms og Finnmark": frozenset({"55", "56"}),
    "Hordaland": frozenset({"46"}),
    "Sogn og Fjordane": frozenset({"46"}),
    "Aust-Agder": frozenset({"42"}),
    "Vest-Agder": frozenset({"42"}),
    "Sør-Trøndelag": frozenset({"50"}),
    "Nord-Trøndelag": frozenset({"50"}),
}
_SHORT_NAME = 3  # names this short ("Ås", "Bø", "Hå") collide with words; see _name_hits
_NUMBER = re.compile(r"^\s*(?:(?:kommunenummer|kommunenr|knr)\.?\s*:?\s*)?(\d{3,4})(?!\d)")


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    numbers: tuple[str, ...]
    method: str
    anchored: bool


@dataclass(frozen=True, slots=True)
class _LineEvidence:
    """What a context line names: counties, municipalities followed by "kommune", an organisation."""

    counties: frozenset[str]
    anchored: tuple[str, ...]
    organisation: Organisation | None


_Counties = Callable[[], frozenset[str]]  # evaluated only when an ambiguous name needs narrowing


@dataclass(frozen=True, slots=True)
class _Evidence:
    source: str  # the host name that gave it
    numbers: tuple[str, ...] = ()
    organisation: Organisation | None = None


def _strip_qualifier(name: str) -> str:
    return re.sub(r"\s*\([^)]*\)\s*$", "", name).strip()


class Registry:
    """The 357 municipalities, the change table and the non-municipal respondents, indexed for lookup."""

    def __init__(
        self,
        municipalities: Iterable[Municipality],
        changes: Iterable[Change] = (),
        organisations: Iterable[Organisation] = (),
    ) -> None:
        by_number: dict[str, Municipality] = {}
        for m in municipalities:
            if m.kommunenummer in by_number:
                raise RegistryDataError(f"kommunenummer {m.kommunenummer} finnes to ganger i kommunelisten")
            by_number[m.kommunenummer] = m
        self.municipalities: Mapping[str, Municipality] = MappingProxyType(by_number)
        self.changes: tuple[Change, ...] = tuple(changes)
        self.organisations: tuple[Organisation, ...] = tuple(organisations)
        self._build_name_index()
        self._build_counties()
        self._build_organisations()
        self._build_domains()
        # Resolutions keyed by a digest of the context lines: with the lines themselves as the key
        # (up to 50 x 400 characters each) a cache of distinct mails could hold ~160 MB of keys.
        self._resolutions: OrderedDict[tuple[str, str, bytes, float], Resolution] = OrderedDict()
        self._resolutions_lock = threading.Lock()
        self._line_evidence = lru_cache(maxsize=16384)(self._analyse_line)

    @classmethod
    def from_paths(
        cls, kommuner_csv: str | Path, endringer_csv: str | Path, organisations_csv: str | Path
    ) -> Registry:
        """A registry from reference files on disk (tests, alternative data)."""
        data = read_reference_files(kommuner_csv, endringer_csv, organisations_csv)
        return cls(data.municipalities, data.changes, data.organisations)

    # -- figures -----------------------------------------------------------------------------

    def get(self, kommunenummer: str) -> Municipality:
        """The municipality with this 2024 number; ``KeyError`` naming the number otherwise."""
        try:
            return self.municipalities[kommunenummer]
        except KeyError:
            old = self._old_numbers.get(kommunenummer)
            hint = f"; it is a pre-2024 number, now {' / '.join(old)}" if old else ""
            raise KeyError(
                f"kommunenummer {kommunenummer!r} is not one of the {len(self.municipalities)} "
                f"municipalities of the 2024 structure{hint}"
            ) from None

    @property
    def national_population(self) -> int:
        return sum(m.population for m in self.municipalities.values())

    @property
    def outside_midt_population(self) -> int:
        """Population outside Helse Midt-Norge: not Trøndelag, not Møre og Romsdal, not Bindal."""
        return sum(m.population for m in self.municipalities.values() if m.outside_midt_norge)

    @property
    def steering_group(self) -> tuple[str, ...]:
        return STEERING_GROUP

    # -- indexes -----------------------------------------------------------------------------

    def _build_name_index(self) -> None:
        names: dict[str, list[tuple[str, str, str]]] = {}  # key -> (number, method, compact form)

        def add(index: dict[str, list[tuple[str, str, str]]], name: str, number: str, method: str) -> None:
            entries = index.setdefault(fold(name), [])
            if all(e[0] != number for e in entries):
                entries.append((number, method, "".join(tokens(name))))

        for m in self.municipalities.values():
            add(names, m.name, m.kommunenummer, "exact_name")
            for alt in m.alt_names:
                add(names, alt, m.kommunenummer, "alt_name")
        old_numbers: dict[str, list[str]] = {}
        for c in self.changes:
            if c.new_kommunenummer in self.municipalities:
                targets = old_numbers.setdefault(c.old_kommunenummer, [])
                if c.new_kommunenummer not in targets:
                    targets.append(c.new_kommunenummer)
        old_names: dict[str, list[tuple[str, str, str]]] = {}
        for c in self.changes:
            for part in _strip_qualifier(c.old_navn).split(" - "):
                if fold(part) and fold(part) not in names:
                    for number in old_numbers.get(c.old_kommunenummer, ()):
                        add(old_names, part, number, "old_name")
        # A current name always wins over an old one (old 1507 "Ålesund" is today's 1508 Ålesund).
        self._names = {k: tuple(v) for k, v in names.items()}
        self._old_names = {k: tuple(v) for k, v in old_names.items()}
        self._old_numbers = {k: tuple(v) for k, v in old_numbers.items() if k not in self.municipalities}
        self._fuzzy_keys = [k for k in (*self._names, *self._old_names) if len(k) >= 3]

    def _build_counties(self) -> None:
        counties: dict[str, set[str]] = {}
        for m in self.municipalities.values():
            counties.setdefault(fold(m.fylke), set()).add(m.fylkesnummer)
        for name, numbers in _HISTORICAL_COUNTIES.items():
            counties.setdefault(fold(name), set()).update(numbers)
        self._counties = {k: frozenset(v) for k, v in counties.items() if k}
        self._county_names = {m.fylkesnummer: m.fylke for m in self.municipalities.values()}

    def _build_organisations(self) -> None:
        index: dict[str, list[tuple[tuple[str, ...], Organisation]]] = {}
        for org in self.organisations:
            for alias in org.aliases:
                keys = tuple(token_key(t) for t in tokens(alias))
                if keys:
                    index.setdefault(keys[0], []).append((keys, org))
        self._org_index = index
        self._org_by_key = {o.key: o for o in self.organisations}

    def _build_domains(self) -> None:
        domains: dict[str, set[str]] = {}
        for m in self.municipalities.values():
            for d in m.domains:
                domains.setdefault(d.removeprefix("www."), set()).add(m.kommunenummer)
        name_count: dict[str, int] = {}
        for m in self.municipalities.values():
            name_count[fold(m.name)] = name_count.get(fold(m.name), 0) + 1
        for m in self.municipalities.values():
            if m.domains or name_count[fold(m.name)] > 1:
                continue
            labels = {ascii_label(m.name), ascii_label(m.name.replace("æ", "a").replace("Æ", "A"))}
            for label in labels:
                derived = f"{label}.kommune.no"
                if derived not in domains:
                    domains[derived] = {m.kommunenummer}
        self._domains = {d: tuple(sorted(n)) for d, n in domains.items()}
        self._org_domains = {d.lower(): o for o in self.organisations for d in o.domains}

    # -- resolving ---------------------------------------------------------------------------

    def resolve(
        self,
        text: str,
        email: str | None = None,
        context: Sequence[str] = (),
        threshold: float | None = None,
    ) -> Resolution:
        """Resolve what a respondent wrote to a municipality, a county authority or an organisation.

        ``threshold`` (0-100, default 88) is the lowest fuzzy score taken as a match. Results
        are memoised: the same respondent usually writes many times.
        """
        thr = DEFAULT_THRESHOLD if threshold is None else float(threshold)
        if not 0 < thr <= 100:
            raise ValueError(f"threshold must be in (0, 100], got {threshold!r}")
        query = text.strip()[:MAX_QUERY_CHARS]
        lines = tuple(line[:MAX_QUERY_CHARS] for line in list(context)[:_MAX_CONTEXT_LINES])
        email = (email or "")[:MAX_QUERY_CHARS]
        digest = hashlib.blake2b(digest_size=16)
        for line in lines:  # length-prefixed: no two different line lists hash alike by construction
            data = line.encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(4, "big") + data)
        key = (query, email, digest.digest(), thr)
        with self._resolutions_lock:
            found = self._resolutions.get(key)
            if found is not None:
                self._resolutions.move_to_end(key)
                return found
        result = self._resolve_uncached(query, email, lines, thr)
        with self._resolutions_lock:
            self._resolutions[key] = result
            if len(self._resolutions) > RESOLUTION_CACHE_SIZE:
                self._resolutions.popitem(last=False)
        return result

    def _resolve_uncached(self, query: str, email: str, lines: tuple[str, ...], thr: float) -> Resolution:
        # Counties named in context lines only matter to narrow an ambiguous name: computed on demand.
        result = self._resolve_text(query, thr, lambda: self._context_counties(lines))
        if result.status is MatchStatus.NON_MUNICIPAL or (
            result.status is MatchStatus.MATCHED and result.method != "fuzzy"
        ):
            return result
        evidence = self._domain_evidence([email, query])
        if evidence is not None and (better := self._with_domain(result, evidence, "domain")) is not None:
            return better
        if result.status is MatchStatus.MATCHED:
            return result
        from_context = self._from_context(result, lines)
        if from_context is not None:
            return from_context
        if not query and result.status is MatchStatus.NOT_FOUND:
            return replace(result, reason=_EMPTY_REASON)
        return result

    def _resolve_text(self, query: str, thr: float, context_counties: _Counties) -> Resolution:
        names_text = strip_domains(query)
        toks = tokens(names_text)
        keys = [token_key(t) for t in toks]
        if not toks:
            return Resolution(MatchStatus.NOT_FOUND, query, reason=_not_found_reason(query))
        hits = self._name_hits(toks, keys)
        covered = {i for h in hits for i in range(h.start, h.end)}
        county_spans = self._county_hits(toks, covered)
        text_counties = frozenset(n for _, _, numbers in county_spans for n in numbers)
        first_anchor = min((h.start for h in hits if h.anchored), default=len(toks))
        org = self._find_organisation(keys)
        if org is not None and org[0] < first_anchor:
            return self._organisation(query, org[1], "organisation", 100.0)
        if COUNTY_WORD in keys and first_anchor == len(toks) and len(text_counties) == 1:
            county = self._org_by_key.get(f"fylke-{next(iter(text_counties))}")
            if county is not None:
                return self._organisation(query, county, "organisation", 100.0)
        used = [h for h in hits if h.anchored] or hits
        counties: _Counties
        if text_counties:
            counties, via = (lambda: text_counties), ""
        else:
            counties, via = context_counties, "context"
        name_numbers = _dedupe(n for h in used for n in h.numbers)
        number_match = _NUMBER.match(names_text)
        digits = number_match.group(1) if number_match else ""
        numbers, method = self._number(digits) if digits else ((), "")
        if numbers:
            split = digits if method == "old_number" and len(numbers) > 1 else ""
            if name_numbers:
                agreed = tuple(n for n in numbers if n in name_numbers)
                if not agreed:
                    both = _dedupe((*numbers, *name_numbers))
                    reason = (
                        f"«{query}»: kommunenummer og navn peker på ulike kommuner ({self._labels(both)}). "
                        "Rett nummeret eller navnet."
                    )
                    return self._ambiguous(query, both, reason)
                numbers = agreed
            return self._decide(query, numbers, method, counties, via, split_from=split)
        if used:
            return self._decide(query, name_numbers, used[0].method, counties, via)
        spans = {i for start, end, _ in county_spans for i in range(start, end)}
        core = [i for i, k in enumerate(keys) if i not in spans and k not in ANCHORS and k != COUNTY_WORD]
        core = [i for i in core if not keys[i].isdigit()]
        if not core and text_counties:
            fylke = self._county_names.get(min(text_counties), "")
            reason = (
                f"«{query}» er et fylke, ikke en kommune. Skriv kommunenavnet, eller «{fylke} fylkeskommune» "
                "hvis innspillet kommer fra fylkeskommunen."
            )
            return Resolution(MatchStatus.NOT_FOUND, query, reason=reason)
        if not core and digits:
            reason = (
                f"Kommunenummer {digits} finnes verken i 2024-inndelingen eller i endringstabellen "
                "fra 2020. Sjekk nummeret, eller skriv kommunenavnet."
            )
            return Resolution(MatchStatus.NOT_FOUND, query, reason=reason)
        return self._fuzzy(query, [toks[i] for i in core], thr, counties, via)

    def _number(self, digits: str) -> tuple[tuple[str, ...], str]:
        digits = digits.zfill(4)
        if digits in self.municipalities:
            return (digits,), "number"
        return self._old_numbers.get(digits, ()), "old_number"

    def _name_hits(self, toks: Sequence[str], keys: Sequence[str]) -> list[_Hit]:
        """Longest-first, non-overlapping spans of up to four words that are a municipality name."""

        def lookup(start: int, end: int) -> _Hit | None:
            compact = "".join(toks[start:end])
            entries = self._names.get(fold(compact)) or self._old_names.get(fold(compact))
            if not entries:
                return None
            exact = compact == entries[0][2]
            anchored = end < len(keys) and keys[end] in ANCHORS
            # "as" (AS), "ha", "bo", "vik" are words too: short names need the exact letters or "kommune".
            if len(compact) <= _SHORT_NAME and not (exact or anchored):
                return None
            method = entries[0][1] if exact or entries[0][1] == "old_name" else "variant"
            return _Hit(start, end, tuple(e[0] for e in entries), method, anchored)

        blocked = [k in ANCHORS or k == COUNTY_WORD for k in keys]
        return [hit for _, _, hit in longest_spans(len(toks), lookup, _MAX_NGRAM, blocked)]

    def _county_hits(self, toks: Sequence[str], covered: set[int]) -> list[tuple[int, int, frozenset[str]]]:
        def lookup(start: int, end: int) -> frozenset[str] | None:
            return self._counties.get(fold("".join(toks[start:end])))

        return longest_spans(len(toks), lookup, 3, [i in covered for i in range(len(toks))])

    def _context_counties(self, lines: Sequence[str]) -> frozenset[str]:
        found: set[str] = set()
        for line in lines:
            found.update(self._line_evidence(line).counties)
        return frozenset(found)

    def _analyse_line(self, line: str) -> _LineEvidence:
        """What one context line names; memoised, as signatures and letterheads repeat across mails."""
        toks = tokens(strip_domains(line))
        keys = [token_key(t) for t in toks]
        hits = self._name_hits(toks, keys)
        covered = {i for h in hits for i in range(h.start, h.end)}
        counties = frozenset(n for _, _, numbers in self._county_hits(toks, covered) for n in numbers)
        org = self._find_organisation(keys)
        return _LineEvidence(
            counties=counties,
            anchored=tuple(n for h in hits if h.anchored for n in h.numbers),
            organisation=None if org is None else org[1],
        )

    def _find_organisation(self, keys: Sequence[str]) -> tuple[int, Organisation] | None:
        return find_sequence(keys, self._org_index)

    def _fuzzy(
        self, query: str, core: Sequence[str], thr: float, counties: _Counties, via: str
    ) -> Resolution:
        probes = _dedupe(
            fold("".join(core[i : i + size])) for size in (1, 2, 3) for i in range(len(core) - size + 1)
        )
        best: dict[str, float] = {}
        for probe in probes[:60]:
            if len(probe) < 4 or probe in self._counties:
                continue
            for choice, score, _ in process.extract(
                probe, self._fuzzy_keys, scorer=fuzz.ratio, limit=5, score_cutoff=_CANDIDATE_FLOOR
            ):
                for entry in self._names.get(choice) or self._old_names.get(choice, ()):
                    best[entry[0]] = max(best.get(entry[0], 0.0), float(score))
        if not best:
            return Resolution(MatchStatus.NOT_FOUND, query, reason=_not_found_reason(query))
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        top = ranked[0][1]
        if top < thr:
            shown = ", ".join(f"{self._label(n)} ({s:.0f})" for n, s in ranked[:3])
            reason = (
                f"«{query}» ligner på {shown}, men ingen når terskelen {thr:.0f}, så ingen kommune er valgt. "
                "Rett stavemåten, eller oppgi kommunenummer eller e-postadresse."
            )
            return Resolution(
                MatchStatus.BELOW_THRESHOLD, query, score=top, method="fuzzy",
                candidates=tuple(n for n, _ in ranked[:3]), reason=reason,
            )  # fmt: skip
        tied = tuple(n for n, s in ranked if top - s < _TIE_MARGIN)
        return self._decide(query, tied, "fuzzy", counties, via, score=top)

    def _decide(
        self,
        query: str,
        numbers: Sequence[str],
        method: str,
        counties: _Counties,
        via: str,
        score: float = 100.0,
        split_from: str = "",
    ) -> Resolution:
        if len(numbers) == 1:
            return self._matched(query, numbers[0], method, score)
        in_counties = counties()
        narrowed = [n for n in numbers if self.municipalities[n].fylkesnummer in in_counties]
        if len(narrowed) == 1:
            return self._matched(query, narrowed[0], via or method, score)
        if split_from:
            reason = (
                f"«{query}» er tvetydig: kommunenummer {split_from} ble delt 1.1.2024 i "
                f"{self._labels(numbers)}. Oppgi kommunenavnet."
            )
        else:
            reason = f"«{query}» er tvetydig: {self._labels(numbers)}. Oppgi fylke eller e-postdomene."
        return self._ambiguous(query, numbers, reason, method, score)

    def _domain_evidence(self, sources: Sequence[str]) -> _Evidence | None:
        for source in sources:
            for host in extract_domains(source):
                evidence = self._host_evidence(host)
                if evidence is not None:
                    return evidence
        return None

    def _host_evidence(self, host: str) -> _Evidence | None:
        labels = host.split(".")
        for i in range(len(labels) - 1):
            suffix = ".".join(labels[i:])
            if suffix in PERSONAL_MAIL_DOMAINS:
                return None
            if suffix in self._domains:
                return _Evidence(host, numbers=self._domains[suffix])
            if suffix in self._org_domains:
                return _Evidence(host, organisation=self._org_domains[suffix])
        if len(labels) >= 3 and ".".join(labels[-2:]) in {"kommune.no", "herad.no"}:
            entries = self._names.get(fold(labels[-3]), ())
            if len(entries) == 1:
                return _Evidence(host, numbers=(entries[0][0],))
        return None

    def _with_domain(self, result: Resolution, evidence: _Evidence, method: str) -> Resolution | None:
        unresolved = result.status in {MatchStatus.NOT_FOUND, MatchStatus.BELOW_THRESHOLD}
        if evidence.organisation is not None:
            return (
                self._organisation(result.query, evidence.organisation, method, DOMAIN_SCORE, evidence.source)
                if unresolved
                else None
            )
        numbers = evidence.numbers
        if result.status is MatchStatus.AMBIGUOUS:
            numbers = tuple(n for n in numbers if n in result.candidates)
        if len(numbers) != 1:
            return None
        score = DOMAIN_SCORE
        if result.kommunenummer == numbers[0]:
            score = max(score, result.score)
        return self._matched(result.query, numbers[0], method, score)

    def _from_context(self, result: Resolution, lines: Sequence[str]) -> Resolution | None:
        named: list[str] = []
        organisations: list[Organisation] = []
        for line in lines:
            seen = self._line_evidence(line)
            named.extend(seen.anchored)
            if seen.organisation is not None:
                organisations.append(seen.organisation)
        numbers = _dedupe(named)
        if result.status is MatchStatus.AMBIGUOUS:
            numbers = tuple(n for n in numbers if n in result.candidates)
        if len(numbers) == 1:
            return self._matched(result.query, numbers[0], "context", 100.0)
        evidence = self._domain_evidence(lines)
        if evidence is not None and (better := self._with_domain(result, evidence, "context")) is not None:
            return better
        if organisations and not named and result.status is not MatchStatus.AMBIGUOUS:
            return self._organisation(result.query, organisations[0], "context", 100.0)
        return None

    # -- results -----------------------------------------------------------------------------

    def _label(self, number: str) -> str:
        m = self.municipalities[number]
        return f"{number} {m.name} ({m.fylke})"

    def _labels(self, numbers: Sequence[str]) -> str:
        labels = [self._label(n) for n in numbers]
        return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} eller {labels[-1]}"

    def _matched(self, query: str, number: str, method: str, score: float) -> Resolution:
        m = self.municipalities[number]
        return Resolution(
            MatchStatus.MATCHED, query, RespondentKind.MUNICIPALITY, number, m.name, score, method
        )

    def _ambiguous(
        self, query: str, numbers: Sequence[str], reason: str, method: str = "", score: float = 0.0
    ) -> Resolution:
        return Resolution(
            MatchStatus.AMBIGUOUS, query, method=method, score=score, candidates=tuple(numbers), reason=reason
        )

    def _organisation(
        self, query: str, org: Organisation, method: str, score: float, host: str = ""
    ) -> Resolution:
        what = "en fylkeskommune" if org.kind is RespondentKind.COUNTY else "en organisasjon"
        who = f"«{query}»" if query else f"Avsenderen (domenet {host})"
        reason = f"{who} er {what} ({org.name}), ikke en kommune."
        return Resolution(
            MatchStatus.NON_MUNICIPAL, query, org.kind, None, org.name, score, method, reason=reason
        )


_EMPTY_REASON = (
    "Avsenderfeltet er tomt, og verken e-postadresse eller signatur peker på en kommune. "
    "Fyll inn kommunenavn eller kommunenummer."
)


def _not_found_reason(query: str) -> str:
    if not query:
        return _EMPTY_REASON
    return (
        f"«{query}» ble ikke gjenkjent som kommune, fylkeskommune eller organisasjon. Skriv kommunenavnet "
        "(for eksempel «Bergen kommune»), kommunenummeret eller en e-postadresse fra kommunen."
    )


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The registry of the shipped package data (loaded once per process)."""
    data = read_package_data()
    return Registry(data.municipalities, data.changes, data.organisations)
