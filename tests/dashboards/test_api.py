"""The public API (dashboards.api): what each endpoint answers, that a ranking answers the same rows as the
ranking page's read (scoring.public), that the demo data shows only when asked and labelled, that drafts and
self-assessments never show, the HTTP caching headers, the cache and its invalidation, and query budgets that
do not grow with the number of units or years."""

from __future__ import annotations

import gzip
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext as _

from dashboards.api_cache import Answer, WorkerAnswers
from parindex.entry.services import par_index
from parindex.register.models import Edition, EditionKind, EditionStatus, Score, Unit
from scoring.models import ChangeBasis, YearResult
from scoring.public import public_edition, public_ranking
from scoring.services import results_recompute

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _get(client, path: str, **params):
    response = client.get(API + path, params)
    assert response.status_code == 200, (path, params, response.content[:500])
    return response.json()


def _all_rows(client, path: str, **params) -> list[dict]:
    """Every row of a paged list, 7 at a time (so that a page boundary falls inside each ranking)."""
    rows: list[dict] = []
    offset = 0
    while True:
        answer = _get(client, path, limit=7, offset=offset, **params)
        rows += answer["results"]
        offset += 7
        if offset >= answer["count"]:
            assert len(rows) == answer["count"]
            return rows


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


# --- The ranking answers what the ranking page reads ------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "kind", "units"),
    [
        pytest.param(2025, EditionKind.DEMO, 34, id="demo_2025_34_units"),
        pytest.param(2024, EditionKind.DEMO, 63, id="demo_2024_63_units"),
        pytest.param(2024, EditionKind.OFFICIAL, 10, id="official_2024_partial"),
        pytest.param(2012, EditionKind.OFFICIAL, 21, id="official_2012_partial"),
    ],
)
def test_a_ranking_answers_the_rows_of_public_ranking(client, year, kind, units):
    edition = public_edition("PAR_INDEX", year, kind)
    ranking = public_ranking(edition)
    rows = _all_rows(client, f"/rankings/PAR_INDEX/{year}", kind=kind)
    assert len(rows) == len(ranking.rows) == units
    expected = [
        {
            "unit": row.unit.slug,
            "rank": row.rank,
            "rank_source": row.rank_source,
            "published_rank": row.published_rank,
            "region_rank": row.region_rank,
            "region": row.region.pk if row.region else None,
            "group": row.group,
            "index": _number(row.index),
            "rank_change": row.rank_change,
            "index_change": _number(row.index_change),
            "missing": row.missing,
            "band": row.band.value,
            "domains": [(c.number, float(c.percent), c.rank, c.band.value) for c in row.domains],
            "sources": [(s.url, _number(s.value), s.rank, s.disagrees) for s in row.sources],
        }
        for row in ranking.rows
    ]
    answered = [
        {
            "unit": row["unit"]["slug"],
            "rank": row["rank"],
            "rank_source": row["rank_source"],
            "published_rank": row["published_rank"],
            "region_rank": row["region_rank"],
            "region": row["region"]["id"] if row["region"] else None,
            "group": row["group"],
            "index": row["index"],
            "rank_change": row["rank_change"],
            "index_change": row["index_change"],
            "missing": row["missing"],
            "band": row["band"],
            "domains": [(c["number"], c["percent"], c["rank"], c["band"]) for c in row["domains"]],
            "sources": [(s["url"], s["value"], s["rank"], s["disagrees"]) for s in row["sources"]],
        }
        for row in rows
    ]
    assert answered == expected


def test_a_ranking_carries_its_edition_domains_regions_and_averages(client):
    answer = _get(client, "/rankings/PAR_INDEX/2024", kind="demo")
    ranking = public_ranking(public_edition("PAR_INDEX", 2024, EditionKind.DEMO))
    assert answer["edition"] | {"published_at": None} == {
        "index": "PAR_INDEX",
        "index_name": "PAR INDEX",
        "year": 2024,
        "kind": "demo",
        "complete": True,
        "unit_count": 63,
        "expected_units": 63,
        "criteria_set": {"id": ranking.edition.methodology_id, "code": ranking.edition.methodology.code},
        "source": ranking.edition.source,
        "published_at": None,
    }
    assert answer["band_limits"] == {"top": 20, "middle": 40}
    assert (
        [d["number"] for d in answer["domains"]] == [d.number for d in ranking.domains] == list(range(1, 9))
    )
    assert [(r["region"]["id"], r["average"]) for r in answer["regions"]] == [
        (r.region.pk, float(r.average)) for r in ranking.regions
    ]
    assert answer["national_average"] == float(ranking.summary.national_average)
    assert all(len(row["domains"]) == 8 for row in answer["results"])


