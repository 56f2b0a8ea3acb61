"""History baselines: whatever the loader or the first import wrote has a history record, so that the first
change made afterwards shows its old value and its new one in the audit trail ("8,50 → 9,00", never "— → 9,00");
rows loaded before the loader kept history get a baseline when loading again; a change with no earlier record
says its old value is unknown rather than empty."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef
from django.urls import reverse

from parindex.entry.selectors import Change, assessment_history, edition_history
from parindex.entry.services import RowInput, scores_save
from parindex.register.loading import BASELINE_REASON, DEMO_REASON, LOAD_REASON, par_data_load
from parindex.register.models import PAR_INDEX, Assessment, Edition, EditionKind, EditionStatus, Score
from parindex.register.numbers import format_number
from tests.transfer.test_import import GOOD_ROWS, make_edition, run_import, xlsx_bytes
from tests.transfer.test_spreadsheets import data_row

pytestmark = pytest.mark.django_db

UNKNOWN = "không rõ (chưa có lịch sử trước đó)"


@pytest.fixture
def admin() -> User:
    return User.objects.create_superuser("quan-tri-lich-su", password="mat-khau-thu-nghiem-2025")


def _reopened(kind: str, year: int = 2024) -> Edition:
    """A loaded (published) edition back in draft, as an approver's reopening leaves it."""
    edition = Edition.objects.get(index__code=PAR_INDEX, year=year, kind=kind)
    Edition.objects.filter(pk=edition.pk).update(status=EditionStatus.DRAFT)
    edition.refresh_from_db()
    return edition


def _first_domain_score(edition: Edition) -> Score:
    return (
        Score.objects.filter(assessment__edition=edition, criterion__number=1)
        .select_related("assessment__unit")
        .order_by("assessment__unit__code")
        .first()
    )


def _edits(changes: list[Change], unit: str, field: str) -> list[Change]:
    return [c for c in changes if c.unit == unit and c.field == field and c.action == "Sửa"]


def _lower_first_domain(edition: Edition, user: User) -> tuple[Score, Decimal, Decimal]:
    score = _first_domain_score(edition)
    old = score.points
    assert old is not None and old >= 1
    new = old - 1
    scores_save(
        edition=edition,
        rows=[RowInput(score.assessment.unit_id, None, None, {"1": new})],
        user=user,
        reason="Sửa theo biên bản",
    )
    return score, old, new


@pytest.mark.parametrize("model", [Assessment, Score], ids=["assessments", "scores"])
@pytest.mark.parametrize("kind", [EditionKind.DEMO, EditionKind.OFFICIAL])
def test_every_loaded_row_has_a_history_record(model: Any, kind: str) -> None:
    rows = model.objects.filter(
        **({"edition__kind": kind} if model is Assessment else {"assessment__edition__kind": kind})
    )
    without = rows.filter(~Exists(model.history.model.objects.filter(id=OuterRef("pk"))))
    assert rows.exists() or (model is Score and kind == EditionKind.OFFICIAL)  # official years: totals only
    assert not without.exists()


def test_a_change_to_loaded_demo_points_shows_the_old_and_the_new_value(admin: User, client: Any) -> None:
    edition = _reopened(EditionKind.DEMO)
    score, old, new = _lower_first_domain(edition, admin)
    unit = score.assessment.unit

    [edit] = _edits(edition_history(edition), unit.name, "Lĩnh vực 1 (điểm)")
    assert (edit.old, edit.new, edit.reason) == (format_number(old), format_number(new), "Sửa theo biên bản")
    baseline = [
        c for c in assessment_history(edition, unit) if c.action == "Tạo" and c.field == "Lĩnh vực 1 (điểm)"
    ]
    assert [(c.old, c.new, c.reason) for c in baseline] == [("—", format_number(old), DEMO_REASON)]

    client.force_login(admin)
    page = client.get(reverse("entry:assessment_history", args=[edition.pk, unit.pk])).content.decode()
    assert (
        f'<td class="num">{format_number(old)}</td>\n        <td class="num">{format_number(new)}</td>'
        in page
    )


def test_a_change_to_a_loaded_published_rank_shows_the_old_and_the_new_rank(admin: User) -> None:
    edition = _reopened(EditionKind.OFFICIAL)
    assessment = (
        Assessment.objects.filter(edition=edition, published_rank__isnull=False)
        .select_related("unit")
        .first()
    )
    old = assessment.published_rank
    scores_save(
        edition=edition,
        rows=[RowInput(assessment.unit_id, assessment.published_index, old + 1, {})],
        user=admin,
    )
    changes = edition_history(edition)
    [edit] = _edits(changes, assessment.unit.name, "Thứ hạng công bố")
    assert (edit.old, edit.new) == (format_number(old), format_number(old + 1))
    [created] = [
        c
        for c in changes
        if c.unit == assessment.unit.name and c.field == "Thứ hạng công bố" and c.action == "Tạo"
    ]
    assert created.reason == LOAD_REASON


def test_loading_again_gives_rows_loaded_without_history_a_baseline(admin: User) -> None:
    """A database loaded before the loader kept history: its rows have no record at all."""
    edition = _reopened(EditionKind.DEMO, year=2023)
    assessment = _first_domain_score(edition).assessment
    Score.history.filter(assessment_id=assessment.pk).delete()
    Assessment.history.filter(id=assessment.pk).delete()

    report = par_data_load()

    assert report.created["score history baseline"] == 8
    assert report.created["assessment history baseline"] == 1
    records = Score.history.filter(assessment_id=assessment.pk)
    assert {(r.history_type, r.history_change_reason) for r in records} == {("+", BASELINE_REASON)}
    assert sum(par_data_load().created.values()) == 0  # the baselines are there now
    edition = _reopened(EditionKind.DEMO, year=2023)  # loading publishes the demo editions again
    score, old, new = _lower_first_domain(edition, admin)
    [edit] = _edits(edition_history(edition), score.assessment.unit.name, "Lĩnh vực 1 (điểm)")
    assert (edit.old, edit.new) == (format_number(old), format_number(new))


def test_a_change_without_an_earlier_record_says_the_old_value_is_unknown(admin: User) -> None:
    edition = _reopened(EditionKind.DEMO, year=2022)
    score = _first_domain_score(edition)
    Score.history.filter(id=score.pk).delete()  # as rows written before any baseline
    _score, _old, new = _lower_first_domain(edition, admin)
    [edit] = _edits(edition_history(edition), score.assessment.unit.name, "Lĩnh vực 1 (điểm)")
    assert (edit.old, edit.new) == (UNKNOWN, format_number(new))


def test_the_first_import_leaves_the_baseline_of_the_next_change(admin: User) -> None:
    edition = make_edition()
    assert run_import(edition, xlsx_bytes(GOOD_ROWS), admin).status == "done"
    changed = data_row("Hà Nội", points=["9", "9", "12,25", "10", "14", "6", "13,5", "13"])
    assert (
        run_import(edition, xlsx_bytes([changed, GOOD_ROWS[1]]), admin, name="lan-hai.xlsx").status == "done"
    )
    changes = edition_history(edition)
    assert [(c.old, c.new) for c in _edits(changes, "Hà Nội", "Lĩnh vực 1 (điểm)")] == [("8,50", "9,00")]
    assert _edits(changes, "Hà Nội", "Lĩnh vực 2 (điểm)") == []  # unchanged: no history
    assert all(c.old != UNKNOWN for c in changes)
