"""Unit dashboards (issue 10): a page per unit with its charts, what-if and targets; compare; the national
overview; the printable brief.

Thin views: read through ``scoring.unit_reads`` (a fixed number of queries), build figures with
``dashboards.charts``, render. The public sees published official results (and demo ones, labelled);
leaders (whoever may view drafts) see drafts and self-assessments too, the targets and the what-if.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dashboards import charts
from parindex.entry.target_forms import TargetForm
from parindex.entry.targets import TargetError, may_set_targets, target_delete, target_set
from parindex.register.models import PAR_INDEX, PUBLIC_KINDS, EditionKind, Target, Unit
from parindex.register.numbers import NumberError, format_number, parse_decimal
from parindex.register.permissions import can_view_drafts
from scoring import calculation as calc
from scoring import unit_reads as reads
from scoring.models import ChangeBasis, MergerRule
from scoring.selectors import results_generation

logger = logging.getLogger(__name__)

INDEX_PARAM, KIND_PARAM, YEAR_PARAM = "chi-so", "loai", "nam"
COMPARE_PARAM = "don-vi"
COMPARE_MIN, COMPARE_MAX = 2, 4


@dataclass
class Selection:
    """What the page shows: an index, one published kind (official or demo), the year of the year charts."""

    index_code: str
    kind: str
    edition: reads.EditionInfo | None  # the year of charts 3–5 (None: the unit has no result)
    row: reads.ResultRow | None  # the unit's result in it
    notices: list[str] = field(default_factory=list)


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) <= 4 else None


def _select(
    request: HttpRequest, history: reads.History, lineage: reads.Lineage, *, drafts: bool
) -> Selection:
    """The index, kind and year asked for (?chi-so=, ?loai=, ?nam=), or the defaults: the PAR INDEX, official
    results when the unit has any on it (else demo), and the latest year the unit has a result. A year the unit
    did not exist in, or has no result in, gets a notice and the latest year instead."""
    notices: list[str] = []
    codes = [e.index_code for e in history.editions]
    index_code = request.GET.get(INDEX_PARAM) or PAR_INDEX
    if index_code not in codes:
        index_code = PAR_INDEX
    own = _own_ids(lineage)
    rows = [r for r in history.rows_of(index_code) if r.unit_id in own]
    kind = request.GET.get(KIND_PARAM) or ""
    if kind not in PUBLIC_KINDS:
        kind = (
            EditionKind.OFFICIAL if any(r.series == EditionKind.OFFICIAL for r in rows) else EditionKind.DEMO
        )
        if not any(r.series in (EditionKind.OFFICIAL, EditionKind.DEMO) for r in rows):
            kind = EditionKind.OFFICIAL
    series = {kind, f"{kind}-draft"} if drafts else {kind}
    candidates = sorted((r for r in rows if r.series in series), key=lambda r: (r.year, r.series != kind))
    asked = _int(request.GET.get(YEAR_PARAM))
    chosen: reads.ResultRow | None = None
    if asked is not None:
        chosen = next((r for r in reversed(candidates) if r.year == asked), None)
        if chosen is None:
            unit = lineage.unit
            if not unit.is_valid_in(asked) and not any(p.is_valid_in(asked) for p in lineage.predecessors):
                notices.append(
                    _("%(unit)s không tồn tại trong năm %(year)s; trang hiển thị năm gần nhất có kết quả.")
                    % {"unit": unit.name, "year": asked}
                )
            else:
                notices.append(
                    _("%(unit)s không có kết quả năm %(year)s; trang hiển thị năm gần nhất có kết quả.")
                    % {"unit": unit.name, "year": asked}
                )
    if chosen is None and candidates:
        published = [r for r in candidates if r.series == kind]
        chosen = (published or candidates)[-1]
    edition = history.edition(chosen.edition_id) if chosen else None
    return Selection(index_code, kind, edition, chosen, notices)


def _own_ids(lineage: reads.Lineage) -> set[int]:
    """The unit, with the one unit it continues (one line for both); merged predecessors are shown apart."""
    return set(lineage.ids) if lineage.continues_one else {lineage.unit.pk}


def _comparison_rule(lineage: reads.Lineage, rows: list[reads.ResultRow]) -> str:
    """How the unit's change across the 2025 merger is computed, said beside the chart (item 10)."""
    if not lineage.predecessors:
        return ""
    names = ", ".join(p.name for p in lineage.predecessors)
    basis = next((r.change_basis for r in reversed(rows) if r.unit_id == lineage.unit.pk), "")
    if lineage.continues_one:
        return _(
            "%(unit)s tiếp nối %(names)s: một đường cho cả hai; thứ hạng trong 63 và trong 34 đơn vị "
            "không so sánh trực tiếp."
        ) % {
            "unit": lineage.unit.name,
            "names": names,
        }
    rules: dict[str, str] = {
        ChangeBasis.PREDECESSORS_MEAN.value: str(MergerRule.PREDECESSORS_MEAN.label),
        ChangeBasis.NONE.value: str(MergerRule.NONE.label),
    }
    rule = rules.get(basis, "")
    text = _("Hợp nhất từ %(names)s (đường nét đứt: các đơn vị tiền thân, hiển thị cạnh nhau).") % {
        "names": names
    }
    if rule:
        text += " " + _("Quy tắc so sánh: %(rule)s.") % {"rule": rule}
    return text