def test_a_unit_only_ranked_says_why_it_has_no_index_in_the_language_asked(client):
    vietnamese = _get(client, "/rankings/PAR_INDEX/2024")["results"]
    english = _get(client, "/rankings/PAR_INDEX/2024", lang="en")["results"]
    rank_only = [i for i, row in enumerate(vietnamese) if row["index"] is None]
    assert rank_only
    assert {vietnamese[i]["missing"] for i in rank_only} == {"chỉ công bố thứ hạng"}
    with translation.override("en"):
        in_english = str(_("chỉ công bố thứ hạng"))  # as the English catalogue has it (or the msgid)
    assert {english[i]["missing"] for i in rank_only} == {in_english}


@pytest.mark.parametrize("by", ["group", "region"])
def test_ranking_filters_keep_the_rows_of_the_whole_ranking_that_match(client, by):
    everything = _get(client, "/rankings/PAR_INDEX/2024", kind="demo", limit=200)["results"]
    value_of = {"group": lambda row: row["group"], "region": lambda row: row["region"]["id"]}[by]
    value = value_of(everything[0])
    kept = [row for row in everything if value_of(row) == value]
    answer = _get(client, "/rankings/PAR_INDEX/2024", kind="demo", limit=200, **{by: value})
    assert 0 < answer["count"] == len(kept) < 63
    assert answer["results"] == kept


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("name", lambda row: row["unit"]["name"]),
        ("-rank", lambda row: -row["rank"]),
        ("-index", lambda row: -row["index"]),
    ],
)
def test_sorting_orders_the_same_rows(client, sort, key):
    default = _get(client, "/rankings/PAR_INDEX/2025", kind="demo")["results"]
    sorted_ = _get(client, "/rankings/PAR_INDEX/2025", kind="demo", sort=sort)["results"]
    assert sorted(r["unit"]["slug"] for r in sorted_) == sorted(r["unit"]["slug"] for r in default)
    assert [key(r) for r in sorted_] == sorted(key(r) for r in sorted_)


def test_pages_follow_the_order_and_a_page_past_the_end_is_empty(client):
    whole = _get(client, "/rankings/PAR_INDEX/2024", kind="demo", limit=200)["results"]
    page = _get(client, "/rankings/PAR_INDEX/2024", kind="demo", limit=10, offset=20)
    assert (page["count"], page["limit"], page["offset"]) == (63, 10, 20)
    assert page["results"] == whole[20:30]
    past = _get(client, "/rankings/PAR_INDEX/2024", kind="demo", offset=63)
    assert (past["count"], past["results"]) == (63, [])


# --- Official only; demo when asked, and labelled; never a draft or a self-assessment --------------------------


def test_without_kind_only_published_official_data_is_answered(client):
    assert _get(client, "/rankings/PAR_INDEX/2024")["demo"] is False
    assert _get(client, "/rankings/PAR_INDEX/2024")["edition"]["kind"] == "official"
    assert client.get(API + "/rankings/PAR_INDEX/2025").status_code == 404  # 2025 exists only as demo data
    indices = {index["code"]: index for index in _get(client, "/indices")["results"]}
    assert 2025 not in indices["PAR_INDEX"]["years"]
    assert _get(client, "/criteria-sets")["demo"] is False
    assert not any(cs["demo"] for cs in _get(client, "/criteria-sets")["results"])
    series = _get(client, "/units/ha-noi/series")
    assert series["demo"] is False and all(not point["complete"] for point in series["results"])


@pytest.mark.parametrize(
    "path",
    ["/indices", "/rankings/PAR_INDEX/2025", "/units/ha-noi/series", "/criteria-sets"],
)
def test_every_demo_answer_says_demo(client, path):
    answer = _get(client, path, kind="demo")
    assert answer["demo"] is True
    assert answer["results"]
    if path == "/criteria-sets":
        assert all(cs["demo"] for cs in answer["results"])
    if path == "/indices":
        assert 2025 in next(i for i in answer["results"] if i["code"] == "PAR_INDEX")["years"]


