"""Reads for the unit pages (issue 10): a unit's history on every index, this year's domains, the year's
distribution, domain ranks over the years, its targets, and the what-if engine over an edition's stored data.

Every read runs a fixed number of queries whatever the number of years, units and indices: rows are read in
bulk and put together in Python (the pages' budgets are locked by ``django_assert_max_num_queries``).

What is shown of a year (rules written once here):
- which editions: published official or demo editions for the public; drafts (of the same kind) and
  self-assessments as well for leaders (``visible_editions``). Official and demo are never one series: every
  row carries its edition's kind and status and the charts draw one line per (kind, status);
- the rank shown: ``scoring.public.shown_rank`` (the published rank in a partial year);
- the national and regional averages: computed in a complete year; in a partial year the published average
  where there is one (a mean of the few units we hold is not the nation's), else none;
- the best and worst index: only in a complete year (in a partial one we do not know them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.utils.translation import get_language

from parindex.register.models import (
    Edition,
    EditionKind,
    EditionStatus,
    Index,
    PublishedAverage,
    PublishedFigure,
    Score,
    Succession,
    Target,
    Unit,
    UnitLevel,
)
from parindex.register.rules import round_half_up
from scoring import calculation as calc
from scoring.models import DomainResult, RegionResult, YearResult
from scoring.public import band_for, shown_rank
from scoring.services import edition_input

ZERO = Decimal(0)
HUNDRED = Decimal(100)


# --------------------------------------------------------------------------------------------- editions


def visible_editions(*, drafts: bool) -> QuerySet[Edition]:
    """The editions a reader may see: published official and demo editions (the public), plus drafts and
    self-assessments for those who may view drafts (leaders, editors, approvers, admins)."""
    editions = Edition.objects.filter(index__unit_level=UnitLevel.PROVINCE)
    if drafts:
        return editions
    return editions.filter(status=EditionStatus.PUBLISHED, kind__in=[EditionKind.OFFICIAL, EditionKind.DEMO])


@dataclass(frozen=True)
class EditionInfo:
    """An edition as the charts see it. Averages and the best/worst index in percent, 0–100 (None: unknown)."""

    id: int
    edition: Edition
    index_code: str
    year: int
    kind: str
    status: str
    methodology: str  # the criteria set's code, "" when our sources do not say
    methodology_id: int | None
    complete: bool
    unit_count: int  # units with a result
    expected_units: int  # units measured that year (63 until 2024, 34 from 2025)
    national_average: Decimal | None
    national_source: str  # "computed" | "published" | ""
    best: Decimal | None
    worst: Decimal | None
    region_averages: Mapping[int, Decimal] = field(default_factory=dict)  # region id → average
    region_sources: Mapping[int, str] = field(default_factory=dict)

    @property
    def series(self) -> str:
        """The line an edition belongs to: "official", "demo", "self", or "<kind>-draft"."""
        return self.kind if self.status == EditionStatus.PUBLISHED else f"{self.kind}-draft"


@dataclass(frozen=True)
class ResultRow:
    """A unit's result in an edition. Index in percent (None: only the rank was published)."""

    edition_id: int
    index_code: str
    year: int
    series: str
    unit_id: int
    unit_name: str
    index: Decimal | None
    rank: int  # the rank shown
    rank_source: str
    group: str
    rank_change: int | None
    index_change: Decimal | None
    change_basis: str
    region_rank: int | None


@dataclass(frozen=True)
class Lineage:
    """A unit with the units it continues (merged into it on a date) and the units it passed into."""

    unit: Unit
    predecessors: tuple[Unit, ...]
    successors: tuple[Unit, ...]

    @property
    def continues_one(self) -> bool:
        """The unit continues exactly one old unit (11 of the 34 were unchanged): one line for both."""
        return len(self.predecessors) == 1

    @property
    def ids(self) -> list[int]:
        return [self.unit.pk, *(p.pk for p in self.predecessors)]


