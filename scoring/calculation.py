"""Pure calculation of a PAR INDEX edition: index, group, ranks, changes, averages and targets.

No Django here: frozen dataclasses in, frozen dataclasses out, ``Decimal`` throughout (never float). The
engine is unit-agnostic: a unit is anything with a key (a province, a department, a commune), so the same
code serves the national ranking and a province's own index of its departments.

Every rule is written once, in the docstring of the function that applies it:

- rounding ............ ``round_half_up``           (parindex.register.rules: two decimals, half up)
- index ............... ``_index``                  (QĐ 876/QĐ-BNV: points / applicable maximum × 100)
- groups .............. ``group_for``               (Ministry's announcements: A ≥ 90, B 80–<90, C 70–<80, D)
- ties ................ ``competition_ranks``       (published tie rule unknown: 1, 2, 2, 4 on rounded values)
- changes, mergers .... ``_changes``                (the 2025 reorganisation 63 → 34 units)
- validation .......... ``_validate``               (all problems reported together, nothing partial)
- targets ............. ``index_needed_for_rank``, ``gap_to_rank``, ``gap_to_group``

Units of measure: an index, a domain percent and an average are percentages 0–100 with two decimals;
points and maxima are points as in the criteria set (100 points in all for QĐ 876).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

from parindex.register.rules import TWO_PLACES, PointsProblem, points_problem, round_half_up

__all__ = [
    "GROUP_THRESHOLDS",
    "TWO_PLACES",
    "CalculationError",
    "ChangeBasis",
    "DomainPoints",
    "DomainResult",
    "DomainSpec",
    "EditionInput",
    "EditionResult",
    "Group",
    "IndexSource",
    "MergerRule",
    "PreviousResult",
    "Problem",
    "ProblemCode",
    "RegionSummary",
    "TargetGap",
    "UnitInput",
    "UnitResult",
    "competition_ranks",
    "compute_edition",
    "gap_to_group",
    "gap_to_rank",
    "group_for",
    "index_needed_for_rank",
    "round_half_up",
    "what_if",
]

HUNDRED = Decimal(100)
ZERO = Decimal(0)

# Arithmetic context for every calculation, independent of whatever context the caller's thread has set.
# 28 significant digits make every intermediate exact for indices and points with a few decimals, so the
# only rounding that matters is the explicit one in ``round_half_up``.
_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])


_divide = _CONTEXT.divide  # exact to 28 significant digits whatever the caller's context


def _mean(values: Sequence[Decimal]) -> Decimal:
    return _divide(sum(values, ZERO), Decimal(len(values)))


# --------------------------------------------------------------------------------------------- groups


class Group(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


GROUP_THRESHOLDS: Mapping[Group, Decimal] = MappingProxyType(
    {Group.A: Decimal(90), Group.B: Decimal(80), Group.C: Decimal(70), Group.D: Decimal(0)}
)


def group_for(index: Decimal) -> Group:
    """Group of an index (percent, 0–100): A ≥ 90, B 80 to under 90, C 70 to under 80, D under 70.

    Source: the Ministry of Home Affairs' announcements of PAR INDEX results (2023: 7 in group A; 2024: 13 in
    A, 50 in B). The group is read on the rounded index, as published: 89.995 rounds to 90.00, group A.
    """
    rounded = round_half_up(index)
    for group in (Group.A, Group.B, Group.C):
        if rounded >= GROUP_THRESHOLDS[group]:
            return group
    return Group.D


# --------------------------------------------------------------------------------------------- ranking


def competition_ranks(values: Sequence[Decimal]) -> list[int]:
    """Rank of each value by input position, higher is better, standard competition ranking.

    Source: the published rule for ties is unknown; we use standard competition ranking ("1, 2, 2, 4") on
    the rounded value and say so on the methodology page. A value's rank is 1 + the number of values strictly
    greater: [90, 85, 85, 80] → [1, 2, 2, 4]. Sorts once (O(n log n)). Values must be finite.
    """
    order = sorted(range(len(values)), key=values.__getitem__, reverse=True)
    ranks = [0] * len(values)
    current_rank = 0
    current_value: Decimal | None = None
    for position, i in enumerate(order, start=1):
        if current_value is None or values[i] != current_value:
            current_rank = position
            current_value = values[i]
        ranks[i] = current_rank
    return ranks


# --------------------------------------------------------------------------------------------- inputs


class IndexSource(StrEnum):
    COMPUTED = "computed"  # from domain points
    PUBLISHED = "published"  # the published index as given (rounded)


class MergerRule(StrEnum):
    NONE = "none"
    PREDECESSORS_MEAN = "predecessors_mean"


class ChangeBasis(StrEnum):
    SAME_UNIT = "same_unit"  # compared with itself (or its single predecessor)
    # merged unit: mean of predecessors, re-ranked among current units
    PREDECESSORS_MEAN = "predecessors_mean"
    NONE = "none"  # merged unit under rule NONE: no change shown
    NEW_UNIT = "new_unit"  # no previous value at all


@dataclass(frozen=True, slots=True)
class DomainSpec:
    """A domain (lĩnh vực) of the edition's criteria set; ``max_points`` None while the maximum is unknown."""

    number: int
    max_points: Decimal | None


