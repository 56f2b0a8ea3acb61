"""Browser tests: Debian's Chromium driven by Playwright's sync API against pytest-django's live server.

Never run `playwright install`: the system Chromium (/usr/bin/chromium) is used, with flags that keep it from
reaching the internet. Playwright's sync API runs an event loop in this thread, so Django's async-safety check
would refuse the ORM calls the tests make between browser steps.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium, live_server):  # type: ignore[no-untyped-def]
    """A factory of pages, each in its own browser context (its own cookies: one person each)."""
    contexts = []

    def make():  # type: ignore[no-untyped-def]
        context = chromium.new_context(base_url=live_server.url, locale="vi-VN")
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def tasks_inline() -> Iterator[None]:
    """Recomputes run in the live server's thread after each commit, as in the quick start (no worker here)."""
    from parindex.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous
