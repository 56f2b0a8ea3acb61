"""Public pages: thin views over ``scoring.public``, read through ``dashboards.catalogue`` (cached under the
results generation).

URLs (Vietnamese; English through the language the visitor chose, same URLs):
- ``/xep-hang/<index>/<year>/`` the ranking, ``.../linh-vuc/`` the domains of the same year;
- ``.../tai-ve.csv`` and ``.../tai-ve.xlsx`` (and under ``linh-vuc/``) exactly what the table shows;
- ``?loai=demo`` the demo edition (labelled demo everywhere); ``?vung=``, ``?nhom=``, ``?q=``, ``?sap_xep=``;
- ``/`` the latest PAR INDEX ranking (``?nam=`` and ``?loai=`` as before); ``/xep-hang/`` and
  ``/xep-hang/<index>/`` redirect to a ranking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from dashboards import catalogue as cached
from dashboards.exports import csv_bytes, table_values, xlsx_bytes
from dashboards.filters import RankingFilter
from dashboards.ranking import (
    SORT_KEYS,
    TOP_DOMAINS,
    AverageLine,
    band_ranges,
    domain_column,
    index_slug,
    kind_from_param,
    kind_param,
    region_slug,
)
from dashboards.tables import COMPUTED_RANK_MARK, PREDECESSORS_MARK, DomainTable, PublicTable, RankingTable
from parindex.register.models import PAR_INDEX, Edition, EditionKind
from scoring import selectors
from scoring.models import ChangeBasis, EditionSummary, MergerRule
from scoring.public import UNITS_BEFORE_2025, PublicRanking, RankingRow, RegionRow, Source, public_sources

RANKING, DOMAINS = "ranking", "domains"
KEPT = ("vung", "nhom", "q")  # what a change of index, year or view keeps
SORTS = {
    RANKING: tuple(SORT_KEYS),
    DOMAINS: ("hang", "don_vi", "chi_so", TOP_DOMAINS, *(domain_column(n) for n in range(1, 100))),
}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# --- Reading what is shown ---------------------------------------------------------------------------------


@dataclass
class Page:
    """Everything a ranking or domain page shows below its forms (read only when the cached page is stale)."""

    ranking: PublicRanking
    table: PublicTable
    shown: int
    averages: list[AverageLine]
    merger_rule: str = ""
    computed_ranks: bool = False
    predecessors: bool = False
    band_ranges: tuple[str, str, str] = ("", "", "")
    bands_scaled: bool = False
    domain_sources: list[tuple[RankingRow, list[Source]]] = field(default_factory=list)
    print_sources: list[str] = field(default_factory=list)  # every source URL of what the table shows
    regions: list[tuple[str, RegionRow]] = field(default_factory=list)  # (slug for the filter, region)
    has_domains: bool = False

    @property
    def summary(self) -> EditionSummary | None:
        return self.ranking.summary


def _averages(ranking: PublicRanking, region_row: RegionRow | None) -> list[AverageLine]:
    """The national average (as published, with its source, else computed and saying over how many units),
    and the average of the region filtered on."""
    lines = []
    summary = ranking.summary
    published = ranking.national_published
    if published:
        lines.append(
            AverageLine(
                _("Trung bình cả nước"), published[0].value, _("công bố"), tuple(s.url for s in published)
            )
        )
    elif summary is not None and summary.national_average is not None:
        note = "" if ranking.complete else _("tính trên %(n)s đơn vị") % {"n": summary.unit_count}
        lines.append(AverageLine(_("Trung bình cả nước"), summary.national_average, note))
    if region_row is not None:
        label = _("Trung bình vùng %(region)s") % {"region": region_row.region.display_name}
        if region_row.published:
            source = region_row.published[0]
            lines.append(
                AverageLine(label, source.value, _("công bố"), tuple(s.url for s in region_row.published))
            )
        else:
            note = "" if ranking.complete else _("tính trên %(n)s đơn vị") % {"n": region_row.unit_count}
            lines.append(AverageLine(label, region_row.average, note))
    return lines


def _page(edition: Edition, generation: int, filters: RankingFilter, view: str) -> Page:
    ranking = cached.ranking(edition, generation)
    rows = filters.rows(ranking.rows)
    region = filters.values["vung"]
    region_row = next((r for r in ranking.regions if region and region_slug(r.region) == region), None)
    averages = _averages(ranking, region_row)
    common: dict[str, Any] = {
        "averages": averages,
        "order_by": filters.order_by,
        "complete": ranking.complete,
        "unit_count": ranking.summary.expected_units if ranking.summary else ranking.unit_count,
        "caption": str(edition),
    }
    table: PublicTable
    if view == DOMAINS:
        table = DomainTable(rows, domains=ranking.domains, **common)
    else:
        table = RankingTable(rows, unit_level=edition.index.unit_level, **common)
    bases = {row.change_basis for row in ranking.rows}
    merger = bases & {ChangeBasis.PREDECESSORS_MEAN, ChangeBasis.NONE}
    unit_count = common["unit_count"]
    return Page(
        ranking=ranking,
        table=table,
        shown=len(rows),
        averages=averages,
        merger_rule=str(MergerRule(ranking.summary.merger_rule).label) if merger and ranking.summary else "",
        computed_ranks=not ranking.complete and any(row.rank_source == "computed" for row in rows),
        predecessors=ChangeBasis.PREDECESSORS_MEAN in bases,
        band_ranges=band_ranges(unit_count),
        bands_scaled=unit_count != UNITS_BEFORE_2025,
        domain_sources=[
            (row, [s for s in row.sources if s.measure])
            for row in rows
            if any(s.measure for s in row.sources)
        ],
        regions=[(region_slug(r.region), r) for r in ranking.regions],
        has_domains=any(row.domains for row in ranking.rows),
        print_sources=sorted(
            {url for line in averages for url in line.sources}
            | {s.url for row in rows for s in row.sources if view == DOMAINS or not s.measure}
        ),
    )


# --- Pages -------------------------------------------------------------------------------------------------


def _query(edition: Edition | None, values: dict[str, str], keep: tuple[str, ...] = KEPT) -> str:
    params = {"loai": kind_param(edition) if edition else ""} | {name: values.get(name, "") for name in keep}
    encoded = urlencode({name: value for name, value in params.items() if value})
    return f"?{encoded}" if encoded else ""


def _urls(edition: Edition) -> dict[str, str]:
    args = [index_slug(edition.index), edition.year]
    return {
        RANKING: reverse("ranking", args=args),
        DOMAINS: reverse("domains", args=args),
        f"{RANKING}_csv": reverse("ranking_download", args=[*args, "csv"]),
        f"{RANKING}_xlsx": reverse("ranking_download", args=[*args, "xlsx"]),
        f"{DOMAINS}_csv": reverse("domains_download", args=[*args, "csv"]),
        f"{DOMAINS}_xlsx": reverse("domains_download", args=[*args, "xlsx"]),
    }


def _filters(request: HttpRequest, found: cached.Catalogue, view: str) -> RankingFilter:
    return RankingFilter(request.GET, regions=found.regions, sort_columns=SORTS[view])


def _render_page(
    request: HttpRequest, edition: Edition, found: cached.Catalogue, generation: int, view: str
) -> HttpResponse:
    filters = _filters(request, found, view)
    valid = filters.is_valid()
    values = filters.values if valid else {}
    urls = _urls(edition)
    query = _query(edition, values, (*KEPT, "sap_xep"))
    context = {
        "view": view,
        "edition": edition,
        "editions": found.of_index(edition.index.code),
        "indices": found.indices(),
        "index_slug": index_slug(edition.index),
        "years": sorted({e.year for e in found.of_index(edition.index.code)}, reverse=True),
        "has_demo": any(e.kind == EditionKind.DEMO for e in found.of_index(edition.index.code)),
        "filters": filters,
        "valid": valid,
        "urls": urls,
        "here": urls[view],
        "csv_url": urls[f"{view}_csv"] + query,
        "xlsx_url": urls[f"{view}_xlsx"] + query,
        "index_choices": [(index_slug(index), index) for index in found.indices()],
        "kept": [(name, values[name]) for name in KEPT if values.get(name)],
        "query": query,
        "tab_query": _query(edition, values),
        "canonical": request.build_absolute_uri(urls[view] + _query(edition, {})),
        "page_url": request.build_absolute_uri(urls[view] + query),
        "cache_key": cached.page_key(
            view,
            host=request.get_host(),
            path=request.path,
            edition=edition,
            values=values,
            generation=generation,
        )
        if valid
        else "",
        "marks": {"computed": COMPUTED_RANK_MARK, "predecessors": PREDECESSORS_MARK},
        # Read only when the cached fragment has to be rendered again (see the template's cache tag).
        "page": SimpleLazyObject(lambda: _page(edition, generation, filters, view)) if valid else None,
    }
    template = "dashboards/domains.html" if view == DOMAINS else "dashboards/ranking.html"
    return render(request, template, context, status=200 if valid else 400)


def home(request: HttpRequest) -> HttpResponse:
    """The latest published PAR INDEX ranking (or the year asked for with ?nam= and ?loai=)."""
    generation = selectors.results_generation()
    found = cached.catalogue(generation)
    editions = found.of_index(PAR_INDEX)
    edition = selectors.pick_edition(editions, request.GET.get("nam"), request.GET.get("loai"))
    if edition is None:
        return render(request, "dashboards/ranking.html", {"edition": None, "editions": editions})
    return _render_page(request, edition, found, generation, RANKING)


def _edition_or_404(
    request: HttpRequest, index: str, year: int
) -> tuple[Edition | None, cached.Catalogue, int, HttpResponse | None]:
    generation = selectors.results_generation()
    found = cached.catalogue(generation)
    kind = kind_from_param(request.GET.get("loai"))
    edition = found.find(index, year, kind) if kind else None
    if edition is not None:
        return edition, found, generation, None
    return None, found, generation, _not_found(request, found, index, year)


def _not_found(request: HttpRequest, found: cached.Catalogue, index: str, year: int | None) -> HttpResponse:
    """404, with links to what there is: the index's published years, or the indices."""
    known = found.index_by_slug(index)
    if known is not None:
        links = [(_urls(e)[RANKING] + _query(e, {}), str(e)) for e in found.of_index(known.code)]
    else:
        links = [
            (reverse("ranking_index", args=[index_slug(i)]), f"{i.short_name} — {i.display_name}")
            for i in found.indices()
        ]
    context = {"index": known, "year": year, "links": links}
    return render(request, "dashboards/not_found.html", context, status=404)


