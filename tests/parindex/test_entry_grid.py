"""The year grid and scores_save: bad input refused with a message and nothing saved, decimal comma, percent
mode, index-and-rank-only rows, no history for unchanged values, and no lost update between two editors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from parindex.models import Assessment, DomainScore, EditionStatus, Province
from parindex.services import EntryError, RowInput, StaleEditError, scores_save
from tests.parindex.entry_helpers import (
    MAXIMA,
    YEAR,
    assign,
    draft_edition,
    full_points,
    make_user,
    units,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """These tests create many users; the real password hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def edition():
    return draft_edition()


@pytest.fixture
def editor(edition):
    user = make_user("bien-tap", "editor")
    assign(user, edition)
    return user


def _snapshot(edition):
    """Everything the entry could have written for the edition: assessments with versions, and scores."""
    assessments = sorted(
        Assessment.objects.filter(edition=edition).values_list(
            "province_id", "version", "published_index", "published_rank"
        )
    )
    scores = sorted(
        DomainScore.objects.filter(assessment__edition=edition).values_list(
            "assessment__province_id", "domain__number", "points"
        )
    )
    history = (
        Assessment.history.filter(edition_id=edition.pk).count()
        + DomainScore.history.filter(assessment__edition_id=edition.pk).count()
    )
    return assessments, scores, history


def _grid_data(province, values: dict[str, str], version: str = "0", mode: str = "diem") -> dict[str, str]:
    data = {f"p-{province.pk}-version": version, "don_vi": mode}
    for key, value in values.items():
        data[f"p-{province.pk}-{key}"] = value
    return data


def _full_row_text(**overrides: str) -> dict[str, str]:
    row = {f"d{n}": f"{p}".replace(".", ",") for n, p in full_points().items()}
    row.update({"index": "", "rank": ""})
    row.update(overrides)
    return row


# --- the service --------------------------------------------------------------------------------------------


def test_scores_save_creates_a_full_row_and_records_the_editor(edition, editor):
    province = units()[0]
    report = scores_save(
        edition=edition,
        rows=[RowInput(province.pk, None, None, full_points(), expected_version=0)],
        user=editor,
    )
    assert (report.created, report.updated, report.scores_changed) == (1, 0, 8)
    assessment = Assessment.objects.get(edition=edition, province=province)
    assert assessment.version == 1
    assert {s.domain.number: s.points for s in assessment.scores.all()} == full_points()
    assert assessment.history.latest().history_user == editor
    assert DomainScore.history.filter(assessment_id=assessment.pk).first().history_user == editor


BAD_SERVICE_ROWS = {
    "above-maximum": ({3: Decimal("14.51")}, None, None, "d3", "vượt quá điểm tối đa 14,5"),
    "below-zero": ({1: Decimal("-0.01")}, None, None, "d1", "không được âm"),
    "nan": ({2: Decimal("NaN")}, None, None, "d2", "hữu hạn"),
    "infinity": ({2: Decimal("Infinity")}, None, None, "d2", "hữu hạn"),
    "index-above-100": ({}, Decimal("100.01"), None, "published_index", "từ 0 đến 100"),
    "rank-zero": ({}, Decimal("80"), 0, "published_rank", "từ 1"),
    "partial-row-without-index": ({1: None, 2: None}, None, None, "row", "thiếu điểm lĩnh vực 1, 2"),
    "rank-without-index": ({n: None for n in range(1, 9)}, None, 5, "published_index", "cần nhập chỉ số"),
}


@pytest.mark.parametrize(
    "points, index, rank, field, message", BAD_SERVICE_ROWS.values(), ids=BAD_SERVICE_ROWS
)
def test_scores_save_refuses_bad_input_and_writes_nothing(
    edition, editor, points, index, rank, field, message
):
    first, second = units()[:2]
    good = RowInput(first.pk, None, None, full_points())
    row_points = {**full_points(), **points}
    bad = RowInput(second.pk, index, rank, row_points)
    before = _snapshot(edition)
    with pytest.raises(EntryError) as caught:
        scores_save(edition=edition, rows=[good, bad], user=editor)
    assert [(e.province_id, e.field) for e in caught.value.errors] == [(second.pk, field)]
    assert message in caught.value.errors[0].message
    assert _snapshot(edition) == before  # the valid row was not stored either


def test_scores_save_refuses_a_unit_that_did_not_exist_that_year(edition, editor):
    old_unit = Province.objects.filter(valid_until__isnull=False).order_by("code").first()
    before = _snapshot(edition)
    with pytest.raises(EntryError) as caught:
        scores_save(edition=edition, rows=[RowInput(old_unit.pk, None, None, full_points())], user=editor)
    error = caught.value.errors[0]
    assert (error.province_id, error.field) == (old_unit.pk, "row")
    assert old_unit.name in error.message and str(YEAR) in error.message
    assert _snapshot(edition) == before


