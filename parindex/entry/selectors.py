"""Reads for the entry pages: the year grid's stored values, progress per edition, and the audit trail (who
changed what, when, old → new) built from django-simple-history's records in a fixed number of queries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from parindex.entry.services import cell_field, percent_of_max
from parindex.register.models import (
    Assessment,
    Criterion,
    Edition,
    EditionEvent,
    EditionEventKind,
    Methodology,
    Score,
    Unit,
)
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
    action_code: str = (
        ""  # one of AUDIT_ACTIONS: "created", "published", "reopened", "add", "change", "delete"
    )
    edition: str = ""  # "PAR INDEX 2024 · Chính thức" (index, year, kind); in the audit log


def _who(record: Any) -> str:
    user = record.history_user
    return user.get_username() if user is not None else _("(hệ thống)")


def _action(record: Any) -> str:
    return {"+": _("Tạo"), "~": _("Sửa"), "-": _("Xóa")}[record.history_type]


# The actions of the audit log: an edition's steps (EditionEvent) and the kinds of django-simple-history records.
HISTORY_ACTIONS = {"+": "add", "~": "change", "-": "delete"}
AUDIT_ACTIONS = (
    EditionEventKind.CREATED.value,
    EditionEventKind.PUBLISHED.value,
    EditionEventKind.REOPENED.value,
    *HISTORY_ACTIONS.values(),
)


def _diff_records(
    records: Iterable[Any],
    fields: dict[str, str],
    *,
    unit_of: Any,
    label_of: Any = None,
    show: Any = format_number,
    wanted: Callable[[Any], bool] | None = None,
    edition_of: Callable[[Any], str] | None = None,
) -> list[Change]:
    """Changes between consecutive historical records of each object (records ordered by object, then time).

    With `wanted`, only the records it accepts give changes; the others are there as the earlier values that
    those are compared with (the audit log filters by user and date, but a change's old value may be older).

    A change ("~") with no earlier record is of a row written without history (loaded before the loader kept
    baselines, see parindex.register.loading): its old value is not known, and the trail says so rather than
    show it as empty."""
    changes: list[Change] = []
    previous: dict[int, Any] = {}
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        if wanted is not None and not wanted(record):
            continue
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
                    action_code=HISTORY_ACTIONS[record.history_type],
                    edition=edition_of(record) if edition_of else "",
                )
            )
    return changes


def _assessment_changes(
    assessment_records: list[Any], units: dict[int, Unit], **options: Any
) -> list[Change]:
    def unit_of(record: Any) -> str:
        unit = units.get(record.unit_id)
        return unit.name if unit else str(record.unit_id)

    return _diff_records(
        assessment_records,
        {"published_index": _("Chỉ số công bố (%)"), "published_rank": _("Thứ hạng công bố")},
        unit_of=unit_of,
        **options,
    )


def _score_changes(
    score_records: list[Any],
    assessments: dict[int, int],
    units: dict[int, Unit],
    criteria: dict[int, Criterion],
    **options: Any,
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
        **options,
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


EDITION_FIELDS = {
    "status": _lazy("Trạng thái"),
    "methodology_id": _lazy("Bộ tiêu chí"),
    "note": _lazy("Ghi chú"),
}


def _edition_value_shower() -> Callable[[Any], str]:
    """How an edition's recorded values read: status labels, criteria set codes (one query), dates, numbers."""
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

    return show_edition_value


def edition_history(edition: Edition) -> list[Change]:
    """Every change to the edition itself (status, methodology, with the reopening reason) and to its units'
    results, newest first."""
    edition_records = list(
        Edition.history.filter(id=edition.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    show_edition_value = _edition_value_shower()
    changes = _diff_records(
        edition_records,
        {name: str(label) for name, label in EDITION_FIELDS.items()},
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


# --- The audit log: every edition, filtered ---------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    """What the audit log shows: changes by `user_id`, from `since` (inclusive) to `until` (exclusive), of one
    edition, of one action (AUDIT_ACTIONS); None or "" means any."""

    user_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    edition_id: int | None = None
    action: str = ""


def _record_filter(filters: AuditFilters, *, at: str = "history_date", user: str = "history_user_id") -> Q:
    """The user and date conditions on the time field `at` and the user field `user` of a model."""
    condition = Q()
    if filters.user_id is not None:
        condition &= Q(**{user: filters.user_id})
    if filters.since is not None:
        condition &= Q(**{f"{at}__gte": filters.since})
    if filters.until is not None:
        condition &= Q(**{f"{at}__lt": filters.until})
    return condition


def _with_earlier_records(model: Any, matching: QuerySet[Any]) -> list[Any]:
    """Every historical record of the objects that have a record in `matching` (the earlier ones give the old
    values), ordered by object, then time, as _diff_records reads them (one query)."""
    return list(
        model.history.filter(id__in=matching.values("id"))
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )


def _event_change(event: EditionEvent, editions: dict[int, str]) -> Change:
    return Change(
        when=event.at,
        who=event.user.get_username() if event.user is not None else _("(hệ thống)"),
        unit="",
        field="",
        old="",
        new="",
        reason=event.reason,
        action=event.get_kind_display(),
        sort_key=(event.at, 0, event.pk),
        action_code=event.kind,
        edition=editions.get(event.edition_id, ""),
    )


# How many history records of one kind the newest changes are looked for in at first; four times more each time
# the records read gave too few changes (records that change nothing the log shows: a version, a timestamp).
FIRST_LOOK = 50
LOOK_FURTHER = 4


@dataclass(frozen=True)
class _AuditSource:
    """One kind of history record in the audit log: the records the filters match, and how their changes read
    (`diff`: the records of the matched objects, ordered by object then time, and which of them to report)."""

    model: Any
    matching: QuerySet[Any]
    diff: Callable[[list[Any], Callable[[Any], bool]], list[Change]]

    def changes(self, newest: int | None) -> list[Change]:
        """The changes of every matching record, or, with `newest`, at least the `newest` newest of them (all
        there are when fewer): read from the newest records, further back until enough, so that a page of the
        log reads a page's worth of history, not all of it."""
        if newest is None:
            chosen = set(self.matching.values_list("history_id", flat=True))
            return self.diff(_with_earlier_records(self.model, self.matching), _one_of(chosen))
        look = max(newest, FIRST_LOOK)
        while True:
            newest_records = self.matching.order_by("-history_date", "-history_id")[:look]
            chosen = set(newest_records.values_list("history_id", flat=True))
            records = _with_earlier_records(
                self.model, self.model.history.filter(history_id__in=newest_records.values("history_id"))
            )
            changes = self.diff(records, _one_of(chosen))
            if len(changes) >= newest or len(chosen) < look:
                return changes
            look *= LOOK_FURTHER


def _one_of(history_ids: set[int]) -> Callable[[Any], bool]:
    return lambda record: record.history_id in history_ids


def _audit_sources(filters: AuditFilters, editions: dict[int, str]) -> list[_AuditSource]:
    """The editions' own records, their units' results and scores, as the filters select them."""
    history_types = {code: symbol for symbol, code in HISTORY_ACTIONS.items()}
    condition = _record_filter(filters)
    if filters.action:
        condition &= Q(history_type=history_types[filters.action])

    # The editions themselves: status, criteria set, note.
    edition_matching = Edition.history.filter(condition)
    if filters.edition_id is not None:
        edition_matching = edition_matching.filter(id=filters.edition_id)
    show_edition_value = _edition_value_shower()

    def edition_diff(records: list[Any], wanted: Callable[[Any], bool]) -> list[Change]:
        return _diff_records(
            records,
            {name: str(label) for name, label in EDITION_FIELDS.items()},
            unit_of=lambda record: "",
            show=show_edition_value,
            wanted=wanted,
            edition_of=lambda record: editions.get(record.id, ""),
        )

    # Results (published index and rank) and scores; a score's unit and edition are its assessment's.
    assessment_matching = Assessment.history.filter(condition)
    score_matching = Score.history.filter(condition)
    if filters.edition_id is not None:
        assessment_matching = assessment_matching.filter(edition_id=filters.edition_id)
        score_matching = score_matching.filter(
            assessment_id__in=Assessment.history.filter(edition_id=filters.edition_id).values("id")
        )

    def assessment_diff(records: list[Any], wanted: Callable[[Any], bool]) -> list[Change]:
        units = Unit.objects.in_bulk({r.unit_id for r in records})
        return _assessment_changes(
            records, units, wanted=wanted, edition_of=lambda record: editions.get(record.edition_id, "")
        )

    def score_diff(records: list[Any], wanted: Callable[[Any], bool]) -> list[Change]:
        assessments = {
            assessment_id: (unit_id, edition_id)
            for assessment_id, unit_id, edition_id in Assessment.history.filter(
                id__in={r.assessment_id for r in records}
            ).values_list("id", "unit_id", "edition_id")
        }
        units = Unit.objects.in_bulk({unit_id for unit_id, _edition in assessments.values()})
        criteria = Criterion.objects.in_bulk({r.criterion_id for r in records})
        return _score_changes(
            records,
            {assessment_id: unit_id for assessment_id, (unit_id, _edition) in assessments.items()},
            units,
            criteria,
            wanted=wanted,
            edition_of=lambda record: editions.get(assessments.get(record.assessment_id, (0, 0))[1], ""),
        )

    return [
        _AuditSource(Edition, edition_matching, edition_diff),
        _AuditSource(Assessment, assessment_matching, assessment_diff),
        _AuditSource(Score, score_matching, score_diff),
    ]


def audit_trail(filters: AuditFilters, *, newest: int | None = None) -> list[Change]:
    """Who created, published and reopened which edition (EditionEvent), and every change to the editions and to
    their units' results and scores (django-simple-history), filtered, newest first. The old value of a change
    is read from the object's earlier record, even when that one is outside the filter.

    With `newest`, only the `newest` newest changes (the first pages of the log): the history is read from the
    newest records back until there are enough, in a number of queries that does not grow with the rows (a few
    more when many records change nothing the log shows). Without, every change (the CSV download)."""
    editions = {edition.pk: str(edition) for edition in Edition.objects.select_related("index")}
    event_kinds = set(EditionEventKind.values)
    changes: list[Change] = []
    if not filters.action or filters.action in event_kinds:
        events = EditionEvent.objects.filter(_record_filter(filters, at="at", user="user_id"))
        if filters.edition_id is not None:
            events = events.filter(edition_id=filters.edition_id)
        if filters.action:
            events = events.filter(kind=filters.action)
        events = events.select_related("user").order_by("-at", "-pk")
        changes += [_event_change(event, editions) for event in (events[:newest] if newest else events)]
    if filters.action not in event_kinds:
        for source in _audit_sources(filters, editions):
            changes += source.changes(newest)
    ordered = _newest_first(changes)
    return ordered[:newest] if newest is not None else ordered


class AuditRows:
    """The audit log's rows for a table that pages without counting (django-tables2's LazyPaginator): a slice
    reads only the changes up to its end (`audit_trail(..., newest=...)`)."""

    def __init__(self, filters: AuditFilters) -> None:
        self.filters = filters

    def __getitem__(self, key: slice) -> list[Change]:
        if not isinstance(key, slice) or key.step is not None or key.stop is None:
            raise TypeError("AuditRows takes slices with an end, as a paginator asks")
        start = key.start or 0
        return audit_trail(self.filters, newest=key.stop)[start:]

    def __len__(self) -> int:
        """Every change counted: only for callers that must (the table's pages do not ask)."""
        return len(audit_trail(self.filters))


def grid_criteria(edition: Edition) -> dict[str, Criterion]:
    """The grid's columns: the criteria points are entered on (the eight domains for the PAR INDEX)."""
    return entry_criteria(edition)
