"""The rules of points against a criteria set, written once, in pure Python (no Django: the calculation engine
calls them too, and an import-linter contract keeps this module free of Django).

Every path that handles points calls these functions: the year grid and the spreadsheet import (through
``parindex.entry.services``), the admin (which writes through the same services), and the engine
(``scoring.calculation``). The PostgreSQL triggers (migration 0007) are the last guard behind them.

- ``points_problem``: one criterion's points against its maximum (and its "not applicable" mark);
- ``tree_problems``: a criteria set's maxima against each other and against the index maximum;
- ``roll_up``: a unit's points on the leaves of the tree, added up to the domains the engine ranks;
- ``round_half_up``: the one rounding (two decimals, half up).

Units: points and maxima are points as in the criteria set (100 points in all for the PAR INDEX).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from enum import StrEnum

ZERO = Decimal(0)
PLACES = 2  # points are published with two decimals ("5,09/6,5 điểm")
TWO_PLACES = Decimal("0.01")
# 28 significant digits, independent of whatever context the caller's thread has set.
_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])


def round_half_up(value: Decimal) -> Decimal:
    """Round to two decimals, halves away from zero: the one rounding place of the application (the engine,
    the grid's percent conversion and every number shown call it).

    Source: the Ministry publishes indices with two decimals ("90,10%"); the rounding mode is not stated, we
    use the schoolbook rule (84.125 → 84.13, 89.995 → 90.00). Float arithmetic would give 84.12 (binary
    half-even), which is why nothing here uses float.
    """
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP, context=_CONTEXT)


class PointsProblem(StrEnum):
    NOT_FINITE = "not_finite"
    NEGATIVE = "negative"
    UNKNOWN_MAXIMUM = "unknown_maximum"
    ABOVE_MAXIMUM = "above_maximum"
    TOO_MANY_DECIMALS = "too_many_decimals"
    NOT_APPLICABLE = "not_applicable"  # points given on a criterion marked not applicable to the unit


def points_problem(
    points: Decimal | None,
    maximum: Decimal | None,
    *,
    not_applicable: bool = False,
    places: int | None = PLACES,
) -> PointsProblem | None:
    """What is wrong with `points` on a criterion whose (applicable) maximum is `maximum`, or None.

    Empty points (None) are never wrong here: whether a criterion may stay empty is a question of completeness.
    A criterion marked not applicable takes no points at all (not even 0): its points and its maximum are both
    dropped. Otherwise points are finite, 0 ≤ points ≤ maximum, the maximum must be known (the QĐ 876 maxima
    are not all published), and at most `places` decimals (None: not checked, as for computed totals).
    """
    if points is None:
        return None
    if not_applicable:
        return PointsProblem.NOT_APPLICABLE
    if not points.is_finite():
        return PointsProblem.NOT_FINITE
    if points < ZERO:
        return PointsProblem.NEGATIVE
    if maximum is None:
        return PointsProblem.UNKNOWN_MAXIMUM
    if points > maximum:
        return PointsProblem.ABOVE_MAXIMUM
    if places is not None:
        exponent = points.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -places:
            return PointsProblem.TOO_MANY_DECIMALS
    return None


# --------------------------------------------------------------------------------------------- the tree


@dataclass(frozen=True, slots=True)
class Node:
    """A criterion of a criteria set: ``code`` is its path ("2", "2.1", "2.1.3"), ``parent`` its parent's code
    (None for a domain), ``max_points`` None while unknown."""

    code: str
    parent: str | None
    max_points: Decimal | None

    @property
    def domain(self) -> str:
        """The code of the domain the node belongs to (its first number)."""
        return self.code.split(".", 1)[0]


class TreeProblem(StrEnum):
    CHILDREN_ABOVE_PARENT = "children_above_parent"
    ABOVE_INDEX_MAXIMUM = "above_index_maximum"


@dataclass(frozen=True, slots=True)
class TreeIssue:
    code: TreeProblem
    node: str  # the parent's code, or "" for the index as a whole
    total: Decimal  # the sum of the known maxima below
    maximum: Decimal


def children_of(nodes: Iterable[Node]) -> dict[str | None, list[Node]]:
    children: dict[str | None, list[Node]] = defaultdict(list)
    for node in nodes:
        children[node.parent].append(node)
    return children


def tree_problems(nodes: Sequence[Node], index_max: Decimal | None) -> list[TreeIssue]:
    """Maxima that cannot hold together: the known maxima of a node's children above the node's maximum, or
    the domains' maxima above the index maximum (100 for the PAR INDEX). Unknown maxima count as 0, so a
    partly known set is checked as far as it is known."""
    issues: list[TreeIssue] = []
    by_code = {node.code: node for node in nodes}
    for parent, kids in children_of(nodes).items():
        total = sum((kid.max_points for kid in kids if kid.max_points is not None), ZERO)
        if parent is None:
            if index_max is not None and total > index_max:
                issues.append(TreeIssue(TreeProblem.ABOVE_INDEX_MAXIMUM, "", total, index_max))
            continue
        maximum = by_code[parent].max_points if parent in by_code else None
        if maximum is not None and total > maximum:
            issues.append(TreeIssue(TreeProblem.CHILDREN_ABOVE_PARENT, parent, total, maximum))
    return issues


def leaves(nodes: Iterable[Node]) -> list[Node]:
    """The criteria points are entered on: those without children, in the order given."""
    listed = list(nodes)
    parents = {node.parent for node in listed}
    return [node for node in listed if node.code not in parents]


def maximum_of(
    code: str, by_code: Mapping[str, Node], children: Mapping[str | None, list[Node]]
) -> Decimal | None:
    """A node's maximum: its own when known, else the sum of its children's when all are known, else None."""
    node = by_code[code]
    if node.max_points is not None:
        return node.max_points
    kids = children.get(code, [])
    if not kids:
        return None
    total = ZERO
    for kid in kids:
        kid_max = maximum_of(kid.code, by_code, children)
        if kid_max is None:
            return None
        total += kid_max
    return total


@dataclass(frozen=True, slots=True)
class Entry:
    """A unit's entry on a criterion: points (None = not entered), or marked not applicable."""

    code: str
    points: Decimal | None
    not_applicable: bool = False


@dataclass(frozen=True, slots=True)
class DomainTotal:
    """A domain's points for a unit, with the maximum of its not-applicable criteria (dropped from its
    maximum), ready for the engine's ``DomainPoints``. Only for domains whose every leaf is entered."""

    code: str
    points: Decimal
    maximum: Decimal | None
    not_applicable: Decimal


def roll_up(nodes: Sequence[Node], entries: Iterable[Entry]) -> list[DomainTotal]:
    """Add a unit's entries up to its domains.

    A domain is complete when each of its leaves is entered or lies under a criterion marked not applicable;
    incomplete domains are left out (the engine then asks for a published index, as for a missing domain).
    A criterion marked not applicable drops its whole maximum (its own, else its children's) from the domain;
    a domain marked not applicable has points 0 and all of its maximum not applicable. Points entered under a
    not-applicable criterion are a problem for ``points_problem``, not counted here.
    """
    by_code = {node.code: node for node in nodes}
    children = children_of(nodes)
    given = {entry.code: entry for entry in entries if entry.code in by_code}
    not_applicable = {code for code, entry in given.items() if entry.not_applicable}

    def covered(code: str) -> bool:
        """Is the node entered, or dropped as not applicable, wholly?"""
        if code in not_applicable:
            return True
        kids = children.get(code, [])
        if not kids:
            entry = given.get(code)
            return entry is not None and entry.points is not None
        return all(covered(kid.code) for kid in kids)

    def dropped(code: str) -> Decimal | None:
        """Maximum dropped as not applicable under (and including) the node; None when it is unknown."""
        if code in not_applicable:
            return maximum_of(code, by_code, children)
        total = ZERO
        for kid in children.get(code, []):
            part = dropped(kid.code)
            if part is None:
                return None
            total += part
        return total

    def points(code: str) -> Decimal:
        if code in not_applicable:
            return ZERO
        kids = children.get(code, [])
        if not kids:
            entry = given.get(code)
            return entry.points if entry is not None and entry.points is not None else ZERO
        return sum((points(kid.code) for kid in kids), ZERO)

    totals: list[DomainTotal] = []
    for domain in children.get(None, []):
        if not covered(domain.code):
            continue
        maximum = maximum_of(domain.code, by_code, children)
        na = dropped(domain.code)
        totals.append(
            DomainTotal(
                code=domain.code,
                points=points(domain.code),
                maximum=maximum,
                not_applicable=na if na is not None else (maximum or ZERO),
            )
        )
    return totals