def unit_by_slug(slug: str) -> Unit | None:
    """A provincial unit by its slug, with its region; one query."""
    return Unit.objects.select_related("region").filter(slug=slug, level=UnitLevel.PROVINCE).first()


def units_by_slugs(slugs: Sequence[str]) -> dict[str, Unit]:
    """Provincial units by slug, with their regions; one query. Unknown slugs are left out."""
    return {
        unit.slug: unit
        for unit in Unit.objects.select_related("region").filter(slug__in=slugs, level=UnitLevel.PROVINCE)
    }


def lineage_of(unit: Unit) -> Lineage:
    """The unit's predecessors and successors, with their regions; one query."""
    return lineages_of([unit])[unit.pk]


def lineages_of(units: Sequence[Unit]) -> dict[int, Lineage]:
    """The predecessors and successors of each unit, with their regions; one query whatever the number."""
    ids = [u.pk for u in units]
    predecessors: dict[int, list[Unit]] = defaultdict(list)
    successors: dict[int, list[Unit]] = defaultdict(list)
    for succession in Succession.objects.filter(
        Q(successor_id__in=ids) | Q(predecessor_id__in=ids)
    ).select_related("predecessor__region", "successor__region"):
        if succession.successor_id in ids:
            predecessors[succession.successor_id].append(succession.predecessor)
        if succession.predecessor_id in ids:
            successors[succession.predecessor_id].append(succession.successor)

    def ordered(found: list[Unit]) -> tuple[Unit, ...]:
        return tuple(sorted(found, key=lambda u: (u.code, u.name)))

    return {u.pk: Lineage(u, ordered(predecessors[u.pk]), ordered(successors[u.pk])) for u in units}


def merged_units(year: int) -> dict[int, int]:
    """For the units created on a reorganisation in `year`: unit id → number of predecessors; one query."""
    return dict(
        Succession.objects.filter(date__year=year)
        .values("successor_id")
        .annotate(count=Count("id"))
        .values_list("successor_id", "count")
    )


def provincial_units() -> list[Unit]:
    """Every provincial unit, old and new (for the compare form), the 34 first; one query."""
    return list(
        Unit.objects.filter(level=UnitLevel.PROVINCE).order_by(F("valid_from").desc(nulls_last=True), "name")
    )


@dataclass(frozen=True)
class History:
    """Every visible result of some units on every provincial index, with the editions' context."""

    editions: list[EditionInfo]  # by index, year, kind
    rows: list[ResultRow]  # by year
    targets: list[Target]

    def editions_of(self, index_code: str) -> list[EditionInfo]:
        return [e for e in self.editions if e.index_code == index_code]

    def rows_of(self, index_code: str, unit_ids: Iterable[int] | None = None) -> list[ResultRow]:
        wanted = set(unit_ids) if unit_ids is not None else None
        return [
            r for r in self.rows if r.index_code == index_code and (wanted is None or r.unit_id in wanted)
        ]

    def edition(self, edition_id: int) -> EditionInfo | None:
        return next((e for e in self.editions if e.id == edition_id), None)


