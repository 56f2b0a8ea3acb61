"""The public ranking page /xep-hang/<index>/<year>/: sorting by every column, filters, a search that ignores case
and diacritics, missing values said with why, partial years, the merger rule, regions, and the query budget for
34 and 63 units."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from dashboards.ranking import SORT_KEYS
from parindex.register.models import Edition, EditionKind, PublishedFigure
from parindex.register.numbers import parse_decimal
from scoring.models import ChangeBasis, YearResult
from tests.dashboards.html_tables import Table, read_table

pytestmark = pytest.mark.django_db

DEMO_2024 = ("/xep-hang/par-index/2024/", {"loai": "demo"})  # 63 units, complete
DEMO_2025 = ("/xep-hang/par-index/2025/", {"loai": "demo"})  # 34 units, across the merger
OFFICIAL_2023 = ("/xep-hang/par-index/2023/", {})  # 24 of 63 units, some with only a rank
HEADERS = {
    "hang": "Hạng",
    "don_vi": "Tỉnh, thành phố",
    "chi_so": "Chỉ số (%)",
    "thay_doi_hang": "Thay đổi hạng",
    "thay_doi_chi_so": "Thay đổi chỉ số",
    "nhom": "Nhóm",
    "vung": "Vùng",
    "hang_trong_vung": "Hạng trong vùng",
}


def _get(client, url: str, params: dict[str, str] | None = None, status: int = 200) -> str:
    response = client.get(url, params or {})
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def _table(client, page: tuple[str, dict[str, str]], **params: str) -> Table:
    url, base = page
    return read_table(_get(client, url, {**base, **params}))


def _number(text: str) -> object:
    """A cell's sortable value: None for "—", the number otherwise (ranks, %, ▲/▼ changes)."""
    if text.startswith("—"):
        return None
    text = text.replace("†", "").replace("*", "").strip()
    if text == "=":
        return 0
    if text.startswith("▲"):
        return int(text[1:])
    if text.startswith("▼"):
        return -int(text[1:])
    return parse_decimal(text)


def test_the_ranking_has_its_own_vietnamese_url_for_each_index_and_year(client):
    assert reverse("ranking", args=["par-index", 2024]) == "/xep-hang/par-index/2024/"
    assert len(_table(client, DEMO_2024).units) == 63
    assert len(_table(client, DEMO_2025).units) == 34
    official = _table(client, ("/xep-hang/par-index/2024/", {}))
    assert official.column("Tỉnh, thành phố")[0] == "Hải Phòng"
    assert official.header[:8] == list(HEADERS.values())


@pytest.mark.parametrize("column", list(SORT_KEYS))
@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("page", [DEMO_2025, OFFICIAL_2023], ids=["34_units", "partial_63"])
def test_every_column_sorts_both_ways_with_missing_values_last(client, column, descending, page):
    table = _table(client, page, sap_xep=f"{'-' if descending else ''}{column}")
    cells = table.column(HEADERS[column])
    assert len(cells) == len(table.units) > 0
    if column in ("don_vi", "vung", "nhom"):
        return  # text columns: checked below
    values = [_number(cell) for cell in cells]
    present = [value for value in values if value is not None]
    assert values[: len(present)] == present, "missing values go last"
    assert present == sorted(present, reverse=descending)  # type: ignore[type-var]


def test_sorting_by_rank_change_puts_the_biggest_rise_first_when_descending(client):
    table = _table(client, DEMO_2024, sap_xep="-thay_doi_hang")
    changes = [_number(cell) for cell in table.column("Thay đổi hạng")]
    edition = Edition.objects.get(index__code="PAR_INDEX", year=2024, kind=EditionKind.DEMO)
    best = max(YearResult.objects.filter(edition=edition).values_list("rank_change", flat=True))
    assert changes[0] == best and changes == sorted(changes, reverse=True)  # type: ignore[type-var]
    assert table.sort_links["Thay đổi hạng"].endswith("sap_xep=thay_doi_hang")  # the next click reverses it