@dataclass(frozen=True)
class WhatIfField:
    number: int
    name: str
    points: Decimal
    max_points: Decimal


def _unit_context(
    request: HttpRequest, unit: Unit, *, target_form: TargetForm | None = None
) -> dict[str, Any]:
    drafts = can_view_drafts(request.user)
    lineage = reads.lineage_of(unit)
    history = reads.history(lineage.ids, [unit.region_id], drafts=drafts)
    chosen = _select(request, history, lineage, drafts=drafts)
    own = _own_ids(lineage)
    index_editions = [e for e in history.editions_of(chosen.index_code) if e.series == chosen.kind]
    index_name = next(
        (e.edition.index.short_name for e in history.editions_of(chosen.index_code)), chosen.index_code
    )
    lines = charts.unit_lines(history, lineage, chosen.index_code, chosen.kind)
    targets = [t for t in history.targets if t.unit_id in own]
    index_targets = [t for t in targets if t.index.code == chosen.index_code]
    region_name = unit.region.display_name if unit.region else ""
    page_charts = [
        charts.index_history_chart(
            lines,
            index_editions,
            region_id=unit.region_id,
            region_name=region_name,
            index_name=index_name,
            comparison_rule=_comparison_rule(lineage, history.rows_of(chosen.index_code)),
        ),
        charts.rank_history_chart(
            lines, index_editions, index_targets if drafts else [], index_name=index_name
        ),
    ]
    edition, row = chosen.edition, chosen.row
    what_if_fields: list[WhatIfField] = []
    distribution: list[reads.DistributionRow] = []
    if edition is not None and row is not None:
        domains = reads.domains_of_year(edition.id, edition.methodology_id, row.unit_id)
        distribution = reads.distribution(edition.id, edition.complete)
        if domains:
            page_charts.append(charts.domains_chart(domains, unit_name=unit.name, year=edition.year))
            criteria = reads.criteria_left(edition.id, edition.methodology_id, row.unit_id)
            gains: dict[str, int] = {}
            if edition.complete:
                data = reads.simulation_input(edition.edition)
                full = {str(d.number): (d.number, d.left) for d in domains}
                full |= {c.code: (c.domain, c.left) for c in criteria}
                gains = reads.rank_if_full(data, row.unit_id, full)
                what_if_fields = [WhatIfField(d.number, d.name, d.points, d.max_points) for d in domains]
            items = [
                charts.LeftItem(str(d.number), d.name, d.left, gains.get(str(d.number))) for d in domains
            ]
            items += [charts.LeftItem(c.code, c.name, c.left, gains.get(c.code)) for c in criteria]
            page_charts.append(charts.points_left_chart(items, rank=row.rank, year=edition.year))
        ranks = reads.domain_ranks([e.id for e in index_editions], sorted(own))
        if ranks:
            page_charts.append(charts.domain_ranks_chart(ranks))
        # Neighbours and a spread mean something only when every unit of the year is known.
        if edition.complete and row.index is not None:
            page_charts.append(
                charts.distribution_chart(distribution, row.unit_id, unit_name=unit.name, year=edition.year)
            )
    context: dict[str, Any] = {
        "unit": unit,
        "lineage": lineage,
        "index_code": chosen.index_code,
        "index_name": index_name,
        "kind": chosen.kind,
        "is_demo": chosen.kind == EditionKind.DEMO,
        "edition": edition,
        "row": row,
        "notices": chosen.notices,
        "charts": page_charts,
        "indices": _indices(history),
        "years": sorted(
            {r.year for r in history.rows_of(chosen.index_code) if r.unit_id in own}, reverse=True
        ),
        "drafts": drafts,
        "peers": _peer_links(unit, distribution, row, reads.merged_units(edition.year))
        if row and edition
        else [],
    }
    if drafts:
        context |= _leader_context(request, unit, history, own, chosen, targets, what_if_fields, target_form)
    return context


