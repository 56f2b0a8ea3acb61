"""Spreadsheet import and export views: thin functions over parindex.transfer.importing and parindex.transfer.exporting.

Upload → preview (a job page; a progress bar while a worker reads a large file) → confirm (POST) → the edition
list with a message. Only users who may write the edition import; exports of drafts and self-assessments are
for users who may see drafts.
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parindex.register import permissions
from parindex.register.models import Edition, ImportJob, ImportJobStage, ImportJobStatus
from parindex.register.outages import database_outage, not_saved_message
from parindex.transfer import exporting, importing
from parindex.transfer.spreadsheets import SpreadsheetError
from parindex.transfer.tasks import enqueue_import

logger = logging.getLogger(__name__)

FORMATS = {"xlsx": exporting.XLSX_CONTENT_TYPE, "csv": exporting.CSV_CONTENT_TYPE}
PREVIEW_ROWS_SHOWN = 1000  # beyond that the page lists the rows with errors or changes only


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Tệp bảng tính (.xlsx hoặc .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
    )


def _may_read(user: object, edition: Edition) -> bool:
    return edition.is_public or permissions.can_view_drafts(user)  # type: ignore[arg-type]


def _file_response(content: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def template_download(request: HttpRequest, edition_id: int, fmt: str) -> HttpResponse:
    """The empty template of an edition: its units that year, its domains, no values."""
    if fmt not in FORMATS:
        raise Http404
    edition = get_object_or_404(Edition.objects.select_related("methodology"), pk=edition_id)
    if not _may_read(request.user, edition):
        raise PermissionDenied(_("Bạn không có quyền xem kỳ đánh giá chưa công bố này."))
    content = (
        exporting.to_xlsx(edition, empty=True) if fmt == "xlsx" else exporting.to_csv(edition, empty=True)
    )
    return _file_response(content, fmt, exporting.filename(edition, fmt, template=True))


@login_required
@require_GET
def export(request: HttpRequest, edition_id: int, fmt: str) -> HttpResponse:
    """An edition's values in the template's layout (importing the export changes nothing)."""
    if fmt not in FORMATS:
        raise Http404
    edition = get_object_or_404(Edition.objects.select_related("methodology"), pk=edition_id)
    if not _may_read(request.user, edition):
        raise PermissionDenied(_("Bạn không có quyền xem kỳ đánh giá chưa công bố này."))
    content = exporting.to_xlsx(edition) if fmt == "xlsx" else exporting.to_csv(edition)
    return _file_response(content, fmt, exporting.filename(edition, fmt))


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, edition_id: int) -> HttpResponse:
    edition = get_object_or_404(Edition.objects.select_related("methodology"), pk=edition_id)
    if not permissions.can_edit(request.user, edition):
        raise PermissionDenied(_("Bạn không được phân công nhập liệu cho kỳ đánh giá này."))
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if edition.is_published:
            form.add_error(
                None, _("%(edition)s đã công bố: cần mở lại trước khi nhập.") % {"edition": edition}
            )
        else:
            try:
                # One transaction: a database that refuses a write part-way leaves no job behind.
                with transaction.atomic():
                    job = importing.import_job_create(
                        edition=edition, upload=form.cleaned_data["file"], user=request.user
                    )
                    _start(job)
            except SpreadsheetError as error:
                form.add_error("file", str(error))
            except DatabaseError as error:
                if database_outage(error) is None:
                    raise
                logger.warning("upload to %s: the database refused: %s", edition, error)
                form.add_error(None, not_saved_message())
                status = 503
            else:
                return redirect("transfer:job", job_id=job.pk)
    return render(request, "parindex/import_upload.html", {"edition": edition, "form": form}, status=status)


def _start(job: ImportJob) -> None:
    """Run the job's stage here for a small file, in a worker for a large one (or one that expands far)."""
    if importing.runs_in_background(job):
        enqueue_import(job.pk)
    else:
        importing.import_job_run(job)


def _job_for(request: HttpRequest, job_id: int) -> ImportJob:
    job = get_object_or_404(ImportJob.objects.select_related("edition", "edition__methodology"), pk=job_id)
    if job.user_id != request.user.pk and not permissions.is_admin(request.user):
        raise Http404  # another user's upload: do not even say it exists
    return job


@login_required
@require_GET
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_for(request, job_id)
    if job.status in (ImportJobStatus.PENDING, ImportJobStatus.RUNNING):
        return render(request, "parindex/import_progress.html", {"job": job, "edition": job.edition})
    if job.stage == ImportJobStage.IMPORT and job.status == ImportJobStatus.DONE:
        for line in job.messages:
            messages.success(request, line)
        return redirect("entry:edition_list")
    preview = importing.job_preview(job)
    rows = preview.rows if preview else []
    shown = rows
    if len(rows) > PREVIEW_ROWS_SHOWN:
        shown = [r for r in rows if r.errors or r.status in ("new", "changed")][:PREVIEW_ROWS_SHOWN]
    context = {
        "job": job,
        "edition": job.edition,
        "preview": preview,
        "rows": shown,
        "rows_hidden": len(rows) - len(shown),
        "import_failed": job.status == ImportJobStatus.FAILED,  # the import refused, or a system error
        "can_confirm": bool(
            preview
            and preview.ok
            and preview.to_write
            and job.stage == ImportJobStage.PREVIEW
            and job.status == ImportJobStatus.DONE
        ),
    }
    return render(request, "parindex/import_preview.html", context)


@login_required
@require_GET
def job_status(request: HttpRequest, job_id: int) -> JsonResponse:
    """The job's state for the progress bar (static/js/import_progress.js polls it)."""
    job = _job_for(request, job_id)
    finished = job.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED)
    return JsonResponse(
        {
            "stage": job.stage,
            "status": job.status,
            "status_label": str(job.get_status_display()),
            "progress": job.progress,
            "total_rows": job.total_rows,
            "finished": finished,
            "messages": job.messages[:20] if finished else [],
            "next_url": reverse("transfer:job", kwargs={"job_id": job.pk}),
        }
    )


@login_required
@require_POST
def job_confirm(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_for(request, job_id)
    try:
        # One transaction: a database that refuses a write part-way leaves the job as previewed, to confirm again.
        with transaction.atomic():
            job = importing.import_confirm(job=job, user=request.user)
            _start(job)
    except PermissionDenied as error:
        messages.error(request, str(error))
        return redirect("transfer:job", job_id=job.pk)
    except DatabaseError as error:
        if database_outage(error) is None:
            raise
        logger.warning("confirm of import job %s: the database refused: %s", job.pk, error)
        messages.error(request, not_saved_message())
        return redirect("transfer:job", job_id=job.pk)
    # Done: the job page sends the user to the edition list with the summary; failed: it lists what went wrong.
    return redirect("transfer:job", job_id=job.pk)