def history(unit_ids: Sequence[int], region_ids: Iterable[int | None], *, drafts: bool) -> History:
    """The results of `unit_ids` in every visible edition of every provincial index, the editions' averages
    (national, and for `region_ids`), best and worst, and the units' targets. Six queries whatever the number
    of years, units and indices."""
    regions = {r for r in region_ids if r is not None}
    editions = list(
        visible_editions(drafts=drafts)
        .select_related("methodology", "summary")
        .order_by("index__order", "index__code", "year", "kind")
    )
    edition_ids = [e.pk for e in editions]
    region_computed: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for edition_id, region_id, average in RegionResult.objects.filter(
        edition_id__in=edition_ids, region_id__in=regions
    ).values_list("edition_id", "region_id", "average"):
        region_computed[edition_id][region_id] = average
    published: dict[tuple[int, int], dict[int | None, Decimal]] = defaultdict(dict)
    for index_id, year, region_id, average in PublishedAverage.objects.filter(
        Q(region__isnull=True) | Q(region_id__in=regions)
    ).values_list("index_id", "year", "region_id", "average"):
        published[(index_id, year)][region_id] = average
    extremes = {
        edition_id: (best, worst)
        for edition_id, best, worst in YearResult.objects.filter(
            edition_id__in=edition_ids, index__isnull=False
        )
        .values("edition_id")
        .annotate(best=Max("index"), worst=Min("index"))
        .values_list("edition_id", "best", "worst")
    }
    infos: list[EditionInfo] = []
    complete_of: dict[int, bool] = {}
    for edition in editions:
        summary = getattr(edition, "summary", None)
        complete = bool(summary and summary.complete)
        complete_of[edition.pk] = complete
        # Published figures are the official ones: never shown beside a demo or self-assessment edition.
        official_published = (
            published.get((edition.index_id, edition.year), {})
            if edition.kind == EditionKind.OFFICIAL
            else {}
        )
        if complete and summary is not None:
            national, national_source = summary.national_average, "computed"
            region_averages = dict(region_computed.get(edition.pk, {}))
            region_sources = dict.fromkeys(region_averages, "computed")
        else:
            national = official_published.get(None)
            national_source = "published" if national is not None else ""
            region_averages = {k: v for k, v in official_published.items() if k is not None}
            region_sources = dict.fromkeys(region_averages, "published")
        best, worst = extremes.get(edition.pk, (None, None)) if complete else (None, None)
        infos.append(
            EditionInfo(
                id=edition.pk,
                edition=edition,
                index_code=edition.index.code,
                year=edition.year,
                kind=edition.kind,
                status=edition.status,
                methodology=edition.methodology.code if edition.methodology else "",
                methodology_id=edition.methodology_id,
                complete=complete,
                unit_count=summary.unit_count if summary else 0,
                expected_units=summary.expected_units if summary else 0,
                national_average=national,
                national_source=national_source,
                best=best,
                worst=worst,
                region_averages=region_averages,
                region_sources=region_sources,
            )
        )
    info_of = {info.id: info for info in infos}
    rows: list[ResultRow] = []
    for result in (
        YearResult.objects.filter(edition_id__in=edition_ids, unit_id__in=unit_ids)
        .select_related("unit")
        .order_by("edition__year", "edition_id", "unit_id")
    ):
        info = info_of[result.edition_id]
        rank, rank_source = shown_rank(result, complete_of[result.edition_id])
        rows.append(
            ResultRow(
                edition_id=info.id,
                index_code=info.index_code,
                year=info.year,
                series=info.series,
                unit_id=result.unit_id,
                unit_name=result.unit.name,
                index=result.index,
                rank=rank,
                rank_source=rank_source,
                group=result.group,
                rank_change=result.rank_change,
                index_change=result.index_change,
                change_basis=result.change_basis,
                region_rank=result.region_rank,
            )
        )
    targets = list(
        Target.objects.filter(unit_id__in=unit_ids)
        .select_related("index", "unit")
        .order_by("index__order", "year", "pk")
    )
    return History(editions=infos, rows=rows, targets=targets)


def indices_measuring_provinces() -> list[Index]:
    """The national indices of provinces (PAR INDEX, SIPAS, PAPI, PCI, DTI), in their order; one query."""
    return list(Index.objects.filter(unit_level=UnitLevel.PROVINCE).order_by("order", "code"))


# --------------------------------------------------------------------------------------------- one year


@dataclass(frozen=True)
class DistributionRow:
    """A unit's index and shown rank in one edition (None: only the rank was published)."""

    unit_id: int
    name: str
    slug: str
    code: str
    region_id: int | None
    index: Decimal | None
    rank: int
    group: str
    rank_change: int | None = None
    index_change: Decimal | None = None


