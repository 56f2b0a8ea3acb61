"""Import jobs under faults (issue 11, items 2 and 3): nothing is left "running" or "pending" for good, nothing
is half-written, and the user is told why.

Real PostgreSQL, real Redis (a throwaway redis-server per drill) and real Celery workers (tests/scoring/workers.py):
a worker killed mid-parse, a soft time limit, the worker's memory cap, a read-only database during an import
(small file inline, large file in the worker), and the zip bomb uploaded twice at once while the public page is
read. Waits are bounded; nothing asserts a duration."""

from __future__ import annotations

import multiprocessing
import re
import resource
import signal
import threading
import time
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parindex.celery import app
from parindex.register.models import (
    Assessment,
    Edition,
    ImportJob,
    ImportJobStage,
    ImportJobStatus,
    Score,
    Unit,
)
from parindex.transfer import importing, tasks
from tests.scoring.test_tasks import _tiny_edition
from tests.scoring.workers import celery_worker, wait_until
from tests.transfer.test_hostile_workbooks import bomb
from tests.transfer.test_import import GOOD_ROWS, make_edition
from tests.transfer.test_spreadsheets import csv_bytes, xlsx_bytes

drill = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

HEAD = ["Tỉnh, thành phố", "Lĩnh vực 1", "Lĩnh vực 2"]
# The tiny edition holds An 30/50, Bình 35/45, Cường 20/30 (maxima 40 and 60).
NEW_ROWS = [["Tỉnh An", "31", "51"], ["Tỉnh Bình", "36", "46"], ["Tỉnh Cường", "21", "31"]]
AFTER_IMPORT = [
    (1, Decimal(31)),
    (1, Decimal(36)),
    (1, Decimal(21)),
    (2, Decimal(51)),
    (2, Decimal(46)),
    (2, Decimal(31)),
]


def stored(edition: Edition) -> list[tuple[Any, ...]]:
    """Everything an import could change for the edition, row by row (history included)."""
    assessments = sorted(
        Assessment.objects.filter(edition=edition).values_list(
            "unit_id", "version", "published_index", "published_rank"
        )
    )
    scores = sorted(
        Score.objects.filter(assessment__edition=edition).values_list(
            "assessment__unit_id", "criterion__number", "points"
        )
    )
    history = (Assessment.history.filter(edition_id=edition.pk).count(), Score.history.count())
    return [*assessments, *scores, history]


def points(edition: Edition) -> list[tuple[int, Decimal]]:
    rows = Score.objects.filter(assessment__edition=edition).order_by(
        "criterion__number", "assessment__unit__name"
    )
    return [(s.criterion.number, s.points) for s in rows.select_related("criterion")]


def upload(content: bytes, name: str = "ket-qua.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def previewed_job(edition: Edition, user: User, content: bytes) -> ImportJob:
    """A job whose preview ran here (inline) and passed."""
    job = importing.import_job_run(
        importing.import_job_create(edition=edition, upload=upload(content), user=user)
    )
    assert job.status == ImportJobStatus.DONE and job.preview and not job.messages, job.messages
    return job


def large_csv() -> bytes:
    """90,000 rows (5.6 MB): within every limit, but seconds and well over 100 MB to preview."""
    return csv_bytes([[f"Tỉnh {n}", "1", "2"] for n in range(90_000)], head=HEAD)


def unfinished() -> list[tuple[int, str]]:
    return list(
        ImportJob.objects.filter(status__in=(ImportJobStatus.PENDING, ImportJobStatus.RUNNING)).values_list(
            "pk", "status"
        )
    )


def age(job: ImportJob, by: timedelta) -> None:
    """Move the job's clock back, as if it had waited `by` more (the sweep measures from started_at)."""
    job.refresh_from_db()
    assert job.started_at is not None
    ImportJob.objects.filter(pk=job.pk).update(started_at=job.started_at - by)


def blocker_connection() -> psycopg.Connection[Any]:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=int(db["PORT"] or 5432),
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
    )


def hold_units(blocker: psycopg.Connection[Any]) -> None:
    """Lock the unit table: a worker's preview claims the job ("running"), reads the file, then waits inside
    `analyse` where it matches names to units."""
    blocker.execute(f"LOCK TABLE {Unit._meta.db_table} IN ACCESS EXCLUSIVE MODE")


def worker_ready(node: str, worker: Any, log: Any) -> None:
    wait_until(lambda: bool(app.control.ping([node], timeout=0.5)), 60, worker, log)


