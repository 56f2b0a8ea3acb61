"""Settings from the environment: parsing rules, and a bad or missing value stops the start with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from parindex.env import env_bool, env_int, env_list, env_url

BASE_DIR = Path(__file__).resolve().parents[2]
LONG_SECRET = "x" * 64


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("1", True, id="one"),
        pytest.param("true", True, id="true"),
        pytest.param("TRUE", True, id="upper_case_true"),
        pytest.param(" yes ", True, id="yes_with_spaces"),
        pytest.param("on", True, id="on"),
        pytest.param("0", False, id="zero"),
        pytest.param("False", False, id="false"),
        pytest.param("no", False, id="no"),
        pytest.param("off", False, id="off"),
        pytest.param("", False, id="empty_is_false"),
    ],
)
def test_env_bool_reads_the_usual_spellings(raw, expected):
    assert env_bool("DJANGO_DEBUG", default=not expected, environ={"DJANGO_DEBUG": raw}) is expected


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_unset_gives_the_default(default):
    assert env_bool("DJANGO_DEBUG", default=default, environ={}) is default


@pytest.mark.parametrize("raw", ["maybe", "2", "yess", "debug"])
def test_env_bool_refuses_other_values_naming_the_variable(raw):
    with pytest.raises(ImproperlyConfigured, match=r"DJANGO_DEBUG=.*is not a boolean"):
        env_bool("DJANGO_DEBUG", default=False, environ={"DJANGO_DEBUG": raw})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("a.example,b.example", ["a.example", "b.example"], id="two_hosts"),
        pytest.param(" a.example , b.example ,", ["a.example", "b.example"], id="spaces_and_trailing_comma"),
        pytest.param("", [], id="empty_is_empty_list"),
        pytest.param("a.example", ["a.example"], id="one_host"),
    ],
)
def test_env_list_splits_on_commas_and_drops_blanks(raw, expected):
    assert env_list("DJANGO_ALLOWED_HOSTS", ["default"], environ={"DJANGO_ALLOWED_HOSTS": raw}) == expected


def test_env_list_unset_gives_the_default():
    assert env_list("DJANGO_ALLOWED_HOSTS", ["default"], environ={}) == ["default"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("postgres://u:p@db:5432/par", "postgres://u:p@db:5432/par", id="postgres"),
        pytest.param("postgresql://u@127.0.0.1/par", "postgresql://u@127.0.0.1/par", id="postgresql"),
        pytest.param("  postgres://db/par  ", "postgres://db/par", id="surrounding_spaces"),
        pytest.param("sqlite:////tmp/x.sqlite3", "sqlite:////tmp/x.sqlite3", id="sqlite_needs_no_host"),
        pytest.param("", None, id="empty_is_unset"),
    ],
)
def test_env_url_accepts_the_allowed_schemes(raw, expected):
    schemes = {"postgres", "postgresql", "sqlite"}
    assert env_url("DATABASE_URL", schemes, environ={"DATABASE_URL": raw}) == expected


def test_env_url_unset_is_none():
    assert env_url("REDIS_URL", {"redis"}, environ={}) is None


@pytest.mark.parametrize(
    ("name", "raw", "schemes", "message"),
    [
        pytest.param(
            "DATABASE_URL", "mysql://db/par", {"postgres", "sqlite"}, "must start with", id="wrong_scheme"
        ),
        pytest.param(
            "DATABASE_URL", "db:5432/par", {"postgres", "sqlite"}, "must start with", id="no_scheme"
        ),
        pytest.param("DATABASE_URL", "postgres:///par", {"postgres", "sqlite"}, "has no host", id="no_host"),
        pytest.param(
            "REDIS_URL", "http://cache:6379/0", {"redis", "rediss"}, "must start with", id="redis_http"
        ),
        pytest.param("REDIS_URL", "redis://", {"redis", "rediss"}, "has no host", id="redis_no_host"),
    ],
)
def test_env_url_refuses_bad_urls_naming_the_variable(name, raw, schemes, message):
    with pytest.raises(ImproperlyConfigured) as refused:
        env_url(name, schemes, environ={name: raw})
    assert str(refused.value).startswith(name)
    assert message in str(refused.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("262144", 262144, id="number"),
        pytest.param(" 10 ", 10, id="spaces"),
        pytest.param("", 7, id="empty_is_default"),
    ],
)
def test_env_int_reads_whole_numbers(raw, expected):
    assert env_int("IMPORT_ASYNC_BYTES", 7, minimum=0, environ={"IMPORT_ASYNC_BYTES": raw}) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param("256K", "is not a whole number", id="suffix"),
        pytest.param("1.5", "is not a whole number", id="decimal"),
        pytest.param("-1", "is below the minimum of 0", id="negative"),
    ],
)
def test_env_int_refuses_other_values_naming_the_variable(raw, message):
    with pytest.raises(ImproperlyConfigured) as refused:
        env_int("IMPORT_ASYNC_BYTES", 7, minimum=0, environ={"IMPORT_ASYNC_BYTES": raw})
    assert str(refused.value).startswith("IMPORT_ASYNC_BYTES=")
    assert message in str(refused.value)


# --- the settings module, imported in a fresh interpreter -------------------------------------------------

START = "import django; django.setup(); from django.conf import settings; print('DEBUG', settings.DEBUG)"


def _start(**env: str) -> subprocess.CompletedProcess[str]:
    """Import the settings in a new Python process with exactly `env` (plus PATH) as its environment."""
    environ = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "parindex.settings", **env}
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", START], cwd=BASE_DIR, env=environ, capture_output=True, text=True, timeout=60
    )


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": LONG_SECRET,
    "DJANGO_ALLOWED_HOSTS": "par.example.gov.vn",
    "DATABASE_URL": "postgres://par:secret@db:5432/par",
    "REDIS_URL": "redis://redis:6379/0",
}


def test_production_like_environment_starts():
    started = _start(**PRODUCTION)
    assert started.returncode == 0, started.stderr
    assert "DEBUG False" in started.stdout


def test_quick_start_environment_starts_with_sqlite_and_no_redis():
    started = _start(DJANGO_DEBUG="1")
    assert started.returncode == 0, started.stderr
    assert "DEBUG True" in started.stdout


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY is not set", id="no_secret_key"),
        pytest.param({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY is too short", id="short_secret_key"),
        pytest.param({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS is empty", id="no_allowed_hosts"),
        pytest.param({"DJANGO_DEBUG": "perhaps"}, "DJANGO_DEBUG='perhaps' is not a boolean", id="bad_debug"),
        pytest.param(
            {"DATABASE_URL": "mysql://db/par"}, "DATABASE_URL must start with", id="bad_database_url"
        ),
        pytest.param({"REDIS_URL": "redis://"}, "REDIS_URL='redis://' has no host", id="redis_without_host"),
        pytest.param({"DJANGO_SECURE": "sometimes"}, "DJANGO_SECURE='sometimes'", id="bad_secure_flag"),
        pytest.param({"PARINDEX_MERGER_RULE": "max"}, "PARINDEX_MERGER_RULE must be", id="bad_merger_rule"),
    ],
)
def test_bad_environment_fails_at_start_with_a_clear_message(changes, message):
    environ = {**PRODUCTION, **changes}
    started = _start(**{k: v for k, v in environ.items() if v})
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    assert message in started.stderr
