from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from parindex.transfer.importing import import_jobs_purge


class Command(BaseCommand):
    help = (
        "Delete uploaded spreadsheets older than --days (default IMPORT_JOB_RETENTION_DAYS). "
        "Celery beat runs the same every night."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=None, help="Keep uploads younger than this many days."
        )

    def handle(self, *args: Any, days: int | None, **options: Any) -> None:
        days = settings.IMPORT_JOB_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError("--days must be at least 1.")
        deleted = import_jobs_purge(older_than=timedelta(days=days))
        self.stdout.write(f"{deleted} uploads older than {days} days deleted")