def _indices(history: reads.History) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for info in history.editions:
        seen.setdefault(info.index_code, info.edition.index.short_name)
    return list(seen.items())


def _leader_context(
    request: HttpRequest,
    unit: Unit,
    history: reads.History,
    own: set[int],
    chosen: Selection,
    targets: list[Target],
    what_if_fields: list[WhatIfField],
    target_form: TargetForm | None,
) -> dict[str, Any]:
    """Targets (every index the unit has, side by side), the target form and the what-if form."""
    # Every index with results, then those with only targets (PAPI, PCI, DTI before their first edition).
    indices = dict(_indices(history))
    for target in targets:
        indices.setdefault(target.index.code, target.index.short_name)
    rows_by_index: dict[str, list[reads.ResultRow]] = {}
    for code in indices:
        rows = history.rows_of(code, own)
        # The page's kind; an index with no result of that kind (SIPAS has no demo data) shows its official ones.
        picked = [r for r in rows if r.series == chosen.kind] or [
            r for r in rows if r.series == EditionKind.OFFICIAL
        ]
        rows_by_index[code] = picked
    latest = {code: history.edition(rows[-1].edition_id) for code, rows in rows_by_index.items() if rows}
    others = reads.indices_of_editions(info.id for info in latest.values() if info is not None)
    standings = []
    for code, name in indices.items():
        rows = rows_by_index[code]
        info = latest.get(code)
        statuses = [
            reads.target_status(t, rows, others, complete=bool(info and info.complete))
            for t in targets
            if t.index.code == code
        ]
        if rows or statuses:
            standings.append(
                {"code": code, "name": name, "row": rows[-1] if rows else None, "targets": statuses}
            )
    form = target_form or TargetForm(
        unit=unit, initial={"index": _index_id(history, chosen.index_code), "year": timezone.now().year + 1}
    )
    return {
        "standings": standings,
        "target_form": form,
        "may_set_targets": may_set_targets(request.user),
        "what_if_fields": what_if_fields,
    }


def _index_id(history: reads.History, code: str) -> int | None:
    return next((e.edition.index_id for e in history.editions if e.index_code == code), None)


def _peer_links(
    unit: Unit, distribution: list[reads.DistributionRow], row: reads.ResultRow, merged: dict[int, int]
) -> list[tuple[str, str]]:
    """Ready-made comparisons with the nearest units by rank: of the same region, of the same group, and in a
    reorganisation year the merged units (several predecessors) and the unmerged ones (one)."""
    links = []
    near = [r for r in sorted(distribution, key=lambda r: abs(r.rank - row.rank)) if r.unit_id != row.unit_id]
    base = [unit.slug]
    groups = [(_("Cùng vùng"), [r.slug for r in near if r.region_id == unit.region_id])]
    if row.group:
        groups.append(
            (_("Cùng nhóm %(group)s") % {"group": row.group}, [r.slug for r in near if r.group == row.group])
        )
    if merged:
        groups += [
            (_("Các đơn vị hợp nhất"), [r.slug for r in near if merged.get(r.unit_id, 0) > 1]),
            (_("Các đơn vị không hợp nhất"), [r.slug for r in near if merged.get(r.unit_id, 0) == 1]),
        ]
    for label, slugs in groups:
        if slugs:
            links.append((label, _compare_url([*base, *slugs[:3]])))
    return links


def _compare_url(slugs: list[str], **params: str) -> str:
    query = urlencode([(COMPARE_PARAM, s) for s in slugs] + list(params.items()))
    return f"{reverse('units:compare')}?{query}"


PAGE_SECONDS = 3600  # a public page's data, also bounded by the results generation every recompute bumps