def ranking(request: HttpRequest, index: str, year: int) -> HttpResponse:
    """The ranking of an index's year: rank, unit, index, changes, group, region, rank in region, sources."""
    edition, found, generation, missing = _edition_or_404(request, index, year)
    if edition is None:
        assert missing is not None
        return missing
    return _render_page(request, edition, found, generation, RANKING)


def domains(request: HttpRequest, index: str, year: int) -> HttpResponse:
    """The same year by domain: % of each domain maximum, domain ranks and their bands."""
    edition, found, generation, missing = _edition_or_404(request, index, year)
    if edition is None:
        assert missing is not None
        return missing
    return _render_page(request, edition, found, generation, DOMAINS)


def _download(request: HttpRequest, index: str, year: int, fmt: str, view: str) -> HttpResponse:
    edition, found, generation, missing = _edition_or_404(request, index, year)
    if edition is None:
        assert missing is not None
        return missing
    filters = _filters(request, found, view)
    if not filters.is_valid():
        errors = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in filters.errors.items())
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    key = cached.page_key(
        f"{view}.{fmt}",
        host=request.get_host(),
        path=request.path,
        edition=edition,
        values=filters.values,
        generation=generation,
    )
    body: bytes | None = cache.get(key)
    if body is None:
        page = _page(edition, generation, filters, view)
        rows = table_values(page.table, demo=edition.is_demo)
        if fmt == "csv":
            body = csv_bytes(rows)
        else:
            body = xlsx_bytes(
                rows, title=_sheet_title(edition, view), info=_about(request, edition, page, filters)
            )
        cache.set(key, body, cached.PAGE_SECONDS)
    name = "-".join(
        bit
        for bit in (index_slug(edition.index), str(edition.year), "demo" if edition.is_demo else "")
        + (("linh-vuc",) if view == DOMAINS else ())
        if bit
    )
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _sheet_title(edition: Edition, view: str) -> str:
    title = f"{edition.index.short_name} {edition.year}"
    if view == DOMAINS:
        title += f" {_('lĩnh vực')}"
    return f"DEMO {title}" if edition.is_demo else title


