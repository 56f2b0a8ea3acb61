"""Production set-up: docker-compose.yml (no Docker engine here, so the file is read and checked), the
Dockerfile, .env.example, and Django's deployment checks with production-like settings."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parents[1]
APP_SERVICES = ("migrate", "web", "worker", "beat")
SECRET_VARIABLES = ("DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY")
# A value taken from the environment: ${NAME}, ${NAME:?message} or ${NAME:-default}.
FROM_ENV = re.compile(r"\$\{[A-Z_]+(:?[?-][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _command(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def _healthcheck(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else test


def test_the_stack_has_its_six_services(services):
    assert set(services) == {"db", "redis", "migrate", "web", "worker", "beat"}


def test_database_is_postgresql_on_a_named_volume_with_a_health_check(compose, services):
    db = services["db"]
    assert db["image"].startswith("postgres:")
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]
    assert "pg_isready" in _healthcheck(db)


def test_redis_has_a_health_check(services):
    redis = services["redis"]
    assert redis["image"].startswith("redis:")
    assert "redis-cli ping" in _healthcheck(redis)


@pytest.mark.parametrize(
    ("name", "command"),
    [
        pytest.param("web", "gunicorn parindex.wsgi", id="web_runs_gunicorn"),
        pytest.param("worker", "celery -A parindex worker", id="worker_runs_celery_worker"),
        pytest.param("beat", "celery -A parindex beat", id="beat_runs_celery_beat"),
        pytest.param("migrate", "manage.py migrate", id="migrate_runs_the_migrations"),
    ],
)
def test_each_app_service_runs_its_command(services, name, command):
    assert _command(services[name]).startswith(command) or command in _command(services[name])


@pytest.mark.parametrize("name", ["web", "worker"])
def test_web_and_worker_wait_for_healthy_services_and_the_migrations(services, name):
    depends_on = services[name]["depends_on"]
    assert depends_on["db"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"


def test_migrations_wait_for_a_healthy_database(services):
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_web_publishes_its_port_and_has_a_health_check(services):
    assert any(str(port).endswith(":8000") for port in services["web"]["ports"])
    assert "8000" in _healthcheck(services["web"])
    assert "/healthz" in _healthcheck(services["web"])  # the database and Redis, not only the port


@pytest.mark.parametrize("name", APP_SERVICES)
@pytest.mark.parametrize("variable", SECRET_VARIABLES)
def test_app_services_take_their_secrets_from_the_environment(services, name, variable):
    value = str(services[name]["environment"][variable])
    assert FROM_ENV.search(value), f"{name}.{variable} = {value!r} is not read from the environment"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_run_without_debug(services, name):
    assert str(services[name]["environment"]["DJANGO_DEBUG"]) == "0"


def test_required_secrets_stop_the_stack_when_unset():
    text = (BASE_DIR / "docker-compose.yml").read_text(encoding="utf-8")
    for variable in ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "DJANGO_ALLOWED_HOSTS"):
        assert f"${{{variable}:?" in text


def test_no_password_or_key_is_written_in_the_compose_file():
    text = (BASE_DIR / "docker-compose.yml").read_text(encoding="utf-8")
    # user:password@ in a URL must be user:${VARIABLE}@
    for password in re.findall(r"://[^:/@\s]+:([^@\s]+)@", text):
        assert FROM_ENV.fullmatch(password), password
    for line in text.splitlines():
        key, _sep, value = line.strip().partition(":")
        if re.search(r"(PASSWORD|SECRET)", key) and value.strip():
            assert FROM_ENV.search(value), line


def test_dockerfile_builds_from_python_311_and_serves_with_gunicorn():
    dockerfile = (BASE_DIR / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM python:3.11-slim" in dockerfile
    assert "pip install ." in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert re.search(r'CMD \["gunicorn", "parindex.wsgi"', dockerfile)
    assert "USER " in dockerfile


def test_env_example_lists_every_variable_the_settings_read():
    example = (BASE_DIR / ".env.example").read_text(encoding="utf-8")
    settings_source = (BASE_DIR / "parindex" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'env_(?:bool|list|url)\("([A-Z_]+)"', settings_source))
    read |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', settings_source))
    listed = set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))
    assert read, "no variables found in settings.py"
    assert read <= listed, read - listed
    assert "POSTGRES_PASSWORD" in listed


def _check_deploy(environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`manage.py check --deploy --fail-level WARNING` in a new process with exactly `environ`."""
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deployment_checks_pass_with_production_settings():
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "par.example.gov.vn",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://par.example.gov.vn",
        "DATABASE_URL": "postgres://parindex:secret@db.example.internal:5432/parindex",
        "REDIS_URL": "redis://redis.example.internal:6379/0",
    }
    checked = _check_deploy(environ)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "no issues" in checked.stdout


def test_deployment_checks_fail_when_https_is_switched_off():
    """The check above can fail: without DJANGO_SECURE the deployment checks warn."""
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "par.example.gov.vn",
    }
    checked = _check_deploy(environ)
    assert checked.returncode != 0
    assert "security.W008" in checked.stderr + checked.stdout
