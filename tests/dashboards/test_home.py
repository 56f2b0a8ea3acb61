"""The public home page: the latest published ranking, the demo banner, what the public never sees, the query
budget, and the language."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from parindex.entry.services import par_index
from parindex.register.models import Edition, EditionKind, EditionStatus, Unit
from scoring.models import ChangeBasis, YearResult

pytestmark = pytest.mark.django_db

HOME = reverse("home")
# On a cold cache: the catalogue (editions, regions: 2) and the public read of the edition (scoring.public: 8,
# 6 for demo data); none on a warm one. A query per row would be 34 or 63 more.
QUERY_BUDGET = 10


def _rows(html: str) -> list[str]:
    """The unit names of the ranking table, in order."""
    return re.findall(r'<th scope="row">([^<]+)</th>', html)


def test_anonymous_visitor_sees_the_latest_ranking_with_the_demo_banner(client):
    response = client.get(HOME)
    assert response.status_code == 200
    html = response.content.decode()
    edition = response.context["edition"]
    assert (edition.year, edition.kind) == (2025, EditionKind.DEMO)
    assert 'data-testid="ranking"' in html
    assert 'data-testid="demo-banner"' in html
    assert len(_rows(html)) == 34


def test_official_year_shows_its_published_rows_without_the_demo_banner(client):
    response = client.get(HOME, {"nam": "2024", "loai": "official"})
    assert response.status_code == 200
    html = response.content.decode()
    edition = response.context["edition"]
    assert (edition.year, edition.kind) == (2024, EditionKind.OFFICIAL)
    assert 'data-testid="demo-banner"' not in html
    assert 'data-testid="ranking"' in html
    rows = _rows(html)
    assert len(rows) == edition.assessments.count() == 10  # par_published_totals.csv and _more.csv
    assert rows[0] == "Hải Phòng"
    assert "96.17" in html or "96,17" in html


def test_demo_year_of_63_units_shows_63_rows_and_the_banner(client):
    response = client.get(HOME, {"nam": "2024", "loai": "demo"})
    html = response.content.decode()
    assert response.context["edition"].kind == EditionKind.DEMO
    assert 'data-testid="demo-banner"' in html
    assert len(_rows(html)) == 63


def test_year_that_was_not_published_falls_back_to_the_latest(client):
    response = client.get(HOME, {"nam": "1999"})
    assert response.status_code == 200
    assert response.context["edition"].year == 2025


def test_empty_register_shows_the_empty_state(client):
    Edition.objects.all().delete()
    response = client.get(HOME)
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["edition"] is None
    assert "Chưa có kỳ đánh giá nào được công bố." in html
    assert 'data-testid="ranking"' not in html
    assert 'data-testid="demo-banner"' not in html


@pytest.mark.parametrize(
    ("year", "kind", "status"),
    [
        pytest.param(2026, EditionKind.OFFICIAL, EditionStatus.DRAFT, id="official_draft"),
        pytest.param(2026, EditionKind.SELF, EditionStatus.PUBLISHED, id="published_self_assessment"),
        pytest.param(2025, EditionKind.SELF, EditionStatus.DRAFT, id="draft_self_assessment"),
    ],
)
def test_drafts_and_self_assessments_are_never_shown_to_the_public(client, year, kind, status):
    hidden = Edition.objects.create(index=par_index(), year=year, kind=kind, status=status)
    unit = Unit.objects.valid_in_year(year).get(slug="gia-lai-2025")
    YearResult.objects.create(
        edition=hidden,
        unit=unit,
        index=Decimal("12.34"),
        index_source="published",
        rank=1,
        change_basis=ChangeBasis.NONE,
    )
    for params in ({}, {"nam": str(year)}, {"nam": str(year), "loai": kind}):
        response = client.get(HOME, params)
        assert response.status_code == 200
        assert response.context["edition"] != hidden, params
        assert hidden not in response.context["editions"]
        assert "12.34" not in response.content.decode()
        assert "12,34" not in response.content.decode()


@pytest.mark.parametrize(
    ("params", "units"),
    [
        pytest.param({"nam": "2025", "loai": "demo"}, 34, id="year_of_34_units"),
        pytest.param({"nam": "2024", "loai": "demo"}, 63, id="year_of_63_units"),
        pytest.param({"nam": "2023", "loai": "official"}, 24, id="partial_official_year"),
    ],
)
def test_home_page_reads_in_a_fixed_number_of_queries(client, django_assert_max_num_queries, params, units):
    with django_assert_max_num_queries(QUERY_BUDGET):
        response = client.get(HOME, params)
    assert len(_rows(response.content.decode())) == units


def test_page_is_in_vietnamese_by_default(client):
    html = client.get(HOME).content.decode()
    assert '<html lang="vi">' in html
    assert "Bảng xếp hạng Chỉ số cải cách hành chính cấp tỉnh" in html


def test_browser_language_alone_does_not_switch_to_english(client):
    html = client.get(HOME, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="vi">' in html


def test_choosing_english_switches_the_page_language(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": HOME})
    assert response.status_code == 302
    html = client.get(HOME).content.decode()
    assert '<html lang="en">' in html
    client.post(reverse("set_language"), {"language": "vi", "next": HOME})
    assert '<html lang="vi">' in client.get(HOME).content.decode()
