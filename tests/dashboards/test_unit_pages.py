"""The unit pages: status, who sees what, bad input answered with a message (never a 500), no inline script,
and a fixed number of queries whatever the number of years and units."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from dashboards import charts
from parindex.register.models import Edition, EditionKind, EditionStatus, Index, Target, Unit
from scoring import calculation as calc
from scoring.models import DomainResult, YearResult
from scoring.selectors import GENERATION_KEY
from scoring.services import edition_input

pytestmark = pytest.mark.django_db

BANNER = 'data-testid="demo-banner"'
PLOTLY = "vendor/plotly/plotly-basic.min.js"
# Queries of a unit page, whatever the number of years and units (see test_query_count_does_not_grow).
PUBLIC_BUDGET = 22
LEADER_BUDGET = 30


def page(slug: str, **query: str) -> str:
    url = reverse("units:page", args=[slug])
    return f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}" if query else url


@pytest.fixture
def leader_client() -> Client:
    """A leader's own client (the `client` fixture stays anonymous: the public)."""
    leader = Client()
    user = User.objects.create_user("lanh-dao", password="x")
    user.groups.add(Group.objects.get_or_create(name="leader")[0])
    leader.force_login(user)
    return leader


def _figures(html: str) -> dict[str, dict]:
    """The figures handed to the page through json_script, by chart key."""
    found = re.findall(r'<script id="chart-([\w-]+)-data" type="application/json">(.*?)</script>', html, re.S)
    return {key: json.loads(body) for key, body in found}


