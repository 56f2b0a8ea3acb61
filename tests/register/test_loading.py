"""The fixtures loader: what one load gives, that a second load changes nothing, and the demo dataset.

The session fixture (tests/conftest.py) has already loaded everything once; these tests read that state and,
where they load again, do it inside the test's rolled-back transaction.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.validators import URLValidator

from parindex.register import demo
from parindex.register.loading import FIXTURES_DIR, par_data_load
from parindex.register.models import (
    Assessment,
    Criterion,
    Edition,
    EditionKind,
    EditionStatus,
    MaxPointsStatus,
    Methodology,
    PublishedAverage,
    Region,
    Score,
    Succession,
    Unit,
)

pytestmark = pytest.mark.django_db

LAST_DAY_OF_63 = date(2025, 6, 30)
FIRST_DAY_OF_34 = date(2025, 7, 1)


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every loaded row as (id, values...), so that two loads can be compared row for row."""
    return {
        "region": list(Region.objects.order_by("pk").values_list("pk", "name", "name_en", "order")),
        "unit": list(
            Unit.objects.order_by("pk").values_list(
                "pk",
                "code",
                "name",
                "official_name",
                "slug",
                "kind",
                "region_id",
                "valid_from",
                "valid_until",
            )
        ),
        "province_aliases": list(Unit.objects.order_by("pk").values_list("pk", "aliases")),
        "succession": list(
            Succession.objects.order_by("pk").values_list("pk", "predecessor_id", "successor_id", "date")
        ),
        "methodology": list(
            Methodology.objects.order_by("pk").values_list("pk", "code", "year_from", "year_until", "is_demo")
        ),
        "domain": list(
            Criterion.objects.order_by("pk").values_list(
                "pk", "methodology_id", "number", "max_points", "max_points_status"
            )
        ),
        "edition": list(
            Edition.objects.order_by("pk").values_list("pk", "year", "kind", "status", "methodology_id")
        ),
        "assessment": list(
            Assessment.objects.order_by("pk").values_list(
                "pk",
                "edition_id",
                "unit_id",
                "published_index",
                "published_rank",
                "source_url",
                "version",
            )
        ),
        "domainscore": list(
            Score.objects.order_by("pk").values_list(
                "pk", "assessment_id", "criterion_id", "points", "not_applicable"
            )
        ),
        "publishedaverage": list(
            PublishedAverage.objects.order_by("pk").values_list(
                "pk", "year", "region_id", "average", "source_url"
            )
        ),
        "history": [
            (Edition.history.count(),),
            (Assessment.history.count(),),
            (Score.history.count(),),
        ],
    }


def _fixture_rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- one load -----------------------------------------------------------------------------------------


def test_both_maps_are_loaded_63_until_the_merger_and_34_from_it():
    assert Unit.objects.count() == 97
    assert Unit.objects.filter(valid_until=LAST_DAY_OF_63, valid_from__isnull=True).count() == 63
    assert Unit.objects.filter(valid_from=FIRST_DAY_OF_34, valid_until__isnull=True).count() == 34
    assert Region.objects.count() == 6


def test_every_new_unit_has_predecessors_and_63_successions_in_all():
    assert Succession.objects.count() == 63
    new_units = Unit.objects.filter(valid_from=FIRST_DAY_OF_34)
    predecessor_counts = {p.name: p.successions_in.count() for p in new_units}
    assert all(count >= 1 for count in predecessor_counts.values()), predecessor_counts
    unchanged = sorted(name for name, count in predecessor_counts.items() if count == 1)
    assert len(unchanged) == 11, unchanged
    assert sum(predecessor_counts.values()) == 63


def test_every_old_province_has_exactly_one_successor_dated_the_merger():
    old_units = Unit.objects.filter(valid_until=LAST_DAY_OF_63)
    assert all(p.successions_out.count() == 1 for p in old_units)
    assert set(Succession.objects.values_list("date", flat=True)) == {FIRST_DAY_OF_34}


def test_merged_unit_lists_the_predecessors_of_the_fixture():
    ho_chi_minh = Unit.objects.get(slug="tp-ho-chi-minh-2025")
    predecessors = sorted(
        s.predecessor.name for s in ho_chi_minh.successions_in.select_related("predecessor")
    )
    assert predecessors == ["Bà Rịa - Vũng Tàu", "Bình Dương", "TP Hồ Chí Minh"]


