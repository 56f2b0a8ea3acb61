"""Spreadsheet import (parindex.transfer.importing and the transfer views): every bad input refused with a clear message
and nothing saved; aliases; units of the wrong year; importing twice changes nothing; the large-file path runs
as a task with a progress endpoint."""

from __future__ import annotations

import os
import tempfile
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.urls import reverse

from parindex.celery import app as celery_app
from parindex.entry.services import editor_assign, par_index
from parindex.register.models import (
    Assessment,
    Edition,
    EditionKind,
    EditionStatus,
    ImportJob,
    ImportJobStage,
    ImportJobStatus,
    Methodology,
    Score,
    Unit,
)
from parindex.transfer import importing
from parindex.transfer.spreadsheets import SpreadsheetError
from tests.transfer.test_spreadsheets import HEAD, POINTS, csv_bytes, data_row, xlsx_bytes

pytestmark = pytest.mark.django_db

PASSWORD = "mat-khau-thu-nghiem-2025"


# --- Fixtures and helpers ---------------------------------------------------------------------------------------


def make_edition(year: int = 2024, kind: str = EditionKind.SELF) -> Edition:
    """A draft edition under the demo methodology (maxima 10/10/14.5/11/16/7/16/15.5, years 2018–2025)."""
    return Edition.objects.create(
        index=par_index(),
        year=year,
        kind=kind,
        status=EditionStatus.DRAFT,
        methodology=Methodology.objects.get(code="DEMO"),
    )


@pytest.fixture
def edition() -> Edition:
    return make_edition()