def distribution(edition_id: int, complete: bool) -> list[DistributionRow]:
    """Every unit's result in an edition, best first; one query."""
    rows = [
        DistributionRow(
            unit_id=result.unit_id,
            name=result.unit.name,
            slug=result.unit.slug,
            code=result.unit.code,
            region_id=result.unit.region_id,
            index=result.index,
            rank=shown_rank(result, complete)[0],
            group=result.group,
            rank_change=result.rank_change,
            index_change=result.index_change,
        )
        for result in YearResult.objects.filter(edition_id=edition_id).select_related("unit")
    ]
    rows.sort(key=lambda r: (r.rank, r.name))
    return rows


@dataclass(frozen=True)
class DomainRow:
    """One domain of a unit in one edition. Percents 0–100 of the applicable domain maximum; points as in the
    criteria set. ``national_average``: mean of every unit's percent, rounded half up; ``best``: the highest
    percent and the unit holding it (the first by name on a tie)."""

    number: int
    name: str
    points: Decimal
    max_points: Decimal
    percent: Decimal
    rank: int
    band: str
    national_average: Decimal
    best: Decimal
    best_unit: str
    unit_count: int

    @property
    def left(self) -> Decimal:
        """Points left on the table: the applicable maximum minus the points."""
        return self.max_points - self.points

    @property
    def gap(self) -> Decimal:
        """Percent of the unit minus the national average (negative: below the nation)."""
        return self.percent - self.national_average


def domains_of_year(edition_id: int, methodology_id: int | None, unit_id: int) -> list[DomainRow]:
    """The unit's domains in an edition against the nation and the best unit; one query."""
    return domains_of_units(edition_id, methodology_id, [unit_id]).get(unit_id, [])


def domains_of_units(
    edition_id: int, methodology_id: int | None, unit_ids: Sequence[int]
) -> dict[int, list[DomainRow]]:
    """The domains of several units in an edition, each against the nation and the best unit; one query
    whatever the number of units (none without a criteria set)."""
    if methodology_id is None:
        return {}
    names: dict[int, str] = {}
    by_domain: dict[int, list[tuple[str, int, Decimal, Decimal, Decimal, int]]] = defaultdict(list)
    for (
        number,
        name_vi,
        name_en,
        owner,
        name,
        points,
        max_points,
        percent,
        rank,
    ) in DomainResult.objects.filter(year_result__edition_id=edition_id).values_list(
        "domain__number",
        "domain__name_vi",
        "domain__name_en",
        "year_result__unit_id",
        "year_result__unit__name",
        "points",
        "max_points",
        "percent",
        "rank",
    ):
        names[number] = name_en if name_en and _english() else name_vi
        by_domain[number].append((name, owner, points, max_points, percent, rank))
    out: dict[int, list[DomainRow]] = {}
    for number in sorted(by_domain):
        cells = by_domain[number]
        best = max(cells, key=lambda c: (c[4], _negated_name(c[0])))
        average = round_half_up(sum((c[4] for c in cells), ZERO) / Decimal(len(cells)))
        for mine in cells:
            if mine[1] not in unit_ids:
                continue
            out.setdefault(mine[1], []).append(
                DomainRow(
                    number=number,
                    name=names.get(number, str(number)),
                    points=mine[2],
                    max_points=mine[3],
                    percent=mine[4],
                    rank=mine[5],
                    band=band_for(mine[5], len(cells)).value,
                    national_average=average,
                    best=best[4],
                    best_unit=best[0],
                    unit_count=len(cells),
                )
            )
    return out


def _negated_name(name: str) -> tuple[int, ...]:
    """Sort key that puts names in reverse order, so that max() picks the first name on a tie."""
    return tuple(-ord(ch) for ch in name)


def _english() -> bool:
    return get_language() == "en"


@dataclass(frozen=True)
class CriterionLeft:
    """Points left on the table on one criterion below a domain (only where criteria scores are known)."""

    code: str
    name: str
    domain: int
    points: Decimal
    max_points: Decimal

    @property
    def left(self) -> Decimal:
        return self.max_points - self.points


