"""Drill (issue 11, "Database faults"): PostgreSQL restarted while the app serves pages and grid saves.

A throwaway PostgreSQL cluster (initdb and pg_ctl into a temporary folder, on a free port, run as the `postgres`
user when the tests run as root), migrated and loaded by the app's own commands; the app served by gunicorn
(threads, persistent connections with health checks: the production settings) from another process. Threads
read pages (public, logged in, the API) and save the year grid while `pg_ctl restart -m fast` runs. Then:

- every answer is 200 or 302, or the 503 "try again" page (JSON under the API); never a 500;
- every request started once the server is back succeeds (the dead connections are noticed and replaced);
- every save is there whole (its two scores and the assessment's new version) or not at all, as its answer said
  (a save answered "not saved" is absent), and the results equal a clean recompute, row by row.

The shared PostgreSQL on 5432 is never touched."""

from __future__ import annotations

import contextlib
import http.client
import itertools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from glob import glob
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections
from django.test import Client

from parindex.register.models import Assessment, Criterion, Edition, Score
from scoring.models import RecomputeState, RecomputeStatus
from scoring.services import results_sweep
from tests.db_faults import free_port
from tests.scoring.test_faults import _equal_to_a_clean_recompute
from tests.scoring.test_tasks import _tiny_edition

