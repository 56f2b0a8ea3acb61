"""The shapes of the public API's answers (pydantic, through django-ninja): the OpenAPI schema at
/api/v1/openapi.json is generated from these classes, and every answer is serialised by them, so an answer
cannot drift from its schema. Numbers are JSON numbers (two decimals as the app stores them); dates ISO 8601.

Builders turn the dataclasses of scoring.public into these shapes; they read nothing from the database (the
rows come with what they need), so an answer costs the queries of its scoring.public read and no more.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from parindex.register.models import Criterion, Edition, Index, Methodology, MethodologyPart, Region, Unit
from scoring.public import (
    DomainCell,
    IndexYears,
    PublicRanking,
    PublicUnit,
    RankingRow,
    RegionRow,
    SeriesPoint,
    Source,
    UnitLink,
)


def number(value: Decimal | None) -> float | None:
    """A stored Decimal (two decimals) as a JSON number: 85.30 prints as 85.3, never with float noise, since
    the shortest repr of the float of a two-decimal Decimal is that Decimal."""
    return float(value) if value is not None else None


# --- Shared pieces -------------------------------------------------------------------------------------------


class ErrorItem(Schema):
    loc: list[str | int] = Field(description="Where the problem is: ['query', 'limit'], ['path', 'year'].")
    msg: str


class ErrorOut(Schema):
    detail: str = Field(description="What was wrong, in English.")
    errors: list[ErrorItem] = Field(default_factory=list)


class PageMeta(Schema):
    count: int = Field(ge=0, description="Items matching the filters, on every page together.")
    limit: int = Field(ge=1, le=200)
    offset: int = Field(ge=0)


class RegionOut(Schema):
    id: int
    name: str
    name_en: str


class UnitRef(Schema):
    slug: str
    code: str
    name: str


class SourceOut(Schema):
    """A figure as a source published it, with where (the publisher's page or the press)."""

    url: str
    value: float | None
    rank: int | None
    measure: str = Field(description="Empty: the index itself; else the part it is (a domain's points).")
    disagrees: bool = Field(description="Another source published a different value.")
    note: str


class DomainOut(Schema):
    """A domain (lĩnh vực) of a criteria set with its maximum points, None while unknown."""

    number: int
    code: str
    name: str
    name_en: str
    max_points: float | None
    max_points_status: Literal["published", "unknown", "provisional"]
    source_url: str


def region_out(region: Region | None) -> RegionOut | None:
    if region is None:
        return None
    return RegionOut(id=region.pk, name=region.name, name_en=region.name_en)


def unit_ref(unit: Unit) -> UnitRef:
    return UnitRef(slug=unit.slug, code=unit.code, name=unit.name)


def source_out(source: Source) -> SourceOut:
    return SourceOut(
        url=source.url,
        value=number(source.value),
        rank=source.rank,
        measure=source.measure,
        disagrees=source.disagrees,
        note=source.note,
    )


def domain_out(domain: Criterion) -> DomainOut:
    return DomainOut(
        number=domain.number,
        code=domain.code,
        name=domain.name_vi,
        name_en=domain.name_en,
        max_points=number(domain.max_points),
        max_points_status=domain.max_points_status,  # type: ignore[arg-type]  # a checked choice
        source_url=domain.source_url,
    )


# --- Indices -------------------------------------------------------------------------------------------------


class IndexOut(Schema):
    code: str = Field(description="The index's code, used in /rankings/{index}/{year}.")
    short_name: str
    name: str
    name_en: str
    publisher: str
    unit_level: Literal["province", "department", "commune"]
    owner: UnitRef | None = Field(description="The province that runs its own index; None for national ones.")
    value_kind: Literal["percent", "score", "rank"]
    max_value: float | None
    higher_is_better: bool
    source_url: str
    years: list[int] = Field(
        description="Years with a published edition of the kind asked for, oldest first."
    )


class IndicesOut(PageMeta):
    demo: bool = Field(description="True when the years are those of the demo data (kind=demo).")
    results: list[IndexOut]


def index_out(item: IndexYears) -> IndexOut:
    index: Index = item.index
    owner = index.owner if index.owner_id else None
    return IndexOut(
        code=index.code,
        short_name=index.short_name,
        name=index.name_vi,
        name_en=index.name_en,
        publisher=index.publisher,
        unit_level=index.unit_level,  # type: ignore[arg-type]  # a checked choice
        owner=unit_ref(owner) if owner is not None else None,
        value_kind=index.value_kind,  # type: ignore[arg-type]  # a checked choice
        max_value=number(index.max_value),
        higher_is_better=index.higher_is_better,
        source_url=index.source_url,
        years=list(item.years),
    )


# --- Units ---------------------------------------------------------------------------------------------------


class SuccessionOut(Schema):
    unit: UnitRef
    date: date


class UnitOut(Schema):
    slug: str
    code: str
    name: str
    official_name: str
    level: Literal["province", "department", "commune"]
    kind: str
    region: RegionOut | None
    parent: UnitRef | None
    valid_from: date | None
    valid_until: date | None
    aliases: list[str]
    predecessors: list[SuccessionOut] = Field(description="Units that passed into this one, with the date.")
    successors: list[SuccessionOut] = Field(description="Units this one passed into, with the date.")


class UnitsOut(PageMeta):
    results: list[UnitOut]


def _links(links: tuple[UnitLink, ...]) -> list[SuccessionOut]:
    return [SuccessionOut(unit=unit_ref(link.unit), date=link.date) for link in links]


def unit_out(item: PublicUnit) -> UnitOut:
    unit = item.unit
    parent = unit.parent if unit.parent_id else None
    return UnitOut(
        slug=unit.slug,
        code=unit.code,
        name=unit.name,
        official_name=unit.official_name,
        level=unit.level,  # type: ignore[arg-type]  # a checked choice
        kind=unit.kind,
        region=region_out(unit.region if unit.region_id else None),
        parent=unit_ref(parent) if parent is not None else None,
        valid_from=unit.valid_from,
        valid_until=unit.valid_until,
        aliases=[str(alias) for alias in unit.aliases or []],
        predecessors=_links(item.predecessors),
        successors=_links(item.successors),
    )


# --- Rankings ------------------------------------------------------------------------------------------------

Band = Literal["top", "middle", "bottom"]


class DomainCellOut(Schema):
    number: int = Field(description="The domain's number in the edition's criteria set.")
    points: float
    max_points: float = Field(description="The applicable maximum (not-applicable criteria dropped).")
    percent: float = Field(description="Points in percent of the applicable maximum, 0–100.")
    rank: int
    band: Band


class RankingRowOut(Schema):
    unit: UnitRef
    region: RegionOut | None
    rank: int = Field(description="The rank shown: computed in a complete year, else published where known.")
    rank_source: Literal["computed", "published"]
    computed_rank: int
    published_rank: int | None
    region_rank: int | None
    group: str = Field(description="A (≥ 90), B (80–<90), C (70–<80), D; empty without an index.")
    index: float | None = Field(
        description="The index in percent, 0–100; None when only a rank was published."
    )
    index_source: str = Field(description="computed | published | rank_only")
    rank_change: int | None = Field(description="Positive: moved up, against the year before.")
    index_change: float | None
    change_basis: str = Field(description="same_unit | predecessors_mean | none | new_unit")
    rank_mismatch: bool = Field(description="The computed rank differs from the published one.")
    missing: str = Field(description="Why `index` is None, in the language asked for; empty otherwise.")
    band: Band
    domains: list[DomainCellOut]
    sources: list[SourceOut]


class CriteriaSetRef(Schema):
    id: int
    code: str


class EditionOut(Schema):
    index: str
    index_name: str
    year: int
    kind: Literal["official", "demo"]
    complete: bool = Field(description="Every unit expected that year has a result.")
    unit_count: int
    expected_units: int
    criteria_set: CriteriaSetRef | None
    source: str
    published_at: datetime | None


class BandLimits(Schema):
    top: int = Field(description="Last rank of the top band (20 of 63, scaled for another count).")
    middle: int = Field(description="Last rank of the middle band (40 of 63, scaled).")


class RegionAverageOut(Schema):
    region: RegionOut
    average: float
    change: float | None = Field(description="Against the same index and kind the year before.")
    unit_count: int
    published: list[SourceOut]


class RankingOut(PageMeta):
    demo: bool = Field(description="True for the demo data: illustrative numbers, not published results.")
    edition: EditionOut
    national_average: float | None
    national_published: list[SourceOut]
    band_limits: BandLimits
    domains: list[DomainOut]
    regions: list[RegionAverageOut]
    results: list[RankingRowOut]


def _cell_out(cell: DomainCell) -> DomainCellOut:
    return DomainCellOut(
        number=cell.number,
        points=float(cell.points),
        max_points=float(cell.max_points),
        percent=float(cell.percent),
        rank=cell.rank,
        band=cell.band.value,
    )


def row_fields(row: RankingRow) -> dict[str, object]:
    """The fields of a ranking row, shared by the ranking and a unit's series."""
    return {
        "unit": unit_ref(row.unit),
        "region": region_out(row.region),
        "rank": row.rank,
        "rank_source": row.rank_source,
        "computed_rank": row.computed_rank,
        "published_rank": row.published_rank,
        "region_rank": row.region_rank,
        "group": row.group,
        "index": number(row.index),
        "index_source": row.index_source,
        "rank_change": row.rank_change,
        "index_change": number(row.index_change),
        "change_basis": row.change_basis,
        "rank_mismatch": row.rank_mismatch,
        "missing": str(row.missing),
        "band": row.band.value,
        "domains": [_cell_out(cell) for cell in row.domains],
        "sources": [source_out(source) for source in row.sources],
    }


def _region_average_out(row: RegionRow) -> RegionAverageOut:
    return RegionAverageOut(
        region=RegionOut(id=row.region.pk, name=row.region.name, name_en=row.region.name_en),
        average=float(row.average),
        change=number(row.change),
        unit_count=row.unit_count,
        published=[source_out(source) for source in row.published],
    )


def edition_out(edition: Edition, *, complete: bool, unit_count: int, expected_units: int) -> EditionOut:
    methodology = edition.methodology if edition.methodology_id else None
    return EditionOut(
        index=edition.index.code,
        index_name=edition.index.short_name,
        year=edition.year,
        kind=edition.kind,  # type: ignore[arg-type]  # only official and demo editions reach the API
        complete=complete,
        unit_count=unit_count,
        expected_units=expected_units,
        criteria_set=CriteriaSetRef(id=methodology.pk, code=methodology.code) if methodology else None,
        source=edition.source,
        published_at=edition.published_at,
    )


def ranking_out(ranking: PublicRanking, rows: list[RankingRow], *, limit: int, offset: int) -> RankingOut:
    """The ranking's envelope with `rows` (filtered and sorted by the caller), one page of them."""
    summary = ranking.summary
    top, middle = ranking.band_limits
    return RankingOut(
        demo=ranking.is_demo,
        count=len(rows),
        limit=limit,
        offset=offset,
        edition=edition_out(
            ranking.edition,
            complete=ranking.complete,
            unit_count=ranking.unit_count,
            expected_units=summary.expected_units if summary else 0,
        ),
        national_average=number(summary.national_average) if summary else None,
        national_published=[source_out(source) for source in ranking.national_published],
        band_limits=BandLimits(top=top, middle=middle),
        domains=[domain_out(domain) for domain in ranking.domains],
        regions=[_region_average_out(row) for row in ranking.regions],
        results=[RankingRowOut(**row_fields(row)) for row in rows[offset : offset + limit]],  # type: ignore[arg-type]
    )


# --- A unit's series -----------------------------------------------------------------------------------------


class SeriesPointOut(RankingRowOut):
    year: int
    complete: bool = Field(description="The edition of that year ranks every unit expected.")
    criteria_set: CriteriaSetRef | None


class SeriesOut(PageMeta):
    demo: bool
    index: str
    unit: UnitOut
    results: list[SeriesPointOut]


def series_point_out(point: SeriesPoint) -> SeriesPointOut:
    methodology = point.edition.methodology if point.edition.methodology_id else None
    return SeriesPointOut(
        year=point.edition.year,
        complete=point.complete,
        criteria_set=CriteriaSetRef(id=methodology.pk, code=methodology.code) if methodology else None,
        **row_fields(point.row),  # type: ignore[arg-type]
    )


# --- Criteria sets -------------------------------------------------------------------------------------------


class PartOut(Schema):
    """A published share of the criteria set's points (appraisal, survey, SIPAS, socio-economic impact)."""

    key: str
    name: str
    max_points: float
    status: str
    source_url: str


class CriteriaSetOut(Schema):
    id: int
    code: str
    index: str
    title: str
    year_from: int | None = Field(description="None while our sources do not say which years it applied to.")
    year_until: int | None
    demo: bool
    note: str
    source_url: str
    domains: list[DomainOut]
    parts: list[PartOut]


class CriteriaSetsOut(PageMeta):
    demo: bool
    results: list[CriteriaSetOut]


def _part_out(part: MethodologyPart) -> PartOut:
    return PartOut(
        key=part.key,
        name=part.name,
        max_points=float(part.max_points),
        status=part.status,
        source_url=part.source_url,
    )


def criteria_set_out(methodology: Methodology) -> CriteriaSetOut:
    return CriteriaSetOut(
        id=methodology.pk,
        code=methodology.code,
        index=methodology.index.code,
        title=methodology.title,
        year_from=methodology.year_from,
        year_until=methodology.year_until,
        demo=methodology.is_demo,
        note=methodology.note,
        source_url=methodology.source_url,
        domains=[domain_out(domain) for domain in getattr(methodology, "domain_list", [])],
        parts=[_part_out(part) for part in getattr(methodology, "part_list", [])],
    )