def _about(
    request: HttpRequest, edition: Edition, page: Page, filters: RankingFilter
) -> list[tuple[str, str]]:
    """What the file holds, for its second sheet."""
    values = filters.values
    summary = page.ranking.summary
    about = [
        (_("Kỳ đánh giá"), str(edition)),
        (_("Chỉ số"), edition.index.display_name),
        (_("Năm"), str(edition.year)),
        (
            _("Trang"),
            request.build_absolute_uri(_urls(edition)[RANKING] + _query(edition, values, (*KEPT, "sap_xep"))),
        ),
        (_("Tải về lúc"), timezone.localtime().strftime("%d/%m/%Y %H:%M")),
        (_("Bộ lọc"), ", ".join(f"{n}={v}" for n, v in values.items() if v) or _("không có")),
        (_("Số đơn vị trong bảng"), str(page.shown)),
    ]
    if summary is not None:
        about.append(
            (_("Kết quả tính lúc"), timezone.localtime(summary.computed_at).strftime("%d/%m/%Y %H:%M"))
        )
        if not summary.complete:
            about.append(
                (
                    _("Năm chưa đủ số liệu"),
                    _("Mới có số liệu của %(n)s/%(total)s đơn vị.")
                    % {"n": summary.unit_count, "total": summary.expected_units},
                )
            )
    if page.computed_ranks:
        about.append(
            (COMPUTED_RANK_MARK, _("Thứ hạng tính trong các đơn vị có số liệu, không phải thứ hạng công bố."))
        )
    if page.predecessors:
        about.append((PREDECESSORS_MARK, _("So với trung bình các đơn vị tiền thân (đợt sắp xếp năm 2025).")))
    if page.merger_rule:
        about.append((_("Quy tắc so sánh qua đợt sắp xếp 2025"), page.merger_rule))
    about.append((_("Nguồn"), _("Cột “Nguồn” ghi địa chỉ công bố của từng số liệu chính thức.")))
    if edition.is_demo:
        about.append(
            (
                _("DỮ LIỆU MINH HỌA (DEMO)"),
                _("Các số liệu được sinh tự động để minh họa, không phải kết quả chính thức của Bộ Nội vụ."),
            )
        )
    return about


