"""Error pages and the logging of expected refusals.

403 and 404 are rendered by Django's own handlers from templates/403.html and templates/404.html (in the layout,
with the request's context: the user, the language). A 500 is rendered here, with a minimal context and without
a single query: it must show even when the database is what failed. Outside the layers, like settings and urls.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

# When even the template cannot be rendered (a broken template, a missing static manifest): plain text in both
# languages, since nothing else can be relied on.
FALLBACK_500 = (
    "<!DOCTYPE html><html lang='vi'><meta charset='utf-8'><title>500</title>"
    "<h1>Lỗi hệ thống · Server error</h1>"
    "<p>Hệ thống gặp lỗi; hãy thử lại sau ít phút. · Something went wrong; please try again in a few minutes.</p>"
)


@requires_csrf_token
def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: templates/500.html in the layout and the active language, never touching the database.

    Only the request (its path, for the language form) and the CSRF token (from the cookie) are given: no
    context processors, so no `user` (its session and groups live in the database) and no messages.
    """
    try:
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
