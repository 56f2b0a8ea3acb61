"""The rules of dashboards.ranking, without a database: URL kinds, the search key, sorting with missing values,
the bands of ranks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dashboards.ranking import band_ranges, filter_rows, kind_from_param, search_key, sort_rows
from parindex.register.models import Region, Unit
from scoring.models import ChangeBasis
from scoring.public import Band, RankingRow


def _row(name: str, rank: int, change: int | None, index: str | None = "80.00") -> RankingRow:
    return RankingRow(
        unit=Unit(name=name, official_name=name, aliases=[]),
        region=Region(name="Tây Nguyên", order=4),
        index=Decimal(index) if index else None,
        index_source="computed" if index else "rank_only",
        rank=rank,
        rank_source="computed",
        computed_rank=rank,
        published_rank=None,
        region_rank=rank,
        group="B",
        rank_change=change,
        index_change=None,
        change_basis=ChangeBasis.SAME_UNIT,
        rank_mismatch=False,
        missing="" if index else "chỉ công bố thứ hạng",
        band=Band.TOP,
    )


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "official"),
        ("", "official"),
        ("official", "official"),
        ("demo", "demo"),
        ("self", None),
        ("x", None),
    ],
)
def test_only_official_and_demo_are_public_kinds(value, kind):
    assert kind_from_param(value) == kind


@pytest.mark.parametrize(
    ("text", "key"),
    [("Đà Nẵng", "danang"), ("DAK LAK", "daklak"), ("tp hcm", "hcm"), ("Tỉnh Gia Lai", "gialai"), ("!!", "")],
)
def test_the_search_key_ignores_case_diacritics_spaces_and_kind_prefixes(text, key):
    assert search_key(text) == key


def test_missing_values_sort_last_both_ways_and_ties_keep_the_rank_order():
    rows = [_row("Gia Lai", 3, None), _row("Đắk Lắk", 1, -2), _row("Kon Tum", 2, 5), _row("Lâm Đồng", 4, 5)]
    up = [row.unit.name for row in sort_rows(rows, ["thay_doi_hang"])]
    down = [row.unit.name for row in sort_rows(rows, ["-thay_doi_hang"])]
    assert up == ["Đắk Lắk", "Kon Tum", "Lâm Đồng", "Gia Lai"]
    assert down == ["Kon Tum", "Lâm Đồng", "Đắk Lắk", "Gia Lai"]
    assert [row.unit.name for row in sort_rows(rows, ["don_vi"])] == [
        "Đắk Lắk",
        "Gia Lai",
        "Kon Tum",
        "Lâm Đồng",
    ]
    assert [row.rank for row in sort_rows(rows, ["khong_co"])] == [1, 2, 3, 4]


def test_a_search_of_punctuation_only_matches_nothing():
    rows = [_row("Gia Lai", 1, None)]
    assert filter_rows(rows, search="...") == []
    assert filter_rows(rows, search="gia") == rows
    assert filter_rows(rows, region="tay-nguyen", group="B") == rows
    assert filter_rows(rows, group="A") == []


@pytest.mark.parametrize(
    ("units", "ranges"),
    [(63, ("1–20", "21–40", "41–63")), (34, ("1–11", "12–22", "23–34")), (10, ("1–3", "4–6", "7–10"))],
)
def test_bands_of_ranks_scale_with_the_number_of_units(units, ranges):
    assert band_ranges(units) == ranges