@pytest.fixture
def admin_user() -> User:
    return User.objects.create_superuser("quan-tri", password=PASSWORD)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def upload(content: bytes, name: str = "ket-qua.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def counts() -> tuple[int, ...]:
    """Everything an import could write, history included."""
    return (
        Assessment.objects.count(),
        Score.objects.count(),
        Assessment.history.count(),
        Score.history.count(),
    )


def all_messages(preview: importing.ImportPreview) -> str:
    return " | ".join([*preview.errors, *(e for r in preview.rows for e in r.errors)])


def run_import(edition: Edition, content: bytes, user: User, name: str = "ket-qua.xlsx") -> ImportJob:
    """Upload, preview and confirm, the way the views do it (inline)."""
    job = importing.import_job_create(edition=edition, upload=upload(content, name), user=user)
    job = importing.import_job_run(job)
    assert job.status == ImportJobStatus.DONE
    job = importing.import_confirm(job=job, user=user)
    return importing.import_job_run(job)


def stored(edition: Edition, name: str) -> tuple[Decimal | None, int | None, dict[int, Decimal]]:
    a = Assessment.objects.get(edition=edition, unit__name=name)
    return a.published_index, a.published_rank, {s.criterion.number: s.points for s in a.scores.all()}


GOOD_ROWS = [
    data_row("Hà Nội"),
    data_row("Hải Phòng", points=["9", "9", "13", "10", "15", "6,5", "14", "14"]),
]


# --- Bad input: each refused with a clear message, and nothing saved ------------------------------------------

BAD_INPUTS = {
    "score-above-domain-maximum": (
        lambda: xlsx_bytes([*GOOD_ROWS, data_row("Quảng Nam", points=["10,5", *POINTS[1:]])]),
        "vượt quá điểm tối đa",
    ),
    "score-below-zero": (
        lambda: xlsx_bytes([*GOOD_ROWS, data_row("Quảng Nam", points=["8", "-1", *POINTS[2:]])]),
        "Lĩnh vực 2",
    ),
    "text-in-a-score": (
        lambda: xlsx_bytes([*GOOD_ROWS, data_row("Quảng Nam", points=["tám", *POINTS[1:]])]),
        "không phải là số hợp lệ",
    ),
    "nan": (
        lambda: csv_bytes([*GOOD_ROWS, data_row("Quảng Nam", points=["NaN", *POINTS[1:]])]),
        "“NaN” không phải là số hợp lệ",
    ),
    "inf": (
        lambda: csv_bytes([*GOOD_ROWS, data_row("Quảng Nam", index="inf")]),
        "“inf” không phải là số hợp lệ",
    ),
    "index-above-100": (
        lambda: csv_bytes([*GOOD_ROWS, data_row("Quảng Nam", index="100,5")]),
        "từ 0 đến 100",
    ),
    "rank-not-whole": (
        lambda: csv_bytes([*GOOD_ROWS, data_row("Quảng Nam", rank="2,5")]),
        "Thứ hạng phải là số nguyên từ 1 trở lên (nhận được “2,5”)",
    ),
    "rank-beyond-the-units": (
        lambda: csv_bytes([*GOOD_ROWS, data_row("Quảng Nam", rank="64")]),
        "lớn hơn số đơn vị",
    ),
    "empty-required-domain-cell": (
        lambda: xlsx_bytes(
            [*GOOD_ROWS, data_row("Quảng Nam", points=["8", "9", None, *POINTS[3:]], index=None)]
        ),
        "thiếu điểm Lĩnh vực 3",
    ),
    "empty-unit-name": (lambda: xlsx_bytes([*GOOD_ROWS, data_row(None)]), "Tên tỉnh, thành phố bị trống"),
    "unknown-unit": (lambda: xlsx_bytes([*GOOD_ROWS, data_row("Tỉnh Mộng Mơ")]), "Không tìm thấy"),
    "same-unit-twice-two-spellings": (
        lambda: xlsx_bytes([*GOOD_ROWS, data_row("Đắk Lắk"), data_row("dak lak")]),
        "xuất hiện nhiều lần",
    ),
    "file-not-a-spreadsheet": (lambda: os.urandom(20_000), "không phải là tệp bảng tính"),
    "zip-renamed-xlsx": (lambda: b"PK\x03\x04" + os.urandom(3000), "không phải là tệp bảng tính"),
    "formula": (
        lambda: xlsx_bytes([*GOOD_ROWS, data_row("Quảng Nam", points=["=4+4", *POINTS[1:]])]),
        "chứa công thức",
    ),
    "merged-header-cells": (lambda: xlsx_bytes(GOOD_ROWS, merge="C1:D1"), "ô gộp"),
    "year-column-of-another-year": (
        lambda: xlsx_bytes([data_row("Hà Nội", year=2023), data_row("Quảng Nam", year=2023)]),
        "năm 2023",
    ),
    "one-row-of-another-year": (
        lambda: csv_bytes([*GOOD_ROWS, data_row("Quảng Nam", year=2022)]),
        "năm 2022",
    ),
    "title-of-another-year": (
        lambda: xlsx_bytes(
            [r[:1] + r[2:] for r in GOOD_ROWS],
            above=[["PAR INDEX 2023"]],
            head=[h for h in HEAD if h != "Năm"],
        ),
        "năm 2023",
    ),
    "sheet-named-for-another-year": (lambda: xlsx_bytes(GOOD_ROWS, sheet_name="PAR INDEX 2023"), "năm 2023"),
    "no-header-row": (lambda: csv_bytes(GOOD_ROWS, head=["A", "B", "C"]), "Không tìm thấy dòng tiêu đề"),
}


@pytest.mark.parametrize(("make_content", "message"), BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(edition, admin_user, make_content, message):
    content = make_content()
    preview = importing.import_preview(edition=edition, upload=upload(content), user=admin_user)
    assert not preview.ok
    assert message in all_messages(preview)

    before = counts()
    try:
        job = importing.import_job_create(edition=edition, upload=upload(content), user=admin_user)
    except SpreadsheetError as error:
        # A zip that is not a workbook is refused at the upload (check_upload), before a job is stored.
        assert message in str(error)
        assert not ImportJob.objects.exists()
        assert counts() == before
        return
    job = importing.import_job_run(job)
    # Even a forced confirmation (a forged POST) re-checks the file and saves nothing.
    job = importing.import_job_run(importing.import_confirm(job=job, user=admin_user))
    assert job.status == ImportJobStatus.FAILED
    assert counts() == before


def test_the_error_is_on_the_row_that_has_it(edition, admin_user):
    content = xlsx_bytes([*GOOD_ROWS, data_row("Quảng Nam", points=["10,5", *POINTS[1:]])])
    preview = importing.import_preview(edition=edition, upload=upload(content), user=admin_user)
    by_line = {r.line: r for r in preview.rows}
    assert [r.status for r in preview.rows] == ["new", "new", "error"]
    assert (
        by_line[4].errors == ["Lĩnh vực 1: điểm 10,5 vượt quá điểm tối đa 10,00."]
        or "10,5" in by_line[4].errors[0]
    )
    (bad_cell,) = [c for c in by_line[4].cells if c.error]
    assert bad_cell.field == "d1"


def test_duplicates_are_marked_on_both_rows(edition, admin_user):
    content = xlsx_bytes([data_row("Đắk Lắk"), data_row("Hà Nội"), data_row("DAK LAK")])
    preview = importing.import_preview(edition=edition, upload=upload(content), user=admin_user)
    assert [bool(r.errors) for r in preview.rows] == [True, False, True]
    assert "dòng 2, 4" in preview.rows[0].errors[0]


def test_a_file_of_50_mb_is_refused_by_its_size_before_it_is_read(edition, admin_client):
    """Django keeps a large upload in a temporary file; the view refuses it by size and stores nothing."""
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        handle.truncate(50 * 1024 * 1024)  # a sparse file: 50 MB of zeros without writing them
        handle.seek(0)
        response = admin_client.post(reverse("transfer:upload", args=[edition.pk]), {"file": handle})
    assert response.status_code == 200
    assert "Tệp quá lớn (50 MB)" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_size_check_comes_before_reading_the_upload(edition, admin_user):
    class Unopened(TemporaryUploadedFile):
        def open(self, mode=None):
            raise AssertionError("the file was opened")

    big = Unopened("lon.xlsx", "application/octet-stream", 50 * 1024 * 1024, None)
    try:
        preview = importing.import_preview(edition=edition, upload=big, user=admin_user)
    finally:
        big.close()
    assert "quá lớn" in preview.errors[0]


# --- Good input ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "official"),
    [
        ("Đăk Lăk", "Đắk Lắk"),
        ("TP.HCM", "TP Hồ Chí Minh"),
        ("TP Hồ Chí Minh", "TP Hồ Chí Minh"),
        ("thành phố hồ chí minh", "TP Hồ Chí Minh"),
        ("Thua Thien - Hue", "Thừa Thiên Huế"),
        ("BR-VT", "Bà Rịa - Vũng Tàu"),
        ("  HÀ   NỘI ", "Hà Nội"),
    ],
    ids=[
        "dak-lak-other-accents",
        "tp-hcm",
        "tp-full",
        "lower-case",
        "no-diacritics",
        "abbreviation",
        "spaces",
    ],
)
def test_units_are_matched_through_aliases(edition, admin_user, written, official):
    job = run_import(edition, xlsx_bytes([data_row(written)]), admin_user)
    assert job.status == ImportJobStatus.DONE
    index, rank, points = stored(edition, official)
    assert (index, rank) == (Decimal("86.75"), 5)
    assert points[3] == Decimal("12.25")


@pytest.mark.parametrize(
    ("year", "name", "message"),
    [
        (2025, "Bình Phước", "không phải là đơn vị hành chính cấp tỉnh trong năm 2025"),
        (2020, "Tây Ninh (từ 01/07/2025)", "không phải là đơn vị hành chính cấp tỉnh trong năm 2020"),
        (2020, "Huế", "không phải là đơn vị hành chính cấp tỉnh trong năm 2020"),
    ],
    ids=["binh-phuoc-in-2025", "new-tay-ninh-in-2020", "new-hue-in-2020"],
)
def test_units_that_did_not_exist_that_year_are_refused(admin_user, year, name, message):
    edition = make_edition(year)
    before = counts()
    content = xlsx_bytes([data_row("Hà Nội", year=year), data_row(name, year=year)])
    preview = importing.import_preview(edition=edition, upload=upload(content), user=admin_user)
    assert message in preview.rows[1].errors[0]
    assert counts() == before


def test_the_2025_tay_ninh_is_the_merged_unit_in_2025(admin_user):
    edition = make_edition(2025)
    run_import(edition, xlsx_bytes([data_row("Tây Ninh (từ 01/07/2025)", year=2025)]), admin_user)
    assessment = Assessment.objects.get(edition=edition)
    assert assessment.unit.valid_from is not None and assessment.unit.code == "80"


@pytest.mark.parametrize(
    ("encoding", "name"),
    [("utf-8-sig", "import.csv"), ("cp1258", "import-windows.csv"), ("utf-8", "renamed.xlsx")],
    ids=["csv-utf8-bom", "csv-windows-1258", "csv-renamed-xlsx"],
)
def test_csv_in_other_encodings_is_read_by_content(edition, admin_user, encoding, name):
    content = csv_bytes([data_row("Đắk Lắk"), data_row("Thừa Thiên Huế")], encoding=encoding)
    job = run_import(edition, content, admin_user, name=name)
    assert job.status == ImportJobStatus.DONE, job.messages
    assert set(Assessment.objects.filter(edition=edition).values_list("unit__name", flat=True)) == {
        "Đắk Lắk",
        "Thừa Thiên Huế",
    }


def test_importing_the_same_file_twice_changes_nothing_the_second_time(edition, admin_user):
    content = xlsx_bytes(GOOD_ROWS)
    first = run_import(edition, content, admin_user)
    assert first.status == ImportJobStatus.DONE
    assert "2 đơn vị mới" in first.messages[0]
    before = counts()
    versions = dict(Assessment.objects.filter(edition=edition).values_list("unit_id", "version"))

    preview = importing.import_preview(edition=edition, upload=upload(content), user=admin_user)
    assert preview.ok and preview.to_write == 0
    assert {r.status for r in preview.rows} == {"unchanged"}
    second = run_import(edition, content, admin_user)
    assert second.status == ImportJobStatus.DONE
    assert "Không có thay đổi" in second.messages[0]
    assert counts() == before
    assert dict(Assessment.objects.filter(edition=edition).values_list("unit_id", "version")) == versions


def test_preview_shows_the_difference_from_what_is_stored(edition, admin_user):
    run_import(edition, xlsx_bytes(GOOD_ROWS), admin_user)
    changed = data_row("Hà Nội", points=["9", *POINTS[1:]], rank=4)
    preview = importing.import_preview(
        edition=edition,
        upload=upload(xlsx_bytes([changed, GOOD_ROWS[1], data_row("Quảng Nam")])),
        user=admin_user,
    )
    assert [r.status for r in preview.rows] == ["changed", "unchanged", "new"]
    diffs = {c.field: (c.old, c.new) for c in preview.rows[0].cells if c.changed}
    assert diffs == {"d1": ("8,50", "9,00"), "published_rank": ("5", "4")}


def test_empty_cells_keep_stored_values_and_name_only_rows_are_skipped(edition, admin_user):
    run_import(edition, xlsx_bytes(GOOD_ROWS), admin_user)
    only_rank = data_row("Hà Nội", points=[None] * 8, index=None, rank=3)
    job = run_import(
        edition,
        xlsx_bytes([only_rank, [None] * 12, ["Hải Phòng"], ["Ghi chú: số liệu tạm tính"]]),
        admin_user,
    )
    assert job.status == ImportJobStatus.DONE, job.messages
    index, rank, points = stored(edition, "Hà Nội")
    assert (index, rank, points[1]) == (Decimal("86.75"), 3, Decimal("8.5"))
    assert stored(edition, "Hải Phòng")[1] == 5


def test_index_and_rank_without_domain_columns_are_enough(admin_user):
    edition = Edition.objects.create(
        index=par_index(), year=2019, kind=EditionKind.SELF, status=EditionStatus.DRAFT
    )
    content = csv_bytes([["Hà Nội", "88,1", "7"], ["TP.HCM", "86", "9"]], head=["Tỉnh", "Chỉ số", "Xếp hạng"])
    job = run_import(edition, content, admin_user, name="tong-hop.csv")
    assert job.status == ImportJobStatus.DONE, job.messages
    assert stored(edition, "TP Hồ Chí Minh")[:2] == (Decimal("86"), 9)


def test_domain_points_for_an_edition_without_methodology_are_refused(admin_user):
    edition = Edition.objects.create(
        index=par_index(), year=2019, kind=EditionKind.SELF, status=EditionStatus.DRAFT
    )
    preview = importing.import_preview(edition=edition, upload=upload(xlsx_bytes(GOOD_ROWS)), user=admin_user)
    assert "chưa có bộ tiêu chí" in all_messages(preview)


def test_unknown_domain_maximum_is_an_error_naming_the_domain(admin_user):
    edition = Edition.objects.create(
        index=par_index(),
        year=2023,
        kind=EditionKind.SELF,
        status=EditionStatus.DRAFT,
        methodology=Methodology.objects.get(code="QĐ 876/QĐ-BNV"),
    )
    preview = importing.import_preview(edition=edition, upload=upload(xlsx_bytes(GOOD_ROWS)), user=admin_user)
    assert not preview.ok
    assert "Lĩnh vực 2 (Cải cách thể chế)" in all_messages(preview)
    assert "chưa có điểm tối đa" in all_messages(preview)


def test_a_published_edition_is_refused(admin_user):
    edition = make_edition(2023)
    edition.status = EditionStatus.PUBLISHED
    edition.save()
    preview = importing.import_preview(edition=edition, upload=upload(xlsx_bytes(GOOD_ROWS)), user=admin_user)
    assert "cần mở lại" in all_messages(preview)


def test_someone_saving_between_preview_and_confirm_stops_the_import(edition, admin_user):
    run_import(edition, xlsx_bytes(GOOD_ROWS), admin_user)
    job = importing.import_job_create(
        edition=edition, upload=upload(xlsx_bytes([data_row("Hà Nội", rank=2)])), user=admin_user
    )
    importing.import_job_run(job)
    Assessment.objects.filter(edition=edition, unit__name="Hà Nội").update(version=9, published_rank=1)
    job = importing.import_job_run(importing.import_confirm(job=job, user=admin_user))
    assert job.status == ImportJobStatus.FAILED
    assert "người khác" in " ".join(job.messages)
    assert stored(edition, "Hà Nội")[1] == 1


# --- Permissions ------------------------------------------------------------------------------------------------


def test_an_editor_may_import_only_the_provinces_assigned(edition):
    editor = User.objects.create_user("bien-tap", password=PASSWORD)
    editor.groups.add(Group.objects.get(name="editor"))
    editor_assign(user=editor, edition=edition, unit=Unit.objects.valid_in_year(2024).get(name="Hà Nội"))
    preview = importing.import_preview(edition=edition, upload=upload(xlsx_bytes(GOOD_ROWS)), user=editor)
    assert [bool(r.errors) for r in preview.rows] == [False, True]
    assert "không được phân công" in preview.rows[1].errors[0]


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("no-role", 403), ("leader", 403), ("admin", 200)],
    ids=["anonymous-to-login", "no-role", "leader-reads-only", "admin"],
)
def test_upload_page_is_for_users_who_may_edit(client, edition, who, status):
    if who != "anonymous":
        user = User.objects.create_user(who, password=PASSWORD, is_superuser=who == "admin")
        if who == "leader":
            user.groups.add(Group.objects.get(name="leader"))
        client.force_login(user)
    response = client.get(reverse("transfer:upload", args=[edition.pk]))
    assert response.status_code == status