@pytest.mark.parametrize(
    ("year", "kind", "status"),
    [
        pytest.param(2026, EditionKind.OFFICIAL, EditionStatus.DRAFT, id="official_draft"),
        pytest.param(2026, EditionKind.SELF, EditionStatus.PUBLISHED, id="published_self_assessment"),
        pytest.param(2025, EditionKind.SELF, EditionStatus.DRAFT, id="draft_self_assessment"),
        pytest.param(2026, EditionKind.DEMO, EditionStatus.DRAFT, id="demo_draft"),
    ],
)
def test_drafts_and_self_assessments_are_never_in_the_api(client, year, kind, status):
    hidden = Edition.objects.create(index=par_index(), year=year, kind=kind, status=status)
    YearResult.objects.create(
        edition=hidden,
        unit=Unit.objects.get(slug="gia-lai-2025"),
        index=Decimal("12.34"),
        index_source="published",
        rank=1,
        change_basis=ChangeBasis.NONE,
    )
    for asked in ("official", "demo"):
        ranking = client.get(f"{API}/rankings/PAR_INDEX/{year}", {"kind": asked})
        if year == 2026:
            assert ranking.status_code == 404
        series = _get(client, "/units/gia-lai-2025/series", kind=asked)
        assert year not in [point["year"] for point in series["results"]] or (asked, year) == ("demo", 2025)
        indices = _get(client, "/indices", kind=asked)["results"]
        assert 2026 not in next(index["years"] for index in indices if index["code"] == "PAR_INDEX")
        for body in (ranking.content, str(series).encode(), str(indices).encode()):
            assert b"12.34" not in body
    assert client.get(f"{API}/rankings/PAR_INDEX/{year}", {"kind": kind}).status_code in {400, 404}


def test_a_reopened_edition_leaves_the_api_at_once(
    client, django_user_model, django_capture_on_commit_callbacks
):
    from parindex.entry.services import edition_reopen

    assert client.get(API + "/rankings/PAR_INDEX/2024", {"kind": "demo"}).status_code == 200  # cached
    edition = Edition.objects.get(index__code="PAR_INDEX", year=2024, kind=EditionKind.DEMO)
    approver = django_user_model.objects.create_superuser("phe-duyet-api", password="x")
    with django_capture_on_commit_callbacks(execute=True):
        edition_reopen(edition=edition, user=approver, reason="Kiểm tra lại số liệu minh họa")
    assert client.get(API + "/rankings/PAR_INDEX/2024", {"kind": "demo"}).status_code == 404
    series = _get(client, "/units/ha-noi/series", kind="demo")["results"]
    assert [point["year"] for point in series] == list(range(2018, 2024))


# --- Units, series, criteria sets, indices --------------------------------------------------------------------


@pytest.mark.parametrize(("year", "count"), [(2024, 63), (2025, 34)])
def test_units_of_a_year_with_their_successions(client, year, count):
    units = _all_rows(client, "/units", level="province", year=year)
    assert len(units) == count
    if year == 2024:
        assert all(unit["successors"] and not unit["predecessors"] for unit in units)
    else:
        assert all(unit["predecessors"] and not unit["successors"] for unit in units)
        assert sum(len(unit["predecessors"]) for unit in units) == 63


def test_a_unit_search_finds_by_name_or_alias_and_treats_sql_and_html_as_text(client):
    found = _get(client, "/units", q="hà nội", level="province")["results"]
    assert {unit["slug"] for unit in found} == {"ha-noi", "ha-noi-2025"}
    for text in ("' OR 1=1 --", "<script>alert(1)</script>", "%", "_"):
        answer = client.get(API + "/units", {"q": text})
        assert answer.status_code == 200
        assert answer.json()["count"] == 0, text


def test_a_units_series_equals_its_rows_in_each_years_ranking(client):
    series = _get(client, "/units/ha-noi/series", kind="demo")
    assert series["unit"]["slug"] == "ha-noi"
    assert [link["unit"]["slug"] for link in series["unit"]["successors"]] == ["ha-noi-2025"]
    assert [point["year"] for point in series["results"]] == list(range(2018, 2025))
    for point in series["results"]:
        ranking = _get(client, f"/rankings/PAR_INDEX/{point['year']}", kind="demo", limit=200)
        row = next(row for row in ranking["results"] if row["unit"]["slug"] == "ha-noi")
        assert {key: point[key] for key in row} == row


def test_a_series_of_an_index_the_unit_has_no_results_in_is_empty(client):
    answer = _get(client, "/units/ha-noi/series", index="PCI")
    assert (answer["count"], answer["results"]) == (0, [])


def test_criteria_sets_with_their_domains_maxima_status_and_sources(client):
    sets = {cs["code"]: cs for cs in _get(client, "/criteria-sets", index="PAR_INDEX")["results"]}
    qd_876 = sets["QĐ 876/QĐ-BNV"]
    maxima = {d["number"]: (d["max_points"], d["max_points_status"]) for d in qd_876["domains"]}
    assert maxima[3] == (13.0, "published") and maxima[1] == (None, "unknown")
    assert all(d["source_url"].startswith("https://") for d in qd_876["domains"] if d["max_points"])
    assert qd_876["parts"] and all(part["source_url"].startswith("http") for part in qd_876["parts"])
    assert len(sets["QĐ 2948/QĐ-BNV"]["domains"]) == 8


def test_the_openapi_schema_is_served_by_the_app(client):
    response = client.get(API + "/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        f"{API}/indices",
        f"{API}/units",
        f"{API}/rankings/{{index}}/{{year}}",
        f"{API}/units/{{slug}}/series",
        f"{API}/criteria-sets",
    }
    assert all(set(path) == {"get"} for path in schema["paths"].values())  # read-only
    docs = client.get(API + "/docs").content.decode()
    assert "cdn." not in docs and "/static/ninja/swagger-ui-bundle.js" in docs  # served by the app


# --- HTTP: ETag, 304, Cache-Control, no cookie, no CORS -----------------------------------------------------


def test_answers_carry_an_etag_and_a_matching_if_none_match_gets_304(client):
    first = client.get(API + "/rankings/PAR_INDEX/2025", {"kind": "demo"})
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=60"
    again = client.get(API + "/rankings/PAR_INDEX/2025", {"kind": "demo"}, HTTP_IF_NONE_MATCH=etag)
    assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", etag)
    other = client.get(
        API + "/rankings/PAR_INDEX/2025", {"kind": "demo", "limit": 5}, HTTP_IF_NONE_MATCH=etag
    )
    assert other.status_code == 200 and other.headers["ETag"] != etag  # another body, another tag