def ranking_download(request: HttpRequest, index: str, year: int, fmt: str) -> HttpResponse:
    return _download(request, index, year, fmt, RANKING)


def domains_download(request: HttpRequest, index: str, year: int, fmt: str) -> HttpResponse:
    return _download(request, index, year, fmt, DOMAINS)


def choose(request: HttpRequest) -> HttpResponse:
    """The index, year and kind forms go here: to that edition's page (or the nearest one), filters kept."""
    generation = selectors.results_generation()
    found = cached.catalogue(generation)
    indices = found.indices()
    slug = request.GET.get("chi_so") or (index_slug(indices[0]) if indices else "")
    year_text = request.GET.get("nam", "")
    kind = kind_from_param(request.GET.get("loai")) or EditionKind.OFFICIAL
    edition = found.nearest(slug, int(year_text) if year_text.isdigit() else None, kind)
    if edition is None:
        edition = found.latest()
    if edition is None:
        return HttpResponseRedirect(reverse("home"))
    view = DOMAINS if request.GET.get("xem") == DOMAINS else RANKING
    values = {name: request.GET.get(name, "")[:200] for name in KEPT}
    return HttpResponseRedirect(_urls(edition)[view] + _query(edition, values))


def index_latest(request: HttpRequest, index: str) -> HttpResponse:
    """``/xep-hang/<index>/``: the newest year of the index."""
    found = cached.catalogue(selectors.results_generation())
    edition = found.nearest(index, None, EditionKind.OFFICIAL)
    if edition is None:
        return _not_found(request, found, index, None)
    return HttpResponseRedirect(_urls(edition)[RANKING] + _query(edition, {}))


def methodology(request: HttpRequest) -> HttpResponse:
    """How indices, ranks, ties, groups and the 2025 merger comparisons are computed; the criteria sets by year
    with their domains and maxima; the sources."""
    generation = selectors.results_generation()
    found = cached.catalogue(generation)
    return render(
        request,
        "dashboards/methodology.html",
        {
            "methodologies": SimpleLazyObject(selectors.methodologies_with_domains),
            "sources": SimpleLazyObject(public_sources),
            "editions": found.editions,
            "merger_rule": settings.PARINDEX_MERGER_RULE,
            "cache_key": f"{cached.CODE_VERSION}:{generation}",
        },
    )
