"""Views of the results section of the edition page: ask again for a recompute, explain a rank difference.
Thin functions over parindex.entry.results; both writes are POSTs with a CSRF token."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from parindex.entry.results import (
    EXPLANATION_MAX_LENGTH,
    may_explain,
    rank_explain,
    recompute_retry,
)
from parindex.entry.services import EntryError
from parindex.register.models import Edition, EditionStatus, Unit
from scoring.selectors import rank_differences

DIFFERENCES_ANCHOR = "chenh-lech-thu-hang"


@login_required
@require_POST
def recompute_retry_view(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = get_object_or_404(Edition, pk=edition_id)
    try:
        recompute_retry(edition=edition, user=request.user)
    except EntryError as error:
        for cell in error.errors:
            messages.warning(request, cell.message)
    else:
        messages.success(request, _("Đã yêu cầu tính lại kết quả của %(edition)s.") % {"edition": edition})
    return redirect("entry:edition_detail", edition.pk)


@login_required
@require_http_methods(["GET", "POST"])
def rank_explain_view(request: HttpRequest, edition_id: int, unit_id: int) -> HttpResponse:
    """One unit's published and computed ranks, the reason given so far, and the form to give one."""
    edition = get_object_or_404(Edition, pk=edition_id)
    unit = get_object_or_404(Unit, pk=unit_id)
    if not may_explain(request.user, edition, unit):
        raise PermissionDenied(_("Bạn không được giải thích thứ hạng của đơn vị này."))
    reason = ""
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            rank_explain(edition=edition, unit=unit, user=request.user, reason=reason)
        except EntryError as error:
            errors, status = [cell.message for cell in error.errors], 422
        else:
            messages.success(
                request, _("Đã lưu lý do chênh lệch thứ hạng của %(name)s.") % {"name": unit.name}
            )
            return redirect(f"{reverse('entry:edition_detail', args=[edition.pk])}#{DIFFERENCES_ANCHOR}")
    difference = next((row for row in rank_differences(edition) if row.unit.pk == unit.pk), None)
    return render(
        request,
        "parindex/rank_explain.html",
        {
            "edition": edition,
            "unit": unit,
            "difference": difference,
            "reason": reason if errors else (difference.explanation if difference else ""),
            "errors": errors,
            "max_length": EXPLANATION_MAX_LENGTH,
            "locked": edition.status == EditionStatus.PUBLISHED,
            "anchor": DIFFERENCES_ANCHOR,
        },
        status=status,
    )
