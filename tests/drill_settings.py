"""Settings of the app that the PostgreSQL drill serves with gunicorn (tests/test_database_restart.py): the app's
own, with static files served without collectstatic's manifest, as in the rest of the suite (tests/conftest.py)."""

from parindex.settings import *  # noqa: F403 - the app's settings, two changed below

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
