"""The Content-Security-Policy in a real browser: an inline script injected into a page does not run and the
browser reports the violation; the app's own pages (public, chart, staff, admin) draw with no violation."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from parindex.register.loading import par_data_load
from scoring.services import results_recompute_all

PASSWORD = "mat-khau-kiem-thu-2025"
CSP_MESSAGE = "Content Security Policy"


def _watch(page) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    """Console messages (all types) and the violations the page itself saw (securitypolicyviolation)."""
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(str(error)))
    page.add_init_script(
        "window.cspViolations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.cspViolations.push(e.effectiveDirective + ' ' + e.blockedURI + ' '"
        " + (e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 200) : '')));"
    )
    return console, []


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_an_inline_script_in_a_served_page_does_not_run(new_page, settings):  # type: ignore[no-untyped-def]
    settings.ROOT_URLCONF = "tests.e2e.csp_urls"
    page = new_page()
    console, _ = _watch(page)
    response = page.goto("/__test__/injected/")
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state()
    assert page.text_content("#target") == "unchanged"
    assert page.evaluate("() => window.injectedRan") is None
    # The inline style attribute is refused too: the paragraph keeps the default colour.
    assert (
        page.evaluate("() => getComputedStyle(document.getElementById('styled')).color") != "rgb(255, 0, 0)"
    )
    violations = page.evaluate("() => window.cspViolations")
    assert any(v.startswith("script-src") for v in violations), violations
    assert any(v.startswith("style-src") for v in violations), violations
    assert any(CSP_MESSAGE in text for text in console), console


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_script_injected_into_a_public_page_does_not_run(new_page):  # type: ignore[no-untyped-def]
    """What a script-injection flaw would do after load: add a <script> element and an element with an inline
    event handler. Neither runs; both are reported."""
    page = new_page()
    console, _ = _watch(page)
    page.goto("/phuong-phap/")
    page.wait_for_load_state()
    page.evaluate(
        """() => {
            const script = document.createElement('script');
            script.textContent = 'window.injectedRan = true;';
            document.body.appendChild(script);
            const holder = document.createElement('div');
            holder.innerHTML = '<img src="data:," onerror="window.handlerRan = true">'
                + '<img src="/khong-co.png" onerror="window.handlerRan = true">';
            document.body.appendChild(holder);
        }"""
    )
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.injectedRan") is None
    assert page.evaluate("() => window.handlerRan") is None
    violations = page.evaluate("() => window.cspViolations")
    assert any(v.startswith("script-src") for v in violations), violations
    assert any(CSP_MESSAGE in text for text in console), console


def _no_violation(page, path: str) -> None:  # type: ignore[no-untyped-def]
    console, _ = _watch(page)
    response = page.goto(path)
    assert response is not None and response.status < 400, (path, response and response.status)
    page.wait_for_load_state("networkidle")
    violations = page.evaluate("() => window.cspViolations")
    assert not violations, (path, violations)
    assert not [text for text in console if CSP_MESSAGE in text], (path, console)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_apps_own_pages_cause_no_violation(new_page):  # type: ignore[no-untyped-def]
    par_data_load(with_demo=True)
    results_recompute_all()
    page = new_page()
    for path in [
        "/",
        "/xep-hang/par-index/2024/",
        "/don-vi/da-nang-2025/?loai=demo",
        "/so-sanh/?don_vi=da-nang-2025&don_vi=ha-noi-2025&loai=demo",
        "/tong-quan/",
        "/phuong-phap/",
        "/tai-khoan/dang-nhap/",
        "/api/v1/docs",
    ]:
        _no_violation(page, path)

    admin = User.objects.create_superuser("sieu-quan-tri", password=PASSWORD)
    admin.groups.add(Group.objects.get_or_create(name="admin")[0])
    page.goto("/tai-khoan/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("sieu-quan-tri")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    # The API's Swagger page (django-ninja, its scripts and styles served by the app) works under the same policy.
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("PAR INDEX tracker API")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()

    # The overview's colour bar keeps its gradient (set through the CSSOM after an allowed, empty style="").
    page.goto("/tong-quan/")
    page.wait_for_load_state("networkidle")
    fills = page.evaluate(
        "() => [...document.querySelectorAll('rect.cbfill')].map(r => getComputedStyle(r).fill)"
    )
    assert fills and all("url(" in fill for fill in fills), fills

    for path in [
        "/nhap-lieu/",
        "/quan-tri/",
        "/quan-tri/auth/user/",
        f"/quan-tri/auth/user/{admin.pk}/change/",
        "/quan-tri/auth/user/add/",
        "/quan-tri/parindex/unit/",
    ]:
        _no_violation(page, path)