@dataclass(frozen=True, slots=True)
class DomainPoints:
    """A unit's points in one domain.

    ``not_applicable``: maximum points of the criteria not applicable to this unit in this domain; they are
    dropped from the maximum (0 ≤ not_applicable ≤ the domain maximum).
    """

    number: int
    points: Decimal
    not_applicable: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class UnitInput:
    """One unit of the edition; ``key`` is any stable id. ``published_index`` in percent, 0–100."""

    key: str
    region: str | None = None
    domains: tuple[DomainPoints, ...] = ()
    published_index: Decimal | None = None
    published_rank: int | None = None


@dataclass(frozen=True, slots=True)
class PreviousResult:
    """Last year's result of a unit (keys of last year's units); index in percent, 0–100."""

    key: str
    index: Decimal
    rank: int


@dataclass(frozen=True, slots=True)
class EditionInput:
    """Everything one edition's results depend on.

    ``predecessors``: current key → last year's keys; a key absent from it means ``(key,)``, an explicit empty
    tuple means a brand-new unit. ``complete``: every unit expected this year is present, which is what makes
    a comparison with the published rank meaningful.
    """

    domains: tuple[DomainSpec, ...]
    units: tuple[UnitInput, ...]
    previous: tuple[PreviousResult, ...] = ()
    predecessors: tuple[tuple[str, tuple[str, ...]], ...] = ()
    merger_rule: MergerRule = MergerRule.NONE
    complete: bool = False


# --------------------------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class DomainResult:
    """A unit's result in one domain.

    ``max_points`` is the applicable maximum; ``percent`` = round_half_up(points / max_points × 100);
    ``rank`` among the units having this domain, competition ranking on ``percent``.
    """

    number: int
    points: Decimal
    max_points: Decimal
    percent: Decimal
    rank: int


@dataclass(frozen=True, slots=True)
class UnitResult:
    """A unit's result. ``points``/``max_points`` are totals when computed, None when the index is published.

    ``rank_change`` positive = moved up; ``index_change`` in percentage points; both None when there is no
    comparable previous value (see ``change_basis``).
    """

    key: str
    region: str | None
    index: Decimal
    index_source: IndexSource
    points: Decimal | None
    max_points: Decimal | None
    rank: int
    region_rank: int | None
    group: Group
    rank_change: int | None
    index_change: Decimal | None
    change_basis: ChangeBasis
    rank_mismatch: bool
    domains: tuple[DomainResult, ...]


@dataclass(frozen=True, slots=True)
class RegionSummary:
    """Rounded mean index of a region's units, percent 0–100."""

    region: str
    average: Decimal
    count: int


@dataclass(frozen=True, slots=True)
class EditionResult:
    """An edition's results: units ordered by rank then key, regions ordered by name."""

    units: tuple[UnitResult, ...]
    national_average: Decimal | None
    regions: tuple[RegionSummary, ...]
    above_average: int
    moved_up: int
    moved_down: int
    unchanged: int
    _by_key: Mapping[str, UnitResult] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", MappingProxyType({u.key: u for u in self.units}))

    def unit(self, key: str) -> UnitResult:
        """The result of the unit ``key``; KeyError if the edition has no such unit."""
        return self._by_key[key]


