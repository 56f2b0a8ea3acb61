"""Shared fixtures. The reference data, published figures and demo dataset are loaded once per session into
the PostgreSQL test database; each test runs in a transaction that is rolled back. Tests that need real
commits (Celery worker, browser) are transactional and load what they need themselves."""

from __future__ import annotations

import pytest

from parindex.loading import par_data_load


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from scoring.services import results_recompute_all

    with django_db_blocker.unblock():
        par_data_load(with_demo=True)
        results_recompute_all()
