"""The writers of an edition's setup (issue 8: "from nothing to published without opening the Django admin"):
its criteria set, the years a criteria set applies to, the maxima a set still lacks, and who enters its scores.

Each checks the role and the object, runs in one transaction and refuses with ``EntryError`` (every message in
words, naming the criterion, the unit or the user) or ``PermissionDenied``, writing nothing:

- ``edition_methodology_set``: choose or change an edition's criteria set (approvers and admins);
- ``methodology_year_add``: add a year to a criteria set (approvers and admins);
- ``criteria_maxima_set``: a criteria set's maxima with their status and source (admins);
- ``editor_assignment_add`` / ``editor_assignment_remove``: who enters an edition, and which units
  (approvers and admins).

Their checks are readable on their own, for pages that say what a write would do before it is made:
``methodology_misfit``, ``methodology_year_plan``, ``criteria_maxima_check``.

Audit: a change of an edition's criteria set is in the edition's history (django-simple-history, with the user
and the reason) and so is every score it removes. Criteria sets, criteria and editor assignments have no history
tables: their changes are logged (logger ``parindex.entry.setup_services``: who, what, old → new). A full audit
trail of reference data (history tables and a page to read them) is future work; it needs a migration of the
register.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from parindex.entry.services import CellError, EntryError, database_refusal_message
from parindex.register import permissions, rules
from parindex.register.models import (
    FIRST_YEAR,
    LAST_YEAR,
    Assessment,
    Criterion,
    Edition,
    EditionStatus,
    EditorAssignment,
    MaxPointsStatus,
    Methodology,
    Score,
    Unit,
    tree_message,
)
from parindex.register.numbers import format_number
from parindex.register.selectors import criteria_of, unit_misfit
from scoring.services import public_pages_invalidate
from scoring.tasks import enqueue_recompute

logger = logging.getLogger(__name__)

UserLike = permissions.UserLike
HUNDRED = Decimal(100)
ZERO = Decimal(0)
URL_MAX_LENGTH = 500  # Criterion.source_url


def _refusal(field: str, message: str) -> EntryError:
    return EntryError([CellError(None, field, message)])


def _set_history(instance: object, user: UserLike, reason: str) -> None:
    """Who and why, for the history record django-simple-history writes on the next save or delete."""
    if user.is_authenticated:
        instance._history_user = user  # type: ignore[attr-defined]
    if reason:
        instance._change_reason = reason  # type: ignore[attr-defined]


def person(user: User) -> str:
    """How a user is named to others: "Nguyễn Văn An (an.nv)", or the user name alone."""
    full = user.get_full_name().strip()
    return f"{full} ({user.get_username()})" if full else user.get_username()


# --- The criteria set of an edition -----------------------------------------------------------------------


def scored_units(edition: Edition, methodology_id: int | None) -> int:
    """How many units of `edition` have scores (points or a not-applicable mark) on criteria of the set."""
    if methodology_id is None:
        return 0
    return (
        Assessment.objects.filter(edition=edition, scores__criterion__methodology_id=methodology_id)
        .distinct()
        .count()
    )


def years_of(methodology: Methodology) -> str:
    if methodology.year_from is None or methodology.year_until is None:
        return _("chưa có năm áp dụng")
    if methodology.year_from == methodology.year_until:
        return str(methodology.year_from)
    return f"{methodology.year_from}–{methodology.year_until}"


def methodology_misfit(edition: Edition, methodology: Methodology | None) -> list[CellError]:
    """Why `edition` cannot take `methodology` now (None: no criteria set), or []: the edition is published
    (reopen it first), the set belongs to another index, or it does not cover the edition's year (add the year
    to the set first). The database trigger parindex_edition_methodology_fits checks the last two again."""
    errors: list[CellError] = []
    if edition.status == EditionStatus.PUBLISHED:
        errors.append(
            CellError(
                None,
                "edition",
                _(
                    "%(edition)s đã công bố: cần người phê duyệt mở lại (có nêu lý do) trước khi đổi bộ tiêu chí."
                )
                % {"edition": edition},
            )
        )
    if methodology is None:
        return errors
    if methodology.index_id != edition.index_id:
        errors.append(
            CellError(
                None,
                "methodology",
                _("Bộ tiêu chí %(code)s thuộc chỉ số khác, không phải %(index)s.")
                % {"code": methodology.code, "index": edition.index},
            )
        )
    elif not methodology.covers(edition.year):
        errors.append(
            CellError(
                None,
                "methodology",
                _(
                    "Bộ tiêu chí %(code)s không áp dụng cho năm %(year)s (áp dụng: %(years)s). "
                    "Nếu kỳ %(year)s dùng bộ tiêu chí này, hãy thêm năm %(year)s vào bộ tiêu chí trước."
                )
                % {"code": methodology.code, "year": edition.year, "years": years_of(methodology)},
            )
        )
    return errors


@dataclass(frozen=True)
class MethodologyChange:
    """What `edition_methodology_set` did: `changed` False when the set was already the one asked for."""

    edition: Edition
    old: Methodology | None
    new: Methodology | None
    units_cleared: int  # units whose scores on the old set were removed
    units_removed: int  # of those, units left with nothing (no published index or rank): their result removed
    changed: bool


def _scores_clear(assessments: Sequence[Assessment], methodology_id: int, user: UserLike, reason: str) -> int:
    """Remove the scores of these assessments on the criteria of set `methodology_id`, one by one so that
    each removal is in the history with the user and the reason; bump each assessment's version (a grid opened
    before sees the change), and remove an assessment left with nothing, as the grid does with an empty row.
    Returns how many assessments were removed."""
    removed = 0
    for assessment in assessments:
        for score in assessment.scores.all():
            if score.criterion.methodology_id != methodology_id:
                continue
            _set_history(score, user, reason)
            score.delete()
        left = Score.objects.filter(assessment=assessment).exists()
        _set_history(assessment, user, reason)
        if assessment.published_index is None and assessment.published_rank is None and not left:
            assessment.delete()
            removed += 1
        else:
            assessment.version += 1
            assessment.save(update_fields=["version", "updated_at"])
    return removed


def edition_methodology_set(
    *,
    edition: Edition,
    methodology: Methodology | None,
    user: UserLike,
    confirmed_units: int | None = None,
    reason: str = "",
) -> MethodologyChange:
    """Choose or change the criteria set of `edition` (None: no set, published index and rank only).

    Approvers and admins (PermissionDenied otherwise). Refused with EntryError when the edition is published
    (reopen it first), the set belongs to another index, or the set does not cover the edition's year (the
    page then offers to add the year to the set: ``methodology_year_add``).

    Scores entered on the old set: a score belongs to a criterion of the set it was entered on; under another
    set it means nothing (other criteria, other maxima), and carrying it over by number would silently re-score
    units. So changing the set removes the scores entered on the old one, and only when the approver has seen
    how many units lose them and confirmed that number (`confirmed_units`). A missing confirmation, or one of
    another number (someone saved scores in between), is refused with the current number. Refusing outright
    instead would send the approver to blank every row of the grid first: the same removal, with less of a
    record. Published indices and ranks stay; a unit left with nothing loses its result, as an empty row in the
    grid does. Each removal is in the history with the user and the reason, and so is the change of the set.

    Returns what was done; choosing the set the edition already has writes nothing. The results are recomputed
    after the commit. The database trigger parindex_edition_methodology_fits is the last guard: its refusal
    becomes an EntryError too.
    """
    if not permissions.can_publish(user):
        raise PermissionDenied(
            _("Chỉ người phê duyệt hoặc quản trị viên được chọn bộ tiêu chí của kỳ đánh giá.")
        )
    with transaction.atomic():
        edition = (
            Edition.objects.select_for_update(of=("self",)).select_related("methodology").get(pk=edition.pk)
        )
        errors = methodology_misfit(edition, methodology)
        if errors:
            raise EntryError(errors)
        old = edition.methodology if edition.methodology_id else None
        if (old.pk if old else None) == (methodology.pk if methodology else None):
            return MethodologyChange(edition, old, methodology, 0, 0, changed=False)
        affected: list[Assessment] = []
        if old is not None:
            scored = Score.objects.filter(assessment__edition=edition, criterion__methodology_id=old.pk)
            affected = list(
                Assessment.objects.select_for_update(of=("self",))
                .filter(pk__in=scored.values("assessment_id"))
                .order_by("pk")  # lock order: by primary key, as scores_save
                .prefetch_related("scores__criterion")
            )
        if affected and confirmed_units != len(affected):
            raise _refusal(
                "confirmed_units",
                _(
                    "%(count)s đơn vị đã có điểm theo bộ tiêu chí %(code)s. Đổi bộ tiêu chí sẽ xóa các điểm đó "
                    "(chỉ số và thứ hạng công bố vẫn giữ): hãy đánh dấu xác nhận xóa điểm của %(count)s đơn vị."
                )
                % {"count": len(affected), "code": old.code if old else ""},
            )
        change = _("Đổi bộ tiêu chí: %(old)s → %(new)s") % {
            "old": old.code if old else "—",
            "new": methodology.code if methodology else "—",
        }
        history_reason = f"{change}. {reason.strip()}" if reason.strip() else change
        try:
            with transaction.atomic():
                removed = _scores_clear(affected, old.pk, user, history_reason) if old and affected else 0
                edition.methodology = methodology
                _set_history(edition, user, history_reason)
                edition.save(update_fields=["methodology"])
        except IntegrityError as error:
            logger.error("edition_methodology_set refused by the database for %s: %s", edition, error)
            raise _refusal("methodology", database_refusal_message(error)) from error
        enqueue_recompute(edition.pk)
    logger.info(
        "%s set the criteria set of edition %s (%s): %s -> %s; scores of %s units removed",
        user,
        edition.pk,
        edition,
        old.code if old else None,
        methodology.code if methodology else None,
        len(affected),
    )
    return MethodologyChange(edition, old, methodology, len(affected), removed, changed=True)


# --- The years of a criteria set --------------------------------------------------------------------------


@dataclass(frozen=True)
class YearPlan:
    """What adding `year` to a criteria set does: its years become `year_from`–`year_until`; `added` are the
    years it newly covers (more than `year` alone when the set's years are a range with a gap to `year`);
    `editions` are the index's editions of those years, which could then use it; `overlapping` are the index's
    other sets that already cover one of those years."""

    methodology: Methodology
    year: int
    year_from: int
    year_until: int
    added: tuple[int, ...]
    editions: tuple[Edition, ...]
    overlapping: tuple[Methodology, ...]

    @property
    def years(self) -> str:
        return (
            str(self.year_from)
            if self.year_from == self.year_until
            else f"{self.year_from}–{self.year_until}"
        )


def year_problem(year: object) -> str:
    """Why `year` is not a year an edition can have (a whole number from 2012, the first PAR INDEX, to 2100)."""
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        return _("Năm phải là số nguyên từ %(first)s đến %(last)s.") % {
            "first": FIRST_YEAR,
            "last": LAST_YEAR,
        }
    return ""


def methodology_year_plan(*, methodology: Methodology, year: int) -> YearPlan:
    """What adding `year` to `methodology` would change (reads only); EntryError when the year is not valid or
    the set already covers it."""
    problem = year_problem(year)
    if problem:
        raise _refusal("year", problem)
    if methodology.covers(year):
        raise _refusal(
            "year",
            _("Bộ tiêu chí %(code)s đã áp dụng cho năm %(year)s (%(years)s).")
            % {"code": methodology.code, "year": year, "years": years_of(methodology)},
        )
    if methodology.year_from is None or methodology.year_until is None:
        first, last = year, year
    else:
        first, last = min(methodology.year_from, year), max(methodology.year_until, year)
    added = tuple(
        y for y in range(first, last + 1) if methodology.year_from is None or not methodology.covers(y)
    )
    editions = tuple(
        Edition.objects.filter(index_id=methodology.index_id, year__in=added)
        .select_related("methodology")
        .order_by("year", "kind")
    )
    overlapping = tuple(
        Methodology.objects.filter(index_id=methodology.index_id, year_from__lte=last, year_until__gte=first)
        .exclude(pk=methodology.pk)
        .order_by("year_from", "code")
    )
    return YearPlan(methodology, year, first, last, added, editions, overlapping)


def methodology_year_add(*, methodology: Methodology, year: int, user: UserLike) -> YearPlan:
    """Add `year` to the years of `methodology` (approvers and admins): a set without years gets that one
    year; otherwise its range extends to it (so a gap between the range and `year` is covered too, as the plan
    says). Widening a range never makes an edition that uses the set invalid. Logged, not versioned (see the
    module's docstring). Returns the plan that was applied."""
    if not permissions.can_publish(user):
        raise PermissionDenied(
            _("Chỉ người phê duyệt hoặc quản trị viên được thêm năm áp dụng của bộ tiêu chí.")
        )
    with transaction.atomic():
        methodology = Methodology.objects.select_for_update().get(pk=methodology.pk)
        before = years_of(methodology)
        plan = methodology_year_plan(methodology=methodology, year=year)
        methodology.year_from, methodology.year_until = plan.year_from, plan.year_until
        methodology.save(update_fields=["year_from", "year_until"])
    logger.info(
        "%s added year %s to criteria set %s (%s): %s -> %s",
        user,
        year,
        methodology.pk,
        methodology.code,
        before,
        plan.years,
    )
    return plan


# --- Maxima of a criteria set -----------------------------------------------------------------------------

MAXIMUM_PARTS = ("max_points", "status", "source_url")


def maximum_field(part: str, code: str) -> str:
    """The name of one input of the maxima page, and the field of its errors: "max_points-2", "status-2.1"."""
    return f"{part}-{code}"


@dataclass(frozen=True)
class MaximumInput:
    """A criterion's maximum as typed: points (None: unknown), status (MaxPointsStatus) and source URL."""

    max_points: Decimal | None
    status: str
    source_url: str = ""


@dataclass(frozen=True)
class MaximaReport:
    changed: tuple[str, ...]  # labels of the criteria changed ("Lĩnh vực 1")
    recomputed: tuple[Edition, ...]  # editions whose results are recomputed (a maximum changed)
    rescored_units: int  # units with points on a changed maximum (draft editions), whose index changes


def _input_of(criterion: Criterion) -> MaximumInput:
    return MaximumInput(criterion.max_points, criterion.max_points_status, criterion.source_url)


def _same(stored: MaximumInput, given: MaximumInput) -> bool:
    return (stored.max_points, stored.status, stored.source_url.strip()) == (
        given.max_points,
        given.status,
        given.source_url.strip(),
    )


def _row_problems(criterion: Criterion, given: MaximumInput) -> list[CellError]:
    """One criterion's maximum, status and source, as typed."""
    label = criterion.label
    errors: list[CellError] = []
    maximum = given.max_points
    max_field = maximum_field("max_points", criterion.code)
    if maximum is not None:
        if not maximum.is_finite() or maximum <= ZERO or maximum > HUNDRED:
            errors.append(
                CellError(
                    None,
                    max_field,
                    _("%(criterion)s: điểm tối đa phải lớn hơn 0 và không quá 100.") % {"criterion": label},
                )
            )
        elif rules.points_problem(maximum, HUNDRED) is rules.PointsProblem.TOO_MANY_DECIMALS:
            errors.append(
                CellError(
                    None,
                    max_field,
                    _("%(criterion)s: điểm tối đa có tối đa hai chữ số thập phân.") % {"criterion": label},
                )
            )
    status_field = maximum_field("status", criterion.code)
    if given.status not in MaxPointsStatus.values:
        errors.append(
            CellError(None, status_field, _("%(criterion)s: trạng thái không hợp lệ.") % {"criterion": label})
        )
    elif given.status == MaxPointsStatus.UNKNOWN and maximum is not None:
        errors.append(
            CellError(
                None,
                status_field,
                _(
                    "%(criterion)s: đã nhập điểm tối đa thì trạng thái không thể là “%(unknown)s”: chọn "
                    "“%(published)s” (kèm nguồn) hoặc “%(provisional)s”."
                )
                % {
                    "criterion": label,
                    "unknown": MaxPointsStatus.UNKNOWN.label,
                    "published": MaxPointsStatus.PUBLISHED.label,
                    "provisional": MaxPointsStatus.PROVISIONAL.label,
                },
            )
        )
    elif given.status != MaxPointsStatus.UNKNOWN and maximum is None:
        errors.append(
            CellError(
                None,
                max_field,
                _(
                    "%(criterion)s: trạng thái “%(status)s” cần có điểm tối đa; chưa biết thì chọn “%(unknown)s”."
                )
                % {
                    "criterion": label,
                    "status": MaxPointsStatus(given.status).label,
                    "unknown": MaxPointsStatus.UNKNOWN.label,
                },
            )
        )
    source = given.source_url.strip()
    source_field = maximum_field("source_url", criterion.code)
    if source:
        try:
            if len(source) > URL_MAX_LENGTH:
                raise ValidationError("too long")
            URLValidator(schemes=["http", "https"])(source)
        except ValidationError:
            errors.append(
                CellError(
                    None,
                    source_field,
                    _(
                        "%(criterion)s: nguồn phải là một đường dẫn http:// hoặc https:// hợp lệ, "
                        "không quá %(length)s ký tự."
                    )
                    % {"criterion": label, "length": URL_MAX_LENGTH},
                )
            )
    elif given.status == MaxPointsStatus.PUBLISHED:
        errors.append(
            CellError(
                None,
                source_field,
                _(
                    "%(criterion)s: điểm tối đa “%(published)s” cần có nguồn (đường dẫn đến văn bản hoặc "
                    "bài viết công bố con số này)."
                )
                % {"criterion": label, "published": MaxPointsStatus.PUBLISHED.label},
            )
        )
    return errors


@dataclass(frozen=True)
class _Use:
    """Applicable points entered on one criterion in one edition."""

    edition: Edition
    units: int
    top: Decimal


def _uses(criterion_ids: Sequence[int]) -> dict[int, list[_Use]]:
    """Per criterion, the editions with points on it: how many units, the highest points (one query)."""
    rows = (
        Score.objects.filter(criterion_id__in=criterion_ids, not_applicable=False)
        .values("criterion_id", "assessment__edition_id")
        .annotate(units=Count("assessment", distinct=True), top=Max("points"))
        .order_by()
    )
    found = list(rows)
    editions = Edition.objects.in_bulk({row["assessment__edition_id"] for row in found})
    uses: dict[int, list[_Use]] = {}
    for row in found:
        edition = editions[row["assessment__edition_id"]]
        uses.setdefault(row["criterion_id"], []).append(_Use(edition, row["units"], row["top"]))
    for listed in uses.values():
        listed.sort(key=lambda use: (-use.edition.year, use.edition.kind))
    return uses


def _score_problems(criterion: Criterion, given: MaximumInput, uses: list[_Use]) -> list[CellError]:
    """A changed maximum against the points already entered on the criterion."""
    label = criterion.label
    field = maximum_field("max_points", criterion.code)
    errors: list[CellError] = []
    for use in uses:
        params = {"criterion": label, "count": use.units, "edition": use.edition}
        if use.edition.status == EditionStatus.PUBLISHED:
            errors.append(
                CellError(
                    None,
                    field,
                    _(
                        "%(criterion)s: điểm của %(count)s đơn vị trong %(edition)s (đã công bố) được tính theo "
                        "điểm tối đa này: cần mở lại kỳ đó trước khi đổi."
                    )
                    % params,
                )
            )
        elif given.max_points is None:
            errors.append(
                CellError(
                    None,
                    field,
                    _(
                        "%(criterion)s: %(count)s đơn vị trong %(edition)s đã có điểm: không để trống điểm tối đa "
                        "được (xóa các điểm đó trước)."
                    )
                    % params,
                )
            )
        elif use.top > given.max_points:
            errors.append(
                CellError(
                    None,
                    field,
                    _(
                        "%(criterion)s: trong %(edition)s đã có điểm %(top)s, cao hơn điểm tối đa mới %(max)s: "
                        "không hạ điểm tối đa xuống dưới điểm đã nhập (sửa các điểm đó trước)."
                    )
                    % {**params, "top": format_number(use.top), "max": format_number(given.max_points)},
                )
            )
    return errors


def _changes(
    criteria: Sequence[Criterion], values: Mapping[str, MaximumInput]
) -> tuple[dict[str, MaximumInput], list[CellError]]:
    by_code = {c.code: c for c in criteria}
    errors = [
        CellError(None, "methodology", _("Tiêu chí %(code)s không có trong bộ tiêu chí.") % {"code": code})
        for code in values
        if code not in by_code
    ]
    changed = {
        code: given
        for code, given in values.items()
        if code in by_code and not _same(_input_of(by_code[code]), given)
    }
    return changed, errors


def criteria_maxima_check(
    *,
    methodology: Methodology,
    values: Mapping[str, MaximumInput],
    criteria: Sequence[Criterion] | None = None,
) -> list[CellError]:
    """Every reason `criteria_maxima_set` would refuse these values, writing nothing.

    Only criteria whose maximum, status or source changed are judged one by one (the published maxima of QĐ
    2948 have no source URL in our fixtures; an admin who enters the maxima of another set is not stopped by
    them). The whole set, as it would be, is checked with ``rules.tree_problems`` against the index maximum. A
    changed maximum is also checked against the points already entered on the criterion: not below them, not
    emptied under them, and not at all while an edition with such points is published (reopen it first)."""
    listed = list(criteria) if criteria is not None else criteria_of(methodology.pk)
    changed, errors = _changes(listed, values)
    by_code = {c.code: c for c in listed}
    for code, given in changed.items():
        errors.extend(_row_problems(by_code[code], given))
    # A maximum refused above counts as stored in the check of the tree, so that one typo is one message.
    refused = {e.field for e in errors}
    code_of = {c.pk: c.code for c in listed}
    nodes = [
        rules.Node(
            c.code,
            code_of.get(c.parent_id) if c.parent_id else None,
            changed[c.code].max_points
            if c.code in changed and maximum_field("max_points", c.code) not in refused
            else c.max_points,
        )
        for c in listed
    ]
    index = methodology.index
    errors.extend(
        CellError(None, "methodology", tree_message(issue, index=index))
        for issue in rules.tree_problems(nodes, index.max_value)
    )
    moved = [by_code[code] for code, given in changed.items() if given.max_points != by_code[code].max_points]
    if moved:
        uses = _uses([c.pk for c in moved])
        for criterion in moved:
            errors.extend(_score_problems(criterion, changed[criterion.code], uses.get(criterion.pk, [])))
    return errors


def criteria_maxima_set(
    *, methodology: Methodology, values: Mapping[str, MaximumInput], user: UserLike
) -> MaximaReport:
    """Set the maxima, their status and source of criteria of `methodology` (by criterion code; codes left out
    keep theirs). Admins only (PermissionDenied otherwise). Everything or nothing: EntryError with every
    reason from ``criteria_maxima_check``.

    The editions that use the set are locked first, so that no score is saved against the old maximum while
    the new one is checked against the stored points (``scores_save`` locks its edition too). When a maximum
    changes, every edition using the set is recomputed after the commit. Each change is logged with the user,
    the old and the new value: criteria have no history table yet (future work, see the module docstring).
    """
    if not permissions.is_admin(user):
        raise PermissionDenied(_("Chỉ quản trị viên được nhập điểm tối đa của bộ tiêu chí."))
    with transaction.atomic():
        editions = list(
            Edition.objects.select_for_update(of=("self",)).filter(methodology=methodology).order_by("pk")
        )
        criteria = sorted(
            Criterion.objects.select_for_update().filter(methodology=methodology),
            key=lambda c: tuple(int(part) for part in c.code.split(".")),
        )
        errors = criteria_maxima_check(methodology=methodology, values=values, criteria=criteria)
        if errors:
            raise EntryError(errors)
        changed, _errors = _changes(criteria, values)
        by_code = {c.code: c for c in criteria}
        moved = [code for code, given in changed.items() if given.max_points != by_code[code].max_points]
        rescored = (
            Assessment.objects.filter(
                edition__in=editions,
                scores__criterion__in=[by_code[code] for code in moved],
                scores__not_applicable=False,
            )
            .distinct()
            .count()
            if moved
            else 0
        )
        for code, given in changed.items():
            criterion = by_code[code]
            before = _input_of(criterion)
            criterion.max_points = given.max_points
            criterion.max_points_status = given.status
            criterion.source_url = given.source_url.strip()
            criterion.save(update_fields=["max_points", "max_points_status", "source_url"])
            logger.info(
                "%s changed the maximum of %s in criteria set %s (%s): %s %s %r -> %s %s %r",
                user,
                criterion.code,
                methodology.pk,
                methodology.code,
                before.max_points,
                before.status,
                before.source_url,
                given.max_points,
                given.status,
                criterion.source_url,
            )
        recomputed = tuple(editions) if moved else ()
        for edition in recomputed:
            enqueue_recompute(edition.pk)
        if any(edition.status == EditionStatus.PUBLISHED for edition in recomputed):
            public_pages_invalidate()
    return MaximaReport(
        changed=tuple(by_code[code].label for code in changed), recomputed=recomputed, rescored_units=rescored
    )


# --- Editor assignments -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentReport:
    assignment: EditorAssignment
    replaced: int  # assignments of single units that an assignment of every unit replaced
    role_added: bool  # the user was given the editor role


def editor_assignment_add(
    *, edition: Edition, editor: User, unit: Unit | None, user: UserLike
) -> AssignmentReport:
    """Let `editor` enter `edition`: one unit, or every unit (None). Approvers and admins only.

    The editor role (group "editor") is added when the user lacks it, as ``services.editor_assign`` does.
    Refused: an inactive account, an admin (who may enter everything already), a unit the edition does not
    measure, an assignment that exists (or a unit already covered by an assignment of every unit). An
    assignment of every unit replaces the user's assignments of single units in the edition. Logged (see the
    module's docstring)."""
    if not permissions.can_publish(user):
        raise PermissionDenied(_("Chỉ người phê duyệt hoặc quản trị viên được phân công nhập liệu."))
    name = person(editor)
    if not editor.is_active:
        raise _refusal("user", _("Tài khoản %(user)s đang bị khóa: không phân công được.") % {"user": name})
    if permissions.is_admin(editor):
        raise _refusal(
            "user",
            _("%(user)s là quản trị viên, đã nhập được mọi kỳ đánh giá: không cần phân công.")
            % {"user": name},
        )
    if unit is not None:
        misfit = unit_misfit(unit, edition.index, edition.year)
        if misfit:
            raise _refusal("unit", misfit)
    with transaction.atomic():
        edition = Edition.objects.select_for_update(of=("self",)).get(pk=edition.pk)
        existing = list(EditorAssignment.objects.filter(user=editor, edition=edition).select_related("unit"))
        if any(a.unit_id is None for a in existing):
            raise _refusal(
                "unit" if unit is not None else "user",
                _("%(user)s đã được phân công nhập mọi đơn vị của %(edition)s.")
                % {"user": name, "edition": edition},
            )
        if unit is not None and any(a.unit_id == unit.pk for a in existing):
            raise _refusal(
                "unit",
                _("%(user)s đã được phân công nhập %(unit)s trong %(edition)s.")
                % {"user": name, "unit": unit.name, "edition": edition},
            )
        replaced = 0
        if unit is None and existing:
            replaced, _deleted = EditorAssignment.objects.filter(pk__in=[a.pk for a in existing]).delete()
        group, _created = Group.objects.get_or_create(name=permissions.EDITOR)
        role_added = not editor.groups.filter(pk=group.pk).exists()
        if role_added:
            editor.groups.add(group)
        try:
            with transaction.atomic():
                assignment = EditorAssignment.objects.create(user=editor, edition=edition, unit=unit)
        except IntegrityError as error:
            raise _refusal("user", database_refusal_message(error)) from error
    logger.info(
        "%s assigned %s to edition %s (%s), %s; replaced %s; editor role added: %s",
        user,
        editor.get_username(),
        edition.pk,
        edition,
        unit.name if unit is not None else "every unit",
        replaced,
        role_added,
    )
    return AssignmentReport(assignment, replaced, role_added)


def editor_assignment_remove(*, assignment: EditorAssignment, user: UserLike) -> None:
    """Remove an assignment (approvers and admins). The user keeps the editor role and their other
    assignments; what they entered stays, with its history. Logged (see the module's docstring)."""
    if not permissions.can_publish(user):
        raise PermissionDenied(_("Chỉ người phê duyệt hoặc quản trị viên được phân công nhập liệu."))
    with transaction.atomic():
        described = (
            f"{assignment.user.get_username()} · {assignment.edition_id} · {assignment.unit_id or 'all'}"
        )
        assignment.delete()
    logger.info("%s removed the editor assignment %s", user, described)