# --------------------------------------------------------------------------------------------- problems


class ProblemCode(StrEnum):
    UNKNOWN_MAXIMUM = "unknown_maximum"
    ABOVE_MAXIMUM = "above_maximum"
    NEGATIVE = "negative"
    UNKNOWN_DOMAIN = "unknown_domain"
    MISSING_DOMAINS = "missing_domains"
    NO_DATA = "no_data"
    DUPLICATE_UNIT = "duplicate_unit"
    DUPLICATE_DOMAIN = "duplicate_domain"
    BAD_NOT_APPLICABLE = "bad_not_applicable"
    INDEX_OUT_OF_RANGE = "index_out_of_range"
    NOT_FINITE = "not_finite"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input. ``unit`` is "" for a problem of the edition's own domain list."""

    code: ProblemCode
    unit: str
    domain: int | None = None
    detail: str = ""

    def __str__(self) -> str:
        where = f"unit {self.unit!r}" if self.unit else "edition"
        if self.domain is not None:
            where += f", domain {self.domain}"
        return f"{where}: {self.detail or self.code.value} [{self.code.value}]"


class CalculationError(ValueError):
    """Raised once with every problem of the input; ``problems`` lists them in input order."""

    problems: tuple[Problem, ...]

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"- {problem}" for problem in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the edition data:\n{lines}")


# --------------------------------------------------------------------------------------------- engine


# Internal records are NamedTuples, not dataclasses: tens of thousands are made per edition and tuples are
# cheaper to create and to garbage-collect.
class _Part(NamedTuple):
    number: int
    points: Decimal
    max_points: Decimal  # applicable maximum, > 0
    percent: Decimal


class _Prepared(NamedTuple):
    unit: UnitInput
    unit_index: Decimal
    source: IndexSource
    points: Decimal | None
    max_points: Decimal | None
    parts: tuple[_Part, ...]


@dataclass(frozen=True, slots=True)
class _Change:
    rank_change: int | None
    index_change: Decimal | None
    basis: ChangeBasis


def _validate(edition: EditionInput) -> list[_Prepared]:
    """Check the whole edition and prepare each unit; raise one CalculationError listing every problem.

    Problems: an edition domain defined twice or with a negative maximum; duplicate unit keys (also in
    ``previous`` and ``predecessors``); a domain number not in the edition (UNKNOWN_DOMAIN); a domain twice in
    a unit; points < 0 (NEGATIVE); not_applicable < 0 or > the domain maximum (BAD_NOT_APPLICABLE); points
    for a domain whose maximum is unknown (UNKNOWN_MAXIMUM: the QĐ 876 maxima are not in our sources yet);
    points > applicable maximum (ABOVE_MAXIMUM); no domains and no published index, or every domain with an
    applicable maximum of 0 and no published index (NO_DATA); some but not all domains and no published index
    (MISSING_DOMAINS); a published or previous index outside 0–100 (INDEX_OUT_OF_RANGE); NaN or infinity
    anywhere (NOT_FINITE).
    """
    problems: list[Problem] = []
    maxima: dict[int, Decimal | None] = {}
    # edition domains whose own definition is wrong (reported once, at edition level)
    unusable: set[int] = set()
    for spec in edition.domains:
        if spec.number in maxima:
            problems.append(
                Problem(
                    ProblemCode.DUPLICATE_DOMAIN, "", spec.number, "the edition defines this domain twice"
                )
            )
            continue
        maxima[spec.number] = spec.max_points
        if spec.max_points is not None and not spec.max_points.is_finite():
            problems.append(
                Problem(ProblemCode.NOT_FINITE, "", spec.number, "the domain maximum is not a number")
            )
            unusable.add(spec.number)
        elif spec.max_points is not None and spec.max_points < 0:
            problems.append(
                Problem(ProblemCode.UNKNOWN_MAXIMUM, "", spec.number, f"domain maximum {spec.max_points} < 0")
            )
            unusable.add(spec.number)

    prepared: list[_Prepared] = []
    seen_units: set[str] = set()
    for unit in edition.units:
        if unit.key in seen_units:
            problems.append(Problem(ProblemCode.DUPLICATE_UNIT, unit.key, None, "the unit appears twice"))
            continue
        seen_units.add(unit.key)
        unit_problems, item = _validate_unit(unit, maxima, unusable)
        problems.extend(unit_problems)
        if item is not None:
            prepared.append(item)

    seen_previous: set[str] = set()
    for previous in edition.previous:
        if previous.key in seen_previous:
            problems.append(
                Problem(
                    ProblemCode.DUPLICATE_UNIT, previous.key, None, "last year's results list the unit twice"
                )
            )
        seen_previous.add(previous.key)
        if not previous.index.is_finite():
            problems.append(
                Problem(ProblemCode.NOT_FINITE, previous.key, None, "last year's index is not a number")
            )
        elif not ZERO <= previous.index <= HUNDRED:
            problems.append(
                Problem(
                    ProblemCode.INDEX_OUT_OF_RANGE,
                    previous.key,
                    None,
                    f"last year's index {previous.index} is outside 0–100",
                )
            )
    seen_successors: set[str] = set()
    for key, _ in edition.predecessors:
        if key in seen_successors:
            problems.append(
                Problem(ProblemCode.DUPLICATE_UNIT, key, None, "the predecessors map lists the unit twice")
            )
        seen_successors.add(key)

    if problems:
        raise CalculationError(problems)
    return prepared


