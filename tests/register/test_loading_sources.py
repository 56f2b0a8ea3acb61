"""The sourced published figures the loader reads besides the totals: the QĐ 876 domain maxima with their
sources, the point split, the totals of a second source (new rows, blanks filled, disagreements), domain results,
the 2020 components, and SIPAS as an index of its own.

The session fixture (tests/conftest.py) has loaded everything once and recomputed; tests that load again do it
inside their rolled-back transaction.
"""

from __future__ import annotations

import csv
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.core.validators import URLValidator

from parindex.register.loading import FIXTURES_DIR, par_data_load
from parindex.register.models import (
    PAR_INDEX,
    Assessment,
    Criterion,
    Edition,
    EditionKind,
    EditionStatus,
    MaxPointsStatus,
    MethodologyPart,
    PublishedAverage,
    PublishedFigure,
    Unit,
)
from parindex.register.names import UnitMatcher
from scoring.models import EditionSummary

pytestmark = pytest.mark.django_db

QD_876 = "QĐ 876/QĐ-BNV"
SON_LA_2024 = "https://thongtindoingoai.sonla.gov.vn/en/content-1040-tang-chi-so-cai-cach-hanh-chinh.html"
SIPAS = "SIPAS"


def _fixture_rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _dec(text: str) -> Decimal | None:
    return Decimal(text) if text.strip() else None


def _int(text: str) -> int | None:
    return int(text) if text.strip() else None


def _unit(year: int, name: str) -> Unit:
    return UnitMatcher.for_year(year, Unit.objects.filter(level="province")).match(name)


def _assessment(index: str, year: int, name: str) -> Assessment:
    return Assessment.objects.get(
        edition__index__code=index,
        edition__kind=EditionKind.OFFICIAL,
        edition__year=year,
        unit=_unit(year, name),
    )


def _figures(index: str, year: int, name: str, measure: str = "") -> list[PublishedFigure]:
    return list(
        PublishedFigure.objects.filter(
            index__code=index, year=year, unit=_unit(year, name), measure=measure
        ).order_by("pk")
    )


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    return {
        "figure": list(
            PublishedFigure.objects.order_by("pk").values_list(
                "pk",
                "index_id",
                "year",
                "unit_id",
                "measure",
                "criterion_id",
                "value",
                "max_points",
                "rank",
                "source_url",
                "quote",
                "note",
                "disagrees",
            )
        ),
        "part": list(
            MethodologyPart.objects.order_by("pk").values_list(
                "pk", "methodology_id", "key", "name", "max_points", "status", "source_url", "quote", "order"
            )
        ),
        "criterion": list(
            Criterion.objects.order_by("pk").values_list(
                "pk", "max_points", "max_points_status", "source_url", "note"
            )
        ),
        "assessment": list(
            Assessment.objects.order_by("pk").values_list(
                "pk", "edition_id", "unit_id", "published_index", "published_rank", "source_url", "note"
            )
        ),
        "edition": list(
            Edition.objects.order_by("pk").values_list(
                "pk", "index_id", "year", "kind", "status", "methodology_id"
            )
        ),
        "average": list(
            PublishedAverage.objects.order_by("pk").values_list(
                "pk", "index_id", "year", "region_id", "average"
            )
        ),
    }


# --- a second load ------------------------------------------------------------------------------------


def test_a_second_load_creates_and_updates_nothing():
    before = _snapshot()
    report = par_data_load()
    assert +report.created == Counter(), report.lines()
    assert +report.updated == Counter(), report.lines()
    after = _snapshot()
    for table, rows in before.items():
        assert after[table] == rows, table


def test_loading_again_restores_a_filled_blank_and_a_disagreement_flag():
    filled = _assessment(PAR_INDEX, 2015, "Hải Phòng")
    Assessment.objects.filter(pk=filled.pk).update(published_index=None)
    flagged = _figures(PAR_INDEX, 2012, "Đà Nẵng")[0]
    PublishedFigure.objects.filter(pk=flagged.pk).update(disagrees=False)

    report = par_data_load()

    filled.refresh_from_db()
    flagged.refresh_from_db()
    assert filled.published_index == Decimal("92.59")
    assert flagged.disagrees
    assert (report.updated["assessment"], report.updated["publishedfigure"]) == (1, 1), report.lines()