def test_scores_save_refuses_a_domain_without_a_known_maximum(edition, editor):
    from parindex.models import Domain

    Domain.objects.filter(methodology=edition.methodology, number=4).update(max_points=None)
    with pytest.raises(EntryError) as caught:
        scores_save(edition=edition, rows=[RowInput(units()[0].pk, None, None, full_points())], user=editor)
    assert [e.field for e in caught.value.errors] == ["d4"]
    assert "chưa có điểm tối đa" in caught.value.errors[0].message
    assert not Assessment.objects.filter(edition=edition).exists()


def test_scores_save_converts_percent_of_the_domain_maximum_half_up(edition, editor):
    province = units()[0]
    percents = {n: Decimal("50") for n in range(1, 9)} | {3: Decimal("33.33")}  # 33.33% of 14.5 = 4.832850
    scores_save(
        edition=edition, rows=[RowInput(province.pk, None, None, percents)], user=editor, mode="percent"
    )
    stored = dict(
        DomainScore.objects.filter(assessment__province=province, assessment__edition=edition).values_list(
            "domain__number", "points"
        )
    )
    assert stored[3] == Decimal("4.83")
    assert stored[8] == Decimal("7.75")  # 50% of 15.5


def test_scores_save_accepts_a_row_with_only_published_index_and_rank(edition, editor):
    province = units()[0]
    scores_save(edition=edition, rows=[RowInput(province.pk, Decimal("87.33"), 12, {})], user=editor)
    assessment = Assessment.objects.get(edition=edition, province=province)
    assert (assessment.published_index, assessment.published_rank, assessment.scores.count()) == (
        Decimal("87.33"),
        12,
        0,
    )


def test_resaving_the_same_values_writes_nothing_and_adds_no_history(edition, editor):
    province = units()[0]
    row = RowInput(province.pk, Decimal("80"), 3, full_points())
    scores_save(edition=edition, rows=[row], user=editor)
    before = _snapshot(edition)
    report = scores_save(edition=edition, rows=[row], user=editor)
    assert (report.created, report.updated, report.unchanged, report.scores_changed) == (0, 0, 1, 0)
    assert _snapshot(edition) == before


def test_resaving_the_percentages_shown_keeps_the_stored_points(edition, editor):
    province = units()[0]
    points = full_points() | {3: Decimal("8.33")}
    scores_save(edition=edition, rows=[RowInput(province.pk, None, None, points)], user=editor)
    before = _snapshot(edition)
    from parindex.services import percent_of_max

    shown = {n: percent_of_max(p, MAXIMA[n - 1]) for n, p in points.items()}
    scores_save(edition=edition, rows=[RowInput(province.pk, None, None, shown)], user=editor, mode="percent")
    assert _snapshot(edition) == before


def test_an_empty_row_removes_the_assessment(edition, editor):
    province = units()[0]
    scores_save(edition=edition, rows=[RowInput(province.pk, None, None, full_points())], user=editor)
    report = scores_save(
        edition=edition, rows=[RowInput(province.pk, None, None, dict.fromkeys(range(1, 9)))], user=editor
    )
    assert report.updated == 1
    assert not Assessment.objects.filter(edition=edition, province=province).exists()


def test_stale_version_raises_and_writes_nothing(edition, editor):
    province = units()[0]
    scores_save(edition=edition, rows=[RowInput(province.pk, None, None, full_points())], user=editor)
    changed = full_points() | {1: Decimal("1")}
    scores_save(
        edition=edition, rows=[RowInput(province.pk, None, None, changed, expected_version=1)], user=editor
    )
    before = _snapshot(edition)
    with pytest.raises(StaleEditError) as caught:
        scores_save(
            edition=edition,
            rows=[RowInput(province.pk, None, None, full_points() | {1: Decimal("2")}, expected_version=1)],
            user=editor,
        )
    assert caught.value.changed == [province.pk]
    assert _snapshot(edition) == before


def test_a_unit_created_meanwhile_is_stale_for_an_editor_who_saw_it_empty(edition, editor):
    province = units()[0]
    scores_save(edition=edition, rows=[RowInput(province.pk, Decimal("70"), None, {})], user=editor)
    with pytest.raises(StaleEditError):
        scores_save(
            edition=edition,
            rows=[RowInput(province.pk, Decimal("75"), None, {}, expected_version=0)],
            user=editor,
        )
    assert Assessment.objects.get(edition=edition, province=province).published_index == Decimal("70")


def test_published_edition_refuses_saves(edition, editor):
    edition.status = EditionStatus.PUBLISHED
    edition.save()
    with pytest.raises(EntryError) as caught:
        scores_save(edition=edition, rows=[RowInput(units()[0].pk, None, None, full_points())], user=editor)
    assert "đã công bố, cần mở lại" in caught.value.errors[0].message
    assert not Assessment.objects.filter(edition=edition).exists()
