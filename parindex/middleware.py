"""The project's middleware: the request id of every request, the user's chosen language, the session limits.

Vietnamese unless the user chose English: Django's LocaleMiddleware follows the browser's Accept-Language, which
would show English to a Sở Nội vụ official whose browser happens to be set up in English. Here only the user's
explicit choice (the language cookie that django.views.i18n.set_language writes) changes the language.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user, logout
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from parindex import logs

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Gives each request an id for the logs (parindex.logs): the X-Request-ID header a proxy or client sent when
    it is a sane token (up to 64 of A-Z a-z 0-9 . _ -), else a new uuid4 hex. The id is set in a context variable
    (every log line and every Celery task queued meanwhile carries it) and sent back in the X-Request-ID response
    header, so a user's report or a proxy's log leads to the app's lines.

    The id is cleared when the response is closed (request_finished), not when this middleware returns: Django
    logs a 4xx or 5xx answer ("Not Found: /x", django.request) after the whole middleware chain, and that line
    must carry the id too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = logs.sane_request_id(request.headers.get(REQUEST_ID_HEADER))
        request_id = given or logs.new_request_id()
        logs.request_id.set(request_id)
        response = self.get_response(request)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response


@receiver(request_finished, dispatch_uid="parindex.request_id_clear")
def _clear_request_id(sender: object, **kwargs: object) -> None:
    """The thread (or task) serves another request next: nothing logged in between carries this one's id."""
    logs.request_id.set(None)


class ChosenLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # Scoped to this request: a thread that serves an English request must not stay English afterwards.
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class SessionLimitsMiddleware:
    """Logs out a session idle for SESSION_IDLE_SECONDS (30 min) or older than SESSION_ABSOLUTE_SECONDS (12 h
    since logging in), whatever the cookie says. Everyone who logs in here is staff of some role (editor,
    approver, leader, admin), so both limits apply to every logged-in user.

    The times live in the session (seconds since the epoch; a session without them, logged in before this
    middleware, starts counting now). The check runs when the request first asks who the user is (request.user
    stays lazy: the public API and the kept public pages never read the session). The last-seen time is written
    at most once a minute (TOUCH_SECONDS), so that reading pages does not write the session every time; the
    session's own expiry (SESSION_COOKIE_AGE, 30 min) moves on with each of those writes. After a logout the
    request goes on as anonymous: staff pages then send the person to the login page.
    """

    LOGIN_AT = "_parindex_login_at"
    SEEN_AT = "_parindex_seen_at"
    TOUCH_SECONDS = 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.user = SimpleLazyObject(lambda: self._checked_user(request))  # type: ignore[assignment]
        return self.get_response(request)

    def _checked_user(self, request: HttpRequest) -> AbstractBaseUser | AnonymousUser:
        user = get_user(request)
        if not user.is_authenticated:
            return user
        now = time.time()
        session = request.session
        login_at = float(session.get(self.LOGIN_AT, now))
        seen_at = float(session.get(self.SEEN_AT, now))
        if (
            now - seen_at > settings.SESSION_IDLE_SECONDS
            or now - login_at > settings.SESSION_ABSOLUTE_SECONDS
        ):
            request.user = user  # logout() reads request.user: the real one, not this lazy object again
            logout(request)  # flushes the session, sets request.user to AnonymousUser
            return AnonymousUser()
        if self.LOGIN_AT not in session:
            session[self.LOGIN_AT] = login_at
        if self.SEEN_AT not in session or now - seen_at >= self.TOUCH_SECONDS:
            session[self.SEEN_AT] = now
        return user


@receiver(user_logged_in, dispatch_uid="parindex.session_login_time")
def _remember_login_time(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    """A new login starts the 12 hours again (login() keeps the session's data when the same user logs in)."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SessionLimitsMiddleware.LOGIN_AT] = now
        request.session[SessionLimitsMiddleware.SEEN_AT] = now
