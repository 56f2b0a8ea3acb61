"""The public API's answers, cached as serialised bodies and tagged with the results generation, with an ETag, a
short public max-age and a gzipped copy.

Two levels, both checked against the current results generation, so that a recompute (which bumps it) shows in
the API at once:

1. The shared cache (Redis): per (endpoint, validated parameters, language), read together with the generation
   in one round trip (`get_many`); an answer stored under an older generation is built again. The key is built
   from the validated parameters, not the raw query string, so unknown parameters or another order cannot
   multiply the entries. With the cache unreachable (IGNORE_EXCEPTIONS) every request builds its answer: slower,
   never an error.
2. Each worker's memory (`ApiAnswerMiddleware`, placed before the session, CSRF, authentication and messages
   middleware): the answers this worker served lately, per raw path and query. A request that finds one there
   costs one small cache read (the generation) and no view; a bounded LRU, so junk parameters can only evict.

Both expire after ANSWER_SECONDS, for changes made without a recompute (a unit's region edited in the admin).
The ETag is a hash of the body (strong; the gzipped copy has its own); a matching If-None-Match is answered 304.
No cookie is read or set (no session, no CSRF token, no language cookie: the language is a parameter) and no
CORS header is sent: browsers on other sites cannot read the answers unless a proxy in front allows it.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import translation
from django.utils.http import parse_etags
from ninja import Schema

from scoring.selectors import GENERATION_KEY

ANSWER_SECONDS = 60  # a change made without a recompute shows within a minute, like the public editions list
MAX_AGE = 60  # browsers and proxies may keep an answer this long
KEY_PREFIX = "api:v1:"
API_PATH = "/api/v1/"
GZIP_FROM_BYTES = 1024  # smaller bodies gain nothing from compression
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
WORKER_ANSWERS = 256  # per worker; the largest answer (a 63-unit ranking) is about 80 KB


@dataclass(frozen=True)
class Answer:
    """A serialised answer: the generation it was built under, its ETag, its body and the body gzipped."""

    generation: int
    etag: str
    body: bytes
    gzipped: bytes | None
    language: str
    expires: float  # time.monotonic() of this process after which it is built again


def answer_key(endpoint: str, params: Mapping[str, object], language: str) -> str:
    """The shared cache key of an answer: the endpoint, its validated parameters (sorted) and the language,
    hashed so that a long parameter cannot make a long key."""
    canonical = repr((endpoint, sorted((name, repr(value)) for name, value in params.items()), language))
    return KEY_PREFIX + hashlib.sha256(canonical.encode()).hexdigest()


def _generation(value: object) -> int:
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else 0


def cached_answer(
    request: HttpRequest,
    *,
    endpoint: str,
    params: Mapping[str, object],
    language: str,
    build: Callable[[], Schema],
) -> HttpResponse:
    """The answer of `endpoint` for `params` in `language`, from the shared cache when it was stored under the
    current results generation, else built (`build()`, in `language`), serialised and stored."""
    key = answer_key(endpoint, params, language)
    found = cache.get_many([GENERATION_KEY, key])
    generation = _generation(found.get(GENERATION_KEY))
    stored = found.get(key)
    if isinstance(stored, tuple) and len(stored) == 4 and stored[0] == generation:
        _generation_stored, etag, body, gzipped = stored
    else:
        with translation.override(language):
            body = build().model_dump_json().encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_FROM_BYTES else None
        cache.set(key, (generation, etag, body, gzipped), ANSWER_SECONDS)
    answer = Answer(generation, etag, body, gzipped, language, time.monotonic() + ANSWER_SECONDS)
    response = respond(request, answer)
    response.api_answer = answer  # type: ignore[attr-defined]  # kept by ApiAnswerMiddleware
    return response


def respond(request: HttpRequest, answer: Answer) -> HttpResponse:
    """The answer as HTTP: 304 when If-None-Match names it, gzipped when the client accepts it."""
    zipped = answer.gzipped is not None and bool(
        ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", ""))
    )
    etag = answer.etag[:-1] + '-gzip"' if zipped else answer.etag
    response: HttpResponse
    wanted = request.headers.get("If-None-Match")
    if wanted and (wanted.strip() == "*" or {etag, answer.etag} & set(parse_etags(wanted))):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(
            answer.gzipped if zipped else answer.body, content_type="application/json; charset=utf-8"
        )
        if zipped:
            response.headers["Content-Encoding"] = "gzip"
        response.headers["Content-Length"] = str(len(response.content))
    response.headers["ETag"] = etag
    response.headers["Content-Language"] = answer.language
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["X-Frame-Options"] = "DENY"
    return response


class WorkerAnswers:
    """A bounded, thread-safe LRU of answers by raw request (path and query), in this process."""

    def __init__(self, size: int = WORKER_ANSWERS) -> None:
        self.size = size
        self._answers: OrderedDict[tuple[object, ...], Answer] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> Answer | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is not None:
                self._answers.move_to_end(key)
            return answer

    def put(self, key: tuple[object, ...], answer: Answer) -> None:
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()


class ApiAnswerMiddleware:
    """Serves an API answer this worker served lately, before the session, CSRF, authentication and messages
    middleware, when it was built under the current results generation and has not expired; otherwise lets the
    request through and keeps the answer the view gives. Only GET requests under /api/v1/ are concerned."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.answers = WorkerAnswers()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "GET" or not request.path.startswith(API_PATH):
            return self.get_response(request)
        key = (request.path, tuple(sorted((name, tuple(values)) for name, values in request.GET.lists())))
        kept = self.answers.get(key)
        if kept is not None and kept.expires > time.monotonic():
            request.get_host()  # ALLOWED_HOSTS is checked as it would be further down (DisallowedHost: 400)
            if kept.generation == _generation(cache.get(GENERATION_KEY)):
                return respond(request, kept)
        response = self.get_response(request)
        answer = getattr(response, "api_answer", None)
        if isinstance(answer, Answer):
            self.answers.put(key, answer)
        return response
