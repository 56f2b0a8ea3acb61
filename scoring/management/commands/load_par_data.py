"""Load the reference data, published figures and demo dataset (parindex.register.loading), then recompute
the results. It lives in `scoring` because it does both: the register below never imports scoring."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from parindex.register.loading import par_data_load
from scoring.services import results_recompute_all


class Command(BaseCommand):
    help = (
        "Load regions, the 63 and 34 units, successions, methodologies, the published figures and the "
        "demo dataset from fixtures/. Idempotent: a second run changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo dataset.")
        parser.add_argument(
            "--no-recompute", action="store_true", help="Do not recompute the results afterwards."
        )

    def handle(self, *args: Any, no_demo: bool, no_recompute: bool, **options: Any) -> None:
        report = par_data_load(with_demo=not no_demo)
        for line in report.lines():
            self.stdout.write(line)
        if not no_recompute:
            count = results_recompute_all()
            self.stdout.write(f"results recomputed for {count} editions")
        self.stdout.write(self.style.SUCCESS("PAR data loaded."))