# --- the criteria set QĐ 876: domain maxima and point split ----------------------------------------------


@pytest.mark.parametrize(
    ("number", "maximum"),
    [(3, Decimal(13)), (4, Decimal("10.5")), (5, Decimal(15)), (8, Decimal("16.5"))],
)
def test_the_four_sourced_maxima_of_qd_876_are_loaded_with_their_source(number, maximum):
    domain = Criterion.objects.get(methodology__code=QD_876, level=1, number=number)
    assert domain.max_points == maximum
    assert domain.max_points_status == MaxPointsStatus.PUBLISHED
    assert domain.source_url == SON_LA_2024
    assert "Sơn La 2024" in domain.note


def test_the_other_four_maxima_of_qd_876_stay_unknown_and_say_what_is_known():
    unknown = Criterion.objects.filter(methodology__code=QD_876, level=1, max_points__isnull=True)
    assert sorted(unknown.values_list("number", flat=True)) == [1, 2, 6, 7]
    assert set(unknown.values_list("max_points_status", flat=True)) == {MaxPointsStatus.UNKNOWN}
    assert all("sum to 45" in note for note in unknown.values_list("note", flat=True))


@pytest.mark.parametrize("number", [3, 4, 5, 8])
def test_a_maximum_the_fixture_knows_is_set_where_the_stored_one_is_empty(number):
    domain = Criterion.objects.get(methodology__code=QD_876, level=1, number=number)
    Criterion.objects.filter(pk=domain.pk).update(
        max_points=None, max_points_status=MaxPointsStatus.UNKNOWN, source_url="", note=""
    )
    par_data_load()
    domain.refresh_from_db()
    assert domain.max_points is not None
    assert (domain.max_points_status, domain.source_url) == (MaxPointsStatus.PUBLISHED, SON_LA_2024)


def test_what_an_admin_set_on_an_unknown_maximum_is_kept():
    domain = Criterion.objects.get(methodology__code=QD_876, level=1, number=1)
    admin_values = {
        "max_points": Decimal(11),
        "max_points_status": MaxPointsStatus.PUBLISHED,
        "source_url": "https://example.org/qd-876-phu-luc",
        "note": "Theo phụ lục QĐ 876",
    }
    Criterion.objects.filter(pk=domain.pk).update(**admin_values)
    report = par_data_load()
    domain.refresh_from_db()
    assert {name: getattr(domain, name) for name in admin_values} == admin_values
    assert +report.updated == Counter(), report.lines()


POINT_SPLIT_876 = {
    "diem-tham-dinh": Decimal("61.5"),
    "tac-dong-den-phat-trien-kt-xh": Decimal("6.5"),
    "khao-sat-lanh-dao-quan-ly": Decimal(22),
    "sipas": Decimal(10),
    "tham-dinh-total": Decimal(68),
}


def test_the_point_split_of_qd_876_is_the_file_s():
    rows = [r for r in _fixture_rows("par_point_split.csv") if r["methodology"].startswith(QD_876)]
    parts = MethodologyPart.objects.filter(methodology__code=QD_876)
    assert {p.key: p.max_points for p in parts} == POINT_SPLIT_876
    assert sorted(p.max_points for p in parts) == sorted(Decimal(r["max_points"]) for r in rows)
    assert {(p.source_url, p.quote) for p in parts} == {(r["source_url"], r["quote"]) for r in rows}


def test_the_point_split_parts_add_up_to_100_and_the_appraisal_to_68():
    parts = {p.key: p.max_points for p in MethodologyPart.objects.filter(methodology__code=QD_876)}
    appraisal, impact, leaders, citizens = (
        parts[k]
        for k in ["diem-tham-dinh", "tac-dong-den-phat-trien-kt-xh", "khao-sat-lanh-dao-quan-ly", "sipas"]
    )
    assert appraisal + impact + leaders + citizens == 100
    assert appraisal + impact == parts["tham-dinh-total"] == 68
    # Domain 8 = SIPAS 10 + socio-economic impact 6.5 (domain.md), and its maximum is sourced separately.
    domain_8 = Criterion.objects.get(methodology__code=QD_876, level=1, number=8)
    assert citizens + impact == domain_8.max_points


