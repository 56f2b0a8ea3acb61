"""Security headers on every kind of answer: a Content-Security-Policy with no inline script or style (enforced
in production, report-only with DEBUG), nosniff, the referrer policy and framing refused; no cookie on the
public pages for anonymous visitors; no inline script or style in any template, nor in the admin pages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.entry.entry_helpers import make_user

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[1]
PUBLIC_PAGES = ["/", "/phuong-phap/", "/xep-hang/par-index/2024/", "/tong-quan/", "/so-sanh/"]


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def _assert_strict(response) -> None:
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def _assert_other_headers(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_carry_the_headers_and_set_no_cookie(path):
    client = Client()
    for attempt in ("rendered", "kept"):  # the second answer may come from dashboards.page_cache
        response = client.get(path)
        assert response.status_code == 200, (path, attempt)
        _assert_strict(response)
        _assert_other_headers(response)
        assert not response.cookies, f"{path} ({attempt}) sets {list(response.cookies)}"
        assert "csrfmiddlewaretoken" not in response.content.decode()


def test_the_api_carries_the_headers_and_sets_no_cookie():
    response = Client().get("/api/v1/indices")
    assert response.status_code == 200
    _assert_strict(response)
    assert not response.cookies


def test_the_login_page_and_a_staff_page_carry_the_headers():
    client = Client()
    _assert_strict(client.get(reverse("login")))
    client.force_login(make_user("bien-tap", "editor"))
    response = client.get(reverse("entry:edition_list"))
    assert response.status_code == 200
    _assert_strict(response)
    _assert_other_headers(response)


def test_report_only_with_debug_enforced_without():
    """Read in a fresh interpreter: the settings module decides once, from DJANGO_DEBUG."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'parindex.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(hasattr(s, 'CONTENT_SECURITY_POLICY'), hasattr(s, 'CONTENT_SECURITY_POLICY_REPORT_ONLY'))"
    )

    def run(debug: str) -> list[str]:
        env = {**os.environ, "DJANGO_DEBUG": debug}
        result = subprocess.run(  # noqa: S603 — this interpreter, a fixed script
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        return result.stdout.split()

    assert run("1") == ["False", "True"]
    assert run("0") == ["True", "False"]


class InlineFinder(HTMLParser):
    """Inline scripts (a <script> without src that is not a JSON data block), <style> elements, style="" and
    on…="" attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") not in {"application/json"}:
            self.found.append(f"<script> at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> at line {self.getpos()[0]}")
        for name, _value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"{name}= on <{tag}> at line {self.getpos()[0]}")


def _inline(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


TEMPLATE_INLINE = re.compile(
    r"<style|\sstyle=|\son[a-z]+=|<script(?![^>]*\ssrc=)(?![^>]*application/json)", re.I
)


def test_no_template_has_an_inline_script_or_style():
    offenders = [
        f"{path.relative_to(BASE_DIR)}: {match.group(0)!r}"
        for path in sorted((BASE_DIR / "templates").rglob("*.html"))
        for match in TEMPLATE_INLINE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders


def _admin_pages() -> list[str]:
    pages = [reverse("admin:index"), reverse("admin:password_change")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        try:
            pages.append(reverse("admin:{}_{}_add".format(*info)))
        except Exception:  # noqa: S112 — a read-only admin has no add page
            continue
    return pages


def test_the_admin_pages_have_no_inline_script_or_style():
    """Django 5.2's admin keeps its data in data-* attributes and JSON blocks: its main pages pass the policy."""
    client = Client()
    user = make_user("sieu-quan-tri", superuser=True)
    user.is_staff = True
    user.save()
    client.force_login(user)
    pages = _admin_pages()
    user_change = reverse("admin:auth_user_change", args=[user.pk])
    for url in [*pages, user_change]:
        response = client.get(url)
        if response.status_code == 403:  # an add page a read-only admin refuses
            continue
        assert response.status_code == 200, (url, response.status_code)
        assert not _inline(response.content.decode()), (url, _inline(response.content.decode()))
        _assert_strict(response)