@pytest.mark.parametrize("visit", ["first", "second"])  # built by the view, then served by the middleware
def test_answers_set_no_cookie_vary_on_no_cookie_and_allow_no_other_origin(client, visit):
    client.cookies["django_language"] = "en"
    client.cookies["sessionid"] = "not-a-session"
    for _time in range(2 if visit == "second" else 1):
        response = client.get(API + "/rankings/PAR_INDEX/2024", HTTP_ORIGIN="https://elsewhere.example")
    assert response.status_code == 200
    assert not response.cookies
    assert response.headers["Vary"] == "Accept-Encoding"
    assert not [name for name in response.headers if name.lower().startswith("access-control-")]
    assert response.headers["Content-Language"] == "vi"  # the language is a parameter, not the cookie
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_client_that_accepts_gzip_gets_the_same_answer_gzipped_with_its_own_etag(client):
    plain = client.get(API + "/rankings/PAR_INDEX/2024", {"kind": "demo"})
    for _visit in range(2):  # built, then from the worker's memory
        packed = client.get(
            API + "/rankings/PAR_INDEX/2024", {"kind": "demo"}, HTTP_ACCEPT_ENCODING="gzip, br"
        )
        assert packed.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.content) == plain.content
        assert len(packed.content) < len(plain.content) / 4
        assert packed.headers["ETag"] not in {plain.headers["ETag"], ""}
    for etag in (plain.headers["ETag"], packed.headers["ETag"]):
        again = client.get(
            API + "/rankings/PAR_INDEX/2024",
            {"kind": "demo"},
            HTTP_ACCEPT_ENCODING="gzip",
            HTTP_IF_NONE_MATCH=etag,
        )
        assert again.status_code == 304
    small = client.get(API + "/units", {"q": "no such unit"}, HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in small.headers  # too small to gain from it


def test_a_worker_serves_a_recent_answer_without_the_view(client):
    client.get(API + "/rankings/PAR_INDEX/2024", {"kind": "demo"})
    cache.clear()  # no shared answer any more; the generation is unchanged (none)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(API + "/rankings/PAR_INDEX/2024", {"kind": "demo"})
    assert response.status_code == 200 and response.json()["count"] == 63
    assert queries.captured_queries == []


def test_a_recent_answer_is_not_served_to_a_host_that_is_not_allowed(client):
    client.get(API + "/rankings/PAR_INDEX/2024", {"kind": "demo"})
    assert (
        client.get(API + "/rankings/PAR_INDEX/2024", {"kind": "demo"}, HTTP_HOST="evil.example").status_code
        == 400
    )


def test_a_workers_memory_keeps_the_answers_used_last():
    answers = WorkerAnswers(size=2)
    made = [Answer(0, f'"{n}"', b"{}", None, "vi", 0.0) for n in range(3)]
    answers.put(("a",), made[0])
    answers.put(("b",), made[1])
    assert answers.get(("a",)) is made[0]  # now the most recent
    answers.put(("c",), made[2])
    assert (answers.get(("a",)), answers.get(("b",)), answers.get(("c",))) == (made[0], None, made[2])


def test_a_second_request_reads_nothing_from_the_database(client):
    client.get(API + "/rankings/PAR_INDEX/2024", {"kind": "demo"})
    with CaptureQueriesContext(connection) as queries:
        client.get(API + "/rankings/PAR_INDEX/2024", {"kind": "demo"})
    assert queries.captured_queries == []


def test_unknown_parameters_and_their_order_do_not_make_new_cache_entries(client):
    client.get(API + "/rankings/PAR_INDEX/2024?kind=demo&limit=5")
    with CaptureQueriesContext(connection) as queries:
        client.get(API + "/rankings/PAR_INDEX/2024?limit=5&utm_source=x&kind=demo")
    assert queries.captured_queries == []


def test_a_recompute_shows_in_the_api_at_once(client, django_capture_on_commit_callbacks):
    edition = Edition.objects.get(index__code="PAR_INDEX", year=2024, kind=EditionKind.DEMO)
    first = _get(client, "/rankings/PAR_INDEX/2024", kind="demo", limit=1)["results"][0]
    top = Unit.objects.get(slug=first["unit"]["slug"])
    Score.objects.filter(assessment__edition=edition, assessment__unit=top).update(points=Decimal(0))
    with django_capture_on_commit_callbacks(execute=True):
        results_recompute(edition=edition, cascade=False)
    rows = _get(client, "/rankings/PAR_INDEX/2024", kind="demo", sort="-rank", limit=1)["results"]
    assert (rows[0]["unit"]["slug"], rows[0]["index"]) == (top.slug, 0.0)


def test_the_api_stays_up_when_redis_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there: every cache call fails
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    from django.core.cache import cache  # the settings' cache, unreachable

    cache.set("probe", 1)
    assert cache.get("probe") is None
    for _attempt in range(2):
        assert _get(client, "/rankings/PAR_INDEX/2024", kind="demo")["count"] == 63


# --- Query budgets: the same whatever the number of units and years ------------------------------------------

# public_edition (1) + public_ranking (8)
RANKING_QUERIES = 9


def _queries(client, path: str, params: dict) -> int:
    cache.clear()  # measure a miss: what an answer costs when it is built
    with CaptureQueriesContext(connection) as queries:
        response = client.get(API + path, params)
    assert response.status_code == 200, response.content
    return len(queries.captured_queries)


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"kind": "demo"}, id="all_rows"),
        pytest.param({"kind": "demo", "group": "B", "sort": "-index"}, id="filtered_sorted"),
        pytest.param({"kind": "demo", "limit": 5, "offset": 10}, id="a_page"),
    ],
)
def test_a_ranking_costs_the_same_queries_for_34_and_63_units(client, django_assert_max_num_queries, params):
    counts = []
    for year in (2025, 2024):  # 34 units, 63 units
        with django_assert_max_num_queries(RANKING_QUERIES):
            counts.append(_queries(client, f"/rankings/PAR_INDEX/{year}", params))
    assert counts[0] == counts[1]


def test_units_cost_three_queries_for_34_and_63_units(client, django_assert_max_num_queries):
    for year in (2025, 2024):
        with django_assert_max_num_queries(3):  # count, units with regions and parents, successions
            _queries(client, "/units", {"year": year, "level": "province", "limit": 200})


@pytest.mark.parametrize(
    ("slug", "kind"),
    [("ha-noi-2025", "demo"), ("ha-noi", "demo"), ("ha-noi", "official")],  # 1, 7 and 10 years
)
def test_a_series_costs_the_same_queries_whatever_the_number_of_years(
    client, django_assert_max_num_queries, slug, kind
):
    # unit and its successions (2), index (1), results with editions, domain results, sources (3)
    with django_assert_max_num_queries(6):
        _queries(client, f"/units/{slug}/series", {"kind": kind})


@pytest.mark.parametrize(("path", "budget"), [("/indices", 2), ("/criteria-sets", 3)])
def test_lists_cost_a_fixed_number_of_queries(client, django_assert_max_num_queries, path, budget):
    for kind in ("official", "demo"):
        with django_assert_max_num_queries(budget):
            _queries(client, path, {"kind": kind})