def criteria_left(edition_id: int, methodology_id: int | None, unit_id: int) -> list[CriterionLeft]:
    """The unit's points and maxima on the criteria below the domains, where they were entered; one query
    (none without a criteria set)."""
    if methodology_id is None:
        return []
    out: list[CriterionLeft] = []
    for code, name_vi, name_en, points, maximum in (
        Score.objects.filter(
            assessment__edition_id=edition_id,
            assessment__unit_id=unit_id,
            criterion__level__gt=1,
            not_applicable=False,
            points__isnull=False,
            criterion__max_points__isnull=False,
        )
        .order_by("criterion__code")
        .values_list(
            "criterion__code",
            "criterion__name_vi",
            "criterion__name_en",
            "points",
            "criterion__max_points",
        )
    ):
        if points is None or maximum is None:  # excluded by the query; says so to the type checker
            continue
        out.append(
            CriterionLeft(
                code=code,
                name=name_en if name_en and _english() else name_vi,
                domain=int(code.split(".")[0]),
                points=points,
                max_points=maximum,
            )
        )
    return out


@dataclass(frozen=True)
class DomainRankRow:
    """A unit's rank in one domain of one edition (for the heatmap of domain ranks over the years)."""

    edition_id: int
    year: int
    unit_id: int
    number: int
    name: str
    rank: int
    unit_count: int


def domain_ranks(edition_ids: Sequence[int], unit_ids: Sequence[int]) -> list[DomainRankRow]:
    """The units' domain ranks in the given editions, with the number of units ranked per edition and domain;
    two queries."""
    counts: dict[tuple[int, int], int] = {}
    for edition_id, number, count in (
        DomainResult.objects.filter(year_result__edition_id__in=edition_ids)
        .values("year_result__edition_id", "domain__number")
        .annotate(count=Count("id"))
        .values_list("year_result__edition_id", "domain__number", "count")
    ):
        counts[(edition_id, number)] = count or 0
    rows = [
        DomainRankRow(
            edition_id=edition_id,
            year=year,
            unit_id=unit_id,
            number=number,
            name=name_en if name_en and _english() else name_vi,
            rank=rank,
            unit_count=counts.get((edition_id, number), 0),
        )
        for edition_id, year, unit_id, number, name_vi, name_en, rank in DomainResult.objects.filter(
            year_result__edition_id__in=edition_ids, year_result__unit_id__in=unit_ids
        )
        .order_by("year_result__edition__year", "domain__number")
        .values_list(
            "year_result__edition_id",
            "year_result__edition__year",
            "year_result__unit_id",
            "domain__number",
            "domain__name_vi",
            "domain__name_en",
            "rank",
        )
    ]
    return rows


# --------------------------------------------------------------------------------------------- what-if


class WhatIfUnavailable(Exception):
    """The edition's stored data cannot be simulated (not every unit has domain points, or the unit is absent)."""


@dataclass(frozen=True)
class WhatIfResult:
    """The unit's result if its domain points were as given: index percent, rank among the edition's units,
    group; and its current result for comparison."""

    index: Decimal
    rank: int
    group: str
    before_index: Decimal
    before_rank: int
    before_group: str
    unit_count: int


def simulation_input(edition: Edition) -> calc.EditionInput:
    """The engine's input for an edition, read from the database (a fixed number of queries)."""
    return edition_input(edition)


def what_if(edition_data: calc.EditionInput, unit_id: int, changed: Mapping[int, Decimal]) -> WhatIfResult:
    """The engine's what-if for unit `unit_id`: nothing is saved. Raises WhatIfUnavailable when the unit is not
    in the edition or has no domain points, calc.CalculationError when the points are refused (above a
    domain maximum, negative)."""
    key = str(unit_id)
    unit = next((u for u in edition_data.units if u.key == key), None)
    if unit is None or not unit.domains:
        raise WhatIfUnavailable(key)
    before = calc.compute_edition(edition_data).unit(key)
    after = calc.what_if(edition_data, key, changed)
    return WhatIfResult(
        index=after.index,
        rank=after.rank,
        group=after.group.value,
        before_index=before.index,
        before_rank=before.rank,
        before_group=before.group.value,
        unit_count=len(edition_data.units),
    )


