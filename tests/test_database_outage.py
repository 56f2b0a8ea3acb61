"""A database that cannot answer (issue 11, "Database faults"): 503 with Retry-After and a "try again" page in the
layout and the user's language (JSON under the API), logged as one warning line; kept public pages still served.

The faults are real (tests/db_faults.py): connections refused on a port where nothing listens, the test database
made read-only. Tests that change the connection are transactional and make the data they need."""

from __future__ import annotations

import json
import time

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import DatabaseError, IntegrityError, InterfaceError, InternalError, OperationalError
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext

from parindex.errors import RETRY_AFTER_SECONDS, DatabaseUnavailableMiddleware, database_unavailable
from parindex.middleware import SessionLimitsMiddleware
from parindex.register.outages import (
    Outage,
    database_outage,
    maybe_saved_message,
    not_saved_message,
    reload_message,
)
from tests import test_error_pages
from tests.db_faults import database_down, database_read_only, free_port
from tests.scoring.test_tasks import _tiny_edition
from tests.test_error_pages import _assert_layout, _message

transactional = pytest.mark.django_db(transaction=True)
console = test_error_pages.console  # the fixture: what the app's console handlers print

READ_MESSAGE = "Cơ sở dữ liệu tạm thời không sẵn sàng. Vui lòng tải lại trang sau ít phút."
WRITE_MESSAGE = (
    "Cơ sở dữ liệu tạm thời không sẵn sàng. Dữ liệu của bạn chưa được lưu; vui lòng thử lại sau ít phút."
)
MAYBE_SAVED_MESSAGE = (
    "Cơ sở dữ liệu tạm thời không sẵn sàng. Yêu cầu của bạn có thể đã được lưu; "
    "hãy tải lại trang để kiểm tra trước khi gửi lại."
)


def _in(language: str, msgid: str) -> str:
    with translation.override(language):
        return gettext(msgid)


def _client(language: str = "vi", user: User | None = None) -> Client:
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    return client