def test_every_official_assessment_has_a_source_url():
    official = Assessment.objects.filter(edition__kind=EditionKind.OFFICIAL)
    # Every row of the first totals file is an assessment; the second file adds new units (never a second
    # assessment of one unit: a disagreeing source stays a PublishedFigure beside it).
    par = official.filter(edition__index__code="PAR_INDEX")
    first = {(int(r["year"]), r["province"]) for r in _fixture_rows("par_published_totals.csv")}
    assert par.count() >= len(first)
    assert set(par.values_list("edition__year", "unit__name")) >= {
        (year, name.removeprefix("TP ")) for year, name in first if name != "TP Hồ Chí Minh"
    }
    assert not official.filter(source_url="").exists()
    validate_url = URLValidator(schemes=["http", "https"])
    for url in official.values_list("source_url", flat=True):
        validate_url(url)


def test_every_published_average_has_a_source_url():
    assert PublishedAverage.objects.exists()
    assert not PublishedAverage.objects.filter(source_url="").exists()


def test_national_average_without_a_source_is_skipped_and_reported():
    unsourced_years = {
        int(r["year"]) for r in _fixture_rows("par_national_averages.csv") if not r["source_url"]
    }
    assert unsourced_years == {2013}
    assert not PublishedAverage.objects.filter(year=2013, region__isnull=True).exists()
    report = par_data_load()
    assert any("national average 2013" in line for line in report.skipped)


def test_an_official_published_edition_exists_for_every_year_of_the_totals_file():
    years = {
        int(r["year"])
        for name in ("par_published_totals.csv", "par_published_totals_more.csv")
        for r in _fixture_rows(name)
    }
    official = Edition.objects.filter(index__code="PAR_INDEX", kind=EditionKind.OFFICIAL)
    assert set(official.values_list("year", flat=True)) == years
    assert set(official.values_list("status", flat=True)) == {EditionStatus.PUBLISHED}


def test_official_editions_use_the_methodology_of_their_year_or_none():
    by_year = {
        e.year: e.methodology.code if e.methodology else None
        for e in Edition.objects.filter(index__code="PAR_INDEX", kind="official")
    }
    assert by_year[2012] is None
    assert by_year[2021] == "QĐ 1150/QĐ-BNV"
    assert by_year[2023] == "QĐ 876/QĐ-BNV"


def test_demo_editions_cover_2018_to_2025_with_eight_scores_per_unit():
    demo_editions = Edition.objects.filter(kind=EditionKind.DEMO)
    assert sorted(demo_editions.values_list("year", flat=True)) == list(range(2018, 2026))
    for edition in demo_editions:
        units = 34 if edition.year == 2025 else 63
        assert edition.assessments.count() == units, edition.year
        assert Score.objects.filter(assessment__edition=edition).count() == units * 8, edition.year


def test_demo_editions_hold_the_units_of_their_year():
    edition_2025 = Edition.objects.get(index__code="PAR_INDEX", kind=EditionKind.DEMO, year=2025)
    edition_2024 = Edition.objects.get(index__code="PAR_INDEX", kind=EditionKind.DEMO, year=2024)
    assert set(edition_2025.assessments.values_list("unit__valid_from", flat=True)) == {FIRST_DAY_OF_34}
    assert set(edition_2024.assessments.values_list("unit__valid_until", flat=True)) == {LAST_DAY_OF_63}


def test_demo_data_is_labelled_demo_with_provisional_maxima():
    methodology = Methodology.objects.get(code="DEMO")
    assert methodology.is_demo
    assert set(methodology.criteria.values_list("max_points_status", flat=True)) == {
        MaxPointsStatus.PROVISIONAL
    }
    assert sum(methodology.criteria.values_list("max_points", flat=True)) == 100
    demo_editions = Edition.objects.filter(methodology=methodology)
    assert set(demo_editions.values_list("kind", flat=True)) == {EditionKind.DEMO}
    assert all("demo" in e.source for e in demo_editions)


def test_four_domain_maxima_of_qd_876_are_sourced_the_others_unknown_until_an_admin_sets_them():
    domains = Criterion.objects.filter(methodology__code="QĐ 876/QĐ-BNV")
    assert domains.count() == 8
    unknown = domains.filter(number__in=[1, 2, 6, 7])
    assert set(unknown.values_list("max_points_status", flat=True)) == {MaxPointsStatus.UNKNOWN}
    assert set(unknown.values_list("max_points", flat=True)) == {None}
    sourced = dict(domains.exclude(number__in=[1, 2, 6, 7]).values_list("number", "max_points"))
    assert sourced == {3: Decimal(13), 4: Decimal("10.5"), 5: Decimal(15), 8: Decimal("16.5")}


# --- a second load ------------------------------------------------------------------------------------


def test_loading_again_creates_and_updates_nothing():
    report = par_data_load()
    assert sum(report.created.values()) == 0, report.lines()
    assert sum(report.updated.values()) == 0, report.lines()


def test_loading_again_keeps_the_same_rows_ids_and_values():
    before = _snapshot()
    par_data_load()
    after = _snapshot()
    for table, rows in before.items():
        assert after[table] == rows, table