def _validate_unit(
    unit: UnitInput, maxima: Mapping[int, Decimal | None], unusable: set[int]
) -> tuple[list[Problem], _Prepared | None]:
    problems: list[Problem] = []
    key = unit.key
    seen: set[int] = set()
    parts: list[_Part] = []
    total_points = total_max = ZERO
    checked = 0  # domains that passed every check
    for given in unit.domains:
        number = given.number
        points = given.points
        not_applicable = given.not_applicable
        if number in seen:
            problems.append(Problem(ProblemCode.DUPLICATE_DOMAIN, key, number, "the domain is given twice"))
            continue
        seen.add(number)
        # The points rule is parindex.register.rules.points_problem, the one every entry path calls too:
        # first without a maximum (finite, not negative), then against the applicable maximum.
        early = points_problem(points, None, places=None)
        if early is PointsProblem.NOT_FINITE or not not_applicable.is_finite():
            problems.append(Problem(ProblemCode.NOT_FINITE, key, number, "points are not a number"))
            continue
        if early is PointsProblem.NEGATIVE:
            problems.append(Problem(ProblemCode.NEGATIVE, key, number, f"points {points} < 0"))
        if number not in maxima:
            problems.append(
                Problem(ProblemCode.UNKNOWN_DOMAIN, key, number, "the edition has no domain with this number")
            )
            continue
        maximum = maxima[number]
        if number in unusable:
            continue
        if maximum is None:
            problems.append(
                Problem(
                    ProblemCode.UNKNOWN_MAXIMUM,
                    key,
                    number,
                    "the domain maximum is unknown: enter the methodology's maxima first",
                )
            )
            continue
        if not ZERO <= not_applicable <= maximum:
            problems.append(
                Problem(
                    ProblemCode.BAD_NOT_APPLICABLE,
                    key,
                    number,
                    f"not-applicable points {not_applicable} outside 0–{maximum}",
                )
            )
            continue
        applicable = maximum - not_applicable if not_applicable else maximum
        if points_problem(points, applicable, places=None) is PointsProblem.ABOVE_MAXIMUM:
            problems.append(
                Problem(
                    ProblemCode.ABOVE_MAXIMUM,
                    key,
                    number,
                    f"points {points} above the applicable maximum {applicable}",
                )
            )
        checked += 1
        if applicable:  # a wholly not-applicable domain has no percent and no domain rank
            parts.append(
                _Part(number, points, applicable, round_half_up(_divide(points * HUNDRED, applicable)))
            )
        total_points += points
        total_max += applicable

    published = unit.published_index
    if published is not None:
        if not published.is_finite():
            problems.append(Problem(ProblemCode.NOT_FINITE, key, None, "the published index is not a number"))
        elif not ZERO <= published <= HUNDRED:
            problems.append(
                Problem(
                    ProblemCode.INDEX_OUT_OF_RANGE, key, None, f"published index {published} is outside 0–100"
                )
            )

    present = seen & maxima.keys()
    missing = sorted(maxima.keys() - seen)
    if not unit.domains:
        if published is None:
            problems.append(
                Problem(ProblemCode.NO_DATA, key, None, "no domain points and no published index")
            )
    elif missing and published is None:
        problems.append(
            Problem(
                ProblemCode.MISSING_DOMAINS,
                key,
                None,
                f"missing domains {', '.join(map(str, missing))} and no published index",
            )
        )
    elif not missing and published is None and checked == len(present) and total_max == ZERO:
        problems.append(
            Problem(ProblemCode.NO_DATA, key, None, "every criterion is not applicable (maximum 0)")
        )

    if problems:
        return problems, None
    # Numbers are unique within the unit, so sorting the tuples orders by domain number.
    parts.sort()
    if missing or total_max == ZERO:  # published index, guaranteed present by the checks above
        assert published is not None
        return [], _Prepared(unit, round_half_up(published), IndexSource.PUBLISHED, None, None, tuple(parts))
    return [], _Prepared(
        unit, _index(total_points, total_max), IndexSource.COMPUTED, total_points, total_max, tuple(parts)
    )


