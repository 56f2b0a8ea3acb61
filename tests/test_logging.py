"""Structured logs: the request id (X-Request-ID) given or made, echoed, on every log record, carried into Celery
tasks (inline and in a real worker on Redis); the JSON formatter's output."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import uuid
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from parindex import logs
from parindex.celery import app
from parindex.register.models import EditionStatus
from scoring.models import YearResult
from tests.entry.entry_helpers import make_user
from tests.scoring.test_tasks import _tiny_edition
from tests.scoring.workers import ROOT, celery_worker, wait_until

HEX32 = re.compile(r"[0-9a-f]{32}")


# --------------------------------------------------------------------------------------------- request id


@pytest.mark.django_db
@pytest.mark.parametrize("given", ["abc-123", "req.42_A", "x" * 64, "7f3c2a9e0b1d4c5f8a6e2d1c0b9a8f7e"])
def test_a_sane_request_id_is_echoed(client: Client, given: str) -> None:
    response = client.get(reverse("methodology"), HTTP_X_REQUEST_ID=given)
    assert response["X-Request-ID"] == given


@pytest.mark.django_db
@pytest.mark.parametrize(
    "given",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("x" * 65, id="too_long"),
        pytest.param("has space", id="space"),
        pytest.param('"><script>', id="markup"),
        pytest.param("tỉnh", id="non_ascii"),
        pytest.param("a;b=c", id="separators"),
    ],
)
def test_a_missing_or_unsafe_request_id_is_replaced_by_a_new_one(client: Client, given: str | None) -> None:
    headers = {} if given is None else {"HTTP_X_REQUEST_ID": given}
    first = client.get(reverse("methodology"), **headers)["X-Request-ID"]
    second = client.get(reverse("methodology"), **headers)["X-Request-ID"]
    assert HEX32.fullmatch(first) and HEX32.fullmatch(second)
    assert first != second  # one per request


@pytest.mark.django_db
def test_log_records_of_a_request_carry_its_id(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.handler.addFilter(logs.ContextFilter())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/khong-co-trang-nay/", HTTP_X_REQUEST_ID="trace-404")
    assert response.status_code == 404
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.request_id == "trace-404"
    assert record.task_id == logs.NONE
    assert logs.request_id.get() is None  # nothing left behind after the request


def test_records_outside_a_request_say_so() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    assert logs.ContextFilter().filter(record)
    assert (record.request_id, record.task_id, record.task_name) == (logs.NONE, logs.NONE, logs.NONE)


def test_the_console_handler_is_json_in_production_with_the_context_filter() -> None:
    """The suite runs with DJANGO_DEBUG=0 and no LOG_FORMAT: the production default."""
    console = django_settings.LOGGING["handlers"]["console"]
    assert django_settings.LOG_FORMAT == "json"
    assert console["formatter"] == "json"
    assert "context" in console["filters"]
    assert django_settings.LOGGING["loggers"]["django.request"]["filters"] == ["expected_refusal"]
    assert django_settings.MIDDLEWARE[:2] == [
        "parindex.health.HealthzMiddleware",
        "parindex.middleware.RequestIdMiddleware",
    ]


# --------------------------------------------------------------------------------------------- JSON formatter


def _boom() -> Any:
    try:
        raise ValueError("điểm vượt tối đa")
    except ValueError:
        return sys.exc_info()


@pytest.mark.parametrize(
    ("message", "args", "exc_info", "expected_message", "traceback_has"),
    [
        pytest.param("recompute %s: %d units", ("7", 63), None, "recompute 7: 63 units", None, id="plain"),
        pytest.param("failed", (), _boom(), "failed", "ValueError: điểm vượt tối đa", id="exception"),
        pytest.param(
            "Tỉnh %s: Điểm đạt được",
            ("Thừa Thiên Huế",),
            None,
            "Tỉnh Thừa Thiên Huế: Điểm đạt được",
            None,
            id="vietnamese",
        ),
    ],
)
def test_the_json_formatter_writes_one_parsable_object_with_the_fields(
    message: str, args: tuple[Any, ...], exc_info: Any, expected_message: str, traceback_has: str | None
) -> None:
    record = logging.LogRecord("parindex.test", logging.ERROR, __file__, 10, message, args, exc_info)
    token = logs.request_id.set("req-7")
    try:
        logs.ContextFilter().filter(record)
    finally:
        logs.request_id.reset(token)
    line = logs.JsonFormatter().format(record)

    assert "\n" not in line  # one line per record, the traceback included
    data = json.loads(line)
    assert data["message"] == expected_message
    assert expected_message in line  # UTF-8 as is, not \u escapes
    assert data["level"] == "ERROR"
    assert data["logger"] == "parindex.test"
    assert data["request_id"] == "req-7"
    assert data["task_id"] == data["task_name"] == logs.NONE
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", data["time"])
    if traceback_has:
        assert data["exc_info"].startswith("Traceback (most recent call last):")
        assert traceback_has in data["exc_info"]
    else:
        assert "exc_info" not in data


def test_extra_values_that_are_not_json_are_written_as_text() -> None:
    """django.request passes the request object itself as `extra`: the line must still be written."""
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found", None, None)
    record.request = object()
    record.status_code = 404
    data = json.loads(logs.JsonFormatter().format(record))
    assert data["status_code"] == 404
    assert isinstance(data["request"], str)


# --------------------------------------------------------------------------------------------- gunicorn

GUNICORN_SCRIPT = """
import datetime, runpy, types
from gunicorn.config import Config
from gunicorn.glogging import Logger
settings = runpy.run_path("gunicorn.conf.py")
config = Config()
config.set("accesslog", "-")
for name in ("access_log_format", "logconfig_dict"):
    if name in settings:
        config.set(name, settings[name])
