"""The writers of entered data: scores (the year grid and the spreadsheet import), publishing and reopening.

Every write checks permissions (parindex.register.permissions), validates against the methodology of the edition's
year, is atomic, keeps its history (django-simple-history: who, when, old and new value) and, once committed,
queues a recompute of the edition's results (scoring.tasks.enqueue_recompute).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from parindex.register import permissions
from parindex.register.models import (
    Assessment,
    Domain,
    DomainScore,
    Edition,
    EditionEvent,
    EditionEventKind,
    EditionKind,
    EditionStatus,
    EditorAssignment,
    Methodology,
    Province,
)
from scoring.calculation import round_half_up
from scoring.services import public_pages_invalidate
from scoring.tasks import enqueue_recompute

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import User as AuthUser

    User = AuthUser | AnonymousUser  # what request.user is

Mode = Literal["points", "percent"]
HUNDRED = Decimal(100)
ZERO = Decimal(0)


@dataclass(frozen=True)
class RowInput:
    """One unit's row as typed or imported. Numbers are already parsed (parindex.register.numbers)."""

    province_id: int
    published_index: Decimal | None
    published_rank: int | None
    # domain number -> points (or % of the domain maximum in percent mode); None = empty cell. Only the domains
    # given are touched: a domain left out keeps its stored value.
    points: Mapping[int, Decimal | None]
    # The Assessment.version the editor saw; 0 = the unit had no assessment; None = no check (an import that
    # checked itself).
    expected_version: int | None = None


@dataclass(frozen=True)
class CellError:
    """A message for one cell. field: "d1".."d8", "published_index", "published_rank", "row", "edition",
    "reason"; province_id None for errors about the whole save."""

    province_id: int | None
    field: str
    message: str


