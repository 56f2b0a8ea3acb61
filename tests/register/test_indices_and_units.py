"""One register for every index and every level of unit: two indices of one year side by side, a province's own
index of its departments (three levels of criteria, a criterion not applicable, ties) computed by the same engine,
and bad input refused with a message naming the unit and the criterion, nothing written."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from parindex.entry.services import EntryError, RowInput, scores_save
from parindex.register.models import (
    PAR_INDEX,
    Assessment,
    Criterion,
    Edition,
    EditionKind,
    EditionStatus,
    Index,
    MaxPointsStatus,
    Methodology,
    Score,
    Succession,
    Unit,
    UnitKind,
    UnitLevel,
)
from scoring.models import DomainResult, YearResult
from scoring.services import results_recompute
from tests.entry.entry_helpers import YEAR, draft_edition, full_points, make_user, units

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> User:
    return make_user("quan-tri-chi-so", superuser=True)


def _results(edition: Edition) -> dict[str, tuple[Decimal | None, int]]:
    return {
        name: (index, rank)
        for name, index, rank in YearResult.objects.filter(edition=edition).values_list(
            "unit__name", "index", "rank"
        )
    }


# --- Two indices of one year ------------------------------------------------------------------------------


def test_par_index_and_sipas_of_2024_live_side_by_side_each_with_its_own_results(admin):
    par = Index.objects.get(code=PAR_INDEX)
    sipas = Index.objects.get(code="SIPAS")
    par_2024 = Edition.objects.get(index=par, year=2024, kind=EditionKind.OFFICIAL)
    sipas_2024, _created = Edition.objects.get_or_create(
        index=sipas, year=2024, kind=EditionKind.OFFICIAL, defaults={"status": EditionStatus.DRAFT}
    )
    Edition.objects.filter(pk=sipas_2024.pk).update(status=EditionStatus.DRAFT)
    sipas_2024.refresh_from_db()
    par_before = _results(par_2024)
    chosen = units(2024)[:3]
    rows = [
        RowInput(unit.pk, value, None, {})
        for unit, value in zip(chosen, (D("91.10"), D("85.00"), D("85.00")), strict=True)
    ]
    scores_save(edition=sipas_2024, rows=rows, user=admin)
    results_recompute(edition=sipas_2024)

    sipas_results = _results(sipas_2024)
    for unit, expected in zip(chosen, ((D("91.10"), 1), (D("85.00"), 2), (D("85.00"), 2)), strict=True):
        assert sipas_results[unit.name] == expected
    assert _results(par_2024) == par_before  # PAR INDEX 2024 untouched by SIPAS 2024
    assert str(sipas_2024) == "SIPAS 2024 · Chính thức (Bộ Nội vụ công bố)"
    assert str(par_2024) == "PAR INDEX 2024 · Chính thức (Bộ Nội vụ công bố)"


def test_an_index_has_one_edition_per_year_and_kind_but_another_index_may_have_the_same():
    par = Index.objects.get(code=PAR_INDEX)
    pci = Index.objects.get(code="PCI")
    Edition.objects.create(index=pci, year=2024, kind=EditionKind.SELF)  # beside PAR INDEX 2024
    with pytest.raises(ValidationError) as refused:
        Edition(index=par, year=2024, kind=EditionKind.OFFICIAL).full_clean()
    assert "Chỉ số này đã có kỳ đánh giá năm đó, loại đó" in str(refused.value)


# --- A province's own index of its departments --------------------------------------------------------------


@dataclass
class DepartmentWorld:
    province: Unit
    index: Index
    edition: Edition
    departments: dict[str, Unit]
    criteria: dict[str, Criterion]


def _criterion(methodology: Methodology, parent: Criterion | None, number: int, maximum: str) -> Criterion:
    return Criterion.objects.create(
        methodology=methodology,
        parent=parent,
        number=number,
        name_vi=f"Tiêu chí {number}",
        max_points=D(maximum),
        max_points_status=MaxPointsStatus.PUBLISHED,
    )


@pytest.fixture
def departments(admin) -> DepartmentWorld:
    """Quảng Nam's own PAR index of its departments in 2024: domain 1 (10) → criterion 1.1 (6) → 1.1.1 (3),
    1.1.2 (3); criterion 1.2 (4); domain 2 (10); four departments."""
    province = Unit.objects.get(slug="quang-nam")
    index = Index.objects.create(
        code="QNAM_SO",
        short_name="PAR INDEX sở Quảng Nam",
        name_vi="Chỉ số CCHC các sở, ban, ngành tỉnh Quảng Nam",
        publisher="UBND tỉnh Quảng Nam",
        unit_level=UnitLevel.DEPARTMENT,
        owner=province,
        max_value=D(20),
    )
    methodology = Methodology.objects.create(
        index=index, code="QN-SO-2024", title="Bộ tiêu chí sở 2024", year_from=2024, year_until=2024
    )
    d1 = _criterion(methodology, None, 1, "10")
    c11 = _criterion(methodology, d1, 1, "6")
    criteria = {
        "1": d1,
        "1.1": c11,
        "1.1.1": _criterion(methodology, c11, 1, "3"),
        "1.1.2": _criterion(methodology, c11, 2, "3"),
        "1.2": _criterion(methodology, d1, 2, "4"),
        "2": _criterion(methodology, None, 2, "10"),
    }
    names = {"A": "Sở Nội vụ", "B": "Sở Tư pháp", "C": "Sở Tài chính", "D": "Sở Y tế"}
    units_by_key = {
        key: Unit.objects.create(
            level=UnitLevel.DEPARTMENT,
            parent=province,
            code=f"QN-{key}",
            name=name,
            official_name=f"{name} tỉnh Quảng Nam",
            slug=f"quang-nam-{key.lower()}",
            kind=UnitKind.DEPARTMENT,
        )
        for key, name in names.items()
    }
    edition = Edition.objects.create(
        index=index, year=2024, kind=EditionKind.OFFICIAL, methodology=methodology
    )
    return DepartmentWorld(province, index, edition, units_by_key, criteria)


def _row(unit: Unit, points: dict[str, str], not_applicable: tuple[str, ...] = ()) -> RowInput:
    return RowInput(
        unit.pk,
        None,
        None,
        {code: D(value) for code, value in points.items()},
        not_applicable=dict.fromkeys(not_applicable, True),
    )


def test_a_department_index_with_three_levels_is_computed_by_the_same_engine_with_ties(departments, admin):
    w = departments
    scores_save(
        edition=w.edition,
        rows=[
            _row(w.departments["A"], {"1.1.1": "3", "1.1.2": "3", "1.2": "4", "2": "10"}),
            # 1.2 does not apply to Sở Tư pháp: 12 points of an applicable 16.
            _row(w.departments["B"], {"1.1.1": "2", "1.1.2": "2", "2": "8"}, not_applicable=("1.2",)),
            _row(w.departments["C"], {"1.1.1": "3", "1.1.2": "1.5", "1.2": "3", "2": "7.5"}),
            _row(w.departments["D"], {"1.1.1": "1", "1.1.2": "1", "1.2": "2", "2": "6"}),
        ],
        user=admin,
    )
    summary = results_recompute(edition=w.edition)

    assert summary.complete and summary.expected_units == 4
    results = {r.unit.name: r for r in YearResult.objects.filter(edition=w.edition).select_related("unit")}
    expected = {  # name: (index, rank, points, applicable maximum)
        "Sở Nội vụ": (D("100.00"), 1, D(20), D(20)),
        "Sở Tư pháp": (D("75.00"), 2, D(12), D(16)),
        "Sở Tài chính": (D("75.00"), 2, D(15), D(20)),  # tied with Sở Tư pháp: 1, 2, 2, 4
        "Sở Y tế": (D("50.00"), 4, D(10), D(20)),
    }
    assert {name: (r.index, r.rank, r.points, r.max_points) for name, r in results.items()} == expected
    assert {r.region_rank for r in results.values()} == {None}  # departments have no region
    domain_1 = {
        name: (percent, rank)
        for name, percent, rank in DomainResult.objects.filter(
            year_result__edition=w.edition, domain=w.criteria["1"]
        ).values_list("year_result__unit__name", "percent", "rank")
    }
    assert domain_1 == {
        "Sở Nội vụ": (D("100.00"), 1),
        "Sở Tài chính": (D("75.00"), 2),
        "Sở Tư pháp": (D("66.67"), 3),  # 4 of an applicable 6
        "Sở Y tế": (D("40.00"), 4),
    }


BAD_DEPARTMENT_ROWS = {
    "above-a-sub-criterion-maximum": (
        {"1.1.1": "3.5", "1.1.2": "3", "1.2": "4", "2": "10"},
        (),
        "d1.1.1",
        "Sở Nội vụ – Tiêu chí thành phần 1.1.1: điểm 3,50 vượt quá điểm tối đa 3,00.",
    ),
    "points-on-a-criterion-not-applicable": (
        {"1.1.1": "3", "1.1.2": "3", "1.2": "0", "2": "10"},
        ("1.2",),
        "d1.2",
        "Sở Nội vụ – Tiêu chí 1.2 được đánh dấu không áp dụng cho đơn vị này",
    ),
    "points-on-a-criterion-that-has-sub-criteria": (
        {"1.1": "6", "1.2": "4", "2": "10"},
        (),
        "d1.1",
        "Tiêu chí 1.1 không có trong bộ tiêu chí, hoặc gồm các tiêu chí nhỏ hơn",
    ),
    "a-missing-sub-criterion": (
        {"1.1.1": "3", "1.2": "4", "2": "10"},
        (),
        "row",
        "Sở Nội vụ: thiếu điểm Tiêu chí thành phần 1.1.2.",
    ),
}


@pytest.mark.parametrize(
    ("points", "marks", "field", "message"), BAD_DEPARTMENT_ROWS.values(), ids=BAD_DEPARTMENT_ROWS
)
def test_bad_points_in_a_department_index_name_unit_and_criterion_and_save_nothing(
    departments, admin, points, marks, field, message
):
    w = departments
    before = (Assessment.objects.count(), Score.objects.count())
    with pytest.raises(EntryError) as refused:
        scores_save(edition=w.edition, rows=[_row(w.departments["A"], points, marks)], user=admin)
    assert any(e.field == field and message in e.message for e in refused.value.errors), refused.value.errors
    assert (Assessment.objects.count(), Score.objects.count()) == before


@pytest.mark.parametrize(
    ("unit_slug", "message"),
    [
        pytest.param(
            "ha-noi-2025",
            "Hà Nội là đơn vị cấp tỉnh, chỉ số PAR INDEX sở Quảng Nam đánh giá đơn vị cấp sở, ban, ngành.",
            id="a-province-in-a-department-index",
        ),
        pytest.param(
            "da-nang-so",
            "Sở Nội vụ Đà Nẵng không thuộc Quảng Nam, tỉnh tổ chức chỉ số PAR INDEX sở Quảng Nam.",
            id="another-provinces-department",
        ),
    ],
)
def test_a_unit_the_index_does_not_measure_is_refused_by_name(departments, admin, unit_slug, message):
    w = departments
    if unit_slug == "da-nang-so":
        Unit.objects.create(
            level=UnitLevel.DEPARTMENT,
            parent=Unit.objects.get(slug="da-nang"),
            code="DN-NV",
            name="Sở Nội vụ Đà Nẵng",
            official_name="Sở Nội vụ thành phố Đà Nẵng",
            slug="da-nang-so",
            kind=UnitKind.DEPARTMENT,
        )
    unit = Unit.objects.get(slug=unit_slug)
    before = Assessment.objects.count()
    with pytest.raises(EntryError) as refused:
        scores_save(edition=w.edition, rows=[RowInput(unit.pk, D(80), None, {})], user=admin)
    assert [e.message for e in refused.value.errors] == [message]
    assert Assessment.objects.count() == before


def test_a_department_in_the_national_index_is_refused_by_the_service_and_by_the_database(departments, admin):
    w = departments
    par_2024 = Edition.objects.get(index__code=PAR_INDEX, year=2024, kind=EditionKind.OFFICIAL)
    Edition.objects.filter(pk=par_2024.pk).update(status=EditionStatus.DRAFT)
    par_2024.refresh_from_db()
    department = w.departments["A"]
    with pytest.raises(EntryError) as refused:
        scores_save(edition=par_2024, rows=[RowInput(department.pk, D(80), 5, {})], user=admin)
    assert "Sở Nội vụ là đơn vị cấp sở, ban, ngành, chỉ số PAR INDEX đánh giá đơn vị cấp tỉnh." in str(
        refused.value
    )
    with pytest.raises(IntegrityError, match="is of level department"), transaction.atomic():
        Assessment.objects.create(edition=par_2024, unit=department, published_index=D(80))


# --- Not applicable in the grid of the national index -------------------------------------------------------


def test_a_grid_save_on_a_criterion_not_applicable_gets_a_clear_message_and_saves_nothing(client, admin):
    edition = draft_edition()
    unit = units(YEAR)[0]
    points = {code: value for code, value in full_points().items() if code != "3"}
    scores_save(
        edition=edition, rows=[RowInput(unit.pk, None, None, points, not_applicable={"3": True})], user=admin
    )
    score = Score.objects.get(assessment__edition=edition, assessment__unit=unit, criterion__number=3)
    assert (score.points, score.not_applicable) == (None, True)
    client.force_login(admin)
    grid = client.get(reverse("entry:grid", args=[edition.pk]))
    assert f'name="p-{unit.pk}-d3"' not in grid.content.decode()  # shown as "KAD", not as an input
    assert "KAD" in grid.content.decode()

    data = {
        f"p-{unit.pk}-version": "1",
        f"p-{unit.pk}-d3": "5",
        f"p-{unit.pk}-index": "",
        f"p-{unit.pk}-rank": "",
    }
    data |= {f"p-{unit.pk}-d{code}": str(value) for code, value in points.items()}
    response = client.post(reverse("entry:grid", args=[edition.pk]), data)

    assert response.status_code == 422
    assert "Lĩnh vực 3 được đánh dấu không áp dụng cho đơn vị này" in response.content.decode()
    score.refresh_from_db()
    assert (score.points, score.not_applicable) == (None, True)
    assert Assessment.objects.get(edition=edition, unit=unit).version == 1


def test_a_domain_not_applicable_drops_its_maximum_from_the_index(admin):
    edition = draft_edition()
    unit = units(YEAR)[0]
    points = {code: value for code, value in full_points().items() if code != "3"}
    scores_save(
        edition=edition, rows=[RowInput(unit.pk, None, None, points, not_applicable={"3": True})], user=admin
    )
    results_recompute(edition=edition)
    result = YearResult.objects.get(edition=edition, unit=unit)
    # 80% of every applicable maximum: 85.5 points of the 100 − 14.5 that apply.
    assert (result.points, result.max_points, result.index) == (sum(points.values()), D("85.5"), D("80.00"))
    assert not DomainResult.objects.filter(year_result=result, domain__number=3).exists()


# --- The register's own bad input ---------------------------------------------------------------------------


def _department(slug: str = "quang-nam") -> Unit:
    return Unit(
        level=UnitLevel.DEPARTMENT,
        parent=Unit.objects.get(slug=slug),
        code="X",
        name="Sở Thử",
        official_name="Sở Thử",
        slug=f"so-thu-{slug}",
        kind=UnitKind.DEPARTMENT,
    )


BAD_REGISTER_INPUT = {
    "succession-to-itself": (
        lambda: Succession(
            predecessor=Unit.objects.get(slug="ha-noi"),
            successor=Unit.objects.get(slug="ha-noi"),
            date="2025-07-01",
        ),
        "Hà Nội không thể kế thừa chính nó.",
    ),
    "succession-across-levels": (
        lambda: Succession(
            predecessor=Unit.objects.get(slug="quang-nam"), successor=_saved(_department()), date="2025-07-01"
        ),
        "hai đơn vị phải cùng cấp",
    ),
    "index-code-twice-in-another-case": (
        lambda: Index(code="sipas", short_name="SIPAS", name_vi="Trùng", unit_level=UnitLevel.PROVINCE),
        "Mã chỉ số này đã có",
    ),
    "a-department-without-a-province": (
        lambda: Unit(
            level=UnitLevel.DEPARTMENT,
            code="Y",
            name="Sở Mồ Côi",
            official_name="Sở Mồ Côi",
            slug="so-mo-coi",
        ),
        "Sở Mồ Côi: sở và xã phải thuộc một tỉnh, thành phố.",
    ),
    "a-department-of-a-department": (
        lambda: Unit(
            level=UnitLevel.COMMUNE,
            parent=_saved(_department()),
            code="Z",
            name="Xã Lạ",
            official_name="Xã Lạ",
            slug="xa-la",
            kind=UnitKind.COMMUNE,
        ),
        "Xã Lạ: đơn vị cha Sở Thử không phải là tỉnh, thành phố.",
    ),
    "a-department-index-without-a-province": (
        lambda: Index(code="SO_LA", short_name="Lạ", name_vi="Lạ", unit_level=UnitLevel.DEPARTMENT),
        "chỉ số cấp sở, cấp xã phải có tỉnh tổ chức",
    ),
}


def _saved(unit: Unit) -> Unit:
    unit.save()
    return unit


@pytest.mark.parametrize(("build", "message"), BAD_REGISTER_INPUT.values(), ids=BAD_REGISTER_INPUT)
def test_bad_register_input_is_refused_with_a_message_naming_it(build, message):
    with pytest.raises(ValidationError) as refused:
        build().full_clean()
    assert message in str(refused.value)


def test_the_database_is_the_last_guard_and_its_refusal_is_a_message_not_a_server_error(admin, monkeypatch):
    """Were the points rule ever to let a value through, the trigger refuses it and the user reads why."""
    edition = draft_edition()
    unit = units(YEAR)[0]
    monkeypatch.setattr("parindex.register.rules.points_problem", lambda *args, **kwargs: None)
    with pytest.raises(EntryError) as refused:
        scores_save(
            edition=edition, rows=[RowInput(unit.pk, None, None, full_points() | {"1": D(11)})], user=admin
        )
    (error,) = refused.value.errors
    assert error.message.startswith("Cơ sở dữ liệu từ chối lưu (points 11.00 exceed the maximum 10.00")
    assert "Chưa lưu gì" in error.message
    assert not Assessment.objects.filter(edition=edition).exists()
