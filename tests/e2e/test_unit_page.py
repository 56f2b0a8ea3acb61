"""What a leader does on a unit page: sees every chart drawn with no console error, downloads a PNG, tries a
what-if, sets a target and sees it on the rank chart, compares three units, prints the brief to one A4 page."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from parindex.register.loading import par_data_load
from parindex.register.models import Target
from scoring.services import results_recompute_all

PASSWORD = "mat-khau-lanh-dao-2025"
UNIT = "/don-vi/da-nang-2025/?loai=demo"
BAD_REQUEST = "Failed to load resource: the server responded with a status of 400 (Bad Request)"


def _setup() -> None:
    par_data_load(with_demo=True)  # idempotent; a transactional test may start from a flushed database
    results_recompute_all()
    leader = User.objects.create_user("lanh-dao", password=PASSWORD)
    leader.groups.add(Group.objects.get_or_create(name="leader")[0])


def _watch_console(page) -> list[str]:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def _all_charts_drawn(page) -> int:  # type: ignore[no-untyped-def]
    charts = page.locator("[data-chart]")
    count = charts.count()
    assert count > 0
    expect(page.locator("[data-chart][data-drawn='1']")).to_have_count(count)
    return count


def _rank_chart_traces(page) -> list[dict]:  # type: ignore[no-untyped-def]
    return page.evaluate(
        "() => document.getElementById('chart-rank-history').data.map(t => ({name: t.name, x: t.x, y: t.y}))"
    )


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_leader_reads_a_unit_page_tries_a_what_if_sets_a_target_compares_and_prints(new_page):  # type: ignore[no-untyped-def]
    _setup()
    page = new_page()
    page.goto("/tai-khoan/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("lanh-dao")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    errors = _watch_console(page)  # from here on: the unit pages

    # Every chart of the unit page is drawn by the one static script.
    page.goto(UNIT)
    expect(page.get_by_role("heading", name="Đà Nẵng", exact=True)).to_be_visible()
    assert _all_charts_drawn(page) == 6
    expect(page.get_by_test_id("demo-banner")).to_be_visible()

    # A PNG of a chart.
    with page.expect_download() as download:
        page.locator("[data-download='chart-index-history']").click()
    assert download.value.suggested_filename == "index-history.png"

    # What-if: domain 8 at its maximum; the answer comes without a reload, nothing is saved.
    page.locator("#wi-d8").fill("15,5")
    page.get_by_role("button", name="Tính thử").click()
    result = page.get_by_test_id("what-if-result")
    expect(result).to_contain_text("Không có gì được lưu")
    expect(result).to_contain_text(re.compile(r"hạng \d+/34"))
    assert errors == []
    # A value above the maximum: a message at the field, no result. The browser notes the 400 answer in its
    # console (a network status, not a script error): the only console line this step may add.
    page.locator("#wi-d8").fill("99")
    page.get_by_role("button", name="Tính thử").click()
    expect(page.locator("[data-error-for='d8']")).to_contain_text("vượt quá điểm tối đa")
    expect(page.locator("#wi-d8")).to_have_attribute("aria-invalid", "true")
    assert errors == [BAD_REQUEST]
    errors.clear()

    # A target: rank 10 in 2026, shown on the rank chart after saving.
    form = page.get_by_test_id("target-form")
    form.get_by_label("Năm").fill("2026")
    form.get_by_label("Thứ hạng không thấp hơn").fill("10")
    form.get_by_role("button", name="Lưu mục tiêu").click()
    expect(page.get_by_text("Đã lưu mục tiêu PAR INDEX năm 2026.")).to_be_visible()
    _all_charts_drawn(page)
    traces = _rank_chart_traces(page)
    [target] = [t for t in traces if t["name"] == "Mục tiêu thứ hạng"]
    assert target["y"][:2] == [10, 10] and target["x"][1] == 2026
    assert Target.objects.filter(unit__slug="da-nang-2025", year=2026, target_rank=10).exists()
    # A bad target: a message, nothing saved.
    form = page.get_by_test_id("target-form")
    form.get_by_label("Năm").fill("2026")
    form.get_by_label("Thứ hạng không thấp hơn").fill("64")
    form.get_by_role("button", name="Lưu mục tiêu").click()
    expect(page.get_by_test_id("target-field-error")).to_contain_text("từ 1 đến 34")
    assert Target.objects.get(unit__slug="da-nang-2025", year=2026).target_rank == 10
    assert errors == [BAD_REQUEST]  # the refused form's page answers 400
    errors.clear()

    # Compare three units on the same charts.
    page.goto("/so-sanh/?don-vi=ha-noi&don-vi=quang-nam&don-vi=da-nang&loai=demo")
    assert _all_charts_drawn(page) == 3
    names = page.evaluate("() => document.getElementById('chart-compare-index').data.map(t => t.name)")
    assert {"Hà Nội", "Quảng Nam", "Đà Nẵng"} <= set(names)

    # The brief prints to one A4 page.
    page.goto("/don-vi/da-nang-2025/ban-tin/?loai=demo")
    expect(page.get_by_test_id("brief")).to_be_visible()
    pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1

    assert errors == []


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_unit_page_is_usable_at_375_pixels(chromium, live_server):  # type: ignore[no-untyped-def]
    _setup()
    context = chromium.new_context(
        base_url=live_server.url, locale="vi-VN", viewport={"width": 375, "height": 800}
    )
    try:
        page = context.new_page()
        errors = _watch_console(page)
        page.goto(UNIT)
        _all_charts_drawn(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
        widths = page.evaluate("() => [...document.querySelectorAll('[data-chart]')].map(e => e.offsetWidth)")
        assert all(0 < width <= 375 for width in widths)
        page.locator("details.chart-table summary").first.focus()
        page.keyboard.press("Enter")  # the table alternative opens from the keyboard
        expect(page.locator("details.chart-table").first).to_have_attribute("open", "")
        assert errors == []
    finally:
        context.close()