log = Logger(config)
response = types.SimpleNamespace(status="404 Not Found", headers=[("X-Request-ID", "abc-1")], sent=12)
request = types.SimpleNamespace(headers=[("User-Agent", "curl/8")])
environ = {"REMOTE_ADDR": "10.0.0.1", "REQUEST_METHOD": "GET", "PATH_INFO": "/xếp-hạng/", "QUERY_STRING": "",
           "SERVER_PROTOCOL": "HTTP/1.1", "RAW_URI": "/x"}
log.access(response, request, environ, datetime.timedelta(milliseconds=42))
log.info("Booting worker with pid: %s", 7)
"""


def _gunicorn_lines(log_format: str) -> list[str]:
    """What gunicorn, configured by gunicorn.conf.py, writes for one request and one message of its own."""
    env = {**os.environ, "LOG_FORMAT": log_format}
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", GUNICORN_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_gunicorn_writes_its_access_and_own_lines_as_json_with_the_request_id() -> None:
    access, own = (json.loads(line) for line in _gunicorn_lines("json"))
    assert access["logger"] == "gunicorn.access"
    assert access["request_id"] == "abc-1"  # the X-Request-ID the app answered with
    assert (access["method"], access["path"], access["status"], access["duration_ms"]) == (
        "GET",
        "/xếp-hạng/",
        404,
        42,
    )
    assert own["logger"] == "gunicorn.error" and own["message"] == "Booting worker with pid: 7"
    assert own["request_id"] == logs.NONE


def test_gunicorn_keeps_plain_access_lines_with_the_request_id_when_asked() -> None:
    (access,) = _gunicorn_lines("plain")  # its own messages go to stderr in its default configuration
    assert access.startswith('10.0.0.1 "GET /x HTTP/1.1" 404 12 42ms') and access.endswith(" abc-1")


# --------------------------------------------------------------------------------------------- Celery


def _publish(client: Client, edition_id: int, request_id: str) -> None:
    client.force_login(make_user(f"phe-duyet-{uuid.uuid4().hex[:6]}", "approver"))
    response = client.post(reverse("entry:publish", args=[edition_id]), HTTP_X_REQUEST_ID=request_id)
    assert response.status_code == 302
    assert response["X-Request-ID"] == request_id


@pytest.mark.django_db(transaction=True)
def test_an_inline_task_logs_the_id_of_the_request_that_queued_it(
    eager: None, caplog: pytest.LogCaptureFixture
) -> None:
    """CELERY_TASK_ALWAYS_EAGER (the quick start): publishing commits, then recomputes in the request."""
    edition, _ = _tiny_edition(2092)
    caplog.handler.addFilter(logs.ContextFilter())
    with caplog.at_level(logging.INFO, logger="scoring.tasks"):
        _publish(Client(), edition.pk, "publish-inline-1")

    edition.refresh_from_db()
    assert edition.status == EditionStatus.PUBLISHED
    (record,) = [r for r in caplog.records if r.getMessage().startswith(f"recompute_edition {edition.pk} ")]
    assert record.request_id == "publish-inline-1"
    assert record.task_name == "scoring.recompute_edition"
    assert HEX32.fullmatch(record.task_id.replace("-", ""))
    # after the task and the request, nothing is left in the context
    assert (logs.request_id.get(), logs.task_id.get(), logs.task_name.get()) == (None, None, None)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_logs_the_id_of_the_request_that_queued_the_task_as_json() -> None:
    assert os.environ.get("REDIS_URL"), "this test needs REDIS_URL (make test sets it)"
    assert not app.conf.task_always_eager
    edition, _ = _tiny_edition(2093)
    node = f"test-logging-{uuid.uuid4().hex[:10]}@localhost"
    request_id = f"publish-{uuid.uuid4().hex[:12]}"
    # The publish view enqueues on Celery's default queue.
    with celery_worker(queues="celery", node=node, env={"LOG_FORMAT": "json"}) as (worker, log):
        wait_until(lambda: bool(app.control.ping([node], timeout=0.5)), 60, worker, log)
        _publish(Client(), edition.pk, request_id)
        wait_until(lambda: YearResult.objects.filter(edition=edition).count() == 3, 60, worker, log)

        def task_line() -> str | None:
            for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith("{") and f'"recompute_edition {edition.pk} ' in line:
                    return line
            return None

        wait_until(lambda: task_line() is not None, 20, worker, log)
        line = task_line()
        assert line is not None
        data = json.loads(line)
        assert data["request_id"] == request_id, log.read_text(errors="replace")
        assert data["task_name"] == "scoring.recompute_edition"
        assert data["task_id"] != logs.NONE
        assert data["logger"] == "scoring.tasks" and data["level"] == "INFO"
        assert str(edition) in line  # "… · Tự đánh giá": the Vietnamese as UTF-8, not \\u escapes