def _index(total_points: Decimal, total_applicable_max: Decimal) -> Decimal:
    """Index of a unit having every domain of the edition, percent 0–100, two decimals.

    Source: PAR INDEX methodology, QĐ 876/QĐ-BNV: index = points / applicable maximum × 100, where a
    criterion not applicable to the unit is dropped from the maximum (``DomainPoints.not_applicable``):
    round_half_up(Σ points × 100 / Σ applicable maxima), source COMPUTED, even when a published index is also
    given (that one is only checked through the published rank). A unit without every domain (none, or some
    with a published index) or whose applicable maximum is 0 takes the published index as given, rounded,
    source PUBLISHED.
    """
    return round_half_up(_divide(total_points * HUNDRED, total_applicable_max))


def _changes(
    edition: EditionInput, indices: Mapping[str, Decimal], ranks: Mapping[str, int]
) -> dict[str, _Change]:
    """Rank and index change of each current unit against last year.

    ``predecessors`` maps a current key to last year's keys (absent key: itself).
    - One predecessor, present last year: compared with it, basis SAME_UNIT (rank_change = previous rank −
      rank, positive = moved up; index_change = index − previous index).
    - No predecessor present last year: no change, basis NEW_UNIT.
    - Several predecessors (a merged unit, as in the 2025 reorganisation of 63 provinces into 34 units), at
      least one present last year:
      - rule NONE: no change shown, basis NONE; single-predecessor units keep their stored previous rank.
      - rule PREDECESSORS_MEAN (the approach of the DTI for 2024): the previous index is round_half_up(mean of
        the predecessors' indices present last year), and the previous rank is the competition rank of that
        value in a *virtual previous ranking of the current units* (each current unit's previous value is its
        single predecessor's index or its predecessors' mean; units without one are left out), basis
        PREDECESSORS_MEAN. Whenever some unit uses the mean, single-predecessor units also take their previous
        rank from that virtual ranking (basis SAME_UNIT), so that all current units compare on one scale:
        a rank among 63 and a rank among 34 are not comparable. With no merged unit the stored ranks are used.
    """
    previous = {result.key: result for result in edition.previous}
    predecessor_map = dict(edition.predecessors)
    values: dict[str, Decimal] = {}
    stored_rank: dict[str, int] = {}
    basis: dict[str, ChangeBasis] = {}
    for key in indices:
        keys = tuple(dict.fromkeys(predecessor_map.get(key, (key,))))
        present = [previous[k] for k in keys if k in previous]
        if not present:
            basis[key] = ChangeBasis.NEW_UNIT
        elif len(keys) == 1:
            basis[key] = ChangeBasis.SAME_UNIT
            values[key] = round_half_up(present[0].index)
            stored_rank[key] = present[0].rank
        elif edition.merger_rule is MergerRule.NONE:
            basis[key] = ChangeBasis.NONE
        else:
            basis[key] = ChangeBasis.PREDECESSORS_MEAN
            values[key] = round_half_up(_mean([result.index for result in present]))

    previous_rank: Mapping[str, int] = stored_rank
    if ChangeBasis.PREDECESSORS_MEAN in basis.values():
        keys_with_value = list(values)
        virtual = competition_ranks([values[k] for k in keys_with_value])
        previous_rank = dict(zip(keys_with_value, virtual, strict=True))

    changes: dict[str, _Change] = {}
    for key, unit_basis in basis.items():
        if key in values:
            changes[key] = _Change(previous_rank[key] - ranks[key], indices[key] - values[key], unit_basis)
        else:
            changes[key] = _Change(None, None, unit_basis)
    return changes


