"""The points rules, pure: one criterion's points, a criteria set's maxima, and the roll-up of leaves to domains."""

from __future__ import annotations

from decimal import Decimal

import pytest

from parindex.register.rules import (
    DomainTotal,
    Entry,
    Node,
    PointsProblem,
    TreeProblem,
    leaves,
    points_problem,
    roll_up,
    round_half_up,
    tree_problems,
)

D = Decimal


@pytest.mark.parametrize(
    ("points", "maximum", "not_applicable", "places", "expected"),
    [
        pytest.param(None, D(10), False, 2, None, id="empty-is-not-wrong-here"),
        pytest.param(D(0), D(10), False, 2, None, id="zero"),
        pytest.param(D(10), D(10), False, 2, None, id="exactly-the-maximum"),
        pytest.param(D("10.01"), D(10), False, 2, PointsProblem.ABOVE_MAXIMUM, id="above-the-maximum"),
        pytest.param(D("-0.01"), D(10), False, 2, PointsProblem.NEGATIVE, id="negative"),
        pytest.param(D("NaN"), D(10), False, 2, PointsProblem.NOT_FINITE, id="nan"),
        pytest.param(D("Infinity"), D(10), False, 2, PointsProblem.NOT_FINITE, id="infinity"),
        pytest.param(D(1), None, False, 2, PointsProblem.UNKNOWN_MAXIMUM, id="maximum-unknown"),
        pytest.param(D("1.005"), D(10), False, 2, PointsProblem.TOO_MANY_DECIMALS, id="three-decimals"),
        pytest.param(D("1.500"), D(10), False, 2, None, id="trailing-zeros-are-two-decimals"),
        pytest.param(D("1.005"), D(10), False, None, None, id="decimals-unchecked-for-totals"),
        pytest.param(D(0), D(10), True, 2, PointsProblem.NOT_APPLICABLE, id="zero-on-not-applicable"),
        pytest.param(None, D(10), True, 2, None, id="not-applicable-without-points"),
        pytest.param(D(-1), None, True, 2, PointsProblem.NOT_APPLICABLE, id="not-applicable-comes-first"),
    ],
)
def test_points_problem(points, maximum, not_applicable, places, expected):
    assert points_problem(points, maximum, not_applicable=not_applicable, places=places) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("84.125", "84.13"), ("89.995", "90.00"), ("84.124", "84.12"), ("0.005", "0.01"), ("100", "100.00")],
)
def test_round_half_up_is_the_schoolbook_rule(value, expected):
    assert round_half_up(D(value)) == D(expected)


# A department index: domain 1 (10) → criterion 1.1 (6) → 1.1.1 (3), 1.1.2 (3); criterion 1.2 (4); domain 2 (10).
TREE = [
    Node("1", None, D(10)),
    Node("1.1", "1", D(6)),
    Node("1.1.1", "1.1", D(3)),
    Node("1.1.2", "1.1", D(3)),
    Node("1.2", "1", D(4)),
    Node("2", None, D(10)),
]


def test_points_are_entered_on_the_leaves():
    assert [n.code for n in leaves(TREE)] == ["1.1.1", "1.1.2", "1.2", "2"]


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        pytest.param(
            [Entry("1.1.1", D(3)), Entry("1.1.2", D(2)), Entry("1.2", D(4)), Entry("2", D(9))],
            [DomainTotal("1", D(9), D(10), D(0)), DomainTotal("2", D(9), D(10), D(0))],
            id="every-leaf-entered",
        ),
        pytest.param(
            [Entry("1.1.1", D(3)), Entry("1.1.2", D(2)), Entry("1.2", None, True), Entry("2", D(9))],
            [DomainTotal("1", D(5), D(10), D(4)), DomainTotal("2", D(9), D(10), D(0))],
            id="a-criterion-not-applicable-drops-its-maximum",
        ),
        pytest.param(
            [Entry("1.1", None, True), Entry("1.2", D(4)), Entry("2", D(9))],
            [DomainTotal("1", D(4), D(10), D(6)), DomainTotal("2", D(9), D(10), D(0))],
            id="a-whole-criterion-not-applicable-covers-its-sub-criteria",
        ),
        pytest.param(
            [Entry("1.1.1", D(3)), Entry("1.2", D(4)), Entry("2", D(9))],
            [DomainTotal("2", D(9), D(10), D(0))],
            id="a-missing-leaf-leaves-the-domain-out",
        ),
        pytest.param(
            [Entry("1", None, True), Entry("2", D(9))],
            [DomainTotal("1", D(0), D(10), D(10)), DomainTotal("2", D(9), D(10), D(0))],
            id="a-domain-not-applicable",
        ),
        pytest.param(
            [Entry("9", D(1)), Entry("2", D(9))],
            [DomainTotal("2", D(9), D(10), D(0))],
            id="unknown-codes-are-ignored",
        ),
    ],
)
def test_roll_up_adds_leaves_to_domains(entries, expected):
    assert roll_up(TREE, entries) == expected


def test_a_domain_without_its_own_maximum_takes_the_sum_of_its_criteria():
    tree = [Node("1", None, None), Node("1.1", "1", D(2)), Node("1.2", "1", D("3.5"))]
    assert roll_up(tree, [Entry("1.1", D(2)), Entry("1.2", D(1))]) == [DomainTotal("1", D(3), D("5.5"), D(0))]


@pytest.mark.parametrize(
    ("tree", "index_max", "expected"),
    [
        pytest.param(TREE, D(100), [], id="consistent"),
        pytest.param(
            [*TREE[:2], Node("1.1.1", "1.1", D(4)), *TREE[3:]],
            D(100),
            [(TreeProblem.CHILDREN_ABOVE_PARENT, "1.1", D(7), D(6))],
            id="sub-criteria-above-their-criterion",
        ),
        pytest.param(
            TREE, D(15), [(TreeProblem.ABOVE_INDEX_MAXIMUM, "", D(20), D(15))], id="domains-above-the-index"
        ),
        pytest.param(
            [Node("1", None, None), Node("1.1", "1", D(3))], D(100), [], id="unknown-maxima-are-not-checked"
        ),
        pytest.param(TREE, None, [], id="index-maximum-unknown"),
    ],
)
def test_tree_problems(tree, index_max, expected):
    assert [(i.code, i.node, i.total, i.maximum) for i in tree_problems(tree, index_max)] == expected