def test_text_columns_sort_by_name_without_diacritics_and_by_region_order(client):
    names = _table(client, DEMO_2024, sap_xep="don_vi").column("Tỉnh, thành phố")
    assert names.index("Đà Nẵng") < names.index("Điện Biên") < names.index("Gia Lai")  # Đ with D, not after Y
    groups = _table(client, DEMO_2024, sap_xep="-nhom").column("Nhóm")
    assert groups == sorted(groups, reverse=True)
    regions = _table(client, DEMO_2024, sap_xep="vung").column("Vùng")
    assert regions[0] == "Trung du và miền núi phía Bắc" and regions[-1] == "Đồng bằng sông Cửu Long"


def test_the_sorted_column_says_so_to_screen_readers(client):
    html = _get(client, DEMO_2024[0], {"loai": "demo", "sap_xep": "-chi_so"})
    header = re.search(
        r'<th scope="col" class="desc num orderable" aria-sort="descending">\s*<a[^>]*>([^<]+)', html
    )
    assert header and header.group(1) == "Chỉ số (%)"


@pytest.mark.parametrize(
    ("slug", "region"),
    [("tay-nguyen", "Tây Nguyên"), ("dong-bang-song-cuu-long", "Đồng bằng sông Cửu Long")],
)
def test_the_region_filter_keeps_the_units_of_that_region(client, slug, region):
    table = _table(client, DEMO_2024, vung=slug)
    assert table.units and set(table.column("Vùng")) == {region}
    in_region = sorted(_number(cell) for cell in table.column("Hạng trong vùng"))  # type: ignore[type-var]
    assert in_region[0] == 1
    averages = [row.cells[1] for row in table.rows if row.pinned]
    assert averages == ["Trung bình cả nước", f"Trung bình vùng {region}"]


def test_the_group_filter_and_the_region_filter_combine(client):
    table = _table(client, DEMO_2024, nhom="A", vung="trung-du-va-mien-nui-phia-bac")
    assert table.units
    assert set(table.column("Nhóm")) == {"A"}
    assert set(table.column("Vùng")) == {"Trung du và miền núi phía Bắc"}


@pytest.mark.parametrize(
    ("search", "expected", "page"),
    [
        ("da nang", "Đà Nẵng", DEMO_2024),
        ("Đà Nẵng", "Đà Nẵng", DEMO_2024),
        ("DAK LAK", "Đắk Lắk", DEMO_2024),
        ("đắk lắk", "Đắk Lắk", DEMO_2025),
        ("tp hcm", "TP Hồ Chí Minh", DEMO_2025),
        ("Thành phố Hồ Chí Minh", "TP Hồ Chí Minh", DEMO_2024),
        ("thua thien hue", "Huế", DEMO_2025),  # an alias of the 2025 unit
        ("  HA   GIANG ", "Hà Giang", DEMO_2024),
    ],
)
def test_search_ignores_case_diacritics_spaces_and_kind_prefixes(client, search, expected, page):
    assert _table(client, page, q=search).column("Tỉnh, thành phố") == [expected]


def test_a_search_that_matches_nothing_says_so(client):
    html = _get(client, DEMO_2024[0], {"loai": "demo", "q": "khong co tinh nay"})
    table = read_table(html)
    assert table.units == []
    assert "Không có đơn vị nào khớp với bộ lọc." in html
    assert "Đang hiển thị 0/63 đơn vị theo bộ lọc." in html


def test_a_unit_with_only_a_published_rank_reads_a_dash_and_why(client):
    table = _table(client, OFFICIAL_2023)
    row = next(r for r in table.units if r.cells[1] == "Thái Nguyên")
    by_header = dict(zip(table.header, row.cells, strict=True))
    assert by_header["Hạng"] == "6"
    assert by_header["Chỉ số (%)"] == "— (chỉ công bố thứ hạng)"
    assert by_header["Nhóm"] == "— (chỉ công bố thứ hạng)"
    assert by_header["Thay đổi hạng"] == "— (không có thứ hạng năm trước)"


