"""What the public reads of an index's year: the ranking with every computed figure, the regions, the domains and
the sources, in a fixed number of queries whatever the number of units. The ranking page, its downloads and the
API all read through here, so they show the same rows, the same rank, the same sources.

Rules written once here:
- ``shown_rank``: which rank a row shows (computed in a complete year; the published one, when there is one, in a
  partial year, since a computed rank only ranks the units we hold);
- ``band_for``: the band of a rank (top 20 / 21–40 / 41 and below for 63 units, scaled for another count);
- ``missing_reason``: why a value is missing ("chỉ công bố thứ hạng"), never "None".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.db.models import Count, F, Prefetch, Q
from django.utils.translation import gettext as _

from parindex.register.models import (
    Criterion,
    Edition,
    EditionKind,
    EditionStatus,
    Index,
    Methodology,
    MethodologyPart,
    PublishedAverage,
    PublishedFigure,
    Region,
    Succession,
    Unit,
)
from scoring.models import DomainResult, EditionSummary, RegionResult, YearResult

UNITS_BEFORE_2025 = 63  # the band thresholds 20 and 40 are the press's, for 63 provinces


class Band(StrEnum):
    TOP = "top"  # 1–20 of 63
    MIDDLE = "middle"  # 21–40 of 63
    BOTTOM = "bottom"  # 41 and below


def band_limits(unit_count: int) -> tuple[int, int]:
    """The last rank of the top band and of the middle band: (20, 40) for 63 units, scaled for another count
    (34 units: (11, 22)), rounded half up; the press quotes "4/8 lĩnh vực trong nhóm 20 tỉnh dẫn đầu"."""
    if unit_count <= 0 or unit_count == UNITS_BEFORE_2025:
        return 20, 40
    top = max((unit_count * 20 * 2 + UNITS_BEFORE_2025) // (2 * UNITS_BEFORE_2025), 1)
    middle = (unit_count * 40 * 2 + UNITS_BEFORE_2025) // (2 * UNITS_BEFORE_2025)
    return top, max(middle, top + 1)


def band_for(rank: int, unit_count: int) -> Band:
    top, middle = band_limits(unit_count)
    if rank <= top:
        return Band.TOP
    if rank <= middle:
        return Band.MIDDLE
    return Band.BOTTOM


def has_sources(kind: str) -> bool:
    """Published figures and averages are the sources of official editions only: demo values come from none, and
    a demo row never shows an official figure's source beside its invented value."""
    return kind == EditionKind.OFFICIAL


def shown_rank(result: YearResult, complete: bool) -> tuple[int, str]:
    """(the rank a row shows, "computed" or "published"). In a complete year the computed rank; in a partial year
    the published rank where there is one (ours only ranks the units we hold), else the computed one."""
    if complete or result.published_rank is None:
        return result.rank, "computed"
    return result.published_rank, "published"


def missing_reason(result: YearResult) -> str:
    """Why the row has no index: only its rank was published. "" when it has one."""
    if result.index is not None:
        return ""
    if result.index_source == "rank_only":
        return _("chỉ công bố thứ hạng")
    return _("chưa có số liệu")


@dataclass(frozen=True)
class Source:
    """A published figure of the unit in that year, with where it was published."""

    url: str
    value: Decimal | None
    rank: int | None
    measure: str
    disagrees: bool
    note: str


@dataclass(frozen=True)
class DomainCell:
    """A unit's result in one domain: % of the (applicable) domain maximum, domain rank, its band."""

    number: int
    points: Decimal
    max_points: Decimal
    percent: Decimal
    rank: int
    band: Band


@dataclass(frozen=True)
class RankingRow:
    unit: Unit
    region: Region | None
    index: Decimal | None
    index_source: str  # computed | published | rank_only
    rank: int  # the rank shown (see shown_rank)
    rank_source: str  # computed | published
    computed_rank: int
    published_rank: int | None
    region_rank: int | None
    group: str
    rank_change: int | None
    index_change: Decimal | None
    change_basis: str
    rank_mismatch: bool
    missing: str  # why index is None, "" otherwise
    band: Band  # of the rank shown
    domains: tuple[DomainCell, ...] = ()
    sources: tuple[Source, ...] = ()


