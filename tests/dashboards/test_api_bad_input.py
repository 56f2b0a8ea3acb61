"""Bad input to the public API: an unknown index, year, unit or region, a filter value with SQL or HTML in it, a
search of 10,000 characters, a page out of range, an unknown sort column, a limit of 0, −1 or 10⁹. Each gets a
clean 400 or 404 in JSON (or an empty page), never a 500, and the answer never echoes what was sent."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db
API = "/api/v1"
SQL = "1; DROP TABLE scoring_yearresult; --"
HTML = "<script>alert('x')</script>"
LONG = "a" * 10_000

CASES = [
    # (path, query, status)
    ("/rankings/NO_SUCH_INDEX/2024", {}, 404),
    ("/rankings/par_index/2024", {}, 404),  # codes are exact
    ("/rankings/PAR_INDEX/2031", {}, 404),  # a year without a published edition
    ("/rankings/PAR_INDEX/1999", {}, 400),  # before the first PAR INDEX (2012)
    ("/rankings/PAR_INDEX/99999999999999999999999", {}, 400),
    ("/rankings/PAR_INDEX/năm", {}, 400),
    (f"/rankings/{HTML}/2024", {}, 404),  # "/" in the path: no such API path, a JSON 404 all the same
    ("/rankings/PAR_INDEX/2024", {"kind": "self"}, 400),  # self-assessments are never public
    ("/rankings/PAR_INDEX/2024", {"kind": "draft"}, 400),
    ("/rankings/PAR_INDEX/2024", {"kind": SQL}, 400),
    ("/rankings/PAR_INDEX/2024", {"region": SQL}, 400),
    ("/rankings/PAR_INDEX/2024", {"region": HTML}, 400),
    ("/rankings/PAR_INDEX/2024", {"region": "0"}, 400),
    ("/rankings/PAR_INDEX/2024", {"region": "999999"}, 404),  # no such region in that ranking
    ("/rankings/PAR_INDEX/2024", {"region": str(10**30)}, 400),
    ("/rankings/PAR_INDEX/2024", {"group": "E"}, 400),
    ("/rankings/PAR_INDEX/2024", {"group": HTML}, 400),
    ("/rankings/PAR_INDEX/2024", {"sort": "password"}, 400),
    ("/rankings/PAR_INDEX/2024", {"sort": "rank; DROP TABLE x"}, 400),
    ("/rankings/PAR_INDEX/2024", {"limit": "0"}, 400),
    ("/rankings/PAR_INDEX/2024", {"limit": "-1"}, 400),
    ("/rankings/PAR_INDEX/2024", {"limit": str(10**9)}, 400),
    ("/rankings/PAR_INDEX/2024", {"limit": "abc"}, 400),
    ("/rankings/PAR_INDEX/2024", {"offset": "-1"}, 400),
    ("/rankings/PAR_INDEX/2024", {"offset": str(10**9)}, 400),
    ("/rankings/PAR_INDEX/2024", {"offset": "1000000"}, 200),  # past the end: an empty page
    ("/rankings/PAR_INDEX/2024", {"lang": "fr"}, 400),
    ("/units", {"q": LONG}, 400),
    ("/units", {"q": SQL}, 200),
    ("/units", {"q": HTML}, 200),
    ("/units", {"q": "Hà\x00Nội"}, 200),  # PostgreSQL text cannot hold NUL: dropped, then nothing matches
    ("/units", {"level": "district"}, 400),
    ("/units", {"year": "2024 OR 1=1"}, 400),
    ("/units", {"year": "1900"}, 400),
    ("/units", {"limit": str(10**9)}, 400),
    ("/units", {"offset": "999999"}, 200),
    ("/units/no-such-unit/series", {}, 404),
    ("/units/ha-noi/series", {"index": "NO_SUCH"}, 404),
    ("/units/ha-noi/series", {"index": SQL}, 400),
    ("/units/ha-noi/series", {"index": LONG}, 400),
    ("/units/ha-noi/series", {"kind": "self"}, 400),
    (f"/units/{'x' * 101}/series", {}, 400),
    ("/units/%3Cb%3E/series", {}, 400),
    ("/criteria-sets", {"index": HTML}, 400),
    ("/criteria-sets", {"index": "NO_SUCH"}, 200),  # an empty list
    ("/criteria-sets", {"limit": "-1"}, 400),
    ("/indices", {"limit": "0"}, 400),
    ("/indices", {"kind": "self"}, 400),
    ("/indices", {"offset": "500"}, 200),
    ("/no-such-endpoint", {}, 404),
    ("/rankings/PAR_INDEX", {}, 404),
]


@pytest.mark.parametrize(("path", "query", "status"), CASES, ids=[f"{p} {q}"[:60] for p, q, _s in CASES])
def test_bad_input_gets_a_clean_answer(client, path, query, status):
    response = client.get(API + path, query)
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    answer = response.json()
    if status == 200:
        assert answer["results"] == []
        return
    assert answer["detail"]
    body = response.content.decode()
    for sent in (SQL, HTML, LONG):
        assert sent not in body
    assert "<script" not in body


@pytest.mark.parametrize("limit", ["0", "-1", str(10**9)])
def test_a_limit_out_of_bounds_is_refused_with_a_message_naming_the_parameter(client, limit):
    response = client.get(API + "/rankings/PAR_INDEX/2024", {"limit": limit})
    assert response.status_code == 400
    assert response.json()["errors"][0]["loc"] == ["query", "limit"]
