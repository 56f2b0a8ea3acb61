"""Entry views: thin functions over parindex.entry.services (writes), parindex.entry.selectors (reads) and
parindex.register.permissions (who may). Every write is a POST with a CSRF token; a GET never writes."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_tables2 import RequestConfig
from django_tables2.paginators import LazyPaginator

from parindex.entry import selectors as entry_selectors
from parindex.entry.audit import PAGE_PARAM, PAGE_SIZE, AuditFilter, AuditTable, LazyRows
from parindex.entry.forms import (
    MODE_PARAM,
    MODE_PERCENT,
    MODE_POINTS,
    EditionCreateForm,
    ReopenForm,
    grid_key,
    input_name,
    parse_grid,
)
from parindex.entry.results import results_context
from parindex.entry.services import (
    CellError,
    EntryError,
    Mode,
    StaleEditError,
    cell_field,
    edition_create,
    edition_publish,
    edition_reopen,
    scores_check,
    scores_save,
)
from parindex.entry.setup import approvers_to_ask, is_unassigned_editor, setup_context
from parindex.register import permissions
from parindex.register.models import Criterion, Edition, EditionStatus, Unit
from scoring.selectors import ComputedRank, computed_ranks, explanation_holds
from scoring.tasks import RecomputeWatch, recompute_watch

HISTORY_PAGE_SIZE = 50


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Bạn không có quyền thực hiện thao tác này."))


@login_required
@require_http_methods(["GET"])
def edition_list(request: HttpRequest) -> HttpResponse:
    _require(permissions.can_view_drafts(request.user))
    editions = Edition.objects.select_related("methodology").order_by("index__order", "-year", "kind")
    rows = [
        (progress, permissions.can_edit(request.user, progress.edition))
        for progress in entry_selectors.editions_with_progress(editions)
    ]
    # An editor without any assignment can enter nothing yet: the page says whom to ask.
    unassigned = is_unassigned_editor(request.user)
    return render(
        request,
        "parindex/edition_list.html",
        {
            "rows": rows,
            "can_publish": permissions.can_publish(request.user),
            "unassigned": unassigned,
            "ask": approvers_to_ask() if unassigned else [],
        },
    )


@login_required
@require_http_methods(["GET"])
def edition_detail(request: HttpRequest, edition_id: int) -> HttpResponse:
    """One edition: what it is, how far entry got, its setup (criteria set, maxima, editors) and the state of
    its results (current or not, published ranks that differ from the computed ones)."""
    edition = get_object_or_404(Edition.objects.select_related("methodology"), pk=edition_id)
    _require(permissions.can_view_drafts(request.user))
    (progress,) = entry_selectors.editions_with_progress([edition])
    context: dict[str, object] = {
        "edition": edition,
        "progress": progress,
        "can_edit": permissions.can_edit(request.user, edition),
        "can_publish": permissions.can_publish(request.user),
    }
    context |= setup_context(request, edition)
    context |= results_context(request, edition)
    return render(request, "parindex/edition_detail.html", context)


# --- The year grid ----------------------------------------------------------------------------------------


@dataclass
class GridCell:
    key: str  # "d1".."d8", "index", "rank"
    name: str
    label: str
    value: str
    error: str = ""
    yours: str = ""  # after a stale save: what this editor had typed, when it differs from the new value
    not_applicable: bool = False  # the criterion does not apply to the unit: no input, "KAD" shown

    @property
    def error_id(self) -> str:
        return f"{self.name}-error"


@dataclass
class GridRow:
    unit: Unit
    editable: bool
    version: int
    cells: list[GridCell]
    stale: bool = False
    errors: list[str] = field(default_factory=list)
    # In a complete edition: the computed rank, to set against the published one.
    computed: ComputedRank | None = None
    rank_explained: bool = False  # a reason given for the rank difference still holds

    @property
    def version_name(self) -> str:
        return input_name(self.unit.pk, "version")


def _mode(value: str | None) -> str:
    return MODE_PERCENT if value == MODE_PERCENT else MODE_POINTS


def _grid_url(edition: Edition, mode: str) -> str:
    return f"{reverse('entry:grid', args=[edition.pk])}?{MODE_PARAM}={mode}"


@login_required
@require_http_methods(["GET", "POST"])
def edition_grid(request: HttpRequest, edition_id: int) -> HttpResponse:
    """Units of the year as rows, the domains, published index and rank as columns; one save for all."""
    edition = get_object_or_404(Edition.objects.select_related("methodology"), pk=edition_id)
    if request.method == "POST":
        _require(permissions.can_edit(request.user, edition))
        mode = _mode(request.POST.get(MODE_PARAM))
    else:
        _require(permissions.can_view_drafts(request.user))
        mode = _mode(request.GET.get(MODE_PARAM))
    criteria = entry_selectors.grid_criteria(edition)
    service_mode: Mode = "percent" if mode == MODE_PERCENT else "points"
    raw: dict[int, dict[str, str]] = {}
    errors: list[CellError] = []
    stale: set[int] = set()
    status = 200
    if request.method == "POST":
        parsed = parse_grid(request.POST, criteria)
        raw = parsed.raw
        try:
            if parsed.errors:
                # Show every error at once: the cells that are not numbers, and what the services say of the rest.
                bad_cells = {(e.unit_id, e.field) for e in parsed.errors}
                bad_rows = {e.unit_id for e in parsed.errors}
                others = [
                    e
                    for e in scores_check(
                        edition=edition, rows=parsed.rows, user=request.user, mode=service_mode
                    )
                    if (e.unit_id, e.field) not in bad_cells
                    and not (e.unit_id in bad_rows and e.field == "row")
                ]
                raise EntryError(parsed.errors + others)
            with recompute_watch() as watch:
                report = scores_save(edition=edition, rows=parsed.rows, user=request.user, mode=service_mode)
        except StaleEditError as error:
            errors, stale, status = error.errors, set(error.changed), 409
        except EntryError as error:
            errors, status = error.errors, 422
        else:
            messages.success(
                request,
                _("Đã lưu: %(created)s đơn vị mới, %(updated)s đơn vị sửa, %(unchanged)s không đổi.")
                % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
            )
            _tell_unconfirmed(request, watch)
            return redirect(_grid_url(edition, mode))
    return render(
        request,
        "parindex/grid.html",
        _grid_context(request, edition, criteria, mode, raw, errors, stale),
        status=status,
    )


def _grid_context(
    request: HttpRequest,
    edition: Edition,
    criteria: dict[str, Criterion],
    mode: str,
    raw: dict[int, dict[str, str]],
    errors: list[CellError],
    stale: set[int],
) -> dict[str, object]:
    percent = mode == MODE_PERCENT
    stored = entry_selectors.stored_rows(edition, criteria, percent=percent)
    allowed = permissions.editable_units(request.user, edition)
    locked = edition.status == EditionStatus.PUBLISHED
    units = entry_selectors.grid_units(edition)
    computed = computed_ranks(edition)
    names = {p.pk: p.name for p in units}
    keys = [cell_field(code) for code in criteria] + ["index", "rank"]
    labels = {cell_field(code): criterion.label for code, criterion in criteria.items()}
    labels |= {"index": _("Chỉ số công bố (%)"), "rank": _("Thứ hạng công bố")}
    by_cell: dict[tuple[int | None, str], str] = {}
    row_errors: dict[int, list[str]] = {}
    summary: list[dict[str, str]] = []
    listed: set[tuple[str, str]] = set()
    for error in errors:
        key = grid_key(error.field)
        if error.unit_id is not None and key in labels:
            by_cell[(error.unit_id, key)] = error.message
        elif error.unit_id is not None and error.message not in row_errors.get(error.unit_id, []):
            row_errors.setdefault(error.unit_id, []).append(error.message)
        if stale and error.unit_id is None:
            continue  # "changed by someone else: <names>" repeats the rows' own errors and the box above
        anchor = input_name(error.unit_id, key) if error.unit_id in names and key in labels else ""
        where = names.get(error.unit_id, "") if error.unit_id is not None else ""
        if where and key in labels:
            where = f"{where} – {labels[key]}"
        if (where, error.message) in listed:
            continue  # one entry per place and message
        listed.add((where, error.message))
        summary.append({"where": where, "message": error.message, "anchor": anchor})
    rows: list[GridRow] = []
    for unit in units:
        saved = stored.get(unit.pk)
        typed = raw.get(unit.pk)
        use_typed = typed is not None and unit.pk not in stale
        values = typed if use_typed and typed is not None else (saved.values if saved else {})
        version_text = typed.get("version", "") if use_typed and typed is not None else ""
        version = int(version_text) if version_text.isdigit() else (saved.version if saved else 0)
        cells = []
        for key in keys:
            cell = GridCell(
                key=key,
                name=input_name(unit.pk, key),
                label=f"{unit.name} – {labels[key]}",
                value=values.get(key, ""),
                error=by_cell.get((unit.pk, key), ""),
                not_applicable=bool(saved and key in saved.not_applicable),
            )
            if unit.pk in stale and typed is not None:
                mine = typed.get(key, "")
                if mine != cell.value:
                    cell.yours = mine or entry_selectors.EMPTY
            cells.append(cell)
        rows.append(
            GridRow(
                unit=unit,
                editable=not locked and (allowed is None or unit.pk in allowed),
                version=version,
                cells=cells,
                stale=unit.pk in stale,
                errors=row_errors.get(unit.pk, []),
                computed=computed.get(unit.pk),
                rank_explained=_rank_explained(saved, computed.get(unit.pk)),
            )
        )
    maxima = [(c.code, c.max_points) for c in criteria.values()]
    return {
        "edition": edition,
        "rows": rows,
        "maxima": maxima,
        "mode": mode,
        "mode_param": MODE_PARAM,
        "mode_points": MODE_POINTS,
        "mode_percent": MODE_PERCENT,
        "percent": percent,
        "summary": summary,
        "stale_names": [names.get(pid, str(pid)) for pid in sorted(stale, key=lambda p: names.get(p, ""))],
        "locked": locked,
        "can_save": not locked and any(r.editable for r in rows),
        "can_publish": permissions.can_publish(request.user),
        "computed_ranks": bool(computed),
    }


def _rank_explained(saved: entry_selectors.StoredRow | None, computed: ComputedRank | None) -> bool:
    if saved is None or computed is None or not computed.mismatch:
        return False
    return explanation_holds(
        saved.rank_explanation, saved.rank_explained_for, computed.published_rank, computed.rank
    )


# --- Editions: create, publish, reopen --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def edition_create_view(request: HttpRequest) -> HttpResponse:
    _require(permissions.can_publish(request.user))
    form = EditionCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            edition = edition_create(
                year=form.cleaned_data["year"],
                kind=form.cleaned_data["kind"],
                methodology=form.cleaned_data["methodology"],
                index=form.cleaned_data["index"],
                note=form.cleaned_data["note"],
                user=request.user,
            )
        except EntryError as error:
            for cell in error.errors:
                form.add_error(cell.field if cell.field in form.fields else None, cell.message)
        else:
            messages.success(request, _("Đã tạo bản nháp %(edition)s.") % {"edition": edition})
            return redirect("entry:grid", edition.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "parindex/edition_create.html", {"form": form}, status=status)


def _tell_unconfirmed(request: HttpRequest, watch: RecomputeWatch) -> None:
    """The write is saved, but the broker did not take its recompute: the results wait for the sweep."""
    if watch.unconfirmed:
        messages.warning(request, _("Đã lưu; kết quả đang chờ tính lại."))


@login_required
@require_http_methods(["POST"])
def edition_publish_view(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = get_object_or_404(Edition, pk=edition_id)
    _require(permissions.can_publish(request.user))
    try:
        with recompute_watch() as watch:
            edition = edition_publish(edition=edition, user=request.user)
    except EntryError as error:
        for cell in error.errors:
            messages.error(request, cell.message)
    else:
        messages.success(request, _("Đã công bố %(edition)s.") % {"edition": edition})
        _tell_unconfirmed(request, watch)
    return redirect("entry:edition_list")


@login_required
@require_http_methods(["GET", "POST"])
def edition_reopen_view(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = get_object_or_404(Edition, pk=edition_id)
    _require(permissions.can_publish(request.user))
    form = ReopenForm(request.POST or None)
    if request.method == "POST":
        # The service checks the reason too (a blank one is refused whatever the form says).
        try:
            with recompute_watch() as watch:
                edition = edition_reopen(
                    edition=edition, user=request.user, reason=request.POST.get("reason", "")
                )
        except EntryError as error:
            form.is_valid()
            for cell in error.errors:
                if cell.field == "reason" and form.errors.get("reason"):
                    continue
                form.add_error("reason" if cell.field == "reason" else None, cell.message)
        else:
            messages.success(request, _("Đã mở lại %(edition)s để sửa số liệu.") % {"edition": edition})
            _tell_unconfirmed(request, watch)
            return redirect("entry:edition_list")
    status = 422 if request.method == "POST" else 200
    return render(request, "parindex/edition_reopen.html", {"form": form, "edition": edition}, status=status)


# --- Audit trail ------------------------------------------------------------------------------------------


def _page(request: HttpRequest, changes: list[entry_selectors.Change]) -> object:
    return Paginator(changes, HISTORY_PAGE_SIZE).get_page(request.GET.get("trang"))


@login_required
@require_http_methods(["GET"])
def edition_history_view(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = get_object_or_404(Edition.objects.select_related("methodology"), pk=edition_id)
    _require(permissions.can_view_drafts(request.user))
    return render(
        request,
        "parindex/history.html",
        {
            "edition": edition,
            "unit": None,
            "events": entry_selectors.edition_events(edition),
            "page": _page(request, entry_selectors.edition_history(edition)),
        },
    )


@login_required
@require_http_methods(["GET"])
def assessment_history_view(request: HttpRequest, edition_id: int, unit_id: int) -> HttpResponse:
    edition = get_object_or_404(Edition, pk=edition_id)
    unit = get_object_or_404(Unit, pk=unit_id)
    _require(permissions.can_view_drafts(request.user))
    return render(
        request,
        "parindex/history.html",
        {
            "edition": edition,
            "unit": unit,
            "events": [],
            "page": _page(request, entry_selectors.assessment_history(edition, unit)),
        },
    )


# --- The audit log: every edition ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def audit_log_view(request: HttpRequest) -> HttpResponse:
    """Who created, published, reopened and changed what, in every edition, filtered by user, dates, edition
    and action; 50 a page, or all the filtered rows as CSV (?dinh_dang=csv).

    Open to whoever may see drafts (editors, approvers, leaders, admins): each edition's own history page is
    open to them already, and this page shows nothing more than those pages put together."""
    _require(permissions.can_view_drafts(request.user))
    audit_filter = AuditFilter(request.GET)  # bound even when empty: no filter is a valid query
    valid = audit_filter.is_valid()
    if valid and request.GET.get("dinh_dang") == "csv":
        return _csv(AuditTable(entry_selectors.audit_trail(audit_filter.criteria)))
    # A page reads the history back to its last row only, and the pager does not count every change (a province's
    # history grows by thousands of records a year): "next" shows while there are more.
    rows: LazyRows | list[object] = (
        LazyRows(entry_selectors.AuditRows(audit_filter.criteria)) if valid else []
    )
    table = AuditTable(rows, page_field=PAGE_PARAM)
    paginate = {"per_page": PAGE_SIZE, "paginator_class": LazyPaginator}
    RequestConfig(request, paginate=paginate).configure(table)
    return render(
        request,
        "parindex/audit_log.html",
        {"filter": audit_filter, "table": table},
        status=200 if valid else 400,
    )


def _csv(table: AuditTable) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="nhat-ky-thay-doi.csv"'
    response.write("\ufeff")  # a byte order mark: Excel then reads the Vietnamese as UTF-8
    writer = csv.writer(response)
    for row in table.as_values():
        writer.writerow(row)
    return response