def ranking_row(
    result: YearResult,
    *,
    unit: Unit,
    complete: bool,
    expected_units: int,
    domains: tuple[DomainCell, ...],
    sources: tuple[Source, ...],
) -> RankingRow:
    """A unit's row of a year as the public reads it: the rank shown and its band, the reason a value is
    missing; one construction for the ranking and for a unit's series, so both show the same row."""
    rank, rank_source = shown_rank(result, complete)
    return RankingRow(
        unit=unit,
        region=unit.region if unit.region_id else None,
        index=result.index,
        index_source=result.index_source,
        rank=rank,
        rank_source=rank_source,
        computed_rank=result.rank,
        published_rank=result.published_rank,
        region_rank=result.region_rank,
        group=result.group,
        rank_change=result.rank_change,
        index_change=result.index_change,
        change_basis=result.change_basis,
        rank_mismatch=result.rank_mismatch,
        missing=missing_reason(result),
        band=band_for(rank, expected_units),
        domains=domains,
        sources=sources,
    )


@dataclass(frozen=True)
class RegionRow:
    region: Region
    average: Decimal
    change: Decimal | None  # against the same index and kind the year before; None without one
    unit_count: int
    published: tuple[Source, ...] = ()  # the average as published, with its source


@dataclass(frozen=True)
class PublicRanking:
    edition: Edition
    summary: EditionSummary | None
    rows: list[RankingRow]
    regions: list[RegionRow]
    domains: list[Criterion]  # the domains of the edition's criteria set, by number
    national_published: tuple[Source, ...] = ()
    unit_count: int = 0
    band_limits: tuple[int, int] = (20, 40)
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return bool(self.summary and self.summary.complete)

    @property
    def is_demo(self) -> bool:
        return self.edition.is_demo


def public_edition(index_code: str, year: int, kind: str = EditionKind.OFFICIAL) -> Edition | None:
    """The published edition of an index, year and kind (official, or demo) the public may read; one query."""
    if kind not in (EditionKind.OFFICIAL, EditionKind.DEMO):
        return None
    return (
        Edition.objects.select_related("methodology")
        .filter(index__code=index_code, year=year, kind=kind, status=EditionStatus.PUBLISHED)
        .first()
    )


def public_ranking(edition: Edition) -> PublicRanking:
    """Every computed figure of a published edition, in eight queries whatever the number of units (summary,
    results with units and regions, domains, domain results, published figures, region results of this year and
    of the year before, published averages; the published figures and averages of an official edition only, six
    queries for a demo one)."""
    summary = EditionSummary.objects.filter(edition=edition).first()
    complete = bool(summary and summary.complete)
    results = list(
        YearResult.objects.filter(edition=edition)
        .select_related("unit", "unit__region")
        .order_by("rank", "unit__name")
    )
    domains = (
        list(Criterion.objects.filter(methodology_id=edition.methodology_id, level=1).order_by("number"))
        if edition.methodology_id
        else []
    )
    unit_count = len(results)
    cells: dict[int, list[DomainCell]] = defaultdict(list)
    for year_result_id, number, points, max_points, percent, rank in (
        DomainResult.objects.filter(year_result__edition=edition)
        .order_by("year_result_id", "domain__number")
        .values_list("year_result_id", "domain__number", "points", "max_points", "percent", "rank")
    ):
        cells[year_result_id].append(
            DomainCell(number, points, max_points, percent, rank, band_for(rank, unit_count))
        )
    figures: dict[int | None, list[Source]] = defaultdict(list)
    official = has_sources(edition.kind)
    for unit_id, url, value, figure_rank, measure, disagrees, note in (
        PublishedFigure.objects.filter(index_id=edition.index_id, year=edition.year)
        .order_by("unit_id", "measure", "pk")
        .values_list("unit_id", "source_url", "value", "rank", "measure", "disagrees", "note")
        if official
        else ()
    ):
        figures[unit_id].append(Source(url, value, figure_rank, measure, disagrees, note))

    expected = summary.expected_units if summary and summary.expected_units else unit_count
    rows = [
        ranking_row(
            result,
            unit=result.unit,
            complete=complete,
            expected_units=expected,
            domains=tuple(cells.get(result.pk, ())),
            sources=tuple(figures.get(result.unit_id, ())),
        )
        for result in results
    ]
    rows.sort(key=lambda row: (row.rank, row.unit.name))
    published = _published_averages(edition) if official else {}
    return PublicRanking(
        edition=edition,
        summary=summary,
        rows=rows,
        regions=_regions(edition, published),
        domains=domains,
        national_published=published.get(None, ()),
        unit_count=unit_count,
        band_limits=band_limits(expected),
    )