def test_the_qd_1150_survey_part_is_loaded_with_its_source():
    part = MethodologyPart.objects.get(methodology__code="QĐ 1150/QĐ-BNV")
    assert (part.key, part.max_points) == ("diem-khao-sat", Decimal("33.5"))
    assert part.source_url.startswith("https://")


# --- published figures: every one with its source -------------------------------------------------------


def test_every_published_figure_has_a_valid_source_url():
    assert PublishedFigure.objects.count() > 200
    validate_url = URLValidator(schemes=["http", "https"])
    for url in PublishedFigure.objects.values_list("source_url", flat=True):
        validate_url(url)


@pytest.mark.parametrize(
    ("file", "index", "value_column", "measure_column"),
    [
        ("par_published_totals.csv", PAR_INDEX, "index_percent", None),
        ("par_published_totals_more.csv", PAR_INDEX, "index_percent", None),
        ("par_domain_results.csv", PAR_INDEX, "value", "domain"),
        ("par_2020_components.csv", PAR_INDEX, "value", None),
        ("sipas_published_more.csv", SIPAS, "value", None),
    ],
)
def test_every_sourced_row_of_a_file_is_a_figure_with_its_source(file, index, value_column, measure_column):
    stored = set(
        PublishedFigure.objects.filter(index__code=index).values_list(
            "year", "unit_id", "measure", "value", "rank", "source_url"
        )
    )
    rows = [
        r
        for r in _fixture_rows(file)
        if r["province"] != "NATIONAL AVERAGE" and (r[value_column].strip() or r["rank"].strip())
    ]
    assert rows
    for row in rows:
        year = int(row["year"])
        key = (
            year,
            _unit(year, row["province"]).pk,
            row[measure_column] if measure_column else "",
            _dec(row[value_column]),
            _int(row["rank"]),
            row["source_url"],
        )
        assert key in stored, row


def test_the_2020_components_are_figures_that_add_up_to_the_file_s_sum():
    for row in _fixture_rows("par_2020_components.csv"):
        year = int(row["year"])
        parts = PublishedFigure.objects.filter(
            index__code=PAR_INDEX, year=year, unit=_unit(year, row["province"]), source_url=row["source_url"]
        ).exclude(measure="")
        assert parts.count() == 4, row["province"]
        assert sum(p.value for p in parts) == Decimal(row["sum_of_parts"]), row["province"]
        # the total is in both files with one source: one figure, not two
        assert len(_figures(PAR_INDEX, year, row["province"])) == 1, row["province"]


@pytest.mark.parametrize(
    ("year", "name", "measure", "value", "max_points", "rank", "domain"),
    [
        (2024, "Sơn La", "4 Cải cách tổ chức bộ máy (Organizational reform)", "10.18", "10.5", 1, 4),
        (
            2024,
            "Sơn La",
            "8 Tác động của CCHC đến người dân, tổ chức và phát triển KT-XH",
            "13.14",
            "16.5",
            4,
            8,
        ),
        (2022, "Đắk Nông", "8 (part) Tác động đến phát triển kinh tế - xã hội", "5.32", "6.5", 28, None),
        (2022, "Đắk Nông", "2 Cải cách thể chế", None, None, 55, 2),
        (2017, "Lào Cai", "Public finance reform", None, None, 12, None),
    ],
)
def test_domain_results_are_figures_linked_to_their_domain_where_numbered(
    year, name, measure, value, max_points, rank, domain
):
    (figure,) = _figures(PAR_INDEX, year, name, measure)
    assert figure.value == (Decimal(value) if value else None)
    assert figure.max_points == (Decimal(max_points) if max_points else None)
    assert figure.rank == rank
    if domain is None:
        assert figure.criterion is None
    else:
        assert (figure.criterion.methodology.code, figure.criterion.number) == (QD_876, domain)


