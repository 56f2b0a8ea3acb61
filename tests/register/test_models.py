"""Bad input is refused twice: by model validation (full_clean, with a Vietnamese message) and by the database
itself (constraints and, on PostgreSQL, the triggers of migration 0002) when validation is bypassed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import translation

from parindex.entry.services import par_index
from parindex.register.models import (
    Assessment,
    Criterion,
    Edition,
    EditionKind,
    MaxPointsStatus,
    Methodology,
    Region,
    Score,
    Succession,
    Unit,
    UnitKind,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _vietnamese() -> Iterator[None]:
    # Messages are checked in the default language, whatever an earlier request in this thread activated.
    with translation.override("vi"):
        yield


@dataclass
class World:
    """A small, self-contained register for the bad-input cases (years after the loaded data)."""

    region: Region
    unit: Unit
    other_province: Unit
    methodology: Methodology
    domain: Criterion
    edition: Edition
    assessment: Assessment
    score: Score
    unscored: Assessment  # an assessment of the same edition without domain scores yet


@pytest.fixture
def world() -> World:
    region = Region.objects.get(name="Tây Nguyên")
    unit = Unit.objects.get(slug="gia-lai-2025")
    other_province = Unit.objects.get(slug="dak-lak-2025")
    methodology = Methodology.objects.create(
        index=par_index(), code="TEST 2026", title="Bộ tiêu chí thử", year_from=2026, year_until=2030
    )
    domain = Criterion.objects.create(
        methodology=methodology,
        number=1,
        name_vi="Lĩnh vực thử",
        max_points=Decimal(10),
        max_points_status=MaxPointsStatus.PUBLISHED,
    )
    edition = Edition.objects.create(
        index=par_index(), year=2026, kind=EditionKind.SELF, methodology=methodology
    )
    assessment = Assessment.objects.create(edition=edition, unit=unit)
    score = Score.objects.create(assessment=assessment, criterion=domain, points=Decimal(7))
    unscored = Assessment.objects.create(edition=edition, unit=other_province)
    return World(region, unit, other_province, methodology, domain, edition, assessment, score, unscored)


@dataclass(frozen=True)
class BadInput:
    """An invalid object built unsaved (`build`), and the same rule broken behind validation's back (`force`)."""

    build: Callable[[World], models.Model]
    message: str  # a fragment of the Vietnamese message full_clean gives
    force: Callable[[World], object]


def _new_province(w: World, **overrides: object) -> Unit:
    values: dict[str, object] = {
        "code": "99",
        "name": "Tỉnh Thử",
        "official_name": "Tỉnh Thử Nghiệm",
        "slug": "tinh-thu",
        "kind": UnitKind.PROVINCE,
        "region": w.region,
        "valid_from": date(2025, 7, 1),
    }
    values.update(overrides)
    return Unit(**values)


def _save(obj: models.Model) -> models.Model:
    obj.save()
    return obj


def _changed(obj: models.Model, **values: object) -> models.Model:
    """An existing row with new, unsaved values (what an edit form would validate)."""
    for name, value in values.items():
        setattr(obj, name, value)
    return obj