def _page_key(request: HttpRequest, unit: Unit) -> str | None:
    """The cache key of a public unit page, or None for a query that is not one the page's form makes (never
    cached: arbitrary query strings must not fill the cache)."""
    index, kind, year = (request.GET.get(name, "") for name in (INDEX_PARAM, KIND_PARAM, YEAR_PARAM))
    if index and (len(index) > 30 or not index.replace("_", "").isalnum()):
        return None
    if kind not in ("", *PUBLIC_KINDS) or (year and _int(year) is None):
        return None
    return f"units:page:{results_generation()}:{get_language()}:{unit.pk}:{index}:{kind}:{year}"


@require_GET
def unit_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A unit's dashboard: its index, rank and domains against the nation, its region and its targets. What the
    public sees is read once per results generation and language (cached; the page itself, with its CSRF
    token, is rendered per request); leaders' pages are read every time."""
    unit = reads.unit_by_slug(slug)
    if unit is None:
        raise Http404(_("Không có đơn vị này."))
    if can_view_drafts(request.user):
        return render(request, "dashboards/unit.html", _unit_context(request, unit))
    key = _page_key(request, unit)
    context: dict[str, Any] | None = cache.get(key) if key else None
    if context is None:
        context = _unit_context(request, unit)
        if key:
            cache.set(key, context, PAGE_SECONDS)
    return render(request, "dashboards/unit.html", context)


@require_POST
def unit_target_set(request: HttpRequest, slug: str) -> HttpResponse:
    """A leader sets a target of the unit (POST, CSRF); nothing is saved when anything is wrong."""
    unit = get_object_or_404(Unit.objects.select_related("region", "parent"), slug=slug)
    form = TargetForm(request.POST, unit=unit)
    status = 400
    if form.is_valid():
        try:
            target = target_set(
                user=request.user,
                unit=unit,
                index=form.cleaned_data["index"],
                year=form.cleaned_data["year"],
                goals=form.goals(),
            )
        except TargetError as error:
            form.add_service_errors(error.errors)
            status = 403 if error.forbidden else 400
        else:
            messages.success(
                request,
                _("Đã lưu mục tiêu %(index)s năm %(year)s.")
                % {"index": target.index.short_name, "year": target.year},
            )
            query = urlencode({INDEX_PARAM: target.index.code, KIND_PARAM: request.POST.get(KIND_PARAM, "")})
            return HttpResponseRedirect(f"{reverse('units:page', args=[unit.slug])}?{query}#targets")
    if not can_view_drafts(request.user):
        # Someone who cannot see the leaders' part of the page: the message alone.
        return render(
            request, "dashboards/unit_refused.html", {"unit": unit, "errors": form.errors}, status=403
        )
    response = render(request, "dashboards/unit.html", _unit_context(request, unit, target_form=form))
    response.status_code = status
    return response


@require_POST
def unit_target_delete(request: HttpRequest, slug: str, target_id: int) -> HttpResponse:
    target = get_object_or_404(Target.objects.select_related("unit__parent", "index__owner"), pk=target_id)
    if target.unit.slug != slug:
        raise Http404
    try:
        target_delete(user=request.user, target=target)
    except TargetError as error:
        return render(
            request,
            "dashboards/unit_refused.html",
            {"unit": target.unit, "errors": {"__all__": [m for ms in error.errors.values() for m in ms]}},
            status=403,
        )
    messages.success(request, _("Đã xóa mục tiêu."))
    return HttpResponseRedirect(f"{reverse('units:page', args=[slug])}#targets")


@require_GET
def unit_what_if(request: HttpRequest, slug: str) -> JsonResponse:
    """What-if (JSON): the unit's index, rank and group in the year's results if its domain points were those
    given (?d1=..&d2=..), computed by the engine; nothing is saved. For leaders."""
    if not can_view_drafts(request.user):
        return JsonResponse({"ok": False, "errors": {"__all__": [_("Chỉ dành cho lãnh đạo.")]}}, status=403)
    unit = reads.unit_by_slug(slug)
    if unit is None:
        return JsonResponse({"ok": False, "errors": {"__all__": [_("Không có đơn vị này.")]}}, status=404)
    lineage = reads.lineage_of(unit)
    history = reads.history(lineage.ids, [unit.region_id], drafts=True)
    chosen = _select(request, history, lineage, drafts=True)
    edition, row = chosen.edition, chosen.row
    asked = _int(request.GET.get(YEAR_PARAM))
    if edition is None or row is None or (asked is not None and edition.year != asked):
        return _refuse(_("%(unit)s không có kết quả năm này để mô phỏng.") % {"unit": unit.name})
    if not edition.complete:
        return _refuse(_("Mô phỏng cần điểm các lĩnh vực của mọi đơn vị trong năm; năm này chưa đủ."))
    domains = {d.number: d for d in reads.domains_of_year(edition.id, edition.methodology_id, row.unit_id)}
    if not domains:
        return _refuse(_("Đơn vị chưa có điểm từng lĩnh vực năm này."))
    changed: dict[int, Decimal] = {}
    errors: dict[str, list[str]] = {}
    for number, domain in domains.items():
        name = f"d{number}"
        if name not in request.GET:
            continue
        try:
            value = parse_decimal(request.GET[name])
        except NumberError as error:
            errors[name] = [str(error)]
            continue
        if value is None:
            continue
        if value < 0:
            errors[name] = [_("Điểm không được âm.")]
        elif value > domain.max_points:
            errors[name] = [
                _("Điểm vượt quá điểm tối đa %(max)s của lĩnh vực.")
                % {"max": format_number(domain.max_points)}
            ]
        else:
            changed[number] = value
    unknown = sorted(k for k in request.GET if k.startswith("d") and k[1:] not in {str(n) for n in domains})
    if unknown:
        errors["__all__"] = [
            _("Lĩnh vực không có trong bộ tiêu chí: %(names)s.") % {"names": ", ".join(unknown)}
        ]
    if errors:
        return JsonResponse({"ok": False, "errors": errors}, status=400)
    try:
        result = reads.what_if(reads.simulation_input(edition.edition), row.unit_id, changed)
    except (reads.WhatIfUnavailable, calc.CalculationError) as error:
        logger.info("what-if refused for %s %s: %s", unit.slug, edition.year, error)
        return _refuse(_("Không mô phỏng được với các điểm này."))
    return JsonResponse(
        {
            "ok": True,
            "year": edition.year,
            "index": format_number(result.index),
            "rank": result.rank,
            "group": result.group,
            "before": {
                "index": format_number(result.before_index),
                "rank": result.before_rank,
                "group": result.before_group,
            },
            "unit_count": result.unit_count,
            "text": _(
                "Năm %(year)s, với các điểm này: chỉ số %(index)s%% (hiện %(before_index)s%%), hạng %(rank)s/%(count)s "
                "(hiện %(before_rank)s), nhóm %(group)s (hiện %(before_group)s). Không có gì được lưu."
            )
            % {
                "year": edition.year,
                "index": format_number(result.index),
                "before_index": format_number(result.before_index),
                "rank": result.rank,
                "count": result.unit_count,
                "before_rank": result.before_rank,
                "group": result.group,
                "before_group": result.before_group,
            },
        }
    )


def _refuse(message: str) -> JsonResponse:
    return JsonResponse({"ok": False, "errors": {"__all__": [message]}}, status=400)


@dataclass(frozen=True)
class CompareChoice:
    """The units asked for by ?don-vi= (2 to 4 distinct known units), or why not."""

    units: list[Unit]
    errors: list[str]


def _compare_choice(slugs: list[str]) -> CompareChoice:
    errors: list[str] = []
    slugs = [s.strip() for s in slugs if s.strip()]
    if not slugs:
        return CompareChoice([], [])
    if len(set(slugs)) != len(slugs):
        errors.append(_("Mỗi đơn vị chỉ chọn một lần."))
    found = reads.units_by_slugs(slugs)
    unknown = [s for s in dict.fromkeys(slugs) if s not in found]
    if unknown:
        errors.append(_("Không có đơn vị: %(slugs)s.") % {"slugs": ", ".join(unknown)})
    distinct = list(dict.fromkeys(slugs))
    if not COMPARE_MIN <= len(distinct) <= COMPARE_MAX or len(slugs) > COMPARE_MAX:
        errors.append(
            _("Chọn từ %(min)s đến %(max)s đơn vị để so sánh (đã chọn %(count)s).")
            % {"min": COMPARE_MIN, "max": COMPARE_MAX, "count": len(slugs)}
        )
    if errors:
        return CompareChoice([], errors)
    return CompareChoice([found[s] for s in distinct], [])