def rank_if_full(
    edition_data: calc.EditionInput, unit_id: int, full: Mapping[str, tuple[int, Decimal]]
) -> dict[str, int]:
    """For each entry `name → (domain number, points gained)`, the unit's rank if it gained those points in that
    domain (a domain or one criterion at its maximum), everything else unchanged. Empty when the unit cannot be
    simulated. Each entry reruns the pure engine (milliseconds for 63 units)."""
    key = str(unit_id)
    unit = next((u for u in edition_data.units if u.key == key), None)
    if unit is None or not unit.domains:
        return {}
    points = {d.number: d.points for d in unit.domains}
    out: dict[str, int] = {}
    for name, (number, gained) in full.items():
        if number not in points:
            continue
        try:
            out[name] = calc.what_if(edition_data, key, {number: points[number] + gained}).rank
        except calc.CalculationError:
            continue
    return out


# --------------------------------------------------------------------------------------------- targets


def indices_of_editions(edition_ids: Iterable[int]) -> dict[int, list[tuple[int, Decimal]]]:
    """Every unit's index in each edition (units known only by their rank left out); one query."""
    out: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for edition_id, unit_id, index in YearResult.objects.filter(
        edition_id__in=list(edition_ids), index__isnull=False
    ).values_list("edition_id", "unit_id", "index"):
        if index is not None:  # excluded by the query; says so to the type checker
            out[edition_id].append((unit_id, index))
    return out


@dataclass(frozen=True)
class GoalStatus:
    """One goal of a target against a result: met or not, the index needed this year and the gap (percentage
    points still to gain, 0 when met; None when it cannot be computed, as for a rank in a partial year)."""

    kind: str  # "rank" | "group" | "index"
    goal: int | str | Decimal
    met: bool
    index_needed: Decimal | None
    gap: Decimal | None


@dataclass(frozen=True)
class TargetStatus:
    """A target judged on the unit's latest result on its index (``basis``; None without one).

    ``state``: "reached" or "missed" when the result is of the target's year; "on_track" when an earlier
    year's result already meets every goal, "off_track" when it does not; "unknown" without a result.
    """

    target: Target
    basis: ResultRow | None
    state: str
    goals: tuple[GoalStatus, ...]
    unit_count: int  # units ranked in the basis year (a rank among 63 is not a rank among 34)


def target_status(
    target: Target,
    rows: Sequence[ResultRow],
    others: Mapping[int, Sequence[tuple[int, Decimal]]],
    *,
    complete: bool,
) -> TargetStatus:
    """Judge `target` on `rows` (the unit's results on the target's index, one series); `others`: every unit's
    index per edition id (for the index needed for a rank). The result of the target's year when there is one,
    else the latest one before it, else the latest one."""
    ordered = sorted((r for r in rows if r.index_code == target.index.code), key=lambda r: r.year)
    basis = next((r for r in ordered if r.year == target.year), None)
    if basis is None:
        before = [r for r in ordered if r.year < target.year]
        basis = before[-1] if before else (ordered[-1] if ordered else None)
    if basis is None:
        return TargetStatus(target, None, "unknown", (), 0)
    field_units = others.get(basis.edition_id, [])
    goals: list[GoalStatus] = []
    index = basis.index
    if target.target_rank:
        met = basis.rank <= target.target_rank
        needed: Decimal | None = None
        if complete and index is not None:
            values = [round_half_up(v) for unit, v in field_units if unit != basis.unit_id]
            needed = calc.index_needed_for_rank(values, target.target_rank)
        goals.append(GoalStatus("rank", target.target_rank, met, needed, _gap(needed, index, met)))
    if target.target_group:
        threshold = calc.GROUP_THRESHOLDS[calc.Group(target.target_group)]
        met = bool(basis.group) and basis.group <= target.target_group
        goals.append(GoalStatus("group", target.target_group, met, threshold, _gap(threshold, index, met)))
    if target.target_index is not None:
        met = index is not None and index >= target.target_index
        goals.append(
            GoalStatus(
                "index", target.target_index, met, target.target_index, _gap(target.target_index, index, met)
            )
        )
    all_met = all(g.met for g in goals)
    if basis.year >= target.year:
        state = "reached" if all_met else "missed"
    else:
        state = "on_track" if all_met else "off_track"
    return TargetStatus(target, basis, state, tuple(goals), len(field_units))