def _ranks_within(
    keys_by_group: Mapping[object, list[str]], value_of: Mapping[str, Decimal]
) -> dict[str, int]:
    ranks: dict[str, int] = {}
    for keys in keys_by_group.values():
        for key, rank in zip(keys, competition_ranks([value_of[k] for k in keys]), strict=True):
            ranks[key] = rank
    return ranks


def compute_edition(edition: EditionInput) -> EditionResult:
    """Results of an edition: index, ranks, group, changes, domain results and averages of every unit.

    Validates everything first (see ``_validate``) and raises one CalculationError with every problem.
    National rank: competition ranking on the rounded index among all units; region rank the same within the
    unit's region (None without a region). Domain results for every domain a unit has with an applicable
    maximum above 0, ranked among the units having that domain. Averages: national and per-region
    round_half_up(mean of the rounded indices); ``above_average`` counts indices strictly above the national
    average; moved up / down / unchanged count rank changes > 0 / < 0 / = 0. ``rank_mismatch`` only when the
    edition is complete and a published rank is given and differs from the computed rank.
    """
    with localcontext(_CONTEXT):
        prepared = _validate(edition)
        return _compute(edition, prepared)


def _compute(edition: EditionInput, prepared: list[_Prepared]) -> EditionResult:
    keys = [item.unit.key for item in prepared]
    index_of = {item.unit.key: item.unit_index for item in prepared}
    rank_of = dict(zip(keys, competition_ranks([item.unit_index for item in prepared]), strict=True))

    keys_by_region: dict[object, list[str]] = defaultdict(list)
    for item in prepared:
        if item.unit.region is not None:
            keys_by_region[item.unit.region].append(item.unit.key)
    region_rank_of = _ranks_within(keys_by_region, index_of)

    # Domain ranks: one ranking per domain over every unit's parts, numbered in one pass (slot = position of
    # the part in the concatenation of all units' parts), so that the results loop below finds them by slice.
    slots_by_domain: dict[int, list[int]] = defaultdict(list)
    percents_by_domain: dict[int, list[Decimal]] = defaultdict(list)
    slot = 0
    for item in prepared:
        for part in item.parts:
            slots_by_domain[part.number].append(slot)
            percents_by_domain[part.number].append(part.percent)
            slot += 1
    domain_rank = [0] * slot
    for number, slots in slots_by_domain.items():
        for part_slot, rank in zip(slots, competition_ranks(percents_by_domain[number]), strict=True):
            domain_rank[part_slot] = rank

    changes = _changes(edition, index_of, rank_of)

    results: list[UnitResult] = []
    slot = 0
    for item in prepared:
        unit = item.unit
        first_slot = slot
        slot += len(item.parts)
        key = unit.key
        change = changes[key]
        rank = rank_of[key]
        results.append(
            UnitResult(
                key=key,
                region=unit.region,
                index=item.unit_index,
                index_source=item.source,
                points=item.points,
                max_points=item.max_points,
                rank=rank,
                region_rank=region_rank_of.get(key),
                group=group_for(item.unit_index),
                rank_change=change.rank_change,
                index_change=change.index_change,
                change_basis=change.basis,
                rank_mismatch=(
                    edition.complete and unit.published_rank is not None and unit.published_rank != rank
                ),
                domains=tuple(
                    DomainResult(part.number, part.points, part.max_points, part.percent, rank)
                    for part, rank in zip(item.parts, domain_rank[first_slot:slot], strict=True)
                ),
            )
        )
    results.sort(key=lambda result: (result.rank, result.key))

    national_average = round_half_up(_mean(list(index_of.values()))) if index_of else None
    regions = tuple(
        RegionSummary(
            region=str(region),
            average=round_half_up(_mean([index_of[k] for k in region_keys])),
            count=len(region_keys),
        )
        for region, region_keys in sorted(keys_by_region.items(), key=lambda entry: str(entry[0]))
    )
    rank_changes = [r.rank_change for r in results if r.rank_change is not None]
    return EditionResult(
        units=tuple(results),
        national_average=national_average,
        regions=regions,
        above_average=(
            0 if national_average is None else sum(1 for r in results if r.index > national_average)
        ),
        moved_up=sum(1 for change in rank_changes if change > 0),
        moved_down=sum(1 for change in rank_changes if change < 0),
        unchanged=sum(1 for change in rank_changes if change == 0),
    )


