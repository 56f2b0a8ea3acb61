"""Fault drills on real services (issue 11): a Redis that hangs (SIGSTOP) during a save, and a worker killed
with SIGKILL mid-recompute. Each test starts its own redis-server on a free port, so the shared one is never
stopped; the broker and the cache of this process point at it, and it is killed in a finally block."""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import psycopg
import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from parindex.celery import app
from parindex.register.models import Assessment, Edition
from scoring.models import RecomputeState, RecomputeStatus, YearResult
from scoring.services import results_recompute, results_sweep
from scoring.tasks import RECOMPUTE_SOFT_TIME_LIMIT, RECOMPUTE_TIME_LIMIT, SWEEP_AFTER, recompute_edition
from tests.scoring.test_tasks import _tiny_edition
from tests.scoring.workers import celery_worker, wait_until

drill = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def own_redis() -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A throwaway redis-server (no disk), and the URL of its database 0. Killed (after a SIGCONT) at the end."""
    port = _free_port()
    redis_server = shutil.which("redis-server") or "redis-server"
    server = subprocess.Popen(  # noqa: S603 - a fixed program and our own arguments
        [redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("the test redis-server did not start")
                time.sleep(0.05)
        yield server, f"redis://127.0.0.1:{port}/0"
    finally:
        for sig in (signal.SIGCONT, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                server.send_signal(sig)
        server.wait(timeout=10)


@pytest.fixture
def broker_and_cache_on(own_redis: tuple[subprocess.Popen[bytes], str]) -> Iterator[str]:
    """This process publishes tasks to, and caches in, the throwaway Redis (with the settings' timeouts)."""
    _, url = own_redis
    caches = {"default": {**django_settings.CACHES["default"], "LOCATION": url}}
    previous = (app.conf.broker_url, app._pool, app.amqp._producer_pool)
    # New pools for the throwaway Redis; the usual ones are put back untouched (kombu keeps producer pools in a
    # global registry by connection, so closing them would break the tests that follow).
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None
    try:
        with override_settings(CACHES=caches, CELERY_BROKER_URL=url):
            yield url
    finally:
        for pool in (app.amqp._producer_pool, app._pool):
            if pool is not None:
                pool.force_close_all()
        app.conf.broker_url, app._pool, app.amqp._producer_pool = previous


def _rows(edition: Edition) -> list[tuple[Any, ...]]:
    return sorted(
        YearResult.objects.filter(edition=edition).values_list(
            "unit_id", "index", "rank", "region_rank", "points", "max_points", "rank_change", "index_change"
        )
    )


def _equal_to_a_clean_recompute(edition: Edition) -> list[tuple[Any, ...]]:
    swept = _rows(edition)
    results_recompute(edition=edition)
    assert _rows(edition) == swept
    return swept


@pytest.mark.drill
@drill[0]
@drill[1]
def test_a_frozen_redis_neither_fails_nor_blocks_a_save_and_the_sweep_recomputes(
    own_redis: tuple[subprocess.Popen[bytes], str], broker_and_cache_on: str
) -> None:
    server, _ = own_redis
    edition, assessments = _tiny_edition(2092)
    results_recompute(edition=edition)
    admin = User.objects.create_superuser("quan-tri-dong-bang", password="x")
    client = Client()
    client.force_login(admin)
    cuong = assessments["Cường"]
    grid = reverse("entry:grid", args=[edition.pk])
    data = {
        "don_vi": "diem",
        f"p-{cuong.unit_id}-version": str(cuong.version),
        f"p-{cuong.unit_id}-d1": "40",
        f"p-{cuong.unit_id}-d2": "55",
        f"p-{cuong.unit_id}-index": "",
        f"p-{cuong.unit_id}-rank": "",
    }
    assert client.get(grid).status_code == 200  # the connections are made while Redis answers
    cache.set("warm", 1)
    # The home page: the latest ranking, read through the cache (and 200 even when another test's flush left no
    # published edition).
    ranking = reverse("home")
    assert client.get(ranking).status_code == 200

    server.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        response = client.post(grid, data)
        took = time.monotonic() - started

        assert response.status_code == 302, response.content.decode()[:2000]
        assert took < 5, f"the save took {took:.1f} s with Redis frozen"
        # Committed, marked pending, and the user told that the results wait.
        cuong.refresh_from_db()
        assert sorted(cuong.scores.values_list("points", flat=True)) == [Decimal(40), Decimal(55)]
        assert RecomputeState.objects.get(edition=edition).status == RecomputeStatus.PENDING
        texts = [str(m) for m in get_messages(response.wsgi_request)]
        assert "Đã lưu; kết quả đang chờ tính lại." in texts
        # Nothing recomputed: Cường is still last.
        assert YearResult.objects.get(edition=edition, unit_id=cuong.unit_id).rank == 3

        # A public page is not held up by the cache for more than its one-second timeouts.
        anonymous = Client()
        started = time.monotonic()
        assert anonymous.get(ranking).status_code == 200
        public_took = time.monotonic() - started
        assert public_took < 3, f"the public ranking took {public_took:.1f} s with Redis frozen"

        # The sweep leaves a fresh request alone (a worker may be about to take it)...
        assert results_sweep(older_than=SWEEP_AFTER) == []
    finally:
        server.send_signal(signal.SIGCONT)

    # ...and recomputes it once it has waited: as a clean recompute would, row by row.
    RecomputeState.objects.filter(edition=edition).update(
        requested_at=RecomputeState.objects.get(edition=edition).requested_at - SWEEP_AFTER
    )
    assert results_sweep(older_than=SWEEP_AFTER) == [edition.pk]
    assert RecomputeState.objects.get(edition=edition).status == RecomputeStatus.DONE
    assert YearResult.objects.get(edition=edition, unit_id=cuong.unit_id).rank == 1
    _equal_to_a_clean_recompute(edition)
    assert results_sweep(older_than=SWEEP_AFTER) == []  # idempotent: nothing left


@pytest.mark.drill
@drill[0]
@drill[1]
def test_a_worker_killed_mid_recompute_is_swept(
    own_redis: tuple[subprocess.Popen[bytes], str], broker_and_cache_on: str
) -> None:
    _, url = own_redis
    edition, assessments = _tiny_edition(2093)
    Assessment.objects.filter(pk=assessments["Cường"].pk).update(published_rank=3)
    queue = f"test-killed-{uuid.uuid4().hex[:10]}"
    node = f"{queue}@localhost"
    db = connection.settings_dict
    with celery_worker(queues=queue, node=node, env={"REDIS_URL": url}, options=["--without-heartbeat"]) as (
        worker,
        log,
    ):
        # Another session holds the edition's row lock (NO KEY: marking the state "running" inserts a row that
        # refers to the edition, which must not wait): the worker's recompute stops inside, "running".
        blocker = psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=int(db["PORT"] or 5432),
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname=db["NAME"],
        )
        try:
            blocker.execute(
                f"SELECT id FROM {Edition._meta.db_table} WHERE id = %s FOR NO KEY UPDATE",  # noqa: S608 - a table name
                [edition.pk],
            )
            wait_until(lambda: bool(app.control.ping([node], timeout=0.5)), 60, worker, log)
            recompute_edition.apply_async(args=[edition.pk], queue=queue)
            wait_until(
                lambda: RecomputeState.objects.filter(
                    edition=edition, status=RecomputeStatus.RUNNING
                ).exists(),
                30,
                worker,
                log,
            )
            time.sleep(0.5)  # well inside results_recompute, waiting for the lock
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            assert not YearResult.objects.filter(edition=edition).exists()
        finally:
            blocker.rollback()
            blocker.close()

    # The killed run stays "running"; once past the task's time limit, the sweep recomputes it.
    assert RecomputeState.objects.get(edition=edition).status == RecomputeStatus.RUNNING
    assert results_sweep(older_than=SWEEP_AFTER) == []
    RecomputeState.objects.filter(edition=edition).update(
        started_at=RecomputeState.objects.get(edition=edition).started_at - SWEEP_AFTER
    )
    started = time.monotonic()
    assert results_sweep(older_than=SWEEP_AFTER) == [edition.pk]
    assert time.monotonic() - started < 30
    assert RecomputeState.objects.get(edition=edition).status == RecomputeStatus.DONE
    rows = _equal_to_a_clean_recompute(edition)
    assert len(rows) == 3