# --- two sources of one total: filled blanks, new rows, disagreements -------------------------------------

DISAGREEMENTS = [
    # year, unit, (value, rank) of par_published_totals.csv, of par_published_totals_more.csv
    (2012, "Đà Nẵng", ("87.12", 1), ("87.14", 1)),
    (2012, "Đồng Tháp", ("83.41", 4), ("83.44", 4)),
    (2012, "Hà Nội", ("82.77", 7), ("82.79", None)),
    (2023, "Long An", (None, 7), (None, 8)),
]


@pytest.mark.parametrize(("year", "name", "first", "second"), DISAGREEMENTS)
def test_disagreeing_sources_are_both_kept_flagged_and_the_assessment_keeps_the_first(
    year, name, first, second
):
    figures = _figures(PAR_INDEX, year, name)
    expected = [(Decimal(v) if v else None, r) for v, r in (first, second)]
    assert [(f.value, f.rank) for f in figures] == expected
    assert all(f.disagrees for f in figures)
    assert len({f.source_url for f in figures}) == 2
    assessment = _assessment(PAR_INDEX, year, name)
    assert (assessment.published_index, assessment.published_rank) == expected[0]


def test_only_disagreeing_figures_are_flagged():
    flagged = {
        (f.year, f.unit.name)
        for f in PublishedFigure.objects.filter(index__code=PAR_INDEX, disagrees=True).select_related("unit")
    }
    assert flagged == {(year, name) for year, name, _first, _second in DISAGREEMENTS}
    # two sources agreeing on 2013 Hải Phòng (86.93, 2) are not a disagreement
    agreeing = _figures(PAR_INDEX, 2013, "Hải Phòng")
    assert len(agreeing) == 2
    assert not any(f.disagrees for f in agreeing)


@pytest.mark.parametrize(
    ("year", "name", "value", "rank", "source_kept", "filled_from"),
    [
        (2015, "Hải Phòng", "92.59", 2, "https://m.baophapluat.vn/", "https://thanhtra.com.vn/"),
        (2015, "Điện Biên", "74.99", 63, "https://m.baophapluat.vn/", "https://thanhtra.com.vn/"),
        (
            2021,
            "Bà Rịa - Vũng Tàu",
            "87.61",
            16,
            "https://baobariavungtau.com.vn/kinh-te/202207/",
            "https://baobariavungtau.com.vn/kinh-te/202208/",
        ),
        (2023, "Sóc Trăng", "81.70", 62, "https://baocamau.vn/", "https://www.vietnam.vn/ja/"),
        (
            2024,
            "Bà Rịa - Vũng Tàu",
            "93.35",
            2,
            "https://doanhnghieptiepthi.vn/",
            "https://vhttdl.sonla.gov.vn/",
        ),
    ],
)
def test_a_blank_of_an_assessment_is_filled_by_the_second_source(
    year, name, value, rank, source_kept, filled_from
):
    assessment = _assessment(PAR_INDEX, year, name)
    assert (assessment.published_index, assessment.published_rank) == (Decimal(value), rank)
    assert assessment.source_url.startswith(source_kept)
    assert filled_from in assessment.note  # the note names where the filled value came from


@pytest.mark.parametrize(
    ("year", "name", "value", "rank", "source"),
    [
        (2014, "Đà Nẵng", "92.54", 1, "http://www.taichinhdientu.vn/"),
        (2016, "Hậu Giang", "62.55", 63, "https://en.vietnamplus.vn/"),
        (2018, "Phú Yên", None, 63, "https://e.vnexpress.net/"),
        (2022, "Ninh Thuận", "85.78", 29, "https://sonv.ninhthuan.gov.vn/"),
    ],
)
def test_a_new_row_of_the_second_source_creates_an_assessment(year, name, value, rank, source):
    assessment = _assessment(PAR_INDEX, year, name)
    assert (assessment.published_index, assessment.published_rank) == (
        Decimal(value) if value else None,
        rank,
    )
    assert assessment.source_url.startswith(source)
    assert assessment.edition.status == EditionStatus.PUBLISHED


