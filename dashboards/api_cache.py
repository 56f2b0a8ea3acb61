"""The public API's answers, cached as serialised bodies per (endpoint, parameters, language) and tagged with the
results generation, with an ETag and a short public max-age.

One cache round trip per request: the generation and the answer are read together (`get_many`); an answer
stored under an older generation is stale and built again, so a recompute (which bumps the generation) shows in
the API at once. The answer also expires after ANSWER_SECONDS, for changes made without a recompute (a unit's
region edited in the admin). The key is built from the validated parameters, not the raw query string, so
unknown parameters or a different order cannot multiply the entries. With the cache unreachable (IGNORE_EXCEPTIONS)
every request builds its answer: slower, never an error.

The ETag is a hash of the body itself (strong, per language); a matching If-None-Match is answered 304 without a
body. No cookie is read or set (no session, no CSRF token, no language cookie: the language is a parameter), and
no CORS header is sent: browsers on other sites cannot read the answers unless a proxy in front allows it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags
from ninja import Schema

from scoring.selectors import GENERATION_KEY

ANSWER_SECONDS = 60  # a change made without a recompute shows within a minute, like the public editions list
MAX_AGE = 60  # browsers and proxies may keep an answer this long
KEY_PREFIX = "api:v1:"


def answer_key(endpoint: str, params: Mapping[str, object], language: str) -> str:
    """The cache key of an answer: the endpoint, its validated parameters (sorted) and the language, hashed so
    that a long parameter cannot make a long key."""
    canonical = repr((endpoint, sorted((name, repr(value)) for name, value in params.items()), language))
    return KEY_PREFIX + hashlib.sha256(canonical.encode()).hexdigest()


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def cached_answer(
    request: HttpRequest,
    *,
    endpoint: str,
    params: Mapping[str, object],
    language: str,
    build: Callable[[], Schema],
) -> HttpResponse:
    """The answer of `endpoint` for `params` in `language`, from the cache when it was stored under the current
    results generation, else built (`build()`, in `language`), serialised and stored."""
    key = answer_key(endpoint, params, language)
    found = cache.get_many([GENERATION_KEY, key])
    generation = int(found.get(GENERATION_KEY) or 0)
    entry = found.get(key)
    if isinstance(entry, tuple) and len(entry) == 3 and entry[0] == generation:
        _generation, etag, body = entry
    else:
        with translation.override(language):
            body = build().model_dump_json().encode()
        etag = _etag(body)
        cache.set(key, (generation, etag, body), ANSWER_SECONDS)
    return _respond(request, etag, body, language)


def _respond(request: HttpRequest, etag: str, body: bytes, language: str) -> HttpResponse:
    response: HttpResponse
    wanted = request.headers.get("If-None-Match")
    if wanted and (etag in parse_etags(wanted) or wanted.strip() == "*"):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response.headers["ETag"] = etag
    response.headers["Content-Language"] = language
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response
