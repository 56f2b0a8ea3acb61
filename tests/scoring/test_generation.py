"""Which recomputes make the cached public pages stale (a new results generation): only those of editions the
public may read. A draft's recompute, after every grid save, used to bump it too, and the soak (bench/soak.sh)
measured public throughput 18 times lower while editors saved and Redis growing by the abandoned entries."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from parindex.register.models import Edition, EditionKind, EditionStatus
from scoring.selectors import GENERATION_KEY
from scoring.services import results_recompute
from tests.scoring.test_tasks import _tiny_edition

pytestmark = pytest.mark.django_db


def _recompute_and_see_the_generation(edition: Edition, capture: Any) -> tuple[Any, Any]:
    cache.set(GENERATION_KEY, 1000, None)
    with capture(execute=True):
        results_recompute(edition=edition)
    return 1000, cache.get(GENERATION_KEY)


@pytest.mark.parametrize(
    ("kind", "status", "public"),
    [
        (EditionKind.SELF, EditionStatus.DRAFT, False),
        (EditionKind.SELF, EditionStatus.PUBLISHED, False),
        (EditionKind.OFFICIAL, EditionStatus.DRAFT, False),
        (EditionKind.OFFICIAL, EditionStatus.PUBLISHED, True),
        (EditionKind.DEMO, EditionStatus.DRAFT, False),
        (EditionKind.DEMO, EditionStatus.PUBLISHED, True),
    ],
)
def test_only_a_recompute_of_what_the_public_reads_makes_its_pages_stale(
    django_capture_on_commit_callbacks, kind, status, public
):
    edition, _assessments = _tiny_edition(2090)
    Edition.objects.filter(pk=edition.pk).update(kind=kind, status=status)
    edition.refresh_from_db()
    assert edition.is_public is public
    assert Edition.objects.public().filter(pk=edition.pk).exists() is public  # one rule, two forms
    before, after = _recompute_and_see_the_generation(edition, django_capture_on_commit_callbacks)
    assert (after != before) is public


def test_a_draft_recompute_that_reaches_a_public_next_year_makes_its_pages_stale(
    django_capture_on_commit_callbacks,
):
    """Next year's rank and index changes are computed from this year's results: the cascade recomputes a
    published next year, and that one's results are public."""
    draft, _assessments = _tiny_edition(2091)
    following, _next = _tiny_edition(2092)
    Edition.objects.filter(pk__in=[draft.pk, following.pk]).update(kind=EditionKind.OFFICIAL)
    Edition.objects.filter(pk=following.pk).update(status=EditionStatus.PUBLISHED)
    draft.refresh_from_db()
    results_recompute(edition=following)  # it has results: the cascade recomputes it
    before, after = _recompute_and_see_the_generation(draft, django_capture_on_commit_callbacks)
    assert after != before

    Edition.objects.filter(pk=following.pk).update(status=EditionStatus.DRAFT)
    before, after = _recompute_and_see_the_generation(draft, django_capture_on_commit_callbacks)
    assert after == before