def _assert_try_again(response, language: str, message: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503, response.content.decode()[:2000]
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert 'data-status="503"' in page
    _assert_layout(page, language)
    assert _message(page) == _in(language, message)
    assert "Traceback" not in page


@pytest.fixture(autouse=True)
def _debug_off(settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = False


# --- What counts as an outage --------------------------------------------------------------------------------


def _wrapped(django_error: type[DatabaseError], cause: Exception) -> DatabaseError:
    """An error as Django raises it: its own class, `from` the driver's."""
    try:
        raise django_error(str(cause)) from cause
    except DatabaseError as error:
        return error


def test_a_refused_connection_is_an_outage():
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(host="127.0.0.1", port=free_port(), dbname="x", user="x", connect_timeout=2)
    assert database_outage(refused.value) is Outage.UNAVAILABLE
    assert database_outage(_wrapped(OperationalError, refused.value)) is Outage.UNAVAILABLE


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (
            _wrapped(OperationalError, psycopg.errors.AdminShutdown("terminating connection")),
            Outage.UNAVAILABLE,
        ),
        (_wrapped(OperationalError, psycopg.errors.CannotConnectNow("starting up")), Outage.UNAVAILABLE),
        (_wrapped(OperationalError, psycopg.errors.CrashShutdown("crash")), Outage.UNAVAILABLE),
        (_wrapped(OperationalError, psycopg.errors.TooManyConnections("too many")), Outage.UNAVAILABLE),
        (
            _wrapped(OperationalError, psycopg.OperationalError("server closed the connection")),
            Outage.UNAVAILABLE,
        ),
        (InterfaceError("connection already closed"), Outage.UNAVAILABLE),
        (_wrapped(InternalError, psycopg.errors.ReadOnlySqlTransaction("read-only")), Outage.READ_ONLY),
        (InternalError("cannot execute UPDATE in a read-only transaction"), Outage.READ_ONLY),
        # The app's own faults stay 500s with their traceback.
        (_wrapped(OperationalError, psycopg.errors.QueryCanceled("statement timeout")), None),
        (_wrapped(OperationalError, psycopg.errors.DeadlockDetected("deadlock")), None),
        (_wrapped(IntegrityError, psycopg.errors.UniqueViolation("duplicate key")), None),
        (_wrapped(InternalError, psycopg.errors.InFailedSqlTransaction("aborted")), None),
        (ValueError("read-only transaction"), None),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_which_errors_are_an_outage(error, outage):
    assert database_outage(error) is outage


def test_the_middleware_sits_last_so_that_it_sees_view_exceptions_first():
    assert settings.MIDDLEWARE[-1] == "parindex.errors.DatabaseUnavailableMiddleware"
    middleware = DatabaseUnavailableMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    assert middleware.process_exception(RequestFactory().get("/"), ValueError("a bug")) is None


# --- The page, with the database down --------------------------------------------------------------------------


@transactional
@pytest.mark.parametrize("method", ["get", "post"])
def test_the_503_page_renders_without_the_database(method, django_assert_num_queries):
    def user_from_the_database():
        raise AssertionError("the 503 page asked for the user")

    request = getattr(RequestFactory(), method)("/phuong-phap/")
    request.user = SimpleLazyObject(user_from_the_database)  # type: ignore[assignment]
    with django_assert_num_queries(0), database_down():
        response = database_unavailable(request, OperationalError("refused"), Outage.UNAVAILABLE)
    assert response.status_code == 503
    page = response.content.decode()
    _assert_layout(page, "vi")
    assert _message(page) == (WRITE_MESSAGE if method == "post" else READ_MESSAGE)


@transactional
@pytest.mark.parametrize("language", ["vi", "en"])
def test_database_down_a_kept_public_page_is_served_and_another_page_asks_to_try_again(language):
    client = _client(language)
    home = reverse("home")
    assert client.get(home).status_code == 200  # kept for anonymous visitors (dashboards.page_cache)
    with database_down():
        kept = client.get(home)
        assert kept.status_code == 200
        assert "Age" in kept
        _assert_try_again(client.get(reverse("methodology")), language, READ_MESSAGE)
    # Back: the same page is rendered again.
    assert client.get(reverse("methodology")).status_code == 200


@transactional
@pytest.mark.parametrize("language", ["vi", "en"])
def test_database_down_a_logged_in_user_gets_the_try_again_page_from_the_session_load(language):
    """The session and the user live in the database: reading them fails before the view's own queries."""
    user = User.objects.create_superuser("quan-tri-csdl-hong", password="x")
    client = _client(language, user)
    edition_list = reverse("entry:edition_list")
    assert client.get(edition_list).status_code == 200
    with database_down():
        _assert_try_again(client.get(edition_list), language, READ_MESSAGE)
        # A public page too: a visitor with a session is never served a kept page.
        _assert_try_again(client.get(reverse("home")), language, READ_MESSAGE)
        _assert_try_again(
            client.post(reverse("entry:edition_create"), {"year": "2031"}), language, WRITE_MESSAGE
        )
    assert client.get(edition_list).status_code == 200


@transactional
def test_database_down_the_api_answers_json_503():
    with database_down():
        response = Client(raise_request_exception=False).get("/api/v1/indices")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    body = response.json()
    assert body["errors"] == [] and "temporarily unavailable" in body["detail"]


@transactional
def test_an_outage_is_logged_as_one_warning_line(console):
    with database_down():
        assert _client().get(reverse("methodology")).status_code == 503
    output = _records(console.getvalue())
    lines = output.splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith("WARNING parindex.errors database unavailable: GET /phuong-phap/ answered 503")
    assert "Traceback" not in output and "Service Unavailable" not in output


def _seen_long_ago(client: Client) -> None:
    """The session's last-seen time is old enough for SessionLimitsMiddleware to write it on the next request."""
    session = client.session
    session[SessionLimitsMiddleware.SEEN_AT] = time.time() - 2 * SessionLimitsMiddleware.TOUCH_SECONDS
    session.save()


@transactional
def test_database_read_only_logged_in_users_still_read_pages_and_a_write_asks_to_try_again(console):
    """The session middleware saves the last-seen time after the view (once a minute): the database refuses it,
    the page already rendered is served all the same (parindex.sessions), with one warning line."""
    edition, _ = _tiny_edition(2089)
    user = User.objects.create_superuser("quan-tri-chi-doc", password="x")
    client = _client("vi", user)
    edition_list = reverse("entry:edition_list")
    publish = reverse("entry:publish", args=[edition.pk])
    _seen_long_ago(client)
    with database_read_only():
        assert client.get(edition_list).status_code == 200
        _assert_try_again(client.post(publish), "vi", WRITE_MESSAGE)
    output = _records(console.getvalue())
    # Once: the session middleware does not save the session of a 5xx answer.
    assert output.count("WARNING parindex.sessions session not saved: database read-only") == 1, output
    assert output.count(f"WARNING parindex.errors database read-only: POST {publish} answered 503") == 1
    assert "Traceback" not in output
    assert client.get(edition_list).status_code == 200


@transactional
def test_with_djangos_own_session_store_a_refused_session_save_is_a_503_not_a_400(settings, console):
    """Django's database store reports a refused update as SessionInterrupted, a "bad request": handler400 tells
    the outage behind it and answers 503 (the page cannot say nothing was saved: the view ran)."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    user = User.objects.create_superuser("quan-tri-phien-django", password="x")
    client = _client("vi", user)
    edition_list = reverse("entry:edition_list")
    _seen_long_ago(client)
    with database_read_only():
        _assert_try_again(client.get(edition_list), "vi", READ_MESSAGE)
        # A form sent with a mistake writes nothing, but the view ran: the page cannot say nothing was saved.
        _assert_try_again(client.post(reverse("entry:edition_create"), {}), "vi", MAYBE_SAVED_MESSAGE)
    output = _records(console.getvalue())
    assert output.count("WARNING parindex.errors database read-only: GET /nhap-lieu/ answered 503") == 1, (
        output
    )
    assert "Traceback" not in output and "Bad Request" not in output


def _records(output: str) -> str:
    """The console's lines as "LEVEL logger message", whichever format (JSON in production, or plain) wrote them."""
    lines = []
    for line in output.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            lines.append(
                f"{record['level']} {record['logger']} {record['message']} {record.get('exc_info', '')}"
            )
        elif line.strip():
            lines.append(line)
    return "\n".join(lines)


class AsksTheDatabaseAfterTheView:
    """A middleware that reads the database once the view has answered (as a session store or an audit might)."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request):  # type: ignore[no-untyped-def]
        response = self.get_response(request)
        User.objects.exists()
        return response


@transactional
def test_database_down_an_error_raised_by_a_middleware_is_the_try_again_page_too(settings, console):
    """Outside the view, process_exception does not see it: handler500 does."""
    settings.MIDDLEWARE = [f"{__name__}.AsksTheDatabaseAfterTheView", *settings.MIDDLEWARE]
    client = _client("en")
    with database_down():
        # Neither view reads the database: the error is the middleware's.
        _assert_try_again(client.get(reverse("javascript-catalog")), "en", READ_MESSAGE)
        _assert_try_again(client.post(reverse("set_language"), {"language": "en"}), "en", MAYBE_SAVED_MESSAGE)
    output = _records(console.getvalue())
    assert output.count("WARNING parindex.errors database unavailable") == 2, output
    assert "Traceback" not in output and "Internal Server Error" not in output


def test_the_messages_are_said_once_for_every_path():
    """The 503 page, the session store and the import all take their words from parindex.register.outages."""
    with translation.override("vi"):
        assert (reload_message(), not_saved_message(), maybe_saved_message()) == (
            READ_MESSAGE,
            WRITE_MESSAGE,
            MAYBE_SAVED_MESSAGE,
        )
    page = (settings.BASE_DIR / "templates" / "503.html").read_text(encoding="utf-8")
    assert "{{ message }}" in page and "không sẵn sàng" not in page
