"""Views of an edition's setup: thin functions over parindex.entry.setup_services (writes) and
parindex.entry.setup (reads). Every write is a POST with a CSRF token that checks the role and the object; a GET
never writes (the page to add a year previews what it would change)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from parindex.entry.services import EntryError
from parindex.entry.setup import (
    approvers_to_ask,
    assign_form,
    assignments_of,
    methodology_form,
    set_choices,
    unknown_maxima,
)
from parindex.entry.setup_forms import EDITION_PARAM, SET_PARAM, YEAR_PARAM, MaximaForm, YearForm
from parindex.entry.setup_services import (
    YearPlan,
    criteria_maxima_check,
    criteria_maxima_set,
    edition_methodology_set,
    editor_assignment_add,
    editor_assignment_remove,
    methodology_year_add,
    methodology_year_plan,
    person,
    scored_units,
    years_of,
)
from parindex.register import permissions
from parindex.register.models import Edition, EditionStatus, EditorAssignment, Methodology
from parindex.register.selectors import criteria_of


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Bạn không có quyền thực hiện thao tác này."))


def _errors_to(form: Form, error: EntryError) -> None:
    """The service's messages on the form's fields they name, the others above the form."""
    for cell in error.errors:
        form.add_error(cell.field if cell.field in form.fields else None, cell.message)


def _edition_param(request: HttpRequest, methodology: Methodology) -> Edition | None:
    """The edition a page about a criteria set was opened from (?ky=<id>), when it is one of the set's index."""
    raw = request.POST.get(EDITION_PARAM) or request.GET.get(EDITION_PARAM) or ""
    if not raw.isdigit():
        return None
    return Edition.objects.filter(pk=int(raw), index_id=methodology.index_id).first()


# --- The criteria set of an edition -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def edition_methodology_view(request: HttpRequest, edition_id: int) -> HttpResponse:
    """Choose or change an edition's criteria set (approvers and admins)."""
    edition = get_object_or_404(Edition.objects.select_related("methodology"), pk=edition_id)
    _require(permissions.can_publish(request.user))
    sets = set_choices(edition)
    chosen = request.GET.get(SET_PARAM, "")
    form = methodology_form(
        edition, sets, request.POST or None, chosen=int(chosen) if chosen.isdigit() else None
    )
    offer: Methodology | None = None  # a set of the index that lacks the edition's year: offer to add it
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            methodology = form.cleaned_data["methodology"]
            try:
                change = edition_methodology_set(
                    edition=edition,
                    methodology=methodology,
                    user=request.user,
                    confirmed_units=form.cleaned_data["confirmed_units"],
                    reason=form.cleaned_data["reason"],
                )
            except EntryError as error:
                _errors_to(form, error)
                if (
                    methodology is not None
                    and methodology.index_id == edition.index_id
                    and not methodology.covers(edition.year)
                ):
                    offer = methodology
            else:
                if not change.changed:
                    messages.info(request, _("Kỳ đánh giá đã dùng bộ tiêu chí này: không có gì thay đổi."))
                else:
                    text = _("Đã đổi bộ tiêu chí của %(edition)s: %(old)s → %(new)s.") % {
                        "edition": edition,
                        "old": change.old.code if change.old else "—",
                        "new": change.new.code if change.new else "—",
                    }
                    if change.units_cleared:
                        text += " " + _(
                            "Đã xóa điểm theo bộ tiêu chí cũ của %(count)s đơn vị (%(removed)s đơn vị không còn "
                            "kết quả nào); lịch sử giữ lại các điểm đã xóa."
                        ) % {"count": change.units_cleared, "removed": change.units_removed}
                    messages.success(request, text)
                return redirect("entry:edition_detail", edition.pk)
    return render(
        request,
        "parindex/setup_methodology.html",
        {
            "edition": edition,
            "form": form,
            "scored_units": scored_units(edition, edition.methodology_id),
            "offer": offer,
            "sets": sets,
        },
        status=status,
    )


# --- The years of a criteria set --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def methodology_year_add_view(request: HttpRequest, methodology_id: int) -> HttpResponse:
    """Add a year to a criteria set (approvers and admins). GET ?nam=2019 shows what it would change (the years
    the set would cover, the editions that could then use it, other sets of those years); POST adds it."""
    methodology = get_object_or_404(Methodology.objects.select_related("index"), pk=methodology_id)
    _require(permissions.can_publish(request.user))
    back = _edition_param(request, methodology)
    form = YearForm(
        request.POST if request.method == "POST" else (request.GET if YEAR_PARAM in request.GET else None)
    )
    plan: YearPlan | None = None
    status = 422 if request.method == "POST" else 200
    if form.is_bound and form.is_valid():
        year = form.cleaned_data[YEAR_PARAM]
        try:
            if request.method == "POST":
                plan = methodology_year_add(methodology=methodology, year=year, user=request.user)
            else:
                plan = methodology_year_plan(methodology=methodology, year=year)
        except EntryError as error:
            _errors_to(form, error)
        else:
            if request.method == "POST":
                messages.success(
                    request,
                    _("Đã thêm năm %(year)s: bộ tiêu chí %(code)s nay áp dụng %(years)s.")
                    % {"year": year, "code": methodology.code, "years": plan.years},
                )
                if back is not None and back.year in plan.added and back.status == EditionStatus.DRAFT:
                    # Back to the edition it was added for, with the set chosen, for the approver to confirm.
                    url = reverse("entry:setup_methodology", args=[back.pk])
                    return redirect(f"{url}?{SET_PARAM}={methodology.pk}")
                if back is not None:
                    return redirect("entry:edition_detail", back.pk)  # published: to be reopened first
                return redirect("entry:methodology_year_add", methodology.pk)
    return render(
        request,
        "parindex/setup_year.html",
        {
            "methodology": methodology,
            "years": years_of(methodology),
            "form": form,
            "plan": plan,
            "back": back,
            "year_param": YEAR_PARAM,
            "edition_param": EDITION_PARAM,
        },
        status=status,
    )


