"""The year grid and scores_save: bad input refused with a message and nothing saved, decimal comma, percent
mode, index-and-rank-only rows, no history for unchanged values, and no lost update between two editors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from parindex.entry.services import EntryError, RowInput, StaleEditError, scores_save
from parindex.register.models import Assessment, EditionStatus, Score, Unit
from tests.entry.entry_helpers import (
    MAXIMA,
    YEAR,
    assign,
    draft_edition,
    full_points,
    make_user,
    units,
)

pytestmark = pytest.mark.django_db


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
            "unit_id", "version", "published_index", "published_rank"
        )
    )
    scores = sorted(
        Score.objects.filter(assessment__edition=edition).values_list(
            "assessment__unit_id", "criterion__number", "points"
        )
    )
    history = (
        Assessment.history.filter(edition_id=edition.pk).count()
        + Score.history.filter(assessment__edition_id=edition.pk).count()
    )
    return assessments, scores, history


def _grid_data(unit, values: dict[str, str], version: str = "0", mode: str = "diem") -> dict[str, str]:
    data = {f"p-{unit.pk}-version": version, "don_vi": mode}
    for key, value in values.items():
        data[f"p-{unit.pk}-{key}"] = value
    return data


def _full_row_text(**overrides: str) -> dict[str, str]:
    row = {f"d{n}": f"{p}".replace(".", ",") for n, p in full_points().items()}
    row.update({"index": "", "rank": ""})
    row.update(overrides)
    return row


# --- the service --------------------------------------------------------------------------------------------


def test_scores_save_creates_a_full_row_and_records_the_editor(edition, editor):
    unit = units()[0]
    report = scores_save(
        edition=edition,
        rows=[RowInput(unit.pk, None, None, full_points(), expected_version=0)],
        user=editor,
    )
    assert (report.created, report.updated, report.scores_changed) == (1, 0, 8)
    assessment = Assessment.objects.get(edition=edition, unit=unit)
    assert assessment.version == 1
    assert {s.criterion.code: s.points for s in assessment.scores.all()} == full_points()
    assert assessment.history.latest().history_user == editor
    assert Score.history.filter(assessment_id=assessment.pk).first().history_user == editor


BAD_SERVICE_ROWS = {
    "above-maximum": ({"3": Decimal("14.51")}, None, None, "d3", "vượt quá điểm tối đa 14,5"),
    "below-zero": ({"1": Decimal("-0.01")}, None, None, "d1", "không được âm"),
    "nan": ({"2": Decimal("NaN")}, None, None, "d2", "hữu hạn"),
    "infinity": ({"2": Decimal("Infinity")}, None, None, "d2", "hữu hạn"),
    "index-above-100": ({}, Decimal("100.01"), None, "published_index", "từ 0 đến 100"),
    "rank-zero": ({}, Decimal("80"), 0, "published_rank", "từ 1"),
    "partial-row-without-index": (
        {"1": None, "2": None},
        None,
        None,
        "row",
        "thiếu điểm Lĩnh vực 1, Lĩnh vực 2",
    ),
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
    assert [(e.unit_id, e.field) for e in caught.value.errors] == [(second.pk, field)]
    assert message in caught.value.errors[0].message
    assert _snapshot(edition) == before  # the valid row was not stored either


def test_scores_save_refuses_a_unit_that_did_not_exist_that_year(edition, editor):
    old_unit = Unit.objects.filter(valid_until__isnull=False).order_by("code").first()
    before = _snapshot(edition)
    with pytest.raises(EntryError) as caught:
        scores_save(edition=edition, rows=[RowInput(old_unit.pk, None, None, full_points())], user=editor)
    error = caught.value.errors[0]
    assert (error.unit_id, error.field) == (old_unit.pk, "row")
    assert old_unit.name in error.message and str(YEAR) in error.message
    assert _snapshot(edition) == before


def test_scores_save_refuses_a_domain_without_a_known_maximum(edition, editor):
    from parindex.register.models import Criterion

    Criterion.objects.filter(methodology=edition.methodology, number=4).update(max_points=None)
    with pytest.raises(EntryError) as caught:
        scores_save(edition=edition, rows=[RowInput(units()[0].pk, None, None, full_points())], user=editor)
    assert [e.field for e in caught.value.errors] == ["d4"]
    assert "chưa có điểm tối đa" in caught.value.errors[0].message
    assert not Assessment.objects.filter(edition=edition).exists()


def test_scores_save_converts_percent_of_the_domain_maximum_half_up(edition, editor):
    unit = units()[0]
    percents = {str(n): Decimal("50") for n in range(1, 9)} | {
        "3": Decimal("33.33")
    }  # 33.33% of 14.5 = 4.832850
    scores_save(edition=edition, rows=[RowInput(unit.pk, None, None, percents)], user=editor, mode="percent")
    stored = dict(
        Score.objects.filter(assessment__unit=unit, assessment__edition=edition).values_list(
            "criterion__number", "points"
        )
    )
    assert stored[3] == Decimal("4.83")
    assert stored[8] == Decimal("7.75")  # 50% of 15.5


def test_scores_save_accepts_a_row_with_only_published_index_and_rank(edition, editor):
    unit = units()[0]
    scores_save(edition=edition, rows=[RowInput(unit.pk, Decimal("87.33"), 12, {})], user=editor)
    assessment = Assessment.objects.get(edition=edition, unit=unit)
    assert (assessment.published_index, assessment.published_rank, assessment.scores.count()) == (
        Decimal("87.33"),
        12,
        0,
    )


def test_scores_save_accepts_a_row_known_only_by_its_published_rank(edition, editor):
    """Press releases often give a unit's rank and nothing more (see the published totals fixture)."""
    unit = units()[0]
    scores_save(edition=edition, rows=[RowInput(unit.pk, None, 17, {})], user=editor)
    assessment = Assessment.objects.get(edition=edition, unit=unit)
    assert (assessment.published_index, assessment.published_rank, assessment.scores.count()) == (None, 17, 0)