class EntryError(Exception):
    """Nothing was written; `errors` say why, each for its cell."""

    def __init__(self, errors: list[CellError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


class StaleEditError(EntryError):
    """Someone saved these provinces since the editor loaded them; nothing was written."""

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
    changed_provinces: tuple[int, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def domains_of(edition: Edition) -> dict[int, Domain]:
    """The edition's domains by number (empty when the edition has no methodology)."""
    if edition.methodology_id is None:
        return {}
    return {d.number: d for d in Domain.objects.filter(methodology_id=edition.methodology_id)}


def percent_of_max(points: Decimal, maximum: Decimal) -> Decimal:
    """Points as % of the domain maximum, two decimals half up (the unit the grid's % toggle shows)."""
    return round_half_up(points * HUNDRED / maximum)


def points_from_percent(percent: Decimal, maximum: Decimal) -> Decimal:
    return round_half_up(percent * maximum / HUNDRED)


def _set_history(instance: object, user: User, reason: str) -> None:
    if user.is_authenticated:
        instance._history_user = user  # type: ignore[attr-defined]
    if reason:
        instance._change_reason = reason  # type: ignore[attr-defined]


@dataclass
class _Planned:
    """What one row will become once validated: final index, rank and points per domain number."""

    row: RowInput
    index: Decimal | None
    rank: int | None
    points: dict[int, Decimal | None]


def _fmt(value: Decimal) -> str:
    return f"{value:f}".replace(".", ",")


def _plan(
    *,
    edition: Edition,
    rows: Sequence[RowInput],
    mode: Mode,
    stored: dict[int, Assessment],
    domains: dict[int, Domain],
    provinces: dict[int, Province],
) -> tuple[list[_Planned], list[CellError]]:
    errors: list[CellError] = []
    planned: list[_Planned] = []
    seen: set[int] = set()
    for row in rows:
        pid = row.province_id
        province = provinces.get(pid)
        if pid in seen:
            errors.append(CellError(pid, "row", _("Đơn vị này xuất hiện hai lần.")))
            continue
        seen.add(pid)
        if province is None:
            errors.append(
                CellError(pid, "row", _("Không tìm thấy tỉnh, thành phố có mã số %(id)s.") % {"id": pid})
            )
            continue
        if not province.is_valid_in(edition.year):
            errors.append(
                CellError(
                    pid,
                    "row",
                    _("%(name)s không phải là đơn vị hành chính cấp tỉnh trong năm %(year)s.")
                    % {"name": province.name, "year": edition.year},
                )
            )
            continue
        existing = stored.get(pid)
        current = {s.domain.number: s.points for s in existing.scores.all()} if existing else {}
        final: dict[int, Decimal | None] = {n: current.get(n) for n in domains}
        errors_before = len(errors)
        for number, value in row.points.items():
            cell = f"d{number}"
            domain = domains.get(number)
            if domain is None:
                if value is not None:
                    message = (
                        _("Kỳ đánh giá chưa có bộ tiêu chí: chỉ nhập được chỉ số và thứ hạng công bố.")
                        if not domains
                        else _("Lĩnh vực %(n)s không có trong bộ tiêu chí.") % {"n": number}
                    )
                    errors.append(CellError(pid, cell, message))
                continue
            if value is None:
                final[number] = None
                continue
            maximum = domain.max_points
            if maximum is None:
                errors.append(
                    CellError(
                        pid,
                        cell,
                        _("Lĩnh vực %(n)s (%(name)s) chưa có điểm tối đa: quản trị viên cần nhập trước.")
                        % {"n": number, "name": domain.name_vi},
                    )
                )
                continue
            if not value.is_finite():
                errors.append(CellError(pid, cell, _("Giá trị phải là một số hữu hạn.")))
                continue
            if mode == "percent":
                if value < ZERO or value > HUNDRED:
                    errors.append(
                        CellError(
                            pid,
                            cell,
                            _("Lĩnh vực %(n)s: %(value)s%% phải từ 0 đến 100%% điểm tối đa.")
                            % {"n": number, "value": _fmt(value)},
                        )
                    )
                    continue
                old = current.get(number)
                # Re-saving the percentages shown for stored points keeps those points (no rounding drift).
                if old is not None and percent_of_max(old, maximum) == value:
                    points = old
                else:
                    points = points_from_percent(value, maximum)
            else:
                points = value
            if points < ZERO:
                errors.append(CellError(pid, cell, _("Lĩnh vực %(n)s: điểm không được âm.") % {"n": number}))
                continue
            if points > maximum:
                errors.append(
                    CellError(
                        pid,
                        cell,
                        _("Lĩnh vực %(n)s: điểm %(value)s vượt quá điểm tối đa %(max)s.")
                        % {"n": number, "value": _fmt(points), "max": _fmt(maximum)},
                    )
                )
                continue
            if points != round_half_up(points):
                errors.append(
                    CellError(
                        pid, cell, _("Lĩnh vực %(n)s: điểm có tối đa hai chữ số thập phân.") % {"n": number}
                    )
                )
                continue
            final[number] = points
        index = row.published_index
        if index is not None and (not index.is_finite() or index < ZERO or index > HUNDRED):
            errors.append(CellError(pid, "published_index", _("Chỉ số công bố phải từ 0 đến 100.")))
        elif index is not None and index != round_half_up(index):
            errors.append(
                CellError(pid, "published_index", _("Chỉ số công bố có tối đa hai chữ số thập phân."))
            )
        rank = row.published_rank
        if rank is not None and rank < 1:
            errors.append(CellError(pid, "published_rank", _("Thứ hạng phải là số nguyên từ 1 trở lên.")))
        # A cell already refused is not reported again as missing.
        invalid = {int(e.field[1:]) for e in errors[errors_before:] if e.field.startswith("d")}
        filled = [n for n, v in final.items() if v is not None or n in invalid]
        missing = sorted(n for n, v in final.items() if v is None and n not in invalid)
        # A unit may be known by its published rank alone (press releases often give nothing more): such a row
        # is stored, and scoring shows it with that rank and no index.
        if filled and missing and index is None:
            errors.append(
                CellError(
                    pid,
                    "row",
                    _(
                        "%(name)s: thiếu điểm lĩnh vực %(domains)s. Nhập đủ 8 lĩnh vực, hoặc nhập chỉ số công bố."
                    )
                    % {"name": province.name, "domains": ", ".join(str(n) for n in missing)},
                )
            )
        planned.append(_Planned(row=row, index=index, rank=rank, points=final))
    return planned, errors


def _load_stored(edition: Edition, province_ids: Sequence[int], *, lock: bool) -> dict[int, Assessment]:
    queryset = Assessment.objects.filter(edition=edition, province_id__in=province_ids)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return {
        a.province_id: a
        for a in queryset.prefetch_related("scores__domain").order_by("pk")  # lock order: by primary key
    }


def _check_access(*, edition: Edition, rows: Sequence[RowInput], user: User) -> None:
    if not permissions.can_edit(user, edition):
        raise PermissionDenied(_("Bạn không được phân công nhập liệu cho kỳ đánh giá này."))
    allowed = permissions.editable_provinces(user, edition)
    if allowed is not None and any(r.province_id not in allowed for r in rows):
        raise PermissionDenied(_("Bạn không được phân công nhập liệu cho tỉnh, thành phố này."))


def scores_check(
    *, edition: Edition, rows: Sequence[RowInput], user: User, mode: Mode = "points"
) -> list[CellError]:
    """Every error `scores_save` would raise for these rows (except a stale version), writing nothing.

    For previews (the import's dry run) and for the grid, to show all errors when some cells did not parse.
    """
    _check_access(edition=edition, rows=rows, user=user)
    errors = _edition_errors(edition)
    ids = [r.province_id for r in rows]
    stored = _load_stored(edition, ids, lock=False)
    _planned, row_errors = _plan(
        edition=edition,
        rows=rows,
        mode=mode,
        stored=stored,
        domains=domains_of(edition),
        provinces=Province.objects.in_bulk(ids),
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

    Raises PermissionDenied (user may not write this edition or one of the provinces), EntryError with every
    error when any cell is invalid or the edition is published, StaleEditError when a row's stored version moved
    past `expected_version`. Writes only what changed: re-saving the same values writes nothing and adds no
    history. A row left entirely empty removes the unit's assessment. Points are in points or, in "percent"
    mode, in % of the domain maximum (converted to points, two decimals half up).
    """
    _check_access(edition=edition, rows=rows, user=user)
    ids = [r.province_id for r in rows]
    with transaction.atomic():
        # Lock the edition: saves of one edition run one after another, and a publish cannot slip between the
        # status check and the write.
        edition = Edition.objects.select_for_update().get(pk=edition.pk)
        edition_errors = _edition_errors(edition)
        if edition_errors:
            raise EntryError(edition_errors)
        stored = _load_stored(edition, ids, lock=True)
        domains = domains_of(edition)
        provinces = Province.objects.in_bulk(ids)
        planned, errors = _plan(
            edition=edition, rows=rows, mode=mode, stored=stored, domains=domains, provinces=provinces
        )
        if errors:
            raise EntryError(errors)
        stale = [
            p.row.province_id
            for p in planned
            if p.row.expected_version is not None
            and (stored[p.row.province_id].version if p.row.province_id in stored else 0)
            != p.row.expected_version
        ]
        if stale:
            names = ", ".join(provinces[pid].name for pid in stale)
            raise StaleEditError(
                [
                    CellError(
                        pid,
                        "row",
                        _("%(name)s đã được người khác lưu sau khi bạn mở bảng.")
                        % {"name": provinces[pid].name},
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
        report = _write(
            edition=edition, planned=planned, stored=stored, domains=domains, user=user, reason=reason
        )
    if report.changed:
        enqueue_recompute(edition.pk)
    return report


def _write(
    *,
    edition: Edition,
    planned: list[_Planned],
    stored: dict[int, Assessment],
    domains: dict[int, Domain],
    user: User,
    reason: str,
) -> SaveReport:
    """Write only what changed. New and changed rows are written in bulk, with their history rows in bulk too
    (simple_history's bulk helpers: same user, reason and old/new values as one save() each, a few statements
    instead of two per score); removals, which are rare, go one by one."""
    created = updated = unchanged = scores_changed = deleted = 0
    changed_provinces: list[int] = []
    new_assessments: list[Assessment] = []
    changed_assessments: list[Assessment] = []
    new_scores: list[tuple[Assessment, Domain, Decimal]] = []
    changed_scores: list[DomainScore] = []
    history_user = user if user.is_authenticated else None
    now = timezone.now()
    for plan in planned:
        pid = plan.row.province_id
        existing = stored.get(pid)
        empty = plan.index is None and plan.rank is None and all(v is None for v in plan.points.values())
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
            changed_provinces.append(pid)
            continue
        current = {s.domain.number: s for s in existing.scores.all()} if existing else {}
        score_changes = [
            n for n, value in plan.points.items() if (current[n].points if n in current else None) != value
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
                province_id=pid,
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
        changed_provinces.append(pid)
        for number in score_changes:
            value = plan.points[number]
            score = current.get(number)
            if value is None:
                assert score is not None
                _set_history(score, user, reason)
                score.delete()
            elif score is None:
                new_scores.append((assessment, domains[number], value))
            else:
                score.points = value
                changed_scores.append(score)
            scores_changed += 1
    bulk = {"default_user": history_user, "default_change_reason": reason or None, "default_date": now}
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
            [DomainScore(assessment=a, domain=d, points=p) for a, d, p in new_scores],
            DomainScore,
            batch_size=2000,
            **bulk,
        )
    if changed_scores:
        bulk_update_with_history(changed_scores, DomainScore, ["points"], batch_size=2000, **bulk)
    return SaveReport(
        created=created,
        updated=updated,
        unchanged=unchanged,
        scores_changed=scores_changed,
        deleted=deleted,
        changed_provinces=tuple(changed_provinces),
    )


# --- Editions: create, publish, reopen -------------------------------------------------------------------


def edition_create(
    *, year: int, kind: str, methodology: Methodology | None, user: User, note: str = ""
) -> Edition:
    """A new draft edition. Approvers and admins only; the methodology must cover the year; one per year and
    kind. Raises PermissionDenied or EntryError."""
    if not permissions.can_publish(user):
        raise PermissionDenied(_("Chỉ người phê duyệt hoặc quản trị viên được tạo kỳ đánh giá."))
    errors: list[CellError] = []
    if kind not in (EditionKind.OFFICIAL, EditionKind.SELF):
        errors.append(CellError(None, "kind", _("Loại kỳ đánh giá phải là chính thức hoặc tự đánh giá.")))
    if methodology is not None and not methodology.covers(year):
        errors.append(
            CellError(
                None,
                "methodology",
                _("Bộ tiêu chí %(code)s không áp dụng cho năm %(year)s.")
                % {"code": methodology.code, "year": year},
            )
        )
    if Edition.objects.filter(year=year, kind=kind).exists():
        errors.append(CellError(None, "year", _("Đã có kỳ đánh giá năm %(year)s loại này.") % {"year": year}))
    if errors:
        raise EntryError(errors)
    with transaction.atomic():
        edition = Edition(
            year=year, kind=kind, methodology=methodology, status=EditionStatus.DRAFT, note=note
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


def editor_assign(*, user: AuthUser, edition: Edition, province: Province | None = None) -> None:
    """Give `user` the editor role for `edition` (one province, or all when None). Idempotent."""
    group, _created = Group.objects.get_or_create(name=permissions.EDITOR)
    user.groups.add(group)
    EditorAssignment.objects.get_or_create(user=user, edition=edition, province=province)
