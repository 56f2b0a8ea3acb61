"""What a member of the public does on the ranking: sorts by rank change, filters a region, searches without
diacritics, downloads the CSV; the page on a 375 px phone (no sideways scroll of the page) and printed on A4;
and axe-core (vendored, MPL-2.0) finds no serious or critical accessibility violation."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from parindex.register.loading import par_data_load
from scoring.services import results_recompute_all

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
RANKING = "/xep-hang/par-index/2024/?loai=demo"
PHONE = {"width": 375, "height": 812}
A4_CONTENT = {"width": 718, "height": 1047}  # 210 × 297 mm less 10 mm margins, at 96 px per inch


def _serious_violations(page: Page) -> list[str]:
    # Evaluated through the driver, not added as a <script> element: the page's Content-Security-Policy refuses
    # inline scripts, and this one is the test's, not the page's.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    violations = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
        }"""
    )
    return list(violations)


def _no_page_wide_scroll(page: Page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth, window.innerWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


def _rank_changes(page: Page) -> list[int]:
    cells = (
        page.get_by_test_id("ranking").locator("tbody tr:not(.pinned-row) td:nth-child(4)").all_inner_texts()
    )
    values = []
    for text in cells:
        text = text.replace("†", "").strip()
        values.append(0 if text == "=" else int(text[1:]) * (1 if text.startswith("▲") else -1))
    return values


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_visitor_sorts_filters_searches_downloads_on_a_phone_and_prints(new_page, tmp_path):  # type: ignore[no-untyped-def]
    par_data_load(with_demo=True)  # a transactional test may start from a flushed database
    results_recompute_all()
    page = new_page()
    page.goto(RANKING)
    expect(page.get_by_test_id("demo-banner")).to_be_visible()
    ranking = page.get_by_test_id("ranking")
    expect(ranking.locator("tbody tr:not(.pinned-row)")).to_have_count(63)
    assert (
        page.evaluate("() => getComputedStyle(document.querySelector('.table-scroll')).overflowX") == "auto"
    )

    # Sorts by rank change: the first click ascending, the second descending (biggest rise first); by keyboard.
    page.get_by_role("link", name="Thay đổi hạng").click()
    expect(page).to_have_url(re.compile(r"sap_xep=thay_doi_hang"))
    ascending = _rank_changes(page)
    assert ascending == sorted(ascending)
    page.get_by_role("link", name="Thay đổi hạng").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"sap_xep=-thay_doi_hang"))
    descending = _rank_changes(page)
    assert descending == sorted(descending, reverse=True) and descending[0] > 0
    expect(page.locator('th[aria-sort="descending"]')).to_contain_text("Thay đổi hạng")

    # Filters a region: the sort stays.
    page.get_by_label("Vùng", exact=True).select_option(label="Tây Nguyên")
    page.get_by_role("button", name="Lọc").click()
    expect(page).to_have_url(re.compile(r"vung=tay-nguyen"))
    expect(page).to_have_url(re.compile(r"sap_xep=-thay_doi_hang"))
    regions = ranking.locator("tbody tr:not(.pinned-row) td:nth-child(7)").all_inner_texts()
    assert regions and set(regions) == {"Tây Nguyên"}
    expect(ranking.locator("tr.pinned-row")).to_have_count(2)  # national and regional averages

    # Searches without diacritics.
    page.get_by_label("Tìm tỉnh, thành phố").fill("dak lak")
    page.get_by_role("button", name="Lọc").click()
    expect(ranking.locator("tbody tr:not(.pinned-row) th")).to_have_text(["Đắk Lắk"])

    # Downloads the CSV of what the table shows.
    with page.expect_download() as download_info:
        page.get_by_test_id("download-csv").click()
    download = download_info.value
    assert download.suggested_filename == "par-index-2024-demo.csv"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["Dữ liệu", "Hạng", "Tỉnh, thành phố"]
    assert [row[2] for row in rows[1:]] == ["Trung bình cả nước", "Trung bình vùng Tây Nguyên", "Đắk Lắk"]
    assert {row[0] for row in rows[1:]} == {"MINH HỌA (DEMO)"}

    # axe-core on the desktop page.
    page.goto(RANKING)
    assert _serious_violations(page) == []

    # A 375 px phone: the page never scrolls sideways; the table scrolls in its own box.
    phone = new_page()
    phone.set_viewport_size(PHONE)
    for url in (RANKING, "/xep-hang/par-index/2025/linh-vuc/?loai=demo", "/phuong-phap/", "/"):
        phone.goto(url)
        _no_page_wide_scroll(phone)
    phone.goto(RANKING)
    box = phone.locator(".table-scroll").first
    assert box.evaluate("(node) => node.scrollWidth > node.clientWidth")  # the table scrolls inside its box
    assert _serious_violations(phone) == []
    phone.goto("/xep-hang/par-index/2025/linh-vuc/?loai=demo")
    assert _serious_violations(phone) == []
    phone.goto("/xep-hang/par-index/2012/")  # official, partial, with disagreeing sources
    assert _serious_violations(phone) == []

    # Printed on A4: the 63-unit ranking fits one portrait page, with the dates and the demo label; an official
    # year lists its sources; no forms.
    printer = new_page()
    printer.set_viewport_size(A4_CONTENT)
    printer.emulate_media(media="print")
    printer.goto(RANKING)
    _no_page_wide_scroll(printer)
    footer = printer.get_by_test_id("print-footer")
    expect(footer).to_be_visible()
    expect(footer).to_contain_text("Kết quả tính ngày")
    expect(footer).to_contain_text(re.compile(r"In ngày \d\d/\d\d/\d{4}"))
    expect(footer).to_contain_text("DỮ LIỆU MINH HỌA (DEMO)")
    assert footer.evaluate("(node) => node.getBoundingClientRect().bottom") <= A4_CONTENT["height"]
    expect(printer.locator("form.filters").first).to_be_hidden()
    printer.goto("/xep-hang/par-index/2023/")
    _no_page_wide_scroll(printer)
    expect(printer.get_by_test_id("print-footer").locator(".print-sources li").first).to_contain_text(
        "https://"
    )
    printer.goto("/xep-hang/par-index/2025/linh-vuc/?loai=demo")
    _no_page_wide_scroll(printer)
    assert printer.pdf(format="A4", print_background=True).startswith(b"%PDF")