def test_a_killed_recompute_is_swept_within_about_a_minute_and_never_run_twice_meanwhile() -> None:
    """The sweep takes a "running" recompute only once past its hard time limit (a run still going is never
    started twice) and runs often enough to catch it about a minute after; the broker's own redelivery waits for
    the visibility timeout, which stays above every task's time limit (imports run longer)."""
    assert RECOMPUTE_SOFT_TIME_LIMIT < RECOMPUTE_TIME_LIMIT <= SWEEP_AFTER.total_seconds() <= 60
    sweep = django_settings.CELERY_BEAT_SCHEDULE["sweep-results"]
    assert sweep["task"] == "scoring.results_sweep" and sweep["schedule"] <= 30
    options = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["visibility_timeout"] > django_settings.CELERY_TASK_TIME_LIMIT
    assert options["socket_timeout"] <= 2 and options["socket_connect_timeout"] <= 2


@pytest.mark.django_db
def test_sweep_results_command_recomputes_what_waited_and_nothing_else() -> None:
    """The management-command twin of the beat task."""
    demo = Edition.objects.filter(kind="demo")
    # Years apart: a recompute also recomputes the year after (its changes depend on it).
    waited, fresh = demo.order_by("year").first(), demo.order_by("-year").first()
    assert waited is not None and fresh is not None and fresh.year > waited.year + 1
    long_ago = timezone.now() - timedelta(minutes=5)
    for edition in (waited, fresh):
        RecomputeState.objects.update_or_create(
            edition=edition,
            defaults={"status": RecomputeStatus.PENDING, "requested_at": long_ago, "requests": 1},
        )
    RecomputeState.objects.filter(edition=fresh).update(requested_at=timezone.now())
    before = _rows(waited)
    out = StringIO()

    call_command("sweep_results", stdout=out)

    assert RecomputeState.objects.get(edition=waited).status == RecomputeStatus.DONE
    assert RecomputeState.objects.get(edition=fresh).status == RecomputeStatus.PENDING
    assert _rows(waited) == before  # the data did not change: the same rows again
    assert "1" in out.getvalue()


