"""Table tests of scoring.calculation. Every expected value is worked out by hand and written as a literal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scoring.calculation import (
    GROUP_THRESHOLDS,
    CalculationError,
    ChangeBasis,
    DomainPoints,
    DomainResult,
    DomainSpec,
    EditionInput,
    Group,
    IndexSource,
    MergerRule,
    PreviousResult,
    ProblemCode,
    RegionSummary,
    UnitInput,
    competition_ranks,
    compute_edition,
    gap_to_group,
    gap_to_rank,
    group_for,
    index_needed_for_rank,
    round_half_up,
    what_if,
)

D = Decimal
FIFTY_FIFTY = (DomainSpec(1, D(50)), DomainSpec(2, D(50)))


def unit(
    key: str,
    *points: str,
    region: str | None = None,
    published: str | None = None,
    published_rank: int | None = None,
) -> UnitInput:
    """A unit with points for domains 1, 2, ... in order."""
    return UnitInput(
        key=key,
        region=region,
        domains=tuple(DomainPoints(number, D(value)) for number, value in enumerate(points, start=1)),
        published_index=None if published is None else D(published),
        published_rank=published_rank,
    )


def published(key: str, index: str, region: str | None = None) -> UnitInput:
    return UnitInput(key=key, region=region, published_index=D(index))


def edition(*units: UnitInput, **options: object) -> EditionInput:
    return EditionInput(domains=FIFTY_FIFTY, units=units, **options)  # type: ignore[arg-type]


def summary(result_units: tuple[object, ...], *fields: str) -> list[tuple[object, ...]]:
    return [tuple(getattr(u, f) for f in fields) for u in result_units]


# ------------------------------------------------------------------------------------------------ rounding


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("84.125", "84.13"),
        ("89.995", "90.00"),
        ("84.1249999", "84.12"),
        ("0.005", "0.01"),
        ("90.1", "90.10"),
        ("100", "100.00"),
    ],
    ids=["half-up-84.125", "half-up-89.995", "just-below-half", "smallest-half", "pads-to-two", "integer"],
)
def test_round_half_up_rounds_halves_up_to_two_places(value: str, expected: str) -> None:
    result = round_half_up(D(value))
    assert result == D(expected)
    assert str(result) == expected


def test_float_would_round_84_125_down_where_decimal_rounds_up() -> None:
    # 168.25 points of 200 is exactly 84.125. Binary float rounds that half to even (84.12); we give 84.13.
    assert round(168.25 / 200 * 100, 2) == 84.12
    two_hundred = (DomainSpec(1, D(100)), DomainSpec(2, D(100)))
    result = compute_edition(EditionInput(two_hundred, (unit("X", "84.00", "84.25"),)))
    assert result.unit("X").index == D("84.13")


# ------------------------------------------------------------------------------------------------ ranking


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["90", "85", "80"], [1, 2, 3]),
        (["90", "85", "85", "80"], [1, 2, 2, 4]),
        (["70", "85", "85", "85", "90"], [5, 2, 2, 2, 1]),
        (["50", "50"], [1, 1]),
        (["90.0", "90.00", "89.99"], [1, 1, 3]),
        ([], []),
    ],
    ids=[
        "no-tie",
        "two-way-tie",
        "three-way-tie-unsorted-input",
        "all-equal",
        "equal-despite-scale",
        "empty",
    ],
)
def test_ties_share_rank_and_skip_next(values: list[str], expected: list[int]) -> None:
    assert competition_ranks([D(v) for v in values]) == expected


def test_three_way_national_tie_shares_rank_and_units_are_ordered_by_rank_then_key() -> None:
    result = compute_edition(
        edition(unit("C", "40", "40"), unit("A", "45", "35"), unit("D", "35", "35"), unit("B", "30", "50"))
    )
    assert summary(result.units, "key", "index", "rank") == [
        ("A", D("80.00"), 1),
        ("B", D("80.00"), 1),
        ("C", D("80.00"), 1),
        ("D", D("70.00"), 4),
    ]


def test_tie_exactly_at_90_gives_both_group_a_and_the_same_rank() -> None:
    result = compute_edition(edition(unit("X", "45", "45"), unit("Y", "50", "40"), unit("Z", "50", "45")))
    assert summary(result.units, "key", "index", "rank", "group") == [
        ("Z", D("95.00"), 1, Group.A),
        ("X", D("90.00"), 2, Group.A),
        ("Y", D("90.00"), 2, Group.A),
    ]


# ------------------------------------------------------------------------------------------------ index


@pytest.mark.parametrize(
    ("maxima", "domains", "index", "points", "max_points"),
    [
        ((50, 50), [(40, 0), (45, 0)], "85.00", "85", "100"),
        ((50, 50), [(40, 0), (36, 10)], "84.44", "76", "90"),
        ((50, 50), [(40, 0), (36, 0)], "76.00", "76", "100"),
        ((100, 100), [("90.00", 0), ("89.99", 0)], "90.00", "179.99", "200"),
        ((100, 100), [("84.00", 0), ("84.25", 0)], "84.13", "168.25", "200"),
        ((100, 100), [("84.00", 0), ("84.2498", 0)], "84.12", "168.2498", "200"),
        (("14.5", "15.5"), [("13", 0), ("12.5", "2.5")], "92.73", "25.5", "27.5"),
    ],
    ids=[
        "all-applicable",
        "not-applicable-lowers-maximum",
        "same-points-without-not-applicable",
        "89.995-rounds-up-to-90",
        "84.125-rounds-up",
        "84.1249-rounds-down",
        "decimal-maxima",
    ],
)
def test_index_is_points_over_applicable_maximum(
    maxima: tuple[object, object],
    domains: list[tuple[object, object]],
    index: str,
    points: str,
    max_points: str,
) -> None:
    specs = tuple(DomainSpec(n, D(str(m))) for n, m in enumerate(maxima, start=1))
    given = tuple(DomainPoints(n, D(str(p)), D(str(na))) for n, (p, na) in enumerate(domains, start=1))
    result = compute_edition(EditionInput(specs, (UnitInput("X", domains=given),))).unit("X")
    assert result.index == D(index)
    assert result.index_source is IndexSource.COMPUTED
    assert (result.points, result.max_points) == (D(points), D(max_points))


def test_89_995_rounds_to_90_and_reaches_group_a() -> None:
    two_hundred = (DomainSpec(1, D(100)), DomainSpec(2, D(100)))
    result = compute_edition(EditionInput(two_hundred, (unit("X", "90.00", "89.99"),))).unit("X")
    assert (result.index, result.group) == (D("90.00"), Group.A)


def test_not_applicable_criteria_raise_the_index_and_shrink_the_domain_maximum() -> None:
    with_na = UnitInput("X", domains=(DomainPoints(1, D(40)), DomainPoints(2, D(36), D(10))))
    result = compute_edition(edition(with_na, unit("Y", "40", "36"))).unit("X")
    # 76 / (100 - 10) = 84.444... against 76.00 for the same points without the exemption.
    assert result.index == D("84.44")
    assert result.domains == (
        DomainResult(1, D(40), D(50), D("80.00"), 1),
        DomainResult(2, D(36), D(40), D("90.00"), 1),
    )


def test_wholly_not_applicable_domain_has_no_domain_result_and_no_weight() -> None:
    exempt = UnitInput("X", domains=(DomainPoints(1, D(45)), DomainPoints(2, D(0), D(50))))
    result = compute_edition(edition(exempt)).unit("X")
    assert (result.index, result.points, result.max_points) == (D("90.00"), D(45), D(50))
    assert [d.number for d in result.domains] == [1]


@pytest.mark.parametrize(
    ("given", "index", "source", "points", "domain_numbers"),
    [
        (unit("X", "40", published="87.5"), "87.50", IndexSource.PUBLISHED, None, [1]),
        (published("X", "87.504"), "87.50", IndexSource.PUBLISHED, None, []),
        (published("X", "87.505"), "87.51", IndexSource.PUBLISHED, None, []),
        (unit("X", "40", "40", published="99"), "80.00", IndexSource.COMPUTED, D(80), [1, 2]),
    ],
    ids=[
        "partial-domains-with-published-index",
        "published-only",
        "published-only-rounded-half-up",
        "every-domain-wins-over-published",
    ],
)
def test_index_source_depends_on_having_every_domain(
    given: UnitInput, index: str, source: IndexSource, points: Decimal | None, domain_numbers: list[int]
) -> None:
    result = compute_edition(edition(given)).unit("X")
    assert (result.index, result.index_source, result.points) == (D(index), source, points)
    assert [d.number for d in result.domains] == domain_numbers


def test_published_only_units_rank_among_computed_ones() -> None:
    result = compute_edition(
        edition(unit("COMP", "40", "45"), published("PUB", "87.5"), published("LOW", "60"))
    )
    assert summary(result.units, "key", "index", "index_source", "rank") == [
        ("PUB", D("87.50"), IndexSource.PUBLISHED, 1),
        ("COMP", D("85.00"), IndexSource.COMPUTED, 2),
        ("LOW", D("60.00"), IndexSource.PUBLISHED, 3),
    ]


def test_domain_ranks_are_among_units_having_the_domain() -> None:
    specs = (DomainSpec(1, D(10)), DomainSpec(2, D(20)))
    result = compute_edition(
        EditionInput(
            specs,
            (
                unit("A", "9", "15"),  # 90.00 %, 75.00 % -> 24/30 = 80.00
                unit("B", "9", "18"),  # 90.00 %, 90.00 % -> 27/30 = 90.00
                unit("C", "6", published="70"),  # domain 1 only: 60.00 %
            ),
        )
    )
    assert result.unit("A").domains == (
        DomainResult(1, D(9), D(10), D("90.00"), 1),
        DomainResult(2, D(15), D(20), D("75.00"), 2),
    )
    assert result.unit("B").domains == (
        DomainResult(1, D(9), D(10), D("90.00"), 1),
        DomainResult(2, D(18), D(20), D("90.00"), 1),
    )
    assert result.unit("C").domains == (DomainResult(1, D(6), D(10), D("60.00"), 3),)
    assert summary(result.units, "key", "rank") == [("B", 1), ("A", 2), ("C", 3)]


# ------------------------------------------------------------------------------------------------ groups


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        ("0", Group.D),
        ("69.99", Group.D),
        ("69.994", Group.D),
        ("70", Group.C),
        ("70.00", Group.C),
        ("79.99", Group.C),
        ("80", Group.B),
        ("89.99", Group.B),
        ("89.995", Group.A),
        ("90", Group.A),
        ("100", Group.A),
    ],
    ids=lambda v: str(v),
)
def test_group_boundaries_are_inclusive_at_the_lower_end(index: str, expected: Group) -> None:
    assert group_for(D(index)) is expected


def test_group_thresholds() -> None:
    assert dict(GROUP_THRESHOLDS) == {Group.A: D(90), Group.B: D(80), Group.C: D(70), Group.D: D(0)}


# ------------------------------------------------------------------------------------------------ regions


def test_region_ranks_and_averages() -> None:
    result = compute_edition(
        edition(
            published("N1", "90", "North"),
            published("N2", "80", "North"),
            published("N3", "80", "North"),
            published("S1", "85", "South"),
            published("S2", "84.01", "South"),
            published("X", "70"),
        )
    )
    assert summary(result.units, "key", "rank", "region_rank") == [
        ("N1", 1, 1),
        ("S1", 2, 1),
        ("S2", 3, 2),
        ("N2", 4, 2),
        ("N3", 4, 2),
        ("X", 6, None),
    ]
    # (90 + 80 + 80) / 3 = 83.333; (85 + 84.01) / 2 = 84.505 -> 84.51; 489.01 / 6 = 81.50166 -> 81.50.
    assert result.regions == (RegionSummary("North", D("83.33"), 3), RegionSummary("South", D("84.51"), 2))
    assert result.national_average == D("81.50")
    assert result.above_average == 3


def test_empty_edition_has_no_average() -> None:
    result = compute_edition(edition())
    assert (result.units, result.national_average, result.regions, result.above_average) == ((), None, (), 0)


def test_unit_lookup_raises_key_error_for_an_absent_unit() -> None:
    result = compute_edition(edition(published("A", "80")))
    with pytest.raises(KeyError):
        result.unit("B")


# ------------------------------------------------------------------------------------------------ changes


def test_changes_against_the_same_unit_new_units_and_disappeared_units() -> None:
    result = compute_edition(
        edition(
            published("A", "90"),
            published("B", "85"),
            published("NEW", "60"),
            published("RENAMED", "70"),
            published("RESTARTED", "50"),
            previous=(
                PreviousResult("A", D(80), 3),
                PreviousResult("B", D(85), 1),
                PreviousResult("OLD_NAME", D("72.5"), 2),
                PreviousResult("RESTARTED", D(99), 1),
                PreviousResult("GONE", D(70), 4),
            ),
            predecessors=(("RENAMED", ("OLD_NAME",)), ("RESTARTED", ())),
        )
    )
    assert summary(result.units, "key", "rank", "rank_change", "index_change", "change_basis") == [
        ("A", 1, 2, D("10.00"), ChangeBasis.SAME_UNIT),
        ("B", 2, -1, D("0.00"), ChangeBasis.SAME_UNIT),
        ("RENAMED", 3, -1, D("-2.50"), ChangeBasis.SAME_UNIT),
        ("NEW", 4, None, None, ChangeBasis.NEW_UNIT),
        ("RESTARTED", 5, None, None, ChangeBasis.NEW_UNIT),
    ]
    assert (result.moved_up, result.moved_down, result.unchanged) == (1, 2, 0)
    with pytest.raises(KeyError):
        result.unit("GONE")


# Five units last year become three: N1 = P1 + P4, P2 unchanged, N3 = P3 + P5.
FIVE_TO_THREE_PREVIOUS = (
    PreviousResult("P1", D("90.00"), 1),
    PreviousResult("P2", D("85.00"), 2),
    PreviousResult("P3", D("80.01"), 3),
    PreviousResult("P4", D("75.00"), 4),
    PreviousResult("P5", D("70.00"), 5),
)
FIVE_TO_THREE_UNITS = (published("N1", "88"), published("P2", "86"), published("N3", "77"))
FIVE_TO_THREE_MAP = (("N1", ("P1", "P4")), ("N3", ("P3", "P5")))


@pytest.mark.parametrize(
    ("rule", "expected", "moves"),
    [
        (
            MergerRule.NONE,
            [
                ("N1", 1, None, None, ChangeBasis.NONE),
                # P2 keeps its stored rank among last year's five: 2 -> 2.
                ("P2", 2, 0, D("1.00"), ChangeBasis.SAME_UNIT),
                ("N3", 3, None, None, ChangeBasis.NONE),
            ],
            (0, 0, 1),
        ),
        (
            MergerRule.PREDECESSORS_MEAN,
            [
                # Means: N1 (90 + 75) / 2 = 82.50; N3 (80.01 + 70) / 2 = 75.005 -> 75.01; P2 itself 85.00.
                # Virtual previous ranking of the three: P2 85.00 -> 1, N1 82.50 -> 2, N3 75.01 -> 3.
                ("N1", 1, 1, D("5.50"), ChangeBasis.PREDECESSORS_MEAN),
                ("P2", 2, -1, D("1.00"), ChangeBasis.SAME_UNIT),
                ("N3", 3, 0, D("1.99"), ChangeBasis.PREDECESSORS_MEAN),
            ],
            (1, 1, 1),
        ),
    ],
    ids=["rule-none", "rule-predecessors-mean"],
)
def test_merged_units_compare_according_to_the_merger_rule(
    rule: MergerRule, expected: list[tuple[object, ...]], moves: tuple[int, int, int]
) -> None:
    result = compute_edition(
        edition(
            *FIVE_TO_THREE_UNITS,
            previous=FIVE_TO_THREE_PREVIOUS,
            predecessors=FIVE_TO_THREE_MAP,
            merger_rule=rule,
        )
    )
    assert summary(result.units, "key", "rank", "rank_change", "index_change", "change_basis") == expected
    assert (result.moved_up, result.moved_down, result.unchanged) == moves


def test_predecessors_mean_without_any_merger_keeps_stored_ranks() -> None:
    result = compute_edition(
        edition(
            published("P2", "86"),
            previous=FIVE_TO_THREE_PREVIOUS,
            merger_rule=MergerRule.PREDECESSORS_MEAN,
        )
    )
    assert summary(result.units, "key", "rank", "rank_change", "change_basis") == [
        ("P2", 1, 1, ChangeBasis.SAME_UNIT)
    ]


@pytest.mark.parametrize(
    ("predecessors", "rank_change", "index_change", "basis"),
    [
        (("P1", "UNKNOWN"), 0, D("-2.00"), ChangeBasis.PREDECESSORS_MEAN),
        (("X", "Y"), None, None, ChangeBasis.NEW_UNIT),
    ],
    ids=["mean-of-the-predecessors-present", "no-predecessor-present-is-new"],
)
def test_merged_unit_with_absent_predecessors(
    predecessors: tuple[str, ...], rank_change: int | None, index_change: Decimal | None, basis: ChangeBasis
) -> None:
    result = compute_edition(
        edition(
            published("N", "88"),
            previous=FIVE_TO_THREE_PREVIOUS,
            predecessors=(("N", predecessors),),
            merger_rule=MergerRule.PREDECESSORS_MEAN,
        )
    ).unit("N")
    assert (result.rank_change, result.index_change, result.change_basis) == (
        rank_change,
        index_change,
        basis,
    )


# ------------------------------------------------------------------------------------------------ mismatch


@pytest.mark.parametrize(
    ("complete", "published_rank", "expected"),
    [(True, 2, True), (True, 1, False), (True, None, False), (False, 2, False)],
    ids=["complete-and-different", "complete-and-equal", "complete-without-published-rank", "incomplete"],
)
def test_rank_mismatch_only_when_the_edition_is_complete(
    complete: bool, published_rank: int | None, expected: bool
) -> None:
    result = compute_edition(
        edition(
            unit("X", "45", "45", published="80", published_rank=published_rank),
            published("Y", "85"),
            complete=complete,
        )
    )
    assert result.unit("X").rank == 1
    assert result.unit("X").rank_mismatch is expected


# ------------------------------------------------------------------------------------------------ targets


@pytest.mark.parametrize(
    ("others", "target_rank", "expected"),
    [
        (["90", "85", "85", "80"], 1, "90"),
        (["90", "85", "85", "80"], 2, "85"),
        (["90", "85", "85", "80"], 3, "85"),
        (["90", "85", "85", "80"], 4, "80"),
        (["90", "85", "85", "80"], 5, "0"),
        (["80", "90", "85"], 2, "85"),
        ([], 1, "0"),
    ],
    ids=[
        "tie-with-leader-is-rank-1",
        "second-place",
        "tie-on-85-gives-rank-2-within-3",
        "fourth-place",
        "fewer-others-than-target",
        "unsorted-input",
        "alone",
    ],
)
def test_index_needed_for_rank(others: list[str], target_rank: int, expected: str) -> None:
    assert index_needed_for_rank([D(v) for v in others], target_rank) == D(expected)


@pytest.mark.parametrize("target_rank", [0, -1], ids=["zero", "negative"])
def test_index_needed_for_rank_rejects_ranks_below_one(target_rank: int) -> None:
    with pytest.raises(ValueError, match="target rank"):
        index_needed_for_rank([D(90)], target_rank)


GAP_EDITION = edition(
    published("A", "90"),
    published("B", "85"),
    published("C", "80"),
    published("D", "70"),
    published("E", "84.13"),
)


@pytest.mark.parametrize(
    ("key", "target_rank", "needed", "gap", "reached"),
    [
        ("D", 2, "85", "15.00", False),
        ("D", 1, "90", "20.00", False),
        ("B", 2, "84.13", "0", True),
        ("A", 1, "85", "0", True),
        ("D", 10, "0", "0", True),
    ],
    ids=["climb-to-second", "climb-to-first", "already-there", "leader", "target-beyond-field"],
)
def test_gap_to_rank(key: str, target_rank: int, needed: str, gap: str, reached: bool) -> None:
    result = gap_to_rank(compute_edition(GAP_EDITION), key, target_rank)
    assert (result.target_rank, result.target_group) == (target_rank, None)
    assert (result.index_needed, result.gap, result.reached) == (D(needed), D(gap), reached)


@pytest.mark.parametrize(
    ("key", "group", "needed", "gap", "reached"),
    [
        ("E", Group.A, "90", "5.87", False),
        ("E", Group.B, "80", "0", True),
        ("D", Group.B, "80", "10.00", False),
        ("D", Group.C, "70", "0", True),
        ("D", Group.D, "0", "0", True),
    ],
    ids=["84.13-to-A", "84.13-to-B", "70-to-B", "70-to-C-exactly", "to-D-always"],
)
def test_gap_to_group(key: str, group: Group, needed: str, gap: str, reached: bool) -> None:
    result = gap_to_group(compute_edition(GAP_EDITION), key, group)
    assert (result.target_rank, result.target_group) == (None, group)
    assert (result.index_needed, result.gap, result.reached) == (D(needed), D(gap), reached)


WHAT_IF_EDITION = edition(
    unit("A", "45", "45"),  # 90.00
    unit("B", "40", "40"),  # 80.00
    unit("C", "42", "42"),  # 84.00
    unit("D", "30", published="60"),  # published, domain 2 missing
)


def test_what_if_moves_a_unit_up() -> None:
    assert compute_edition(WHAT_IF_EDITION).unit("C").rank == 2
    result = what_if(WHAT_IF_EDITION, "C", {2: D(50)})
    # 42 + 50 = 92 of 100.
    assert (result.index, result.rank, result.group) == (D("92.00"), 1, Group.A)
    assert compute_edition(WHAT_IF_EDITION).unit("C").rank == 2  # the edition itself is unchanged


def test_what_if_adds_a_missing_domain_and_computes_the_index() -> None:
    result = what_if(WHAT_IF_EDITION, "D", {2: D(45)})
    # 30 + 45 = 75 of 100, now computed instead of the published 60.
    assert (result.index, result.index_source, result.rank, result.group) == (
        D("75.00"),
        IndexSource.COMPUTED,
        4,
        Group.C,
    )


def test_what_if_validates_like_compute_edition() -> None:
    with pytest.raises(CalculationError) as caught:
        what_if(WHAT_IF_EDITION, "C", {1: D(51)})
    assert [(p.code, p.unit, p.domain) for p in caught.value.problems] == [
        (ProblemCode.ABOVE_MAXIMUM, "C", 1)
    ]
    with pytest.raises(KeyError):
        what_if(WHAT_IF_EDITION, "ZZ", {1: D(1)})


# ------------------------------------------------------------------------------------------------ problems


@pytest.mark.parametrize(
    ("domains", "units", "code", "problem_unit", "problem_domain", "text"),
    [
        (
            FIFTY_FIFTY,
            (unit("HN", "1", "1"), unit("HN", "2", "2")),
            ProblemCode.DUPLICATE_UNIT,
            "HN",
            None,
            "",
        ),
        (FIFTY_FIFTY, (unit("HN", "1", "1", "1"),), ProblemCode.UNKNOWN_DOMAIN, "HN", 3, ""),
        (
            FIFTY_FIFTY,
            (UnitInput("HN", domains=(DomainPoints(1, D(1)), DomainPoints(1, D(2)), DomainPoints(2, D(1)))),),
            ProblemCode.DUPLICATE_DOMAIN,
            "HN",
            1,
            "",
        ),
        (FIFTY_FIFTY, (unit("HN", "-0.01", "1"),), ProblemCode.NEGATIVE, "HN", 1, "-0.01"),
        (
            FIFTY_FIFTY,
            (UnitInput("HN", domains=(DomainPoints(1, D(1)), DomainPoints(2, D(1), D(-1)))),),
            ProblemCode.BAD_NOT_APPLICABLE,
            "HN",
            2,
            "",
        ),
        (
            FIFTY_FIFTY,
            (UnitInput("HN", domains=(DomainPoints(1, D(1)), DomainPoints(2, D(0), D("50.01")))),),
            ProblemCode.BAD_NOT_APPLICABLE,
            "HN",
            2,
            "50.01",
        ),
        (
            (DomainSpec(1, D(50)), DomainSpec(2, None)),
            (unit("HN", "1", "1"),),
            ProblemCode.UNKNOWN_MAXIMUM,
            "HN",
            2,
            "unknown",
        ),
        (FIFTY_FIFTY, (unit("HN", "50.01", "1"),), ProblemCode.ABOVE_MAXIMUM, "HN", 1, "50.01"),
        (
            FIFTY_FIFTY,
            (UnitInput("HN", domains=(DomainPoints(1, D(1)), DomainPoints(2, D(41), D(10)))),),
            ProblemCode.ABOVE_MAXIMUM,
            "HN",
            2,
            "applicable maximum 40",
        ),
        (FIFTY_FIFTY, (UnitInput("HN"),), ProblemCode.NO_DATA, "HN", None, ""),
        (
            FIFTY_FIFTY,
            (UnitInput("HN", domains=(DomainPoints(1, D(0), D(50)), DomainPoints(2, D(0), D(50)))),),
            ProblemCode.NO_DATA,
            "HN",
            None,
            "not applicable",
        ),
        (FIFTY_FIFTY, (unit("HN", "1"),), ProblemCode.MISSING_DOMAINS, "HN", None, "missing domains 2"),
        (FIFTY_FIFTY, (published("HN", "100.01"),), ProblemCode.INDEX_OUT_OF_RANGE, "HN", None, "100.01"),
        (FIFTY_FIFTY, (published("HN", "-0.01"),), ProblemCode.INDEX_OUT_OF_RANGE, "HN", None, "-0.01"),
        (FIFTY_FIFTY, (unit("HN", "NaN", "1"),), ProblemCode.NOT_FINITE, "HN", 1, ""),
    ],
    ids=[
        "duplicate-unit",
        "unknown-domain",
        "duplicate-domain",
        "negative-points",
        "negative-not-applicable",
        "not-applicable-above-maximum",
        "unknown-maximum",
        "above-maximum",
        "above-applicable-maximum",
        "no-data",
        "everything-not-applicable",
        "missing-domains",
        "published-index-above-100",
        "published-index-below-0",
        "not-a-number",
    ],
)
def test_each_problem_is_reported_with_its_unit_and_domain(
    domains: tuple[DomainSpec, ...],
    units: tuple[UnitInput, ...],
    code: ProblemCode,
    problem_unit: str,
    problem_domain: int | None,
    text: str,
) -> None:
    with pytest.raises(CalculationError) as caught:
        compute_edition(EditionInput(domains, units))
    assert [(p.code, p.unit, p.domain) for p in caught.value.problems] == [
        (code, problem_unit, problem_domain)
    ]
    message = str(caught.value)
    assert "1 problem in the edition data" in message
    assert f"unit '{problem_unit}'" in message
    assert code.value in message
    assert text in message
    if problem_domain is not None:
        assert f"domain {problem_domain}" in message


def test_previous_results_are_validated_too() -> None:
    with pytest.raises(CalculationError) as caught:
        compute_edition(
            edition(
                published("A", "80"),
                previous=(PreviousResult("A", D(80), 1), PreviousResult("A", D(101), 2)),
                predecessors=(("A", ("A",)), ("A", ("B",))),
            )
        )
    assert [(p.code, p.unit) for p in caught.value.problems] == [
        (ProblemCode.DUPLICATE_UNIT, "A"),
        (ProblemCode.INDEX_OUT_OF_RANGE, "A"),
        (ProblemCode.DUPLICATE_UNIT, "A"),
    ]


def test_edition_domain_defined_twice_is_a_problem_of_the_edition() -> None:
    with pytest.raises(CalculationError) as caught:
        compute_edition(EditionInput((DomainSpec(1, D(50)), DomainSpec(1, D(40))), (published("A", "80"),)))
    assert [(p.code, p.unit, p.domain) for p in caught.value.problems] == [
        (ProblemCode.DUPLICATE_DOMAIN, "", 1)
    ]
    assert "edition, domain 1" in str(caught.value)


def test_several_problems_are_reported_together_and_nothing_is_computed() -> None:
    units = (
        unit("OK", "40", "40"),
        UnitInput("BAD", domains=(DomainPoints(1, D(-1)), DomainPoints(9, D(1)), DomainPoints(2, D(60)))),
        unit("HALF", "10"),
        published("HIGH", "120"),
        UnitInput("EMPTY"),
    )
    with pytest.raises(CalculationError) as caught:
        compute_edition(EditionInput((DomainSpec(1, D(50)), DomainSpec(2, D(50))), units))
    assert [(p.code, p.unit, p.domain) for p in caught.value.problems] == [
        (ProblemCode.NEGATIVE, "BAD", 1),
        (ProblemCode.UNKNOWN_DOMAIN, "BAD", 9),
        (ProblemCode.ABOVE_MAXIMUM, "BAD", 2),
        (ProblemCode.MISSING_DOMAINS, "HALF", None),
        (ProblemCode.INDEX_OUT_OF_RANGE, "HIGH", None),
        (ProblemCode.NO_DATA, "EMPTY", None),
    ]
    message = str(caught.value)
    assert message.startswith("6 problems in the edition data:")
    for fragment in ("unit 'BAD', domain 1", "unit 'BAD', domain 9", "unit 'HALF'", "unit 'EMPTY'"):
        assert fragment in message
    assert isinstance(caught.value, ValueError)
