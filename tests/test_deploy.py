"""Production set-up: docker-compose.yml (no Docker engine here, so the file is read and checked: against the
Compose Specification's JSON schema always, by `docker compose config` where a compose client is installed, and
against our own rules), the Dockerfile, .env.example, and Django's deployment checks with production-like
settings."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils.module_loading import import_string

BASE_DIR = Path(__file__).resolve().parents[1]
APP_SERVICES = ("migrate", "web", "worker", "beat")
SECRET_VARIABLES = ("DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY")
# A value taken from the environment: ${NAME}, ${NAME:?message} or ${NAME:-default}.
FROM_ENV = re.compile(r"\$\{[A-Z_]+(:?[?-][^}]*)?\}")
# Compose's interpolation: $$ (a literal $), ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?err}, ${NAME?err}.
INTERPOLATION = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
# Services that run once and exit; every other one runs for good, restarts and has a health check.
ONE_OFF_SERVICES = {"migrate"}
# What the checks fill the required variables with (the values do not matter, only that they are set).
DUMMY_ENVIRONMENT = {
    "POSTGRES_PASSWORD": "dummy-password",
    "DJANGO_SECRET_KEY": "dummy-secret-key",
    "DJANGO_ALLOWED_HOSTS": "par.example.gov.vn",
}


def interpolate(text: str, environment: dict[str, str]) -> str:
    """docker-compose.yml's variables replaced as `docker compose` does; a required one unset raises KeyError."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        value = environment.get(name)
        if op in (":-", ":?") and not value:
            value = None
        if value is not None:
            return value
        if op and op.endswith("?"):
            raise KeyError(f"{name}: {arg}")
        return arg if op else ""

    return INTERPOLATION.sub(replace, text)


def compose_schema() -> dict[str, Any]:
    """The Compose Specification's JSON schema, as check-jsonschema ships it (a development dependency)."""
    schema = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json")
    return json.loads(schema.read_text(encoding="utf-8"))


