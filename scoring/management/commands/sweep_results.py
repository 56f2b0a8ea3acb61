"""Twin of the beat task `scoring.results_sweep`: recompute the editions whose results have waited (a broker that
did not answer) or run (a worker killed) too long. Safe to run at any time: an edition recomputed meanwhile is
left alone, and a recompute gives the same rows twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from scoring.services import results_sweep
from scoring.tasks import SWEEP_AFTER


class Command(BaseCommand):
    help = _(
        "Tính lại các kỳ đánh giá có kết quả đang chờ hoặc đang tính quá lâu. "
        "Recompute the editions whose results have been pending or running too long."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=int(SWEEP_AFTER.total_seconds()),
            help=_("Chỉ các kỳ chờ lâu hơn số giây này (mặc định %(default)s)."),
        )

    def handle(self, *args: Any, older_than: int, **options: Any) -> None:
        swept = results_sweep(older_than=timedelta(seconds=older_than))
        self.stdout.write(self.style.SUCCESS(_("Đã tính lại %(count)s kỳ đánh giá.") % {"count": len(swept)}))
