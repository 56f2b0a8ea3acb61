"""CSV and .xlsx downloads hold exactly what the table shows (same index, year, filters, order, language), with
the sources and, for demo data, the demo label on every row."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from parindex.register.numbers import parse_decimal
from tests.dashboards.html_tables import Table, read_table

pytestmark = pytest.mark.django_db

CASES = [
    pytest.param("/xep-hang/par-index/2024/", {"loai": "demo"}, id="demo_63"),
    pytest.param(
        "/xep-hang/par-index/2025/", {"loai": "demo", "sap_xep": "-thay_doi_hang"}, id="demo_34_sorted"
    ),
    pytest.param("/xep-hang/par-index/2023/", {"sap_xep": "chi_so", "nhom": "B"}, id="partial_filtered"),
    pytest.param("/xep-hang/par-index/2012/", {"q": "da nang"}, id="disagreeing_sources"),
    pytest.param("/xep-hang/par-index/2024/", {"vung": "dong-bang-song-hong"}, id="official_region"),
    pytest.param("/xep-hang/par-index/2025/linh-vuc/", {"loai": "demo", "sap_xep": "lv3"}, id="domains_34"),
    pytest.param("/xep-hang/par-index/2024/linh-vuc/", {"loai": "demo", "q": "ha"}, id="domains_63"),
]


def _csv(client, url: str, params: dict[str, str]) -> list[list[str]]:
    response = client.get(f"{url}tai-ve.csv", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads the Vietnamese letters
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _shown(table: Table) -> list[list[str]]:
    return [table.header, *(row.cells for row in table.rows if len(row.cells) == len(table.header))]


def _assert_same(table: Table, rows: list[list[str]]) -> None:
    """Same header, rows and order; each cell as read on the page, the sources as their URLs."""
    shown = _shown(table)
    assert len(rows) == len(shown)
    assert rows[0] == shown[0]
    has_sources = shown[0][-1] == "Nguồn"
    for page_row, file_row, row in zip(
        shown[1:], rows[1:], [r for r in table.rows if len(r.cells) == len(table.header)], strict=True
    ):
        if has_sources:
            assert page_row[:-1] == file_row[:-1]
            links = [link for link in row.links[-1] if link.startswith("http")]
            assert all(link in file_row[-1] for link in links)
            assert bool(links) == bool(file_row[-1])
        else:
            assert page_row == file_row


@pytest.mark.parametrize(("url", "params"), CASES)
def test_the_csv_holds_exactly_what_the_table_shows(client, url, params):
    table = read_table(client.get(url, params).content.decode())
    rows = _csv(client, url, params)
    demo = params.get("loai") == "demo"
    if demo:
        assert rows[0][0] == "Dữ liệu"
        assert {row[0] for row in rows[1:]} == {"MINH HỌA (DEMO)"}
        rows = [row[1:] for row in rows]
    _assert_same(table, rows)


@pytest.mark.parametrize(("url", "params"), CASES)
def test_the_xlsx_holds_the_same_rows_as_the_csv_with_numbers_as_numbers(client, url, params):
    rows = _csv(client, url, params)
    response = client.get(f"{url}tai-ve.xlsx", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    values = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    assert len(values) == len(rows)
    for file_row, csv_row in zip(values, rows, strict=True):
        assert len(file_row) == len(csv_row)
        for value, text in zip(file_row, csv_row, strict=True):
            if isinstance(value, int | float | Decimal):  # a number where the table shows only a number
                assert Decimal(str(value)) == parse_decimal(text), (value, text)
            else:
                assert value == text
    about = {row[0]: row[1] for row in workbook.worksheets[1].iter_rows(values_only=True)}
    assert about["Trang"].startswith("http://testserver/xep-hang/")
    demo = params.get("loai") == "demo"
    assert ("DEMO" in sheet.title) is demo
    assert ("DỮ LIỆU MINH HỌA (DEMO)" in about) is demo


def test_download_links_on_the_page_carry_the_same_query(client):
    html = client.get(
        "/xep-hang/par-index/2024/", {"loai": "demo", "vung": "tay-nguyen", "sap_xep": "-chi_so"}
    )
    page = html.content.decode()
    assert (
        'href="/xep-hang/par-index/2024/tai-ve.csv?loai=demo&amp;vung=tay-nguyen&amp;sap_xep=-chi_so"' in page
    )
    assert (
        'href="/xep-hang/par-index/2024/tai-ve.xlsx?loai=demo&amp;vung=tay-nguyen&amp;sap_xep=-chi_so"'
        in page
    )


def test_files_are_named_by_index_year_and_demo(client):
    demo = client.get("/xep-hang/par-index/2024/tai-ve.csv", {"loai": "demo"})
    assert demo["Content-Disposition"] == 'attachment; filename="par-index-2024-demo.csv"'
    official = client.get("/xep-hang/par-index/2024/linh-vuc/tai-ve.xlsx")
    assert official["Content-Disposition"] == 'attachment; filename="par-index-2024-linh-vuc.xlsx"'
    assert "MINH HỌA" not in client.get("/xep-hang/par-index/2024/tai-ve.csv").content.decode("utf-8-sig")


def test_the_download_follows_the_language(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    rows = _csv(client, "/xep-hang/par-index/2024/", {"loai": "demo"})
    assert "Rank change" in rows[0]
    assert "." in rows[2][3] and "," not in rows[2][3]  # 97.49, not 97,49


def test_a_download_of_a_cached_year_is_cached_too(client, django_assert_max_num_queries):
    client.get("/xep-hang/par-index/2024/tai-ve.csv", {"loai": "demo"})
    with django_assert_max_num_queries(0):
        assert client.get("/xep-hang/par-index/2024/tai-ve.csv", {"loai": "demo"}).status_code == 200
