"""Error pages and the logging of expected refusals.

403 and 404 are rendered by Django's own handlers from templates/403.html and templates/404.html (in the layout,
with the request's context: the user, the language). A 500 is rendered here, with a minimal context and without
a single query: it must show even when the database is what failed. Outside the layers, like settings and urls.

A database that cannot answer (PostgreSQL restarting or stopped, a connection cut by an administrator, a
read-only database during a write) is not a bug of the app: the request is answered 503 with a Retry-After, in the
layout ("try again in a few minutes"; for a write, "nothing of yours was saved"), or as JSON under the API, and
logged as one warning line. `DatabaseUnavailableMiddleware.process_exception` catches it from views (templates
included); `server_error` (handler500) from the middleware around them, such as a session saved after the view.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

from parindex.register.outages import (
    Outage,
    database_outage,
    maybe_saved_message,
    not_saved_message,
    reload_message,
)

logger = logging.getLogger(__name__)

# When even the template cannot be rendered (a broken template, a missing static manifest): plain text in both
# languages, since nothing else can be relied on.
FALLBACK_500 = (
    "<!DOCTYPE html><html lang='vi'><meta charset='utf-8'><title>500</title>"
    "<h1>Lỗi hệ thống · Server error</h1>"
    "<p>Hệ thống gặp lỗi; hãy thử lại sau ít phút. · Something went wrong; please try again in a few minutes.</p>"
)


FALLBACK_503 = (
    "<!DOCTYPE html><html lang='vi'><meta charset='utf-8'><title>503</title>"
    "<h1>Tạm thời gián đoạn · Temporarily unavailable</h1>"
    "<p>Cơ sở dữ liệu tạm thời không sẵn sàng; vui lòng thử lại sau ít phút. · "
    "The database is temporarily unavailable; please try again in a few minutes.</p>"
)
# PostgreSQL restarts in about a second; a failover or a maintenance window takes longer. Browsers ignore it;
# API clients and proxies may wait this long before asking again.
RETRY_AFTER_SECONDS = 30
API_PREFIX = "/api/"  # dashboards.api: JSON, never HTML (not imported: this module loads with the settings)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _request_language(request: HttpRequest) -> translation.override:
    """The language the request chose (parindex.middleware.ChosenLanguageMiddleware), also for an error raised
    by a middleware outside that one (the session middleware), where the default language is active again."""
    return translation.override(getattr(request, "LANGUAGE_CODE", None) or translation.get_language())


def database_unavailable(
    request: HttpRequest, error: BaseException, outage: Outage, *, after_view: bool = False
) -> HttpResponse:
    """503 for a request the database could not serve, with Retry-After and no caching; logged as one line.

    HTML in the layout (templates/503.html), rendered like the 500 page: only the request and the CSRF token,
    no context processors, so nothing is read from the database (no user, no session, no messages). Under the
    API, JSON shaped like its other errors. `after_view`: the error came from the middleware after the view had
    run (a session saved at the end), so a write may have been saved: the page says so rather than "not saved".
    """
    write = request.method not in SAFE_METHODS
    first_line = str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__
    logger.warning(
        "database %s: %s %s answered 503 (%s: %s)",
        outage.value,
        request.method,
        request.path,
        type(error).__name__,
        first_line,
    )
    response: HttpResponse
    if request.path.startswith(API_PREFIX):
        response = JsonResponse(
            {"detail": "The database is temporarily unavailable; try again shortly.", "errors": []},
            status=503,
        )
    else:
        context = {
            "request": request,
            "csrf_token": get_token(request),
        }
        try:
            with _request_language(request):
                if write and after_view:
                    context["message"] = maybe_saved_message()
                else:
                    context["message"] = not_saved_message() if write else reload_message()
                body = loader.get_template("503.html").render(context)
        except Exception:
            logger.exception("the 503 page could not be rendered")
            body = FALLBACK_503
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    # Logged above, once: django.request would add an ERROR line (with the traceback when it came from middleware).
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


class DatabaseUnavailableMiddleware:
    """Turns a database outage raised by a view (or its template) into the 503 page; anything else goes on to
    the 500 handler. Place it last: its answer then passes every other middleware (headers, language)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        outage = database_outage(exception)
        if outage is None:
            return None
        return database_unavailable(request, exception, outage)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception, template_name: str = "400.html") -> HttpResponse:
    """handler400: Django's own, except for a session that could not be saved because the database is out (the
    session middleware reports it as SessionInterrupted, a bad request): the 503 page."""
    outage = database_outage(exception)
    if outage is not None:
        return database_unavailable(request, exception, outage, after_view=True)
    return defaults.bad_request(request, exception, template_name)


@requires_csrf_token
def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: templates/500.html in the layout and the active language, never touching the database.

    Only the request (its path, for the language form) and the CSRF token (from the cookie) are given: no
    context processors, so no `user` (its session and groups live in the database) and no messages.

    Django calls it while handling the exception (sys.exc_info()): a database outage raised by a middleware,
    outside the reach of process_exception, is answered with the 503 page instead.
    """
    error = sys.exc_info()[1]
    outage = database_outage(error) if error is not None else None
    if error is not None and outage is not None:
        return database_unavailable(request, error, outage, after_view=True)
    try:
        with _request_language(request):
            body = loader.get_template(template_name).render(
                {"request": request, "csrf_token": get_token(request)}
            )
    except Exception:
        logger.exception("the 500 page could not be rendered")
        body = FALLBACK_500
    return HttpResponseServerError(body)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent without its token (an expired page, cookies blocked) is refused in the
    layout, in the user's language, saying what to do, not with Django's bare English page."""
    logger.warning("CSRF refused %s %s: %s", request.method, request.path, reason)
    message = _(
        "Biểu mẫu đã hết hạn hoặc trình duyệt chặn cookie nên chưa lưu gì. Hãy tải lại trang rồi gửi lại."
    )
    return render(request, "403.html", {"exception": message}, status=403)


class ExpectedRefusalFilter(logging.Filter):
    """A PermissionDenied is the app saying no, not a failure: Django logs it with its traceback
    ("Forbidden (Permission denied): /path"); this keeps the line, adds the reason and drops the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, PermissionDenied):
            reason = str(error)
            record.msg = record.getMessage() + (f" ({reason})" if reason else "")
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True
