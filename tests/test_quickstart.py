"""The quick start (the issue's item 9): `make run` installs only what the app needs and prints a login address on
the port it serves; `make test`, `lint` and `typecheck` get the development tools; the package metadata builds
without setuptools' deprecation warnings. scripts/smoke.sh runs `make run` for real (CI)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

ROOT = Path(settings.BASE_DIR)


def _planned(*targets: str, port: str = "8101") -> str:
    """The commands `make` would run for `targets` from scratch (-B: as on a fresh clone), without running them."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    result = subprocess.run(  # noqa: S603
        ["make", "-n", "-B", *targets, f"PORT={port}"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_make_run_installs_the_app_without_the_development_tools():
    plan = _planned("run")
    installs = [line for line in plan.splitlines() if "pip install" in line and "--upgrade pip" not in line]
    assert installs == [".venv/bin/pip install -q -e ."]
    assert "[dev]" not in plan


@pytest.mark.parametrize("target", ["test", "lint", "typecheck", "install"])
def test_the_development_targets_install_the_development_tools(target):
    assert '.venv/bin/pip install -q -e ".[dev]"' in _planned(target)


def test_make_run_serves_and_prints_the_port_it_was_given():
    plan = _planned("run", port="8101")
    assert "create_demo_admin --port 8101" in plan
    assert "runserver 127.0.0.1:8101" in plan
    assert "8000" not in plan


@pytest.mark.django_db
@pytest.mark.parametrize(("options", "port"), [({}, 8000), ({"port": 8101}, 8101)], ids=["default", "8101"])
def test_create_demo_admin_prints_the_login_address_on_the_port(settings, options, port):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("create_demo_admin", stdout=out, **options)
    text = out.getvalue()
    assert f"http://127.0.0.1:{port}/tai-khoan/dang-nhap/" in text
    assert len(re.findall(r"http://127\.0\.0\.1:(\d+)", text)) == 1
    password = re.search(r"mật khẩu: (\S+)", text)
    assert password is not None
    user = User.objects.get(username="admin")
    assert user.check_password(password.group(1)) and user.is_staff and user.is_superuser


@pytest.mark.django_db
def test_create_demo_admin_refuses_a_port_out_of_range_and_production(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="65535"):
        call_command("create_demo_admin", port=70000, stdout=io.StringIO())
    settings.DEBUG = False
    with pytest.raises(CommandError, match="quick start only"):
        call_command("create_demo_admin", stdout=io.StringIO())


def test_the_license_is_an_spdx_expression_with_a_setuptools_that_reads_it():
    """setuptools ≥ 77 reads `license = "MIT"` (PEP 639); the table form `{ text = ... }` warned on every build."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["license"] == "MIT"
    (requirement,) = pyproject["build-system"]["requires"]
    match = re.fullmatch(r"setuptools>=(\d+)(?:\.\d+)*", requirement)
    assert match is not None and int(match.group(1)) >= 77
    # A plain .pth editable install: setuptools' meta path finder warned about shadowing folders.
    assert pyproject["tool"]["setuptools"]["package-dir"] == {"": "."}