def _published_averages(edition: Edition) -> dict[int | None, tuple[Source, ...]]:
    """The averages as published for the edition's index and year, by region id (None: national)."""
    out: dict[int | None, list[Source]] = defaultdict(list)
    for region_id, average, url, note in PublishedAverage.objects.filter(
        index_id=edition.index_id, year=edition.year
    ).values_list("region_id", "average", "source_url", "note"):
        out[region_id].append(Source(url, average, None, "", False, note))
    return {key: tuple(value) for key, value in out.items()}


def _regions(edition: Edition, published: dict[int | None, tuple[Source, ...]]) -> list[RegionRow]:
    """The regional averages of the edition with their change against the year before (same index and kind)."""
    current = list(
        RegionResult.objects.filter(edition=edition).select_related("region").order_by("region__order")
    )
    previous = dict(
        RegionResult.objects.filter(
            edition__index_id=edition.index_id, edition__year=edition.year - 1, edition__kind=edition.kind
        ).values_list("region_id", "average")
    )
    return [
        RegionRow(
            region=row.region,
            average=row.average,
            change=row.average - previous[row.region_id] if row.region_id in previous else None,
            unit_count=row.unit_count,
            published=published.get(row.region_id, ()),
        )
        for row in current
    ]


def public_indices() -> list[Index]:
    """The indices with at least one published official or demo edition, in their order; one query."""
    return list(
        Index.objects.filter(
            Q(editions__status=EditionStatus.PUBLISHED),
            Q(editions__kind__in=[EditionKind.OFFICIAL, EditionKind.DEMO]),
        )
        .distinct()
        .order_by("order", "code")
    )


# --- For the public pages: what can be chosen, and where the figures come from -------------------------------


def public_editions_all() -> list[Edition]:
    """Every edition the public may read (published, official or demo) of every index, with its index and
    criteria set: by index order, newest year first, official before demo. One query."""
    return list(
        Edition.objects.public()
        .select_related("index", "methodology")
        .order_by("index__order", "index__code", "-year", "-kind")  # "official" > "demo": official first
    )


def public_regions() -> list[Region]:
    """The socio-economic regions, in their order (the choices of the region filter). One query."""
    return list(Region.objects.order_by("order", "name"))


@dataclass(frozen=True)
class SourceUse:
    """A source URL and what the register took from it: how many figures of an index's year."""

    index: str  # the index's short name
    year: int
    url: str
    figures: int
    averages: int


def public_sources() -> list[SourceUse]:
    """Every source URL of a published figure or average, by index and year (the methodology page): indices in
    their order, newest year first. Two queries."""
    uses: dict[tuple[int, str, int, str], list[int]] = defaultdict(lambda: [0, 0])
    fields = ("index__order", "index__short_name", "year", "source_url")
    for position, rows in enumerate(
        (
            PublishedFigure.objects.values_list(*fields).annotate(count=Count("id")).order_by(),
            PublishedAverage.objects.values_list(*fields).annotate(count=Count("id")).order_by(),
        )
    ):
        for order, short_name, year, url, count in rows:
            uses[(order, short_name, year, url)][position] += count
    return [
        SourceUse(short_name, year, url, figures, averages)
        for (_order, short_name, year, url), (figures, averages) in sorted(
            uses.items(), key=lambda item: (item[0][0], item[0][1], -item[0][2], item[0][3])
        )
    ]


# --- The API's reads (dashboards.api): units with their successions, an index's years, one unit's series over
# the years, criteria sets. Each in a fixed number of queries whatever the number of units and years; the rows of
# a unit's series are built by the same rules as the ranking's (shown_rank, band_for, missing_reason).


@dataclass(frozen=True)
class UnitLink:
    """The other side of a succession: the unit and the date the succession took effect."""

    unit: Unit
    date: date


@dataclass(frozen=True)
class PublicUnit:
    unit: Unit
    predecessors: tuple[UnitLink, ...]
    successors: tuple[UnitLink, ...]


@dataclass(frozen=True)
class UnitPage:
    count: int  # every unit matching the filters, not only this page's
    units: list[PublicUnit]


def public_units(
    *, level: str | None = None, year: int | None = None, search: str = "", limit: int, offset: int
) -> UnitPage:
    """A page of units (by level, code, validity) with their predecessors and successors; three queries (count,
    units with region and parent, successions of the page's units). `year`: the units valid on 31 December of
    that year; `search`: a part of the name, the official name, an alias or the code, any case."""
    units = Unit.objects.select_related("region", "parent")
    if level:
        units = units.filter(level=level)
    if year is not None:
        units = units.valid_in_year(year)
    if search:
        units = units.filter(
            Q(name__icontains=search)
            | Q(official_name__icontains=search)
            | Q(aliases__icontains=search)
            | Q(code__iexact=search)
            | Q(slug__iexact=search)
        )
    count = units.count()
    page = list(units.order_by("level", "code", "valid_from", "pk")[offset : offset + limit]) if count else []
    links = _succession_links([unit.pk for unit in page])
    return UnitPage(
        count=count,
        units=[PublicUnit(unit, *links.get(unit.pk, ((), ()))) for unit in page],
    )


def public_unit(slug: str) -> PublicUnit | None:
    """One unit by its slug with its predecessors and successors; two queries."""
    unit = Unit.objects.select_related("region", "parent").filter(slug=slug).first()
    if unit is None:
        return None
    return PublicUnit(unit, *_succession_links([unit.pk])[unit.pk])


def _succession_links(unit_ids: list[int]) -> dict[int, tuple[tuple[UnitLink, ...], tuple[UnitLink, ...]]]:
    """(predecessors, successors) of each unit, by unit id, ordered by code; one query."""
    if not unit_ids:
        return {}
    before: dict[int, list[UnitLink]] = defaultdict(list)
    after: dict[int, list[UnitLink]] = defaultdict(list)
    for succession in (
        Succession.objects.filter(Q(predecessor_id__in=unit_ids) | Q(successor_id__in=unit_ids))
        .select_related("predecessor", "successor")
        .order_by("date", "predecessor__code", "successor__code")
    ):
        before[succession.successor_id].append(UnitLink(succession.predecessor, succession.date))
        after[succession.predecessor_id].append(UnitLink(succession.successor, succession.date))
    return {unit_id: (tuple(before[unit_id]), tuple(after[unit_id])) for unit_id in unit_ids}


@dataclass(frozen=True)
class IndexYears:
    index: Index
    years: tuple[int, ...]  # of its published editions of the kind asked for, oldest first


def public_index_years(kind: str = EditionKind.OFFICIAL) -> list[IndexYears]:
    """Every index with the years of its published editions of `kind` (official, or demo); two queries. An
    index without such an edition is listed with no years: it is tracked, nothing of it is published yet."""
    years: dict[int, list[int]] = defaultdict(list)
    if kind in (EditionKind.OFFICIAL, EditionKind.DEMO):
        for index_id, year in (
            Edition.objects.filter(kind=kind, status=EditionStatus.PUBLISHED)
            .order_by("year")
            .values_list("index_id", "year")
        ):
            years[index_id].append(year)
    return [
        IndexYears(index, tuple(years.get(index.pk, ())))
        for index in Index.objects.select_related("owner").order_by("order", "code")
    ]


