"""The domain view /xep-hang/<index>/<year>/linh-vuc/: each unit's % of every domain maximum (colour-scaled, the
number printed), the domain ranks and their bands, scaled and said so for 34 units; the methodology page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dashboards.tables import heat_class
from parindex.register.numbers import parse_decimal
from tests.dashboards.html_tables import read_table

pytestmark = pytest.mark.django_db

CELL = re.compile(r"^(?P<percent>\d+,\d\d)% · hạng (?P<rank>\d+) · (?P<band>\d+–\d+)$")


def _page(client, year: int, **params: str) -> str:
    response = client.get(reverse("domains", args=["par-index", year]), {"loai": "demo", **params})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("year", "units", "bands"),
    [(2024, 63, ("1–20", "21–40", "41–63")), (2025, 34, ("1–11", "12–22", "23–34"))],
)
def test_every_unit_has_each_domain_as_percent_rank_and_band(client, year, units, bands):
    html = _page(client, year)
    table = read_table(html)
    assert len(table.units) == units
    domain_headers = [h for h in table.header if re.match(r"^\d\. ", h)]
    assert len(domain_headers) == 8
    for row in table.units:
        for header in domain_headers:
            match = CELL.match(row.cells[table.header.index(header)])
            assert match, row.cells
            assert match["band"] in bands
            rank = int(match["rank"])
            top, middle = (int(bands[0].split("–")[1]), int(bands[1].split("–")[1]))
            expected = bands[0] if rank <= top else bands[1] if rank <= middle else bands[2]
            assert match["band"] == expected
        assert re.match(r"^\d/8$", row.cells[-1])
    assert ('data-testid="bands-scaled"' in html) is (units == 34)


def test_cells_are_colour_scaled_with_the_number_printed(client):
    html = _page(client, 2024)
    cells = re.findall(r'<span class="heat (heat-\d)">(\d+,\d\d)%</span>', html)
    assert len(cells) == 63 * 8
    assert all(css == heat_class(parse_decimal(number)) for css, number in cells)  # type: ignore[arg-type]
    assert len({css for css, _number in cells}) > 3


def test_the_domain_view_sorts_by_a_domain_and_filters_like_the_ranking(client):
    table = read_table(_page(client, 2025, sap_xep="lv3", vung="dong-bang-song-hong"))
    header = next(h for h in table.header if h.startswith("3. "))
    ranks = [int(CELL.match(cell)["rank"]) for cell in table.column(header)]  # type: ignore[index]
    assert ranks == sorted(ranks) and len(ranks) == 5


def test_a_year_without_domain_results_says_so_and_lists_the_published_domain_figures(client):
    response = client.get(reverse("domains", args=["par-index", 2024]))
    html = response.content.decode()
    assert 'data-testid="no-domains"' in html
    published = read_table(html, "published-domains")
    assert {row.cells[0] for row in published.units} == {"Sơn La"}
    assert all(row.links[-1][0].startswith("https://") for row in published.units)


def test_the_methodology_page_lists_criteria_sets_by_year_and_the_sources(client):
    html = client.get(reverse("methodology")).content.decode()
    years = read_table(html, "years")
    by_year = {(row.cells[0], row.cells[1], row.cells[2]): row.cells[3] for row in years.units}
    assert by_year[("PAR INDEX", "2024", "Chính thức (Bộ Nội vụ công bố)")] == "QĐ 876/QĐ-BNV"
    assert by_year[("PAR INDEX", "2012", "Chính thức (Bộ Nội vụ công bố)")].startswith(
        "— (chưa rõ trong nguồn"
    )
    sources = read_table(html, "sources")
    assert len(sources.units) > 30
    assert all(row.links[2][0].startswith("http") for row in sources.units)
    assert "(1, 2, 2, 4)" in html and "chưa rõ" in html
