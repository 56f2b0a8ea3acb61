"""Sessions end after 30 minutes without a request and 12 hours after logging in, however active the person is;
time is moved on by patching the clock parindex.middleware reads."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from parindex import middleware

pytestmark = pytest.mark.django_db

PASSWORD = "mat-khau-dung-123"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(middleware.time, "time", clock)
    return clock


@pytest.fixture
def logged_in(client, django_user_model, clock):
    django_user_model.objects.create_user("can-bo", password=PASSWORD)
    response = client.post(reverse("login"), {"username": "can-bo", "password": PASSWORD})
    assert response.status_code == 302
    return client


def staff_page_answers(client) -> bool:
    """True while the session is alive: the entry page answers instead of sending to the login page."""
    response = client.get(reverse("entry:edition_list"))
    return response.status_code != 302 or reverse("login") not in response["Location"]


def test_the_settings_say_30_minutes_idle_and_12_hours_in_all(settings):
    assert settings.SESSION_IDLE_SECONDS == 30 * 60
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 60 * 60


def test_a_session_idle_for_more_than_30_minutes_is_logged_out(logged_in, clock):
    clock.now += 29 * 60
    assert staff_page_answers(logged_in)
    clock.now += 29 * 60  # 58 minutes since login, but only 29 since the last request
    assert staff_page_answers(logged_in)
    clock.now += 31 * 60
    assert not staff_page_answers(logged_in)
    assert "_auth_user_id" not in logged_in.session


def test_an_active_session_ends_12_hours_after_logging_in(logged_in, clock):
    for _ in range(12 * 60 // 20 - 1):  # a request every 20 minutes for just under 12 hours
        clock.now += 20 * 60
        assert staff_page_answers(logged_in)
    clock.now += 21 * 60
    assert not staff_page_answers(logged_in)
    assert "_auth_user_id" not in logged_in.session


def test_logging_in_again_starts_the_12_hours_again(logged_in, clock):
    clock.now += 11 * 60 * 60 + 50 * 60
    logged_in.post(reverse("login"), {"username": "can-bo", "password": PASSWORD})
    clock.now += 20 * 60
    assert staff_page_answers(logged_in)


def test_the_last_seen_time_is_written_at_most_once_a_minute(logged_in, clock):
    seen = logged_in.session[middleware.SessionLimitsMiddleware.SEEN_AT]
    clock.now += 30
    assert staff_page_answers(logged_in)
    assert logged_in.session[middleware.SessionLimitsMiddleware.SEEN_AT] == seen
    clock.now += 31
    assert staff_page_answers(logged_in)
    assert logged_in.session[middleware.SessionLimitsMiddleware.SEEN_AT] == clock.now