# --- Maxima of a criteria set -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def criteria_maxima_view(request: HttpRequest, methodology_id: int) -> HttpResponse:
    """A criteria set's maxima with their status and source: staff read them, admins change them."""
    methodology = get_object_or_404(Methodology.objects.select_related("index"), pk=methodology_id)
    can_change = permissions.is_admin(request.user)
    _require(can_change if request.method == "POST" else permissions.can_view_drafts(request.user))
    criteria = criteria_of(methodology.pk)
    form = MaximaForm(request.POST or None, criteria=criteria)
    status = 200
    if request.method == "POST":
        status = 422
        try:
            if not form.is_valid():
                # Every error at once: what could not be read, and what the service says of the rest.
                unreadable = set(form.errors)
                others = criteria_maxima_check(
                    methodology=methodology, values=form.values(), criteria=criteria
                )
                raise EntryError([cell for cell in others if cell.field not in unreadable])
            report = criteria_maxima_set(methodology=methodology, values=form.values(), user=request.user)
        except EntryError as error:
            _errors_to(form, error)
        else:
            if not report.changed:
                messages.info(request, _("Không có điểm tối đa nào thay đổi."))
            else:
                text = _("Đã lưu điểm tối đa: %(criteria)s.") % {"criteria": ", ".join(report.changed)}
                if report.rescored_units:
                    text += " " + _(
                        "Kết quả của %(count)s đơn vị có điểm theo các tiêu chí này đang được tính lại."
                    ) % {"count": report.rescored_units}
                messages.success(request, text)
            return redirect("entry:criteria_maxima", methodology.pk)
    editions = list(Edition.objects.filter(methodology=methodology).order_by("-year", "kind"))
    return render(
        request,
        "parindex/setup_maxima.html",
        {
            "methodology": methodology,
            "years": years_of(methodology),
            "form": form,
            "rows": form.rows,
            "unknown": unknown_maxima(criteria),
            "can_change": can_change,
            "editions": editions,
            "admins": [] if can_change else _admins(),
        },
        status=status,
    )


def _admins() -> list[str]:
    """Who may change maxima, for the others to ask: the admins among those approvers_to_ask lists."""
    return [contact.name for contact in approvers_to_ask(admins_only=True)]


# --- Editor assignments -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def edition_editors_view(request: HttpRequest, edition_id: int) -> HttpResponse:
    """Assign an editor to an edition, for every unit or one (approvers and admins)."""
    edition = get_object_or_404(Edition, pk=edition_id)
    _require(permissions.can_publish(request.user))
    form = assign_form(edition, request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            editor, unit = form.cleaned_data["user"], form.cleaned_data["unit"]
            try:
                report = editor_assignment_add(edition=edition, editor=editor, unit=unit, user=request.user)
            except EntryError as error:
                _errors_to(form, error)
            else:
                text = _("Đã phân công %(user)s nhập %(scope)s của %(edition)s.") % {
                    "user": person(editor),
                    "scope": unit.name if unit is not None else _("mọi đơn vị"),
                    "edition": edition,
                }
                if report.replaced:
                    text += " " + _("Thay cho %(count)s phân công từng đơn vị trước đó.") % {
                        "count": report.replaced
                    }
                if report.role_added:
                    text += " " + _("Người này được thêm vai trò cán bộ nhập liệu.")
                messages.success(request, text)
                return redirect(reverse("entry:edition_detail", args=[edition.pk]) + "#nguoi-nhap-lieu")
    return render(
        request,
        "parindex/setup_editors.html",
        {"edition": edition, "form": form, "assignments": assignments_of(edition)},
        status=status,
    )


@login_required
@require_http_methods(["POST"])
def edition_editor_remove_view(request: HttpRequest, edition_id: int, assignment_id: int) -> HttpResponse:
    """Remove one assignment of this edition (approvers and admins)."""
    assignment = get_object_or_404(
        EditorAssignment.objects.select_related("user", "unit", "edition__index"),
        pk=assignment_id,
        edition_id=edition_id,
    )
    _require(permissions.can_publish(request.user))
    editor_assignment_remove(assignment=assignment, user=request.user)
    messages.success(
        request,
        _("Đã bỏ phân công %(user)s nhập %(scope)s của %(edition)s.")
        % {
            "user": person(assignment.user),
            "scope": assignment.unit.name if assignment.unit is not None else _("mọi đơn vị"),
            "edition": assignment.edition,
        },
    )
    return redirect(reverse("entry:edition_detail", args=[edition_id]) + "#nguoi-nhap-lieu")