def test_a_unit_page_is_public_and_draws_its_charts_from_json_script(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(PUBLIC_BUDGET):
        response = client.get(page("quang-nam", loai="demo"))
    assert response.status_code == 200
    html = response.content.decode()
    figures = _figures(html)
    assert set(figures) == {
        "index-history",
        "rank-history",
        "domains",
        "points-left",
        "domain-ranks",
        "distribution",
    }
    for key in figures:
        assert f'data-chart="chart-{key}-data"' in html
        assert f'data-download="chart-{key}"' in html  # a PNG download per chart
    assert html.count('<details class="chart-table">') == len(figures)  # a table per chart
    assert BANNER in html
    assert 'id="targets"' not in html and "data-what-if" not in html  # leaders only


def test_no_inline_script_and_plotly_only_on_chart_pages(client):
    html = client.get(page("quang-nam", loai="demo")).content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert PLOTLY in html and "static/js/charts.js" in html
    assert "https://" not in " ".join(re.findall(r"<script[^>]*>", html))  # served by the app, no CDN
    assert PLOTLY not in client.get(reverse("home")).content.decode()


def test_official_pages_show_published_official_results_without_the_demo_banner(client):
    html = client.get(page("quang-nam")).content.decode()
    assert BANNER not in html
    figures = _figures(html)
    [own] = [t for t in figures["index-history"]["data"] if t["name"] == "Quảng Nam"]
    official = YearResult.objects.filter(
        unit__slug="quang-nam", edition__kind="official", edition__index__code="PAR_INDEX"
    )
    assert own["x"] == sorted(official.values_list("edition__year", flat=True))


def test_the_public_never_sees_drafts_but_leaders_do(client, leader_client):
    edition = Edition.objects.get(index__code="PAR_INDEX", year=2024, kind="demo")
    Edition.objects.filter(pk=edition.pk).update(status=EditionStatus.DRAFT)
    public = _figures(client.get(page("quang-nam", loai="demo")).content.decode())
    [own] = [t for t in public["index-history"]["data"] if t["name"] == "Quảng Nam"]
    assert 2024 not in own["x"]
    leader = _figures(leader_client.get(page("quang-nam", loai="demo")).content.decode())
    names = [t["name"] for t in leader["index-history"]["data"]]
    assert "Quảng Nam (bản nháp minh họa)" in names
    [draft] = [t for t in leader["index-history"]["data"] if t["name"] == "Quảng Nam (bản nháp minh họa)"]
    assert draft["x"] == [2024]


def test_a_year_the_unit_did_not_exist_in_gets_a_message_not_an_error(client):
    response = client.get(page("ha-giang", loai="demo", nam="2025"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hà Giang không tồn tại trong năm 2025" in html
    assert "Năm 2024" in html or "2024" in html
    for bad in ("abcd", "99999", "-1", "2030"):
        assert client.get(page("quang-nam", nam=bad)).status_code == 200


def test_an_unknown_unit_is_not_found(client):
    assert client.get(page("khong-co-tinh-nay")).status_code == 404


def test_query_count_does_not_grow_with_years_or_units(client, leader_client, django_assert_max_num_queries):
    """Seven demo years among 63 units (Quảng Nam, Hà Nội) and one year among 34 (Đà Nẵng from 2025): the same
    number of queries."""
    counts = set()
    for slug in ("quang-nam", "da-nang-2025", "ha-noi"):
        with django_assert_max_num_queries(PUBLIC_BUDGET) as captured:
            assert client.get(page(slug, loai="demo")).status_code == 200
        counts.add(len(captured))
        with django_assert_max_num_queries(LEADER_BUDGET):
            assert leader_client.get(page(slug, loai="demo")).status_code == 200
    assert len(counts) == 1


# --------------------------------------------------------------------------------------------- what-if


def _what_if(client: Client, slug: str = "da-nang-2025", **params: str):  # type: ignore[no-untyped-def]
    return client.get(reverse("units:what_if", args=[slug]), {"nam": "2025", "loai": "demo", **params})


def test_what_if_returns_the_engines_result_and_saves_nothing(leader_client, django_assert_max_num_queries):
    unit = Unit.objects.get(slug="da-nang-2025")
    edition = Edition.objects.get(index__code="PAR_INDEX", year=2025, kind="demo")
    before = list(YearResult.objects.filter(edition=edition).values_list("unit_id", "index", "rank"))
    with django_assert_max_num_queries(LEADER_BUDGET):
        response = _what_if(leader_client, d1="10", d7="16")
    assert response.status_code == 200
    body = response.json()
    expected = calc.what_if(edition_input(edition), str(unit.pk), {1: Decimal(10), 7: Decimal(16)})
    assert (body["rank"], body["group"]) == (expected.rank, expected.group.value)
    assert body["index"] == f"{expected.index:.2f}".replace(".", ",")
    assert body["before"]["rank"] == YearResult.objects.get(edition=edition, unit=unit).rank
    assert "Không có gì được lưu" in body["text"]
    assert list(YearResult.objects.filter(edition=edition).values_list("unit_id", "index", "rank")) == before


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"d1": "10,01"}, "d1", "vượt quá điểm tối đa"),
        ({"d3": "-1"}, "d3", "không được âm"),
        ({"d2": "mười"}, "d2", "không phải là số"),
        ({"d9": "1"}, "__all__", "không có trong bộ tiêu chí"),
    ],
)
def test_what_if_refuses_bad_points_with_a_message(leader_client, params, field, message):
    response = _what_if(leader_client, **params)
    assert response.status_code == 400
    assert message in " ".join(response.json()["errors"][field])


def test_what_if_is_for_leaders_and_needs_a_complete_year(client, leader_client):
    assert _what_if(client, d1="5").status_code == 403
    assert leader_client.get(reverse("units:what_if", args=["khong-co"])).status_code == 404
    partial = leader_client.get(
        reverse("units:what_if", args=["quang-nam"]), {"nam": "2023", "loai": "official"}
    )
    assert partial.status_code == 400
    assert "chưa đủ" in partial.json()["errors"]["__all__"][0]
    missing = _what_if(leader_client, slug="ha-giang", d1="5")  # no 2025 result: the unit was merged
    assert missing.status_code == 400


# --------------------------------------------------------------------------------------------- targets


def _post_target(client: Client, slug: str = "da-nang-2025", **data: str):  # type: ignore[no-untyped-def]
    index = Index.objects.get(code="PAR_INDEX")
    return client.post(reverse("units:target_set", args=[slug]), {"index": index.pk, "year": "2026", **data})


