"""Reads for the entry pages: the year grid's stored values, progress per edition, and the audit trail (who
changed what, when, old → new) built from django-simple-history's records in a fixed number of queries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from parindex.entry.services import cell_field, percent_of_max
from parindex.register.models import Assessment, Criterion, Edition, EditionEvent, Methodology, Score, Unit
from parindex.register.numbers import format_number
from parindex.register.selectors import assessments_with_scores, entry_criteria, units_of

EMPTY = "—"


@dataclass(frozen=True)
class StoredRow:
    """One unit's stored values in the grid's unit (points or % of the criterion's maximum), as text."""

    version: int  # 0: no assessment yet
    values: dict[str, str]  # "d1".."d8" ("d<criterion code>"), "index", "rank"
    assessment_id: int | None
    not_applicable: frozenset[str] = frozenset()  # cell keys of criteria marked not applicable to the unit
    rank_explanation: str = ""  # why the computed rank differs from the published one, when staff said
    rank_explained_for: tuple[int | None, int | None] = (
        None,
        None,
    )  # the (published, computed) ranks explained


def grid_units(edition: Edition) -> list[Unit]:
    """The rows of the grid: the units the edition's index measures in its year."""
    return list(units_of(edition).order_by("code", "name"))


def stored_rows(edition: Edition, criteria: dict[str, Criterion], *, percent: bool) -> dict[int, StoredRow]:
    """The stored values of every unit of the edition, keyed by unit id (three queries)."""
    rows: dict[int, StoredRow] = {}
    for assessment in assessments_with_scores(edition):
        values = {
            "index": format_number(assessment.published_index),
            "rank": format_number(assessment.published_rank),
        }
        marked: set[str] = set()
        for score in assessment.scores.all():
            key = cell_field(score.criterion.code)
            if score.not_applicable or score.points is None:
                marked.add(key)
                continue
            maximum = score.criterion.max_points
            shown = percent_of_max(score.points, maximum) if percent and maximum else score.points
            values[key] = format_number(shown)
        rows[assessment.unit_id] = StoredRow(
            version=assessment.version,
            values=values,
            assessment_id=assessment.pk,
            not_applicable=frozenset(marked),
            rank_explanation=assessment.rank_explanation,
            rank_explained_for=(assessment.rank_explained_published, assessment.rank_explained_computed),
        )
    return rows


@dataclass(frozen=True)
class EditionProgress:
    edition: Edition
    entered: int
    expected: int


def editions_with_progress(editions: Iterable[Edition]) -> list[EditionProgress]:
    """Each edition with how many of its year's units have an assessment (two queries)."""
    chosen = list(editions)
    counts = dict(
        Assessment.objects.filter(edition__in=chosen)
        .values("edition")
        .annotate(n=Count("pk"))
        .values_list("edition", "n")
    )
    units = list(Unit.objects.only("level", "parent_id", "valid_from", "valid_until"))
    expected: Counter[tuple[int, int]] = Counter()
    for edition in chosen:
        index = edition.index
        expected[(index.pk, edition.year)] = sum(
            1
            for unit in units
            if unit.level == index.unit_level
            and (index.owner_id is None or unit.parent_id == index.owner_id)
            and unit.is_valid_in(edition.year)
        )
    return [EditionProgress(e, counts.get(e.pk, 0), expected[(e.index_id, e.year)]) for e in chosen]


# --- Audit trail ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One changed value: who, when, which unit and field, old → new, and the reason when one was given."""

    when: datetime
    who: str
    unit: str
    field: str
    old: str
    new: str
    reason: str = ""
    action: str = ""
    sort_key: tuple[Any, ...] = dataclass_field(default=(), compare=False, repr=False)


def _who(record: Any) -> str:
    user = record.history_user
    return user.get_username() if user is not None else _("(hệ thống)")


def _action(record: Any) -> str:
    return {"+": _("Tạo"), "~": _("Sửa"), "-": _("Xóa")}[record.history_type]


def _diff_records(
    records: Iterable[Any],
    fields: dict[str, str],
    *,
    unit_of: Any,
    label_of: Any = None,
    show: Any = format_number,
) -> list[Change]:
    """Changes between consecutive historical records of each object (records ordered by object, then time).

    A change ("~") with no earlier record is of a row written without history (loaded before the loader kept
    baselines, see parindex.register.loading): its old value is not known, and the trail says so rather than
    show it as empty."""
    changes: list[Change] = []
    previous: dict[int, Any] = {}
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        for name, label in fields.items():
            new_value = getattr(record, name)
            if new_value is False:  # a flag that is off reads as nothing, as an empty value does
                new_value = None
            old_text = ""
            if record.history_type == "+":
                old, new = None, new_value
            elif record.history_type == "-":
                old, new = new_value, None
            else:
                old = getattr(before, name) if before is not None else None
                old = None if old is False else old
                new = new_value
                if before is not None and old == new:
                    continue
                if before is None:
                    old_text = _("không rõ (chưa có lịch sử trước đó)")
            if old is None and new is None:
                continue
            changes.append(
                Change(
                    when=record.history_date,
                    who=_who(record),
                    unit=unit_of(record),
                    field=label_of(record) if label_of else label,
                    old=old_text or (show(old) if old is not None else EMPTY),
                    new=show(new) if new is not None else EMPTY,
                    reason=record.history_change_reason or "",
                    action=_action(record),
                    sort_key=(record.history_date, record.history_id),
                )
            )
    return changes


def _assessment_changes(assessment_records: list[Any], units: dict[int, Unit]) -> list[Change]:
    def unit_of(record: Any) -> str:
        unit = units.get(record.unit_id)
        return unit.name if unit else str(record.unit_id)

    return _diff_records(
        assessment_records,
        {"published_index": _("Chỉ số công bố (%)"), "published_rank": _("Thứ hạng công bố")},
        unit_of=unit_of,
    )


def _score_changes(
    score_records: list[Any],
    assessments: dict[int, int],
    units: dict[int, Unit],
    criteria: dict[int, Criterion],
) -> list[Change]:
    def unit_of(record: Any) -> str:
        unit = units.get(assessments.get(record.assessment_id, 0))
        return unit.name if unit else ""

    def label_of(record: Any) -> str:
        criterion = criteria.get(record.criterion_id)
        return _("%(criterion)s (điểm)") % {"criterion": criterion.label if criterion else "?"}

    def show_score(value: Any) -> str:
        return _("không áp dụng") if value is True else ("" if value is False else format_number(value))

    return _diff_records(
        score_records,
        {"points": "", "not_applicable": ""},
        unit_of=unit_of,
        label_of=label_of,
        show=show_score,
    )


def _scores_trail(assessment_records: list[Any]) -> list[Change]:
    assessments = {r.id: r.unit_id for r in assessment_records}
    units = Unit.objects.in_bulk({r.unit_id for r in assessment_records})
    score_records = list(
        Score.history.filter(assessment_id__in=assessments)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    criteria = Criterion.objects.in_bulk({r.criterion_id for r in score_records})
    return _assessment_changes(assessment_records, units) + _score_changes(
        score_records, assessments, units, criteria
    )


def _newest_first(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=lambda c: c.sort_key, reverse=True)


def assessment_history(edition: Edition, unit: Unit) -> list[Change]:
    """Every change to one unit's result in one edition (also after its assessment was removed)."""
    records = list(
        Assessment.history.filter(edition_id=edition.pk, unit_id=unit.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    return _newest_first(_scores_trail(records))


def edition_history(edition: Edition) -> list[Change]:
    """Every change to the edition itself (status, methodology, with the reopening reason) and to its units'
    results, newest first."""
    edition_records = list(
        Edition.history.filter(id=edition.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    status_labels = dict(Edition._meta.get_field("status").choices or [])
    methodology_codes = dict(Methodology.objects.values_list("id", "code"))

    def show_edition_value(value: Any) -> str:
        if isinstance(value, int) and not isinstance(value, bool):  # methodology_id, the one integer field
            return methodology_codes.get(value, str(value))
        if isinstance(value, str):
            return str(status_labels.get(value, value))
        if isinstance(value, datetime):
            return value.strftime("%d/%m/%Y %H:%M")
        return format_number(value) if isinstance(value, Decimal | int) else str(value)

    changes = _diff_records(
        edition_records,
        {"status": _("Trạng thái"), "methodology_id": _("Bộ tiêu chí"), "note": _("Ghi chú")},
        unit_of=lambda record: "",
        show=show_edition_value,
    )
    records = list(
        Assessment.history.filter(edition_id=edition.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    return _newest_first(changes + _scores_trail(records))


def edition_events(edition: Edition) -> list[EditionEvent]:
    return list(EditionEvent.objects.filter(edition=edition).select_related("user"))


def grid_criteria(edition: Edition) -> dict[str, Criterion]:
    """The grid's columns: the criteria points are entered on (the eight domains for the PAR INDEX)."""
    return entry_criteria(edition)