def test_resaving_the_same_values_writes_nothing_and_adds_no_history(edition, editor):
    unit = units()[0]
    row = RowInput(unit.pk, Decimal("80"), 3, full_points())
    scores_save(edition=edition, rows=[row], user=editor)
    before = _snapshot(edition)
    report = scores_save(edition=edition, rows=[row], user=editor)
    assert (report.created, report.updated, report.unchanged, report.scores_changed) == (0, 0, 1, 0)
    assert _snapshot(edition) == before


def test_resaving_the_percentages_shown_keeps_the_stored_points(edition, editor):
    unit = units()[0]
    points = full_points() | {"3": Decimal("8.33")}
    scores_save(edition=edition, rows=[RowInput(unit.pk, None, None, points)], user=editor)
    before = _snapshot(edition)
    from parindex.entry.services import percent_of_max

    shown = {n: percent_of_max(p, MAXIMA[int(n) - 1]) for n, p in points.items()}
    scores_save(edition=edition, rows=[RowInput(unit.pk, None, None, shown)], user=editor, mode="percent")
    assert _snapshot(edition) == before


def test_an_empty_row_removes_the_assessment(edition, editor):
    unit = units()[0]
    scores_save(edition=edition, rows=[RowInput(unit.pk, None, None, full_points())], user=editor)
    report = scores_save(
        edition=edition,
        rows=[RowInput(unit.pk, None, None, dict.fromkeys(str(n) for n in range(1, 9)))],
        user=editor,
    )
    assert report.updated == 1
    assert not Assessment.objects.filter(edition=edition, unit=unit).exists()


