"""The public methodology page states the rules the engine applies (tie rule, rounding, groups, merger rule in
use) and lists the criteria sets with their maxima, unknown ones said to be unknown."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_methodology_page_states_the_tie_rule_and_the_criteria_sets(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):  # catalogue 2, criteria sets 2, sources 2
        response = client.get(reverse("methodology"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "(1, 2, 2, 4)" in page
    assert "84,125 thành 84,13" in page
    for code in ("QĐ 876/QĐ-BNV", "QĐ 2948/QĐ-BNV", "QĐ 1150/QĐ-BNV", "DEMO"):
        assert code in page
    assert "chưa rõ" in page  # QĐ 876's maxima are not in our sources
    assert "năm áp dụng chưa rõ trong nguồn" in page  # QĐ 2948's years


@pytest.mark.parametrize("rule", ["predecessors_mean", "none"])
def test_methodology_page_marks_the_merger_rule_in_use(client, settings, rule):
    settings.PARINDEX_MERGER_RULE = rule
    page = client.get(reverse("methodology")).content.decode()
    marked = page.split('aria-current="true"')[1][:200]
    expected = "Trung bình các đơn vị tiền thân" if rule == "predecessors_mean" else "Không so sánh"
    assert expected in marked


def test_every_page_links_to_the_methodology(client):
    assert f'href="{reverse("methodology")}"' in client.get("/").content.decode()


def test_methodology_page_in_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(reverse("methodology")).content.decode()
    assert "Ranks and ties" in page
    assert "90% and above" in page
    assert "standard competition ranking" in page
