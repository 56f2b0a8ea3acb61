"""The import preview sets the ranks a file would give against the published ranks already stored (press
figures, then a full domain table: the case of the issue, where 3 of 4 computed ranks differed), and tells an
editor whose edition has no criteria set where to choose one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from parindex.entry.services import RowInput, par_index, scores_save
from parindex.register.models import (
    Assessment,
    Criterion,
    Edition,
    EditionKind,
    EditionStatus,
    ImportJobStatus,
    Methodology,
    Score,
    Unit,
)
from parindex.register.selectors import units_of
from parindex.transfer import importing
from scoring.models import YearResult
from tests.transfer.test_import import PASSWORD, all_messages, counts, upload, xlsx_bytes
from tests.transfer.test_spreadsheets import HEAD

pytestmark = pytest.mark.django_db

YEAR = 2024  # 63 units, under the demo criteria set (maxima 10/10/14.5/11/16/7/16/15.5: 100 in all)
MAXIMA = (
    Decimal(10),
    Decimal(10),
    Decimal("14.5"),
    Decimal(11),
    Decimal(16),
    Decimal(7),
    Decimal(16),
    Decimal("15.5"),
)
DOMAINS_ONLY = [HEAD[0], *HEAD[2:10]]  # "Tỉnh, thành phố", "Lĩnh vực 1".."Lĩnh vực 8"


@pytest.fixture
def admin() -> User:
    return User.objects.create_superuser("quan-tri-hang", password=PASSWORD)


@pytest.fixture
def edition() -> Edition:
    return Edition.objects.create(
        index=par_index(),
        year=YEAR,
        kind=EditionKind.SELF,
        status=EditionStatus.DRAFT,
        methodology=Methodology.objects.get(code="DEMO"),
    )


def year_units(edition: Edition) -> list[Unit]:
    return list(units_of(edition).order_by("code"))


def press_figures(edition: Edition, user: User, listed: list[Unit]) -> None:
    """Published index and rank of every unit, in code order (ranks 1..n), nothing else: the press figures."""
    rows = [
        RowInput(unit.pk, Decimal(90) - Decimal("0.5") * position, position + 1, {})
        for position, unit in enumerate(listed)
    ]
    scores_save(edition=edition, rows=rows, user=user)


def domain_rows(listed: list[Unit], slots: list[int]) -> list[list[object]]:
    """A domain table: the unit at each position gets the points of rank `slots[position] + 1` (95 % of every
    maximum for the first, one point less for each next one), written with a decimal comma."""
    rows: list[list[object]] = []
    for position, unit in enumerate(listed):
        share = Decimal("0.95") - Decimal("0.01") * slots[position]
        points = [str((m * share).quantize(Decimal("0.01"))).replace(".", ",") for m in MAXIMA]
        rows.append([unit.name, *points])
    return rows


def swapped(count: int, *pairs: tuple[int, int]) -> list[int]:
    slots = list(range(count))
    for a, b in pairs:
        slots[a], slots[b] = slots[b], slots[a]
    return slots


def test_the_preview_lists_each_unit_whose_computed_rank_would_differ_with_both_ranks(
    edition: Edition, admin: User
) -> None:
    listed = year_units(edition)
    press_figures(edition, admin, listed)
    # published 3 → computed 16 and back; published 1 → 37 and back: the trial's figures
    content = xlsx_bytes(domain_rows(listed, swapped(len(listed), (2, 15), (0, 36))), head=DOMAINS_ONLY)
    before = counts()

    preview = importing.import_preview(edition=edition, upload=upload(content), user=admin)

    assert preview.ok, all_messages(preview)
    assert preview.rank_checked
    assert [(d.unit_name, d.published_rank, d.rank) for d in preview.rank_differences] == [
        (listed[0].name, 1, 37),
        (listed[2].name, 3, 16),
        (listed[15].name, 16, 3),
        (listed[36].name, 37, 1),
    ]
    assert counts() == before  # a preview writes nothing
    assert not YearResult.objects.filter(edition=edition).exists()


def test_the_preview_page_shows_the_differences_and_the_stored_job_keeps_them(
    edition: Edition, admin: User, client: Any
) -> None:
    listed = year_units(edition)
    press_figures(edition, admin, listed)
    content = xlsx_bytes(domain_rows(listed, swapped(len(listed), (2, 15))), head=DOMAINS_ONLY)
    client.force_login(admin)
    response = client.post(
        reverse("transfer:upload", args=[edition.pk]), {"file": upload(content)}, follow=True
    )
    page = response.content.decode()
    assert "Sau khi nhập, thứ hạng tính toán sẽ khác thứ hạng công bố ở 2 đơn vị:" in page
    table = page.split('data-testid="rank-differences"')[1].split("</table>")[0]
    assert f'<th scope="row">{listed[2].name}</th><td class="num">3</td><td class="num">16</td>' in table
    assert f'<th scope="row">{listed[15].name}</th><td class="num">16</td><td class="num">3</td>' in table


def test_a_file_that_keeps_the_published_order_says_the_ranks_agree(edition: Edition, admin: User) -> None:
    listed = year_units(edition)
    press_figures(edition, admin, listed)
    content = xlsx_bytes(domain_rows(listed, list(range(len(listed)))), head=DOMAINS_ONLY)
    preview = importing.import_preview(edition=edition, upload=upload(content), user=admin)
    assert preview.ok and preview.rank_checked and preview.rank_differences == []


def test_ranks_are_not_compared_while_the_edition_would_be_incomplete(edition: Edition, admin: User) -> None:
    listed = year_units(edition)
    press_figures(edition, admin, listed[:10])
    content = xlsx_bytes(domain_rows(listed[:10], swapped(10, (2, 5))), head=DOMAINS_ONLY)
    preview = importing.import_preview(edition=edition, upload=upload(content), user=admin)
    assert preview.ok, all_messages(preview)
    assert not preview.rank_checked and preview.rank_differences == []
    assert "kỳ đánh giá có kết quả của 10/63 đơn vị" in preview.rank_note


def test_ranks_that_cannot_be_computed_are_a_warning_not_a_server_error(
    edition: Edition, admin: User
) -> None:
    listed = year_units(edition)
    press_figures(edition, admin, listed)
    # A unit already stored with domain points that a maximum lowered since no longer allows.
    scores_save(
        edition=edition,
        rows=[RowInput(listed[0].pk, None, 1, {str(n): m for n, m in enumerate(MAXIMA, start=1)})],
        user=admin,
    )
    Criterion.objects.filter(methodology=edition.methodology, number=1).update(max_points=Decimal("9.5"))
    content = xlsx_bytes(domain_rows(listed[1:], list(range(1, len(listed)))), head=DOMAINS_ONLY)
    preview = importing.import_preview(edition=edition, upload=upload(content), user=admin)
    assert preview.ok, all_messages(preview)
    assert any(
        "Chưa tính thử được thứ hạng sau khi nhập" in w and listed[0].name in w for w in preview.warnings
    )


def test_a_confirmed_import_keeps_the_published_ranks_and_writes_the_points(
    edition: Edition, admin: User
) -> None:
    listed = year_units(edition)
    press_figures(edition, admin, listed)
    content = xlsx_bytes(domain_rows(listed, swapped(len(listed), (2, 15))), head=DOMAINS_ONLY)
    job = importing.import_job_create(edition=edition, upload=upload(content), user=admin)
    job = importing.import_job_run(job)
    assert importing.job_preview(job).rank_differences
    job = importing.import_job_run(importing.import_confirm(job=job, user=admin))
    assert job.status == ImportJobStatus.DONE, job.messages
    assert Score.objects.filter(assessment__edition=edition).count() == 63 * 8
    assert Assessment.objects.get(edition=edition, unit=listed[2]).published_rank == 3  # kept


def test_an_old_stored_preview_without_rank_fields_still_reads() -> None:
    preview = importing.ImportPreview.from_json({"edition_id": 1, "filename": "cu.xlsx", "rows": []})
    assert (preview.rank_checked, preview.rank_differences, preview.rank_note) == (False, [], "")


def test_domain_points_without_a_criteria_set_say_where_an_approver_chooses_one(admin: User) -> None:
    edition = Edition.objects.create(
        index=par_index(), year=2019, kind=EditionKind.SELF, status=EditionStatus.DRAFT
    )
    content = xlsx_bytes([["Hà Nội", *["8"] * 8]], head=DOMAINS_ONLY)
    preview = importing.import_preview(edition=edition, upload=upload(content), user=admin)
    [message] = [m for m in preview.errors if "chưa có bộ tiêu chí" in m]
    assert "người phê duyệt cần chọn bộ tiêu chí trên trang kỳ đánh giá" in message
    assert f"(/nhap-lieu/{edition.pk}/)" in message
    assert "bỏ các cột lĩnh vực" in message
    assert not preview.rank_checked