def test_another_users_job_is_not_found(client, edition, admin_user):
    job = importing.import_job_create(edition=edition, upload=upload(xlsx_bytes(GOOD_ROWS)), user=admin_user)
    other = User.objects.create_user("khac", password=PASSWORD)
    other.groups.add(Group.objects.get(name="editor"))
    client.force_login(other)
    assert client.get(reverse("transfer:job", args=[job.pk])).status_code == 404
    assert client.get(reverse("transfer:job_status", args=[job.pk])).status_code == 404
    assert client.post(reverse("transfer:confirm", args=[job.pk])).status_code == 404


# --- Through the pages -----------------------------------------------------------------------------------------


def test_upload_preview_confirm_through_the_pages(admin_client, edition):
    url = reverse("transfer:upload", args=[edition.pk])
    response = admin_client.post(url, {"file": upload(xlsx_bytes([data_row("TP.HCM"), data_row("Đăk Lăk")]))})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("transfer:job", args=[job.pk])

    page = admin_client.get(response["Location"]).content.decode()
    assert "Xác nhận nhập" in page
    assert "TP Hồ Chí Minh" in page and "Đắk Lắk" in page
    assert Assessment.objects.filter(edition=edition).count() == 0  # nothing saved before the confirmation

    response = admin_client.post(reverse("transfer:confirm", args=[job.pk]))
    assert response.status_code == 302
    response = admin_client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0] == reverse("entry:edition_list")
    assert "2 đơn vị mới" in response.content.decode()
    assert Assessment.objects.filter(edition=edition).count() == 2
    job.refresh_from_db()
    assert job.stage == ImportJobStage.IMPORT and job.status == ImportJobStatus.DONE


