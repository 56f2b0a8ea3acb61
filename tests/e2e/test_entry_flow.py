"""What people do: an editor enters a unit's scores in the year grid, meets a validation error, corrects it
and saves; an approver publishes; the public ranking shows the new values."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from parindex.entry.services import editor_assign
from parindex.register.loading import par_data_load
from parindex.register.models import (
    Criterion,
    Edition,
    EditionKind,
    EditionStatus,
    MaxPointsStatus,
    Methodology,
    Unit,
)
from tests.entry.entry_helpers import ensure_par_index

PASSWORD = "mat-khau-trinh-duyet-2025"
# Maxima of the 2022+ methodology are not in our sources; the test sets provisional ones (those of QĐ 2948).
MAXIMA = ("10", "10", "14.5", "11", "16", "7", "16", "15.5")
# Hà Nội, 80% of every maximum except domain 1 (8,5 of 10): 80,5 points of 100 → index 80,50%.
POINTS = ("8,5", "8", "11,6", "8,8", "12,8", "5,6", "12,8", "12,4")


def _setup() -> tuple[Edition, Unit]:
    par_data_load(with_demo=False)  # idempotent; a transactional test may start from a flushed database
    methodology = Methodology.objects.get(code="QĐ 876/QĐ-BNV")
    for number, maximum in enumerate(MAXIMA, start=1):
        Criterion.objects.filter(methodology=methodology, number=number).update(
            max_points=Decimal(maximum), max_points_status=MaxPointsStatus.PROVISIONAL
        )
    edition = Edition.objects.create(
        index=ensure_par_index(),
        year=2025,
        kind=EditionKind.OFFICIAL,
        status=EditionStatus.DRAFT,
        methodology=methodology,
    )
    editor = User.objects.create_user("bien-tap", password=PASSWORD)
    editor_assign(user=editor, edition=edition)
    approver = User.objects.create_user("phe-duyet", password=PASSWORD)
    approver.groups.add(Group.objects.get_or_create(name="approver")[0])
    unit = Unit.objects.valid_in_year(2025).get(name="Hà Nội")
    return edition, unit


def _log_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/tai-khoan/dang-nhap/?next=/nhap-lieu/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Các kỳ đánh giá")).to_be_visible()


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_editor_enters_scores_approver_publishes_public_sees_them(new_page, tasks_inline):  # type: ignore[no-untyped-def]
    edition, unit = _setup()
    pid = unit.pk

    # The editor logs in and opens the grid of the 2025 official edition.
    editor = new_page()
    _log_in(editor, "bien-tap")
    editor.locator(f'tr[data-edition="{edition.pk}"]').get_by_role("link", name="Nhập liệu").click()
    expect(editor.get_by_role("heading", name=re.compile("Bảng nhập liệu"))).to_be_visible()

    # Types the scores with a value above the maximum in domain 1, saves, and sees the error at that cell.
    for number, value in enumerate(POINTS, start=1):
        editor.locator(f'[name="p-{pid}-d{number}"]').fill(value)
    cell = editor.locator(f'[name="p-{pid}-d1"]')
    cell.fill("12")
    editor.get_by_role("button", name="Lưu").click()
    expect(editor.get_by_test_id("error-summary")).to_contain_text("vượt quá điểm tối đa 10")
    expect(cell).to_have_attribute("aria-invalid", "true")
    expect(editor.locator(f"#p-{pid}-d1-error")).to_contain_text("vượt quá điểm tối đa 10")
    assert not edition.assessments.exists()

    # Corrects it with a decimal comma and saves.
    cell.fill("8,5")
    editor.get_by_role("button", name="Lưu").click()
    expect(editor.locator(".messages")).to_contain_text("Đã lưu: 1 đơn vị mới")
    expect(editor.locator(f'[name="p-{pid}-d1"]')).to_have_value("8,50")
    assert edition.assessments.get().scores.get(criterion__number=1).points == Decimal("8.5")

    # Not public yet: the public ranking has no 2025 official edition.
    visitor = new_page()
    visitor.goto("/?nam=2025&loai=official")
    expect(visitor.get_by_role("heading", level=2)).not_to_contain_text("2025 · Chính thức")

    # The approver logs in and publishes.
    approver = new_page()
    _log_in(approver, "phe-duyet")
    approver.locator(f'tr[data-edition="{edition.pk}"]').get_by_role("button", name="Công bố").click()
    expect(approver.locator(".messages")).to_contain_text("Đã công bố")
    edition.refresh_from_db()
    assert edition.status == EditionStatus.PUBLISHED

    # The public ranking shows the new values.
    visitor.goto("/?nam=2025&loai=official")
    expect(visitor.get_by_role("heading", level=2)).to_contain_text("PAR INDEX 2025")
    row = visitor.get_by_test_id("ranking").locator("tbody tr", has_text="Hà Nội")
    expect(row).to_contain_text("80,50")
