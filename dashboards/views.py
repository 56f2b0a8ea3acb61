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

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from dashboards import catalogue as cached
from dashboards import pages
from dashboards.exports import csv_bytes, table_values, xlsx_bytes
from dashboards.filters import RankingFilter
from dashboards.pages import DOMAINS, KEPT, RANKING, SORTS
from dashboards.ranking import index_slug, kind_from_param
from dashboards.tables import COMPUTED_RANK_MARK, PREDECESSORS_MARK
from parindex.register.models import PAR_INDEX, Edition, EditionKind
from scoring import selectors
from scoring.public import public_sources

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _filters(request: HttpRequest, found: cached.Catalogue, view: str) -> RankingFilter:
    return RankingFilter(request.GET, regions=found.regions, sort_columns=SORTS[view])


def _render_page(
    request: HttpRequest, edition: Edition, found: cached.Catalogue, generation: int, view: str
) -> HttpResponse:
    filters = _filters(request, found, view)
    valid = filters.is_valid()
    values = filters.values if valid else {}
    urls = pages.edition_urls(edition)
    query = pages.query_string(edition, values, (*KEPT, "sap_xep"))
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
        "tab_query": pages.query_string(edition, values),
        "canonical": request.build_absolute_uri(urls[view] + pages.query_string(edition, {})),
        "page_url": request.build_absolute_uri(urls[view] + query),
        "cache_key": cached.page_key(
            view,
            host=f"{request.scheme}://{request.get_host()}",
            path=request.path,
            edition=edition,
            values=values,
            generation=generation,
        )
        if valid
        else "",
        "marks": {"computed": COMPUTED_RANK_MARK, "predecessors": PREDECESSORS_MARK},
        # Read only when the cached fragment has to be rendered again (see the template's cache tag).
        "page": SimpleLazyObject(lambda: pages.build_page(edition, generation, filters, view))
        if valid
        else None,
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
        editions = found.of_index(known.code)
        links = [(pages.edition_urls(e)[RANKING] + pages.query_string(e, {}), str(e)) for e in editions]
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
        host=f"{request.scheme}://{request.get_host()}",
        path=request.path,
        edition=edition,
        values=filters.values,
        generation=generation,
    )
    body: bytes | None = cache.get(key)
    if body is None:
        page = pages.build_page(edition, generation, filters, view)
        rows = table_values(page.table, demo=edition.is_demo)
        if fmt == "csv":
            body = csv_bytes(rows)
        else:
            page_url = request.build_absolute_uri(
                pages.edition_urls(edition)[view]
                + pages.query_string(edition, filters.values, (*KEPT, "sap_xep"))
            )
            body = xlsx_bytes(
                rows,
                title=pages.sheet_title(edition, view),
                info=pages.about(edition, page, filters, page_url),
            )
        cache.set(key, body, cached.PAGE_SECONDS)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{pages.download_name(edition, view, fmt)}"'
    return response


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
    return HttpResponseRedirect(pages.edition_urls(edition)[view] + pages.query_string(edition, values))


def index_latest(request: HttpRequest, index: str) -> HttpResponse:
    """``/xep-hang/<index>/``: the newest year of the index."""
    found = cached.catalogue(selectors.results_generation())
    edition = found.nearest(index, None, EditionKind.OFFICIAL)
    if edition is None:
        return _not_found(request, found, index, None)
    return HttpResponseRedirect(pages.edition_urls(edition)[RANKING] + pages.query_string(edition, {}))


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