# --------------------------------------------------------------------------------------------- targets


@dataclass(frozen=True, slots=True)
class TargetGap:
    """Distance to a target rank or group: ``index_needed`` and ``gap`` in percentage points, gap ≥ 0."""

    target_rank: int | None
    target_group: Group | None
    index_needed: Decimal
    gap: Decimal
    reached: bool


def index_needed_for_rank(others: Sequence[Decimal], target_rank: int) -> Decimal:
    """Lowest index that gives rank ≤ ``target_rank`` among ``others`` (the other units' rounded indices).

    Under competition ranking a unit's rank is 1 + the number of others strictly above it, so it needs at
    least the ``target_rank``-th highest of the others (a tie with it is enough). Decimal(0) when there are
    fewer than ``target_rank`` others. ValueError when ``target_rank`` < 1.
    """
    if target_rank < 1:
        raise ValueError(f"target rank must be 1 or more, got {target_rank}")
    if len(others) < target_rank:
        return ZERO
    return heapq.nlargest(target_rank, others)[-1]


def gap_to_rank(result: EditionResult, key: str, target_rank: int) -> TargetGap:
    """Gap of unit ``key`` to rank ``target_rank``: max(0, index needed − index). KeyError if absent."""
    unit = result.unit(key)
    needed = index_needed_for_rank([u.index for u in result.units if u.key != key], target_rank)
    gap = max(ZERO, needed - unit.index)
    return TargetGap(target_rank, None, needed, gap, reached=gap == 0)


def gap_to_group(result: EditionResult, key: str, target_group: Group) -> TargetGap:
    """Gap of unit ``key`` to a group: max(0, group threshold − current index). KeyError if absent."""
    unit = result.unit(key)
    needed = GROUP_THRESHOLDS[target_group]
    gap = max(ZERO, needed - unit.index)
    return TargetGap(None, target_group, needed, gap, reached=gap == 0)


def what_if(edition: EditionInput, key: str, changed: Mapping[int, Decimal]) -> UnitResult:
    """Result of unit ``key`` if its points in the given domains were ``changed`` (domain number → points).

    Replaces the points of those domains (keeping their not-applicable points), adds the domains the unit
    lacked, recomputes the whole edition (same validation as ``compute_edition``) and returns the unit's new
    result among the others. KeyError if the edition has no unit ``key``.
    """
    position = next((i for i, unit in enumerate(edition.units) if unit.key == key), None)
    if position is None:
        raise KeyError(key)
    unit = edition.units[position]
    existing = {given.number for given in unit.domains}
    kept = tuple(
        replace(given, points=changed[given.number]) if given.number in changed else given
        for given in unit.domains
    )
    added = tuple(
        DomainPoints(number, points) for number, points in sorted(changed.items()) if number not in existing
    )
    domains = kept + added
    units = list(edition.units)
    units[position] = replace(unit, domains=domains)
    return compute_edition(replace(edition, units=tuple(units))).unit(key)
