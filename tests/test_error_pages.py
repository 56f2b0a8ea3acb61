"""403, 404 and 500 in the app's layout and the user's language (DEBUG off, as in production); the 500 without the
database; the favicon; an expected 403 logged once, on one line, without a traceback (the issue's item 7)."""

from __future__ import annotations

import io
import logging
import re
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import ProgrammingError
from django.db.backends.utils import CursorWrapper
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext

from parindex.errors import server_error
from tests.entry.entry_helpers import draft_edition, make_user

pytestmark = pytest.mark.django_db

LAYOUT = ('class="site-header"', 'class="site-footer', "css/app.css", 'rel="icon"')
# Texts of the layout already in the English catalogue: the page is in English around the error, not just lang="en".
LAYOUT_VI = ("Xếp hạng", "Phương pháp")
LAYOUT_EN = ("Ranking", "Methodology")


def _client(language: str, user=None) -> Client:
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    return client


def _in(language: str, msgid: str) -> str:
    with translation.override(language):
        return gettext(msgid)


def _message(page: str) -> str:
    match = re.search(r'data-testid="error-message">(.*?)</p>', page, re.S)
    assert match, "the page has no error message"
    return match.group(1).strip()


def _assert_layout(page: str, language: str) -> None:
    assert f'<html lang="{language}">' in page
    assert all(marker in page for marker in LAYOUT)
    assert all(text in page for text in (LAYOUT_EN if language == "en" else LAYOUT_VI))


