"""The public ranking is cached under a key that carries the results generation: a second visit reads no
results from the database, a recompute shows new values at once, and with Redis down the page stays up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parindex.register.models import Edition, EditionKind, Score
from scoring.models import YearResult
from scoring.services import results_recompute

pytestmark = pytest.mark.django_db
PAGE = "/?nam=2024&loai=demo"


def _reads_results(client) -> tuple[bool, str]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get(PAGE).content.decode()
    return any("scoring_yearresult" in q["sql"] for q in queries.captured_queries), page


def test_second_visit_reads_the_ranking_from_the_cache(client):
    first, page_one = _reads_results(client)
    second, page_two = _reads_results(client)
    assert (first, second) == (True, False)
    assert page_one.count('<th scope="row">') == page_two.count('<th scope="row">') == 63


def test_a_recompute_shows_the_new_values_at_once(client, django_capture_on_commit_callbacks):
    edition = Edition.objects.get(index__code="PAR_INDEX", year=2024, kind=EditionKind.DEMO)
    client.get(PAGE)  # cached
    top = YearResult.objects.filter(edition=edition).order_by("rank").select_related("unit").first()
    Score.objects.filter(assessment__edition=edition, assessment__unit=top.unit).update(points=Decimal(0))
    with django_capture_on_commit_callbacks(execute=True):
        results_recompute(edition=edition, cascade=False)
    reads, page = _reads_results(client)
    assert reads
    assert YearResult.objects.get(edition=edition, unit=top.unit).index == Decimal("0.00")
    assert '<td class="num">0,00</td>' in page


def test_the_page_stays_up_when_redis_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there: every cache call fails
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    from django.core.cache import cache

    cache.set("probe", 1)
    assert cache.get("probe") is None  # the cache really is unreachable in this test
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.content.decode().count('<th scope="row">') == 63


def test_reopening_an_edition_hides_it_from_the_public_at_once(
    client, django_user_model, django_capture_on_commit_callbacks
):
    from parindex.entry.services import edition_reopen

    assert 'data-testid="demo-banner"' in client.get(PAGE).content.decode()  # cached
    edition = Edition.objects.get(index__code="PAR_INDEX", year=2024, kind=EditionKind.DEMO)
    approver = django_user_model.objects.create_superuser("phe-duyet-cache", password="x")
    with django_capture_on_commit_callbacks(execute=True):
        edition_reopen(edition=edition, user=approver, reason="Kiểm tra lại số liệu minh họa")
    page = client.get(PAGE).content.decode()
    assert 'data-testid="demo-banner"' not in page  # the draft is gone; the official 2024 ranking shows
    assert "PAR INDEX 2024 · Chính thức" in page
