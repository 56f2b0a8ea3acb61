"""The target service: who may set a target (role and scope), what a target may ask, atomic and logged."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from parindex.entry.target_forms import TargetForm
from parindex.entry.targets import (
    NON_FIELD,
    Goals,
    TargetError,
    leader_scope,
    scope_problem,
    target_delete,
    target_set,
    units_in_year,
)
from parindex.register.models import Index, Target, Unit, UnitKind, UnitLevel
from tests.entry.entry_helpers import make_user

pytestmark = pytest.mark.django_db


def _unit(slug: str) -> Unit:
    return Unit.objects.get(slug=slug)


def _index(code: str = "PAR_INDEX") -> Index:
    return Index.objects.get(code=code)


@pytest.fixture
def leader():
    return make_user("lanh-dao", "leader")


@pytest.fixture
def scoped_leader():
    """A leader of Đà Nẵng (2025) only."""
    return make_user("lanh-dao-da-nang", "leader", "leader:da-nang-2025")


def test_a_leader_sets_several_targets_of_a_unit_and_the_write_is_logged(leader, caplog):
    unit = _unit("da-nang-2025")
    with caplog.at_level(logging.INFO, logger="parindex.entry.targets"):
        first = target_set(user=leader, unit=unit, index=_index(), year=2025, goals=Goals(target_rank=20))
        second = target_set(user=leader, unit=unit, index=_index(), year=2026, goals=Goals(target_group="A"))
    assert {(t.year, t.target_rank, t.target_group) for t in Target.objects.filter(unit=unit)} == {
        (2025, 20, ""),
        (2026, None, "A"),
    }
    assert first.created_by == leader and second.created_by == leader
    logged = [r.getMessage() for r in caplog.records if r.name == "parindex.entry.targets"]
    assert len(logged) == 2
    assert "target created by lanh-dao: unit=da-nang-2025 index=PAR_INDEX year=2025 rank=20" in logged[0]


def test_setting_a_target_again_replaces_its_goals(leader):
    unit, index = _unit("da-nang-2025"), _index()
    target_set(user=leader, unit=unit, index=index, year=2026, goals=Goals(target_rank=10))
    target_set(user=leader, unit=unit, index=index, year=2026, goals=Goals(target_index=Decimal("90.5")))
    [target] = Target.objects.filter(unit=unit, index=index, year=2026)
    assert (target.target_rank, target.target_index) == (None, Decimal("90.50"))


@pytest.mark.parametrize(
    ("year", "goals", "field", "message"),
    [
        (2026, Goals(target_rank=0), "target_rank", "từ 1 đến 34"),
        (2026, Goals(target_rank=64), "target_rank", "từ 1 đến 34 (năm 2026 có 34 đơn vị)"),
        (2026, Goals(target_group="D"), "target_group", "A, B hoặc C"),
        (2026, Goals(target_index=Decimal("100.5")), "target_index", "từ 0 đến 100"),
        (2026, Goals(target_index=Decimal("-1")), "target_index", "từ 0 đến 100"),
        (2026, Goals(target_index=Decimal("90.125")), "target_index", "hai chữ số thập phân"),
        (2026, Goals(), NON_FIELD, "Cần ít nhất một mục tiêu"),
        (1999, Goals(target_rank=5), "year", "Năm phải từ"),
    ],
)
def test_bad_targets_are_refused_with_a_message_and_nothing_saved(leader, year, goals, field, message):
    with pytest.raises(TargetError) as refused:
        target_set(user=leader, unit=_unit("da-nang-2025"), index=_index(), year=year, goals=goals)
    assert any(message in text for text in refused.value.errors[field])
    assert not refused.value.forbidden
    assert not Target.objects.filter(unit__slug="da-nang-2025").exists()


def test_a_rank_of_63_is_allowed_in_a_63_unit_year_not_in_a_34_unit_year(leader):
    unit_63, index = _unit("quang-nam"), _index()
    assert units_in_year(index, 2024) == 63 and units_in_year(index, 2025) == 34
    target_set(user=leader, unit=unit_63, index=index, year=2024, goals=Goals(target_rank=63))
    with pytest.raises(TargetError):
        target_set(
            user=leader, unit=_unit("da-nang-2025"), index=index, year=2025, goals=Goals(target_rank=35)
        )


def test_a_unit_that_does_not_exist_in_the_year_gets_no_target(leader):
    with pytest.raises(TargetError) as refused:
        target_set(
            user=leader, unit=_unit("quang-nam"), index=_index(), year=2026, goals=Goals(target_rank=5)
        )
    assert "không phải là đơn vị hành chính cấp tỉnh trong năm 2026" in refused.value.errors[NON_FIELD][0]
    assert not Target.objects.filter(unit__slug="quang-nam").exists()


@pytest.mark.parametrize("roles", [(), ("editor",), ("approver",)])
def test_only_leaders_and_admins_set_targets(roles):
    user = make_user("nguoi-khac", *roles)
    with pytest.raises(TargetError) as refused:
        target_set(
            user=user, unit=_unit("da-nang-2025"), index=_index(), year=2026, goals=Goals(target_rank=5)
        )
    assert refused.value.forbidden
    with pytest.raises(TargetError):
        target_set(
            user=AnonymousUser(),
            unit=_unit("da-nang-2025"),
            index=_index(),
            year=2026,
            goals=Goals(target_rank=5),
        )
    assert not Target.objects.exists()


def test_an_admin_sets_targets_anywhere():
    admin = make_user("quan-tri", superuser=True)
    target_set(user=admin, unit=_unit("ha-noi-2025"), index=_index(), year=2026, goals=Goals(target_rank=1))
    assert Target.objects.filter(unit__slug="ha-noi-2025").exists()


def test_a_scoped_leader_sets_targets_only_in_their_province(scoped_leader):
    assert leader_scope(scoped_leader) == {"da-nang-2025"}
    target_set(
        user=scoped_leader, unit=_unit("da-nang-2025"), index=_index(), year=2026, goals=Goals(target_rank=10)
    )
    with pytest.raises(TargetError) as refused:
        target_set(
            user=scoped_leader,
            unit=_unit("ha-noi-2025"),
            index=_index(),
            year=2026,
            goals=Goals(target_rank=1),
        )
    assert refused.value.forbidden
    assert "Hà Nội không thuộc phạm vi" in refused.value.errors[NON_FIELD][0]
    assert list(Target.objects.values_list("unit__slug", flat=True)) == ["da-nang-2025"]


def test_a_scoped_leader_cannot_use_another_provinces_own_index(scoped_leader):
    da_nang, ha_noi = _unit("da-nang-2025"), _unit("ha-noi-2025")
    department = Unit.objects.create(
        level=UnitLevel.DEPARTMENT,
        parent=da_nang,
        code="DN-SNV",
        name="Sở Nội vụ Đà Nẵng",
        official_name="Sở Nội vụ thành phố Đà Nẵng",
        slug="so-noi-vu-da-nang",
        kind=UnitKind.DEPARTMENT,
    )
    ha_noi_index = Index.objects.create(
        code="HN_DEPARTMENTS",
        short_name="PAR sở Hà Nội",
        name_vi="Chỉ số CCHC các sở Hà Nội",
        unit_level=UnitLevel.DEPARTMENT,
        owner=ha_noi,
    )
    problem = scope_problem(scoped_leader, department, ha_noi_index)
    assert "chỉ số riêng của Hà Nội" in problem
    with pytest.raises(TargetError) as refused:
        target_set(
            user=scoped_leader, unit=department, index=ha_noi_index, year=2026, goals=Goals(target_rank=1)
        )
    assert refused.value.forbidden
    # Their own province's department on the national index of provinces: another level, refused with why.
    with pytest.raises(TargetError) as misfit:
        target_set(user=scoped_leader, unit=department, index=_index(), year=2026, goals=Goals(target_rank=1))
    assert "đánh giá đơn vị cấp tỉnh" in misfit.value.errors[NON_FIELD][0]
    assert not Target.objects.exists()


def test_deleting_a_target_checks_the_scope(scoped_leader, leader):
    target = target_set(
        user=leader, unit=_unit("ha-noi-2025"), index=_index(), year=2026, goals=Goals(target_rank=1)
    )
    with pytest.raises(TargetError):
        target_delete(user=scoped_leader, target=target)
    assert Target.objects.filter(pk=target.pk).exists()
    target_delete(user=leader, target=target)
    assert not Target.objects.filter(pk=target.pk).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"year": "2026", "target_rank": "mười"}, "target_rank"),
        ({"year": "2026", "target_rank": "0"}, "target_rank"),
        ({"year": "2026", "target_rank": "2,5"}, "target_rank"),
        ({"year": "năm sau", "target_rank": "5"}, "year"),
        ({"year": "2026", "target_index": "chín mươi"}, "target_index"),
        ({"year": "2026", "target_group": "E"}, "target_group"),
    ],
)
def test_the_form_says_what_is_not_a_number(data, field):
    form = TargetForm({"index": _index().pk, **data}, unit=_unit("da-nang-2025"))
    assert not form.is_valid()
    assert form.errors[field]


def test_the_form_reads_vietnamese_decimals():
    form = TargetForm(
        {"index": _index().pk, "year": "2026", "target_index": "87,33", "target_rank": "20"},
        unit=_unit("da-nang-2025"),
    )
    assert form.is_valid(), form.errors
    assert form.goals() == Goals(target_rank=20, target_group="", target_index=Decimal("87.33"), note="")
