"""Page weight of the chart pages (issue 10) and of the public ranking: bytes of HTML, of the JavaScript each page
loads, and of the figure JSON inside the HTML, raw and gzipped (level 6, as a web server would send them).

Limits checked (the script exits non-zero when one is missed): JavaScript on a chart page at most 1.2 MB raw
(1,200,000 bytes) and 420 KB gzipped (420,000 bytes); HTML, figure JSON included, under 150 KB (150,000 bytes).

Run with the test environment (`DATABASE_URL=postgres://... python bench/page_weight.py`). The script creates
the database `parindex_bench_weight` (BENCH_WEIGHT_DATABASE_NAME to change it), migrates it, loads the fixtures
and the demo data, requests each page in-process with Django's test client (DEBUG off, no cache warm-up
needed: weight does not depend on it), then drops the database.
"""

from __future__ import annotations

import gzip
import os
import re
import sys
import warnings
from pathlib import Path

from throwaway_db import bench_urls, recreate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

JS_RAW_LIMIT = 1_200_000
JS_GZIP_LIMIT = 420_000
HTML_LIMIT = 150_000
PAGES = (
    ("unit page, demo 2025, public", "/don-vi/da-nang-2025/?loai=demo", False),
    ("unit page, demo 2025, leader", "/don-vi/da-nang-2025/?loai=demo", True),
    ("unit page, demo 2024 (63 units), leader", "/don-vi/quang-nam/?loai=demo", True),
    ("unit page, official, public", "/don-vi/quang-nam/", False),
    ("compare three units, demo", "/so-sanh/?don-vi=ha-noi&don-vi=quang-nam&don-vi=da-nang&loai=demo", False),
    ("overview, demo 2024 (63 units)", "/tong-quan/?loai=demo&nam=2024", False),
    ("overview, demo 2025 (34 units)", "/tong-quan/?loai=demo", False),
    ("unit brief, demo 2025", "/don-vi/da-nang-2025/ban-tin/?loai=demo", False),
    ("ranking, latest year", "/", False),
    ("ranking 2024, demo, 63 units", "/?nam=2024&loai=demo", False),
)
SCRIPT_SRC = re.compile(r'<script[^>]+src="([^"]+)"')
FIGURE = re.compile(r'<script id="chart-[\w-]+-data" type="application/json">(.*?)</script>', re.S)


def _gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def main() -> None:
    bench_url, maintenance, name = bench_urls(
        "bench/page_weight.py", "BENCH_WEIGHT_DATABASE_NAME", "parindex_bench_weight"
    )
    os.environ.update(
        {
            "DATABASE_URL": bench_url,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECURE": "0",
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-" + "x" * 60),
            "DJANGO_SETTINGS_MODULE": "parindex.settings",
        }
    )
    os.environ.pop("REDIS_URL", None)  # the in-process cache: nothing shared with other runs
    # WhiteNoise warns that collectstatic has not run: the script reads static files through the finders.
    warnings.filterwarnings("ignore", message="No directory at")
    recreate(maintenance, name)
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth.models import Group, User
        from django.contrib.staticfiles import finders
        from django.core.management import call_command
        from django.test import Client, override_settings

        call_command("migrate", "--noinput", verbosity=0)
        call_command("load_par_data", verbosity=0)
        leader = User.objects.create_user("bench-leader")
        leader.groups.add(Group.objects.get_or_create(name="leader")[0])
        plain = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        missed: list[str] = []
        header = f"{'page':42} {'HTML':>9} {'gzip':>8} {'figures':>9} {'gzip':>8} {'JS':>11} {'gzip':>9}"
        print(header)
        with override_settings(STORAGES=plain):
            for label, path, as_leader in PAGES:
                client = Client()
                if as_leader:
                    client.force_login(leader)
                response = client.get(path)
                if response.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {response.status_code}")
                html = response.content
                text = html.decode()
                figures = "".join(FIGURE.findall(text)).encode()
                scripts = b""
                for src in SCRIPT_SRC.findall(text):
                    found = finders.find(src.removeprefix(settings.STATIC_URL).removeprefix("/static/"))
                    if not found:
                        raise SystemExit(f"{path}: script {src} not found")
                    scripts += Path(str(found)).read_bytes()
                sizes = (len(html), _gz(html), len(figures), _gz(figures) if figures else 0)
                print(
                    f"{label:42} {sizes[0]:9,d} {sizes[1]:8,d} {sizes[2]:9,d} {sizes[3]:8,d}"
                    f" {len(scripts):11,d} {_gz(scripts) if scripts else 0:9,d}"
                )
                if len(html) >= HTML_LIMIT:
                    missed.append(f"{label}: HTML {len(html):,d} B ≥ {HTML_LIMIT:,d}")
                if len(scripts) > JS_RAW_LIMIT or (scripts and _gz(scripts) > JS_GZIP_LIMIT):
                    missed.append(f"{label}: JavaScript {len(scripts):,d} B raw, {_gz(scripts):,d} B gzipped")
        print(
            "HTML includes the figure JSON; JS is every script the page loads (plotly.js basic + charts.js)."
        )
        if missed:
            raise SystemExit("limits missed:\n" + "\n".join(missed))
        print(
            f"limits met: HTML < {HTML_LIMIT:,d} B; JS ≤ {JS_RAW_LIMIT:,d} B raw and ≤ {JS_GZIP_LIMIT:,d} B gzipped"
        )
    finally:
        from django.db import connections

        connections.close_all()
        recreate(maintenance, name, drop_only=True)


if __name__ == "__main__":
    main()