# --- The sweep and its twins (no worker) -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sweep_fails_dead_runs_sends_pending_jobs_again_and_gives_up_on_abandoned_ones():
    edition = Edition.objects.order_by("pk").first()
    user = User.objects.create_user("nhap-tep-quet")
    jobs = {}
    for label, status, waited in (
        ("dead", ImportJobStatus.RUNNING, tasks.IMPORT_SWEEP_AFTER + timedelta(seconds=1)),
        ("running", ImportJobStatus.RUNNING, timedelta(seconds=10)),
        ("lost", ImportJobStatus.PENDING, tasks.IMPORT_RESEND_AFTER + timedelta(seconds=1)),
        ("queued", ImportJobStatus.PENDING, timedelta(seconds=10)),
        ("abandoned", ImportJobStatus.PENDING, tasks.IMPORT_GIVE_UP_AFTER + timedelta(seconds=1)),
        ("done", ImportJobStatus.DONE, timedelta(days=1)),
    ):
        job = ImportJob.objects.create(edition=edition, user=user, filename=f"{label}.csv", content=b"x")
        ImportJob.objects.filter(pk=job.pk).update(status=status, started_at=timezone.now() - waited)
        jobs[label] = job.pk

    swept = importing.import_jobs_sweep(
        running_after=tasks.IMPORT_SWEEP_AFTER,
        pending_after=tasks.IMPORT_RESEND_AFTER,
        give_up_after=tasks.IMPORT_GIVE_UP_AFTER,
    )

    assert sorted(swept.failed) == sorted([jobs["dead"], jobs["abandoned"]])
    assert swept.to_send == [jobs["lost"]]
    state = {label: ImportJob.objects.get(pk=pk) for label, pk in jobs.items()}
    assert (state["dead"].status, state["dead"].progress) == (ImportJobStatus.FAILED, 100)
    assert "Quá thời gian xử lý tệp (hơn 180 giây)" in state["dead"].messages[0]
    assert "chưa lưu gì" in state["dead"].messages[0]
    assert "Tệp chưa được xử lý sau 30 phút" in state["abandoned"].messages[0]
    assert [state[k].status for k in ("running", "lost", "queued", "done")] == [
        ImportJobStatus.RUNNING,
        ImportJobStatus.PENDING,
        ImportJobStatus.PENDING,
        ImportJobStatus.DONE,
    ]
    again = importing.import_jobs_sweep(
        running_after=tasks.IMPORT_SWEEP_AFTER,
        pending_after=tasks.IMPORT_RESEND_AFTER,
        give_up_after=tasks.IMPORT_GIVE_UP_AFTER,
    )
    assert again.failed == []  # idempotent: a failed job stays as it was


@pytest.fixture
def eager_tasks():
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.mark.django_db
def test_the_command_twin_runs_a_job_whose_task_was_lost(eager_tasks):
    """Without a worker (tasks inline) the command's "send again" runs the job: a lost task is resumed."""
    edition = make_edition()
    user = User.objects.create_superuser("quan-tri-quet", password="x")
    job = importing.import_job_create(edition=edition, upload=upload(xlsx_bytes(GOOD_ROWS)), user=user)
    age(job, tasks.IMPORT_RESEND_AFTER + timedelta(seconds=1))
    out = StringIO()

    call_command("sweep_import_jobs", stdout=out)

    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE and job.preview
    assert "0 import jobs failed, 1 sent again" in out.getvalue()