def test_loading_again_restores_a_figure_changed_by_hand():
    assessment = Assessment.objects.filter(edition__kind=EditionKind.OFFICIAL).order_by("pk").first()
    original = assessment.published_index
    Assessment.objects.filter(pk=assessment.pk).update(published_index=original - 1)
    report = par_data_load()
    assessment.refresh_from_db()
    assert assessment.published_index == original
    assert report.updated["assessment"] == 1


def test_loading_again_keeps_what_admins_set_where_the_fixtures_know_nothing():
    """Maxima of QĐ 876 and the years of QĐ 2948 are not in our sources, the regions of the 34 units are not
    final, and an approver may reopen an edition: all of that is the admins' once set."""
    domain = Criterion.objects.get(methodology__code="QĐ 876/QĐ-BNV", number=2)
    Criterion.objects.filter(pk=domain.pk).update(
        max_points=Decimal("6.5"), max_points_status=MaxPointsStatus.PUBLISHED
    )
    Methodology.objects.filter(code="QĐ 2948/QĐ-BNV").update(year_from=2017, year_until=2020)
    hue = Unit.objects.get(slug="hue-2025")
    new_region = Region.objects.exclude(pk=hue.region_id).first()
    Unit.objects.filter(pk=hue.pk).update(region=new_region)
    Edition.objects.filter(index__code="PAR_INDEX", kind=EditionKind.OFFICIAL, year=2023).update(
        status=EditionStatus.DRAFT
    )

    report = par_data_load()

    domain.refresh_from_db()
    assert (domain.max_points, domain.max_points_status) == (Decimal("6.5"), MaxPointsStatus.PUBLISHED)
    methodology = Methodology.objects.get(code="QĐ 2948/QĐ-BNV")
    assert (methodology.year_from, methodology.year_until) == (2017, 2020)
    assert Unit.objects.get(pk=hue.pk).region == new_region
    assert (
        Edition.objects.get(index__code="PAR_INDEX", kind=EditionKind.OFFICIAL, year=2023).status
        == EditionStatus.DRAFT
    )
    assert sum(report.updated.values()) == 0, report.lines()


def test_loading_again_still_corrects_a_published_maximum():
    domain = Criterion.objects.get(methodology__code="QĐ 2948/QĐ-BNV", number=3)
    Criterion.objects.filter(pk=domain.pk).update(max_points=Decimal(14))
    par_data_load()
    domain.refresh_from_db()
    assert domain.max_points == Decimal("14.5")


# --- the demo dataset ---------------------------------------------------------------------------------


def _demo_inputs() -> tuple[list[str], list[str], dict[str, list[str]]]:
    old = list(Unit.objects.filter(valid_until=LAST_DAY_OF_63).values_list("code", flat=True))
    new = list(Unit.objects.filter(valid_from=FIRST_DAY_OF_34).values_list("code", flat=True))
    predecessors: dict[str, list[str]] = defaultdict(list)
    for successor, predecessor in Succession.objects.values_list("successor__code", "predecessor__code"):
        predecessors[successor].append(predecessor)
    return old, new, dict(predecessors)


def test_demo_generation_is_deterministic():
    old, new, predecessors = _demo_inputs()
    first = demo.generate(old, new, predecessors)
    second = demo.generate(list(reversed(old)), list(reversed(new)), predecessors)
    assert first == second
    assert len(first) == (63 * len(demo.YEARS_63) + 34) * 8


def test_demo_data_in_the_database_is_what_the_generator_gives():
    old, new, predecessors = _demo_inputs()
    expected = {(s.unit, s.year, s.domain): s.points for s in demo.generate(old, new, predecessors)}
    stored = {
        (code, year, number): points
        for code, year, number, points in Score.objects.filter(
            assessment__edition__kind=EditionKind.DEMO
        ).values_list("assessment__unit__code", "assessment__edition__year", "criterion__number", "points")
    }
    assert stored == expected


def test_demo_data_has_ties_in_every_year():
    old, new, predecessors = _demo_inputs()
    totals: dict[int, Counter[Any]] = defaultdict(Counter)
    by_unit: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for score in demo.generate(old, new, predecessors):
        by_unit[(score.year, score.unit)].append(score.points)
    for (year, _unit), points in by_unit.items():
        totals[year][sum(points)] += 1
    for year in [*demo.YEARS_63, demo.YEAR_34]:
        assert max(totals[year].values()) >= 2, year


def test_demo_points_stay_within_the_provisional_maxima():
    old, new, predecessors = _demo_inputs()
    for score in demo.generate(old, new, predecessors):
        assert 0 <= score.points <= demo.DEMO_MAXIMA[score.domain - 1]
