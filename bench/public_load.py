"""Load on the public pages and the public API, against a trivial view of the same project in the same run.

Extends bench/throughput.py: gunicorn (2 workers, sync), PostgreSQL, the Redis cache, DEBUG off, collected static
files, on a throwaway database (`parindex_bench_load`, BENCH_LOAD_DATABASE_NAME to change it) loaded with the
fixtures and the demo data; the Redis database of BENCH_REDIS_URL (default: REDIS_URL's server, database 2) is
emptied first. The settings module is bench/settings_bench.py: the production settings plus one trivial view
(bench/urls_bench.py) behind the same middleware, the ceiling of the run, so production URLs stay clean.

wrk runs 2 threads × 64 connections for BENCH_SECONDS (default 10) per page against 127.0.0.1 only. For each page
the script prints requests/s, its share of the trivial view's (measured again just before each page, since the
load of a shared machine drifts within a run), p50 and p99 latency, errors (non-2xx/3xx answers and socket
errors), the body's bytes raw and gzipped, whether the answer sets a cookie (a cookie keeps a proxy from caching
the page) and whether the goal is met. Pages this branch does not have (probed first) are listed as absent, so the same
script measures the new ranking pages after they are merged. Goals (issue 9): the ranking page and the API at
≥ 50 % of the trivial view's requests/s, p99 under 50 ms, no error.

Run with the test environment: `make bench`, or
    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/public_load.py
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass

from throughput import _redis_url, _weight, prepare, start_gunicorn
from throwaway_db import bench_urls, recreate

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = 64
TRIVIAL = "/bench/trivial/"
# (label, path, kind of page: "ceiling", "page", "api" or "api-gzip", asked with Accept-Encoding: gzip); the first
# is the ceiling of the run. wrk sends no Accept-Encoding unless told.
PAGES = (
    ("trivial view (ceiling)", TRIVIAL, "ceiling"),
    ("home: ranking 2025, 34 units", "/", "page"),
    ("home: ranking 2024, 63 units", "/?nam=2024&loai=demo", "page"),
    ("home: 2024, region + group filters", "/?nam=2024&loai=demo&vung=dong-bang-song-hong&nhom=B", "page"),
    ("methodology page", "/phuong-phap/", "page"),
    ("ranking page 2025, 34 units", "/xep-hang/par-index/2025/?loai=demo", "page"),
    ("ranking page 2024, 63 units", "/xep-hang/par-index/2024/?loai=demo", "page"),
    (
        "ranking page 2024, filters",
        "/xep-hang/par-index/2024/?loai=demo&vung=dong-bang-song-hong&nhom=B",
        "page",
    ),
    ("domain view 2024", "/xep-hang/par-index/2024/linh-vuc/?loai=demo", "page"),
    ("CSV download 2024", "/xep-hang/par-index/2024/tai-ve.csv?loai=demo", "page"),
    ("API ranking 2025, 34 units", "/api/v1/rankings/PAR_INDEX/2025?kind=demo", "api"),
    ("API ranking 2024, 63 units", "/api/v1/rankings/PAR_INDEX/2024?kind=demo", "api"),
    ("API ranking 2024, 63 units, gzip", "/api/v1/rankings/PAR_INDEX/2024?kind=demo&", "api-gzip"),
    (
        "API ranking 2024, group + sort",
        "/api/v1/rankings/PAR_INDEX/2024?kind=demo&group=B&sort=-index",
        "api",
    ),
    ("API units of 2025", "/api/v1/units?year=2025", "api"),
    ("API series of a unit", "/api/v1/units/ha-noi/series?kind=demo", "api"),
)


CEILING_SECONDS = max(SECONDS // 2, 3)  # the trivial view again just before each page
P99_GOAL_MS = 50.0
SHARE_GOAL = 0.5
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class Run:
    rate: float
    p50: str
    p99: str
    errors: int

    @property
    def p99_ms(self) -> float:
        found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", self.p99)
        return float(found.group(1)) * UNITS_MS[found.group(2)] if found else float("inf")


def _wrk(url: str, headers: tuple[str, ...] = (), seconds: int = SECONDS) -> Run:
    extra = [arg for header in headers for arg in ("-H", header)]
    done = subprocess.run(  # noqa: S603 - fixed arguments, loopback target
        [shutil.which("wrk") or "wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", *extra, url],
        capture_output=True,
        text=True,
        check=True,
    )
    out = done.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(n) for n in sockets.groups()) if sockets else 0
    return Run(
        float(rate.group(1)) if rate else 0.0,
        p50.group(1) if p50 else "?",
        p99.group(1) if p99 else "?",
        errors,
    )


def _probe(url: str) -> tuple[int, bool]:
    """(status, whether the answer sets a cookie)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own server on loopback
            response.read()
            return response.status, bool(response.headers.get_all("Set-Cookie"))
    except urllib.error.HTTPError as error:
        return error.code, False


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    bench_url, maintenance, name = bench_urls(
        "bench/public_load.py", "BENCH_LOAD_DATABASE_NAME", "parindex_bench_load"
    )
    redis_url = _redis_url()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
        "DATABASE_URL": bench_url,
        "REDIS_URL": redis_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-" + "x" * 60),
    }
    import redis

    load = os.getloadavg()
    print(f"load average at the start (1, 5, 15 min): {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")
    redis.Redis.from_url(redis_url).flushdb()
    recreate(maintenance, name)
    server: subprocess.Popen[bytes] | None = None
    try:
        prepare(env)
        server, base = start_gunicorn(env, TRIVIAL)
        present = []
        for label, path, kind in PAGES:  # probe, warm the cache and both workers
            status, cookie = _probe(base + path)
            if status != 200:
                print(f"{label:38} absent in this branch (HTTP {status}): {path}")
                continue
            for _ in range(4):
                _probe(base + path)
            present.append((label, path, kind, cookie))
        print(
            f"\ngunicorn 2 workers, wrk 2 threads × {CONNECTIONS} connections × {SECONDS} s per page; the trivial"
            f" view runs {CEILING_SECONDS} s just before each page and `share` is against that run (`ceiling`),"
            " since the load of a shared machine drifts within a run"
        )
        print(
            f"{'page':38} {'req/s':>7} {'ceiling':>7} {'share':>6} {'p50':>8} {'p99':>8} {'errors':>6}"
            f" {'bytes':>8} {'gzip':>7} cookie goal"
        )
        for label, path, kind, cookie in present:
            ceiling = _wrk(base + TRIVIAL, seconds=CEILING_SECONDS).rate if kind != "ceiling" else 0.0
            run = _wrk(base + path, ("Accept-Encoding: gzip",) if kind == "api-gzip" else ())
            ceiling = ceiling or run.rate
            size, packed = _weight(base + path)
            met = run.rate >= SHARE_GOAL * ceiling and run.p99_ms < P99_GOAL_MS and run.errors == 0
            print(
                f"{label:38} {run.rate:7.0f} {ceiling:7.0f} {100 * run.rate / ceiling:5.0f}% {run.p50:>8}"
                f" {run.p99:>8} {run.errors:6d} {size:8,d} {packed:7,d} {'yes' if cookie else 'no ':6}"
                f" {'-' if kind == 'ceiling' else ('met' if met else 'missed')}"
            )
        load = os.getloadavg()
        print(
            f"load average at the end (1, 5, 15 min): {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}"
            f" on {os.cpu_count()} cores"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        recreate(maintenance, name, drop_only=True)


if __name__ == "__main__":
    main()
