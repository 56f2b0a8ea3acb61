"""Nothing half-written when the database refuses to write (issue 11, "Database faults"): a grid save, a publish
and a reopen refused by a read-only database leave every row as it was (scores, assessments, the edition, its
events, the history, the results and their recompute state), and the user gets the 503 "try again" page.

Two real refusals: the whole test database read-only from the start (ALTER DATABASE … SET
default_transaction_read_only), and the writer's own transaction switched to read-only by PostgreSQL half-way,
just before it writes a given table (SET TRANSACTION READ ONLY, sent on the same connection): what was written
before that point must be rolled back with the rest. Each case then runs again with the database writable, to
show it would have written."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from parindex.entry.services import edition_publish, edition_reopen
from parindex.register.models import Assessment, Edition, EditionEvent, EditionStatus, Score
from scoring.models import RecomputeState, YearResult
from scoring.services import results_recompute
from tests.db_faults import database_read_only
from tests.scoring.test_tasks import _tiny_edition
from tests.test_error_pages import _message

pytestmark = pytest.mark.django_db(transaction=True)

TRY_AGAIN = (
    "Cơ sở dữ liệu tạm thời không sẵn sàng. Dữ liệu của bạn chưa được lưu; vui lòng thử lại sau ít phút."
)
MODELS: list[type[Model]] = [
    Edition,
    Edition.history.model,  # type: ignore[attr-defined]
    EditionEvent,
    Assessment,
    Assessment.history.model,  # type: ignore[attr-defined]
    Score,
    Score.history.model,  # type: ignore[attr-defined]
    RecomputeState,
    YearResult,
]


def _snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table a save, a publish or a reopen writes (the test's own data: it is transactional)."""
    return {model._meta.label: list(model._default_manager.order_by("pk").values()) for model in MODELS}


@contextmanager
def transaction_read_only_before_writing(model: type[Model]) -> Iterator[list[str]]:
    """Just before this connection's first INSERT or UPDATE of `model`'s table, the running transaction is made
    read-only (PostgreSQL allows it half-way): that write and any later one is refused. Yields the statements
    refused, to show the fault happened where intended."""
    table = re.escape(connection.ops.quote_name(model._meta.db_table))
    writes = re.compile(rf"^\s*(INSERT INTO|UPDATE) {table}", re.I)
    refused: list[str] = []

    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
    ) -> Any:
        if writes.match(sql) and not refused:
            refused.append(sql)
            context["cursor"].cursor.execute(
                "SET TRANSACTION READ ONLY"
            )  # the driver's cursor, one statement
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield refused


@contextmanager
def whole_database_read_only() -> Iterator[list[str]]:
    with database_read_only():
        yield ["(every write)"]


FAULTS = {
    "database read-only": lambda model: whole_database_read_only(),
    "read-only before the scores or events": lambda model: transaction_read_only_before_writing(model),
    "read-only before the recompute mark": lambda model: transaction_read_only_before_writing(RecomputeState),
}


def _approver(name: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.create_superuser(name, password="x"))
    return client


def _assert_try_again(response: Any) -> None:
    assert response.status_code == 503, response.content.decode()[:2000]
    assert response["Retry-After"]
    assert _message(response.content.decode()) == TRY_AGAIN


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_grid_save_refused_half_way_leaves_every_row_as_it_was(fault: str) -> None:
    edition, assessments = _tiny_edition(2095)
    results_recompute(edition=edition)
    client = _approver("quan-tri-luu-chi-doc")
    cuong = assessments["Cường"]
    an = assessments["An"]
    data = {"don_vi": "diem"}
    for assessment, points in ((cuong, ("40", "55")), (an, ("10", "15"))):
        unit = assessment.unit_id
        data |= {
            f"p-{unit}-version": str(assessment.version),
            f"p-{unit}-d1": points[0],
            f"p-{unit}-d2": points[1],
            f"p-{unit}-index": "",
            f"p-{unit}-rank": "",
        }
    grid = reverse("entry:grid", args=[edition.pk])
    before = _snapshot()

    with FAULTS[fault](Score) as refused:
        response = client.post(grid, data)

    assert refused, "the fault never happened: the save did not reach its write"
    _assert_try_again(response)
    assert _snapshot() == before

    # Writable again, the same save goes through: it did have something to write.
    assert client.post(grid, data).status_code == 302
    assert _snapshot()[Score._meta.label] != before[Score._meta.label]


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_publish_and_a_reopen_refused_half_way_leave_every_row_as_they_were(fault: str) -> None:
    edition, _ = _tiny_edition(2096)
    results_recompute(edition=edition)
    client = _approver("quan-tri-cong-bo-chi-doc")
    publish = reverse("entry:publish", args=[edition.pk])
    reopen = reverse("entry:reopen", args=[edition.pk])
    before = _snapshot()

    with FAULTS[fault](EditionEvent) as refused:
        response = client.post(publish)
    assert refused
    _assert_try_again(response)
    assert _snapshot() == before

    assert client.post(publish).status_code == 302
    edition.refresh_from_db()
    assert edition.status == EditionStatus.PUBLISHED
    published = _snapshot()

    with FAULTS[fault](EditionEvent) as refused:
        response = client.post(reopen, {"reason": "Sửa điểm lĩnh vực 2"})
    assert refused
    _assert_try_again(response)
    assert _snapshot() == published

    assert client.post(reopen, {"reason": "Sửa điểm lĩnh vực 2"}).status_code == 302
    edition.refresh_from_db()
    assert edition.status == EditionStatus.DRAFT


def test_a_published_or_reopened_edition_is_named_without_asking_the_database_again(
    django_assert_num_queries: Any,
) -> None:
    """The views name the edition once the write has committed: a query there, failing, would answer "not
    saved" of a publish that was saved."""
    edition, _ = _tiny_edition(2088)
    approver = User.objects.create_superuser("quan-tri-ten-ky", password="x")
    published = edition_publish(edition=Edition.objects.get(pk=edition.pk), user=approver)
    with django_assert_num_queries(0):
        assert str(published).startswith(published.index.short_name)
    reopened = edition_reopen(edition=Edition.objects.get(pk=edition.pk), user=approver, reason="Sửa lại")
    with django_assert_num_queries(0):
        assert str(reopened).startswith(reopened.index.short_name)
