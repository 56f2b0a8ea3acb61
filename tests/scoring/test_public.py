"""The public read of an index's year: the rank shown, bands, missing values explained, sources, regions, in a
fixed number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from parindex.register.models import EditionKind
from scoring.public import Band, band_for, band_limits, public_edition, public_ranking

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("unit_count", "limits"), [(63, (20, 40)), (34, (11, 22)), (10, (3, 6)), (1, (1, 2)), (0, (20, 40))]
)
def test_band_limits_scale_with_the_number_of_units(unit_count, limits):
    assert band_limits(unit_count) == limits


@pytest.mark.parametrize(
    ("rank", "unit_count", "band"),
    [
        (1, 63, Band.TOP),
        (20, 63, Band.TOP),
        (21, 63, Band.MIDDLE),
        (40, 63, Band.MIDDLE),
        (41, 63, Band.BOTTOM),
        (11, 34, Band.TOP),
        (12, 34, Band.MIDDLE),
        (22, 34, Band.MIDDLE),
        (23, 34, Band.BOTTOM),
    ],
)
def test_band_for(rank, unit_count, band):
    assert band_for(rank, unit_count) is band


def test_a_partial_official_year_shows_published_ranks_and_says_why_an_index_is_missing(
    django_assert_max_num_queries,
):
    edition = public_edition("PAR_INDEX", 2024)
    assert edition is not None
    with django_assert_max_num_queries(8):
        ranking = public_ranking(edition)
    assert not ranking.complete
    by_name = {row.unit.name: row for row in ranking.rows}
    hai_phong = by_name["Hải Phòng"]
    assert (hai_phong.index, hai_phong.rank, hai_phong.rank_source) == (Decimal("96.17"), 1, "published")
    rank_only = [row for row in ranking.rows if row.index is None]
    assert rank_only and all(row.missing == "chỉ công bố thứ hạng" for row in rank_only)
    assert all(row.sources for row in ranking.rows)  # every official figure with its source
    assert all(source.url.startswith("http") for row in ranking.rows for source in row.sources)


def test_a_complete_demo_year_ranks_every_unit_with_domains_regions_and_bands(django_assert_max_num_queries):
    edition = public_edition("PAR_INDEX", 2024, EditionKind.DEMO)
    assert edition is not None
    with django_assert_max_num_queries(8):
        ranking = public_ranking(edition)
    assert ranking.complete and len(ranking.rows) == 63
    assert [row.rank for row in ranking.rows] == sorted(row.rank for row in ranking.rows)
    assert all(row.rank_source == "computed" and len(row.domains) == 8 for row in ranking.rows)
    assert {row.band for row in ranking.rows} == set(Band)
    assert len(ranking.regions) == 6
    assert all(region.change is not None for region in ranking.regions)  # 2023 demo exists
    assert sum(region.unit_count for region in ranking.regions) == 63


def test_only_published_official_or_demo_editions_are_public():
    assert public_edition("PAR_INDEX", 2024, "self") is None
    assert public_edition("PAR_INDEX", 1999) is None
    assert public_edition("NO_SUCH_INDEX", 2024) is None
