"""scoring.tasks: inline (eager) mode on the session data, then a real Celery worker on Redis in a subprocess."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.db import OperationalError, transaction
from django.db.models import F
from kombu.exceptions import OperationalError as BrokerOperationalError

import scoring.tasks
from parindex.celery import app
from parindex.entry.services import RowInput, scores_save
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
from scoring.models import EditionSummary, YearResult
from scoring.tasks import enqueue_recompute, recompute_edition
from tests.entry.entry_helpers import ensure_par_index
from tests.scoring.workers import ROOT, celery_worker, wait_until, worker_database_url


@pytest.fixture
def no_propagation(settings: Any) -> Iterator[None]:
    """Eager tasks keep their failures in the result instead of raising, as a worker does; Celery retries
    eager tasks only in this mode."""
    previous = app.conf.task_eager_propagates
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    app.conf.task_eager_propagates = False
    try:
        yield
    finally:
        app.conf.task_eager_propagates = previous


def demo_2024() -> Edition:
    return Edition.objects.get(index__code="PAR_INDEX", year=2024, kind=EditionKind.DEMO)


def index_of(edition: Edition, slug: str) -> Decimal | None:
    return YearResult.objects.get(edition=edition, unit__slug=slug).index


def lower_scores(edition: Edition, slug: str) -> None:
    Score.objects.filter(assessment__edition=edition, assessment__unit__slug=slug).update(
        points=F("points") - 1
    )


# --------------------------------------------------------------------------------------------- inline mode


@pytest.mark.django_db
def test_enqueued_recompute_runs_after_commit_and_updates_results(
    eager: None, django_capture_on_commit_callbacks: Any
) -> None:
    edition = demo_2024()
    before = index_of(edition, "cao-bang")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        lower_scores(edition, "cao-bang")
        enqueue_recompute(edition.pk)
        # not before the commit: the worker must never read uncommitted data
        assert index_of(edition, "cao-bang") == before

    assert callbacks  # the recompute itself queues a cache bump for after the commit, too
    after = index_of(edition, "cao-bang")
    assert after is not None and before is not None and after < before


@pytest.mark.django_db
def test_nothing_is_recomputed_when_the_write_rolls_back(
    eager: None, django_capture_on_commit_callbacks: Any
) -> None:
    edition = demo_2024()
    computed_at = EditionSummary.objects.get(edition=edition).computed_at

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        lower_scores(edition, "cao-bang")
        enqueue_recompute(edition.pk)
        raise RuntimeError("the save failed")

    assert callbacks == []
    assert EditionSummary.objects.get(edition=edition).computed_at == computed_at


@pytest.mark.django_db
def test_task_is_idempotent(eager: None) -> None:
    edition = demo_2024()
    first = recompute_edition.delay(edition.pk).get()
    rows = list(YearResult.objects.filter(edition=edition).values_list("unit_id", "index", "rank"))
    second = recompute_edition.delay(edition.pk).get()

    assert first == second == {"edition": edition.pk, "status": "ok", "units": 63}
    assert sorted(rows) == sorted(
        YearResult.objects.filter(edition=edition).values_list("unit_id", "index", "rank")
    )


@pytest.mark.django_db
def test_bad_data_is_logged_with_its_messages_and_not_retried(
    eager: None, caplog: pytest.LogCaptureFixture
) -> None:
    edition = demo_2024()
    Criterion.objects.filter(methodology=edition.methodology, number=2).update(max_points=Decimal("0.5"))
    computed_at = EditionSummary.objects.get(edition=edition).computed_at

    with caplog.at_level(logging.ERROR, logger="scoring.tasks"):
        outcome = recompute_edition.apply(args=[edition.pk])

    assert outcome.successful()  # handled: no retry, no failure that a retry could cure
    assert outcome.result["status"] == "invalid"
    assert outcome.result["messages"]
    [record] = [r for r in caplog.records if r.name == "scoring.tasks"]
    assert record.levelno == logging.ERROR
    assert "lĩnh vực 2" in record.getMessage()
    assert outcome.result["messages"][0] in record.getMessage()
    assert EditionSummary.objects.get(edition=edition).computed_at == computed_at


@pytest.mark.django_db
def test_transient_database_errors_are_retried(
    eager: None, no_propagation: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection lost mid-way is retried (at once in eager mode); the real service runs on the last try."""
    edition = demo_2024()
    real = scoring.tasks.results_recompute
    calls: list[int] = []

    def flaky(*, edition: Edition) -> EditionSummary:
        calls.append(edition.pk)
        if len(calls) < 3:
            raise OperationalError("server closed the connection unexpectedly")
        return real(edition=edition)

    monkeypatch.setattr(scoring.tasks, "results_recompute", flaky)
    outcome = recompute_edition.apply(args=[edition.pk])

    assert outcome.successful()
    assert outcome.result["status"] == "ok"
    assert len(calls) == 3


