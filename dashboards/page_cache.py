"""Whole public pages for anonymous visitors, kept by each worker and served before the session, CSRF,
authentication and messages middleware (bench/README.md, "public_load": the work around a cached table cost
about six times the framework itself).

A page is kept when an anonymous visitor's GET of a public path answered 200 without setting a cookie; it is
served again to anonymous visitors asking for the same path and query in the same language, as long as the
results generation it was rendered under is still the current one (a recompute, a publish or a reopen bumps it:
scoring.selectors.results_generation) and it is younger than PAGE_SECONDS (changes made without a recompute, such
as a region renamed in the admin, show within a minute). A hit costs one small cache read (the generation) and
carries an Age header, as a response from a cache does.

Who is never served a kept page: a request with a session or a messages cookie (a person who may be logged in,
or has a message waiting), any other method, and any path outside the public ones. The public pages carry no
CSRF token for anonymous visitors (the language switch does not need one: parindex.urls), so nothing personal is
ever kept.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from scoring.selectors import GENERATION_KEY

PAGE_SECONDS = 60
WORKER_PAGES = 512  # per worker; a 63-unit ranking page is about 35 KB
PUBLIC_PREFIXES = ("/xep-hang/", "/phuong-phap/", "/don-vi/", "/so-sanh/", "/tong-quan/")
KEPT_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition", "X-Frame-Options")


def is_public_path(path: str) -> bool:
    return path == "/" or path.startswith(PUBLIC_PREFIXES)


@dataclass(frozen=True)
class Page:
    generation: int
    body: bytes
    headers: tuple[tuple[str, str], ...]
    kept_at: float  # time.monotonic() when it was kept
    expires: float  # time.monotonic() after which the page is rendered again


def _generation() -> int | None:
    """The current results generation; set to a new value when the cache has none (emptied, or Redis restarted),
    so a page kept before can never match again. None when the cache is unreachable: then nothing is kept."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, time.time_ns(), None)
        value = cache.get(GENERATION_KEY)
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


class KeptPages:
    """A bounded, thread-safe LRU of pages by (path, query, language) in this process."""

    def __init__(self, size: int = WORKER_PAGES) -> None:
        self.size = size
        self._pages: OrderedDict[tuple[object, ...], Page] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple[object, ...], page: Page) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


class PublicPageMiddleware:
    """See the module docstring. Place it after WhiteNoise and before the session middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.pages = KeptPages()

    def _key(self, request: HttpRequest) -> tuple[object, ...] | None:
        if request.method not in ("GET", "HEAD") or not is_public_path(request.path):
            return None
        cookies = request.COOKIES
        if settings.SESSION_COOKIE_NAME in cookies or "messages" in cookies:
            return None
        query = tuple(sorted((name, tuple(values)) for name, values in request.GET.lists()))
        return (request.path, query, cookies.get(settings.LANGUAGE_COOKIE_NAME, ""))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = self._key(request)
        if key is None:
            return self.get_response(request)
        generation = _generation()
        if generation is None:
            return self.get_response(request)
        kept = self.pages.get(key)
        if kept is not None and kept.generation == generation and kept.expires > time.monotonic():
            request.get_host()  # ALLOWED_HOSTS is checked as it would be further down (DisallowedHost: 400)
            response = HttpResponse(kept.body if request.method == "GET" else b"")
            for name, value in kept.headers:
                response.headers[name] = value
            response.headers["Content-Length"] = str(len(kept.body))
            response.headers["Age"] = str(
                int(time.monotonic() - kept.kept_at)
            )  # RFC 9111: served from a cache
            return response
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            request.method == "GET"
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and (user is None or not user.is_authenticated)
            and "private" not in response.headers.get("Cache-Control", "")
        ):
            headers = tuple(
                (name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers
            )
            now = time.monotonic()
            self.pages.put(key, Page(generation, response.content, headers, now, now + PAGE_SECONDS))
        return response