def test_stale_version_raises_and_writes_nothing(edition, editor):
    unit = units()[0]
    scores_save(edition=edition, rows=[RowInput(unit.pk, None, None, full_points())], user=editor)
    changed = full_points() | {"1": Decimal("1")}
    scores_save(
        edition=edition, rows=[RowInput(unit.pk, None, None, changed, expected_version=1)], user=editor
    )
    before = _snapshot(edition)
    with pytest.raises(StaleEditError) as caught:
        scores_save(
            edition=edition,
            rows=[RowInput(unit.pk, None, None, full_points() | {"1": Decimal("2")}, expected_version=1)],
            user=editor,
        )
    assert caught.value.changed == [unit.pk]
    assert _snapshot(edition) == before


def test_a_unit_created_meanwhile_is_stale_for_an_editor_who_saw_it_empty(edition, editor):
    unit = units()[0]
    scores_save(edition=edition, rows=[RowInput(unit.pk, Decimal("70"), None, {})], user=editor)
    with pytest.raises(StaleEditError):
        scores_save(
            edition=edition,
            rows=[RowInput(unit.pk, Decimal("75"), None, {}, expected_version=0)],
            user=editor,
        )
    assert Assessment.objects.get(edition=edition, unit=unit).published_index == Decimal("70")


def test_published_edition_refuses_saves(edition, editor):
    edition.status = EditionStatus.PUBLISHED
    edition.save()
    with pytest.raises(EntryError) as caught:
        scores_save(edition=edition, rows=[RowInput(units()[0].pk, None, None, full_points())], user=editor)
    assert "đã công bố, cần mở lại" in caught.value.errors[0].message
    assert not Assessment.objects.filter(edition=edition).exists()


# --- the grid page ------------------------------------------------------------------------------------------


@pytest.fixture
def client(editor):
    from django.test import Client

    client = Client()
    client.force_login(editor)
    return client


def _grid_url(edition) -> str:
    from django.urls import reverse

    return reverse("entry:grid", args=[edition.pk])


BAD_CELLS = {
    "above-maximum": ({"d3": "15"}, "d3", "vượt quá điểm tối đa 14,5"),
    "below-zero": ({"d1": "-1"}, "d1", "không được âm"),
    "text": ({"d2": "abc"}, "d2", "không phải là số hợp lệ"),
    "nan": ({"d2": "NaN"}, "d2", "không phải là số hợp lệ"),
    "inf": ({"d2": "inf"}, "d2", "không phải là số hợp lệ"),
    "thousands-separator": ({"d2": "1.234,5"}, "d2", "không phải là số hợp lệ"),
    "empty-required-cell": ({"d5": ""}, None, "thiếu điểm Lĩnh vực 5"),
    "index-text": ({"d1": "", "index": "tám mươi"}, "index", "không phải là số hợp lệ"),
    "rank-fraction": ({"rank": "2,5"}, "rank", "Thứ hạng phải là số nguyên"),
    "percent-above-100": ({"d4": "101"}, "d4", "phải từ 0 đến 100% điểm tối đa"),
}


@pytest.mark.parametrize("overrides, cell, message", BAD_CELLS.values(), ids=BAD_CELLS)
def test_grid_shows_each_bad_cell_inline_and_saves_nothing(edition, client, overrides, cell, message):
    first, second = units()[:2]
    mode = "phan_tram" if "percent" in message or "%" in message else "diem"
    data = _grid_data(first, _full_row_text(), mode=mode)  # a valid row beside the bad one: not saved either
    data |= _grid_data(second, _full_row_text(**overrides), mode=mode)
    if mode == "phan_tram":
        data |= {
            f"p-{p.pk}-d{n}": "80" for p in (first, second) for n in range(1, 9) if f"d{n}" not in overrides
        }
    before = _snapshot(edition)
    response = client.post(_grid_url(edition), data)
    assert response.status_code == 422
    content = response.content.decode()
    assert message in content
    assert 'data-testid="error-summary"' in content
    if cell is not None:
        name = f"p-{second.pk}-{cell}"
        assert f'id="{name}"' in content
        assert f'aria-describedby="{name}-error"' in content and f'id="{name}-error"' in content
    assert content.count('aria-invalid="true"') == (1 if cell else 0)
    # what was typed is shown again
    for value in overrides.values():
        if value:
            assert f'value="{value}"' in content
    assert _snapshot(edition) == before