def test_a_partial_year_says_how_many_units_it_holds_and_which_rank_is_shown(client):
    html = _get(client, "/xep-hang/par-index/2012/")
    assert "mới có 21/63 đơn vị" in html
    assert "Thứ hạng hiển thị là thứ hạng Bộ Nội vụ công bố." in html
    assert (
        "Đơn vị đánh dấu * không có thứ hạng công bố: thứ hạng đó được tính trong 21 đơn vị có số liệu."
        in html
    )
    table = read_table(html)
    row = next(r for r in table.units if r.cells[1] == "Thừa Thiên Huế")
    assert row.cells[0] == "20*"
    complete = _get(client, DEMO_2024[0], {"loai": "demo"})
    assert "63 đơn vị. Thứ hạng tính từ chỉ số" in complete and "mới có" not in complete


def test_the_national_average_is_a_line_of_the_table_published_with_its_source_else_computed(client):
    official = _table(client, ("/xep-hang/par-index/2024/", {}))
    line = next(row for row in official.rows if row.pinned)
    assert line.cells[1] == "Trung bình cả nước"
    assert line.cells[2] == "88,37 (công bố)"
    assert line.links[-1] and line.links[-1][0].startswith("https://www.vietnamplus.vn/")
    demo = next(row for row in _table(client, DEMO_2024).rows if row.pinned)
    assert demo.cells[2] == "86,23" and demo.links[-1] == []  # demo: computed, no source


def test_across_the_merger_the_rule_is_named_beside_the_changes(client):
    html = _get(client, DEMO_2025[0], {"loai": "demo"})
    assert 'data-testid="merger-rule"' in html
    assert "Trung bình các đơn vị tiền thân, xếp hạng lại trong 34" in html
    table = read_table(html)
    edition = Edition.objects.get(index__code="PAR_INDEX", year=2025, kind=EditionKind.DEMO)
    merged = set(
        YearResult.objects.filter(edition=edition, change_basis=ChangeBasis.PREDECESSORS_MEAN).values_list(
            "unit__name", flat=True
        )
    )
    assert merged
    for row in table.units:
        marked = row.cells[3].endswith("†")
        assert marked == (row.cells[1] in merged), row.cells
    assert 'data-testid="merger-rule"' not in _get(client, DEMO_2024[0], {"loai": "demo"})


def test_regions_show_six_averages_with_their_change_and_link_to_the_filter(client):
    html = _get(client, DEMO_2024[0], {"loai": "demo"})
    regions = read_table(html, "regions")
    assert len(regions.units) == 6
    assert all(_number(row.cells[2]) is not None for row in regions.units)  # 2023 demo exists: a change each
    assert sum(int(row.cells[3]) for row in regions.units) == 63
    assert regions.units[3].links[0] == ["/xep-hang/par-index/2024/?loai=demo&vung=tay-nguyen"]
    first_year = read_table(_get(client, "/xep-hang/par-index/2018/", {"loai": "demo"}), "regions")
    assert all(row.cells[2] == "— (không có năm trước)" for row in first_year.units)


def test_every_official_figure_links_to_its_source_and_disagreeing_sources_both_show(client):
    for edition in Edition.objects.public().filter(kind=EditionKind.OFFICIAL):
        url = reverse("ranking", args=[edition.index.code.lower().replace("_", "-"), edition.year])
        table = read_table(_get(client, url))
        for row in table.units:
            links = [link for link in row.links[-1] if link.startswith("http")]
            expected = set(
                PublishedFigure.objects.filter(
                    index=edition.index, year=edition.year, unit__name=row.cells[1], measure=""
                ).values_list("source_url", flat=True)
            )
            assert links and set(links) == expected, (edition, row.cells)
    da_nang = next(
        r for r in _table(client, ("/xep-hang/par-index/2012/", {})).units if r.cells[1] == "Đà Nẵng"
    )
    assert "87,12 hạng 1" in da_nang.cells[-1] and "87,14 hạng 1" in da_nang.cells[-1]
    assert "(các nguồn công bố khác nhau)" in da_nang.cells[-1]
    assert len(da_nang.links[-1]) == 2