def test_a_leader_sets_a_target_and_sees_it_on_the_rank_chart_and_in_the_table(leader_client):
    response = _post_target(leader_client, target_rank="10", target_group="A", note="top 10 năm 2026")
    assert response.status_code == 302
    assert response["Location"].endswith("#targets")
    [target] = Target.objects.filter(unit__slug="da-nang-2025")
    assert (target.year, target.target_rank, target.target_group) == (2026, 10, "A")
    html = leader_client.get(page("da-nang-2025", loai="demo")).content.decode()
    figures = _figures(html)
    [line] = [t for t in figures["rank-history"]["data"] if t["name"] == "Mục tiêu thứ hạng"]
    assert line["y"][:2] == [10, 10] and line["x"][1] == 2026
    assert html.count('data-testid="target-row"') == 1
    assert "Chưa đúng hướng" in html  # rank 19 of 34 in 2025, the target is 10


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"target_rank": "0"}, "Thứ hạng phải là số nguyên từ 1 trở lên"),
        ({"target_rank": "64"}, "từ 1 đến 34 (năm 2026 có 34 đơn vị)"),
        ({"target_rank": "hai mươi"}, "Thứ hạng phải là số nguyên"),
        ({"target_index": "101"}, "từ 0 đến 100"),
        ({"year": "sang năm", "target_rank": "5"}, "Năm phải là một số nguyên"),
        ({}, "Cần ít nhất một mục tiêu"),
    ],
)
def test_bad_targets_get_a_message_and_nothing_is_saved(leader_client, data, message):
    response = _post_target(leader_client, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Target.objects.exists()


def test_a_target_for_a_unit_outside_the_leaders_province_is_refused(client):
    user = User.objects.create_user("lanh-dao-ha-noi", password="x")
    user.groups.add(
        Group.objects.get_or_create(name="leader")[0], Group.objects.create(name="leader:ha-noi-2025")
    )
    client.force_login(user)
    response = _post_target(client, target_rank="5")
    assert response.status_code == 403
    assert "không thuộc phạm vi" in response.content.decode()
    assert not Target.objects.exists()


def test_the_public_cannot_set_targets_and_gets_a_message(client):
    response = _post_target(client, target_rank="5")
    assert response.status_code == 403
    assert "Chỉ lãnh đạo hoặc quản trị viên" in response.content.decode()
    assert not Target.objects.exists()
    assert client.get(reverse("units:target_set", args=["da-nang-2025"])).status_code == 405


def test_setting_a_target_needs_the_csrf_token():
    csrf_client = Client(enforce_csrf_checks=True)
    user = User.objects.create_user("lanh-dao-csrf", password="x")
    user.groups.add(Group.objects.get_or_create(name="leader")[0])
    csrf_client.force_login(user)
    assert _post_target(csrf_client, target_rank="5").status_code == 403
    assert not Target.objects.exists()


def test_a_leader_deletes_a_target(leader_client):
    _post_target(leader_client, target_rank="10")
    target = Target.objects.get()
    response = leader_client.post(reverse("units:target_delete", args=["da-nang-2025", target.pk]))
    assert response.status_code == 302
    assert not Target.objects.exists()
    assert leader_client.post(reverse("units:target_delete", args=["ha-noi-2025", 999999])).status_code == 404


def test_every_index_the_unit_has_is_shown_beside_its_targets(leader_client):
    _post_target(leader_client, slug="ha-noi", year="2024", target_rank="3")
    sipas = Index.objects.get(code="SIPAS")
    leader_client.post(
        reverse("units:target_set", args=["ha-noi"]),
        {"index": sipas.pk, "year": "2024", "target_index": "85"},
    )
    html = leader_client.get(page("ha-noi")).content.decode()
    standings = html[html.index('data-testid="standings"') :]
    assert "PAR INDEX" in standings and "SIPAS" in standings
    assert html.count('data-testid="target-row"') == 2


# --------------------------------------------------------------------------------------------- compare


def compare(*slugs: str, **extra: str) -> str:
    query = "&".join([*(f"don-vi={s}" for s in slugs), *(f"{k}={v}" for k, v in extra.items())])
    return f"{reverse('units:compare')}?{query}"


def test_compare_three_units_on_the_same_charts(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        response = client.get(compare("ha-noi", "quang-nam", "da-nang", loai="demo"))
    assert response.status_code == 200
    figures = _figures(response.content.decode())
    assert set(figures) == {"compare-index", "compare-rank", "compare-domains"}
    names = {t["name"] for t in figures["compare-index"]["data"]}
    assert {"Hà Nội", "Quảng Nam", "Đà Nẵng"} <= names
    [quang_nam] = [t for t in figures["compare-domains"]["data"] if t["name"] == "Quảng Nam"]
    expected = DomainResult.objects.filter(
        year_result__unit__slug="quang-nam",
        year_result__edition__year=2024,
        year_result__edition__kind="demo",
    )
    assert sorted(quang_nam["x"]) == sorted(float(p) for p in expected.values_list("percent", flat=True))


def test_compare_merged_and_unmerged_units_of_2025(client):
    response = client.get(compare("da-nang-2025", "ha-noi-2025", loai="demo"))
    assert response.status_code == 200
    [hanoi] = [
        t for t in _figures(response.content.decode())["compare-index"]["data"] if t["name"] == "Hà Nội"
    ]
    assert hanoi["x"] == list(range(2018, 2026))  # continues the old Hà Nội


@pytest.mark.parametrize(
    ("slugs", "message"),
    [
        (("ha-noi",), "Chọn từ 2 đến 4 đơn vị"),
        (("ha-noi", "quang-nam", "da-nang", "hue-2025", "can-tho"), "Chọn từ 2 đến 4 đơn vị"),
        (("ha-noi", "ha-noi"), "Mỗi đơn vị chỉ chọn một lần"),
        (("ha-noi", "khong-co"), "Không có đơn vị: khong-co"),
    ],
)
def test_bad_compare_lists_get_a_message(client, slugs, message):
    response = client.get(compare(*slugs))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert PLOTLY not in response.content.decode()


def test_the_compare_form_alone_is_a_page(client):
    assert client.get(reverse("units:compare")).status_code == 200


def test_demo_and_official_are_labelled(client):
    assert BANNER in client.get(compare("ha-noi", "quang-nam", loai="demo")).content.decode()
    assert BANNER not in client.get(compare("ha-noi", "quang-nam", loai="official")).content.decode()
    assert EditionKind.DEMO == "demo"


# --------------------------------------------------------------------------------------------- brief


def test_the_brief_gives_the_key_figures_domains_points_left_sources_and_date(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(PUBLIC_BUDGET):
        response = client.get(reverse("units:brief", args=["da-nang-2025"]) + "?loai=demo")
    assert response.status_code == 200
    html = response.content.decode()
    result = YearResult.objects.get(unit__slug="da-nang-2025", edition__kind="demo")
    assert f"{result.index:.2f}".replace(".", ",") + "%" in html
    assert f"{result.rank}/34" in html
    for heading in (
        "Lĩnh vực mạnh nhất",
        "Lĩnh vực yếu nhất",
        "Điểm còn thiếu nhiều tác động nhất",
        "Nguồn",
        "In ngày",
    ):
        assert heading in html
    assert "Trung bình các đơn vị tiền thân" in html  # the comparison rule of a merged unit
    assert BANNER in html
    assert PLOTLY not in html  # a printable page, no chart script
    assert "Mục tiêu" not in html  # targets are for leaders


def test_the_brief_of_an_official_year_lists_its_sources(client):
    html = client.get(reverse("units:brief", args=["quang-nam"])).content.decode()
    figure = YearResult.objects.get(
        unit__slug="quang-nam", edition__kind="official", edition__index__code="PAR_INDEX"
    )
    assert f"{figure.edition.year}" in html
    assert "http" in html[html.index("Nguồn") :]
    assert BANNER not in html


# --------------------------------------------------------------------------------------------- overview


def overview(**query: str) -> str:
    return reverse("units:overview") + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.mark.parametrize(("year", "count"), [("2024", 63), ("2025", 34)])
def test_the_overview_maps_every_unit_of_the_year_on_its_own_layout(
    client, django_assert_max_num_queries, year, count
):
    with django_assert_max_num_queries(8):
        response = client.get(overview(loai="demo", nam=year))
    assert response.status_code == 200
    html = response.content.decode()
    figures = _figures(html)
    [tiles] = figures["tile-map"]["data"]
    assert len(tiles["customdata"]) == count
    expected = charts.TILES_63 if count == 63 else charts.TILES_34
    hanoi = "ha-noi" if count == 63 else "ha-noi-2025"
    position = tiles["customdata"].index(hanoi)
    assert (tiles["y"][position], tiles["x"][position]) == expected["01"]
    assert BANNER in html
    assert 'data-link="/don-vi/__slug__/?loai=demo"' in html


def test_the_overview_colours_by_group_and_lists_the_biggest_movers(client):
    html = client.get(overview(loai="demo", nam="2024", mau="group")).content.decode()
    figures = _figures(html)
    names = {t["name"] for t in figures["tile-map"]["data"]}
    groups = set(
        YearResult.objects.filter(edition__year=2024, edition__kind="demo").values_list("group", flat=True)
    )
    assert names == {f"Nhóm {g}" for g in groups}
    top_up = (
        YearResult.objects.filter(edition__year=2024, edition__kind="demo", rank_change__gt=0)
        .order_by("-rank_change", "rank")
        .first()
    )
    up = html[html.index('data-testid="movers-up"') :]
    assert f'{top_up.unit.name}</a>: <span class="up">▲ {top_up.rank_change}' in up.split("</ol>")[0]
    regions = figures["regions"]["data"][0]
    assert len(regions["y"]) == 6


def test_the_overview_of_a_partial_official_year_greys_units_without_an_index(client):
    response = client.get(overview(nam="2024"))
    assert response.status_code == 200
    figures = _figures(response.content.decode())
    traces = {t["name"]: len(t["customdata"]) for t in figures["tile-map"]["data"]}
    with_index = YearResult.objects.filter(
        edition__year=2024, edition__kind="official", edition__index__code="PAR_INDEX", index__isnull=False
    ).count()
    assert traces == {"Chỉ số (%)": with_index, "Chưa có chỉ số": 63 - with_index}
    # The regional averages of a partial year are the published ones.
    assert (
        dict(zip(figures["regions"]["data"][0]["y"], figures["regions"]["data"][0]["x"], strict=True))[
            "Đồng bằng sông Hồng"
        ]
        == 90.17
    )


def test_the_overview_answers_bad_input_with_the_latest_year(client):
    response = client.get(overview(nam="1990", loai="xyz", mau="abc"))
    assert response.status_code == 200
    assert "Không có kết quả năm 1990" in response.content.decode()


def test_peer_comparisons_are_offered_same_region_same_group_merged_and_unmerged(client):
    html = client.get(page("da-nang-2025", loai="demo")).content.decode()
    peers = html[html.index('id="peers-title"') :]
    for label in ("Cùng vùng", "Cùng nhóm", "Các đơn vị hợp nhất", "Các đơn vị không hợp nhất"):
        assert label in peers
    links = re.findall(r'href="(/so-sanh/\?[^"]+)"', peers)
    assert all(link.startswith("/so-sanh/?don-vi=da-nang-2025&amp;") for link in links)
    assert client.get(links[0].replace("&amp;", "&")).status_code == 200


def test_a_target_on_an_index_without_results_yet_is_listed_beside_the_others(leader_client):
    papi = Index.objects.get(code="PAPI")
    response = leader_client.post(
        reverse("units:target_set", args=["da-nang-2025"]),
        {"index": papi.pk, "year": "2026", "target_rank": "10"},
    )
    assert response.status_code == 302
    html = leader_client.get(page("da-nang-2025", loai="demo")).content.decode()
    standings = html[html.index('data-testid="standings"') :]
    assert "PAPI" in standings and "Chưa có kết quả" in standings


def test_the_public_unit_page_is_read_once_per_results_generation(client, django_assert_max_num_queries):
    url = page("quang-nam", loai="demo")
    first = client.get(url).content.decode()
    with django_assert_max_num_queries(1):  # the unit (a 404 stays a 404); its data comes from the cache
        again = client.get(url).content.decode()
    assert _figures(again) == _figures(first)
    # A recompute bumps the generation: the next request reads again.
    cache.set(GENERATION_KEY, 123456, None)
    with django_assert_max_num_queries(PUBLIC_BUDGET) as captured:
        client.get(url)
    assert len(captured) > 1
