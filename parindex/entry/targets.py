"""Targets: a leader sets a unit's goals on an index for a year ("top 20 by 2025", "group A by 2026",
"index ≥ 90 by 2027"), in the app. One row per (unit, index, year); setting it again replaces its goals.

Who may set a target (the one place that says so): admins, and users in the "leader" group. A leader's role
may be scoped to provinces with groups named ``leader:<unit slug>`` (``leader:quang-nam``): such a leader sets
targets only for those units, their departments and communes, on the national indices or on an index the
province itself runs. A leader without any such group is not scoped (a deployment for one province, or the
Ministry). Scoping by group name needs no new table; the admin creates the groups.

Every write is checked here (role and scope, the unit existing that year and measured by the index, a rank
within the number of units of that year, a group among A/B/C, an index within 0–100), atomic, and logged
with who did what: nothing is saved when anything is wrong, and every refusal is a message for the user.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from parindex.register import permissions
from parindex.register.models import FIRST_YEAR, LAST_YEAR, Index, Target, Unit
from parindex.register.numbers import format_number
from parindex.register.selectors import unit_misfit

if TYPE_CHECKING:
    from parindex.register.permissions import UserLike

logger = logging.getLogger(__name__)

SCOPE_PREFIX = "leader:"
GROUPS = ("A", "B", "C")
NON_FIELD = "__all__"


class TargetError(Exception):
    """Nothing was saved. `errors`: field name → messages (NON_FIELD for the whole target); `forbidden` when
    the user may not set this target at all (role or scope)."""

    def __init__(self, errors: dict[str, list[str]], *, forbidden: bool = False) -> None:
        super().__init__("; ".join(m for messages in errors.values() for m in messages))
        self.errors = errors
        self.forbidden = forbidden


@dataclass(frozen=True)
class Goals:
    """What a target asks for; at least one of the three. Index in percent, 0–100."""

    target_rank: int | None = None
    target_group: str = ""
    target_index: Decimal | None = None
    note: str = ""


def may_set_targets(user: UserLike) -> bool:
    """Admins and leaders (the role; the scope is checked per unit by ``scope_problem``)."""
    if not user.is_authenticated or not getattr(user, "is_active", False):
        return False
    return permissions.is_admin(user) or permissions.LEADER in _groups(user)


def _groups(user: UserLike) -> set[str]:
    cached: set[str] | None = getattr(user, "_parindex_all_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        user._parindex_all_groups = cached  # type: ignore[union-attr]
    return cached


def leader_scope(user: UserLike) -> set[str] | None:
    """The slugs of the provinces a leader is scoped to; None when not scoped (admins, unscoped leaders)."""
    if permissions.is_admin(user):
        return None
    slugs = {name.removeprefix(SCOPE_PREFIX) for name in _groups(user) if name.startswith(SCOPE_PREFIX)}
    return slugs or None


def scope_problem(user: UserLike, unit: Unit, index: Index) -> str:
    """Why `user` may not set a target of `unit` on `index` (role, a unit or an index of another province),
    or ""."""
    if not may_set_targets(user):
        return _("Chỉ lãnh đạo hoặc quản trị viên được đặt mục tiêu.")
    scope = leader_scope(user)
    if scope is None:
        return ""
    parent = unit.parent if unit.parent_id else None
    if unit.slug not in scope and (parent is None or parent.slug not in scope):
        return _(
            "Bạn chỉ được đặt mục tiêu cho đơn vị thuộc phạm vi của mình; %(unit)s không thuộc phạm vi đó."
        ) % {"unit": unit.name}
    owner = index.owner if index.owner_id else None
    if owner is not None and owner.slug not in scope:
        return _("Chỉ số %(index)s là chỉ số riêng của %(owner)s, ngoài phạm vi của bạn.") % {
            "index": index.short_name,
            "owner": owner.name,
        }
    return ""


def units_in_year(index: Index, year: int) -> int:
    """How many units `index` measures in `year` (63 provinces until 2024, 34 from 2025); one query."""
    return Unit.objects.measured_by(index).valid_in_year(year).count()


def target_problems(*, unit: Unit, index: Index, year: int, goals: Goals) -> dict[str, list[str]]:
    """Everything wrong with a target, by field; empty when it can be saved."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not FIRST_YEAR <= year <= LAST_YEAR:
        add("year", _("Năm phải từ %(first)s đến %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR})
        return errors
    misfit = unit_misfit(unit, index, year)
    if misfit:
        add(NON_FIELD, misfit)
        return errors
    if goals.target_rank is None and not goals.target_group and goals.target_index is None:
        add(NON_FIELD, _("Cần ít nhất một mục tiêu: thứ hạng, nhóm hoặc chỉ số."))
    if goals.target_rank is not None:
        count = units_in_year(index, year)
        if not 1 <= goals.target_rank <= count:
            add(
                "target_rank",
                _("Thứ hạng mục tiêu phải từ 1 đến %(count)s (năm %(year)s có %(count)s đơn vị).")
                % {"count": count, "year": year},
            )
    if goals.target_group and goals.target_group not in GROUPS:
        add("target_group", _("Nhóm mục tiêu phải là A, B hoặc C."))
    if goals.target_index is not None:
        value = goals.target_index
        if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
            add("target_index", _("Chỉ số mục tiêu phải từ 0 đến 100."))
        elif value != value.quantize(Decimal("0.01")):
            add("target_index", _("Chỉ số mục tiêu có tối đa hai chữ số thập phân."))
    if len(goals.note) > 300:
        add("note", _("Ghi chú tối đa 300 ký tự."))
    return errors


@transaction.atomic
def target_set(*, user: UserLike, unit: Unit, index: Index, year: int, goals: Goals) -> Target:
    """Create or replace the target of (`unit`, `index`, `year`). Raises TargetError, saving nothing, when the
    user may not (forbidden) or the target is wrong."""
    problem = scope_problem(user, unit, index)
    if problem:
        raise TargetError({NON_FIELD: [problem]}, forbidden=True)
    errors = target_problems(unit=unit, index=index, year=year, goals=goals)
    if errors:
        raise TargetError(errors)
    values = {
        "target_rank": goals.target_rank,
        "target_group": goals.target_group,
        "target_index": goals.target_index,
        "note": goals.note,
        "created_by": user if user.is_authenticated else None,
    }
    try:
        with transaction.atomic():  # a savepoint: a concurrent insert of the same target is a message
            target = Target.objects.select_for_update().filter(unit=unit, index=index, year=year).first()
            created = target is None
            if target is None:
                target = Target.objects.create(unit=unit, index=index, year=year, **values)
            else:
                for name, value in values.items():
                    setattr(target, name, value)
                target.save()
    except IntegrityError as error:
        logger.warning("target refused by the database for %s %s %s: %s", unit.slug, index.code, year, error)
        raise TargetError({NON_FIELD: [_("Mục tiêu vừa được người khác thay đổi; hãy thử lại.")]}) from error
    logger.info(
        "target %s by %s: unit=%s index=%s year=%s rank=%s group=%s index_value=%s",
        "created" if created else "updated",
        user.get_username(),
        unit.slug,
        index.code,
        year,
        goals.target_rank,
        goals.target_group or "-",
        format_number(goals.target_index, empty="-"),
    )
    return target


@transaction.atomic
def target_delete(*, user: UserLike, target: Target) -> None:
    """Delete a target. Raises TargetError (forbidden) when the user may not."""
    problem = scope_problem(user, target.unit, target.index)
    if problem:
        raise TargetError({NON_FIELD: [problem]}, forbidden=True)
    logger.info(
        "target deleted by %s: unit=%s index=%s year=%s",
        user.get_username(),
        target.unit.slug,
        target.index.code,
        target.year,
    )
    target.delete()