def test_grid_reports_every_error_at_once(edition, client):
    first, second = units()[:2]
    data = _grid_data(first, _full_row_text(d1="abc")) | _grid_data(second, _full_row_text(d3="99"))
    response = client.post(_grid_url(edition), data)
    assert response.status_code == 422
    assert content_count(response, 'aria-invalid="true"') == 2
    assert not Assessment.objects.filter(edition=edition).exists()


def content_count(response, text: str) -> int:
    return response.content.decode().count(text)


def test_grid_accepts_a_decimal_comma(edition, client):
    unit = units()[0]
    response = client.post(_grid_url(edition), _grid_data(unit, _full_row_text(d1="8,75", d2="9.5")))
    assert response.status_code == 302
    stored = dict(
        Score.objects.filter(assessment__edition=edition, assessment__unit=unit).values_list(
            "criterion__number", "points"
        )
    )
    assert (stored[1], stored[2]) == (Decimal("8.75"), Decimal("9.5"))
    page = client.get(response["Location"]).content.decode()
    assert 'value="8,75"' in page and "Đã lưu" in page


def test_grid_in_percent_mode_stores_points_and_shows_percent(edition, client):
    unit = units()[0]
    data = _grid_data(
        unit, {f"d{n}": "80" for n in range(1, 9)} | {"index": "", "rank": ""}, mode="phan_tram"
    )
    data[f"p-{unit.pk}-d3"] = "50"
    response = client.post(_grid_url(edition), data)
    assert response.status_code == 302
    assert "don_vi=phan_tram" in response["Location"]
    assert Score.objects.get(
        assessment__edition=edition, assessment__unit=unit, criterion__number=3
    ).points == Decimal("7.25")
    percent_page = client.get(_grid_url(edition), {"don_vi": "phan_tram"}).content.decode()
    assert f'name="p-{unit.pk}-d3" id="p-{unit.pk}-d3" value="50,00"' in percent_page
    points_page = client.get(_grid_url(edition)).content.decode()
    assert f'name="p-{unit.pk}-d3" id="p-{unit.pk}-d3" value="7,25"' in points_page


def test_grid_accepts_a_row_with_only_published_index_and_rank(edition, client):
    unit = units()[0]
    data = _grid_data(unit, {f"d{n}": "" for n in range(1, 9)} | {"index": "87,33", "rank": "5"})
    assert client.post(_grid_url(edition), data).status_code == 302
    assessment = Assessment.objects.get(edition=edition, unit=unit)
    assert (assessment.published_index, assessment.published_rank, assessment.scores.count()) == (
        Decimal("87.33"),
        5,
        0,
    )


def test_grid_resave_of_unchanged_values_adds_no_history(edition, client):
    unit = units()[0]
    client.post(_grid_url(edition), _grid_data(unit, _full_row_text(index="80", rank="3")))
    page = client.get(_grid_url(edition)).content.decode()
    assert f'name="p-{unit.pk}-version" value="1"' in page
    before = _snapshot(edition)
    response = client.post(_grid_url(edition), _grid_data(unit, _full_row_text(index="80", rank="3"), "1"))
    assert response.status_code == 302
    assert _snapshot(edition) == before


def _version_in(page: str, unit) -> str:
    import re

    match = re.search(rf'name="p-{unit.pk}-version" value="(\d+)"', page)
    assert match, "the grid has no version input for the unit"
    return match.group(1)


