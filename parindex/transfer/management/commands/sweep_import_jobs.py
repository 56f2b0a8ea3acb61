"""Twin of the beat task `parindex.import_jobs_sweep`: fail the import jobs whose run died (running past the hard
time limit), send again those left pending, and fail those pending for too long. Safe to run at any time."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from parindex.transfer.tasks import sweep_import_jobs


class Command(BaseCommand):
    help = (
        "Mark import jobs running past their time limit as failed and send pending ones again. "
        "Celery beat runs the same every minute."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        swept = sweep_import_jobs()
        self.stdout.write(f"{len(swept.failed)} import jobs failed, {len(swept.to_send)} sent again")
