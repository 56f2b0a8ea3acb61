"""Export of an edition and the empty template (parindex.transfer.exporting and the transfer views): the template's
layout, export → import changes nothing, who may download what."""

from __future__ import annotations

import codecs
import csv
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from openpyxl import load_workbook

from parindex.register.models import Assessment, Edition, EditionKind, EditionStatus, ImportJobStatus, Unit
from parindex.transfer import exporting, importing
from parindex.transfer.spreadsheets import read_table
from tests.transfer.test_import import GOOD_ROWS, PASSWORD, counts, make_edition, run_import, upload
from tests.transfer.test_spreadsheets import data_row, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user() -> User:
    return User.objects.create_superuser("quan-tri", password=PASSWORD)


@pytest.fixture
def filled_edition(admin_user) -> Edition:
    """A draft with full rows and a row with only the published index and rank."""
    edition = make_edition(2024)
    rows = [
        *GOOD_ROWS,
        data_row(
            "TP.HCM", points=["9,99", "0", "14,5", "11", "16", "7", "16", "15,5"], index="99,99", rank=1
        ),
        data_row("Đắk Lắk", points=[None] * 8, index="80,1", rank=30),
    ]
    job = run_import(edition, xlsx_bytes(rows), admin_user)
    assert job.status == ImportJobStatus.DONE, job.messages
    return edition


def test_headers_follow_the_template_layout_with_domain_maxima(filled_edition):
    assert exporting.headers(filled_edition) == [
        "Tỉnh, thành phố",
        "Năm",
        "Lĩnh vực 1 (tối đa 10)",
        "Lĩnh vực 2 (tối đa 10)",
        "Lĩnh vực 3 (tối đa 14.5)",
        "Lĩnh vực 4 (tối đa 11)",
        "Lĩnh vực 5 (tối đa 16)",
        "Lĩnh vực 6 (tối đa 7)",
        "Lĩnh vực 7 (tối đa 16)",
        "Lĩnh vực 8 (tối đa 15.5)",
        "Chỉ số (%)",
        "Xếp hạng",
    ]


def test_xlsx_export_holds_points_index_and_rank(filled_edition):
    workbook = load_workbook(io.BytesIO(exporting.to_xlsx(filled_edition)))
    sheet = workbook.worksheets[0]
    assert sheet.title == "PAR INDEX 2024"
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"Hà Nội", "Hải Phòng", "TP Hồ Chí Minh", "Đắk Lắk"}
    assert rows["Hà Nội"][1:4] == (2024, 8.5, 9)
    assert rows["TP Hồ Chí Minh"][-2:] == (99.99, 1)
    assert rows["Đắk Lắk"][2:] == (*(None,) * 8, 80.1, 30)