BAD_INPUTS = {
    "score_below_zero": BadInput(
        build=lambda w: _changed(w.score, points=Decimal("-0.01")),
        message="lớn hơn hoặc bằng",
        force=lambda w: Score.objects.filter(pk=w.score.pk).update(points=Decimal("-0.01")),
    ),
    "score_above_domain_maximum_on_insert": BadInput(
        build=lambda w: Score(assessment=w.unscored, criterion=w.domain, points=Decimal("10.01")),
        message="vượt quá điểm tối đa",
        force=lambda w: Score.objects.bulk_create(
            [Score(assessment=w.unscored, criterion=w.domain, points=Decimal("10.01"))]
        ),
    ),
    "score_above_domain_maximum_on_update": BadInput(
        build=lambda w: _changed(w.score, points=Decimal(11)),
        message="vượt quá điểm tối đa",
        force=lambda w: Score.objects.filter(pk=w.score.pk).update(points=Decimal(11)),
    ),
    "points_on_a_criterion_not_applicable_to_the_unit": BadInput(
        build=lambda w: _changed(w.score, points=Decimal(5), not_applicable=True),
        message="được đánh dấu không áp dụng cho đơn vị này",
        force=lambda w: Score.objects.filter(pk=w.score.pk).update(points=Decimal(5), not_applicable=True),
    ),
    "second_assessment_same_edition_and_province": BadInput(
        build=lambda w: Assessment(edition=w.edition, unit=w.unit),
        message="Đơn vị này đã có kết quả trong kỳ đánh giá này",
        force=lambda w: Assessment.objects.create(edition=w.edition, unit=w.unit),
    ),
    "province_without_region": BadInput(
        build=lambda w: _new_province(w, region=None),
        message="Đơn vị cấp tỉnh cần có vùng",
        force=lambda w: _save(_new_province(w, region=None)),
    ),
    "edition_year_before_methodology_years": BadInput(
        build=lambda w: Edition(
            index=par_index(), year=2025, kind=EditionKind.OFFICIAL, methodology=w.methodology
        ),
        message="nằm ngoài các năm áp dụng",
        force=lambda w: Edition.objects.create(
            index=par_index(), year=2025, kind=EditionKind.OFFICIAL, methodology=w.methodology
        ),
    ),
    "edition_year_moved_after_methodology_years": BadInput(
        build=lambda w: _changed(w.edition, year=2031),
        message="nằm ngoài các năm áp dụng",
        force=lambda w: Edition.objects.filter(pk=w.edition.pk).update(year=2031),
    ),
    "edition_with_methodology_without_years": BadInput(
        build=lambda w: Edition(
            index=par_index(),
            year=2026,
            kind=EditionKind.OFFICIAL,
            methodology=Methodology.objects.get(code="QĐ 2948/QĐ-BNV"),
        ),
        message="chưa có năm áp dụng",
        force=lambda w: Edition.objects.create(
            index=par_index(),
            year=2026,
            kind=EditionKind.OFFICIAL,
            methodology=Methodology.objects.get(code="QĐ 2948/QĐ-BNV"),
        ),
    ),
    "succession_to_itself": BadInput(
        build=lambda w: Succession(predecessor=w.unit, successor=w.unit, date=date(2025, 7, 1)),
        message="không thể kế thừa chính nó",
        force=lambda w: Succession.objects.create(
            predecessor=w.unit, successor=w.unit, date=date(2025, 7, 1)
        ),
    ),
    "methodology_years_out_of_order": BadInput(
        build=lambda w: Methodology(
            index=par_index(), code="NGƯỢC", title="Năm ngược", year_from=2025, year_until=2022
        ),
        message="Năm kết thúc phải không nhỏ hơn năm bắt đầu",
        force=lambda w: Methodology.objects.filter(pk=w.methodology.pk).update(year_from=2031),
    ),
    "index_above_100": BadInput(
        build=lambda w: _changed(w.assessment, published_index=Decimal("100.01")),
        message="nhỏ hơn hoặc bằng",
        force=lambda w: Assessment.objects.filter(pk=w.assessment.pk).update(
            published_index=Decimal("100.01")
        ),
    ),
    "index_below_zero": BadInput(
        build=lambda w: _changed(w.assessment, published_index=Decimal("-0.01")),
        message="lớn hơn hoặc bằng",
        force=lambda w: Assessment.objects.filter(pk=w.assessment.pk).update(
            published_index=Decimal("-0.01")
        ),
    ),
    "rank_zero": BadInput(
        build=lambda w: _changed(w.assessment, published_rank=0),
        message="lớn hơn hoặc bằng với 1",
        force=lambda w: Assessment.objects.filter(pk=w.assessment.pk).update(published_rank=0),
    ),
    "domain_maximum_zero": BadInput(
        build=lambda w: _changed(w.domain, max_points=Decimal(0)),
        message="lớn hơn hoặc bằng",
        force=lambda w: Criterion.objects.filter(pk=w.domain.pk).update(max_points=Decimal(0)),
    ),
    "domain_maximum_above_100": BadInput(
        build=lambda w: _changed(w.domain, max_points=Decimal("100.5")),
        message="nhỏ hơn hoặc bằng",
        force=lambda w: Criterion.objects.filter(pk=w.domain.pk).update(max_points=Decimal("100.5")),
    ),
    "province_valid_until_before_valid_from": BadInput(
        build=lambda w: _new_province(w, valid_until=date(2025, 1, 1)),
        message="Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực",
        force=lambda w: _save(_new_province(w, valid_until=date(2025, 1, 1))),
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_refused_by_validation_with_a_vietnamese_message(world: World, case: BadInput):
    obj = case.build(world)
    with pytest.raises(ValidationError) as refused:
        obj.full_clean()
    assert case.message in " ".join(refused.value.messages)


@pytest.mark.parametrize("case", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_refused_by_the_database(world: World, case: BadInput):
    with pytest.raises(IntegrityError), transaction.atomic():
        case.force(world)


def test_world_itself_is_valid(world: World):
    """The cases above fail for the reason they name, not because the fixture is broken."""
    for obj in (
        _new_province(world),
        world.methodology,
        world.domain,
        world.edition,
        world.assessment,
        world.score,
        world.unscored,
    ):
        obj.full_clean()


def test_score_at_exactly_the_maximum_is_accepted(world: World):
    world.score.points = Decimal(10)
    world.score.full_clean()
    world.score.save()
    world.score.refresh_from_db()
    assert world.score.points == Decimal(10)


def test_score_for_a_domain_with_unknown_maximum_is_refused(world: World):
    unknown = Criterion.objects.create(
        methodology=world.methodology, number=2, name_vi="Chưa rõ", max_points_status=MaxPointsStatus.UNKNOWN
    )
    score = Score(assessment=world.assessment, criterion=unknown, points=Decimal(1))
    with pytest.raises(ValidationError) as refused:
        score.full_clean()
    assert "chưa có điểm tối đa" in " ".join(refused.value.messages)
    with pytest.raises(IntegrityError), transaction.atomic():
        score.save()


def test_same_province_may_have_an_assessment_in_each_edition(world: World):
    other_edition = Edition.objects.create(
        index=par_index(), year=2026, kind=EditionKind.OFFICIAL, methodology=world.methodology
    )
    assessment = Assessment(edition=other_edition, unit=world.unit)
    assessment.full_clean()
    assessment.save()
    assert world.unit.assessments.filter(edition__year=2026).count() == 2


@pytest.mark.parametrize(
    ("year", "expected_count", "valid_from", "valid_until"),
    [
        pytest.param(2012, 63, None, date(2025, 6, 30), id="first_par_year_has_63"),
        pytest.param(2024, 63, None, date(2025, 6, 30), id="last_63_unit_year"),
        pytest.param(2025, 34, date(2025, 7, 1), None, id="first_34_unit_year"),
        pytest.param(2030, 34, date(2025, 7, 1), None, id="later_years_keep_the_34"),
    ],
)
def test_valid_in_year_gives_the_units_of_that_year(year, expected_count, valid_from, valid_until):
    units = Unit.objects.valid_in_year(year)
    assert units.count() == expected_count
    assert set(units.values_list("valid_from", "valid_until")) == {(valid_from, valid_until)}


def test_province_is_valid_in_agrees_with_the_queryset():
    for year in (2024, 2025):
        valid = set(Unit.objects.valid_in_year(year).values_list("pk", flat=True))
        assert {p.pk for p in Unit.objects.all() if p.is_valid_in(year)} == valid