@pytest.fixture(autouse=True)
def _debug_off(settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = False


@pytest.mark.parametrize("language", ["vi", "en"])
def test_403_shows_the_views_message_in_the_layout(language):
    """A logged-in user with no role opens the entry pages: the view's reason, translated."""
    response = _client(language, make_user("khong-vai-tro")).get(reverse("entry:edition_list"))
    assert response.status_code == 403
    page = response.content.decode()
    _assert_layout(page, language)
    assert _message(page) == _in(language, "Bạn không có quyền thực hiện thao tác này.")
    assert _in(language, "Không có quyền truy cập") in page
    if language == "en":
        assert _message(page) == "You do not have permission to perform this action."


@pytest.mark.parametrize("language", ["vi", "en"])
def test_403_of_a_transfer_view_says_why(language):
    edition = draft_edition()
    response = _client(language, make_user("chi-xem")).get(reverse("transfer:upload", args=[edition.pk]))
    assert response.status_code == 403
    page = response.content.decode()
    _assert_layout(page, language)
    assert _message(page) == _in(language, "Bạn không được phân công nhập liệu cho kỳ đánh giá này.")


def test_403_without_a_message_says_so_in_general_terms(rf):
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = rf.get("/nhap-lieu/")
    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    page = response.content.decode()
    assert _message(page) == "Bạn không có quyền xem trang này hoặc thực hiện thao tác này."
    assert "Đăng nhập" in page


@pytest.mark.parametrize("language", ["vi", "en"])
def test_404_is_in_the_layout(language):
    response = _client(language).get("/khong-co-trang-nay/")
    assert response.status_code == 404
    page = response.content.decode()
    _assert_layout(page, language)
    assert _in(language, "Không tìm thấy trang") in page
    assert _message(page) == _in(
        language, "Trang bạn tìm không có hoặc đã được chuyển đi. Hãy kiểm tra lại địa chỉ."
    )


def test_404_of_a_missing_object_does_not_show_djangos_english_text():
    user = make_user("bien-tap-404", "editor")
    response = _client("vi", user).get(reverse("entry:grid", args=[999_999]))
    assert response.status_code == 404
    assert "No Edition matches" not in response.content.decode()


def _every_query_fails():
    """Every query raises an error that is not an outage (a bug: a missing table), so the 500 page must render
    without the database. A database that is down gets the 503 page instead (test_database_outage.py)."""
    error = ProgrammingError('relation "parindex_edition" does not exist')
    return mock.patch.multiple(CursorWrapper, execute=mock.Mock(side_effect=error), executemany=mock.Mock())


@pytest.mark.parametrize("language", ["vi", "en"])
def test_500_renders_in_the_layout_when_every_query_fails(language):
    client = _client(language)
    with _every_query_fails():
        response = client.get(reverse("home"))
    assert response.status_code == 500
    page = response.content.decode()
    _assert_layout(page, language)
    assert _in(language, "Lỗi hệ thống") in page
    assert _message(page) == _in(
        language,
        "Hệ thống gặp lỗi khi xử lý yêu cầu này; lỗi đã được ghi lại. Hãy thử lại sau ít phút; nếu vẫn lỗi, "
        "hãy báo quản trị viên.",
    )


def test_the_500_handler_reads_nothing_from_the_database(django_assert_num_queries):
    def user_from_the_database():
        raise AssertionError("the 500 page asked for the user")

    request = RequestFactory().get("/")
    request.user = SimpleLazyObject(user_from_the_database)  # type: ignore[assignment]
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert 'data-status="500"' in response.content.decode()


def test_the_500_handler_falls_back_to_plain_text_when_the_template_fails():
    response = server_error(RequestFactory().get("/"), template_name="khong-co.html")
    assert response.status_code == 500
    assert "Lỗi hệ thống" in response.content.decode()


def test_the_500_handler_is_the_apps():
    from parindex import urls

    assert urls.handler500 == "parindex.errors.server_error"


# --- Favicon ---------------------------------------------------------------------------------------------------


def test_the_favicon_is_linked_and_served():
    client = Client()
    page = client.get(reverse("home")).content.decode()
    links = re.findall(r'<link rel="icon" href="([^"]+)"', page)
    assert len(links) == 2
    for link in links:
        response = client.get(link)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("image/")
    redirect = client.get("/favicon.ico")
    assert redirect.status_code == 302
    icon = client.get(redirect["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an .ico file


# --- Logging ---------------------------------------------------------------------------------------------------


@pytest.fixture
def console():
    """What the configured console handlers print (root's, and any Django adds to its loggers), in one buffer."""
    buffer = io.StringIO()
    handlers = {
        handler
        for name in ("", "django", "django.request")
        for handler in logging.getLogger(name).handlers
        # pytest's own capture handlers are StreamHandlers too: left out, they are not the app's console.
        if isinstance(handler, logging.StreamHandler) and not type(handler).__module__.startswith("_pytest")
    }
    assert handlers, "no console handler configured"
    previous = {handler: handler.setStream(buffer) for handler in handlers}
    yield buffer
    for handler, stream in previous.items():
        handler.setStream(stream)


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_an_expected_403_is_logged_once_on_one_line(console, settings, debug):
    settings.DEBUG = debug  # with DEBUG on, Django's own console handler used to print it a second time
    client = _client("vi", make_user("khong-vai-tro-log"))
    assert client.get(reverse("entry:edition_list")).status_code == 403
    output = console.getvalue()
    lines = [line for line in output.splitlines() if "Forbidden (Permission denied)" in line]
    assert len(lines) == 1, output
    assert "Traceback" not in output
    assert "Bạn không có quyền thực hiện thao tác này." in lines[0]


def test_a_real_error_keeps_its_traceback(console):
    client = _client("vi")
    with _every_query_fails():
        assert client.get(reverse("home")).status_code == 500
    output = console.getvalue()
    assert output.count("Internal Server Error") == 1
    assert "Traceback" in output


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_form_sent_without_its_csrf_token_is_refused_in_the_layout(language):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(make_user(f"csrf-{language}", "approver"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(reverse("entry:edition_create"), {"year": "2030"})
    assert response.status_code == 403
    page = response.content.decode()
    _assert_layout(page, language)
    with translation.override(language):
        message = gettext(
            "Biểu mẫu đã hết hạn hoặc trình duyệt chặn cookie nên chưa lưu gì. Hãy tải lại trang rồi gửi lại."
        )
    assert message in page
