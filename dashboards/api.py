"""The public API, version 1: read-only JSON under /api/v1/, built with django-ninja; its OpenAPI 3 schema is
served at /api/v1/openapi.json and browsable at /api/v1/docs (Swagger UI served by the app, no CDN).

Paths are English, plural nouns, lower case with hyphens:

    GET /api/v1/indices                          the indices, with the years of their published editions
    GET /api/v1/units                            units (level, year, search) with predecessors and successors
    GET /api/v1/rankings/{index}/{year}          an index's ranking of a year (region rank, domains, sources)
    GET /api/v1/units/{slug}/series?index=       one unit's rows over the years
    GET /api/v1/criteria-sets                    criteria sets with their domains, maxima and sources

Published official data only; the demo data only with ``kind=demo``, and then every answer says
``"demo": true``. Drafts and self-assessments never appear. Lists are paged with ``limit`` (1–200, default 100)
and ``offset`` (0–1,000,000); a value outside those bounds is refused with 400 and a JSON message, never
clamped, so that a client learns its mistake. Any invalid parameter answers 400 (``{"detail", "errors"}``); an
unknown index, year, unit or region answers 404. ``lang=en`` gives the few texts of an answer (why an index is
missing) in English; names come in both languages. Answers carry an ETag (304 on If-None-Match) and
``Cache-Control: public, max-age=60``, set no cookie and send no CORS header (see dashboards.api_cache).
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, re_path
from ninja import NinjaAPI, P, PathEx, Query, Schema
from ninja.errors import HttpError, ValidationError
from pydantic import Field

from dashboards import api_schemas as out
from dashboards.api_cache import cached_answer
from parindex.register.models import FIRST_YEAR, LAST_YEAR, EditionKind
from scoring import public
from scoring.public import RankingRow

DEMO = EditionKind.DEMO.value
MAX_LIMIT = 200
MAX_OFFSET = 1_000_000
CODE_PATTERN = r"^[A-Za-z0-9_-]{1,30}$"  # an index code (fixtures/indices.csv: PAR_INDEX, SIPAS, …)
SLUG_PATTERN = r"^[-a-zA-Z0-9_]{1,100}$"  # a unit's slug (SlugField, ASCII)

api = NinjaAPI(
    title="PAR INDEX tracker API",
    version="1",
    description=__doc__ or "",
    urls_namespace="api-v1",
)
ERRORS = {400: out.ErrorOut, 404: out.ErrorOut}


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """400 (not ninja's 422) with where and what, without echoing the value sent (it may be 10,000 characters
    of HTML)."""
    errors = [
        {
            "loc": [part for part in error.get("loc", ()) if isinstance(part, str | int)],
            "msg": error.get("msg", ""),
        }
        for error in exc.errors
    ]
    return api.create_response(request, {"detail": "Invalid parameters.", "errors": errors}, status=400)


def _not_found(what: str) -> HttpError:
    return HttpError(404, what)


def _no_such_path(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"detail": "No such API path.", "errors": []}, status=404)


def api_urls() -> tuple[list[URLPattern | URLResolver], str, str]:
    """The API's URLs, and last a JSON 404 for any other path under /api/v1/ (Django's would be HTML)."""
    patterns, app_name, namespace = api.urls
    return [*patterns, re_path(r"", _no_such_path)], app_name, namespace


# --- Parameters ----------------------------------------------------------------------------------------------


class Page(Schema):
    limit: int = Field(100, ge=1, le=MAX_LIMIT, description="Items per page, 1–200.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip; past the end gives no results.")
    lang: Literal["vi", "en"] = Field("vi", description="Language of the answer's texts.")


class KindPage(Page):
    kind: Literal["official", "demo"] = Field(
        "official", description="official (published results) or demo (illustrative data, labelled)."
    )


class UnitFilters(Page):
    level: Literal["province", "department", "commune"] | None = None
    year: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR, description="Units valid on 31 December.")
    q: str = Field("", max_length=100, description="Part of the name, an alias, or the code or slug.")


class RankingFilters(KindPage):
    region: int | None = Field(None, ge=1, le=2_147_483_647, description="A region id (see `regions`).")
    group: Literal["A", "B", "C", "D"] | None = None
    sort: Literal["rank", "-rank", "name", "-name", "index", "-index"] = Field(
        "rank", description="rank (the ranking's order), name, or index; '-' reverses."
    )


class SeriesFilters(KindPage):
    index: str = Field("PAR_INDEX", pattern=CODE_PATTERN, description="An index code (see /indices).")


class CriteriaSetFilters(KindPage):
    index: str | None = Field(None, pattern=CODE_PATTERN, description="An index code (see /indices).")


def _params(filters: Schema, **more: object) -> dict[str, object]:
    return {**filters.model_dump(exclude={"lang"}), **more}


# --- Endpoints -----------------------------------------------------------------------------------------------


@api.get("/indices", response={200: out.IndicesOut, **ERRORS}, summary="Indices and their published years")
def indices(request: HttpRequest, filters: Query[KindPage]) -> HttpResponse:
    def build() -> out.IndicesOut:
        items = public.public_index_years(filters.kind)
        return out.IndicesOut(
            demo=filters.kind == DEMO,
            count=len(items),
            limit=filters.limit,
            offset=filters.offset,
            results=[out.index_out(item) for item in items[filters.offset : filters.offset + filters.limit]],
        )

    return cached_answer(
        request, endpoint="indices", params=_params(filters), language=filters.lang, build=build
    )


@api.get("/units", response={200: out.UnitsOut, **ERRORS}, summary="Units with their successions")
def units(request: HttpRequest, filters: Query[UnitFilters]) -> HttpResponse:
    search = filters.q.replace("\x00", "").strip()  # PostgreSQL text cannot hold NUL

    def build() -> out.UnitsOut:
        page = public.public_units(
            level=filters.level, year=filters.year, search=search, limit=filters.limit, offset=filters.offset
        )
        return out.UnitsOut(
            count=page.count,
            limit=filters.limit,
            offset=filters.offset,
            results=[out.unit_out(item) for item in page.units],
        )

    return cached_answer(
        request, endpoint="units", params=_params(filters, q=search), language=filters.lang, build=build
    )


_SORTS = {
    "rank": lambda row: (row.rank, row.unit.name),
    "name": lambda row: (row.unit.name, row.rank),
    # Units without an index (rank only) last in both directions.
    "index": lambda row: (row.index is None, row.index if row.index is not None else 0, row.unit.name),
}


def _filtered(rows: list[RankingRow], filters: RankingFilters) -> list[RankingRow]:
    kept = [
        row
        for row in rows
        if (filters.region is None or (row.region is not None and row.region.pk == filters.region))
        and (filters.group is None or row.group == filters.group)
    ]
    column = filters.sort.lstrip("-")
    if column == "rank" and not filters.sort.startswith("-"):
        return kept  # public_ranking's own order, as the ranking page shows it
    if column == "index":
        with_index = sorted((r for r in kept if r.index is not None), key=_SORTS["index"])
        if filters.sort.startswith("-"):
            with_index.sort(key=lambda row: (-(row.index or 0), row.unit.name))
        return with_index + sorted((r for r in kept if r.index is None), key=_SORTS["rank"])
    return sorted(kept, key=_SORTS[column], reverse=filters.sort.startswith("-"))


@api.get(
    "/rankings/{index}/{year}",
    response={200: out.RankingOut, **ERRORS},
    summary="An index's ranking of a year",
)
def ranking(
    request: HttpRequest,
    index: PathEx[str, P(pattern=CODE_PATTERN, description="An index code (see /indices).")],
    year: PathEx[int, P(ge=FIRST_YEAR, le=LAST_YEAR)],
    filters: Query[RankingFilters],
) -> HttpResponse:
    def build() -> out.RankingOut:
        edition = public.public_edition(index, year, filters.kind)
        if edition is None:
            raise _not_found(f"No published {filters.kind} edition of {index} for {year}.")
        result = public.public_ranking(edition)
        if filters.region is not None and filters.region not in {
            *(row.region.pk for row in result.regions),
            *(row.region.pk for row in result.rows if row.region is not None),
        }:
            raise _not_found(f"No region {filters.region} in {index} {year}.")
        return out.ranking_out(
            result, _filtered(result.rows, filters), limit=filters.limit, offset=filters.offset
        )

    return cached_answer(
        request,
        endpoint="ranking",
        params=_params(filters, index=index, year=year),
        language=filters.lang,
        build=build,
    )


@api.get(
    "/units/{slug}/series",
    response={200: out.SeriesOut, **ERRORS},
    summary="One unit's rows over the years",
)
def series(
    request: HttpRequest,
    slug: PathEx[str, P(pattern=SLUG_PATTERN, description="A unit's slug (see /units).")],
    filters: Query[SeriesFilters],
) -> HttpResponse:
    def build() -> out.SeriesOut:
        unit = public.public_unit(slug)
        if unit is None:
            raise _not_found(f"No unit {slug}.")
        index = public.public_index(filters.index)
        if index is None:
            raise _not_found(f"No index {filters.index}.")
        points = public.public_series(unit.unit, index, filters.kind)
        return out.SeriesOut(
            demo=filters.kind == DEMO,
            index=index.code,
            unit=out.unit_out(unit),
            count=len(points),
            limit=filters.limit,
            offset=filters.offset,
            results=[
                out.series_point_out(p) for p in points[filters.offset : filters.offset + filters.limit]
            ],
        )

    return cached_answer(
        request, endpoint="series", params=_params(filters, slug=slug), language=filters.lang, build=build
    )


@api.get(
    "/criteria-sets",
    response={200: out.CriteriaSetsOut, **ERRORS},
    summary="Criteria sets with their domains and maxima",
)
def criteria_sets(request: HttpRequest, filters: Query[CriteriaSetFilters]) -> HttpResponse:
    def build() -> out.CriteriaSetsOut:
        sets = public.public_criteria_sets(index_code=filters.index, demo=filters.kind == DEMO)
        return out.CriteriaSetsOut(
            demo=filters.kind == DEMO,
            count=len(sets),
            limit=filters.limit,
            offset=filters.offset,
            results=[out.criteria_set_out(m) for m in sets[filters.offset : filters.offset + filters.limit]],
        )

    return cached_answer(
        request, endpoint="criteria-sets", params=_params(filters), language=filters.lang, build=build
    )