pytestmark = [pytest.mark.drill, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "drill"
NOT_SAVED = "Dữ liệu của bạn chưa được lưu"
MAYBE_SAVED = "Yêu cầu của bạn có thể đã được lưu"
TRY_AGAIN = "Cơ sở dữ liệu tạm thời không sẵn sàng."


def _postgres_program(name: str) -> str:
    """initdb or pg_ctl: on the PATH (/usr/local/bin here), else in Debian's versioned folder."""
    found = shutil.which(name) or next(
        iter(sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        pytest.fail(f"{name} not found: install PostgreSQL (apt-get install -y postgresql)")
    return found


def _as_postgres() -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as the `postgres` user then."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.fail("running as root without runuser: cannot start PostgreSQL as the postgres user")
    return [runuser, "-u", "postgres", "--"]


@dataclass
class Cluster:
    port: int
    data: Path
    log: Path
    pg_ctl: list[str]

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def restart(self) -> None:
        subprocess.run(  # noqa: S603 - our own arguments
            [
                *self.pg_ctl,
                "restart",
                "-D",
                str(self.data),
                "-m",
                "fast",
                "-w",
                "-t",
                "30",
                "-l",
                str(self.log),
            ],
            check=True,
            capture_output=True,
        )


@pytest.fixture
def own_postgres() -> Iterator[Cluster]:
    """A PostgreSQL cluster of its own (no fsync: throwaway), with an empty database `drill`; stopped at the end."""
    folder = Path(tempfile.mkdtemp(prefix="parindex-pg-drill-"))
    prefix = _as_postgres()
    if prefix:
        shutil.chown(folder, "postgres", "postgres")
    cluster = Cluster(
        free_port(), folder / "data", folder / "postgres.log", [*prefix, _postgres_program("pg_ctl")]
    )
    options = (
        f"-p {cluster.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
    )
    started = False
    try:
        subprocess.run(  # noqa: S603
            [
                *prefix,
                _postgres_program("initdb"),
                "-D",
                str(cluster.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(  # noqa: S603
            [
                *cluster.pg_ctl,
                "start",
                "-D",
                str(cluster.data),
                "-w",
                "-t",
                "30",
                "-l",
                str(cluster.log),
                "-o",
                options,  # kept in postmaster.opts: `pg_ctl restart` starts it the same way
            ],
            check=True,
            capture_output=True,
        )
        started = True
        with psycopg.connect(host="127.0.0.1", port=cluster.port, user="postgres", autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {DATABASE}")
        yield cluster
    finally:
        if started:
            subprocess.run(  # noqa: S603
                [*cluster.pg_ctl, "stop", "-D", str(cluster.data), "-m", "immediate"], capture_output=True
            )
        shutil.rmtree(folder, ignore_errors=True)


def _app_environment(cluster: Cluster) -> dict[str, str]:
    """The app's environment for the drill: the throwaway database; no Redis (tasks inline, local-memory cache),
    so that only the database fails."""
    environment = {name: value for name, value in os.environ.items() if name != "REDIS_URL"}
    environment.update(
        DATABASE_URL=cluster.url(),
        DJANGO_SETTINGS_MODULE="tests.drill_settings",
        DJANGO_DEBUG="0",
        DJANGO_SECURE="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_LOG_LEVEL="WARNING",
    )
    return environment


def _manage(environment: dict[str, str], *arguments: str) -> None:
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=environment, check=True, capture_output=True
    )


@contextlib.contextmanager
def _gunicorn(environment: dict[str, str], log: Path) -> Iterator[int]:
    """The app under gunicorn (2 workers of 4 threads, as a small production), on a free port."""
    port = free_port()
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "parindex.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--worker-class",
                "gthread",
                "--threads",
                "4",
                "--timeout",
                "30",
            ],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError):
                if _request(port, "GET", "/healthz").status == 200:
                    break
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str
    started: float = 0.0
    path: str = ""
    method: str = ""


def _request(
    port: int,
    method: str,
    path: str,
    cookies: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": "127.0.0.1"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.monotonic()
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        return Answer(response.status, response.headers, text, started, path, method)
    finally:
        conn.close()


@contextlib.contextmanager
def _django_on(cluster: Cluster) -> Iterator[None]:
    """This process's connection on the drill database (to make the drill's data and check it afterwards)."""
    settings_dict: dict[str, Any] = connection.settings_dict
    keys = ("NAME", "HOST", "PORT", "USER", "PASSWORD")
    saved = {key: settings_dict[key] for key in keys}
    for conn in connections.all(initialized_only=True):
        conn.close()
    settings_dict.update(
        NAME=DATABASE, HOST="127.0.0.1", PORT=str(cluster.port), USER="postgres", PASSWORD=""
    )
    ContentType.objects.clear_cache()  # ids of the other database
    try:
        yield
    finally:
        for conn in connections.all(initialized_only=True):
            conn.close()
        settings_dict.update(saved)
        ContentType.objects.clear_cache()


@dataclass
class Save:
    unit_id: int
    d1: Decimal
    d2: Decimal
    answer: Answer


@dataclass
class Drill:
    port: int
    edition: Edition
    session: str
    units: list[int]
    answers: list[Answer] = field(default_factory=list)
    saves: list[Save] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    failures: list[str] = field(default_factory=list)
    attempt: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def record(self, answer: Answer) -> Answer:
        with self.lock:
            self.answers.append(answer)
        return answer

    def loop(self, step: Callable[[], None]) -> None:
        while not self.stop.is_set():
            try:
                step()
            except Exception as error:  # a connection refused by gunicorn, a bad page: the drill fails
                with self.lock:
                    self.failures.append(f"{type(error).__name__}: {error}")
                return

    def reader(self, paths: list[str], cookies: dict[str, str]) -> Callable[[], None]:
        cycle = itertools.cycle(paths)

        def step() -> None:
            self.record(_request(self.port, "GET", next(cycle), cookies))

        return step

    def saver(self, unit_id: int) -> Callable[[], None]:
        """Opens the grid (its version and CSRF token), then saves the unit's two scores, new values each time."""
        cookies = {"sessionid": self.session}
        grid = f"/nhap-lieu/{self.edition.pk}/bang/"

        def step() -> None:
            page = self.record(_request(self.port, "GET", grid, cookies))
            if page.status != 200:
                time.sleep(0.05)
                return
            for header in page.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie(header)
                if "csrftoken" in cookie:
                    cookies["csrftoken"] = cookie["csrftoken"].value
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
            version = re.search(rf'name="p-{unit_id}-version" value="(\d+)"', page.body)
            assert token and version, "the grid has no token or version"
            with self.lock:
                attempt = next(self.attempt)
            d1, d2 = (
                Decimal(attempt) / 100,
                Decimal(attempt) / 100 + 1,
            )  # unique per attempt, within the maxima
            form = {
                "csrfmiddlewaretoken": token.group(1),
                "don_vi": "diem",
                f"p-{unit_id}-version": version.group(1),
                f"p-{unit_id}-d1": str(d1),
                f"p-{unit_id}-d2": str(d2),
                f"p-{unit_id}-index": "",
                f"p-{unit_id}-rank": "",
            }
            answer = self.record(_request(self.port, "POST", grid, cookies, form))
            with self.lock:
                self.saves.append(Save(unit_id, d1, d2, answer))

        return step


def _successful_saves_since(drill: Drill, since: float) -> dict[int, int]:
    with drill.lock:
        counts = dict.fromkeys(drill.units, 0)
        for save in drill.saves:
            if save.answer.started >= since and save.answer.status == 302:
                counts[save.unit_id] += 1
    return counts


def _wait_for_saves(drill: Drill, since: float, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while min(_successful_saves_since(drill, since).values()) < 2 and time.monotonic() < deadline:
        if drill.failures:
            return
        time.sleep(0.1)


def _check_answer(answer: Answer) -> str | None:
    """What is wrong with an answer, or None: 200, 302 or the 503 try-again page (JSON under the API)."""
    if answer.status in (200, 302):
        return None
    if answer.status != 503:
        return f"{answer.method} {answer.path}: {answer.status}\n{answer.body[:1500]}"
    if not answer.headers.get("Retry-After"):
        return f"{answer.method} {answer.path}: 503 without Retry-After"
    if answer.path.startswith("/api/"):
        return None if "temporarily unavailable" in answer.body else f"{answer.path}: 503 {answer.body[:300]}"
    if 'data-status="503"' not in answer.body or TRY_AGAIN not in answer.body:
        return f"{answer.method} {answer.path}: a 503 that is not the try-again page\n{answer.body[:1500]}"
    return None


def test_postgres_restarted_under_load_answers_try_again_then_recovers_with_nothing_half_written(
    own_postgres: Cluster, tmp_path: Path
) -> None:
    environment = _app_environment(own_postgres)
    _manage(environment, "migrate", "--noinput", "-v", "0")
    _manage(environment, "load_par_data")
    with _django_on(own_postgres):
        edition, assessments = _tiny_edition(2091)
        user = User.objects.create_superuser("quan-tri-dien-tap", password="x")
        client = Client()
        client.force_login(user)
        session = client.cookies["sessionid"].value
        units = sorted(a.unit_id for a in assessments.values())
        versions = {a.unit_id: a.version for a in assessments.values()}
        unit_page = f"/don-vi/{Assessment.objects.get(pk=assessments['An'].pk).unit.slug}/"

    log = tmp_path / "gunicorn.log"
    with _gunicorn(environment, log) as port:
        drill = Drill(port, edition, session, units)
        logged_in = {"sessionid": session}
        threads = [threading.Thread(target=drill.loop, args=(drill.saver(unit),)) for unit in units]
        threads += [
            threading.Thread(
                target=drill.loop,
                args=(drill.reader(["/nhap-lieu/", f"/nhap-lieu/{edition.pk}/", "/", unit_page], logged_in),),
            ),
            threading.Thread(
                target=drill.loop,
                args=(drill.reader(["/", "/phuong-phap/", unit_page, "/api/v1/indices", "/xep-hang/"], {}),),
            ),
        ]
        for thread in threads:
            thread.start()
        try:
            _wait_for_saves(drill, 0, timeout=15)
            restart_started = time.monotonic()
            own_postgres.restart()
            restart_done = time.monotonic()
            _wait_for_saves(drill, restart_done, timeout=15)
        finally:
            drill.stop.set()
            for thread in threads:
                thread.join(timeout=60)
        # Once the load has stopped: every page again, each answered normally.
        after = [
            _request(port, "GET", path, logged_in)
            for path in ("/nhap-lieu/", f"/nhap-lieu/{edition.pk}/bang/", "/phuong-phap/", unit_page) * 3
        ]
    server_log = log.read_text(errors="replace")

    assert not drill.failures, f"{drill.failures}\n{server_log[-5000:]}"
    problems = [problem for answer in drill.answers if (problem := _check_answer(answer))]
    assert not problems, "\n".join(problems[:5]) + f"\n{server_log[-5000:]}"
    assert "Internal Server Error" not in server_log, server_log[-5000:]
    late = [a for a in drill.answers if a.started >= restart_done and a.status not in (200, 302)]
    assert not late, [(a.method, a.path, a.status) for a in late]
    assert all(a.status == 200 for a in after), [(a.path, a.status) for a in after]
    during = [a for a in drill.answers if restart_started <= a.started < restart_done]
    assert during, "no request was made while PostgreSQL restarted"
    for unit, count in _successful_saves_since(drill, restart_done).items():
        assert count >= 2, f"unit {unit}: {count} saves after the restart"
    print(  # the drill's numbers, in the test's output
        f"{len(drill.answers)} answers, {sum(a.status == 503 for a in drill.answers)} of them 503; "
        f"restart {restart_done - restart_started:.2f} s"
    )

    with _django_on(own_postgres):
        _assert_saves_whole_or_absent(edition, drill.saves, versions)
        state = RecomputeState.objects.get(edition=edition)
        if state.status != RecomputeStatus.DONE:  # a recompute cut by the restart: what the sweep is for
            assert results_sweep(older_than=timedelta(0)) == [edition.pk]
        assert len(_equal_to_a_clean_recompute(edition)) == 3


def _assert_saves_whole_or_absent(edition: Edition, saves: list[Save], versions: dict[int, int]) -> None:
    """Each save's two scores are in the history together or not at all, as its answer said; the assessments'
    versions count the saves that are there, and their scores are the last of them."""
    history = Score.history.model  # type: ignore[attr-defined]
    d1, d2 = (Criterion.objects.get(methodology=edition.methodology, number=n) for n in (1, 2))
    assessments = {a.unit_id: a for a in Assessment.objects.filter(edition=edition)}
    committed: dict[int, list[tuple[int, Save]]] = {unit: [] for unit in versions}
    for save in saves:
        assessment = assessments[save.unit_id]
        rows = [
            history.objects.filter(assessment_id=assessment.pk, criterion=criterion, points=points)
            .values_list("history_id", flat=True)
            .first()
            for criterion, points in ((d1, save.d1), (d2, save.d2))
        ]
        there = [row is not None for row in rows]
        assert there in ([True, True], [False, False]), f"half a save: {save}"
        status = save.answer.status
        if status == 302:
            assert all(there), f"a save answered as saved is missing: {save}"
        elif NOT_SAVED in save.answer.body:
            assert not any(there), f"a save answered 'not saved' is there: {save}"
        else:
            assert status == 503 and MAYBE_SAVED in save.answer.body, f"unexpected answer to a save: {save}"
        if all(there):
            committed[save.unit_id].append((max(r for r in rows if r is not None), save))
    for unit, done in committed.items():
        assessment = assessments[unit]
        assert assessment.version == versions[unit] + len(done), f"unit {unit}: version {assessment.version}"
        last = max(done, key=lambda pair: pair[0])[1]
        stored = dict(assessment.scores.values_list("criterion_id", "points"))
        assert stored == {d1.pk: last.d1, d2.pk: last.d2}
