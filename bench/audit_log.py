"""Benchmark of the audit log page (/nhap-lieu/nhat-ky/, `parindex.entry.selectors.audit_trail`) as the history
grows.

The selector reads every history record that matches the filters (and the record before each), diffs them in
Python, and the table pages the result: a fixed number of queries, but rows read that grow with the history.
This measures how much: the demo editions' scores are changed ROUNDS times each through
`bulk_update_with_history` (one history record per score and round, as a grid save writes them), then the page
is fetched as an administrator, unfiltered and filtered to one user and to the last day, with the wall time
(best of 3) and the tracemalloc peak of one more fetch.

Run with the test environment: `DATABASE_URL=postgres://... .venv/bin/python bench/audit_log.py` (ROUNDS, a
comma-separated list, default "10,50"). Database `parindex_bench_audit`, created and dropped by the script.
"""

from __future__ import annotations

import os
import sys
from decimal import Decimal
from pathlib import Path

from measure import best_of, peak_traced
from throwaway_db import bench_urls, recreate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    bench_url, maintenance, name = bench_urls(
        "bench/audit_log.py", "BENCH_DATABASE_NAME", "parindex_bench_audit"
    )
    rounds = [int(part) for part in os.environ.get("ROUNDS", "10,50").split(",")]
    recreate(maintenance, name)
    os.environ["DATABASE_URL"] = bench_url  # before django.setup(): settings read it once
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
    try:
        import django

        django.setup()
        from django.contrib.auth.models import User
        from django.core.management import call_command
        from django.test import Client
        from django.test.utils import setup_test_environment
        from simple_history.utils import bulk_update_with_history

        from parindex.register.loading import par_data_load
        from parindex.register.models import Score

        setup_test_environment()  # the test client's host (testserver) is allowed
        call_command("migrate", verbosity=0)
        par_data_load()
        admin = User.objects.create_superuser("bench-audit", password=None)  # force_login: no password
        client = Client()
        client.force_login(admin)
        scores = list(Score.objects.filter(points__isnull=False))
        print(f"audit log: {len(scores)} scores with points; rounds of one change to each")
        cent = Decimal("0.01")
        # Each score moves a cent away from its bound and back, so every value stays within the criterion's
        # maximum and above zero (the database's triggers check both).
        steps = {score.pk: -cent if (score.points or 0) >= cent else cent for score in scores}
        done = 0
        for target in rounds:
            for round_number in range(done, target):
                for score in scores:
                    step = steps[score.pk]
                    score.points = (score.points or Decimal(0)) + (step if round_number % 2 == 0 else -step)
                bulk_update_with_history(scores, Score, ["points"], batch_size=2000, default_user=admin)
            done = target
            records = Score.history.count()
            for label, query in (
                ("unfiltered", ""),
                ("one user", f"?nguoi={admin.pk}"),
                ("one edition", f"?ky={scores[0].assessment.edition_id}"),
                ("page 20", "?trang=20"),
            ):
                url = f"/nhap-lieu/nhat-ky/{query}"

                def fetch(url: str = url) -> None:
                    response = client.get(url)
                    assert response.status_code == 200, response.status_code

                seconds = best_of(3, fetch)
                peak = peak_traced(fetch)
                print(
                    f"  {records:>7,} score history records · {label:<11} {seconds * 1000:8.0f} ms"
                    f"   tracemalloc peak {peak / 2**20:6.1f} MiB"
                )
    finally:
        from django.db import connections

        connections.close_all()
        recreate(maintenance, name, drop_only=True)


if __name__ == "__main__":
    main()