def schema_errors(document: dict[str, Any]) -> list[str]:
    validator_class = jsonschema.validators.validator_for(compose_schema())
    validator = validator_class(compose_schema())
    return [
        f"{'/'.join(str(part) for part in error.absolute_path) or '(top)'}: {error.message}"
        for error in validator.iter_errors(document)
    ]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def interpolated() -> dict[str, Any]:
    text = (BASE_DIR / "docker-compose.yml").read_text(encoding="utf-8")
    return yaml.safe_load(interpolate(text, DUMMY_ENVIRONMENT))


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _command(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def _healthcheck(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else test


def test_the_stack_has_its_seven_services(services):
    assert set(services) == {"db", "redis", "migrate", "web", "proxy", "worker", "beat"}


def test_the_compose_file_follows_the_compose_specification(interpolated):
    assert schema_errors(interpolated) == []


@pytest.mark.parametrize(
    ("path", "value", "error"),
    [
        pytest.param(
            ("services", "web", "depends_on", "migrate", "condition"),
            "service_done",
            "service_done",
            id="condition",
        ),
        pytest.param(("services", "web", "helthcheck"), {"test": ["CMD", "true"]}, "helthcheck", id="typo"),
        pytest.param(
            ("services", "worker", "stop_grace_period"), 370, "stop_grace_period", id="not_a_duration"
        ),
    ],
)
def test_the_schema_check_catches_a_mistake(interpolated, path, value, error):
    document = json.loads(json.dumps(interpolated))
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    errors = schema_errors(document)
    assert errors and any(error in message for message in errors), errors


def test_interpolation_follows_compose():
    environment = {"SET": "value", "EMPTY": ""}
    assert interpolate("${SET} ${SET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d} $$HOSTNAME", environment) == (
        "value value d  d $HOSTNAME"
    )
    with pytest.raises(KeyError, match="EMPTY"):
        interpolate("${EMPTY:?set EMPTY}", environment)


def _run(command: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (a compose client found on PATH, fixed arguments)
        command, cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=60, check=False
    )


def _compose_client() -> list[str] | None:
    """`docker compose` (the plugin) or a standalone `docker-compose` of version 2, when installed."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if not shutil.which(command[0]):
            continue
        version = _run([*command, "version"], dict(os.environ))
        if version.returncode == 0 and re.search(r"v?2\.\d+", version.stdout):
            return command
    return None


def test_docker_compose_accepts_the_file():
    """The compose client's own check, where one is installed (none is on the machines of testing.md: the schema
    check above runs everywhere)."""
    client = _compose_client()
    if client is None:
        pytest.skip("no compose client (docker compose plugin or docker-compose v2) installed")
    config = [*client, "-f", str(BASE_DIR / "docker-compose.yml"), "config", "-q"]
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": str(Path.home()), **DUMMY_ENVIRONMENT}
    checked = _run(config, environment)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    missing = _run(config, {key: value for key, value in environment.items() if key != "DJANGO_SECRET_KEY"})
    assert missing.returncode != 0
    assert "set DJANGO_SECRET_KEY" in missing.stderr


@pytest.mark.parametrize("name", ["db", "redis", "web", "proxy", "worker", "beat"])
def test_every_long_running_service_restarts_and_has_a_health_check(services, name):
    assert name not in ONE_OFF_SERVICES
    assert services[name]["restart"] in {"unless-stopped", "always"}
    assert _healthcheck(services[name])


def test_only_the_migrations_run_once_and_are_not_restarted(services):
    assert set(services) - ONE_OFF_SERVICES == {"db", "redis", "web", "proxy", "worker", "beat"}
    assert services["migrate"]["restart"] == "no"


def test_every_required_variable_stops_the_stack_when_unset():
    """A variable the stack cannot run without is written ${NAME:?message}: unset, compose refuses to start."""
    text = (BASE_DIR / "docker-compose.yml").read_text(encoding="utf-8")
    for name in DUMMY_ENVIRONMENT:
        with pytest.raises(KeyError, match=name):
            interpolate(text, {key: value for key, value in DUMMY_ENVIRONMENT.items() if key != name})
    bare = [m.group(0) for m in INTERPOLATION.finditer(text) if m.group(0) != "$$" and not m.group("op")]
    assert bare == [], f"variables without a default or a required message: {bare}"


def test_web_scales_without_a_fixed_name_or_host_port(services):
    web = services["web"]
    assert "container_name" not in web
    assert "ports" not in web, "a published port on web blocks `--scale web=N`: proxy publishes it"
    assert "8000" in [str(port) for port in web["expose"]]


def test_the_proxy_is_the_one_published_port_and_finds_every_web_replica(services):
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert services["proxy"]["ports"] == ["${WEB_PORT:-8000}:8000"]
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"
    mount = next(v for v in services["proxy"]["volumes"] if v.startswith("./deploy/nginx.conf:"))
    nginx = (BASE_DIR / mount.split(":")[0]).read_text(encoding="utf-8")
    # Looked up in Docker's DNS while running (a variable in proxy_pass), not once at start.
    assert re.search(r"resolver 127\.0\.0\.11 valid=\d+s", nginx)
    assert "set $web http://web:8000;" in nginx
    assert "proxy_pass $web;" in nginx
    assert "proxy_set_header X-Forwarded-Proto" in nginx
    assert "/healthz" in _healthcheck(services["proxy"])


def test_sessions_are_kept_in_the_database_not_in_a_replica():
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    assert issubclass(store, DatabaseSessionStore)


def _seconds(duration: str) -> float:
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert "".join(number + unit for number, unit in parts) == duration, duration
    return sum(float(number) * units[unit] for number, unit in parts)


def test_a_stopping_worker_has_time_to_finish_its_longest_task(services):
    longest = max(settings.CELERY_TASK_TIME_LIMIT, settings.IMPORT_TIME_LIMIT)
    assert _seconds(services["worker"]["stop_grace_period"]) > longest


def test_the_worker_health_check_pings_this_worker_with_a_timeout(services):
    check = _healthcheck(services["worker"])
    assert "celery -A parindex inspect ping" in check
    assert "celery@$$HOSTNAME" in check  # $$: read in the container, not interpolated by compose
    assert "--timeout" in check


def test_one_beat_with_its_schedule_in_tmp(services):
    beat = services["beat"]
    schedule = "/tmp/celerybeat-schedule"  # noqa: S108 (in the container, on purpose: see the compose header)
    assert f"--schedule={schedule}" in _command(beat)
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert schedule in _healthcheck(beat)


def test_every_service_rotates_its_logs(services):
    for name, service in services.items():
        logging = service["logging"]
        assert logging["driver"] == "json-file", name
        assert logging["options"]["max-size"] and logging["options"]["max-file"], name


def test_named_volumes_are_declared_and_described_in_the_header(compose, services):
    text = (BASE_DIR / "docker-compose.yml").read_text(encoding="utf-8")
    used = {
        volume.split(":")[0]
        for service in services.values()
        for volume in service.get("volumes", [])
        if not volume.startswith((".", "/"))
    }
    assert used == set(compose["volumes"]) == {"pgdata", "redisdata"}
    header = text.split("\nname:", 1)[0]
    for volume in used:
        assert re.search(rf"^#\s+{volume}\s", header, flags=re.MULTILINE), volume


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


def test_web_has_a_health_check_of_the_database_and_redis(services):
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
    # manage.py backup and restore run in the app image: the client of the db service's major version.
    assert "FROM python:3.11-slim-bookworm" in dockerfile  # bookworm's postgresql-client is 15
    assert "postgresql-client" in dockerfile
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