@require_GET
def unit_compare(request: HttpRequest) -> HttpResponse:
    """Two to four units on the same charts: index and rank over the years, this year's domains."""
    choice = _compare_choice(request.GET.getlist(COMPARE_PARAM))
    drafts = can_view_drafts(request.user)
    context: dict[str, Any] = {
        "errors": choice.errors,
        "units": choice.units,
        "all_units": reads.provincial_units(),
        "slots": ([*request.GET.getlist(COMPARE_PARAM), *[""] * COMPARE_MAX])[:COMPARE_MAX],
        "charts": [],
        "kind": EditionKind.OFFICIAL,
    }
    if not choice.units:
        return render(request, "dashboards/unit_compare.html", context, status=400 if choice.errors else 200)
    lineages = reads.lineages_of(choice.units)
    ordered = [lineages[u.pk] for u in choice.units]
    ids = sorted(
        {i for lineage in ordered for i in (lineage.ids if lineage.continues_one else [lineage.unit.pk])}
    )
    history = reads.history(ids, [], drafts=drafts)
    index_code = request.GET.get(INDEX_PARAM) or PAR_INDEX
    if index_code not in {e.index_code for e in history.editions}:
        index_code = PAR_INDEX
    kind = request.GET.get(KIND_PARAM) or ""
    rows = history.rows_of(index_code, ids)
    if kind not in PUBLIC_KINDS:
        kind = (
            EditionKind.OFFICIAL if any(r.series == EditionKind.OFFICIAL for r in rows) else EditionKind.DEMO
        )
    editions = [e for e in history.editions_of(index_code) if e.series == kind]
    index_name = next((e.edition.index.short_name for e in history.editions_of(index_code)), index_code)
    lines = charts.peer_lines(history, ordered, index_code, kind)
    page_charts = [
        charts.compare_index_chart(lines, index_name=index_name, editions=editions),
        charts.compare_rank_chart(lines, index_name=index_name, editions=editions),
    ]
    # This year's domains: the latest year of that kind in which the compared units have results.
    years = sorted({r.year for r in rows if r.series == kind})
    asked = _int(request.GET.get(YEAR_PARAM))
    year = asked if asked in years else (years[-1] if years else None)
    if year is not None:
        edition = next((e for e in editions if e.year == year), None)
        if edition is not None:
            present = [line for line in lines if year in line.rows]
            found = reads.domains_of_units(
                edition.id, edition.methodology_id, [line.rows[year].unit_id for line in present]
            )
            domains = {line.name: found.get(line.rows[year].unit_id, []) for line in present}
            if any(domains.values()):
                page_charts.append(charts.compare_domains_chart(domains, year=year))
    context |= {
        "charts": page_charts,
        "kind": kind,
        "is_demo": kind == EditionKind.DEMO,
        "index_code": index_code,
        "indices": _indices(history),
        "year": year,
        "years": list(reversed(years)),
    }
    return render(request, "dashboards/unit_compare.html", context)


@require_GET
def unit_brief(request: HttpRequest, slug: str) -> HttpResponse:
    """A printable one-page brief (A4): index, rank, change, group, strongest and weakest domains, points left
    on the table, the target gap (leaders), sources and date."""
    unit = reads.unit_by_slug(slug)
    if unit is None:
        raise Http404(_("Không có đơn vị này."))
    drafts = can_view_drafts(request.user)
    lineage = reads.lineage_of(unit)
    history = reads.history(lineage.ids, [unit.region_id], drafts=drafts)
    chosen = _select(request, history, lineage, drafts=drafts)
    edition, row = chosen.edition, chosen.row
    index_name = next(
        (e.edition.index.short_name for e in history.editions_of(chosen.index_code)), chosen.index_code
    )
    context: dict[str, Any] = {
        "unit": unit,
        "lineage": lineage,
        "index_name": index_name,
        "index_code": chosen.index_code,
        "kind": chosen.kind,
        "is_demo": chosen.kind == EditionKind.DEMO,
        "edition": edition,
        "row": row,
        "notices": chosen.notices,
        "today": timezone.localdate(),
        "drafts": drafts,
    }
    if edition is None or row is None:
        return render(request, "dashboards/unit_brief.html", context)
    domains = reads.domains_of_year(edition.id, edition.methodology_id, row.unit_id)
    by_rank = sorted(domains, key=lambda d: (d.rank, -d.gap, d.number))
    gains: dict[str, int] = {}
    if domains and edition.complete:
        full = {str(d.number): (d.number, d.left) for d in domains}
        gains = reads.rank_if_full(reads.simulation_input(edition.edition), row.unit_id, full)
    left = sorted(
        (charts.LeftItem(str(d.number), d.name, d.left, gains.get(str(d.number))) for d in domains),
        key=lambda i: (-(row.rank - i.rank_if_full) if i.rank_if_full is not None else 0, -i.left),
    )[:3]
    own = _own_ids(lineage)
    statuses: list[reads.TargetStatus] = []
    if drafts:
        rows = [r for r in history.rows_of(chosen.index_code, own) if r.series == chosen.kind]
        others = reads.indices_of_editions([edition.id])
        statuses = [
            reads.target_status(t, rows, others, complete=edition.complete)
            for t in history.targets
            if t.unit_id in own and t.index.code == chosen.index_code
        ]
    context |= {
        "strongest": by_rank[:2],
        "weakest": list(reversed(by_rank[-2:])) if len(by_rank) > 2 else [],
        "left": left,
        "statuses": statuses,
        "sources": reads.sources_of(chosen.index_code, edition.year, [row.unit_id]),
        "national_average": edition.national_average,
        "region_average": edition.region_averages.get(unit.region_id) if unit.region_id else None,
        "source_text": edition.edition.source,
        "comparison_rule": _comparison_rule(lineage, history.rows_of(chosen.index_code)),
    }
    return render(request, "dashboards/unit_brief.html", context)


COLOUR_PARAM = "mau"
MOVERS = 5


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """The national overview of a year: a tile-grid map coloured by index or group, the regional averages, the
    biggest movers up and down."""
    drafts = can_view_drafts(request.user)
    kind = request.GET.get(KIND_PARAM) or EditionKind.OFFICIAL
    if kind not in PUBLIC_KINDS:
        kind = EditionKind.OFFICIAL
    colour_by = "group" if request.GET.get(COLOUR_PARAM) == "group" else "index"
    editions = reads.editions_of_index(PAR_INDEX, kind, drafts=drafts)
    asked = _int(request.GET.get(YEAR_PARAM))
    edition = next((e for e in editions if e.year == asked), editions[0] if editions else None)
    notices: list[str] = []
    if asked is not None and (edition is None or edition.year != asked):
        notices.append(_("Không có kết quả năm %(year)s; trang hiển thị năm gần nhất.") % {"year": asked})
    context: dict[str, Any] = {
        "kind": kind,
        "is_demo": kind == EditionKind.DEMO,
        "colour_by": colour_by,
        "editions": editions,
        "edition": edition,
        "charts": [],
        "notices": [],
    }
    if asked is not None and (edition is None or edition.year != asked):
        context["notices"].append(
            _("Không có kết quả năm %(year)s; trang hiển thị năm gần nhất.") % {"year": asked}
        )
    if edition is None:
        return render(request, "dashboards/unit_overview.html", context)
    ranking = reads.overview_of(edition)
    tiles = [charts.Tile(u.code, u.name, u.slug, u.index, u.rank, u.group) for u in ranking.units]
    link = reverse("units:page", args=["__slug__"]) + "?" + urlencode({KIND_PARAM: kind})
    context["charts"] = [
        charts.tile_map_chart(
            tiles, colour_by=colour_by, year=edition.year, unit_count=len(tiles), link=link
        ),
    ]
    if ranking.regions:
        context["charts"].append(charts.region_chart(ranking.regions, year=edition.year))
    moved = [u for u in ranking.units if u.rank_change]
    context |= {
        "ranking": ranking,
        "up": sorted(
            (u for u in moved if (u.rank_change or 0) > 0), key=lambda u: (-(u.rank_change or 0), u.rank)
        )[:MOVERS],
        "down": sorted(
            (u for u in moved if (u.rank_change or 0) < 0), key=lambda u: ((u.rank_change or 0), u.rank)
        )[:MOVERS],
    }
    return render(request, "dashboards/unit_overview.html", context)
