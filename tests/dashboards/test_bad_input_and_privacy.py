"""What the public never sees (drafts, self-assessments, "None"), and bad input: unknown index, year, kind, region
or group, SQL or HTML in a filter, a 10,000-character search, a page number out of range, an unknown sort
column. A clean 404, 400 or empty result, never a 500."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from dashboards.ranking import index_slug
from parindex.entry.services import par_index
from parindex.register.models import Edition, EditionKind, EditionStatus, Unit
from scoring.models import ChangeBasis, YearResult
from tests.dashboards.html_tables import read_table

pytestmark = pytest.mark.django_db

RANKING = "/xep-hang/par-index/2024/"


@pytest.mark.parametrize(
    ("url", "params", "status"),
    [
        pytest.param("/xep-hang/khong-co/2024/", {}, 404, id="unknown_index"),
        pytest.param("/xep-hang/PAR-INDEX/2024/", {}, 404, id="index_in_capitals"),
        pytest.param("/xep-hang/par-index/1999/", {}, 404, id="unknown_year"),
        pytest.param("/xep-hang/par-index/99999999999999999999/", {}, 404, id="huge_year"),
        pytest.param("/xep-hang/par-index/2025/", {}, 404, id="year_without_official_results"),
        pytest.param(RANKING, {"loai": "self"}, 404, id="self_assessment_kind"),
        pytest.param(RANKING, {"loai": "<b>x</b>"}, 404, id="html_kind"),
        pytest.param("/xep-hang/khong-co/", {}, 404, id="unknown_index_root"),
        pytest.param(RANKING, {"vung": "khong-co-vung"}, 400, id="unknown_region"),
        pytest.param(RANKING, {"vung": "'; DROP TABLE scoring_yearresult; --"}, 400, id="sql_region"),
        pytest.param(RANKING, {"vung": '"><script>alert(1)</script>'}, 400, id="html_region"),
        pytest.param(RANKING, {"nhom": "E"}, 400, id="unknown_group"),
        pytest.param(RANKING, {"nhom": "A' OR '1'='1"}, 400, id="sql_group"),
        pytest.param(RANKING, {"q": "x" * 10_000}, 400, id="search_of_10000_characters"),
        pytest.param(RANKING, {"sap_xep": "khong_co_cot"}, 400, id="unknown_sort_column"),
        pytest.param(RANKING, {"sap_xep": "-chi_so; DELETE"}, 400, id="sql_sort"),
        pytest.param(RANKING, {"q": "'; DROP TABLE parindex_unit; --"}, 200, id="sql_search_finds_nothing"),
        pytest.param(RANKING, {"q": "<script>alert(1)</script>"}, 200, id="html_search_finds_nothing"),
        pytest.param(RANKING, {"q": "%%% !!! ..."}, 200, id="punctuation_search_finds_nothing"),
        pytest.param(RANKING, {"trang": "999999"}, 200, id="page_number_out_of_range"),
        pytest.param(RANKING, {"page": "-1"}, 200, id="negative_page_number"),
        pytest.param("/xep-hang/par-index/2024/tai-ve.csv", {"vung": "<x>"}, 400, id="download_bad_region"),
        pytest.param("/xep-hang/par-index/2024/tai-ve.xlsx", {"sap_xep": "x"}, 400, id="download_bad_sort"),
        pytest.param("/xep-hang/par-index/2024/tai-ve.pdf", {}, 404, id="unknown_download_format"),
        pytest.param("/xep-hang/par-index/1999/tai-ve.csv", {}, 404, id="download_unknown_year"),
        pytest.param(
            "/xep-hang/par-index/2024/linh-vuc/", {"sap_xep": "lv999"}, 400, id="unknown_domain_sort"
        ),
        pytest.param(reverse("ranking_choose"), {"chi_so": "<x>", "nam": "abc"}, 302, id="choose_garbage"),
    ],
)
def test_bad_input_gets_a_clean_answer(client, url, params, status):
    response = client.get(url, params)
    assert response.status_code == status
    body = response.content.decode("utf-8-sig", errors="replace")
    assert "<script>alert(1)</script>" not in body  # whatever was typed comes back escaped, if at all
    if status == 200:
        units = read_table(body).units
        if "q" in params:  # a search that matches nothing: an empty table that says so
            assert units == [] and "Không có đơn vị nào khớp với bộ lọc." in body
        else:  # there are no pages: the whole ranking shows
            assert len(units) == 10


def test_a_bad_filter_says_which_field_and_offers_a_way_back(client):
    response = client.get(RANKING, {"vung": "khong-co", "loai": "demo"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="filter-errors"' in html
    assert 'data-testid="ranking"' not in html
    assert f'href="{RANKING}?loai=demo">Bỏ lọc</a>' in html


def test_an_unknown_year_links_to_the_years_there_are(client):
    response = client.get("/xep-hang/par-index/2025/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'href="/xep-hang/par-index/2025/?loai=demo"' in html
    assert 'href="/xep-hang/par-index/2024/"' in html


@pytest.mark.parametrize(
    ("year", "kind", "status"),
    [
        pytest.param(2026, EditionKind.OFFICIAL, EditionStatus.DRAFT, id="official_draft"),
        pytest.param(2026, EditionKind.SELF, EditionStatus.PUBLISHED, id="published_self_assessment"),
        pytest.param(2025, EditionKind.SELF, EditionStatus.DRAFT, id="draft_self_assessment"),
        pytest.param(2026, EditionKind.DEMO, EditionStatus.DRAFT, id="demo_draft"),
    ],
)
def test_drafts_and_self_assessments_are_never_shown_to_the_public(client, year, kind, status):
    hidden = Edition.objects.create(index=par_index(), year=year, kind=kind, status=status)
    unit = Unit.objects.valid_in_year(year).get(slug="gia-lai-2025")
    YearResult.objects.create(
        edition=hidden,
        unit=unit,
        index=Decimal("12.34"),
        index_source="published",
        rank=1,
        change_basis=ChangeBasis.NONE,
    )
    slug = index_slug(hidden.index)
    for loai in ("", "official", "demo", "self", kind):
        urls = [reverse(name, args=[slug, year]) for name in ("ranking", "domains")]
        urls += [reverse("ranking_download", args=[slug, year, fmt]) for fmt in ("csv", "xlsx")]
        for url in urls:
            response = client.get(url, {"loai": loai})
            # 404, or the public edition of that year and kind (the 2025 demo), never the hidden one
            assert response.status_code == 404 or (loai == "demo" and year == 2025), (url, loai)
            assert b"12,34" not in response.content and b"12.34" not in response.content
    for url in ("/", "/xep-hang/par-index/2025/?loai=demo", reverse("methodology")):
        page = client.get(url).content.decode()
        assert "12,34" not in page and "12.34" not in page
    chosen = client.get(reverse("ranking_choose"), {"chi_so": slug, "nam": str(year), "loai": kind})
    assert f"/{year}/" not in chosen["Location"]


def test_reopening_an_edition_takes_its_page_down_at_once(
    client, django_user_model, django_capture_on_commit_callbacks
):
    from parindex.entry.services import edition_reopen

    url = "/xep-hang/par-index/2024/"
    assert client.get(url, {"loai": "demo"}).status_code == 200  # cached
    edition = Edition.objects.get(index__code="PAR_INDEX", year=2024, kind=EditionKind.DEMO)
    approver = django_user_model.objects.create_superuser("phe-duyet-trang", password="x")
    with django_capture_on_commit_callbacks(execute=True):
        edition_reopen(edition=edition, user=approver, reason="Kiểm tra lại số liệu minh họa")
    assert client.get(url, {"loai": "demo"}).status_code == 404
    assert client.get(f"{url}tai-ve.csv", {"loai": "demo"}).status_code == 404


def _public_pages() -> list[str]:
    pages = ["/", reverse("methodology")]
    for edition in Edition.objects.public():
        query = "?loai=demo" if edition.is_demo else ""
        for name in ("ranking", "domains"):
            pages.append(reverse(name, args=[index_slug(edition.index), edition.year]) + query)
            pages.append(
                reverse(f"{name}_download", args=[index_slug(edition.index), edition.year, "csv"]) + query
            )
    return pages


@pytest.mark.parametrize("language", ["vi", "en"])
def test_none_is_never_rendered_on_a_public_page_or_download(client, language):
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    pages = _public_pages()
    assert len(pages) > 40
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode("utf-8-sig")
        assert "None" not in body, url
        assert "nan" not in body.split(","), url
