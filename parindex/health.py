"""`/healthz`: is this instance able to serve? The database answers a `SELECT 1` and Redis answers a `PING`, each
with a short timeout, so that a load balancer or docker-compose's health check can take a replica out of service
rather than send it requests it would fail. Outside the layers, like settings, urls and errors.

200 with {"database": "ok", "redis": "ok"}; 503 naming what failed. Redis is "not configured" (and not a failure)
in the quick start, which runs without it. Nothing is cached, no cookie is set, nothing is written.

Answered by the first middleware, before the HTTPS redirect and the check of the Host header: the probe runs
inside the container (http://127.0.0.1:8000/healthz), where neither the public host name nor TLS is known, and
the answer says nothing but "ok" or "unavailable".
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 1.0


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure of the database is an unhealthy instance, never a 500
        logger.warning("healthz: database unavailable: %s", error)
        return "unavailable"
    return "ok"


def _redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError as error:
        logger.warning("healthz: redis unavailable: %s", error)
        return "unavailable"
    return "ok"


PATH = "/healthz"


def healthz() -> JsonResponse:
    checks = {"database": _database(), "redis": _redis()}
    healthy = all(state != "unavailable" for state in checks.values())
    response = JsonResponse(checks, status=200 if healthy else 503)
    add_never_cache_headers(response)
    return response


class HealthzMiddleware:
    """Answers GET and HEAD /healthz (see the module docstring); every other request goes on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == PATH and request.method in ("GET", "HEAD"):
            return healthz()
        return self.get_response(request)