def _gap(needed: Decimal | None, index: Decimal | None, met: bool) -> Decimal | None:
    if met:
        return ZERO
    if needed is None or index is None:
        return None
    return max(ZERO, needed - index)


# --------------------------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class SourceRow:
    """A figure as a source published it, with where (for the brief's list of sources)."""

    url: str
    measure: str
    value: Decimal | None
    rank: int | None
    disagrees: bool
    note: str


def sources_of(index_code: str, year: int, unit_ids: Sequence[int]) -> list[SourceRow]:
    """The published figures of the units on an index in a year, with their sources; one query."""
    return [
        SourceRow(url, measure, value, rank, disagrees, note)
        for url, measure, value, rank, disagrees, note in PublishedFigure.objects.filter(
            index__code=index_code, year=year, unit_id__in=unit_ids
        )
        .order_by("measure", "pk")
        .values_list("source_url", "measure", "value", "rank", "disagrees", "note")
    ]


# --------------------------------------------------------------------------------------------- overview


def editions_of_index(index_code: str, kind: str, *, drafts: bool) -> list[Edition]:
    """The visible editions of one index and kind, newest first, with their summaries; one query."""
    return list(
        visible_editions(drafts=drafts)
        .filter(index__code=index_code, kind=kind)
        .select_related("summary", "methodology")
        .order_by("-year")
    )


@dataclass(frozen=True)
class Overview:
    """A year of an index for the national overview: every unit of the year (those without a result too, with
    no index and rank 0), the regional averages with their change, whether the year is complete."""

    edition: Edition
    complete: bool
    units: list[DistributionRow]
    regions: list[tuple[str, Decimal, Decimal | None]]  # (name, average, change against the year before)
    regions_source: str  # "computed" | "published" | ""


def overview_of(edition: Edition) -> Overview:
    """Five queries whatever the number of units: results, the year's units, regional averages (computed in a
    complete year, published in a partial one) of this year and the one before."""
    summary = getattr(edition, "summary", None)
    complete = bool(summary and summary.complete)
    rows = distribution(edition.pk, complete)
    present = {r.unit_id for r in rows}
    for unit in Unit.objects.measured_by(edition.index).valid_in_year(edition.year).exclude(pk__in=present):
        rows.append(DistributionRow(unit.pk, unit.name, unit.slug, unit.code, unit.region_id, None, 0, ""))
    regions: list[tuple[str, Decimal, Decimal | None]] = []
    source = ""
    if complete:
        previous = dict(
            RegionResult.objects.filter(
                edition__index_id=edition.index_id, edition__year=edition.year - 1, edition__kind=edition.kind
            ).values_list("region_id", "average")
        )
        for region_id, name, average in (
            RegionResult.objects.filter(edition=edition)
            .order_by("region__order")
            .values_list("region_id", "region__name", "average")
        ):
            before = previous.get(region_id)
            regions.append((name, average, average - before if before is not None else None))
        source = "computed"
    elif edition.kind == EditionKind.OFFICIAL:
        published: dict[tuple[int, int], tuple[str, Decimal]] = {}
        for year, region_id, name, average in PublishedAverage.objects.filter(
            index_id=edition.index_id, year__in=[edition.year, edition.year - 1], region__isnull=False
        ).values_list("year", "region_id", "region__name", "average"):
            published[(year, region_id)] = (name, average)
        for (year, region_id), (name, average) in sorted(published.items()):
            if year == edition.year:
                earlier = published.get((year - 1, region_id))
                regions.append((name, average, average - earlier[1] if earlier else None))
        source = "published" if regions else ""
    return Overview(edition, complete, rows, regions, source)