def test_csv_export_is_utf8_with_bom_and_decimal_points(filled_edition):
    content = exporting.to_csv(filled_edition)
    assert content.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(content[3:].decode("utf-8"))))
    assert rows[0][0] == "Tỉnh, thành phố"
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["Hà Nội"][2:5] == ["8.50", "9.00", "12.25"]
    assert by_name["Đắk Lắk"][-2:] == ["80.10", "30"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_import_changes_nothing(filled_edition, admin_user, fmt):
    content = exporting.to_xlsx(filled_edition) if fmt == "xlsx" else exporting.to_csv(filled_edition)
    before = counts()
    versions = dict(Assessment.objects.filter(edition=filled_edition).values_list("unit_id", "version"))

    preview = importing.import_preview(
        edition=filled_edition, upload=upload(content, f"x.{fmt}"), user=admin_user
    )
    assert preview.ok, preview.errors
    assert [r.status for r in preview.rows] == ["unchanged"] * 4
    assert not any(c.changed for r in preview.rows for c in r.cells)

    job = run_import(filled_edition, content, admin_user, name=f"x.{fmt}")
    assert job.status == ImportJobStatus.DONE
    assert counts() == before
    assert (
        dict(Assessment.objects.filter(edition=filled_edition).values_list("unit_id", "version")) == versions
    )


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_of_a_whole_published_edition_reads_back_unchanged(admin_user, fmt):
    """The demo edition of 2024: 63 units × 8 domains, published (so nothing may change, and nothing does)."""
    edition = Edition.objects.get(index__code="PAR_INDEX", year=2024, kind=EditionKind.DEMO)
    content = exporting.to_xlsx(edition) if fmt == "xlsx" else exporting.to_csv(edition)
    preview = importing.import_preview(
        edition=edition, upload=upload(content, f"demo.{fmt}"), user=admin_user
    )
    assert preview.ok, preview.errors
    assert len(preview.rows) == 63
    assert {r.status for r in preview.rows} == {"unchanged"}


def test_export_of_a_2025_edition_reads_back_to_the_34_units(admin_user):
    edition = Edition.objects.get(index__code="PAR_INDEX", year=2025, kind=EditionKind.DEMO)
    preview = importing.import_preview(
        edition=edition, upload=upload(exporting.to_xlsx(edition)), user=admin_user
    )
    assert preview.ok, preview.errors
    assert len(preview.rows) == 34
    assert {r.unit_id for r in preview.rows} == set(
        Unit.objects.valid_in_year(2025).values_list("pk", flat=True)
    )


@pytest.mark.parametrize(("year", "units"), [(2024, 63), (2025, 34)], ids=["63-units", "34-units"])
def test_template_lists_the_units_of_that_year_and_nothing_else(year, units):
    edition = make_edition(year)
    table = read_table(exporting.to_xlsx(edition, empty=True), year=year)
    assert len(table.rows) == units
    assert all(r.is_blank() for r in table.rows)
    csv_table = read_table(exporting.to_csv(edition, empty=True))
    assert [r.unit for r in csv_table.rows] == [r.unit for r in table.rows]


def test_an_untouched_template_imports_as_nothing_to_do(admin_user):
    edition = make_edition(2024)
    before = counts()
    preview = importing.import_preview(
        edition=edition, upload=upload(exporting.to_xlsx(edition, empty=True)), user=admin_user
    )
    assert preview.ok and preview.to_write == 0
    assert {r.status for r in preview.rows} == {"blank"}
    assert counts() == before


def test_a_filled_template_imports(admin_user):
    edition = make_edition(2024)
    workbook = load_workbook(io.BytesIO(exporting.to_xlsx(edition, empty=True)))
    sheet = workbook.worksheets[0]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "Hà Nội":
            for cell, value in zip(row[2:], [8, 9, 12, 10, 14, 6, 13, 13, Decimal("85"), 4], strict=True):
                cell.value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = run_import(edition, buffer.getvalue(), admin_user)
    assert job.status == ImportJobStatus.DONE, job.messages
    assert Assessment.objects.get(edition=edition).published_rank == 4


# --- Downloads and who may have them -----------------------------------------------------------------------


def _client_for(client, who: str):
    if who == "anonymous":
        return client
    user = User.objects.create_user(who, password=PASSWORD, is_superuser=who == "admin")
    if who in ("leader", "editor"):
        user.groups.add(Group.objects.get(name=who))
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("who", "draft_status", "published_status"),
    [
        ("anonymous", 302, 302),
        ("no-role", 403, 200),
        ("leader", 200, 200),
        ("editor", 200, 200),
        ("admin", 200, 200),
    ],
    ids=["anonymous-to-login", "no-role-published-only", "leader", "editor", "admin"],
)
def test_exports_of_drafts_are_for_staff_and_published_for_any_user(
    client, who, draft_status, published_status
):
    draft = make_edition(2024)
    published = Edition.objects.get(index__code="PAR_INDEX", year=2024, kind=EditionKind.DEMO)
    client = _client_for(client, who)
    assert client.get(reverse("transfer:export", args=[draft.pk, "xlsx"])).status_code == draft_status
    assert client.get(reverse("transfer:export", args=[published.pk, "csv"])).status_code == published_status


@pytest.mark.parametrize(
    ("name", "kwargs", "content_type", "filename"),
    [
        ("transfer:export", {"fmt": "xlsx"}, exporting.XLSX_CONTENT_TYPE, "par-index-2024-demo.xlsx"),
        ("transfer:export", {"fmt": "csv"}, "text/csv; charset=utf-8", "par-index-2024-demo.csv"),
        (
            "transfer:template",
            {"fmt": "xlsx"},
            exporting.XLSX_CONTENT_TYPE,
            "mau-nhap-par-index-2024-demo.xlsx",
        ),
        ("transfer:template", {"fmt": "csv"}, "text/csv; charset=utf-8", "mau-nhap-par-index-2024-demo.csv"),
    ],
    ids=["export-xlsx", "export-csv", "template-xlsx", "template-csv"],
)
def test_downloads_are_attachments_with_clear_names(client, admin_user, name, kwargs, content_type, filename):
    client.force_login(admin_user)
    edition = Edition.objects.get(index__code="PAR_INDEX", year=2024, kind=EditionKind.DEMO)
    response = client.get(reverse(name, kwargs={"edition_id": edition.pk, **kwargs}))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_unknown_format_is_not_found(client, admin_user):
    client.force_login(admin_user)
    edition = Edition.objects.get(index__code="PAR_INDEX", year=2024, kind=EditionKind.DEMO)
    assert client.get(reverse("transfer:export", args=[edition.pk, "pdf"])).status_code == 404


def test_export_reads_in_a_fixed_number_of_queries(client, admin_user, django_assert_max_num_queries):
    client.force_login(admin_user)
    edition = Edition.objects.get(index__code="PAR_INDEX", year=2024, kind=EditionKind.DEMO)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("transfer:export", args=[edition.pk, "csv"]))
    assert response.status_code == 200


def test_draft_stays_draft_after_export(filled_edition, client, admin_user):
    client.force_login(admin_user)
    client.get(reverse("transfer:export", args=[filled_edition.pk, "xlsx"]))
    filled_edition.refresh_from_db()
    assert filled_edition.status == EditionStatus.DRAFT
