"""The writers of entered data: scores (the year grid and the spreadsheet import), publishing and reopening.

Every write checks permissions (parindex.register.permissions), validates against the methodology of the edition's
year, is atomic, keeps its history (django-simple-history: who, when, old and new value) and, once committed,
queues a recompute of the edition's results (scoring.tasks.enqueue_recompute).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from parindex.register import permissions, rules
from parindex.register.models import (
    PAR_INDEX,
    Assessment,
    Criterion,
    Edition,
    EditionEvent,
    EditionEventKind,
    EditionKind,
    EditionStatus,
    EditorAssignment,
    Index,
    Methodology,
    Score,
    Unit,
    points_message,
)
from parindex.register.numbers import format_number
from parindex.register.selectors import assessments_with_scores, entry_criteria, unit_misfit, units_of
from scoring.calculation import round_half_up
from scoring.services import public_pages_invalidate
from scoring.tasks import enqueue_recompute

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import User as AuthUser

    User = AuthUser | AnonymousUser  # what request.user is

logger = logging.getLogger(__name__)

Mode = Literal["points", "percent"]
HUNDRED = Decimal(100)
ZERO = Decimal(0)
# django-simple-history keeps a change's reason in a varchar(100) (history_change_reason); the full text stays
# where it belongs (EditionEvent.reason, ImportJob.filename), the history gets `history_reason()`.
HISTORY_REASON_LENGTH = 100
# Free texts people type: a reopen reason, an edition's note.
TEXT_MAX_LENGTH = 2000


@dataclass(frozen=True)
class RowInput:
    """One unit's row as typed or imported. Numbers are already parsed (parindex.register.numbers)."""

    unit_id: int
    published_index: Decimal | None
    published_rank: int | None
    # criterion code ("1".."8" for the PAR INDEX domains, "2.1.3" deeper) -> points (or % of the criterion's
    # maximum in percent mode); None = empty cell. Only the criteria given are touched: one left out keeps its
    # stored value.
    points: Mapping[str, Decimal | None]
    # The Assessment.version the editor saw; 0 = the unit had no assessment; None = no check (an import that
    # checked itself).
    expected_version: int | None = None
    # criterion code -> mark (True) or unmark (False) "not applicable to this unit"; codes left out keep theirs.
    not_applicable: Mapping[str, bool] = field(default_factory=dict)


def cell_field(code: str) -> str:
    """The field name of a criterion's cell in errors and in the grid: "d1", "d2.1.3"."""
    return f"d{code}"


@dataclass(frozen=True)
class CellError:
    """A message for one cell. field: "d1".."d8", "published_index", "published_rank", "row", "edition",
    "reason"; unit_id None for errors about the whole save."""

    unit_id: int | None
    field: str
    message: str


