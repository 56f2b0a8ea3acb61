"""Benchmark of `scoring.services.results_recompute` on a throwaway PostgreSQL database.

Run with the test environment (`make bench`, or DATABASE_URL=postgres://... python bench/recompute.py). The
script creates the database `parindex_bench` (BENCH_DATABASE_NAME to change it) on the server of DATABASE_URL,
migrates it, loads the fixtures and the demo data, adds a synthetic 10,000-unit edition, times the recompute
(best of 3 wall-clock runs) and measures memory (tracemalloc peak of one more run, and the process's maximum
resident set size), then drops the database. See bench/README.md.
"""

from __future__ import annotations

import os
import random
import resource
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from measure import best_of, peak_traced
from throwaway_db import bench_urls, recreate

from parindex.entry.services import par_index

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SYNTHETIC_UNITS = 10_000
SYNTHETIC_YEARS = (2098, 2099)  # far from the real years, so the fixtures' units never count in them
REPEATS = 3
TARGETS = {"63": 0.2, "10000": 5.0}  # seconds, wall clock, best of 3


def _synthetic_edition() -> tuple[object, object]:
    """Two years (previous and current) of 10,000 units × 8 domains, deterministic; returns both editions."""
    from parindex.register.demo import DEMO_MAXIMA
    from parindex.register.models import (
        Assessment,
        Criterion,
        Edition,
        EditionKind,
        EditionStatus,
        MaxPointsStatus,
        Methodology,
        Region,
        Score,
        Unit,
        UnitKind,
    )

    rng = random.Random(20251123)
    regions = [Region.objects.create(name=f"Bench region {n}", order=100 + n) for n in range(6)]
    methodology = Methodology.objects.create(
        index=par_index(),
        code="BENCH",
        title="Synthetic methodology (benchmark only)",
        year_from=SYNTHETIC_YEARS[0],
        year_until=SYNTHETIC_YEARS[-1],
        is_demo=True,
    )
    domains = [
        Criterion.objects.create(
            methodology=methodology,
            number=n,
            name_vi=f"Lĩnh vực {n}",
            max_points=maximum,
            max_points_status=MaxPointsStatus.PROVISIONAL,
        )
        for n, maximum in enumerate(DEMO_MAXIMA, start=1)
    ]
    units = Unit.objects.bulk_create(
        Unit(
            code=f"{i % 1000:03d}",
            name=f"Đơn vị {i}",
            official_name=f"Đơn vị thử {i}",
            slug=f"bench-unit-{i}",
            kind=UnitKind.PROVINCE,
            region=regions[i % len(regions)],
            valid_from=date(SYNTHETIC_YEARS[0], 1, 1),
            valid_until=date(SYNTHETIC_YEARS[-1], 12, 31),
        )
        for i in range(SYNTHETIC_UNITS)
    )
    editions = []
    for year in SYNTHETIC_YEARS:
        edition = Edition.objects.create(
            index=par_index(),
            year=year,
            kind=EditionKind.DEMO,
            status=EditionStatus.PUBLISHED,
            methodology=methodology,
        )
        assessments = Assessment.objects.bulk_create(
            Assessment(edition=edition, unit=p, note="bench") for p in units
        )
        scores = []
        for assessment in assessments:
            level = rng.uniform(0.6, 0.98)
            for domain in domains:
                share = min(1.0, max(0.3, level + rng.gauss(0, 0.04)))
                points = (domain.max_points * Decimal(repr(share))).quantize(Decimal("0.01"))
                scores.append(Score(assessment=assessment, criterion=domain, points=points))
        Score.objects.bulk_create(scores, batch_size=5000)
        editions.append(edition)
    return editions[0], editions[1]


def main() -> None:
    bench_url, maintenance, name = bench_urls("bench/recompute.py", "BENCH_DATABASE_NAME", "parindex_bench")
    recreate(maintenance, name)
    os.environ["DATABASE_URL"] = bench_url  # before django.setup(): settings read it once
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from parindex.register.loading import par_data_load
        from parindex.register.models import Edition
        from scoring.models import YearResult
        from scoring.services import results_recompute, results_recompute_all

        call_command("migrate", verbosity=0, interactive=False)
        par_data_load(with_demo=True)
        results_recompute_all()
        previous, synthetic = _synthetic_edition()
        results_recompute(edition=previous, cascade=False)

        cases = [
            ("63", "63 units × 8 domains (demo 2024)", Edition.objects.get(year=2024, kind="demo")),
            (
                "34",
                "34 units × 8 domains (demo 2025, merger rule)",
                Edition.objects.get(year=2025, kind="demo"),
            ),
            ("10000", f"{SYNTHETIC_UNITS:,} units × 8 domains (synthetic)", synthetic),
        ]
        print(f"recompute benchmark on {connection.settings_dict['NAME']} (best of {REPEATS}, wall clock)")
        print(f"{'case':<48} {'best s':>8} {'target':>8} {'traced peak MiB':>16}")
        failed = []
        for key, label, edition in cases:

            def run(edition: Edition = edition) -> object:
                return results_recompute(edition=edition, cascade=False)

            run()  # warm-up: imports, connection, query plans
            best = best_of(REPEATS, run)
            peak = peak_traced(run) / 2**20
            target = TARGETS.get(key)
            verdict = "" if target is None else (f"< {target:g}" if best < target else f"MISSED {target:g}")
            if target is not None and best >= target:
                failed.append(label)
            print(f"{label:<48} {best:>8.3f} {verdict:>8} {peak:>16.1f}")
            assert YearResult.objects.filter(edition=edition).exists()
        maxrss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        print(f"process maximum resident set size: {maxrss_mib:.0f} MiB")
        # The machines are shared: a load above the number of cores means the timings above are inflated.
        load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
        print(f"load average (1, 5, 15 min): {load} on {os.cpu_count()} cores")
        connection.close()
    finally:
        recreate(maintenance, name, drop_only=True)
    if failed:
        raise SystemExit(f"targets missed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
