"""Every staff URL refused to anonymous visitors and to a logged-in person without the role, generated from the
URL list (django.urls.get_resolver()), so that a URL added later is covered without touching this file.

A URL is staff unless it is listed in PUBLIC below (the public pages, the API, logging in and the language
switch). Each URL is built with reverse() and a sample value for each of its parameters (SAMPLES); a pattern with
a parameter this file does not know fails with a message asking for a sample. Unnamed patterns cannot be
reversed: only the admin's catch-all and the API's fallback are allowed to be unnamed.

Expected: anonymous visitors (GET and POST) are sent to a login page or refused with 403; a logged-in user with
no role is refused every POST (403, or the admin's login page for /quan-tri/), and nothing that answered was a
success (2xx) for a write.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

from parindex.register.models import EditorAssignment, ImportJob, Target
from tests.entry.entry_helpers import assign, draft_edition, make_user, units

pytestmark = pytest.mark.django_db

# Named URLs (namespace:name) open to everyone. Anything else is staff.
PUBLIC = {
    "home",
    "methodology",
    "ranking_choose",
    "ranking_index",
    "ranking",
    "ranking_download",
    "domains",
    "domains_download",
    "units:page",
    "units:brief",
    "units:compare",
    "units:overview",
    "favicon",
    "login",
    "logout",
    "set_language",
    "javascript-catalog",
}
PUBLIC_NAMESPACES = {"api-v1"}  # the read-only public API (GET only; tested in tests/dashboards)
UNNAMED_ALLOWED_PREFIXES = ("quan-tri/", "api/v1/")

# A sample value per parameter name; the ids are those of real rows (the `samples` fixture fills them in), so
# that a view which looks its object up first still has to refuse on the role, not on a missing row.
SAMPLE_NAMES = {
    "edition_id",
    "unit_id",
    "assignment_id",
    "methodology_id",
    "job_id",
    "target_id",
    "slug",
    "fmt",
    "object_id",
    "id",
    "version_id",
    "content_type_id",
    "app_label",
}


@pytest.fixture
def samples() -> dict[str, object]:
    edition = draft_edition()
    unit = units()[0]
    editor = make_user("bien-tap", "editor")
    assign(editor, edition, unit)
    assignment = EditorAssignment.objects.get(user=editor, edition=edition)
    job = ImportJob.objects.create(edition=edition, user=editor, filename="x.csv", content=b"x")
    target = Target.objects.create(unit=unit, index_id=edition.index_id, year=2026, target_rank=10)
    return {
        "edition_id": edition.pk,
        "unit_id": unit.pk,
        "assignment_id": assignment.pk,
        "methodology_id": edition.methodology_id,
        "job_id": job.pk,
        "target_id": target.pk,
        "slug": unit.slug,
        "fmt": "xlsx",
        "object_id": str(editor.pk),
        "id": str(editor.pk),
        "version_id": "1",
        "content_type_id": ContentType.objects.get_for_model(EditorAssignment).pk,
        "app_label": "auth",
    }


def _parameters(pattern: URLPattern | URLResolver) -> set[str]:
    if isinstance(pattern.pattern, RoutePattern):  # a path() route
        return set(pattern.pattern.converters)
    regex = pattern.pattern.regex  # a re_path(); its unnamed groups are named "#1", "#2"… here
    unnamed = regex.groups - len(regex.groupindex)
    return set(regex.groupindex) | {f"#{n}" for n in range(1, unnamed + 1)}


def _walk(
    patterns, prefix="", namespace="", params=frozenset()
) -> Iterator[tuple[str, str | None, set[str]]]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        names = set(params) | _parameters(pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            yield from _walk(pattern.url_patterns, route, inner, frozenset(names))
        else:
            yield route, (f"{namespace}{pattern.name}" if pattern.name else None), names


def staff_urls() -> list[tuple[str, str, set[str]]]:
    found = {}
    for route, name, params in _walk(get_resolver().url_patterns):
        if name is None:
            assert route.startswith(UNNAMED_ALLOWED_PREFIXES), (
                f"unnamed URL pattern {route!r}: give it a name"
            )
            continue
        if name in PUBLIC or name.split(":")[0] in PUBLIC_NAMESPACES:
            continue
        found.setdefault(name, (route, name, params))
    return sorted(found.values())


STAFF = staff_urls()


def test_the_list_covers_every_staff_area():
    """A sanity check on the walk itself: entry, files, unit targets and the admin are all in."""
    names = {name for _route, name, _params in STAFF}
    assert {"entry:edition_list", "entry:grid", "transfer:upload", "units:target_set", "admin:index"} <= names
    assert len(STAFF) > 40


def test_every_staff_url_parameter_has_a_sample():
    _check_samples(STAFF)


def _check_samples(staff: list[tuple[str, str, set[str]]]) -> None:
    for route, name, params in staff:
        unknown = {param for param in params if not param.startswith("#")} - SAMPLE_NAMES
        assert not unknown, (
            f"URL {name!r} ({route}) has parameters {sorted(unknown)} with no sample value: add one to "
            f"SAMPLE_NAMES and the samples fixture in {__file__}"
        )


def _url(samples: dict[str, object], route: str, name: str, params: set[str]) -> str:
    unknown = {param for param in params if not param.startswith("#")} - set(samples)
    assert not unknown, (
        f"URL {name!r} ({route}): no sample for {sorted(unknown)}, add one to the samples fixture"
    )
    positional = sorted(param for param in params if param.startswith("#"))
    if positional:  # a re_path() with unnamed groups (django-simple-history's admin): the admin refuses first
        return reverse(name, args=["1"] * len(positional))
    return reverse(name, kwargs={param: samples[param] for param in params})


# 404 is the refusal where a view says so on purpose: another user's upload is not even said to exist.
NOT_FOUND_FOR_OTHERS = {"transfer:job", "transfer:job_status", "transfer:confirm"}


def _refused(response, *, login_urls: tuple[str, ...]) -> bool:
    if response.status_code == 403:
        return True
    return response.status_code == 302 and response["Location"].startswith(login_urls)


LOGIN_URLS = ("/tai-khoan/dang-nhap/", "/quan-tri/login/")


@pytest.mark.parametrize(("route", "name", "params"), STAFF, ids=[name for _r, name, _p in STAFF])
def test_anonymous_visitors_are_refused(samples, route, name, params):
    url = _url(samples, route, name, params)
    client = Client()
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if name in {"admin:login", "admin:logout"}:
            continue  # the admin's own login page, and logging out (nothing to log out of)
        if response.status_code == 405:
            continue  # the other method: refused before anything else, whoever asks
        assert _refused(response, login_urls=LOGIN_URLS), f"{method.upper()} {url}: {response.status_code}"


@pytest.mark.parametrize(("route", "name", "params"), STAFF, ids=[name for _r, name, _p in STAFF])
def test_a_user_without_a_role_cannot_write(samples, route, name, params):
    url = _url(samples, route, name, params)
    client = Client()
    client.force_login(make_user("khong-vai-tro"))
    response = client.post(url)
    if name in {"admin:login", "admin:logout"}:
        return  # logging in and out of the admin is not a write
    assert not 200 <= response.status_code < 300, f"POST {url}: {response.status_code}"
    if name in NOT_FOUND_FOR_OTHERS and response.status_code == 404:
        return
    assert response.status_code in {302, 403, 405}, f"POST {url}: {response.status_code}"
    if response.status_code == 302:
        assert response["Location"].startswith(LOGIN_URLS), f"POST {url} sent to {response['Location']}"


ADMIN = [
    entry
    for entry in STAFF
    if entry[1].startswith("admin:") and entry[1] not in {"admin:login", "admin:logout"}
]


@pytest.mark.parametrize(("route", "name", "params"), ADMIN, ids=[name for _r, name, _p in ADMIN])
def test_the_admin_refuses_every_role_but_admin(samples, route, name, params):
    """An approver (every right in data entry, none in the admin) is sent to the admin's login page."""
    url = _url(samples, route, name, params)
    client = Client()
    client.force_login(make_user("phe-duyet", "approver", "editor", "leader"))
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code == 302, f"{method.upper()} {url}: {response.status_code}"
        assert response["Location"].startswith("/quan-tri/login/")


def test_a_new_url_is_covered_without_touching_this_file(settings, samples):
    """A URL added later is in the walk; its unknown parameter is reported; and once it has a sample, a view
    that forgot its permission check fails the anonymous test."""
    settings.ROOT_URLCONF = "tests.new_url_urls"
    found = {name: (route, name, params) for route, name, params in staff_urls()}
    assert "new_unprotected" in found
    with pytest.raises(AssertionError, match="widget_id"):
        _check_samples(staff_urls())
    with pytest.raises(AssertionError, match=r"(POST|GET) /nhap-lieu/moi/7/: 200"):
        test_anonymous_visitors_are_refused({**samples, "widget_id": 7}, *found["new_unprotected"])