class EntryError(Exception):
    """Nothing was written; `errors` say why, each for its cell."""

    def __init__(self, errors: list[CellError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


class StaleEditError(EntryError):
    """Someone saved these units since the editor loaded them; nothing was written."""

    def __init__(self, errors: list[CellError], changed: list[int]) -> None:
        super().__init__(errors)
        self.changed = changed


@dataclass(frozen=True)
class SaveReport:
    created: int
    updated: int
    unchanged: int
    scores_changed: int
    deleted: int = 0
    changed_units: tuple[int, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def percent_of_max(points: Decimal, maximum: Decimal) -> Decimal:
    """Points as % of the domain maximum, two decimals half up (the unit the grid's % toggle shows)."""
    return round_half_up(points * HUNDRED / maximum)


def points_from_percent(percent: Decimal, maximum: Decimal) -> Decimal:
    return round_half_up(percent * maximum / HUNDRED)


def history_reason(reason: str) -> str | None:
    """The reason as the history stores it: None when empty, else at most HISTORY_REASON_LENGTH characters
    (cut with "…"). The one place a reason is fitted to simple-history's column."""
    reason = " ".join(reason.split())
    if not reason:
        return None
    if len(reason) <= HISTORY_REASON_LENGTH:
        return reason
    return reason[: HISTORY_REASON_LENGTH - 1].rstrip() + "…"


def _set_history(instance: object, user: User, reason: str) -> None:
    if user.is_authenticated:
        instance._history_user = user  # type: ignore[attr-defined]
    short = history_reason(reason)
    if short:
        instance._change_reason = short  # type: ignore[attr-defined]


def _too_long(field: str, label: str, text: str) -> CellError | None:
    if len(text) <= TEXT_MAX_LENGTH:
        return None
    return CellError(
        None,
        field,
        _("%(label)s dài %(length)s ký tự, tối đa %(limit)s ký tự.")
        % {"label": label, "length": len(text), "limit": TEXT_MAX_LENGTH},
    )


def rank_problem(rank: int, unit_count: int, edition: Edition) -> str:
    """Why `rank` cannot be a published rank in `edition`, or "": the one rank rule of the grid, the import and
    the admin (1 ≤ rank ≤ the number of units the edition measures that year)."""
    if rank < 1:
        return _("Thứ hạng phải là số nguyên từ 1 trở lên.")
    if rank > unit_count:
        return _("Thứ hạng %(rank)s lớn hơn số đơn vị %(index)s đánh giá năm %(year)s (%(count)s).") % {
            "rank": rank,
            "index": edition.index.short_name,
            "year": edition.year,
            "count": unit_count,
        }
    return ""


@dataclass
class _Planned:
    """What one row will become once validated: final index, rank, and per criterion code the points and the
    not-applicable mark."""

    row: RowInput
    index: Decimal | None
    rank: int | None
    points: dict[str, Decimal | None]
    not_applicable: dict[str, bool]


def _plan(
    *,
    edition: Edition,
    rows: Sequence[RowInput],
    mode: Mode,
    stored: dict[int, Assessment],
    criteria: dict[str, Criterion],
    units: dict[int, Unit],
) -> tuple[list[_Planned], list[CellError]]:
    """Check every row against the edition's criteria set with the one points rule; plan the writes."""
    errors: list[CellError] = []
    planned: list[_Planned] = []
    seen: set[int] = set()
    # One count, and only when a rank was given.
    unit_count = units_of(edition).count() if any(r.published_rank is not None for r in rows) else 0
    for row in rows:
        uid = row.unit_id
        unit = units.get(uid)
        if uid in seen:
            errors.append(CellError(uid, "row", _("Đơn vị này xuất hiện hai lần.")))
            continue
        seen.add(uid)
        if unit is None:
            errors.append(CellError(uid, "row", _("Không tìm thấy đơn vị có mã số %(id)s.") % {"id": uid}))
            continue
        misfit = unit_misfit(unit, edition.index, edition.year)
        if misfit:
            errors.append(CellError(uid, "row", misfit))
            continue
        existing = stored.get(uid)
        current = {s.criterion.code: s for s in existing.scores.all()} if existing else {}
        final: dict[str, Decimal | None] = {
            code: (current[code].points if code in current else None) for code in criteria
        }
        marks: dict[str, bool] = {
            code: (current[code].not_applicable if code in current else False) for code in criteria
        }
        errors_before = len(errors)
        for code, mark in row.not_applicable.items():
            if code not in criteria:
                errors.append(
                    CellError(
                        uid,
                        cell_field(code),
                        _("Tiêu chí %(code)s không có trong bộ tiêu chí.") % {"code": code},
                    )
                )
                continue
            marks[code] = mark
            if mark:
                final[code] = None
        for code, value in row.points.items():
            cell = cell_field(code)
            criterion = criteria.get(code)
            if criterion is None:
                if value is not None:
                    message = (
                        _("Kỳ đánh giá chưa có bộ tiêu chí: chỉ nhập được chỉ số và thứ hạng công bố.")
                        if not criteria
                        else _(
                            "Tiêu chí %(code)s không có trong bộ tiêu chí, hoặc gồm các tiêu chí nhỏ hơn: "
                            "nhập điểm từng tiêu chí nhỏ."
                        )
                        % {"code": code}
                    )
                    errors.append(CellError(uid, cell, message))
                continue
            if value is None:
                if not marks[code]:
                    final[code] = None
                continue
            maximum = criterion.max_points
            points = value
            if mode == "percent":
                # A percent of the criterion's maximum: the same rule, against 100, before the conversion.
                problem = rules.points_problem(
                    value, HUNDRED if maximum is not None else None, not_applicable=marks[code], places=None
                )
                if problem is rules.PointsProblem.ABOVE_MAXIMUM:
                    errors.append(
                        CellError(
                            uid,
                            cell,
                            _("%(unit)s – %(criterion)s: %(value)s%% phải từ 0 đến 100%% điểm tối đa.")
                            % {
                                "unit": unit.name,
                                "criterion": criterion.label,
                                "value": format_number(value),
                            },
                        )
                    )
                    continue
                if problem is None and maximum is not None:
                    old = final.get(code)
                    # Re-saving the percentages shown for stored points keeps those points (no rounding drift).
                    points = (
                        old
                        if old is not None and percent_of_max(old, maximum) == value
                        else points_from_percent(value, maximum)
                    )
            problem = rules.points_problem(points, maximum, not_applicable=marks[code])
            if problem is not None:
                errors.append(
                    CellError(
                        uid, cell, points_message(problem, unit=unit, criterion=criterion, points=points)
                    )
                )
                continue
            final[code] = points
        index = row.published_index
        if index is not None and (not index.is_finite() or index < ZERO or index > HUNDRED):
            errors.append(CellError(uid, "published_index", _("Chỉ số công bố phải từ 0 đến 100.")))
        elif index is not None and index != round_half_up(index):
            errors.append(
                CellError(uid, "published_index", _("Chỉ số công bố có tối đa hai chữ số thập phân."))
            )
        rank = row.published_rank
        rank_error = rank_problem(rank, unit_count, edition) if rank is not None else ""
        if rank_error:
            errors.append(CellError(uid, "published_rank", rank_error))
        # A cell already refused is not reported again as missing.
        invalid = {e.field[1:] for e in errors[errors_before:] if e.field.startswith("d")}
        filled = [c for c, v in final.items() if v is not None or c in invalid]
        missing = [c for c, v in final.items() if v is None and not marks[c] and c not in invalid]
        # A unit may be known by its published rank alone (press releases often give nothing more): such a row
        # is stored, and scoring shows it with that rank and no index.
        if filled and missing and index is None:
            errors.append(
                CellError(
                    uid,
                    "row",
                    _(
                        "%(name)s: thiếu điểm %(criteria)s. Nhập đủ %(count)s tiêu chí, hoặc nhập chỉ số công bố."
                    )
                    % {
                        "name": unit.name,
                        "criteria": ", ".join(criteria[c].label for c in missing),
                        "count": len(criteria),
                    },
                )
            )
        planned.append(_Planned(row=row, index=index, rank=rank, points=final, not_applicable=marks))
    return planned, errors


def database_refusal_message(error: Exception) -> str:
    """What to tell a user when the database refused a write the services had checked (a rule changed by
    someone else in between, or a gap between the checks and the database's guards): nothing was saved."""
    return _(
        "Cơ sở dữ liệu từ chối lưu (%(detail)s). Chưa lưu gì; hãy tải lại trang và thử lại, hoặc báo quản trị viên."
    ) % {"detail": str(error).splitlines()[0][:200]}


def _load_stored(edition: Edition, unit_ids: Sequence[int], *, lock: bool) -> dict[int, Assessment]:
    queryset = assessments_with_scores(edition, unit_ids)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return {a.unit_id: a for a in queryset.order_by("pk")}  # lock order: by primary key


def _check_access(*, edition: Edition, rows: Sequence[RowInput], user: User) -> None:
    if not permissions.can_edit(user, edition):
        raise PermissionDenied(_("Bạn không được phân công nhập liệu cho kỳ đánh giá này."))
    allowed = permissions.editable_units(user, edition)
    if allowed is not None and any(r.unit_id not in allowed for r in rows):
        raise PermissionDenied(_("Bạn không được phân công nhập liệu cho đơn vị này."))


def scores_check(
    *, edition: Edition, rows: Sequence[RowInput], user: User, mode: Mode = "points"
) -> list[CellError]:
    """Every error `scores_save` would raise for these rows (except a stale version), writing nothing.

    For previews (the import's dry run) and for the grid, to show all errors when some cells did not parse.
    """
    _check_access(edition=edition, rows=rows, user=user)
    errors = _edition_errors(edition)
    ids = [r.unit_id for r in rows]
    stored = _load_stored(edition, ids, lock=False)
    _planned, row_errors = _plan(
        edition=edition,
        rows=rows,
        mode=mode,
        stored=stored,
        criteria=entry_criteria(edition),
        units=Unit.objects.in_bulk(ids),
    )
    return errors + row_errors


def _edition_errors(edition: Edition) -> list[CellError]:
    if edition.status == EditionStatus.PUBLISHED:
        return [
            CellError(
                None,
                "edition",
                _("%(edition)s đã công bố, cần mở lại trước khi sửa số liệu.") % {"edition": edition},
            )
        ]
    return []


def scores_save(
    *,
    edition: Edition,
    rows: Sequence[RowInput],
    user: User,
    mode: Mode = "points",
    reason: str = "",
) -> SaveReport:
    """Store the rows of one edition in one transaction: every change, or nothing.

    Raises PermissionDenied (user may not write this edition or one of the units), EntryError with every
    error when any cell is invalid or the edition is published, StaleEditError when a row's stored version moved
    past `expected_version`. Writes only what changed: re-saving the same values writes nothing and adds no
    history. A row left entirely empty removes the unit's assessment. Points are in points or, in "percent"
    mode, in % of the criterion's maximum (converted to points, two decimals half up).
    """
    _check_access(edition=edition, rows=rows, user=user)
    ids = [r.unit_id for r in rows]
    with transaction.atomic():
        # Lock the edition: saves of one edition run one after another, and a publish cannot slip between the
        # status check and the write.
        edition = Edition.objects.select_for_update().get(pk=edition.pk)
        edition_errors = _edition_errors(edition)
        if edition_errors:
            raise EntryError(edition_errors)
        stored = _load_stored(edition, ids, lock=True)
        criteria = entry_criteria(edition)
        units = Unit.objects.in_bulk(ids)
        planned, errors = _plan(
            edition=edition, rows=rows, mode=mode, stored=stored, criteria=criteria, units=units
        )
        if errors:
            raise EntryError(errors)
        stale = [
            p.row.unit_id
            for p in planned
            if p.row.expected_version is not None
            and (stored[p.row.unit_id].version if p.row.unit_id in stored else 0) != p.row.expected_version
        ]
        if stale:
            names = ", ".join(units[pid].name for pid in stale)
            raise StaleEditError(
                [
                    CellError(
                        pid,
                        "row",
                        _("%(name)s đã được người khác lưu sau khi bạn mở bảng.") % {"name": units[pid].name},
                    )
                    for pid in stale
                ]
                + [
                    CellError(
                        None, "edition", _("Dữ liệu đã bị người khác thay đổi: %(names)s.") % {"names": names}
                    )
                ],
                changed=stale,
            )
        try:
            with transaction.atomic():
                report = _write(
                    edition=edition,
                    planned=planned,
                    stored=stored,
                    criteria=criteria,
                    user=user,
                    reason=reason,
                )
        except IntegrityError as error:
            # The database's own guards (constraints, triggers) refused what the rules above let through:
            # nothing was written; say so rather than fail with a server error.
            logger.error("scores_save refused by the database for %s: %s", edition, error)
            raise EntryError([CellError(None, "edition", database_refusal_message(error))]) from error
        if report.changed:
            # Inside the transaction: the "recompute pending" mark commits with the scores it is about; the task
            # itself is sent once they have committed (transaction.on_commit).
            enqueue_recompute(edition.pk)
    return report


def _write(
    *,
    edition: Edition,
    planned: list[_Planned],
    stored: dict[int, Assessment],
    criteria: dict[str, Criterion],
    user: User,
    reason: str,
) -> SaveReport:
    """Write only what changed. New and changed rows are written in bulk, with their history rows in bulk too
    (simple_history's bulk helpers: same user, reason and old/new values as one save() each, a few statements
    instead of two per score); removals, which are rare, go one by one."""
    created = updated = unchanged = scores_changed = deleted = 0
    changed_units: list[int] = []
    new_assessments: list[Assessment] = []
    changed_assessments: list[Assessment] = []
    new_scores: list[tuple[Assessment, Criterion, Decimal | None, bool]] = []
    changed_scores: list[Score] = []
    history_user = user if user.is_authenticated else None
    now = timezone.now()
    for plan in planned:
        pid = plan.row.unit_id
        existing = stored.get(pid)
        empty = (
            plan.index is None
            and plan.rank is None
            and all(v is None for v in plan.points.values())
            and not any(plan.not_applicable.values())
        )
        if empty:
            if existing is None:
                unchanged += 1
                continue
            for removed_score in existing.scores.all():
                _set_history(removed_score, user, reason)
                removed_score.delete()
                scores_changed += 1
            _set_history(existing, user, reason)
            existing.delete()
            deleted += 1
            updated += 1
            changed_units.append(pid)
            continue
        current = {s.criterion.code: s for s in existing.scores.all()} if existing else {}
        score_changes = [
            code
            for code, value in plan.points.items()
            if ((current[code].points, current[code].not_applicable) if code in current else (None, False))
            != (value, plan.not_applicable[code])
        ]
        fields_changed = existing is None or (existing.published_index, existing.published_rank) != (
            plan.index,
            plan.rank,
        )
        if not score_changes and not fields_changed:
            unchanged += 1
            continue
        if existing is None:
            assessment = Assessment(
                edition=edition,
                unit_id=pid,
                published_index=plan.index,
                published_rank=plan.rank,
                version=1,
                source_url="",
                note="",
                updated_at=now,
            )
            new_assessments.append(assessment)
            created += 1
        else:
            assessment = existing
            assessment.published_index = plan.index
            assessment.published_rank = plan.rank
            assessment.version += 1
            assessment.updated_at = now
            changed_assessments.append(assessment)
            updated += 1
        changed_units.append(pid)
        for code in score_changes:
            value = plan.points[code]
            mark = plan.not_applicable[code]
            score = current.get(code)
            if value is None and not mark:
                assert score is not None
                _set_history(score, user, reason)
                score.delete()
            elif score is None:
                new_scores.append((assessment, criteria[code], value, mark))
            else:
                score.points = value
                score.not_applicable = mark
                changed_scores.append(score)
            scores_changed += 1
    bulk = {
        "default_user": history_user,
        "default_change_reason": history_reason(reason),
        "default_date": now,
    }
    if new_assessments:
        bulk_create_with_history(new_assessments, Assessment, batch_size=1000, **bulk)
    if changed_assessments:
        bulk_update_with_history(
            changed_assessments,
            Assessment,
            ["published_index", "published_rank", "version", "updated_at"],
            batch_size=1000,
            **bulk,
        )
    if new_scores:
        bulk_create_with_history(
            [Score(assessment=a, criterion=c, points=p, not_applicable=na) for a, c, p, na in new_scores],
            Score,
            batch_size=2000,
            **bulk,
        )
    if changed_scores:
        bulk_update_with_history(changed_scores, Score, ["points", "not_applicable"], batch_size=2000, **bulk)
    return SaveReport(
        created=created,
        updated=updated,
        unchanged=unchanged,
        scores_changed=scores_changed,
        deleted=deleted,
        changed_units=tuple(changed_units),
    )


# --- Editions: create, publish, reopen -------------------------------------------------------------------


def par_index() -> Index:
    """The national PAR INDEX of provinces (the index of the grid, import and pages when none is named)."""
    return Index.objects.get(code=PAR_INDEX)


def edition_create(
    *,
    year: int,
    kind: str,
    methodology: Methodology | None,
    user: User,
    note: str = "",
    index: Index | None = None,
) -> Edition:
    """A new draft edition of `index` (the PAR INDEX when None). Approvers and admins only; the criteria set
    must be of that index and cover the year; one per index, year and kind. Raises PermissionDenied or
    EntryError."""
    if not permissions.can_publish(user):
        raise PermissionDenied(_("Chỉ người phê duyệt hoặc quản trị viên được tạo kỳ đánh giá."))
    errors: list[CellError] = []
    if kind not in (EditionKind.OFFICIAL, EditionKind.SELF):
        errors.append(CellError(None, "kind", _("Loại kỳ đánh giá phải là chính thức hoặc tự đánh giá.")))
    too_long = _too_long("note", _("Ghi chú"), note)
    if too_long:
        errors.append(too_long)
    index = index if index is not None else par_index()
    if methodology is not None and methodology.index_id != index.pk:
        errors.append(
            CellError(
                None,
                "methodology",
                _("Bộ tiêu chí %(code)s thuộc chỉ số khác, không phải %(index)s.")
                % {"code": methodology.code, "index": index},
            )
        )
    elif methodology is not None and not methodology.covers(year):
        errors.append(
            CellError(
                None,
                "methodology",
                _("Bộ tiêu chí %(code)s không áp dụng cho năm %(year)s.")
                % {"code": methodology.code, "year": year},
            )
        )
    if Edition.objects.filter(index=index, year=year, kind=kind).exists():
        errors.append(
            CellError(
                None,
                "year",
                _("%(index)s đã có kỳ đánh giá năm %(year)s loại này.") % {"index": index, "year": year},
            )
        )
    if errors:
        raise EntryError(errors)
    with transaction.atomic():
        edition = Edition(
            index=index, year=year, kind=kind, methodology=methodology, status=EditionStatus.DRAFT, note=note
        )
        _set_history(edition, user, _("Tạo bản nháp"))
        edition.save()
        EditionEvent.objects.create(edition=edition, kind=EditionEventKind.CREATED, user=_user_or_none(user))
    return edition


def _user_or_none(user: User) -> AuthUser | None:
    return user if user.is_authenticated else None


def _status_changed(edition: Edition) -> None:
    """Published or reopened: the public pages change at once, the results once recomputed (after commit)."""
    public_pages_invalidate()
    enqueue_recompute(edition.pk)


def edition_publish(*, edition: Edition, user: User) -> Edition:
    """Draft → published (approvers and admins). The edition is locked for entry until reopened."""
    if not permissions.can_publish(user):
        raise PermissionDenied(_("Chỉ người phê duyệt được công bố kỳ đánh giá."))
    with transaction.atomic():
        edition = Edition.objects.select_for_update().get(pk=edition.pk)
        if edition.status == EditionStatus.PUBLISHED:
            raise EntryError(
                [CellError(None, "edition", _("%(edition)s đã được công bố.") % {"edition": edition})]
            )
        edition.status = EditionStatus.PUBLISHED
        edition.published_at = timezone.now()
        _set_history(edition, user, _("Công bố"))
        edition.save()
        EditionEvent.objects.create(
            edition=edition, kind=EditionEventKind.PUBLISHED, user=_user_or_none(user)
        )
        _status_changed(edition)
    return edition


def edition_reopen(*, edition: Edition, user: User, reason: str) -> Edition:
    """Published → draft, with a reason that the history keeps (approvers and admins)."""
    if not permissions.can_publish(user):
        raise PermissionDenied(_("Chỉ người phê duyệt được mở lại kỳ đánh giá."))
    reason = (reason or "").strip()
    if not reason:
        raise EntryError([CellError(None, "reason", _("Cần nêu lý do mở lại."))])
    too_long = _too_long("reason", _("Lý do mở lại"), reason)
    if too_long:
        raise EntryError([too_long])
    with transaction.atomic():
        edition = Edition.objects.select_for_update().get(pk=edition.pk)
        if edition.status != EditionStatus.PUBLISHED:
            raise EntryError(
                [
                    CellError(
                        None,
                        "edition",
                        _("%(edition)s đang là bản nháp, không cần mở lại.") % {"edition": edition},
                    )
                ]
            )
        edition.status = EditionStatus.DRAFT
        edition.published_at = None
        _set_history(edition, user, _("Mở lại: %(reason)s") % {"reason": reason})
        edition.save()
        EditionEvent.objects.create(
            edition=edition, kind=EditionEventKind.REOPENED, user=_user_or_none(user), reason=reason
        )
        _status_changed(edition)
    return edition


# --- Editor assignments -----------------------------------------------------------------------------------


def editor_assign(*, user: AuthUser, edition: Edition, unit: Unit | None = None) -> None:
    """Give `user` the editor role for `edition` (one unit, or all when None). Idempotent."""
    group, _created = Group.objects.get_or_create(name=permissions.EDITOR)
    user.groups.add(group)
    EditorAssignment.objects.get_or_create(user=user, edition=edition, unit=unit)