def test_an_original_source_leaves_the_stored_value_of_the_mirror_as_it_is():
    assessment = _assessment(PAR_INDEX, 2013, "Đà Nẵng")
    assert (assessment.published_index, assessment.published_rank) == (Decimal("87.02"), 1)
    sources = {f.source_url.split("/")[2] for f in _figures(PAR_INDEX, 2013, "Đà Nẵng")}
    assert sources == {"ufabetindo.in", "en.sggp.org.vn"}


def test_years_only_the_second_source_has_get_an_official_edition_without_a_criteria_set():
    for year in (2014, 2016):
        edition = Edition.objects.get(index__code=PAR_INDEX, year=year, kind=EditionKind.OFFICIAL)
        assert edition.status == EditionStatus.PUBLISHED
        assert edition.methodology is None


# --- SIPAS, an index of its own -------------------------------------------------------------------------


def test_sipas_2024_is_an_official_edition_beside_par_index_2024():
    sipas = Edition.objects.get(index__code=SIPAS, year=2024, kind=EditionKind.OFFICIAL)
    par = Edition.objects.get(index__code=PAR_INDEX, year=2024, kind=EditionKind.OFFICIAL)
    assert sipas.pk != par.pk
    assert (sipas.status, sipas.methodology) == (EditionStatus.PUBLISHED, None)
    ranks = {a.unit.name: a.published_rank for a in sipas.assessments.select_related("unit")}
    assert ranks == {
        "Hải Phòng": 1,
        "Thái Nguyên": 2,
        "Hải Dương": 3,
        "Quảng Ninh": 4,
        "Bà Rịa - Vũng Tàu": 5,
        "Quảng Ngãi": 59,
    }
    assert not set(sipas.assessments.values_list("pk", flat=True)) & set(
        par.assessments.values_list("pk", flat=True)
    )
    assert EditionSummary.objects.filter(edition=sipas).exists()  # recomputed with the others


def test_the_sipas_national_average_is_an_average_of_sipas_not_of_par_index():
    sipas = PublishedAverage.objects.get(index__code=SIPAS, year=2024, region__isnull=True)
    assert sipas.average == Decimal("83.94")
    assert sipas.source_url.startswith("https://www.vietnam.vn/")
    par = PublishedAverage.objects.get(index__code=PAR_INDEX, year=2024, region__isnull=True)
    assert par.average == Decimal("88.37")


@pytest.mark.parametrize(
    ("year", "name", "value", "rank"),
    [
        (2023, "Quảng Nam", "78.44", 59),
        (2023, "Bắc Kạn", "75.03", 63),
        (2021, "Bà Rịa - Vũng Tàu", "86.72", 38),
        (2019, "Quảng Ninh", "95.26", 1),
    ],
)
def test_sourced_sipas_figures_are_assessments_of_sipas(year, name, value, rank):
    assessment = _assessment(SIPAS, year, name)
    assert (assessment.published_index, assessment.published_rank) == (Decimal(value), rank)
    assert assessment.source_url.startswith("https://")


def test_a_sipas_rank_read_from_a_listed_order_says_so():
    (figure,) = _figures(SIPAS, 2024, "Hải Phòng")
    assert "order assumed" in figure.note
    assert "order assumed" in _assessment(SIPAS, 2024, "Hải Phòng").note


def test_sipas_figures_without_a_source_or_without_a_value_are_skipped_and_reported():
    report = par_data_load()
    skipped = "\n".join(report.skipped)
    # sipas_published.csv has no source column: only the row a sourced file repeats (Quảng Ninh 2019) is in
    assert "source" not in _fixture_rows("sipas_published.csv")[0]
    assert "SIPAS 2023 Gia Lai (83.84, rank 19)" in skipped
    assert "SIPAS 2019 Quảng Ninh" not in skipped
    assert not Edition.objects.filter(index__code=SIPAS, year=2022).exists()
    # listed among the five lowest without a value or a rank: nothing to load
    assert "SIPAS 2024 Bắc Kạn: neither a value nor a rank" in skipped
    assert not PublishedFigure.objects.filter(
        index__code=SIPAS, year=2024, unit=_unit(2024, "Bắc Kạn")
    ).exists()
