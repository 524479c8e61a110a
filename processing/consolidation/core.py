"""``consolidate``: statement rows -> the consolidated sector position (pure, deterministic)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from models.records import Municipality, RespondentKind, StatementRow, StatementType
from processing.consolidation.changes import compute_changes
from processing.consolidation.config import ConsolidationConfig
from processing.consolidation.needs import group_needs, rank_key
from processing.consolidation.records import (
    SCHEMA_VERSION,
    STANCE_BUCKETS,
    AreaCoverage,
    Consolidation,
    Coverage,
    Declarations,
    Dissent,
    Figure,
    IntentDeclaration,
    MunicipalityCoverage,
    MunicipalPosition,
    NeedGroup,
    NonSigner,
    OtherRespondent,
    Quote,
    TargetResult,
    ThemeResult,
    Totals,
    Unresolved,
)
from processing.consolidation.voice import combine_stances, stated_stances
from processing.redact import redact, redact_locator

POPULATION_REFERENCE_DATE = "2024-01-01"
FOR_STANCES = ("support", "conditional")


def _share(part: float, whole: float) -> float:
    return round(part / whole, 6) if whole else 0.0


class _Ctx:
    """Municipality lookups and totals shared by the builders."""

    def __init__(self, municipalities: Mapping[str, Municipality]) -> None:
        self.munis = municipalities
        self.national = sum(m.population for m in municipalities.values())
        self.outside = sum(m.population for m in municipalities.values() if m.outside_midt_norge)

    def figure(self, knrs: Iterable[str]) -> Figure:
        ks = tuple(sorted(set(knrs)))
        pop = sum(self.munis[k].population for k in ks)
        out = sum(self.munis[k].population for k in ks if self.munis[k].outside_midt_norge)
        return Figure(len(ks), pop, _share(pop, self.national), out, _share(out, self.outside), ks)


def _is_municipal(row: StatementRow, munis: Mapping[str, Municipality]) -> bool:
    return (
        row.respondent_kind is RespondentKind.MUNICIPALITY
        and row.kommunenummer is not None
        and row.kommunenummer in munis
    )


def _is_other(row: StatementRow) -> bool:
    return row.respondent_kind in (RespondentKind.COUNTY, RespondentKind.ORGANISATION) and bool(
        row.respondent_name
    )


def _quote(row: StatementRow, stance: str, known_names: Sequence[str]) -> Quote:
    return Quote(
        statement_id=row.statement_id,
        text=redact(row.text, known_names),
        respondent=row.respondent_name or "",
        kommunenummer=row.kommunenummer,
        stance=stance,
        confidence=round(row.confidence, 4),
        source_file=redact(row.source_file, known_names),
        locator=redact_locator(row.locator, known_names),
    )


def _consensus(n: int, for_share: float, against_share: float, config: ConsolidationConfig) -> str:
    if n < config.min_municipalities:
        return "for lite grunnlag"
    if for_share >= config.broad_support:
        return "bred støtte"
    if against_share >= config.broad_opposition:
        return "bred motstand"
    if for_share > config.majority:
        return "flertall for"
    if against_share > config.majority:
        return "flertall imot"
    return "delt"


def _theme_result(
    *,
    theme: str,
    label: str,
    theme_rows: list[StatementRow],
    ctx: _Ctx,
    config: ConsolidationConfig,
    known_names: Sequence[str],
) -> ThemeResult:
    per_muni: dict[str, list[StatementRow]] = defaultdict(list)
    for r in theme_rows:
        if _is_municipal(r, ctx.munis):
            per_muni[str(r.kommunenummer)].append(r)
    positions = []
    for knr in sorted(per_muni):
        m = ctx.munis[knr]
        stated = stated_stances(per_muni[knr])
        positions.append(
            MunicipalPosition(
                kommunenummer=knr,
                name=m.name,
                population=m.population,
                outside_midt=m.outside_midt_norge,
                stance=combine_stances(stated),
                stated=stated,
                statement_ids=tuple(sorted(r.statement_id for r in per_muni[knr])),
            )
        )
    buckets = {b: ctx.figure(p.kommunenummer for p in positions if p.stance == b) for b in STANCE_BUCKETS}
    with_position = ctx.figure(p.kommunenummer for p in positions if p.stance != "none")
    n = with_position.count
    n_for = sum(buckets[b].count for b in FOR_STANCES)
    n_against = buckets["oppose"].count
    for_share, against_share = _share(n_for, n), _share(n_against, n)
    majority = "for" if n_for > n_against else "imot" if n_against > n_for else None
    dissent_stances = {"for": ("oppose",), "imot": FOR_STANCES, None: ()}[majority]

    dissent = []
    for p in sorted(positions, key=lambda p: (-p.population, p.kommunenummer)):
        if p.stance not in dissent_stances:
            continue
        candidates = [
            r for r in per_muni[p.kommunenummer] if r.type is StatementType.POSITION and r.stance is not None
        ]
        wanted = [r for r in candidates if r.stance is not None and r.stance.value == p.stance] or candidates
        best = min(wanted, key=lambda r: (-r.confidence, r.statement_id)) if wanted else None
        quote = _quote(best, p.stance, known_names) if best else None
        dissent.append(Dissent(p.kommunenummer, p.name, p.population, p.stance, quote))

    quotes: dict[str, tuple[Quote, ...]] = {}
    for stance in ("support", "oppose", "conditional", "neutral"):
        pool = [
            r
            for r in theme_rows
            if r.type is StatementType.POSITION
            and r.stance is not None
            and r.stance.value == stance
            and (_is_municipal(r, ctx.munis) or _is_other(r))
        ]

        def weight(r: StatementRow) -> tuple[float, int, int]:
            pop = ctx.munis[str(r.kommunenummer)].population if _is_municipal(r, ctx.munis) else 0
            return (-r.confidence, -pop, r.statement_id)

        chosen: list[Quote] = []
        seen: set[str] = set()
        for r in sorted(pool, key=weight):
            who = (
                r.kommunenummer if _is_municipal(r, ctx.munis) else f"{r.respondent_kind}:{r.respondent_name}"
            )
            if who in seen:
                continue
            seen.add(str(who))
            chosen.append(_quote(r, stance, known_names))
            if len(chosen) >= config.quotes_per_stance:
                break
        quotes[stance] = tuple(chosen)

    return ThemeResult(
        theme=theme,
        label=label,
        raised=ctx.figure(per_muni),
        with_position=with_position,
        stances=buckets,
        for_share=for_share,
        against_share=against_share,
        consensus=_consensus(n, for_share, against_share, config),
        majority=majority,
        municipalities=tuple(positions),
        dissent=tuple(dissent),
        quotes=quotes,
    )


def _needs(
    rows: list[StatementRow], ctx: _Ctx, config: ConsolidationConfig, known_names: Sequence[str]
) -> tuple[NeedGroup, ...]:
    need_rows = [
        r for r in rows if r.type is StatementType.NEED and (_is_municipal(r, ctx.munis) or _is_other(r))
    ]
    built = []
    for members in group_needs(need_rows, config.need_similarity):
        knrs = sorted({str(r.kommunenummer) for r in members if _is_municipal(r, ctx.munis)})
        fig = ctx.figure(knrs)
        others = tuple(sorted({str(r.respondent_name) for r in members if _is_other(r)}))
        first = members[0]
        built.append(
            (
                rank_key(knrs, fig.population, first.theme, first.statement_id),
                first,
                fig,
                others,
                tuple(r.statement_id for r in members),
            )
        )
    built.sort(key=lambda b: b[0])
    return tuple(
        NeedGroup(i, first.theme, redact(first.text, known_names), fig, others, ids, len(ids))
        for i, (_, first, fig, others, ids) in enumerate(built, start=1)
    )


def _area(key: str, name: str, members: list[Municipality], responded: set[str]) -> AreaCoverage:
    pop_total = sum(m.population for m in members)
    hit = [m for m in members if m.kommunenummer in responded]
    pop_hit = sum(m.population for m in hit)
    return AreaCoverage(
        key=key,
        name=name,
        responded=len(hit),
        total=len(members),
        population_responded=pop_hit,
        population_total=pop_total,
        share_population=_share(pop_hit, pop_total),
        kommunenummer_responded=tuple(sorted(m.kommunenummer for m in hit)),
    )


def _coverage(rows: list[StatementRow], ctx: _Ctx, steering_group: Iterable[str]) -> Coverage:
    channels: dict[str, set[str]] = defaultdict(set)
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        if _is_municipal(r, ctx.munis):
            channels[str(r.kommunenummer)].add(r.channel.value)
            counts[str(r.kommunenummer)] += 1
    steering = set(steering_group)
    munis = [
        MunicipalityCoverage(
            kommunenummer=m.kommunenummer,
            name=m.name,
            fylke=m.fylke,
            health_region=m.health_region,
            population=m.population,
            responded=m.kommunenummer in channels,
            channels=tuple(sorted(channels.get(m.kommunenummer, ()))),
            steering_group=m.kommunenummer in steering,
            statements=counts.get(m.kommunenummer, 0),
        )
        for m in sorted(ctx.munis.values(), key=lambda m: m.kommunenummer)
    ]
    responded = set(channels)
    by_county: dict[tuple[str, str], list[Municipality]] = defaultdict(list)
    by_region: dict[str, list[Municipality]] = defaultdict(list)
    for m in ctx.munis.values():
        by_county[(m.fylkesnummer, m.fylke)].append(m)
        by_region[m.health_region].append(m)
    all_channels = sorted({c for cs in channels.values() for c in cs})
    return Coverage(
        responded=ctx.figure(responded),
        not_responded=ctx.figure(k for k in ctx.munis if k not in responded),
        by_channel={c: ctx.figure(k for k, cs in channels.items() if c in cs) for c in all_channels},
        by_county=tuple(_area(k, n, by_county[(k, n)], responded) for k, n in sorted(by_county)),
        by_health_region=tuple(_area(r, r, by_region[r], responded) for r in sorted(by_region)),
        municipalities=tuple(munis),
        steering_group=tuple(m for m in munis if m.steering_group),
    )


def _others(rows: list[StatementRow]) -> tuple[OtherRespondent, ...]:
    grouped: dict[tuple[str, str], list[StatementRow]] = defaultdict(list)
    for r in rows:
        if _is_other(r):
            grouped[(r.respondent_kind.value, str(r.respondent_name))].append(r)
    result = []
    for (kind, name), rs in sorted(grouped.items()):
        themes: dict[str, list[StatementRow]] = defaultdict(list)
        for r in rs:
            themes[r.theme].append(r)
        result.append(
            OtherRespondent(
                kind=kind,
                name=name,
                statement_ids=tuple(sorted(r.statement_id for r in rs)),
                themes={t: combine_stances(stated_stances(trs)) for t, trs in themes.items()},
            )
        )
    return tuple(result)


def _unresolved(rows: list[StatementRow], munis: Mapping[str, Municipality]) -> Unresolved:
    hits = [r for r in rows if not _is_municipal(r, munis) and not _is_other(r)]
    by_channel: dict[str, int] = defaultdict(int)
    for r in hits:
        by_channel[r.channel.value] += 1
    return Unresolved(
        respondents=len({r.submission_id for r in hits}),
        statements=len(hits),
        statement_ids=tuple(sorted(r.statement_id for r in hits)),
        by_channel=dict(by_channel),
    )


def _declarations(
    declarations: Iterable[IntentDeclaration] | None, ctx: _Ctx, config: ConsolidationConfig
) -> Declarations:
    # Several entries for one municipality: the latest date wins, and "signed" wins a tie.
    latest: dict[str, IntentDeclaration] = {}
    items = list(declarations or ())
    for d in sorted(items, key=lambda d: (d.signed_on or date.min, d.signed, str(d.source))):
        if d.kommunenummer in ctx.munis:
            latest[d.kommunenummer] = d
    signed = [k for k, d in latest.items() if d.signed]
    outside = [k for k, m in ctx.munis.items() if m.outside_midt_norge]
    signed_out = [k for k in signed if ctx.munis[k].outside_midt_norge]
    muni_share = _share(len(signed_out), len(outside))
    pop_share = _share(sum(ctx.munis[k].population for k in signed_out), ctx.outside)
    actual = {"population_share_outside_midt": pop_share, "municipality_share_outside_midt": muni_share}
    targets = tuple(
        TargetResult(t.label, t.metric, t.value, actual[t.metric], actual[t.metric] >= t.value)
        for t in config.targets
    )
    non_signers = sorted(
        (ctx.munis[k] for k in outside if k not in signed), key=lambda m: (-m.population, m.kommunenummer)
    )
    return Declarations(
        provided=declarations is not None,
        signed=ctx.figure(signed),
        signed_outside_midt=ctx.figure(signed_out),
        municipality_share_outside_midt=muni_share,
        population_share_outside_midt=pop_share,
        targets=targets,
        non_signers_outside_midt=tuple(NonSigner(m.kommunenummer, m.name, m.population) for m in non_signers),
    )


def _taxonomy_labels() -> dict[str, str]:
    """Bokmål theme labels of the shipped taxonomy (keys stay as labels if it cannot be read)."""
    try:
        from processing.taxonomy import load_taxonomy

        taxonomy = load_taxonomy()
        return {key: taxonomy.label(key) for key in taxonomy.keys}
    except Exception:  # a broken taxonomy must not stop consolidation; labels fall back to keys
        return {}


def consolidate(
    rows: Iterable[StatementRow],
    municipalities: Mapping[str, Municipality],
    steering_group: Iterable[str],
    config: ConsolidationConfig | None = None,
    *,
    declarations: Iterable[IntentDeclaration] | None = None,
    previous: Mapping[str, Any] | None = None,
    taxonomy_keys: Sequence[str] = (),
    theme_labels: Mapping[str, str] | None = None,
    known_names: Iterable[str] = (),
    generated_from: Mapping[str, Any] | None = None,
) -> Consolidation:
    """Combine statements into the sector position; see docs/consolidated-schema.md for every field.

    ``taxonomy_keys`` lists themes to report even when nobody raised them (in that
    order; themes found only in ``rows`` follow, sorted). ``known_names`` (contact
    names, sender addresses) are redacted from every quoted text.
    ``generated_from`` is copied verbatim (the caller's run id, input hashes, time).
    """
    config = config or ConsolidationConfig()
    all_rows = sorted(rows, key=lambda r: r.statement_id)
    names = tuple(sorted({n for n in known_names if n}))
    ctx = _Ctx(municipalities)
    labels = dict(theme_labels) if theme_labels is not None else _taxonomy_labels()
    seen = {r.theme for r in all_rows}
    order = list(dict.fromkeys(taxonomy_keys)) + sorted(seen - set(taxonomy_keys))
    by_theme: dict[str, list[StatementRow]] = defaultdict(list)
    for r in all_rows:
        by_theme[r.theme].append(r)
    themes = tuple(
        _theme_result(
            theme=t,
            label=labels.get(t, t),
            theme_rows=by_theme.get(t, []),
            ctx=ctx,
            config=config,
            known_names=names,
        )
        for t in order
    )
    outside = [m for m in municipalities.values() if m.outside_midt_norge]
    result = Consolidation(
        schema_version=SCHEMA_VERSION,
        generated_from=dict(generated_from or {}),
        totals=Totals(
            municipalities=len(municipalities),
            national_population=ctx.national,
            municipalities_outside_midt=len(outside),
            outside_midt_population=ctx.outside,
            statements=len(all_rows),
            population_reference_date=POPULATION_REFERENCE_DATE,
        ),
        config=config.to_dict(),
        themes=themes,
        needs=_needs(all_rows, ctx, config, names),
        coverage=_coverage(all_rows, ctx, steering_group),
        other_respondents=_others(all_rows),
        unresolved=_unresolved(all_rows, municipalities),
        declarations=_declarations(declarations, ctx, config),
        changes=compute_changes(None, {}),
    )
    if previous is not None:
        result = replace(result, changes=compute_changes(previous, result.to_dict()))
    return result