def test_preview_page_lists_errors_and_offers_no_confirmation(admin_client, edition):
    content = xlsx_bytes([data_row("Hà Nội", points=["10,5", *POINTS[1:]]), data_row("Xứ Sở Thần Tiên")])
    response = admin_client.post(
        reverse("transfer:upload", args=[edition.pk]), {"file": upload(content)}, follow=True
    )
    page = response.content.decode()
    assert "vượt quá điểm tối đa" in page
    assert "Không tìm thấy tỉnh, thành phố “Xứ Sở Thần Tiên”" in page
    assert "Xác nhận nhập" not in page
    assert "Chưa lưu gì." in page


def test_a_file_that_is_not_a_spreadsheet_gets_a_clear_page(admin_client, edition):
    response = admin_client.post(
        reverse("transfer:upload", args=[edition.pk]),
        {"file": upload(b"%PDF-1.4 ...", "bao-cao.xlsx")},
        follow=True,
    )
    assert "không phải là tệp bảng tính" in response.content.decode()


def test_upload_to_a_published_edition_is_refused_on_the_form(admin_client):
    edition = make_edition(2023)
    edition.status = EditionStatus.PUBLISHED
    edition.save()
    response = admin_client.post(
        reverse("transfer:upload", args=[edition.pk]), {"file": upload(xlsx_bytes(GOOD_ROWS))}
    )
    assert response.status_code == 200
    assert "cần mở lại" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.fixture
