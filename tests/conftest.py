"""Shared fixtures. The reference data, published figures and demo dataset are loaded once per session into
the PostgreSQL test database; each test runs in a transaction that is rolled back. Tests that need real
commits (Celery worker, browser) are transactional and load what they need themselves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from parindex.celery import app
from parindex.register.loading import par_data_load


@pytest.fixture(scope="session", autouse=True)
def _static_files_without_manifest(tmp_path_factory):  # type: ignore[no-untyped-def]
    """Production (DEBUG off) serves hashed files listed in the manifest that collectstatic writes; the tests
    run with DEBUG off too but without collectstatic, so templates get plain static URLs and WhiteNoise serves
    the files from where they are."""
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(
        STORAGES={**settings.STORAGES, "staticfiles": plain},
        STATIC_ROOT=tmp_path_factory.mktemp("static_root"),
        WHITENOISE_USE_FINDERS=True,
    ):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from scoring.services import results_recompute_all

    with django_db_blocker.unblock():
        par_data_load(with_demo=True)
        results_recompute_all()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    """Tests create many users; the real password hasher is slow on purpose, and no test is about its cost."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():  # type: ignore[no-untyped-def]
    """The cache (Redis in the suite) outlives each test's rolled-back transaction: start every test with none,
    so a ranking cached by one test is never read by the next."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def eager(settings: Any) -> Iterator[None]:
    """Tasks run in the calling process, as in the quick start without Redis (the suite has Redis but, outside
    the worker drills, no worker), so that what a task does can be seen."""
    # Read before the override: the app reads Django's settings lazily, on first access.
    previous = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous
