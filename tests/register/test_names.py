"""Unit names as people write them, matched to the units of one year."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from parindex.register.models import Unit
from parindex.register.names import UnitMatcher, UnknownUnit, ascii_fold, name_key, slug_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _vietnamese() -> Iterator[None]:
    with translation.override("vi"):
        yield


@pytest.fixture(scope="module")
def matchers(django_db_setup, django_db_blocker) -> dict[int, UnitMatcher]:  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        units = list(Unit.objects.all())
    return {year: UnitMatcher.for_year(year, units) for year in (2012, 2024, 2025)}


# (as written, year, slug of the unit it names)
MATCHES = [
    ("TP.HCM", 2024, "tp-ho-chi-minh"),
    ("TPHCM", 2024, "tp-ho-chi-minh"),
    ("Thành phố Hồ Chí Minh", 2024, "tp-ho-chi-minh"),
    ("thanh pho ho chi minh", 2024, "tp-ho-chi-minh"),
    ("TP. Hồ Chí Minh", 2024, "tp-ho-chi-minh"),
    ("TP.HCM", 2025, "tp-ho-chi-minh-2025"),
    ("Thành phố Hồ Chí Minh", 2025, "tp-ho-chi-minh-2025"),
    ("Thừa Thiên - Huế", 2024, "thua-thien-hue"),
    ("thua thien hue", 2024, "thua-thien-hue"),
    ("TT-Huế", 2024, "thua-thien-hue"),
    ("Thừa Thiên - Huế", 2025, "hue-2025"),
    ("Thành phố Huế", 2025, "hue-2025"),
    ("Đăk Lăk", 2024, "dak-lak"),
    ("DAK LAK", 2024, "dak-lak"),
    ("Đắc Lắc", 2024, "dak-lak"),
    ("Đăk Lăk", 2025, "dak-lak-2025"),
    ("Bà Rịa-Vũng Tàu", 2024, "ba-ria-vung-tau"),
    ("ba ria vung tau", 2024, "ba-ria-vung-tau"),
    ("BR-VT", 2024, "ba-ria-vung-tau"),
    ("Bà Rịa - Vũng Tàu", 2012, "ba-ria-vung-tau"),
    ("Tỉnh Lào Cai", 2024, "lao-cai"),
    ("Tỉnh Lào Cai", 2025, "lao-cai-2025"),
    ("  lào   cai ", 2025, "lao-cai-2025"),
    ("Hà Nội", 2024, "ha-noi"),
    ("THÀNH PHỐ HÀ NỘI", 2025, "ha-noi-2025"),
    ("Bình Phước", 2024, "binh-phuoc"),
    ("Đắk Nông", 2024, "dak-nong"),
]


@pytest.mark.parametrize(("written", "year", "slug"), MATCHES, ids=[f"{w}-{y}" for w, y, _s in MATCHES])
def test_names_as_people_write_them_match_the_unit_of_the_year(matchers, written, year, slug):
    assert matchers[year].match(written).slug == slug


# (as written, year, a fragment of the message)
UNKNOWN = [
    ("Bình Phước", 2025, "không phải là đơn vị hành chính cấp tỉnh trong năm 2025"),
    ("Bà Rịa-Vũng Tàu", 2025, "trong năm 2025 (tồn tại đến 30/06/2025)"),
    ("Hà Giang", 2025, "trong năm 2025"),
    ("Tỉnh Không Có", 2024, "Không tìm thấy tỉnh, thành phố “Tỉnh Không Có”"),
    ("Atlantis", 2025, "Không tìm thấy"),
    ("", 2024, "bị trống"),
    (" - ", 2024, "bị trống"),
]


@pytest.mark.parametrize(
    ("written", "year", "message"), UNKNOWN, ids=[f"{w.strip() or 'blank'}-{y}" for w, y, _m in UNKNOWN]
)
def test_names_of_no_unit_in_that_year_are_refused_with_a_reason(matchers, written, year, message):
    with pytest.raises(UnknownUnit) as refused:
        matchers[year].match(written)
    assert message in str(refused.value)


def test_a_unit_of_2025_is_not_a_unit_of_2024():
    """Huế as a city exists from 2025; in 2024 the name 'Huế' alone matches no unit."""
    units = list(Unit.objects.all())
    with pytest.raises(UnknownUnit) as refused:
        UnitMatcher.for_year(2024, units).match("Thành phố Huế")
    assert "tồn tại từ 01/07/2025" in str(refused.value)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        pytest.param("Đắk Lắk", "dak lak", id="d_with_stroke_and_tones"),
        pytest.param("THỪA THIÊN HUẾ", "thua thien hue", id="upper_case"),
        pytest.param("Hòa Bình", "hoa binh", id="combining_marks"),
    ],
)
def test_ascii_fold_drops_diacritics_and_case(text, folded):
    assert ascii_fold(text) == folded


@pytest.mark.parametrize(
    ("text", "key"),
    [
        pytest.param("Tỉnh Lào Cai", "laocai", id="province_prefix"),
        pytest.param("Thành phố Hà Nội", "hanoi", id="city_prefix"),
        pytest.param("TP. Cần Thơ", "cantho", id="abbreviated_city_prefix"),
        pytest.param("Tỉnh", "tinh", id="prefix_alone_is_kept"),
        pytest.param("Bà Rịa-Vũng Tàu", "bariavungtau", id="punctuation_dropped"),
    ],
)
def test_name_key_drops_the_kind_of_unit_and_punctuation(text, key):
    assert name_key(text) == key


def test_slug_is_ascii_with_hyphens():
    assert slug_for("Bà Rịa - Vũng Tàu") == "ba-ria-vung-tau"