@pytest.mark.django_db
def test_transient_errors_give_up_after_five_retries(
    eager: None, no_propagation: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def down(*, edition: Edition) -> EditionSummary:
        calls.append(edition.pk)
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(scoring.tasks, "results_recompute", down)
    outcome = recompute_edition.apply(args=[demo_2024().pk])

    assert outcome.failed()
    assert isinstance(outcome.result, OperationalError)
    assert len(calls) == 1 + 5


@pytest.mark.django_db
def test_a_deleted_edition_is_nothing_to_do(eager: None) -> None:
    missing = (Edition.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    assert recompute_edition.apply(args=[missing]).result == {"edition": missing, "status": "missing"}


@pytest.mark.django_db
def test_unreachable_broker_falls_back_to_computing_in_process(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    """Not eager: apply_async() would publish to Redis; here the broker refuses, so the results are computed here."""
    assert not app.conf.task_always_eager

    def refuse(*args: object, **kwargs: object) -> None:
        raise BrokerOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(recompute_edition, "apply_async", refuse)
    edition = demo_2024()
    before = index_of(edition, "cao-bang")

    with django_capture_on_commit_callbacks(execute=True):
        lower_scores(edition, "cao-bang")
        enqueue_recompute(edition.pk)

    after = index_of(edition, "cao-bang")
    assert after is not None and before is not None and after < before


# --------------------------------------------------------------------------------------------- real worker


def _tiny_edition(year: int) -> tuple[Edition, dict[str, Assessment]]:
    """Three units, two domains, committed (the test is transactional): what the worker will compute."""
    region = Region.objects.create(name=f"Vùng thử {uuid.uuid4().hex[:6]}", order=90)
    methodology = Methodology.objects.create(
        index=ensure_par_index(),
        code=f"TEST-{uuid.uuid4().hex[:6]}",
        title="Bộ tiêu chí thử",
        year_from=year,
        year_until=year,
    )
    d1 = Criterion.objects.create(
        methodology=methodology,
        number=1,
        name_vi="Một",
        max_points=Decimal(40),
        max_points_status=MaxPointsStatus.PROVISIONAL,
    )
    d2 = Criterion.objects.create(
        methodology=methodology,
        number=2,
        name_vi="Hai",
        max_points=Decimal(60),
        max_points_status=MaxPointsStatus.PROVISIONAL,
    )
    edition = Edition.objects.create(
        index=ensure_par_index(),
        year=year,
        kind=EditionKind.SELF,
        status=EditionStatus.DRAFT,
        methodology=methodology,
    )
    assessments = {}
    for name, p1, p2 in (("An", "30", "50"), ("Bình", "35", "45"), ("Cường", "20", "30")):
        unit = Unit.objects.create(
            code="9" + name[0],
            name=f"Tỉnh {name}",
            official_name=f"Tỉnh {name}",
            slug=f"test-{name.lower()}-{uuid.uuid4().hex[:6]}",
            kind=UnitKind.PROVINCE,
            region=region,
        )
        assessment = Assessment.objects.create(edition=edition, unit=unit)
        Score.objects.create(assessment=assessment, criterion=d1, points=Decimal(p1))
        Score.objects.create(assessment=assessment, criterion=d2, points=Decimal(p2))
        assessments[name] = assessment
    return edition, assessments


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_on_redis_recomputes_a_committed_edition_and_a_users_save() -> None:
    assert os.environ.get("REDIS_URL"), "this test needs REDIS_URL (make test sets it)"
    assert django_settings.CELERY_BROKER_URL.startswith("redis"), "the test process must publish to Redis"
    assert not app.conf.task_always_eager
    edition, assessments = _tiny_edition(2090)
    assert not YearResult.objects.filter(edition=edition).exists()

    queue = f"test-recompute-{uuid.uuid4().hex[:10]}"
    node = f"{queue}@localhost"
    # Its own queue for the first recompute, and Celery's default queue, where a user's save sends the recompute
    # (the broker is the test Redis database, emptied before each test).
    with celery_worker(queues=f"{queue},celery", node=node) as (worker, log):
        wait_until(lambda: bool(app.control.ping([node], timeout=0.5)), 60, worker, log)

        recompute_edition.apply_async(args=[edition.pk], queue=queue)
        wait_until(lambda: YearResult.objects.filter(edition=edition).count() == 3, 60, worker, log)

        # An: 80/100, Bình: 80/100, Cường: 50/100 → ties share rank 1, the next is 3rd.
        rows = {r.unit.name: r for r in YearResult.objects.filter(edition=edition).select_related("unit")}
        assert {n: (r.index, r.rank) for n, r in rows.items()} == {
            "Tỉnh An": (Decimal("80.00"), 1),
            "Tỉnh Bình": (Decimal("80.00"), 1),
            "Tỉnh Cường": (Decimal("50.00"), 3),
        }
        assert EditionSummary.objects.get(edition=edition).national_average == Decimal("70.00")

        # A user saves new scores: scores_save commits and enqueues the recompute after the commit, and
        # the worker replaces the results. Cường 40/40 + 55/60 = 95 %: first.
        admin = User.objects.create_superuser("quan-tri-worker", password="x")
        cuong = assessments["Cường"]
        scores_save(
            edition=edition,
            rows=[RowInput(cuong.unit_id, None, None, {"1": Decimal(40), "2": Decimal(55)})],
            user=admin,
        )
        wait_until(
            lambda: YearResult.objects.filter(edition=edition, rank=1, unit__name="Tỉnh Cường").exists(),
            60,
            worker,
            log,
        )
        assert {r.unit.name: (r.index, r.rank) for r in YearResult.objects.filter(edition=edition)} == {
            "Tỉnh An": (Decimal("80.00"), 2),
            "Tỉnh Bình": (Decimal("80.00"), 2),
            "Tỉnh Cường": (Decimal("95.00"), 1),
        }
        assert "recompute_edition" in log.read_text(errors="replace")


@pytest.mark.django_db(transaction=True)
def test_without_redis_a_save_recomputes_inline() -> None:
    """The quick start's mode: REDIS_URL unset, so Celery runs tasks in the saving process itself."""
    edition, assessments = _tiny_edition(2091)
    User.objects.create_superuser("quan-tri-inline", password="x")
    script = (
        "from decimal import Decimal\n"
        "from django.conf import settings\n"
        "from django.contrib.auth.models import User\n"
        "from parindex.register.models import Edition\n"
        "from parindex.entry.services import RowInput, scores_save\n"
        "assert settings.CELERY_TASK_ALWAYS_EAGER and settings.REDIS_URL is None\n"
        f"edition = Edition.objects.get(pk={edition.pk})\n"
        f"row = RowInput({assessments['Cường'].unit_id}, None, None, {{'1': Decimal(40), '2': Decimal(55)}})\n"
        "scores_save(edition=edition, rows=[row], user=User.objects.get(username='quan-tri-inline'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["DATABASE_URL"] = worker_database_url()
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert {r.unit.name: (r.index, r.rank) for r in YearResult.objects.filter(edition=edition)} == {
        "Tỉnh An": (Decimal("80.00"), 2),
        "Tỉnh Bình": (Decimal("80.00"), 2),
        "Tỉnh Cường": (Decimal("95.00"), 1),
    }
