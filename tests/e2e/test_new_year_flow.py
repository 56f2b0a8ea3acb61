"""A new official year from nothing to published, through the app only (never /quan-tri/): an approver creates
the edition and chooses its criteria set, an administrator enters the maxima the sources do not give, the
approver assigns an editor, the editor imports a full table in which two published ranks disagree with the
computed ones, sees them flagged before and after saving, corrects a value in the grid, the approver explains a
difference and publishes, and the history shows the old and the new value."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from parindex.register.loading import par_data_load
from parindex.register.models import PAR_INDEX, Edition, EditionKind, EditionStatus, Methodology, Unit

PASSWORD = "mat-khau-nam-moi-2025"
YEAR = 2025
# QĐ 876/QĐ-BNV: four maxima are sourced (domains 3, 4, 5, 8); the administrator enters the other four.
KNOWN = {3: Decimal("13"), 4: Decimal("10.5"), 5: Decimal("15"), 8: Decimal("16.5")}
ENTERED = {1: Decimal("10"), 2: Decimal("11"), 6: Decimal("7"), 7: Decimal("17")}
MAXIMA = KNOWN | ENTERED
SOURCE = "https://example.gov.vn/quyet-dinh-876-phu-luc"


def _user(username: str, *groups: str) -> User:
    user = User.objects.create_user(username, password=PASSWORD)
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def _log_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/tai-khoan/dang-nhap/?next=/nhap-lieu/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Các kỳ đánh giá")).to_be_visible()


def _table(units: list[Unit]) -> bytes:
    """Every unit of 2025 with all eight domains; unit i scores (95 − i)% of each maximum, so the computed ranks
    follow the order of the list. Two published ranks disagree: the first unit "published" 16th, the third 1st."""
    head = ["Tỉnh, thành phố", "Năm", *(f"Lĩnh vực {n}" for n in range(1, 9)), "Chỉ số (%)", "Xếp hạng"]
    lines = [";".join(head)]
    published = {0: "16", 2: "1"}
    for i, unit in enumerate(units):
        share = (Decimal(95) - i) / 100
        points = [(MAXIMA[n] * share).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for n in range(1, 9)]
        cells = [unit.name, str(YEAR), *(str(p).replace(".", ",") for p in points), "", published.get(i, "")]
        lines.append(";".join(cells))
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_new_year_goes_from_nothing_to_published_through_the_app(new_page, tasks_inline):  # type: ignore[no-untyped-def]
    par_data_load(with_demo=False)  # a transactional test may start from a flushed database
    _user("phe-duyet", "approver")
    _user("quan-tri-vien", "admin")
    editor_user = _user("bien-tap")
    methodology = Methodology.objects.get(index__code=PAR_INDEX, code="QĐ 876/QĐ-BNV")
    units = list(Unit.objects.valid_in_year(YEAR).filter(level="province").order_by("code"))
    assert len(units) == 34

    # 1. The approver creates the 2025 official draft, without a criteria set at first.
    approver = new_page()
    _log_in(approver, "phe-duyet")
    approver.get_by_role("link", name="Tạo kỳ đánh giá (bản nháp)").click()
    approver.get_by_label("Năm").fill(str(YEAR))
    approver.get_by_label("Loại").select_option("official")
    approver.get_by_role("button", name=re.compile("Tạo")).click()
    edition = Edition.objects.get(index__code=PAR_INDEX, year=YEAR, kind=EditionKind.OFFICIAL)
    assert edition.methodology_id is None

    # 2. On the edition page it chooses QĐ 876, which covers 2022–2030, and sees the maxima still unknown.
    approver.goto(f"/nhap-lieu/{edition.pk}/")
    form = approver.get_by_test_id("methodology-form")
    form.locator("select").first.select_option(str(methodology.pk))
    form.get_by_role("button", name="Lưu bộ tiêu chí").click()
    expect(approver.get_by_test_id("setup-methodology")).to_contain_text("QĐ 876/QĐ-BNV")
    expect(approver.get_by_test_id("setup-unknown-maxima")).to_contain_text("Lĩnh vực 1")
    edition.refresh_from_db()
    assert edition.methodology_id == methodology.pk

    # 3. The administrator enters the four unknown maxima with their source.
    admin = new_page()
    _log_in(admin, "quan-tri-vien")
    admin.goto(f"/nhap-lieu/{edition.pk}/")
    admin.get_by_role("link", name="Nhập điểm tối đa kèm nguồn").click()
    for number, maximum in ENTERED.items():
        admin.get_by_label(f"Lĩnh vực {number}: điểm tối đa").fill(str(maximum).replace(".", ","))
        admin.get_by_label(f"Lĩnh vực {number}: trạng thái").select_option("published")
        admin.get_by_label(f"Lĩnh vực {number}: nguồn").fill(SOURCE)
    admin.get_by_role("button", name="Lưu điểm tối đa").click()
    expect(admin.get_by_test_id("unknown-maxima")).to_have_count(0)
    assert dict(methodology.criteria.values_list("number", "max_points")) == MAXIMA

    # 4. The approver assigns the editor to every unit of the edition.
    approver.goto(f"/nhap-lieu/{edition.pk}/")
    assign = approver.get_by_test_id("assign-form")
    assign.get_by_label("Người dùng").select_option(str(editor_user.pk))
    assign.get_by_role("button", name="Phân công").click()
    expect(approver.get_by_test_id("assignments")).to_contain_text("bien-tap")

    # 5. The editor uploads the full table; the preview flags the two published ranks that disagree.
    editor = new_page()
    _log_in(editor, "bien-tap")
    editor.goto(f"/nhap-lieu/tep/{edition.pk}/nhap/")
    editor.set_input_files(
        'input[type="file"]',
        files=[{"name": "par-index-2025.csv", "mimeType": "text/csv", "buffer": _table(units)}],
    )
    editor.get_by_role("button", name="Xem trước").click()
    differences = editor.get_by_test_id("rank-differences")
    expect(differences).to_contain_text(units[0].name)
    expect(differences).to_contain_text(units[2].name)
    editor.get_by_role("button", name="Xác nhận nhập").click()
    expect(editor.locator(".messages")).to_contain_text("Đã nhập: 34 đơn vị mới")

    # 6. Saved and recomputed: the edition page lists both differences with the two ranks.
    editor.goto(f"/nhap-lieu/{edition.pk}/")
    table = editor.get_by_test_id("rank-differences")
    first = table.locator(f'tr[data-unit="{units[0].pk}"]')
    expect(first).to_contain_text("16")  # published
    expect(first.locator("td").nth(1)).to_have_text("1")  # computed
    third = table.locator(f'tr[data-unit="{units[2].pk}"]')
    expect(third.locator("td").nth(0)).to_have_text("1")
    expect(third.locator("td").nth(1)).to_have_text("3")

    # 7. The editor corrects one value in the grid and saves.
    editor.goto(f"/nhap-lieu/{edition.pk}/bang/")
    cell = editor.locator(f'[name="p-{units[5].pk}-d1"]')
    old = cell.input_value()
    cell.fill("5,5")
    editor.get_by_role("button", name="Lưu").click()
    expect(editor.locator(".messages")).to_contain_text("Đã lưu")

    # 8. The approver explains the difference of the first unit, then publishes.
    approver.goto(f"/nhap-lieu/{edition.pk}/")
    approver.get_by_test_id("rank-differences").locator(f'tr[data-unit="{units[0].pk}"]').get_by_role(
        "link", name="Giải thích"
    ).click()
    approver.get_by_label("Lý do chênh lệch").fill("Bộ Nội vụ điều chỉnh điểm khảo sát sau khi công bố.")
    approver.get_by_role("button", name="Lưu lý do").click()
    expect(approver.get_by_test_id("rank-differences")).to_contain_text("Bộ Nội vụ điều chỉnh")
    approver.goto("/nhap-lieu/")
    approver.locator(f'tr[data-edition="{edition.pk}"]').get_by_role("button", name="Công bố").click()
    expect(approver.locator(".messages")).to_contain_text("Đã công bố")
    edition.refresh_from_db()
    assert edition.status == EditionStatus.PUBLISHED

    # 9. The history shows the corrected value's old and new points.
    approver.goto(f"/nhap-lieu/{edition.pk}/lich-su/")
    change = approver.locator("tbody tr", has_text=units[5].name).filter(has_text="Lĩnh vực 1").first
    expect(change).to_contain_text(old)
    expect(change).to_contain_text("5,50")
