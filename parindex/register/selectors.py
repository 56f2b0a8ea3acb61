"""Reads of the register that every layer above shares: an edition's criteria (as a tree, its leaves, its
domains), the units an edition measures, and an edition's assessments with their scores. One function per read,
each in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from parindex.register import rules
from parindex.register.models import (
    Assessment,
    Criterion,
    Edition,
    Index,
    Score,
    Unit,
    UnitLevel,
    UnitQuerySet,
)


def _tree_order(criterion: Criterion) -> tuple[int, ...]:
    return tuple(int(part) for part in criterion.code.split("."))


def criteria_of(methodology_id: int | None) -> list[Criterion]:
    """Every criterion of a criteria set in tree order (1, 1.1, 1.1.1, 1.2, 2, …); one query."""
    if methodology_id is None:
        return []
    return sorted(Criterion.objects.filter(methodology_id=methodology_id), key=_tree_order)


def as_nodes(criteria: Iterable[Criterion]) -> list[rules.Node]:
    """The criteria as the pure rules see them (code, parent code, maximum)."""
    listed = list(criteria)
    code_of = {c.pk: c.code for c in listed}
    return [
        rules.Node(c.code, code_of.get(c.parent_id) if c.parent_id else None, c.max_points) for c in listed
    ]


def entry_criteria(edition: Edition) -> dict[str, Criterion]:
    """The criteria points are entered on (the leaves of the tree), by code, in tree order; for the national
    PAR INDEX the eight domains. Empty when the edition has no criteria set. One query."""
    criteria = criteria_of(edition.methodology_id)
    leaf_codes = {node.code for node in rules.leaves(as_nodes(criteria))}
    return {c.code: c for c in criteria if c.code in leaf_codes}


def domains_of(edition: Edition) -> dict[int, Criterion]:
    """The top level of the edition's criteria set (its domains) by number; empty without a criteria set."""
    if edition.methodology_id is None:
        return {}
    return {c.number: c for c in Criterion.objects.filter(methodology_id=edition.methodology_id).domains()}


def units_of(edition: Edition) -> UnitQuerySet:
    """The units the edition measures: of its index's level (and province, for a province's own index),
    existing in its year."""
    return Unit.objects.measured_by(edition.index).valid_in_year(edition.year)


def unit_misfit(unit: Unit, index: Index, year: int) -> str:
    """Why `unit` cannot have a result in an edition of `index` for `year` (another level, another province,
    not existing that year), or "". The message names the unit, in the interface language."""
    if unit.level != index.unit_level:
        return _("%(name)s là đơn vị %(level)s, chỉ số %(index)s đánh giá đơn vị %(index_level)s.") % {
            "name": unit.name,
            "level": unit.get_level_display().lower(),
            "index": index.short_name,
            "index_level": index.get_unit_level_display().lower(),
        }
    if index.owner_id is not None and unit.parent_id != index.owner_id:
        return _("%(name)s không thuộc %(owner)s, tỉnh tổ chức chỉ số %(index)s.") % {
            "name": unit.name,
            "owner": index.owner.name if index.owner else "",
            "index": index.short_name,
        }
    if not unit.is_valid_in(year):
        if unit.level == UnitLevel.PROVINCE:
            return _("%(name)s không phải là đơn vị hành chính cấp tỉnh trong năm %(year)s.") % {
                "name": unit.name,
                "year": year,
            }
        return _("%(name)s không tồn tại trong năm %(year)s.") % {"name": unit.name, "year": year}
    return ""


def assessments_with_scores(edition: Edition, unit_ids: Sequence[int] | None = None) -> QuerySet[Assessment]:
    """An edition's assessments (of some units, when given) with their units and their scores' criteria: the
    one read of "what is stored" for the grid, the import preview, the export and the admin. Three queries."""
    assessments = Assessment.objects.filter(edition=edition)
    if unit_ids is not None:
        assessments = assessments.filter(unit_id__in=unit_ids)
    return assessments.select_related("unit").prefetch_related(
        Prefetch("scores", queryset=Score.objects.select_related("criterion"))
    )