def eager_tasks():
    """Celery runs tasks in the calling process (as without Redis), whatever REDIS_URL the tests run with."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def test_a_large_file_runs_as_a_task_and_the_progress_endpoint_reaches_100(
    admin_client, edition, settings, eager_tasks, django_capture_on_commit_callbacks
):
    settings.IMPORT_ASYNC_BYTES = 100  # every file is "large" here
    units = [p.name for p in Unit.objects.valid_in_year(2024).order_by("code")]
    content = csv_bytes([data_row(name) for name in units])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        admin_client.post(reverse("transfer:upload", args=[edition.pk]), {"file": upload(content, "63.csv")})
    assert len(callbacks) == 1  # the task was queued, after the job's row was committed
    job = ImportJob.objects.get()
    status = admin_client.get(reverse("transfer:job_status", args=[job.pk])).json()
    assert (status["stage"], status["status"], status["progress"], status["finished"]) == (
        "preview",
        "done",
        100,
        True,
    )
    assert status["total_rows"] == 63

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("transfer:confirm", args=[job.pk]))
    status = admin_client.get(reverse("transfer:job_status", args=[job.pk])).json()
    assert (status["stage"], status["status"], status["progress"]) == ("import", "done", 100)
    assert Assessment.objects.filter(edition=edition).count() == 63


def test_progress_page_carries_the_status_url_for_the_script(admin_client, edition, settings):
    settings.IMPORT_ASYNC_BYTES = 100
    job = ImportJob.objects.create(
        edition=edition, user=User.objects.get(username="quan-tri"), filename="x.csv", content=b"", size=200
    )
    page = admin_client.get(reverse("transfer:job", args=[job.pk])).content.decode()
    assert "<progress" in page
    assert f'data-status-url="{reverse("transfer:job_status", args=[job.pk])}"' in page
    assert "js/import_progress.js" in page
    assert "<script>" not in page  # no inline script


def test_running_a_finished_job_again_does_nothing(edition, admin_user):
    job = run_import(edition, xlsx_bytes(GOOD_ROWS), admin_user)
    before = counts()
    again = importing.import_job_run(job)
    assert again.status == ImportJobStatus.DONE
    assert counts() == before


def test_the_task_runs_a_job_by_id(edition, admin_user):
    from parindex.transfer.tasks import import_run

    job = importing.import_job_create(edition=edition, upload=upload(xlsx_bytes(GOOD_ROWS)), user=admin_user)
    assert import_run(job.pk) == {"job": job.pk, "stage": "preview", "status": "done"}
    assert import_run(10**9) == {"job": 10**9, "status": "missing"}


def test_a_job_that_failed_shows_why(admin_client, edition):
    job = ImportJob.objects.create(
        edition=edition,
        user=User.objects.get(username="quan-tri"),
        filename="x.csv",
        content=b"",
        status=ImportJobStatus.FAILED,
        messages=["Lỗi hệ thống khi xử lý tệp; hãy thử lại hoặc báo quản trị viên."],
    )
    page = admin_client.get(reverse("transfer:job", args=[job.pk])).content.decode()
    assert "Lỗi hệ thống khi xử lý tệp" in page
    assert "Xác nhận nhập" not in page


# --- Hostile workbooks (issue 11): refused on every path, before a job is stored -----------------------------


def test_a_zip_bomb_is_refused_by_the_upload_form_and_by_the_preview_before_anything_parses_it(
    admin_client, edition, admin_user
):
    from tests.transfer.test_hostile_workbooks import bomb

    content = bomb(5_000_000)
    response = admin_client.post(reverse("transfer:upload", args=[edition.pk]), {"file": upload(content)})
    assert response.status_code == 200
    assert "Tệp .xlsx giải nén ra quá lớn (hơn 50 MB)" in response.content.decode()
    assert not ImportJob.objects.exists()
    preview = importing.import_preview(edition=edition, upload=upload(content), user=admin_user)
    assert preview.errors and "giải nén ra quá lớn" in preview.errors[0]


def test_a_small_workbook_that_expands_past_the_threshold_is_parsed_by_the_worker(
    edition, admin_user, settings
):
    """A zip bomb is small: what decides is what the file expands to."""
    content = xlsx_bytes([data_row(p.name) for p in Unit.objects.valid_in_year(2024)])
    settings.IMPORT_ASYNC_BYTES = 2 * len(content)
    as_xlsx = importing.import_job_create(edition=edition, upload=upload(content), user=admin_user)
    as_csv = importing.import_job_create(
        edition=edition, upload=upload(csv_bytes([data_row("Hà Nội")]), "a.csv"), user=admin_user
    )
    assert as_xlsx.size < settings.IMPORT_ASYNC_BYTES
    assert importing.runs_in_background(as_xlsx)
    assert not importing.runs_in_background(as_csv)
