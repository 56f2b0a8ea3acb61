"""A real Celery worker for the tests that need one: started on the test database and the broker the test process
publishes to, its output in a log the failure message shows, always stopped."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def worker_database_url() -> str:
    """DATABASE_URL of the database pytest-django created, for a worker in another process."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    return f"postgres://{credentials}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_until(
    condition: Callable[[], bool], timeout: float, worker: subprocess.Popen[bytes], log: Path
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.poll() is not None:
            pytest.fail(f"the worker exited with {worker.returncode}:\n{log.read_text(errors='replace')}")
        time.sleep(0.25)
    pytest.fail(f"gave up after {timeout} s; worker log:\n{log.read_text(errors='replace')}")


@contextmanager
def celery_worker(
    *, queues: str, node: str, env: Mapping[str, str] | None = None, options: Sequence[str] = ()
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """A solo worker consuming `queues` (comma-separated) under the name `node`; yields it and its log, and
    stops it afterwards (terminate, then kill), whatever the test did to it."""
    environment = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "DJANGO_LOG_LEVEL": "INFO",
        **(env or {}),
    }
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "worker.log"
        with log.open("wb") as output:
            worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "parindex",
                    "worker",
                    "--pool=solo",
                    "--concurrency=1",
                    "-Q",
                    queues,
                    "-n",
                    node,
                    "--loglevel=INFO",
                    "--without-gossip",
                    "--without-mingle",
                    *options,
                ],
                cwd=ROOT,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            yield worker, log
        finally:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait(timeout=10)