def public_index(code: str) -> Index | None:
    """An index by its code (exactly as listed); one query."""
    return Index.objects.filter(code=code).first()


@dataclass(frozen=True)
class SeriesPoint:
    """A unit's row in one published edition, as that edition's ranking shows it."""

    edition: Edition
    row: RankingRow
    complete: bool


def public_series(unit: Unit, index: Index, kind: str = EditionKind.OFFICIAL) -> list[SeriesPoint]:
    """The unit's rows in every published edition of `index` and `kind` (official, or demo), oldest first; three
    queries whatever the number of years (results with their editions and summaries, domain results, published
    figures). Each row equals the unit's row in public_ranking of that edition."""
    if kind not in (EditionKind.OFFICIAL, EditionKind.DEMO):
        return []
    results = list(
        YearResult.objects.filter(
            unit=unit, edition__index=index, edition__kind=kind, edition__status=EditionStatus.PUBLISHED
        )
        .select_related("edition", "edition__summary", "edition__methodology")
        .order_by("edition__year")
    )
    if not results:
        return []
    cells: dict[int, list[tuple[int, Decimal, Decimal, Decimal, int]]] = defaultdict(list)
    for year_result_id, number, points, max_points, percent, rank in (
        DomainResult.objects.filter(year_result__in=[result.pk for result in results])
        .order_by("year_result_id", "domain__number")
        .values_list("year_result_id", "domain__number", "points", "max_points", "percent", "rank")
    ):
        cells[year_result_id].append((number, points, max_points, percent, rank))
    figures: dict[int, list[Source]] = defaultdict(list)
    for year, url, value, figure_rank, measure, disagrees, note in (
        PublishedFigure.objects.filter(index=index, unit=unit)
        .order_by("year", "measure", "pk")
        .values_list("year", "source_url", "value", "rank", "measure", "disagrees", "note")
        if has_sources(kind)
        else ()
    ):
        figures[year].append(Source(url, value, figure_rank, measure, disagrees, note))
    series: list[SeriesPoint] = []
    for result in results:
        edition = result.edition
        summary = _summary_of(edition)
        complete = bool(summary and summary.complete)
        unit_count = summary.unit_count if summary else 0
        expected = summary.expected_units if summary and summary.expected_units else unit_count
        domains = tuple(
            DomainCell(
                number, domain_points, maximum, percent, domain_rank, band_for(domain_rank, unit_count)
            )
            for number, domain_points, maximum, percent, domain_rank in cells.get(result.pk, ())
        )
        row = ranking_row(
            result,
            unit=unit,
            complete=complete,
            expected_units=expected,
            domains=domains,
            sources=tuple(figures.get(edition.year, ())),
        )
        series.append(SeriesPoint(edition=edition, row=row, complete=complete))
    return series


def _summary_of(edition: Edition) -> EditionSummary | None:
    try:
        return edition.summary
    except EditionSummary.DoesNotExist:
        return None


def public_criteria_sets(*, index_code: str | None = None, demo: bool = False) -> list[Methodology]:
    """The criteria sets (real ones, or the demo ones) with their domains (`domain_list`) and the published
    split of their points (`part_list`), by index and first year; three queries."""
    sets = Methodology.objects.filter(is_demo=demo).select_related("index")
    if index_code is not None:
        sets = sets.filter(index__code=index_code)
    return list(
        sets.prefetch_related(
            Prefetch(
                "criteria", queryset=Criterion.objects.domains().order_by("number"), to_attr="domain_list"
            ),
            Prefetch("parts", queryset=MethodologyPart.objects.order_by("order", "pk"), to_attr="part_list"),
        ).order_by("index__order", "index__code", F("year_from").asc(nulls_first=True), "code")
    )
