"""Throughput and page weight of the public pages, served as in production: gunicorn (2 workers), PostgreSQL,
the Redis cache, DEBUG off, collected static files.

Run with the test environment (`make bench`, or DATABASE_URL=postgres://... REDIS_URL=redis://... python
bench/throughput.py); needs `wrk` (Debian package `wrk`). The script creates the database
`parindex_bench_web` (BENCH_THROUGHPUT_DATABASE_NAME to change it), migrates it and loads the fixtures and the
demo data, empties the Redis database of BENCH_REDIS_URL (default: REDIS_URL's server, database 2), starts
gunicorn on a free loopback port, and runs wrk against each page for a fixed time (loopback only, bounded),
then stops gunicorn and drops the database. Compare pages within one run: the machines are shared and noisy.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from throwaway_db import bench_urls, recreate

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = 64
PAGES = (
    ("static file (WhiteNoise), the ceiling", "/static/css/app.css"),
    ("ranking 2025, 34 units (cached)", "/"),
    ("ranking 2024, 63 units (cached)", "/?nam=2024&loai=demo"),
    ("methodology page (not cached)", "/phuong-phap/"),
)


def _redis_url() -> str:
    explicit = os.environ.get("BENCH_REDIS_URL")
    if explicit:
        return explicit
    parts = urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"))
    return urlunsplit(parts._replace(path="/2"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603


def prepare(env: dict[str, str]) -> None:
    """The bench database migrated and loaded (fixtures and demo data), the static files collected."""
    _manage(env, "migrate", "--noinput")
    _manage(env, "load_par_data")
    _manage(env, "collectstatic", "--noinput")


def start_gunicorn(env: dict[str, str], ready_path: str) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn with 2 sync workers on a free loopback port, once `ready_path` answers; (process, base URL)."""
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            PYTHON,
            "-m",
            "gunicorn",
            "parindex.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        # Plain logs: gunicorn.conf.py's JSON configuration would turn the access log on, one line per request.
        env={**env, "LOG_FORMAT": "plain"},
    )
    base = f"http://127.0.0.1:{port}"
    _wait_ready(base + ready_path, server)
    return server, base


def _wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(120):
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own server on loopback
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within 60 s")


def _wrk(url: str) -> tuple[float, str]:
    """Requests per second and the 99th percentile latency, as wrk prints them."""
    done = subprocess.run(  # noqa: S603 - fixed arguments, loopback target
        [shutil.which("wrk") or "wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    )
    rate = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    p99 = re.search(r"^\s+99%\s+(\S+)", done.stdout, re.MULTILINE)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", done.stdout)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses\n{done.stdout}")
    return (float(rate.group(1)) if rate else 0.0), (p99.group(1) if p99 else "?")


def _weight(url: str) -> tuple[int, int]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own server on loopback
        body = response.read()
    return len(body), len(gzip.compress(body, compresslevel=6))


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    bench_url, maintenance, name = bench_urls(
        "bench/throughput.py", "BENCH_THROUGHPUT_DATABASE_NAME", "parindex_bench_web"
    )
    redis_url = _redis_url()
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "REDIS_URL": redis_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-" + "x" * 60),
    }
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    recreate(maintenance, name)
    server: subprocess.Popen[bytes] | None = None
    try:
        prepare(env)
        server, base = start_gunicorn(env, "/")
        for _label, path in PAGES:  # warm the cache and the workers
            for _ in range(4):
                _weight(base + path)
        print(f"gunicorn 2 workers, wrk 2 threads × {CONNECTIONS} connections × {SECONDS} s per page")
        print(f"{'page':42} {'req/s':>9} {'p99':>9} {'bytes':>9} {'gzip':>8}")
        for label, path in PAGES:
            rate, p99 = _wrk(base + path)
            size, packed = _weight(base + path)
            print(f"{label:42} {rate:9.0f} {p99:>9} {size:9,d} {packed:8,d}")
        load = os.getloadavg()
        print(
            f"load average (1, 5, 15 min): {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} on {os.cpu_count()} cores"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        recreate(maintenance, name, drop_only=True)


if __name__ == "__main__":
    main()