@pytest.mark.django_db
def test_admin_changes_to_reference_data_mark_the_editions_they_touch_pending(rf: Any) -> None:
    """A maximum, a unit (its region) or a succession changed in the admin enters the calculation: the editions
    that use it are marked pending in the admin's transaction (and so recomputed, by the task or the sweep)."""
    from django.contrib import admin as django_admin

    from parindex.entry.admin import CriterionAdmin, SuccessionAdmin, UnitAdmin
    from parindex.register.models import Criterion, Succession, Unit

    def pending() -> set[int]:
        return set(
            RecomputeState.objects.filter(status=RecomputeStatus.PENDING).values_list("edition_id", flat=True)
        )

    RecomputeState.objects.all().delete()
    edition = Edition.objects.filter(kind="demo").order_by("year").first()
    assert edition is not None
    request = rf.post("/")
    request.user = User.objects.create_superuser("quan-tri-tham-chieu", password="x")

    criterion = Criterion.objects.filter(methodology=edition.methodology, parent=None).first()
    assert criterion is not None
    CriterionAdmin(Criterion, django_admin.site).save_model(request, criterion, None, True)
    using = set(Edition.objects.filter(methodology=edition.methodology).values_list("pk", flat=True))
    assert edition.pk in pending() and pending() == using

    RecomputeState.objects.all().delete()
    unit = Unit.objects.get(pk=edition.assessments.values_list("unit_id", flat=True).first())

    class Form:
        instance = unit

        def save_m2m(self) -> None:
            pass

    UnitAdmin(Unit, django_admin.site).save_related(request, Form(), [], True)
    assert edition.pk in pending()

    RecomputeState.objects.all().delete()
    other = Unit.objects.exclude(pk=unit.pk).first()
    assert other is not None
    succession = Succession(predecessor=other, successor=unit, date=timezone.now().date())
    SuccessionAdmin(Succession, django_admin.site).save_model(request, succession, None, False)
    assert edition.pk in pending()
