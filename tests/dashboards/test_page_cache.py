"""Whole public pages kept for anonymous visitors (dashboards.page_cache): served again without a query, never
to a logged-in person, per language, and no longer once the results generation moves."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from scoring.services import _bump_generation
from tests.entry.entry_helpers import make_user

pytestmark = pytest.mark.django_db

RANKING = "/xep-hang/par-index/2024/?loai=demo"


def test_an_anonymous_visitor_gets_no_cookie_and_the_second_visit_reads_nothing(django_assert_num_queries):
    client = Client()
    first = client.get(RANKING)
    assert first.status_code == 200
    assert not first.cookies  # no CSRF token, no session: the page can be kept
    with django_assert_num_queries(0):
        second = client.get(RANKING)
    assert second.status_code == 200
    assert second["Age"] == "0"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_a_kept_page_says_its_age_and_a_new_results_generation_renders_it_again():
    client = Client()
    assert "Age" not in client.get(RANKING)
    assert client.get(RANKING)["Age"] == "0"
    _bump_generation()
    assert "Age" not in client.get(RANKING)


def test_a_logged_in_person_is_never_served_a_kept_page():
    client = Client()
    client.get(RANKING)
    client.force_login(make_user("lanh-dao-trang-giu", "leader"))
    page = client.get(RANKING).content.decode()
    assert "lanh-dao-trang-giu" in page  # the header names the person: rendered for them


def test_each_language_has_its_own_kept_page():
    client = Client()
    vietnamese = client.get(RANKING).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(RANKING).content.decode()
    assert '<html lang="vi">' in vietnamese
    assert '<html lang="en">' in english


@pytest.mark.parametrize(
    "path",
    [RANKING + "&vung=<script>", reverse("login"), "/xep-hang/par-index/1999/"],
    ids=["400", "login", "404"],
)
def test_only_successful_public_pages_are_kept(path):
    client = Client()
    client.get(path)
    assert "Age" not in client.get(path)


def test_a_head_request_has_no_body():
    client = Client()
    client.get(RANKING)
    head = client.head(RANKING)
    assert head.status_code == 200
    assert head.content == b""
