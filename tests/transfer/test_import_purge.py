"""Uploaded spreadsheets are not kept for ever: jobs older than the retention are deleted (service, command,
and the Celery task that beat runs nightly); younger ones and the audit trail stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from parindex.celery import app
from parindex.register.models import Edition, ImportJob
from parindex.transfer.tasks import import_jobs_purge

pytestmark = pytest.mark.django_db


@pytest.fixture
def jobs(django_user_model):
    user = django_user_model.objects.create_user("nhap-tep")
    edition = Edition.objects.order_by("pk").first()
    made = {}
    for label, age_days in (("old", 30), ("edge", 8), ("recent", 2)):
        job = ImportJob.objects.create(edition=edition, user=user, filename=f"{label}.csv", content=b"x")
        ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=age_days))
        made[label] = job.pk
    return made


def _left(jobs) -> set[str]:
    remaining = set(ImportJob.objects.values_list("pk", flat=True))
    return {label for label, pk in jobs.items() if pk in remaining}


def test_the_command_deletes_uploads_older_than_the_retention(jobs):
    call_command("purge_import_jobs")  # default retention: 7 days
    assert _left(jobs) == {"recent"}


def test_the_command_takes_another_retention(jobs):
    call_command("purge_import_jobs", days=10)
    assert _left(jobs) == {"edge", "recent"}


def test_the_command_refuses_a_retention_under_one_day(jobs):
    with pytest.raises(CommandError, match="at least 1"):
        call_command("purge_import_jobs", days=0)
    assert _left(jobs) == {"old", "edge", "recent"}


def test_the_nightly_task_purges_and_is_scheduled(jobs):
    assert import_jobs_purge.apply().get() == 2
    assert _left(jobs) == {"recent"}
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "parindex.import_jobs_purge" in scheduled
    assert "parindex.import_jobs_purge" in app.tasks