def test_lost_update_second_editor_is_told_and_sees_the_new_values(edition, editor, client):
    from django.test import Client

    first_unit, second_unit = units()[:2]
    scores_save(edition=edition, rows=[RowInput(first_unit.pk, None, None, full_points())], user=editor)
    other = make_user("bien-tap-2", "editor")
    assign(other, edition)
    other_client = Client()
    other_client.force_login(other)

    # Both editors open the grid and see version 1.
    version_a = _version_in(client.get(_grid_url(edition)).content.decode(), first_unit)
    version_b = _version_in(other_client.get(_grid_url(edition)).content.decode(), first_unit)
    assert version_a == version_b == "1"

    # The first saves 9,25 in domain 1.
    assert (
        client.post(
            _grid_url(edition), _grid_data(first_unit, _full_row_text(d1="9,25"), version_a)
        ).status_code
        == 302
    )
    # The second, still on version 1, types 7 in domain 1 and a new row for another unit.
    data = _grid_data(first_unit, _full_row_text(d1="7"), version_b)
    data |= _grid_data(second_unit, _full_row_text(index="", rank=""), "0")
    before = _snapshot(edition)
    response = other_client.post(_grid_url(edition), data)
    assert response.status_code == 409
    content = response.content.decode()
    assert "Dữ liệu đã bị người khác thay đổi" in content
    assert first_unit.name in content
    # The new stored value and version are shown for that unit; what this editor typed is kept beside it.
    assert f'name="p-{first_unit.pk}-d1" id="p-{first_unit.pk}-d1" value="9,25"' in content
    assert _version_in(content, first_unit) == "2"
    assert "Bạn đã nhập: 7" in content
    # The other unit keeps what the second editor typed.
    assert (
        f'name="p-{second_unit.pk}-d1" id="p-{second_unit.pk}-d1" value="{_full_row_text()["d1"]}"' in content
    )
    # Nothing was overwritten.
    assert _snapshot(edition) == before
    assert Score.objects.get(
        assessment__edition=edition, assessment__unit=first_unit, criterion__number=1
    ).points == Decimal("9.25")

    # Saving again from the refreshed grid works.
    data[f"p-{first_unit.pk}-version"] = "2"
    assert other_client.post(_grid_url(edition), data).status_code == 302
    assert Score.objects.get(
        assessment__edition=edition, assessment__unit=first_unit, criterion__number=1
    ).points == Decimal("7")


def test_grid_lists_the_units_of_the_year(edition, client):
    content = client.get(_grid_url(edition)).content.decode()
    assert content.count('data-unit="') == 34
    gone = Unit.objects.filter(valid_until__isnull=False).first()
    assert f'data-unit="{gone.pk}"' not in content


def test_grid_reads_in_a_fixed_number_of_queries(edition, editor, client, django_assert_max_num_queries):
    rows = [RowInput(p.pk, None, None, full_points()) for p in units()]  # every unit of the year entered
    scores_save(edition=edition, rows=rows, user=editor)
    with django_assert_max_num_queries(15):
        response = client.get(_grid_url(edition))
    assert response.content.decode().count('aria-invalid="true"') == 0
    assert response.content.decode().count('value="12,40"') == 34  # domain 8: 80% of 15,5, two decimals


@pytest.mark.parametrize("year, unit_count", [(2024, 63), (2025, 34)], ids=["63-units", "34-units"])
def test_grid_query_count_does_not_grow_with_the_units(year, unit_count, django_assert_max_num_queries):
    from django.test import Client

    edition = draft_edition(year=year)
    editor = make_user(f"bien-tap-{year}", "editor")
    assign(editor, edition)
    scores_save(
        edition=edition,
        rows=[RowInput(p.pk, None, None, full_points()) for p in units(year)],
        user=editor,
    )
    client = Client()
    client.force_login(editor)
    with django_assert_max_num_queries(15):
        response = client.get(_grid_url(edition))
    assert response.content.decode().count('data-unit="') == unit_count
