"""/healthz: 200 when the database and Redis answer, 503 naming what does not, quickly, whatever the Host header
or the HTTPS redirect, with nothing cached and no cookie."""

from __future__ import annotations

import time

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_healthy_instance_says_so_without_a_cookie_or_caching():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert not response.cookies


def test_the_probe_inside_the_container_is_answered_whatever_the_host_and_without_https(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["par.example.gov.vn"]
    response = Client().get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200


def test_an_unreachable_redis_makes_the_instance_unhealthy_within_seconds(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    started = time.monotonic()
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "redis": "unavailable"}
    assert time.monotonic() - started < 3


def test_the_quick_start_without_redis_is_healthy(settings):
    settings.REDIS_URL = None
    response = Client().get("/healthz")
    assert (response.status_code, response.json()["redis"]) == (200, "not configured")


def test_only_get_and_head_are_answered():
    assert Client().post("/healthz").status_code != 200