def test_demo_data_carry_no_official_source(client):
    table = _table(client, DEMO_2024)
    assert all(row.links[-1] == [] for row in table.rows)
    assert "(công bố)" not in " ".join(row.cells[2] for row in table.rows if row.pinned)


@pytest.mark.parametrize(
    ("page", "units"),
    [pytest.param(DEMO_2025, 34, id="34_units"), pytest.param(DEMO_2024, 63, id="63_units")],
)
@pytest.mark.parametrize(
    "params",
    [{}, {"sap_xep": "-thay_doi_hang", "vung": "dong-bang-song-hong"}, {"q": "ha", "nhom": "B"}],
    ids=["plain", "sorted_filtered", "searched"],
)
def test_a_ranking_page_reads_in_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, page, units, params
):
    url, base = page
    with django_assert_max_num_queries(10):  # cold cache: catalogue 2, public read 6 (demo) or 8 (official)
        first = client.get(url, {**base, **params})
    assert first.status_code == 200
    with django_assert_max_num_queries(0):  # warm: the page comes from the cache
        second = client.get(url, {**base, **params})
    main = [r.content.decode().split('<main id="main"')[1] for r in (first, second)]
    assert main[0] == main[1]  # the same page (the language form's CSRF token differs per response)
    if not params:
        assert len(read_table(first.content.decode()).units) == units


def test_another_filter_of_a_cached_year_reads_nothing_from_the_database(
    client, django_assert_max_num_queries
):
    client.get(DEMO_2024[0], {"loai": "demo"})
    with django_assert_max_num_queries(0):
        response = client.get(DEMO_2024[0], {"loai": "demo", "vung": "tay-nguyen", "sap_xep": "don_vi"})
    assert len(read_table(response.content.decode()).units) == 5


def test_the_page_in_english_keeps_the_url_and_uses_the_decimal_point(client):
    client.get(DEMO_2024[0], {"loai": "demo"})  # the Vietnamese page is cached first
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = _get(client, DEMO_2024[0], {"loai": "demo"})
    assert '<html lang="en">' in html
    assert "Rank change" in html and "Thay đổi hạng" not in html
    first = read_table(html).units[0]
    assert re.fullmatch(r"\d+\.\d\d", first.cells[2])


def test_index_year_and_kind_selectors_lead_to_the_chosen_ranking(client):
    response = client.get(
        reverse("ranking_choose"),
        {"chi_so": "par-index", "nam": "2023", "loai": "demo", "vung": "tay-nguyen"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/xep-hang/par-index/2023/?loai=demo&vung=tay-nguyen"
    response = client.get(reverse("ranking_choose"), {"chi_so": "sipas", "nam": "2025", "loai": "official"})
    assert response["Location"] == "/xep-hang/sipas/2024/"  # no SIPAS 2025: its newest year
    response = client.get(reverse("ranking_choose"), {"chi_so": "par-index", "nam": "2023", "xem": "domains"})
    assert response["Location"] == "/xep-hang/par-index/2023/linh-vuc/"
    assert client.get("/xep-hang/par-index/")["Location"] == "/xep-hang/par-index/2024/"
    html = _get(client, DEMO_2025[0], {"loai": "demo"})
    assert '<option value="sipas">SIPAS</option>' in html
    assert '<option value="2012">2012</option>' in html


def test_the_home_page_is_the_latest_par_index_ranking_with_the_same_table(client):
    home = read_table(_get(client, "/"))
    assert home.column("Tỉnh, thành phố") == _table(client, DEMO_2025).column("Tỉnh, thành phố")
    assert '<link rel="canonical" href="http://testserver/xep-hang/par-index/2025/?loai=demo">' in _get(
        client, "/"
    )


def test_another_index_uses_its_own_heading(client):
    html = _get(client, "/xep-hang/sipas/2023/")
    assert "Bảng xếp hạng Chỉ số hài lòng về sự phục vụ hành chính" in html
    assert Decimal(0) <= Decimal(len(read_table(html).units))
