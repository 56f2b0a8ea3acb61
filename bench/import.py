"""Benchmark of the spreadsheet import (parindex.transfer.importing) on a throwaway PostgreSQL database.

10,080 score rows: 63 units × 8 domains × 20 editions (years 2015–2024, kinds official and self), one CSV
file of 63 rows per edition, built in memory. Each file goes the way a user takes it: upload (stored as an
ImportJob) → preview (read, match, parse, check with the service's rules, diff) → confirm → read and check
again → `scores_save` (atomic, audited). The recompute that a save queues is left out (it has its own bench,
bench/recompute.py); the number of editions queued is printed.

Run with the test environment (`make bench`, or DATABASE_URL=postgres://... python bench/import.py). The
script creates the database `parindex_bench_import` (BENCH_IMPORT_DATABASE_NAME to change it) on the server of
DATABASE_URL, migrates it, loads the units, times the first import of all 20 files (wall clock), times a second
import of the same files (which must change nothing), measures memory (tracemalloc peak of one more preview of
all files, and the process's maximum resident set size), then drops the database. See bench/README.md.
"""

from __future__ import annotations

import csv
import io
import os
import random
import resource
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

from throwaway_db import bench_urls, recreate

from parindex.entry.services import par_index

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

YEARS = tuple(range(2015, 2025))
KINDS = ("official", "self")
TARGET_SECONDS = 10.0
SEED = 20250406


def _setup() -> tuple[list[object], object]:
    """Units, a methodology with known maxima for 2015–2024, 20 draft editions and an admin user."""
    from django.contrib.auth.models import User

    from parindex.register.demo import DEMO_MAXIMA
    from parindex.register.loading import FIXTURES_DIR, LoadReport, _load_geography
    from parindex.register.models import Criterion, Edition, EditionStatus, MaxPointsStatus, Methodology

    _load_geography(LoadReport(), FIXTURES_DIR)
    methodology = Methodology.objects.create(
        index=par_index(),
        code="BENCH",
        title="Bộ tiêu chí đo hiệu năng",
        year_from=YEARS[0],
        year_until=YEARS[-1],
        is_demo=True,
    )
    for number, maximum in enumerate(DEMO_MAXIMA, start=1):
        Criterion.objects.create(
            methodology=methodology,
            number=number,
            name_vi=f"Lĩnh vực {number}",
            max_points=maximum,
            max_points_status=MaxPointsStatus.PROVISIONAL,
        )
    editions = [
        Edition.objects.create(
            index=par_index(), year=year, kind=kind, status=EditionStatus.DRAFT, methodology=methodology
        )
        for year in YEARS
        for kind in KINDS
    ]
    user = User.objects.create_superuser("bench", password="bench-only-password-0123")  # noqa: S106
    return editions, user


def _files(editions: list[object]) -> list[bytes]:
    """One CSV per edition in the template's layout (UTF-8 with BOM, decimal commas, names as people write)."""
    from parindex.register.demo import DEMO_MAXIMA
    from parindex.register.models import Unit

    rng = random.Random(SEED)
    files = []
    for edition in editions:
        units = list(Unit.objects.valid_in_year(edition.year).order_by("code"))  # type: ignore[attr-defined]
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(
            ["Tỉnh, thành phố", "Năm", *(f"Lĩnh vực {n}" for n in range(1, 9)), "Chỉ số (%)", "Xếp hạng"]
        )
        for rank, unit in enumerate(units, start=1):
            points = [
                (m * Decimal(rng.randint(6000, 10000)) / 10000).quantize(Decimal("0.01")) for m in DEMO_MAXIMA
            ]
            name = unit.aliases[0] if unit.aliases else unit.name.upper()
            writer.writerow(
                [
                    name,
                    edition.year,  # type: ignore[attr-defined]
                    *(str(p).replace(".", ",") for p in points),
                    str(sum(points)).replace(".", ","),
                    rank,
                ]
            )
        files.append(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return files


def _import_all(editions: list[object], files: list[bytes], user: object) -> list[object]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from parindex.transfer import importing

    jobs = []
    for edition, content in zip(editions, files, strict=True):
        upload = SimpleUploadedFile(f"{edition.year}-{edition.kind}.csv", content)  # type: ignore[attr-defined]
        job = importing.import_job_create(edition=edition, upload=upload, user=user)  # type: ignore[arg-type]
        job = importing.import_job_run(job)
        job = importing.import_confirm(job=job, user=user)
        jobs.append(importing.import_job_run(job))
    return jobs


def main() -> None:
    bench_url, maintenance, name = bench_urls(
        "bench/import.py", "BENCH_IMPORT_DATABASE_NAME", "parindex_bench_import"
    )
    recreate(maintenance, name)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.pop("REDIS_URL", None)  # tasks inline; the recompute is replaced below and not timed
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        import scoring.tasks
        from parindex.register.models import Assessment, ImportJobStatus, Score

        queued: list[int] = []
        scoring.tasks.enqueue_recompute = queued.append  # the recompute has its own bench
        call_command("migrate", verbosity=0)
        editions, user = _setup()
        files = _files(editions)

        start = time.perf_counter()
        jobs = _import_all(editions, files, user)
        first = time.perf_counter() - start
        failed = [j for j in jobs if j.status != ImportJobStatus.DONE]
        if failed:
            raise SystemExit(f"import failed: {failed[0].messages[:5]}")
        scores = Score.objects.count()
        assessments = Assessment.objects.count()
        history = Score.history.count()

        start = time.perf_counter()
        _import_all(editions, files, user)
        second = time.perf_counter() - start
        unchanged = Score.history.count() == history

        from parindex.transfer import importing

        tracemalloc.start()
        for edition, content in zip(editions, files, strict=True):
            importing.analyse(edition=edition, data=content, filename="x.csv", user=user)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        rows = scores
        print(
            f"files: {len(files)} CSV (63 units × 8 domains each), {sum(map(len, files)) / 1024:.0f} KB in all"
        )
        print(f"stored: {assessments} assessments, {scores} domain scores; recomputes queued: {len(queued)}")
        print(
            f"first import (upload → preview → confirm → save): {first:.2f} s, {rows / first:,.0f} score rows/s "
            f"(target < {TARGET_SECONDS:.0f} s: {'ok' if first < TARGET_SECONDS else 'MISSED'})"
        )
        print(f"second import of the same files: {second:.2f} s, changed nothing: {unchanged}")
        print(
            f"memory: tracemalloc peak of previewing all files {peak / 1024 / 1024:.1f} MB, max RSS {max_rss_mb:.0f} MB"
        )
    finally:
        from django.db import connections

        connections.close_all()
        recreate(maintenance, name, drop_only=True)


if __name__ == "__main__":
    main()
