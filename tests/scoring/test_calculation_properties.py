"""Property tests of scoring.calculation: ranking invariants, determinism, independence from input order."""

from __future__ import annotations

from decimal import Decimal
from random import Random
from typing import TypeVar

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.calculation import (
    DomainPoints,
    DomainSpec,
    EditionInput,
    MergerRule,
    PreviousResult,
    UnitInput,
    competition_ranks,
    compute_edition,
)

MAXIMA = (Decimal("10"), Decimal("14.5"), Decimal("20"), Decimal("55.5"))
DOMAINS = tuple(DomainSpec(number, maximum) for number, maximum in enumerate(MAXIMA, start=1))


def hundredths(low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Decimals with exactly two places between low/100 and high/100."""
    return st.integers(low, high).map(lambda n: Decimal(n).scaleb(-2))


indices = hundredths(0, 10_000)


@given(st.lists(indices, max_size=60))
def test_ranks_are_a_valid_competition_ranking(values: list[Decimal]) -> None:
    ranks = competition_ranks(values)
    assert len(ranks) == len(values)
    for value, rank in zip(values, ranks, strict=True):
        assert rank == 1 + sum(1 for other in values if other > value)
    for i, (a, rank_a) in enumerate(zip(values, ranks, strict=True)):
        for b, rank_b in zip(values[i + 1 :], ranks[i + 1 :], strict=True):
            if a == b:
                assert rank_a == rank_b
            elif a > b:
                assert rank_a < rank_b
            else:
                assert rank_a > rank_b


@st.composite
def units(draw: st.DrawFn, key: str) -> UnitInput:
    region = draw(st.sampled_from([None, "North", "Central", "South"]))
    kind = draw(st.sampled_from(["computed", "published", "partial"]))
    domains: list[DomainPoints] = []
    for spec in DOMAINS:
        assert spec.max_points is not None
        if kind == "published" or (kind == "partial" and spec.number > 2):
            continue
        top = int(spec.max_points * 100)
        not_applicable = draw(st.sampled_from([0, 0, 0, top // 4])) if spec.number == 3 else 0
        points = draw(hundredths(0, top - not_applicable))
        domains.append(DomainPoints(spec.number, points, Decimal(not_applicable).scaleb(-2)))
    published_index = None if kind == "computed" else draw(indices)
    published_rank = draw(st.none() | st.integers(1, 20))
    return UnitInput(key, region, tuple(domains), published_index, published_rank)


@st.composite
def editions(draw: st.DrawFn) -> EditionInput:
    keys = draw(st.lists(st.sampled_from([f"U{i:02d}" for i in range(30)]), unique=True, max_size=20))
    drawn = tuple(draw(units(key)) for key in keys)
    previous_keys = draw(
        st.lists(st.sampled_from([f"U{i:02d}" for i in range(30)]), unique=True, max_size=20)
    )
    previous = tuple(
        PreviousResult(key, draw(indices), rank) for rank, key in enumerate(previous_keys, start=1)
    )
    merged = tuple(
        (key, tuple(draw(st.lists(st.sampled_from(previous_keys or ["X"]), unique=True, min_size=2))))
        for key in keys
        if draw(st.booleans()) and len(previous_keys) >= 2
    )
    return EditionInput(
        domains=DOMAINS,
        units=drawn,
        previous=previous,
        predecessors=merged,
        merger_rule=draw(st.sampled_from(MergerRule)),
        complete=draw(st.booleans()),
    )


@settings(max_examples=150, deadline=None)
@given(editions(), st.randoms(use_true_random=False))
def test_compute_edition_is_deterministic_and_independent_of_input_order(
    edition: EditionInput, rnd: Random
) -> None:
    first = compute_edition(edition)
    assert compute_edition(edition) == first

    units = [
        UnitInput(u.key, u.region, shuffled_copy(u.domains, rnd), u.published_index, u.published_rank)
        for u in edition.units
    ]
    shuffled = EditionInput(
        domains=shuffled_copy(edition.domains, rnd),
        units=shuffled_copy(tuple(units), rnd),
        previous=shuffled_copy(edition.previous, rnd),
        predecessors=shuffled_copy(edition.predecessors, rnd),
        merger_rule=edition.merger_rule,
        complete=edition.complete,
    )
    second = compute_edition(shuffled)
    assert second == first  # units are ordered by rank then key, regions by name
    for result in first.units:
        assert second.unit(result.key) == result


T = TypeVar("T")


def shuffled_copy(items: tuple[T, ...], rnd: Random) -> tuple[T, ...]:
    copy = list(items)
    rnd.shuffle(copy)
    return tuple(copy)