def test_the_sweep_is_scheduled_and_the_broker_waits_longer_than_any_task_may_run():
    scheduled = {entry["task"]: entry["schedule"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled["parindex.import_jobs_sweep"] <= 60
    assert "parindex.import_jobs_sweep" in app.tasks
    assert (tasks.import_run.soft_time_limit, tasks.import_run.time_limit) == (
        django_settings.IMPORT_SOFT_TIME_LIMIT,
        django_settings.IMPORT_TIME_LIMIT,
    )
    assert (
        tasks.import_run.soft_time_limit
        < tasks.import_run.time_limit
        < tasks.IMPORT_SWEEP_AFTER.total_seconds()
    )
    longest = max(
        (task.time_limit or django_settings.CELERY_TASK_TIME_LIMIT)
        for name, task in app.tasks.items()
        if not name.startswith("celery.")
    )
    visibility = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert longest < visibility <= longest + 60  # just above the longest hard limit


def test_the_memory_cap_turns_a_runaway_allocation_into_memory_error():
    """cap_address_space, as the worker process applies it, in a forked child (never in the test process)."""

    def child(queue: Any) -> None:
        used = int(Path("/proc/self/statm").read_text().split()[0]) * resource.getpagesize()
        tasks.cap_address_space(used // (1024 * 1024) + 64)
        try:
            bytearray(256 * 1024 * 1024)
        except MemoryError:
            queue.put("MemoryError")
        else:
            queue.put("allocated")

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=child, args=(queue,))
    process.start()
    process.join(60)
    assert queue.get(timeout=5) == "MemoryError"


# --- Read-only database, small file (inline, through the pages) ------------------------------------------------


def _set_read_only(on: bool) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET SESSION CHARACTERISTICS AS TRANSACTION {'READ ONLY' if on else 'READ WRITE'}")


@pytest.mark.django_db(transaction=True)
def test_a_read_only_database_during_a_small_import_gives_a_clear_message_and_writes_nothing():
    edition, _assessments = _tiny_edition(2095)
    admin = User.objects.create_superuser("quan-tri-chi-doc", password="x")
    client = Client()
    client.force_login(admin)
    upload_url = reverse("transfer:upload", args=[edition.pk])
    assert client.get(upload_url).status_code == 200  # the session's times are written now, not below
    content = xlsx_bytes(NEW_ROWS, head=HEAD)
    before = stored(edition)

    _set_read_only(True)
    try:
        response = client.post(upload_url, {"file": upload(content)})
    finally:
        _set_read_only(False)
    assert response.status_code == 503
    assert "Dữ liệu của bạn chưa được lưu" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert stored(edition) == before

    # Writable again: the preview is stored; then the database turns read-only before the confirmation.
    response = client.post(upload_url, {"file": upload(content)})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == ImportJobStatus.DONE
    _set_read_only(True)
    try:
        response = client.post(reverse("transfer:confirm", args=[job.pk]), follow=True)
    finally:
        _set_read_only(False)
    assert "Dữ liệu của bạn chưa được lưu" in response.content.decode()
    assert "Xác nhận nhập" in response.content.decode()  # the preview stands, to confirm again
    job.refresh_from_db()
    assert (job.stage, job.status) == (ImportJobStage.PREVIEW, ImportJobStatus.DONE)
    assert stored(edition) == before
    assert unfinished() == []

    # Once writable, the same confirmation imports the file.
    response = client.post(reverse("transfer:confirm", args=[job.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("entry:edition_list")
    assert points(edition) == AFTER_IMPORT


# --- Real workers -----------------------------------------------------------------------------------------------


def _job_page(admin: User, job: ImportJob) -> str:
    client = Client()
    client.force_login(admin)
    return client.get(reverse("transfer:job", args=[job.pk])).content.decode()


@pytest.mark.drill
@drill[0]
@drill[1]
def test_a_worker_killed_mid_parse_leaves_a_job_the_sweep_fails_with_a_message(
    own_redis, broker_and_cache_on
):
    _, url = own_redis
    edition, _assessments = _tiny_edition(2096)
    admin = User.objects.create_superuser("quan-tri-giet", password="x")
    job = importing.import_job_create(
        edition=edition, upload=upload(xlsx_bytes(NEW_ROWS, head=HEAD)), user=admin
    )
    before = stored(edition)
    node = "imports-killed@localhost"
    with celery_worker(
        queues="celery", node=node, env={"REDIS_URL": url}, options=["--without-heartbeat"]
    ) as (
        worker,
        log,
    ):
        blocker = blocker_connection()
        try:
            hold_units(blocker)
            worker_ready(node, worker, log)
            tasks._send(job.pk)
            wait_until(
                lambda: ImportJob.objects.filter(pk=job.pk, status=ImportJobStatus.RUNNING).exists(),
                30,
                worker,
                log,
            )
            time.sleep(0.5)  # inside analyse, waiting for the units
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            blocker.rollback()
            blocker.close()

    # The dead run stays "running" until it is past the hard time limit; then the sweep fails it.
    assert unfinished() == [(job.pk, ImportJobStatus.RUNNING)]
    assert tasks.sweep_import_jobs().failed == []
    age(job, tasks.IMPORT_SWEEP_AFTER)
    assert tasks.sweep_import_jobs().failed == [job.pk]
    job.refresh_from_db()
    assert job.status == ImportJobStatus.FAILED
    assert "Quá thời gian xử lý tệp" in job.messages[0]
    assert unfinished() == []
    assert stored(edition) == before
    page = _job_page(admin, job)
    assert "Quá thời gian xử lý tệp" in page
    assert reverse("transfer:upload", args=[edition.pk]) in page  # a way to upload again


@pytest.mark.drill
@drill[0]
@drill[1]
def test_an_import_past_its_soft_time_limit_is_failed_by_the_worker_with_a_message(
    own_redis, broker_and_cache_on
):
    """A soft limit of 1 s (the real one is 120 s) against a file that takes seconds to read: the worker stops
    the parse and fails the job with the message. (A soft limit cannot interrupt a query blocked in the database
    driver; the hard limit and the sweep cover that: see the killed-worker drill.)"""
    _, url = own_redis
    edition, _assessments = _tiny_edition(2097)
    admin = User.objects.create_superuser("quan-tri-gio", password="x")
    job = importing.import_job_create(edition=edition, upload=upload(large_csv(), "lon.csv"), user=admin)
    node = "imports-soft-limit@localhost"
    with celery_worker(queues="celery", node=node, env={"REDIS_URL": url}, options=["--pool=prefork"]) as (
        worker,
        log,
    ):
        worker_ready(node, worker, log)
        # The limits travel with the message (the sender's task options): here overridden for this one run.
        tasks.import_run.apply_async(args=[job.pk], soft_time_limit=1, time_limit=60)
        wait_until(
            lambda: ImportJob.objects.filter(pk=job.pk, status=ImportJobStatus.FAILED).exists(),
            90,
            worker,
            log,
        )
    job.refresh_from_db()
    assert "Quá thời gian xử lý tệp (hơn 1 giây)" in job.messages[0], job.messages
    assert job.progress == 100 and unfinished() == []


@pytest.mark.drill
@drill[0]
@drill[1]
def test_a_file_that_needs_more_memory_than_the_worker_may_take_fails_with_a_message(
    own_redis, broker_and_cache_on
):
    """90,000 rows of CSV pass every check (5.6 MB, under the row limit) but need well over 100 MB to preview.
    A worker process capped at 260 MB cannot: the allocation fails, and the job ends failed whichever way the
    process takes it: MemoryError, caught, fails the job with its message; a C extension that crashes on the
    failed allocation (seen here: SIGSEGV) loses the process, the pool replaces it, the redelivered task finds
    the job claimed and leaves it, and the sweep fails it. The worker then goes on with the next file."""
    _, url = own_redis
    edition, _assessments = _tiny_edition(2098)
    admin = User.objects.create_superuser("quan-tri-bo-nho", password="x")
    job = importing.import_job_create(edition=edition, upload=upload(large_csv(), "lon.csv"), user=admin)
    small = importing.import_job_create(
        edition=edition, upload=upload(xlsx_bytes(NEW_ROWS, head=HEAD)), user=admin
    )
    before = stored(edition)
    node = "imports-memory@localhost"
    env = {"REDIS_URL": url, "WORKER_MEMORY_LIMIT_MB": "260"}
    with celery_worker(queues="celery", node=node, env=env, options=["--pool=prefork"]) as (worker, log):
        worker_ready(node, worker, log)
        assert "address space capped at 260 MB" in log.read_text()
        tasks._send(job.pk)
        wait_until(
            lambda: (
                ImportJob.objects.filter(pk=job.pk, status=ImportJobStatus.FAILED).exists()
                or "not run again" in log.read_text()
            ),
            120,
            worker,
            log,
        )
        job.refresh_from_db()
        if job.status == ImportJobStatus.RUNNING:  # the process died: the sweep's turn, past the time limit
            assert "WorkerLostError" in log.read_text()
            age(job, tasks.IMPORT_SWEEP_AFTER)
            assert tasks.sweep_import_jobs().failed == [job.pk]
            job.refresh_from_db()
        tasks._send(small.pk)
        wait_until(
            lambda: ImportJob.objects.filter(pk=small.pk, status=ImportJobStatus.DONE).exists(),
            60,
            worker,
            log,
        )
    assert job.status == ImportJobStatus.FAILED
    assert (
        "Tệp cần quá nhiều bộ nhớ để đọc" in job.messages[0] or "Quá thời gian xử lý tệp" in job.messages[0]
    ), job.messages
    assert unfinished() == []
    assert stored(edition) == before


@pytest.mark.drill
@drill[0]
@drill[1]
def test_a_read_only_database_during_a_large_import_leaves_it_pending_and_the_sweep_completes_it(
    own_redis, broker_and_cache_on, settings
):
    """The field report: a job stuck "pending 0%" for good. The worker's database refuses writes (new sessions
    read-only): the job stays pending, nothing is written; once writable, the sweep sends it again and it imports."""
    _, url = own_redis
    edition, _assessments = _tiny_edition(2099)
    admin = User.objects.create_superuser("quan-tri-doc", password="x")
    settings.IMPORT_ASYNC_BYTES = 100  # every file goes to the worker
    job = previewed_job(edition, admin, xlsx_bytes(NEW_ROWS, head=HEAD))
    job = importing.import_confirm(job=job, user=admin)
    assert importing.runs_in_background(job)
    before = stored(edition)
    name = connection.settings_dict["NAME"]
    node = "imports-read-only@localhost"
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    try:
        with celery_worker(queues="celery", node=node, env={"REDIS_URL": url}) as (worker, log):
            worker_ready(node, worker, log)
            tasks._send(job.pk)
            wait_until(lambda: "the database refused" in log.read_text(), 60, worker, log)
            job.refresh_from_db()
            assert (job.stage, job.status, job.progress) == (
                ImportJobStage.IMPORT,
                ImportJobStatus.PENDING,
                0,
            )
            assert stored(edition) == before
            # A fresh sweep leaves it: a worker may be about to take it.
            assert tasks.sweep_import_jobs().to_send == []

            with connection.cursor() as cursor:
                cursor.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
            age(job, tasks.IMPORT_RESEND_AFTER)
            assert tasks.sweep_import_jobs().to_send == [job.pk]
            wait_until(
                lambda: ImportJob.objects.filter(pk=job.pk, status=ImportJobStatus.DONE).exists(),
                60,
                worker,
                log,
            )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
    job.refresh_from_db()
    assert "3 đơn vị cập nhật" in job.messages[0]
    assert points(edition) == AFTER_IMPORT
    assert unfinished() == []


# --- The Done-when drill ------------------------------------------------------------------------------------------


class _Staff:
    """A logged-in browser against the live server: its session cookie, the upload form's CSRF token."""

    def __init__(self, live_server: Any, user: User, edition: Edition) -> None:
        client = Client()
        client.force_login(user)
        self.http = requests.Session()
        self.http.cookies.set(
            django_settings.SESSION_COOKIE_NAME, client.cookies[django_settings.SESSION_COOKIE_NAME].value
        )
        self.url = f"{live_server.url}{reverse('transfer:upload', args=[edition.pk])}"
        page = self.http.get(self.url, timeout=30)
        assert page.status_code == 200
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert match
        self.token = match.group(1)

    def upload(self, content: bytes) -> requests.Response:
        return self.http.post(
            self.url,
            data={"csrfmiddlewaretoken": self.token},
            files={"file": ("ket-qua.xlsx", content)},
            headers={"Referer": self.url},
            timeout=60,
        )


@pytest.mark.django_db(transaction=True)
def test_the_zip_bomb_uploaded_twice_at_once_while_the_public_page_is_read(live_server):
    edition, _assessments = _tiny_edition(2100)
    content = bomb(5_000_000)
    staff = [
        _Staff(live_server, User.objects.create_superuser(f"can-bo-{n}", password="x"), edition)
        for n in (1, 2)
    ]
    before = stored(edition)
    public = f"{live_server.url}{reverse('home')}"
    start = threading.Barrier(3)
    uploads: list[requests.Response] = []
    public_statuses: list[int] = []
    done = threading.Event()

    def upload(person: _Staff) -> None:
        start.wait(timeout=30)
        uploads.append(person.upload(content))

    def read_public() -> None:
        start.wait(timeout=30)
        while not done.is_set() or len(public_statuses) < 5:
            public_statuses.append(requests.get(public, timeout=30).status_code)

    threads = [threading.Thread(target=upload, args=(person,)) for person in staff]
    reader = threading.Thread(target=read_public)
    for thread in [*threads, reader]:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    reader.join(timeout=120)
    assert not any(t.is_alive() for t in [*threads, reader])

    assert [r.status_code for r in uploads] == [200, 200]
    for response in uploads:
        assert "Tệp .xlsx giải nén ra quá lớn (hơn 50 MB)" in response.text
    assert public_statuses and set(public_statuses) == {200}
    assert not ImportJob.objects.exists()  # refused before a job was stored
    assert unfinished() == []
    assert stored(edition) == before
